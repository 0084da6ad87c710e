"""Writes of carts and orders.

Placing an order is one TransactWrite: a conditional stock decrement per
line, the order put with ``attribute_not_exists`` and the cart lines deleted.
Either all of it happens or none of it does.
"""
from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Callable
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import salted_hmac
from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError

from catalog.selectors import is_spread, product_find, product_get_many
from catalog.stock import NotEnough, stock_return, stock_take
from orders.models import Address, CartItem, Order, OrderLine, OrderNote, PaymentRecord, StatusChange
from orders.payments import PaymentError, provider_get  # noqa: F401  (views catch services.PaymentError)
from orders.selectors import (
    MAX_CART_LINES,
    OrderNotFound,
    Cart,
    checkout_read,
    cart_items,
    guest_customer_id,
    order_find,
    orders_changed_counter,
)
from shopsite.counters import NumberBlocks, counter_bump
from shopsite.errors import is_unavailable
from shopsite.metrics import metric_add
from shopsite.dynamodb import retry_pause
from shopsite.transactions import ConditionFailed, StaleEdit, Transaction, TransactionCancelled, condition_checked, transaction

MAX_LINE_QUANTITY = 999
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


class ProductUnavailable(Exception):
    """The product does not exist, is hidden or is sold out."""


class CartTooLarge(Exception):
    """More lines than one DynamoDB transaction can hold."""


class LineNotInCart(Exception):
    """The cart has no line for that product (any more)."""


class CartEmpty(Exception):
    """There is nothing to order."""


class CartChanged(Exception):
    """The cart changed while the order was being placed."""


class PriceChanged(CartChanged):
    """The cart's lines or prices differ from what the shopper reviewed; ``total_cents`` is the new total."""

    def __init__(self, total_cents: int):
        super().__init__("The order changed since it was reviewed.")
        self.total_cents = total_cents


class OutOfStock(Exception):
    """Some lines ask for more than is in stock; ``shortages`` maps product id to what is left."""

    def __init__(self, shortages: dict[str, int]):
        super().__init__("Not enough stock.")
        self.shortages = shortages


class TransitionRefused(Exception):
    """The order cannot move to that status from the one it has now."""


class StaleOrder(StaleEdit):
    """The order changed since it was loaded."""


@dataclass(frozen=True)
class GuestShopper:
    """Who places a guest order: just an email. Its orders are filed under ``guest#<email>``."""

    email: str

    @property
    def customer_id(self) -> str:
        return guest_customer_id(self.email)


def guest_orders_claim(*, customer) -> int:
    """Move the guest orders placed with *customer*'s email into their account; return how many.

    Called only once the customer has proved the email is theirs (a link sent
    to it). One Query, then one conditional update per order.
    """
    moved = 0
    for order in Order.customer_index.query(guest_customer_id(customer.email)):
        try:
            with condition_checked():
                order.update(actions=[Order.customer_id.set(customer.customer_id)],
                             condition=Order.customer_id == guest_customer_id(customer.email))
        except ConditionFailed:
            continue
        moved += 1
    if moved:
        with transaction() as tx:
            counter_bump(tx, name=orders_changed_counter(customer.customer_id))
    return moved


def cart_id_for_customer(customer_id: str) -> str:
    return f"customer#{customer_id}"


def cart_id_for_visitor(*, browser_secret: str | None) -> str:
    """Return a new visitor's cart id, derived from the browser's CSRF secret when it has one.

    A new visitor's first requests can arrive together (several "Add to cart"
    clicks in tabs) before any session cookie exists; they all carry the same
    CSRF cookie, so they all land in the same cart instead of one each.
    """
    if not browser_secret:
        return f"session#{uuid.uuid4().hex}"
    return f"session#{salted_hmac('shopsite.orders.visitor-cart', browser_secret, algorithm='sha256').hexdigest()[:32]}"


