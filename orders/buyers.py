"""Every buyer is a customer: each customer's order count and spend, and a record for each guest's email,
kept from the orders table's stream like the dashboard's tallies (orders.tallies), never in the checkout.

A guest's orders are filed under ``guest#<email>`` until an account proves the email; their record
(status "guest", id customers.selectors.guest_record_id) is created by their first order and deleted once
its last order moves to that account — the move itself is an order change, so the count and the spend
follow it to the account. Exactly once: a stream mark per record rides in each transaction.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from customers.selectors import CUSTOMERS_TALLY, customer_get_many, guest_record_id
from customers.services import buyer_orders_add, guest_record_drop
from orders.selectors import NO_REVENUE, order_change
from shopsite.counters import tally_add
from shopsite.streams import records_apply_once, stream_consumer, stream_mark
from shopsite.transactions import transaction

CONSUMER = "buyer-tallies"
CHUNK = 30  # records per transaction: a mark and at most one customer each, plus the customers tally (< 100 actions)
RETRIES = 12
GUEST_PREFIX = "guest#"


@dataclass
class BuyerDelta:
    orders: int = 0
    spent_cents: int = 0
    guest_email: str | None = None
    guest_name: str = ""


def buyer_deltas(records: list[dict]) -> dict[str, BuyerDelta]:
    """What *records* change for which customer record: {customer record id: delta}."""
    deltas: dict[str, BuyerDelta] = defaultdict(BuyerDelta)
    for record in records:
        for order, sign in zip(order_change(record), (-1, 1)):
            if order is None or not order.customer_id:
                continue
            if order.customer_id.startswith(GUEST_PREFIX):
                delta = deltas[guest_record_id(order.email)]
                delta.guest_email = order.email
                delta.guest_name = delta.guest_name or (order.address.name if order.address else "")
            else:
                delta = deltas[order.customer_id]
            delta.orders += sign
            if order.status not in NO_REVENUE:
                delta.spent_cents += sign * int(order.total_cents)
    return {key: delta for key, delta in deltas.items() if delta.orders or delta.spent_cents}


def _apply(chunk: list[dict]) -> None:
    """Apply *chunk* in one transaction; then drop the guest records it emptied."""
    deltas = buyer_deltas(chunk)
    existing = {customer.customer_id for customer in customer_get_many(customer_ids=list(deltas))}
    created = 0
    with transaction() as tx:
        for position, record in enumerate(chunk):
            stream_mark(tx, consumer=CONSUMER, record=record, label=f"mark:{position}")
        for customer_id, delta in deltas.items():
            if delta.guest_email is None and customer_id not in existing:
                continue  # an account deleted since: its orders stay, its record is not brought back
            exists = customer_id in existing
            created += delta.guest_email is not None and not exists
            buyer_orders_add(tx, customer_id=customer_id, orders=delta.orders, spent_cents=delta.spent_cents,
                             label=f"customer:{customer_id}", guest_email=delta.guest_email,
                             guest_name=delta.guest_name, exists=exists)
        tally_add(tx, name=CUSTOMERS_TALLY, value=created)
    for customer_id, delta in deltas.items():
        if delta.guest_email and delta.orders < 0:
            guest_record_drop(customer_id=customer_id)


@stream_consumer("orders", name=CONSUMER)
def buyer_tallies_apply(records: list[dict]) -> None:
    """Add the effect of each order change in *records* to its buyer's record, once. A record created or deleted
    between the read and the write fails its condition: read again and retried."""
    records_apply_once(records, size=CHUNK, apply=_apply, retries=RETRIES, condition_retries=2)
