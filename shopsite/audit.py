"""The audit trail: who changed what and when, written inside the change's own transaction.

Services add an entry to the transaction that makes the change, so an entry
exists exactly when the change does. A record's page reads its latest
entries with one Query (newest first).
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from shopsite.models import AuditEntry
from shopsite.templatetags.shop import money

SECRET_FIELDS = frozenset({"password"})
SYSTEM = "system"
AUDIT_LIMIT = 20  # entries a record's page shows


def audit_diff(*, before: dict, after: dict) -> dict[str, list]:
    """{field: [before, after]} for the fields whose value differs; secrets show as "(changed)"."""
    changed = {}
    for field in sorted(set(before) | set(after)):
        old, new = before.get(field), after.get(field)
        if old == new:
            continue
        if field in SECRET_FIELDS:
            changed[field] = ["", "(changed)"]
        else:
            changed[field] = [_plain(old), _plain(new)]
    return changed


def _plain(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def audit_add(tx, *, subject: str, actor: str, action: str, changes: dict | None = None, reason: str = "") -> None:
    """Add an audit entry for *subject* (``customer#<id>``, ``product#<id>``, ``staff#<email>``) to *tx*."""
    now = timezone.now()
    entry = AuditEntry(subject, f"{now.isoformat()}#{uuid.uuid4().hex[:8]}", at=now, actor=actor or SYSTEM,
                       action=action, changes=json.dumps(changes or {}, sort_keys=True)[:20000], reason=reason[:500])
    tx.save(entry, label=f"audit:{subject}")


@dataclass
class AuditRow:
    at: datetime
    actor: str
    action: str
    changes: list[tuple[str, object, object]]
    reason: str


# How a stored field reads in the history: its label, and its values as staff know them.
FIELD_LABELS = {"active": "Shown in the shop", "category_id": "Category", "price_cents": "Price",
                "compare_at_cents": "Compare-at price", "postal_code": "Postal code", "line1": "Address line 1",
                "line2": "Address line 2", "first_name": "First name", "last_name": "Last name", "sku": "SKU"}
NOT_SHOWN_ON_CREATE = {"password"}  # a new account's password "changing" from nothing says nothing


def _value(field: str, value, names: dict[str, str]):
    if value is None or value == "":
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if field.endswith("_cents") and isinstance(value, (int, float)):
        return money(value)
    if field.endswith("_id") and isinstance(value, str):
        return names.get(value, value[:8])
    return value


def _label(field: str) -> str:
    """A field as staff read it: "price_cents" → "Price cents", "stock of TEE-M" keeps the SKU's case."""
    text = field.replace("_", " ")
    return text[:1].upper() + text[1:]


def audit_list(*, subject: str, limit: int = 20, names: dict[str, str] | None = None) -> list[AuditRow]:
    """The latest *limit* entries for *subject*, newest first: one Query. Fields read as staff know them
    (labels, money, yes/no, *names* for the ids they reference: a category's id → its name)."""
    names = names or {}
    rows = []
    for entry in AuditEntry.query(subject, scan_index_forward=False, limit=limit, page_size=limit):
        changes = json.loads(entry.changes or "{}")
        shown = [(FIELD_LABELS.get(field, _label(field)),
                  _value(field, pair[0], names), _value(field, pair[1], names))
                 for field, pair in changes.items()
                 if not (entry.action == "created" and field in NOT_SHOWN_ON_CREATE)]
        rows.append(AuditRow(at=entry.at, actor=entry.actor, action=entry.action, reason=entry.reason, changes=shown))
    return rows
