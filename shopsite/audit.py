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


def audit_list(*, subject: str, limit: int = 20) -> list[AuditRow]:
    """The latest *limit* entries for *subject*, newest first: one Query."""
    rows = []
    for entry in AuditEntry.query(subject, scan_index_forward=False, limit=limit, page_size=limit):
        changes = json.loads(entry.changes or "{}")
        rows.append(AuditRow(at=entry.at, actor=entry.actor, action=entry.action, reason=entry.reason,
                             changes=[(field, pair[0], pair[1]) for field, pair in changes.items()]))
    return rows
