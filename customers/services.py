"""Writes of customers.

Email uniqueness is enforced by guard items in ``customer-emails`` written in
the same transaction as the customer, never by reading an index.
"""
from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from datetime import timedelta

from django.contrib.auth.hashers import check_password, make_password
from django.utils import timezone

from customers.models import Customer, CustomerEmail, PendingSignup
from customers.selectors import (
    CUSTOMERS_TALLY,
    CustomerNotFound,
    customer_get,
    customer_get_by_email,
    name_search_key,
    normalise_email,
    phone_search_key,
)
from shopsite.audit import audit_add, audit_diff
from shopsite.counters import tally_add
from shopsite.transactions import StaleEdit, TransactionCancelled, transaction

EDITABLE_FIELDS = (
    "email", "first_name", "last_name", "phone", "line1", "line2", "city", "postal_code", "country", "notes", "status",
)


class EmailTaken(Exception):
    """Another customer already uses this email address."""


def _guard(email: str, customer_id: str) -> CustomerEmail:
    return CustomerEmail(email, customer_id=customer_id)


def _search_keys(customer: Customer) -> None:
    """Set the staff search keys: name as "surname first-name" and the phone's digits (absent when empty)."""
    customer.name_key = name_search_key(f"{customer.last_name} {customer.first_name}") or None
    customer.phone_key = phone_search_key(customer.phone) or None


def _audited(customer: Customer) -> dict:
    return {field: getattr(customer, field) for field in (*EDITABLE_FIELDS, "password")}


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
    actor: str = "",
    password_hash: str | None = None,
) -> Customer:
    """Create a customer and its email guard in one transaction; raise EmailTaken on a duplicate.

    The same transaction adds one to the customers tally and writes the audit
    entry (*actor*: the staff member, or empty when people sign themselves up).
    """
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
        password=make_password(password) if password else password_hash,
        created_at=now,
        updated_at=now,
    )
    _search_keys(customer)
    try:
        with transaction() as tx:
            tx.save(_guard(email, customer.customer_id), label="email-guard", condition=CustomerEmail.email.does_not_exist())
            tx.save(customer, label="customer", condition=Customer.customer_id.does_not_exist())
            tally_add(tx, name=CUSTOMERS_TALLY, value=1)
            audit_add(tx, subject=f"customer#{customer.customer_id}", actor=actor or email, action="created",
                      changes=audit_diff(before={}, after={k: v for k, v in _audited(customer).items() if v}))
    except TransactionCancelled as cancelled:
        if cancelled.failed("email-guard"):
            raise EmailTaken(email) from cancelled
        raise
    return customer


def customer_update(*, customer_id: str, expected_version: int | None = None, actor: str = "",
                    expected_status: str | None = None, **changes) -> Customer:
    """Apply *changes* to the customer; swap email guards in the same transaction.

    Raise StaleEdit when the stored version is not *expected_version* (or it
    changes while saving), EmailTaken when the new email is in use. The audit
    entry (what changed, by *actor*) is written in the same transaction. With
    *expected_status*, only a customer still in that status changes (bulk actions).
    """
    unknown = set(changes) - set(EDITABLE_FIELDS) - {"password"}
    if unknown:
        raise TypeError(f"Not editable: {', '.join(sorted(unknown))}")
    customer = customer_get(customer_id=customer_id)
    if expected_version is not None and customer.version != expected_version:
        raise StaleEdit(customer)
    if expected_status is not None and customer.status != expected_status:
        raise StaleEdit(customer)
    before = _audited(customer)
    old_email = customer.email
    if "email" in changes:
        changes["email"] = normalise_email(changes["email"])
    if changes.get("password"):
        changes["password"] = make_password(changes["password"])
    for field, value in changes.items():
        setattr(customer, field, value)
    customer.updated_at = timezone.now()
    _search_keys(customer)
    diff = audit_diff(before=before, after=_audited(customer))

    try:
        with transaction() as tx:
            if customer.email != old_email:
                tx.delete(_guard(old_email, customer_id), label="old-guard",
                          condition=CustomerEmail.customer_id == customer_id)
                tx.save(_guard(customer.email, customer_id), label="new-guard",
                        condition=CustomerEmail.email.does_not_exist())
            tx.save(customer, label="customer")
            if diff:
                audit_add(tx, subject=f"customer#{customer_id}", actor=actor or customer.email, action="changed",
                          changes=diff)
    except TransactionCancelled as cancelled:
        if cancelled.failed("new-guard"):
            raise EmailTaken(customer.email) from cancelled
        if cancelled.failed("old-guard", "customer"):
            raise StaleEdit(customer_get(customer_id=customer_id)) from cancelled
        raise
    return customer


def customer_delete(*, customer_id: str, expected_version: int | None = None, actor: str = "") -> None:
    """Delete the customer and its email guard in one transaction (with the tally and the audit entry)."""
    customer = customer_get(customer_id=customer_id)
    if expected_version is not None and customer.version != expected_version:
        raise StaleEdit(customer)
    try:
        with transaction() as tx:
            tx.delete(customer, label="customer")
            tx.delete(_guard(customer.email, customer_id), label="guard", condition=CustomerEmail.customer_id == customer_id)
            tally_add(tx, name=CUSTOMERS_TALLY, value=-1)
            audit_add(tx, subject=f"customer#{customer_id}", actor=actor or customer.email, action="deleted",
                      changes={"email": [customer.email, None]})
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


SIGNUP_LINK_SECONDS = 24 * 60 * 60


class SignupLinkInvalid(Exception):
    """The signup link is unknown, used already or expired."""


def _signup_key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def signup_request(*, email: str, password: str, next_url: str = "", **profile) -> tuple[str | None, Customer | None]:
    """Start a signup. Return (token, None) for a free email — a PendingSignup the emailed link completes —
    or (None, the existing account) when the email is taken: the caller answers alike and tells that owner."""
    email = normalise_email(email)
    try:
        return None, customer_get_by_email(email=email)
    except CustomerNotFound:
        pass
    token = secrets.token_urlsafe(32)
    data = {"profile": profile, "password": make_password(password), "next": next_url[:500]}
    PendingSignup(_signup_key(token), email=email, data=json.dumps(data),
                  expires_at=timezone.now() + timedelta(seconds=SIGNUP_LINK_SECONDS)).save()
    return token, None


def signup_pending(*, token: str) -> PendingSignup:
    """The pending signup a link names; SignupLinkInvalid when there is none (TTL deletes only eventually)."""
    if not token or len(token) > 100:
        raise SignupLinkInvalid()
    try:
        pending = PendingSignup.get(_signup_key(token), consistent_read=True)
    except PendingSignup.DoesNotExist:
        raise SignupLinkInvalid() from None
    if pending.expires_at <= timezone.now():
        raise SignupLinkInvalid()
    return pending


def signup_confirm(*, token: str) -> tuple[Customer, str]:
    """Create the account a signup link proves the email of; return it and where the shopper was going.
    Raise SignupLinkInvalid, or EmailTaken when the address got an account meanwhile."""
    pending = signup_pending(token=token)
    data = json.loads(pending.data)
    customer = customer_create(email=pending.email, password_hash=data["password"], **data["profile"])
    pending.delete()
    return customer, data.get("next", "")
