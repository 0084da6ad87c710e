"""Order checks for ``check_integrity``: the dashboard's tallies (orders per status, each day's orders and revenue)
and each buyer's order count and spend."""
from __future__ import annotations

from collections import Counter, defaultdict
from typing import Iterator

from customers.selectors import customer_all
from customers.services import buyer_tally_set
from orders.buyers import buyer_deltas
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
def buyer_tallies() -> Iterator[Finding]:
    """Each buyer's order count and spend (and each guest's record) as the orders say; the repair sets them, and
    is the upgrade for orders placed before buyers were counted."""
    expected = buyer_deltas([{"dynamodb": {"NewImage": order.serialize()}} for order in Order.scan()])
    stored = {customer.customer_id: customer for customer in customer_all()}
    for customer_id, delta in expected.items():
        customer = stored.get(customer_id)
        if customer is None and delta.guest_email is None:
            continue  # a deleted account's orders
        have = (int(customer.order_count or 0), int(customer.spent_cents or 0)) if customer else None
        if have != (delta.orders, delta.spent_cents):
            yield Finding("customers", f"buyer {delta.guest_email or customer.email} has {have or 'no record'}, "
                                       f"orders say {(delta.orders, delta.spent_cents)} (orders, spent cents)",
                          repair=lambda customer_id=customer_id, delta=delta: buyer_tally_set(
                              customer_id=customer_id, orders=delta.orders, spent_cents=delta.spent_cents,
                              guest_email=delta.guest_email, guest_name=delta.guest_name))
    for customer_id, customer in stored.items():
        if customer_id not in expected and (customer.order_count or customer.spent_cents):
            yield Finding("customers", f"buyer {customer.email} counts orders that no longer exist",
                          repair=lambda customer_id=customer_id: buyer_tally_set(customer_id=customer_id, orders=0,
                                                                                  spent_cents=0))


@register
def order_listing() -> Iterator[Finding]:
    """Orders placed before the "All" tab existed lack ``listing``, so that tab cannot show them."""
    for order in Order.scan(Order.listing.does_not_exist()):
        yield Finding("orders", f"order {order.reference} is missing from the All tab",
                      repair=lambda order=order: Order(order.order_id).update(
                          actions=[Order.listing.set("all")], condition=Order.order_id.exists(), add_version_condition=False))
