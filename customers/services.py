"""Writes of customers, staff, API keys and login throttling.

Email uniqueness is enforced by guard items in ``customer-emails`` written in
the same transaction as the customer, never by reading the email index.
"""
from __future__ import annotations

import secrets
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.utils import timezone
from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from customers.models import ApiKey, Customer, CustomerEmail, LoginAttempt, Staff
from customers.selectors import (
    CustomerNotFound,
    api_key_hash,
    customer_get,
    customer_get_by_email,
    normalise_email,
    staff_get,
)
from shopsite.transactions import StaleEdit, TransactionCancelled, transaction

EDITABLE_FIELDS = (
    "email", "first_name", "last_name", "phone", "line1", "line2", "city", "postal_code", "country", "notes", "status",
)


class EmailTaken(Exception):
    """Another customer already uses this email address."""


class StaffExists(Exception):
    """A staff account with this email already exists."""


class LoginLocked(Exception):
    """Too many failed logins for this account; try again later."""

    def __init__(self, seconds: int):
        super().__init__(f"Too many failed attempts. Try again in {max(1, seconds // 60)} minutes.")
        self.seconds = seconds


def _guard(email: str, customer_id: str) -> CustomerEmail:
    return CustomerEmail(email, customer_id=customer_id)


def customer_create(
    *,
    email: str,
    password: str | None = None,
    first_name: str = "",
    last_name: str = "",
    phone: str = "",
    line1: str = "",
    line2: str = "",
    city: str = "",
    postal_code: str = "",
    country: str = "",
    notes: str = "",
    status: str = "active",
) -> Customer:
    """Create a customer and its email guard in one transaction; raise EmailTaken on a duplicate."""
    now = timezone.now()
    email = normalise_email(email)
    customer = Customer(
        str(uuid.uuid4()),
        email=email,
        first_name=first_name,
        last_name=last_name,
        phone=phone,
        line1=line1,
        line2=line2,
        city=city,
        postal_code=postal_code,
        country=country,
        notes=notes,
        status=status,
        password=make_password(password) if password else None,
        created_at=now,
        updated_at=now,
    )
    try:
        with transaction() as tx:
            tx.save(_guard(email, customer.customer_id), label="email-guard", condition=CustomerEmail.email.does_not_exist())
            tx.save(customer, label="customer", condition=Customer.customer_id.does_not_exist())
    except TransactionCancelled as cancelled:
        if cancelled.failed("email-guard"):
            raise EmailTaken(email) from cancelled
        raise
    return customer


def customer_update(*, customer_id: str, expected_version: int | None = None, **changes) -> Customer:
    """Apply *changes* to the customer; swap email guards in the same transaction.

    Raise StaleEdit when the stored version is not *expected_version* (or it
    changes while saving), EmailTaken when the new email is in use.
    """
    unknown = set(changes) - set(EDITABLE_FIELDS) - {"password"}
    if unknown:
        raise TypeError(f"Not editable: {', '.join(sorted(unknown))}")
    customer = customer_get(customer_id=customer_id)
    if expected_version is not None and customer.version != expected_version:
        raise StaleEdit(customer)
    old_email = customer.email
    if "email" in changes:
        changes["email"] = normalise_email(changes["email"])
    if changes.get("password"):
        changes["password"] = make_password(changes["password"])
    for field, value in changes.items():
        setattr(customer, field, value)
    customer.updated_at = timezone.now()

    if customer.email == old_email:
        try:
            customer.save()
        except PutError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                raise StaleEdit(customer_get(customer_id=customer_id)) from error
            raise
        return customer

    try:
        with transaction() as tx:
            tx.delete(_guard(old_email, customer_id), label="old-guard", condition=CustomerEmail.customer_id == customer_id)
            tx.save(_guard(customer.email, customer_id), label="new-guard", condition=CustomerEmail.email.does_not_exist())
            tx.save(customer, label="customer")
    except TransactionCancelled as cancelled:
        if cancelled.failed("new-guard"):
            raise EmailTaken(customer.email) from cancelled
        if cancelled.failed("old-guard", "customer"):
            raise StaleEdit(customer_get(customer_id=customer_id)) from cancelled
        raise
    return customer


def customer_delete(*, customer_id: str, expected_version: int | None = None) -> None:
    """Delete the customer and its email guard in one transaction."""
    customer = customer_get(customer_id=customer_id)
    if expected_version is not None and customer.version != expected_version:
        raise StaleEdit(customer)
    try:
        with transaction() as tx:
            tx.delete(customer, label="customer")
            tx.delete(_guard(customer.email, customer_id), label="guard", condition=CustomerEmail.customer_id == customer_id)
    except TransactionCancelled as cancelled:
        if cancelled.failed("customer", "guard"):
            try:
                current = customer_get(customer_id=customer_id)
            except CustomerNotFound:
                raise CustomerNotFound(customer_id) from cancelled
            raise StaleEdit(current) from cancelled
        raise


def customer_authenticate(*, email: str, password: str) -> Customer | None:
    """Return the active customer whose password matches, or None."""
    try:
        customer = customer_get_by_email(email=email)
    except CustomerNotFound:
        make_password(password)  # spend the same time as a real check
        return None
    if not customer.password or customer.status != "active":
        make_password(password)
        return None
    return customer if check_password(password, customer.password) else None


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
    through a one-time link (customers.tokens), never on a command line.
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
