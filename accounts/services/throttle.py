"""Signing in and its throttle: per client and per account, locks that double, the password-reset link's
own budget.
"""
from __future__ import annotations

import time
from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from pynamodb.exceptions import DoesNotExist

from accounts.tokens import customer_password_tokens, uid_encode
from accounts.models import LoginAttempt
from accounts.services.staff import staff_authenticate
from customers.selectors import CustomerNotFound, customer_get_by_email, normalise_email
from customers.services import customer_authenticate
from shopsite.emails import email_request, email_send
from shopsite.links import site_url
from shopsite.transactions import ConditionFailed, condition_checked


class LoginLocked(Exception):
    """Too many failed logins for this account; try again later."""

    def __init__(self, seconds: int):
        super().__init__(f"Too many failed attempts. Try again in {max(1, seconds // 60)} minutes.")
        self.seconds = seconds


def _window_slot(key: str, *, limit: int) -> int:
    """Reserve one attempt under *key*; return 0, or the seconds to wait when the key is spent or locked."""
    now = int(time.time())
    window = settings.LOGIN_WINDOW_SECONDS
    expires = timezone.now() + timedelta(seconds=max(window, settings.LOGIN_LOCK_MAX_SECONDS) * 4)
    for _ in range(3):
        item = LoginAttempt(key)
        try:  # the current window, with room left and no lock
            with condition_checked():
                item.update(
                    actions=[LoginAttempt.failures.add(1), LoginAttempt.expires_at.set(expires)],
                    condition=(LoginAttempt.window_start > now - window) & (LoginAttempt.failures < limit)
                    & (LoginAttempt.locked_until <= now),
                )
            return 0
        except ConditionFailed:
            pass
        try:  # a new window, once the old one (and any lock) is over
            with condition_checked():
                item.update(
                    actions=[LoginAttempt.failures.set(1), LoginAttempt.window_start.set(now),
                             LoginAttempt.locked_until.set(0), LoginAttempt.expires_at.set(expires)],
                    condition=LoginAttempt.key.does_not_exist()
                    | ((LoginAttempt.window_start <= now - window) & (LoginAttempt.locked_until <= now)),
                )
            return 0
        except ConditionFailed:
            pass
        current = LoginAttempt.get(key, consistent_read=True)
        if current.locked_until > now:
            return int(current.locked_until - now)
        if current.window_start > now - window and current.failures >= limit:
            return int(current.window_start + window - now)
    return settings.LOGIN_WINDOW_SECONDS  # contended three times over: treat as spent


def _lock_after_failure(key: str, *, limit: int) -> None:
    """Once *key* has used its slots, lock it for twice as long as last time."""
    try:
        current = LoginAttempt.get(key, consistent_read=True)
    except DoesNotExist:
        return
    if current.failures < limit:
        return
    now = int(time.time())
    seconds = min(settings.LOGIN_LOCK_MAX_SECONDS, settings.LOGIN_LOCK_SECONDS * 2 ** int(current.level or 0))
    try:
        with condition_checked():
            LoginAttempt(key).update(
                actions=[LoginAttempt.locked_until.set(now + seconds), LoginAttempt.level.add(1)],
                condition=LoginAttempt.locked_until <= now,
            )
    except ConditionFailed:
        pass  # locked already by a concurrent failure


def password_reset_request(*, email: str, client: str) -> None:
    """Queue a "forgot password" request for *email*: the same two writes whether or not it is registered.

    Raise LoginLocked when this client has asked too often (said openly: it
    reveals nothing about the email). Whether a link goes out is decided
    later, by password_reset_deliver in the outbox job, so the answer's
    timing cannot tell a registered email from another.
    """
    wait = _window_slot(f"reset-client#{client}"[:300], limit=settings.LOGIN_CLIENT_LIMIT)
    if wait:
        raise LoginLocked(wait)
    email_request(kind="password_reset", to=normalise_email(email))


def client_request_check(*, purpose: str, client: str) -> None:
    """Count one request of *purpose* (e.g. "guest-link") from *client* in the sign-in throttle's windows
    (LOGIN_CLIENT_LIMIT per window); raise LoginLocked when the client has asked too often."""
    wait = _window_slot(f"{purpose}-client#{client}"[:300], limit=settings.LOGIN_CLIENT_LIMIT)
    if wait:
        raise LoginLocked(wait)


def password_reset_deliver(*, to: str, data: str = "") -> bool:
    """Send the reset (or claim) link to the customer *to* names, within the per-email limit; False when
    nothing goes out (unknown email, inactive account, asked too often)."""
    try:
        customer = customer_get_by_email(email=to)
    except CustomerNotFound:
        return False
    if customer.status != "active" or _window_slot(f"reset-email#{customer.customer_id}",
                                                   limit=settings.PASSWORD_RESET_EMAIL_LIMIT):
        return False
    link = reverse("accounts:password_reset_confirm", kwargs={
        "uid": uid_encode(customer.customer_id), "token": customer_password_tokens.make_token(customer)})
    email_send(to=customer.email, template="password_reset", subject="Choose your password", context={
        "customer": customer, "reset_url": site_url(link), "claiming": not customer.has_password,
        "hours": settings.PASSWORD_RESET_SECONDS // 3600})
    return True


def _pair_key(scope: str, email: str, client: str) -> str:
    return f"{scope}#{normalise_email(email)}#{client}"[:400]


class InvalidCredentials(Exception):
    """The email and password do not match an active account."""


def _slot_return(key: str) -> None:
    """Give back a slot *key* reserved for an attempt that succeeded (a no-op once its window is gone)."""
    try:
        with condition_checked():
            LoginAttempt(key).update(actions=[LoginAttempt.failures.add(-1)], condition=LoginAttempt.failures > 0)
    except ConditionFailed:
        pass


def login_attempt(*, scope: str, email: str, password: str, client: str):
    """Check a login against the throttle, then the account; return the staff member or customer.

    *client* identifies where the attempt comes from (shopsite.clients.client_address). Raise
    LoginLocked when this client may not try now, InvalidCredentials when
    the email and password do not match. Only failures stay counted.
    """
    authenticate = staff_authenticate if scope == "staff" else customer_authenticate
    client_key, pair_key = f"client#{scope}#{client}"[:300], _pair_key(scope, email, client)
    wait = _window_slot(client_key, limit=settings.LOGIN_CLIENT_LIMIT)
    if wait:
        raise LoginLocked(wait)
    wait = _window_slot(pair_key, limit=settings.LOGIN_FAILURE_LIMIT)
    if wait:
        _slot_return(client_key)  # refused before any password was checked: not a failure of this client
        raise LoginLocked(wait)
    principal = authenticate(email=email, password=password)
    if principal is None:
        _lock_after_failure(pair_key, limit=settings.LOGIN_FAILURE_LIMIT)
        raise InvalidCredentials()
    _slot_return(client_key)
    LoginAttempt(pair_key).delete()
    return principal