def cart_add(*, cart_id: str, product_id: str, quantity: int) -> tuple[int, bool]:
    """Add *quantity* of a product; cap the line at the stock. Return (line quantity, capped)."""
    product = product_find(product_id=product_id)
    if product is None or not product.active or product.stock <= 0:
        raise ProductUnavailable(product_id)
    existing = {item.product_id for item in cart_items(cart_id=cart_id)}
    if product_id not in existing and len(existing) >= MAX_CART_LINES:
        raise CartTooLarge()
    # ADD is atomic: two quick adds (two tabs, a double click) both count.
    line = CartItem(cart_id, product_id)
    line.update(actions=[CartItem.quantity.add(quantity), CartItem.added_at.set(CartItem.added_at | timezone.now())])
    wanted, limit = int(line.quantity), min(product.stock, MAX_LINE_QUANTITY)
    if wanted <= limit:
        return wanted, False
    try:  # cap at what is in stock, unless another add moved the line meanwhile (then that one caps it)
        with condition_checked():
            line.update(actions=[CartItem.quantity.set(limit)], condition=CartItem.quantity == wanted)
    except ConditionFailed:
        pass
    return limit, True


def cart_set_quantity(*, cart_id: str, product_id: str, quantity: int) -> tuple[int, bool]:
    """Set a line's quantity (0 removes it), capped at stock. Return (quantity, capped)."""
    if quantity <= 0:
        CartItem(cart_id, product_id).delete()
        return 0, False
    product = product_find(product_id=product_id)
    limit = min(product.stock, MAX_LINE_QUANTITY) if product is not None and product.active else 0
    final = min(quantity, limit)
    if final <= 0:
        CartItem(cart_id, product_id).delete()
        return 0, True
    try:
        with condition_checked():
            CartItem(cart_id, product_id).update(actions=[CartItem.quantity.set(final)], condition=CartItem.cart_id.exists())
    except ConditionFailed as error:
        raise LineNotInCart(product_id) from error  # removed or ordered in another tab
    return final, final < quantity


def cart_merge(*, from_cart_id: str, to_cart_id: str) -> None:
    """Move an anonymous cart into a shopper's: quantities add, capped at stock."""
    source = cart_items(cart_id=from_cart_id)
    if not source:
        return
    target = {item.product_id: item for item in cart_items(cart_id=to_cart_id)}
    products = product_get_many(product_ids=[item.product_id for item in source])
    with CartItem.batch_write() as batch:
        for item in source:
            product = products.get(item.product_id)
            batch.delete(item)
            if product is None or not product.active:
                continue
            existing = target.get(item.product_id)
            total = int(item.quantity) + (int(existing.quantity) if existing else 0)
            final = min(total, product.stock, MAX_LINE_QUANTITY)
            if final > 0:
                added_at = existing.added_at if existing else item.added_at
                batch.save(CartItem(to_cart_id, item.product_id, quantity=final, added_at=added_at))


def _orders_changed(tx, *, order: Order) -> None:
    """Inside the order's own transaction: mark that this customer's orders changed (their pages refresh
    on it). The shop-wide tallies follow from the orders stream (orders.tallies), outside the transaction."""
    counter_bump(tx, name=orders_changed_counter(order.customer_id))


def order_id_from_token(token: str) -> str:
    """Return the order id a checkout token stands for (the token itself, normalised)."""
    return str(uuid.UUID(token))


def order_place(*, customer, cart_id: str, token: str, address: dict, reviewed: str | None = None,
                payment_provider: str = "manual",
                with_order: Callable[[Transaction, str], None] | None = None) -> tuple[Order, bool]:
    """Place the cart as one order; return (order, created).

    The same *token* always yields the same order: a repeat returns the
    existing order with created=False. With *reviewed* (the cart's
    fingerprint when the shopper reviewed it), nothing is placed unless the
    lines, quantities and prices are still exactly those: PriceChanged says
    so, with the new total. Raises CartEmpty, CartTooLarge, OutOfStock or
    CartChanged too; on any failure nothing is written. Conflicts with other
    transactions and throttling are retried with jittered backoff for up to
    ``CHECKOUT_RETRY_SECONDS``; beyond that the error propagates as an outage.

    *with_order(tx, label)*, if given, adds one more write to the order's
    transaction (the shopper's session, say). Should that write's own condition
    fail, the order is placed without it.
    """
    try:
        order, created = _order_place(customer=customer, cart_id=cart_id, token=token, address=address,
                                      reviewed=reviewed, payment_provider=payment_provider, with_order=with_order)
    except (CartEmpty, CartTooLarge, OutOfStock, CartChanged) as refusal:
        existing = order_find(order_id=order_id_from_token(token))
        if existing is not None:  # another submit of this token won the race: that is our order
            return existing, False
        metric_add(name=f"CheckoutRefused{type(refusal).__name__}")
        raise
    if created:
        metric_add(name="OrdersPlaced")
        metric_add(name="OrderValueCents", value=order.total_cents, unit="None")
    return order, created


