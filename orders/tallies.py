"""The dashboard's order tallies, kept from the orders table's stream instead of inside each order's transaction.

Every checkout used to add to the same three items (the status tally, the
day's tally and the order number): on DynamoDB a transaction that touches an
item another one holds is cancelled, so those items capped the whole shop's
order rate. Now no order transaction writes a shop-wide item; this consumer
reads each order change from the stream and adds its effect to the tallies,
many changes per write, exactly once (a :func:`shopsite.streams.stream_mark`
per record rides in the same transaction). The tallies trail the orders by
the stream's delay (about a second on AWS) and stay exact; ``check_integrity``
compares them with the orders themselves.
"""
from __future__ import annotations

from collections import defaultdict

from orders.selectors import NO_REVENUE, order_change, order_day_tally, orders_changed_counter
from shopsite.counters import tally_add
from shopsite.streams import records_apply_once, stream_consumer, stream_mark
from shopsite.transactions import transaction

CONSUMER = "order-tallies"
CHUNK = 40  # records per transaction: one mark each, plus a handful of tallies, well under DynamoDB's 100 actions
RETRIES = 12


def tally_deltas(records: list[dict]) -> dict[str, dict[str, int]]:
    """What *records* change in which tally: {tally name: {attribute: amount}}."""
    deltas: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    everything = orders_changed_counter(None)
    for record in records:
        before, after = order_change(record)
        deltas[everything]["value"] += 1  # the staff order list's "something changed" mark
        for order, sign in ((before, -1), (after, 1)):
            if order is None:
                continue
            deltas[everything][order.status] += sign
            day = deltas[order_day_tally(order.created_at)]
            day["orders"] += sign
            if order.status not in NO_REVENUE:
                day["revenue_cents"] += sign * int(order.total_cents)
    return {name: {attribute: amount for attribute, amount in numbers.items() if amount}
            for name, numbers in deltas.items()}


def _apply(chunk: list[dict]) -> None:
    """Apply *chunk* in one transaction; a record applied before cancels it (its mark's label fails)."""
    with transaction() as tx:
        for position, record in enumerate(chunk):
            stream_mark(tx, consumer=CONSUMER, record=record, label=f"mark:{position}")
        for name, numbers in tally_deltas(chunk).items():
            tally_add(tx, name=name, label=f"tally:{name}", **numbers)


@stream_consumer("orders", name=CONSUMER)
def order_tallies_apply(records: list[dict]) -> None:
    """Add the effect of each order change in *records* to the tallies, once (several stream shards' consumers
    meeting on one tally retry)."""
    records_apply_once(records, size=CHUNK, apply=_apply, retries=RETRIES)
