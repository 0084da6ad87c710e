"""Writes of customers.

Email uniqueness is enforced by guard items in ``customer-emails`` written in
the same transaction as the customer, never by reading an index.
"""
from __future__ import annotations

import hashlib
import json
import secrets
import time
import uuid
from datetime import timedelta

from django.contrib.auth.hashers import check_password, make_password
from django.utils import timezone

from customers.models import Customer, CustomerEmail, CustomerTally, PendingSignup
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
from shopsite.dynamodb import retry_pause
from shopsite.transactions import StaleEdit, TransactionCancelled, transaction

EDITABLE_FIELDS = (
    "email", "first_name", "last_name", "phone", "line1", "line2", "city", "postal_code", "country", "notes", "status",
)


CREATE_ATTEMPTS = 6  # of a whole create, each after botocore's own resends of a conflicted transaction


class EmailTaken(Exception):
    """Another customer already uses this email address."""


class GuestRecord(Exception):
    """A guest's record is kept from their orders: it is not edited or deleted, it becomes an account on sign-up."""


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
    attempt = 0
    while True:
        attempt += 1
        try:
            with transaction() as tx:
                tx.save(_guard(email, customer.customer_id), label="email-guard",
                        condition=CustomerEmail.email.does_not_exist())
                tx.save(customer, label="customer", condition=Customer.customer_id.does_not_exist())
                tally_add(tx, name=CUSTOMERS_TALLY, value=1)
                audit_add(tx, subject=f"customer#{customer.customer_id}", actor=actor or email, action="created",
                          changes=audit_diff(before={}, after={k: v for k, v in _audited(customer).items() if v}))
        except TransactionCancelled as cancelled:
            if cancelled.failed("email-guard"):
                raise EmailTaken(email) from cancelled
            if not cancelled.retryable or attempt == CREATE_ATTEMPTS:
                raise
            # Many sign-ups at once meet on the customers tally (and on one email's guard): botocore's own
            # resends gave up, so wait a little longer and try again; every condition is checked anew.
            time.sleep(retry_pause(attempt + 3, cap=2.0))
            continue
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
    if customer.is_guest:
        raise GuestRecord(customer_id)
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
            # Only the edited fields: the order count and spend the orders stream adds meanwhile stay as they are.
            written = [*EDITABLE_FIELDS, "password", "updated_at", "name_key", "phone_key"]
            tx.update(customer, label="customer", actions=[
                getattr(Customer, field).set(getattr(customer, field)) if getattr(customer, field) is not None
                else getattr(Customer, field).remove() for field in written])
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
    if customer.is_guest:
        raise GuestRecord(customer_id)
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


def buyer_orders_add(tx, *, customer_id: str, orders: int, spent_cents: int, label: str,
                     guest_email: str | None = None, guest_name: str = "", exists: bool = True) -> None:
    """Inside *tx*, add to a buyer's order count and spend (orders.buyers calls this from the orders stream).

    A customer with an account must still exist (a deleted one is not brought back). A guest's record
    (*guest_email*) is created by the first of their orders, with *exists* False: the caller read it first and
    the condition makes sure nobody created it meanwhile; the caller adds the new records to the customers tally.
    """
    now = timezone.now()
    actions = [CustomerTally.order_count.add(orders), CustomerTally.spent_cents.add(spent_cents)]
    if guest_email is None or exists:
        if guest_email is not None:
            actions.append(CustomerTally.updated_at.set(now))
        tx.update(CustomerTally(customer_id), label=label, actions=actions, condition=CustomerTally.customer_id.exists())
        return
    first_name, _, last_name = " ".join(guest_name.split()).partition(" ")
    actions += [CustomerTally.email.set(normalise_email(guest_email)), CustomerTally.status.set("guest"),
                CustomerTally.listing.set("all"), CustomerTally.first_name.set(first_name),
                CustomerTally.last_name.set(last_name), CustomerTally.created_at.set(now), CustomerTally.updated_at.set(now)]
    if name_search_key(f"{last_name} {first_name}"):
        actions.append(CustomerTally.name_key.set(name_search_key(f"{last_name} {first_name}")))
    tx.update(CustomerTally(customer_id), label=label, actions=actions, condition=CustomerTally.customer_id.does_not_exist())


def buyer_tally_set(*, customer_id: str, orders: int, spent_cents: int, guest_email: str | None = None,
                    guest_name: str = "") -> None:
    """Set a buyer's order count and spend to counts made from the orders (check_integrity --fix, the upgrade
    from before buyers were counted); a guest's missing record is created, and counted in the customers tally."""
    if guest_email is not None:
        try:
            with transaction() as tx:
                buyer_orders_add(tx, customer_id=customer_id, orders=0, spent_cents=0, label="guest",
                                 guest_email=guest_email, guest_name=guest_name, exists=False)
                tally_add(tx, name=CUSTOMERS_TALLY, value=1)
        except TransactionCancelled as cancelled:
            if not cancelled.failed("guest"):
                raise  # else: the record is there already
    CustomerTally(customer_id).update(actions=[CustomerTally.order_count.set(orders),
                                               CustomerTally.spent_cents.set(spent_cents)],
                                      condition=CustomerTally.customer_id.exists())


def guest_record_drop(*, customer_id: str) -> bool:
    """Delete a guest's record once none of its orders is filed under it (they moved to the account that proved
    the email); return whether it went. The customers tally loses it in the same transaction."""
    try:
        with transaction() as tx:
            tx.delete(CustomerTally(customer_id), label="guest",
                      condition=(CustomerTally.order_count <= 0) & (CustomerTally.status == "guest"))
            tally_add(tx, name=CUSTOMERS_TALLY, value=-1)
    except TransactionCancelled as cancelled:
        if cancelled.failed("guest"):
            return False
        raise
    return True


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
