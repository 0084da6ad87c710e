"""The core's own records: atomic counters and tallies (shopsite.counters), the audit trail
(shopsite.audit) and the email outbox (shopsite.emails)."""
from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute

from shopsite.dynamodb import BaseModel, register


@register("counters")
class Counter(BaseModel):
    """One named counter; ``value`` only ever grows, through ADD-style updates."""

    name = UnicodeAttribute(hash_key=True)
    value = NumberAttribute(default=0)

    class Meta:
        """Table name and endpoint come from shopsite.dynamodb.register and configure."""


@register("counters", view=True)
class Tally(BaseModel):
    """The counters table seen as tallies: several numbers on one item, moved by ADD inside the
    transactions that change what they count (the dashboard reads them, never counts records).

    ``orders-changed`` also tallies orders per status; ``day#<date>`` holds the
    orders placed that day and their revenue (cancelled and refunded orders
    leave it); ``customers`` and ``products`` hold their totals in ``value``.
    """

    name = UnicodeAttribute(hash_key=True)
    value = NumberAttribute(null=True)
    orders = NumberAttribute(null=True)
    revenue_cents = NumberAttribute(null=True)
    placed = NumberAttribute(null=True)
    paid = NumberAttribute(null=True)
    shipped = NumberAttribute(null=True)
    delivered = NumberAttribute(null=True)
    cancelled = NumberAttribute(null=True)
    refunded = NumberAttribute(null=True)

    class Meta:
        """Table name and endpoint come from shopsite.dynamodb.register and configure."""


@register("audit")
class AuditEntry(BaseModel):
    """Who changed what and when: one item per change, written in the change's own transaction.

    ``subject`` is ``customer#<id>``, ``product#<id>`` or ``staff#<email>``;
    the range key sorts by time, so a record's page reads its latest entries
    with one Query. ``changes`` is JSON: {field: [before, after]}.
    """

    subject = UnicodeAttribute(hash_key=True)
    at_id = UnicodeAttribute(range_key=True)
    at = UTCDateTimeAttribute()
    actor = UnicodeAttribute()
    action = UnicodeAttribute()
    changes = UnicodeAttribute(default="{}")
    reason = UnicodeAttribute(default="")

    class Meta:
        """Table name and endpoint come from shopsite.dynamodb.register and configure."""


@register("outbox")
class OutboxMessage(BaseModel):
    """An email whose first send failed, waiting for ``send_outbox`` to try again.

    All waiting messages share one partition, so the retry job reads them
    with one Query; TTL drops a message nobody could send within a week.
    """

    queue = UnicodeAttribute(hash_key=True)
    message_id = UnicodeAttribute(range_key=True)
    to = UnicodeAttribute()
    subject = UnicodeAttribute()
    text = UnicodeAttribute()
    html = UnicodeAttribute()
    attempts = NumberAttribute(default=1)
    expires_at = TTLAttribute()

    class Meta:
        """Table name and endpoint come from shopsite.dynamodb.register and configure."""


@register("stream-marks")
class StreamMark(BaseModel):
    """A change-stream record one consumer has applied: ``<consumer>#<eventID>``.

    Streams deliver at least once (Lambda retries a failed batch, a local
    reader restarts from the oldest record); a consumer whose effect is not
    idempotent by itself writes this mark in the same transaction as its
    effect, with a does-not-exist condition, so a repeat changes nothing.
    Stream records live 24 hours; marks outlive them by a day.
    """

    key = UnicodeAttribute(hash_key=True)
    expires_at = TTLAttribute()

    class Meta:
        """Table name and endpoint come from shopsite.dynamodb.register and configure."""