ORDER_NUMBERS = NumberBlocks("order-number")
WITH_ORDER = "with-order"  # the label of the caller's own write in the order's transaction


def _checked_cart(*, cart_id: str, reviewed: str | None) -> tuple[Cart, dict]:
    """The cart as checkout places it (with spread products' buckets), refused if it cannot be placed."""
    cart, buckets = checkout_read(cart_id=cart_id)
    if not cart.lines:
        raise CartEmpty()
    if cart.too_large:
        raise CartTooLarge()
    shortages = {
        line.product_id: (line.product.stock if line.product is not None and line.product.active else 0)
        for line in cart.lines if line.problem
    }
    if shortages:
        raise OutOfStock(shortages)
    if reviewed is not None and reviewed != cart.fingerprint:
        raise PriceChanged(cart.total_cents)
    return cart, buckets


def _order_place(*, customer, cart_id: str, token: str, address: dict, reviewed: str | None,
                 payment_provider: str, with_order: Callable[[Transaction, str], None] | None) -> tuple[Order, bool]:
    # No look-up first: a token used before fails the order's does-not-exist condition (or finds the cart
    # empty) and _placement_failure / order_place return that order — a first placement reads nothing extra.
    # No item in this transaction is shared with another shopper's order (tallies follow from the stream,
    # numbers come from this process's block), so checkouts of different products never conflict.
    order_id = order_id_from_token(token)
    cart, buckets = _checked_cart(cart_id=cart_id, reviewed=reviewed)
    now = timezone.now()
    order = Order(
        order_id,
        number=ORDER_NUMBERS.take(size=settings.ORDER_NUMBER_BLOCK, start=settings.ORDER_NUMBER_START),
        customer_id=customer.customer_id,
        email=customer.email,
        address=Address(**address),
        status="placed",
        history=[StatusChange(status="placed", at=now, actor=customer.email)],
        created_at=now,
        payment_provider=payment_provider,
        pay_by=now + provider_get(payment_provider).hold,
    )
    deadline = time.monotonic() + settings.CHECKOUT_RETRY_SECONDS
    attempt = 0
    while True:
        _order_lines(order, cart)
        stock_labels: dict[str, list[str]] = {}
        try:
            plan = []
            with transaction(client_request_token=None) as tx:
                for line in cart.lines:
                    tx.delete(CartItem(cart_id, line.product_id), label=f"cart:{line.product_id}",
                              condition=CartItem.quantity == line.quantity)
                tx.save(order, label="order", condition=Order.order_id.does_not_exist())
                _orders_changed(tx, order=order)
                for line in cart.lines:
                    stock_labels[line.product_id] = stock_take(tx, product=line.product, quantity=line.quantity,
                                                               label=f"stock:{line.product_id}",
                                                               buckets=buckets.get(line.product_id))
                    plan += stock_labels[line.product_id]
                if with_order is not None:
                    with_order(tx, WITH_ORDER)
                if len(tx) > 100:
                    raise CartTooLarge()
                # The request token names this exact request (its buckets, the caller's write): botocore's own
                # retries of it are idempotent, and a request that differs is a new one.
                tx.client_request_token = str(uuid.uuid5(uuid.UUID(order_id), repr((plan, with_order is not None))))
        except NotEnough as short:
            raise OutOfStock({line.product_id: short.available for line in cart.lines
                              if line.product_id in buckets and buckets[line.product_id].available < line.quantity}) from short
        except (TransactionCancelled, TransactWriteError) as error:
            if with_order is not None and isinstance(error, TransactionCancelled) and error.failed(WITH_ORDER) \
                    and not error.failed("order"):
                with_order = None  # the caller's write no longer holds (a session signed out meanwhile): place without it
                continue
            outcome = _placement_failure(error, cart=cart, order_id=order_id, stock_labels=stock_labels)
            if outcome is not None:
                return outcome, False
            attempt += 1
            pause = retry_pause(attempt, base=0.025, cap=1.0)
            if time.monotonic() + pause > deadline:
                if isinstance(error, TransactionCancelled) and not error.retryable:
                    raise CartChanged() from error  # buckets kept emptying under us for the whole budget
                raise  # conflicts or throttling outlasted the budget: an outage (503, "try again")
            time.sleep(pause)
            if isinstance(error, TransactionCancelled) and any(
                    error.failed(*labels) for labels in stock_labels.values()):
                cart, buckets = _checked_cart(cart_id=cart_id, reviewed=reviewed)  # a bucket ran dry: read again
            continue
        return order, True


