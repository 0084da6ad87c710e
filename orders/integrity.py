"""Order checks for ``check_integrity``: the dashboard's tallies (orders per status, each day's orders and revenue)."""
from __future__ import annotations

from collections import Counter, defaultdict
from typing import Iterator

from orders.models import STATUS_LABELS, Order
from orders.selectors import NO_REVENUE, order_day_tally, orders_changed_counter
from shopsite.integrity import Finding, register, tally_findings


@register
def order_tallies() -> Iterator[Finding]:
    statuses = Counter()
    days: dict[str, dict[str, int]] = defaultdict(lambda: {"orders": 0, "revenue_cents": 0})
    for order in Order.scan():
        statuses[order.status] += 1
        day = days[order_day_tally(order.created_at)]
        day["orders"] += 1
        if order.status not in NO_REVENUE:
            day["revenue_cents"] += int(order.total_cents)
    expected = {orders_changed_counter(None): {status: statuses.get(status, 0) for status in STATUS_LABELS}, **days}
    yield from tally_findings("order tallies", expected)


@register
def order_listing() -> Iterator[Finding]:
    """Orders placed before the "All" tab existed lack ``listing``, so that tab cannot show them."""
    for order in Order.scan(Order.listing.does_not_exist()):
        yield Finding("orders", f"order {order.reference} is missing from the All tab",
                      repair=lambda order=order: Order(order.order_id).update(
                          actions=[Order.listing.set("all")], condition=Order.order_id.exists(), add_version_condition=False))
