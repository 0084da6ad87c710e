"""What the payment provider tells us (paid, expired, refunded), applied once per event.
"""
from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from pynamodb.exceptions import DoesNotExist, UpdateError

from orders.models import Order, PaymentRecord, StatusChange
from orders.payments import provider_get
from orders.selectors import OrderNotFound, order_find
from orders.services.status import DuplicateEvent, StaleOrder, TransitionRefused, order_transition
from shopsite.transactions import ConditionFailed, condition_checked


EVENT_FROM = {"paid": {"placed"}, "expired": {"placed"}, "refunded": {"paid", "shipped", "delivered"}}


def _record(key: str, *, order_id: str, outcome: str) -> PaymentRecord:
    return PaymentRecord(key, order_id=order_id, outcome=outcome, expires_at=timezone.now() + timedelta(days=30))


def payment_event_apply(*, event_id: str, kind: str, order_id: str | None,
                        payment_ref: str | None = None) -> tuple[str, Order | None]:
    """Apply one payment event from a provider exactly once; return what happened, and the order.

    *kind* is "paid", "expired" or "refunded". The event's record is written
    in the same transaction as the order change, so a repeated delivery does
    nothing ("duplicate"); events that arrive out of order are judged by the
    order's status at that moment: a payment for an order already released is
    refunded through the provider, an expiry after payment is ignored.
    """
    key = f"event:{event_id}"
    if PaymentRecord.count(key, consistent_read=True):
        return "duplicate", None
    if order_id is None and payment_ref:  # a refund names the payment; find its order
        try:
            order_id = PaymentRecord.get(f"intent:{payment_ref}", consistent_read=True).order_id
        except DoesNotExist:
            order_id = None
    order = order_find(order_id=order_id) if order_id else None
    if order is None:
        _record(key, order_id=order_id or "", outcome="unknown order").save()
        return "ignored", None
    actor = f"{provider_get(order.payment_provider).name} (event {event_id[:40]})"
    target = {"paid": "paid", "expired": "cancelled", "refunded": "refunded"}.get(kind)
    if target is None:
        return "ignored", order
    if payment_ref and kind == "paid":
        _record(f"intent:{payment_ref}", order_id=order.order_id, outcome="payment").save()
    try:
        if order.status not in EVENT_FROM[kind]:  # e.g. an expiry that arrives after the payment
            raise TransitionRefused(f"A payment event does not fit an order that is {order.status}.", reason="payment")
        changed = order_transition(order_id=order.order_id, status=target, actor=actor,
                                   payment_ref=payment_ref if kind == "paid" else None, from_statuses=EVENT_FROM[kind],
                                   record=_record(key, order_id=order.order_id, outcome=target))
        return target, changed
    except DuplicateEvent:
        return "duplicate", order
    except (StaleOrder, TransitionRefused, OrderNotFound):
        pass
    order = order_find(order_id=order.order_id)
    if kind == "paid" and order.status == "cancelled":
        # The money arrived after the order was released: give it back, then remember that we did.
        order.payment_ref = payment_ref or order.payment_ref
        provider_get(order.payment_provider).refund(order=order)
        outcome = "late payment refunded"
        note = StatusChange(status="cancelled", at=timezone.now(), actor=f"{actor}: paid after release, refunded")
        try:
            order.update(actions=[Order.history.set(Order.history.append([note])), Order.payment_ref.set(order.payment_ref)])
        except UpdateError:
            pass  # the record below still keeps the refund from repeating; the note is for people
    else:
        outcome = f"ignored: order is {order.status}"
    try:
        with condition_checked():
            _record(key, order_id=order.order_id, outcome=outcome).save(condition=PaymentRecord.key.does_not_exist())
    except ConditionFailed:
        return "duplicate", order
    return outcome, order
