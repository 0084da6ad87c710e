"""Writes of staff accounts, API keys and login throttling."""
from __future__ import annotations

import secrets
import time
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.urls import reverse
from django.utils import timezone
from pynamodb.exceptions import DoesNotExist, UpdateError

from accounts.selectors import api_key_hash, staff_find
from accounts.selectors import OWNERS_TALLY
from accounts.tokens import customer_password_tokens, uid_encode
from accounts.models import ApiKey, LoginAttempt, Staff
from customers.selectors import CustomerNotFound, customer_get_by_email, normalise_email
from customers.services import customer_authenticate
from shopsite.audit import audit_add, audit_diff
from shopsite.emails import email_request, email_send
from shopsite.links import site_url
from shopsite.counters import tally_add
from shopsite.models import Tally
from shopsite.transactions import ConditionFailed, StaleEdit, TransactionCancelled, condition_checked, transaction


class StaffExists(Exception):
    """A staff account with this email already exists."""


class LoginLocked(Exception):
    """Too many failed logins for this account; try again later."""

    def __init__(self, seconds: int):
        super().__init__(f"Too many failed attempts. Try again in {max(1, seconds // 60)} minutes.")
        self.seconds = seconds


class LastOwner(Exception):
    """The shop must keep at least one active owner."""


STAFF_ROLES = {"owner": "Owner: also manages people and API keys", "staff": "Staff: customers, catalog and orders"}


def _owners_add(tx, delta: int) -> None:
    """Move the count of active owners inside *tx*; a decrease needs another active owner to remain."""
    tally_add(tx, name=OWNERS_TALLY, label="owners", condition=(Tally.value > 1) if delta < 0 else None, value=delta)


def staff_create(*, email: str, password: str | None, name: str = "", role: str = "staff", actor: str = "") -> Staff:
    """Create a staff account (password None: unusable until set); raise StaffExists if taken.

    An owner is counted in the owners tally in the same transaction; the audit entry goes with it.
    """
    if role not in STAFF_ROLES:
        raise ValueError(f"Unknown role: {role}")
    staff = Staff(normalise_email(email), password=make_password(password), name=name, role=role,
                  created_at=timezone.now(), invited_by=actor or None)
    try:
        with transaction() as tx:
            tx.save(staff, label="staff", condition=Staff.email.does_not_exist())
            if role == "owner":
                _owners_add(tx, 1)
            audit_add(tx, subject=f"staff#{staff.email}", actor=actor or "command line", action="invited",
                      changes={"role": [None, role]})
    except TransactionCancelled as cancelled:
        if cancelled.failed("staff"):
            raise StaffExists(staff.email) from cancelled
        raise
    return staff


def staff_change(*, email: str, actor: str, active: bool | None = None, role: str | None = None) -> Staff:
    """Deactivate or reactivate a staff account, or change its role, in one conditional transaction.

    Raises LastOwner rather than leave the shop without an active owner
    (two owners demoting each other at once: one of them is refused), and
    StaleEdit when the account changed in between. A deactivated account's
    sessions end on their next request (the middleware checks ``active``).
    """
    staff = staff_find(email=email)
    if staff is None:
        raise DoesNotExist(email)
    if role is not None and role not in STAFF_ROLES:
        raise ValueError(f"Unknown role: {role}")
    new_active = staff.active if active is None else active
    new_role = staff.role if role is None else role
    was_owner, is_owner = staff.active and staff.role == "owner", new_active and new_role == "owner"
    changes = audit_diff(before={"active": staff.active, "role": staff.role}, after={"active": new_active, "role": new_role})
    if not changes:
        return staff
    seen_role = Staff.role == staff.role
    if staff.role == "staff":  # accounts from before roles have no role stored: they read as staff
        seen_role |= Staff.role.does_not_exist()
    try:
        with transaction() as tx:
            tx.update(staff, label="staff", actions=[Staff.active.set(new_active), Staff.role.set(new_role)],
                      condition=(Staff.active == staff.active) & seen_role, add_version_condition=False)
            if was_owner != is_owner:
                _owners_add(tx, 1 if is_owner else -1)
            audit_add(tx, subject=f"staff#{staff.email}", actor=actor, action="changed", changes=changes)
    except TransactionCancelled as cancelled:
        if cancelled.failed("owners"):
            raise LastOwner() from cancelled
        if cancelled.failed("staff"):
            raise StaleEdit(staff_find(email=email)) from cancelled
        raise
    staff.active, staff.role = new_active, new_role
    return staff


def staff_set_password(*, email: str, password: str, expected_hash: str | None = None) -> Staff:
    """Replace a staff member's password (ends their other sessions).

    With *expected_hash*, only if the stored hash is still that one: a
    one-time link used twice at once sets the password once.
    """
    staff = staff_find(email=email)
    if staff is None:
        raise DoesNotExist(email)
    condition = Staff.email.exists()
    if expected_hash is not None:
        condition &= Staff.password == expected_hash
    try:
        with condition_checked():
            staff.update(actions=[Staff.password.set(make_password(password))], condition=condition)
    except ConditionFailed as error:
        raise StaleEdit(staff_find(email=email)) from error
    return staff


