"""The shopper's order emails, sent from the orders table's stream instead of inside the request.

Placing an order, paying, shipping, cancelling or refunding only writes the order; this consumer sees each
change on the stream and emails the shopper about the new status. Each email is rendered, then saved to the
outbox in one transaction with the record's stream mark (so a redelivered record sends nothing twice), then
sent at once and dropped from the outbox; if the mail service fails it stays there for ``send_outbox``.
"""
from __future__ import annotations

from orders.models import Order
from orders.selectors import order_change
from orders.notifications import order_email
from shopsite.emails import outbox_message_send
from shopsite.streams import stream_consumer, stream_mark
from shopsite.transactions import TransactionCancelled, transaction

CONSUMER = "order-emails"


def _status_changed(record: dict) -> Order | None:
    """The order after the change, when the change gave it a new status (or created it)."""
    before, after = order_change(record)
    if after is None:
        return None
    return after if before is None or before.status != after.status else None


@stream_consumer("orders", name=CONSUMER)
def order_emails_send(records: list[dict]) -> None:
    """Email the shopper about each status an order moved to in *records*, once."""
    for record in records:
        order = _status_changed(record)
        message = order_email(order=order, message_id=f"order#{record['eventID']}") if order else None
        if message is None:
            continue
        try:
            with transaction() as tx:
                stream_mark(tx, consumer=CONSUMER, record=record, label="mark")
                tx.save(message, label="outbox")
        except TransactionCancelled as cancelled:
            if cancelled.failed("mark"):
                continue  # sent (or queued) when this record came before
            raise
        outbox_message_send(message)