def _order_lines(order: Order, cart: Cart) -> None:
    order.lines = [
        OrderLine(product_id=line.product_id, name=line.product.name, slug=line.product.slug,
                  unit_price_cents=line.product.price_cents, quantity=line.quantity)
        for line in cart.lines
    ]
    order.subtotal_cents = cart.subtotal_cents
    order.shipping_cents = cart.shipping_cents
    order.total_cents = cart.total_cents


def _placement_failure(error: Exception, *, cart: Cart, order_id: str, stock_labels: dict[str, list[str]]) -> Order | None:
    """Explain a failed placement: return the order if it exists already, raise the
    shopper-facing error, or return None when the transaction should be tried again."""
    code = getattr(error, "cause_response_code", None)
    cancelled = error if isinstance(error, TransactionCancelled) else None
    if code in ("TransactionInProgressException", "IdempotentParameterMismatchException") or (
        cancelled is not None and cancelled.failed("order")
    ):
        existing = order_find(order_id=order_id)
        if existing is not None:
            return existing
        if code == "IdempotentParameterMismatchException":
            raise CartChanged() from error
        return None
    if cancelled is None:
        if is_unavailable(error):
            return None
        raise error
    short = [line for line in cart.lines if not is_spread(line.product)
             and cancelled.failed(*stock_labels.get(line.product_id, ()))]
    if short:
        products = product_get_many(product_ids=[line.product_id for line in short])
        raise OutOfStock({
            line.product_id: (products[line.product_id].stock
                              if line.product_id in products and products[line.product_id].active else 0)
            for line in short
        }) from error
    if cancelled.failed(*(f"cart:{line.product_id}" for line in cart.lines)):
        raise CartChanged() from error
    if cancelled.retryable or any(cancelled.failed(*labels) for labels in stock_labels.values()):
        return None  # a conflict, throttling, or a spread product's bucket emptied: read again and retry
    raise error


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
        raise TransitionRefused(f"An order that is {order.status_label.lower()} cannot become {status}.")
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
            _orders_changed(tx, order=order)
            if record is not None:
                tx.save(record, label="event", condition=PaymentRecord.key.does_not_exist())
            if (from_status, status) in RESTOCKING:
                existing = product_get_many(product_ids=[line.product_id for line in order.lines])
                for line in order.lines:
                    if line.product_id in existing:
                        stock_return(tx, product=existing[line.product_id], quantity=line.quantity,
                                     label=f"stock:{line.product_id}")
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
        raise TransitionRefused(f"An order that is {order.status_label.lower()} cannot be refunded.")
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
            raise TransitionRefused(order.status)
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
            raise TransitionRefused(f"An order keeps at most {MAX_NOTES} notes.")
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
        raise TransitionRefused(f"An order that is {order.status_label.lower()} keeps its address.")
    change = StatusChange(status=order.status, at=timezone.now(), actor=f"{actor} (address changed)")
    try:
        with condition_checked():
            order.update(actions=[Order.address.set(Address(**address)), Order.history.set(Order.history.append([change]))],
                         condition=Order.status.is_in(*ADDRESS_EDITABLE))
    except ConditionFailed:
        raise StaleOrder() from None
    return order
