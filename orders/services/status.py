"""An order's life after checkout, in one place: the statuses it may move between, refunds routed
through the payment provider, the unpaid-order release, staff notes and the shipping address. Its emails
follow from the orders stream (orders.order_emails).
"""
from __future__ import annotations

import time

from django.utils import timezone

from catalog.selectors import product_get_many
from catalog.stock import stock_return
from orders.models import Address, Order, OrderNote, PaymentRecord, StatusChange
from orders.payments import provider_get
from orders.selectors import OrderNotFound, order_find, orders_changed_counter
from shopsite.counters import counter_bump
from shopsite.dynamodb import retry_pause
from shopsite.transactions import ConditionFailed, StaleEdit, TransactionCancelled, condition_checked, transaction


TRANSITIONS = {
    "placed": {"paid", "cancelled"},  # "placed": waiting for its payment
    "paid": {"shipped", "cancelled", "refunded"},
    "shipped": {"delivered", "refunded"},
    "delivered": {"refunded"},
    "cancelled": set(),
    "refunded": set(),
}
RESTOCKING = {("placed", "cancelled"), ("paid", "cancelled"), ("paid", "refunded")}  # goods never left the shop
SYSTEM_ACTOR = "shop (payment time ran out)"


class TransitionRefused(Exception):
    """The order refuses the change: ``reason`` says which rule (a code callers may branch on), ``str()`` says
    it for people. Reasons: "status" (not from its current status), "refund" (not refundable now), "notes"
    (MAX_NOTES reached), "address" (shipped: the parcel has its label), "payment" (a payment event that does
    not fit its status)."""

    def __init__(self, message: str, *, reason: str):
        super().__init__(message)
        self.reason = reason


class StaleOrder(StaleEdit):
    """The order changed since it was loaded."""


def order_changed_mark(tx, *, order: Order) -> None:
    """Inside the order's own transaction: mark that this customer's orders changed (their pages refresh
    on it). The shop-wide tallies follow from the orders stream (orders.tallies), outside the transaction."""
    counter_bump(tx, name=orders_changed_counter(order.customer_id))


class DuplicateEvent(Exception):
    """The provider's message was processed before; nothing was done this time."""


def order_transition(*, order_id: str, status: str, actor: str, expected_version: int | None = None,
                     customer_id: str | None = None, record: PaymentRecord | None = None,
                     payment_ref: str | None = None, carrier: str = "", tracking_number: str = "",
                     from_statuses: set[str] | None = None) -> Order:
    """Move an order to *status* if allowed, in one transaction conditioned on its current status.

    With *from_statuses*, only from one of those: the caller decided on an
    earlier read (the release of unpaid orders, a payment event) and must not
    act on an order that has moved on since (a release must never cancel an
    order paid a moment ago).

    Cancelling (or refunding what never shipped) restores stock in the same
    transaction. With *customer_id*, only that customer's order may change and
    only to 'cancelled' while it still waits for payment. With *record*, the
    provider's event is written in the same transaction, so a repeat of it
    raises DuplicateEvent and changes nothing. Two transitions racing from the
    same status (a payment and the release of an unpaid order): one wins, the
    other gets StaleOrder.
    """
    order = order_find(order_id=order_id)
    if order is None or (customer_id is not None and order.customer_id != customer_id):
        raise OrderNotFound(order_id)
    if expected_version is not None and order.version != expected_version:
        raise StaleOrder()
    if from_statuses is not None and order.status not in from_statuses:
        raise StaleOrder()
    allowed = TRANSITIONS.get(order.status, set())
    if customer_id is not None:
        allowed = {"cancelled"} if order.status == "placed" else set()
    if status not in allowed:
        raise TransitionRefused(f"An order that is {order.status_label.lower()} cannot become {status}.", reason="status")
    from_status = order.status
    change = StatusChange(status=status, at=timezone.now(), actor=actor)
    actions = [Order.status.set(status), Order.history.set(Order.history.append([change]))]
    if payment_ref:
        actions.append(Order.payment_ref.set(payment_ref))
    if status == "shipped" and tracking_number:
        actions += [Order.carrier.set(carrier or "—"), Order.tracking_number.set(tracking_number)]
    try:
        with transaction() as tx:
            tx.update(order, label="order", actions=actions, condition=Order.status == from_status)
            order_changed_mark(tx, order=order)
            if record is not None:
                tx.save(record, label="event", condition=PaymentRecord.key.does_not_exist())
            if (from_status, status) in RESTOCKING:
                existing = product_get_many(product_ids=[line.product_id for line in order.lines])
                returned: dict[str, dict[str, int]] = {}  # {product id: {variant id ("" for none): units}}
                for line in order.lines:
                    units = returned.setdefault(line.product_id, {})
                    units[line.variant_id or ""] = units.get(line.variant_id or "", 0) + int(line.quantity)
                for product_id, units in returned.items():
                    if product_id in existing:  # one update per product: a transaction may touch an item once
                        variants = {key: count for key, count in units.items() if key}
                        stock_return(tx, product=existing[product_id], quantity=units.get("", 0),
                                     label=f"stock:{product_id}", variants=variants or None)
    except TransactionCancelled as cancelled:
        if cancelled.failed("event"):
            raise DuplicateEvent() from cancelled
        if cancelled.failed("order"):
            raise StaleOrder() from cancelled
        raise
    return order_find(order_id=order_id)


