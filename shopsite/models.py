"""The core's own records: atomic counters (shopsite.counters) and the email outbox (shopsite.emails)."""
from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute

from shopsite.dynamodb import BaseModel, register


@register("counters")
class Counter(BaseModel):
    """One named counter; ``value`` only ever grows, through ADD-style updates."""

    name = UnicodeAttribute(hash_key=True)
    value = NumberAttribute(default=0)

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
