"""Writes of staff accounts, API keys and login throttling."""
from __future__ import annotations

import secrets
import time
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.utils import timezone
from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from customers.accounts.selectors import api_key_hash, staff_get
from customers.models import ApiKey, LoginAttempt, Staff
from customers.selectors import normalise_email
from customers.services import customer_authenticate
from shopsite.transactions import StaleEdit


class StaffExists(Exception):
    """A staff account with this email already exists."""


class LoginLocked(Exception):
    """Too many failed logins for this account; try again later."""

    def __init__(self, seconds: int):
        super().__init__(f"Too many failed attempts. Try again in {max(1, seconds // 60)} minutes.")
        self.seconds = seconds


def staff_create(*, email: str, password: str | None, name: str = "") -> Staff:
    """Create a staff account (password None: unusable until set); raise StaffExists if taken."""
    staff = Staff(normalise_email(email), password=make_password(password), name=name, created_at=timezone.now())
    try:
        staff.save(condition=Staff.email.does_not_exist())
    except PutError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            raise StaffExists(staff.email) from error
        raise
    return staff


def staff_set_password(*, email: str, password: str, expected_hash: str | None = None) -> Staff:
    """Replace a staff member's password (ends their other sessions).

    With *expected_hash*, only if the stored hash is still that one: a
    one-time link used twice at once sets the password once.
    """
    staff = staff_get(email=email)
    if staff is None:
        raise DoesNotExist(email)
    condition = Staff.email.exists()
    if expected_hash is not None:
        condition &= Staff.password == expected_hash
    try:
        staff.update(actions=[Staff.password.set(make_password(password))], condition=condition)
    except UpdateError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            raise StaleEdit(staff_get(email=email)) from error
        raise
    return staff


def staff_invite(*, email: str, name: str = "") -> tuple[Staff, bool]:
    """Return the staff account for *email*, created without a usable password if missing.

    The second value says whether it was created. The password is set
    through a one-time link (customers.accounts.tokens), never on a command line.
    """
    try:
        return staff_create(email=email, password=None, name=name), True
    except StaffExists:
        return staff_get(email=email), False


def staff_authenticate(*, email: str, password: str) -> Staff | None:
    """Return the active staff account whose password matches, or None."""
    staff = staff_get(email=email)
    if staff is None or not staff.active:
        make_password(password)
        return None
    return staff if check_password(password, staff.password) else None


def api_key_create(*, name: str) -> tuple[ApiKey, str]:
    """Create an API key; return the record and the key itself (shown once, stored hashed)."""
    key = f"sk_{secrets.token_urlsafe(32)}"
    api_key = ApiKey(api_key_hash(key), name=name, prefix=key[:8], created_at=timezone.now())
    api_key.save(condition=ApiKey.key_hash.does_not_exist())
    return api_key, key


# Login throttling, kept in DynamoDB because every Lambda copy must see it.

def _attempt_key(scope: str, email: str) -> str:
    return f"{scope}#{normalise_email(email)}"[:300]


def login_lock_remaining(*, scope: str, email: str) -> int:
    """Return how many seconds this account stays locked (0 when it is not)."""
    try:
        attempt = LoginAttempt.get(_attempt_key(scope, email), consistent_read=True)
    except DoesNotExist:
        return 0
    return max(0, int(attempt.locked_until - time.time()))


def login_failure_record(*, scope: str, email: str) -> int:
    """Count a failed login; lock the account once the limit is reached. Return the failures so far."""
    key = _attempt_key(scope, email)
    now = int(time.time())
    window = settings.LOGIN_LOCK_SECONDS
    expires = timezone.now() + timedelta(seconds=2 * window)
    attempt = LoginAttempt(key)
    try:
        attempt.update(
            actions=[LoginAttempt.failures.add(1), LoginAttempt.expires_at.set(expires)],
            condition=LoginAttempt.window_start > now - window,
        )
        failures = attempt.failures
    except UpdateError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise
        LoginAttempt(key, failures=1, window_start=now, locked_until=0, expires_at=expires).save()
        failures = 1
    if failures >= settings.LOGIN_FAILURE_LIMIT:
        LoginAttempt(key).update(
            actions=[LoginAttempt.locked_until.set(now + window), LoginAttempt.failures.set(0),
                     LoginAttempt.window_start.set(now)],
        )
    return failures


def login_success_record(*, scope: str, email: str) -> None:
    """Forget the failures of an account that just signed in."""
    LoginAttempt(_attempt_key(scope, email)).delete()


class InvalidCredentials(Exception):
    """The email and password do not match an active account."""


def login_attempt(*, scope: str, email: str, password: str):
    """Check a login against the throttle and the account; return the staff member or customer.

    Raise LoginLocked while the account is locked, InvalidCredentials otherwise.
    """
    authenticate = staff_authenticate if scope == "staff" else customer_authenticate
    remaining = login_lock_remaining(scope=scope, email=email)
    if remaining:
        raise LoginLocked(remaining)
    principal = authenticate(email=email, password=password)
    if principal is None:
        failures = login_failure_record(scope=scope, email=email)
        if failures >= settings.LOGIN_FAILURE_LIMIT:
            raise LoginLocked(settings.LOGIN_LOCK_SECONDS)
        raise InvalidCredentials()
    login_success_record(scope=scope, email=email)
    return principal