def order_status_set(*, order_id: str, status: str, actor: str, expected_version: int | None = None,
                     carrier: str = "", tracking_number: str = "") -> Order:
    """Staff (console or API) move an order to *status*: a refund goes through order_refund (the money back
    first), anything else through order_transition. The one place that routes between them."""
    if status == "refunded":
        return order_refund(order_id=order_id, actor=actor, expected_version=expected_version)
    return order_transition(order_id=order_id, status=status, actor=actor, expected_version=expected_version,
                            carrier=carrier, tracking_number=tracking_number)


def order_refund(*, order_id: str, actor: str, expected_version: int | None = None) -> Order:
    """Give the money back through the order's payment provider, then mark the order refunded.

    Stripe's refund carries an idempotency key, so a retry after a failure in
    between never refunds twice; its later ``charge.refunded`` webhook finds
    the order refunded and changes nothing. For manual payments staff refund
    by hand and this only records it. Raises PaymentError (nothing changed),
    OrderNotFound, StaleOrder or TransitionRefused.
    """
    order = order_find(order_id=order_id)
    if order is None:
        raise OrderNotFound(order_id)
    if expected_version is not None and order.version != expected_version:
        raise StaleOrder()
    if "refunded" not in TRANSITIONS.get(order.status, set()):
        raise TransitionRefused(f"An order that is {order.status_label.lower()} cannot be refunded.", reason="refund")
    if order.payment_provider != "manual":
        provider_get(order.payment_provider).refund(order=order)
    return order_transition(order_id=order_id, status="refunded", actor=actor, expected_version=expected_version)


def order_release_unpaid(*, now=None) -> list[Order]:
    """Cancel orders whose payment time ran out and put their stock back; return them.

    One Query on the payment-deadline index (waiting orders whose ``pay_by``
    has passed — every one of them, however many unexpired orders are older),
    then one conditional transaction per expired order: a payment that lands
    at the same moment either wins (the order is paid) or loses (it is
    refunded, see payment_event_apply) — never both.
    """
    now = now or timezone.now()
    released = []
    for candidate in Order.pay_by_index.query("placed", Order.pay_by <= now):
        try:
            released.append(order_transition(order_id=candidate.order_id, status="cancelled", actor=SYSTEM_ACTOR,
                                             from_statuses={"placed"}))
        except (StaleOrder, TransitionRefused, OrderNotFound):
            continue  # paid or cancelled meanwhile
    return released


MAX_NOTE = 2000
MAX_NOTES = 100  # an order item stays far below DynamoDB's 400 KB
NOTE_ATTEMPTS = 12  # notes race only with each other and status changes; each round one of them lands


def order_note_add(*, order_id: str, text: str, author: str, to_customer: bool = False) -> tuple[Order, OrderNote]:
    """Append a note to the order (it keeps every note: who, when, internal or to the customer); one update.
    Raises OrderNotFound, or TransitionRefused for an order with too many notes."""
    text = text.strip()[:MAX_NOTE]
    note = OrderNote(text=text, at=timezone.now(), author=author, to_customer=to_customer)
    for attempt in range(NOTE_ATTEMPTS):
        order = order_find(order_id=order_id)
        if order is None:
            raise OrderNotFound(order_id)
        if len(order.notes or []) >= MAX_NOTES:
            raise TransitionRefused(f"An order keeps at most {MAX_NOTES} notes.", reason="notes")
        try:
            with condition_checked():  # the order's version moved (a note or a status change): read it again
                order.update(actions=[Order.notes.set((Order.notes | []).append([note]))],
                             condition=Order.order_id.exists())
            return order, note
        except ConditionFailed:
            time.sleep(retry_pause(attempt + 1))
    raise StaleOrder()


ADDRESS_EDITABLE = ("placed", "paid")  # once shipped, the parcel has its label


def order_address_update(*, order_id: str, address: dict, expected_version: int, actor: str) -> Order:
    """Change where an unshipped order goes, from the version staff saw; the change is in the order's history.
    Raises OrderNotFound, StaleOrder or TransitionRefused (already shipped)."""
    order = order_find(order_id=order_id)
    if order is None:
        raise OrderNotFound(order_id)
    if order.version != expected_version:
        raise StaleOrder()
    if order.status not in ADDRESS_EDITABLE:
        raise TransitionRefused(f"An order that is {order.status_label.lower()} keeps its address.", reason="address")
    change = StatusChange(status=order.status, at=timezone.now(), actor=f"{actor} (address changed)")
    try:
        with condition_checked():
            order.update(actions=[Order.address.set(Address(**address)), Order.history.set(Order.history.append([change]))],
                         condition=Order.status.is_in(*ADDRESS_EDITABLE))
    except ConditionFailed:
        raise StaleOrder() from None
    return order