def staff_invite(*, email: str, name: str = "", role: str = "staff", actor: str = "") -> tuple[Staff, bool]:
    """Return the staff account for *email*, created without a usable password if missing.

    The second value says whether it was created. The password is set
    through a one-time link (accounts.tokens), never on a command line.
    """
    try:
        return staff_create(email=email, password=None, name=name, role=role, actor=actor), True
    except StaffExists:
        return staff_find(email=email), False


def staff_authenticate(*, email: str, password: str) -> Staff | None:
    """Return the active staff account whose password matches, or None."""
    staff = staff_find(email=email)
    if staff is None or not staff.active:
        make_password(password)
        return None
    return staff if check_password(password, staff.password) else None


API_SCOPES = {
    "customers": "the customers REST API (read and write)",
    "catalog:read": "GraphQL: categories, products and search",
    "staff": "GraphQL: orders and customers, as staff",
}


def api_key_create(*, name: str, scopes: set[str] | None = None) -> tuple[ApiKey, str]:
    """Create an API key; return the record and the key itself (shown once, stored hashed)."""
    scopes = set(scopes or {"customers"})
    unknown = scopes - set(API_SCOPES)
    if unknown:
        raise ValueError(f"Unknown scope: {', '.join(sorted(unknown))}")
    key = f"sk_{secrets.token_urlsafe(32)}"
    api_key = ApiKey(api_key_hash(key), name=name, prefix=key[:8], scopes=scopes, created_at=timezone.now())
    api_key.save(condition=ApiKey.key_hash.does_not_exist())
    return api_key, key


def api_key_revoke(*, key_hash: str, by: str) -> ApiKey:
    """Switch a key off for good (it stays listed, as revoked). Raise DoesNotExist for an unknown key."""
    api_key = ApiKey(key_hash)
    try:
        with condition_checked():
            api_key.update(actions=[ApiKey.active.set(False), ApiKey.revoked_by.set(by[:254])],
                           condition=ApiKey.key_hash.exists())
    except ConditionFailed as error:
        raise DoesNotExist(key_hash) from error
    return api_key


LAST_USED_EVERY = timedelta(minutes=10)  # "last used" is kept to this precision: one extra write per key per period


def _minute_slot(key: str, *, limit: int) -> int:
    """Count one request under *key* in the current minute; return 0, or the seconds until the next minute
    when *limit* is spent. One conditional UpdateItem, shared by every Lambda copy (items expire by TTL)."""
    now = int(time.time())
    minute = now // 60
    item = LoginAttempt(f"{key}#{minute}")
    try:
        with condition_checked():
            item.update(
                actions=[LoginAttempt.failures.add(1), LoginAttempt.expires_at.set(timezone.now() + timedelta(minutes=3))],
                condition=LoginAttempt.key.does_not_exist() | (LoginAttempt.failures < limit),
            )
    except ConditionFailed:
        return (minute + 1) * 60 - now
    return 0


def shopper_token_rate_check(*, customer_id: str) -> int:
    """Count one GraphQL request made with a shopper token of *customer_id*; 0, or the seconds to wait.
    Tokens are limited as API keys are (SHOPPER_TOKEN_RATE_LIMIT_PER_MINUTE per shopper, all tokens together)."""
    return _minute_slot(f"shopper#{customer_id[:64]}", limit=settings.SHOPPER_TOKEN_RATE_LIMIT_PER_MINUTE)


def api_key_rate_check(*, api_key: ApiKey) -> int:
    """Count one request of *api_key* in the current minute; return 0, or the seconds until it may call again.

    The limit is the key's own or the default.
    """
    wait = _minute_slot(f"api#{api_key.key_hash[:32]}", limit=int(api_key.rate_limit or settings.API_RATE_LIMIT_PER_MINUTE))
    if wait:
        return wait
    last = api_key.last_used_at
    if last is None or timezone.now() - last > LAST_USED_EVERY:  # from the key just read: no extra read
        try:
            ApiKey(api_key.key_hash).update(actions=[ApiKey.last_used_at.set(timezone.now())],
                                            condition=ApiKey.key_hash.exists())
        except UpdateError:
            pass  # a revoke or outage between the two writes: the request itself may go on
    return 0


# Login throttling, kept in DynamoDB because every Lambda copy must see it.
#
# Policy (see README; OWASP's authentication guidance, as django-axes does
# it): failures are counted, successes are not. A password is checked only
# after a slot was reserved with a conditional write, so a concurrent burst
# checks at most the limit; a successful sign-in gives its slot back. Slots
# are counted per account *and client* (LOGIN_FAILURE_LIMIT per window; each
# lock of that pair lasts twice the one before, up to LOGIN_LOCK_MAX_SECONDS:
# the account's progressive delay) and per client across all accounts
# (LOGIN_CLIENT_LIMIT failures per window, against password spraying), with
# shoppers and staff counted apart. A stranger can therefore lock only their
# own client out of one kind of sign-in, and honest people behind one NAT
# never spend the budget by signing in.

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
