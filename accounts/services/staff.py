"""Staff accounts: create, invite, change role or deactivate (never the last owner), set a password.
"""
from __future__ import annotations


from django.contrib.auth.hashers import check_password, make_password
from django.utils import timezone
from pynamodb.exceptions import DoesNotExist

from accounts.selectors import staff_find
from accounts.selectors import OWNERS_TALLY
from accounts.models import Staff
from customers.selectors import normalise_email
from shopsite.audit import audit_add, audit_diff
from shopsite.counters import tally_add
from shopsite.models import Tally
from shopsite.transactions import ConditionFailed, StaleEdit, TransactionCancelled, condition_checked, transaction


class StaffExists(Exception):
    """A staff account with this email already exists."""


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
