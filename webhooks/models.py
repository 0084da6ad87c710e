"""Webhook endpoints the owners register, and each delivery of an event to one of them."""
from pynamodb.attributes import (
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from shopsite.dynamodb import BaseModel, register

EVENT_TYPES = {
    "order.placed": "An order was placed (card orders: before payment).",
    "order.paid": "An order's payment arrived.",
    "order.shipped": "An order was shipped (carrier and tracking number included).",
    "order.cancelled": "An order was cancelled (by staff, the shopper, or the unpaid-order timeout).",
    "order.refunded": "An order was refunded.",
    "product.out_of_stock": "An order took a product's last unit.",
}


@register("webhook-endpoints")
class WebhookEndpoint(BaseModel):
    """Where an owner wants events sent, which ones, and the secret their signatures use."""

    endpoint_id = UnicodeAttribute(hash_key=True)
    url = UnicodeAttribute()
    description = UnicodeAttribute(default="")
    events = UnicodeSetAttribute()
    secret = UnicodeAttribute()  # shown once; the shop needs it to sign, so it is stored (encrypted at rest)
    active = NumberAttribute(default=1)
    created_at = UTCDateTimeAttribute()
    created_by = UnicodeAttribute(default="")

    class Meta:
        """Table name and endpoint come from shopsite.dynamodb.register and configure."""


class DueDeliveries(GlobalSecondaryIndex):
    """Deliveries waiting for another attempt, by when: sparse (only those with ``due``), one Query per run."""

    class Meta:
        index_name = "due-index"
        projection = AllProjection()

    due = UnicodeAttribute(hash_key=True)
    next_attempt_at = UTCDateTimeAttribute(range_key=True)


@register("webhook-deliveries")
class WebhookDelivery(BaseModel):
    """One event for one endpoint: its body (signed at each attempt), attempts, outcome.

    The key is the stream record's time and the event id, so a redelivered stream record finds its delivery
    already there, and an endpoint's log reads newest first.
    """

    endpoint_id = UnicodeAttribute(hash_key=True)
    delivery_key = UnicodeAttribute(range_key=True)  # "<ISO time>#<event id>"
    event_id = UnicodeAttribute()
    event_type = UnicodeAttribute()
    body = UnicodeAttribute()
    status = UnicodeAttribute(default="pending")  # pending, retrying, succeeded, failed
    attempts = NumberAttribute(default=0)
    last_error = UnicodeAttribute(default="")
    last_attempt_at = UTCDateTimeAttribute(null=True)
    due = UnicodeAttribute(null=True)  # "due" while another attempt is planned (the due index is sparse)
    next_attempt_at = UTCDateTimeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    expires_at = TTLAttribute()  # the log keeps 30 days

    due_index = DueDeliveries()

    class Meta:
        """Table name and endpoint come from shopsite.dynamodb.register and configure."""
