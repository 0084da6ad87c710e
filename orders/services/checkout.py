"""Placing an order: one TransactWrite of a conditional stock take per line, the order put with
``attribute_not_exists`` (its id is the checkout token, so a repeat finds it) and the cart lines deleted;
all of it or none. Guests' orders and their claim by the account that proves the email.
"""
from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Callable

from django.conf import settings
from django.utils import timezone, translation
from pynamodb.exceptions import TransactWriteError

from catalog.selectors import is_spread, product_get_many
from catalog.stock import NotEnough, stock_take
from catalog.variants import variant_of
from orders.models import Address, CartItem, Order, OrderLine, StatusChange
from orders.payments import provider_get
from orders.selectors import (
    Cart,
    checkout_read,
    guest_customer_id,
    order_find,
    orders_changed_counter,
)
from orders.services.cart import CartTooLarge
from orders.services.status import order_changed_mark
from shopsite.counters import NumberBlocks, counter_bump
from shopsite.dynamodb import retry_pause
from shopsite.errors import is_unavailable
from shopsite.metrics import metric_add
from shopsite.transactions import ConditionFailed, Transaction, TransactionCancelled, condition_checked, transaction


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
    """Some lines ask for more than is in stock; ``shortages`` maps each line's key (catalog.variants: the product
    id, and the variant's) to what is left."""

    def __init__(self, shortages: dict[str, int]):
        super().__init__("Not enough stock.")
        self.shortages = shortages


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
        line.key: (line.variant.stock if line.variant is not None and line.variant.enabled and line.product.active else 0)
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
        language=translation.get_language() or settings.LANGUAGE_CODE,
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
                    tx.delete(CartItem(cart_id, line.key), label=f"cart:{line.key}",
                              condition=CartItem.quantity == line.quantity)
                tx.save(order, label="order", condition=Order.order_id.does_not_exist())
                order_changed_mark(tx, order=order)
                for product_id, lines in _lines_by_product(cart).items():
                    variants = {line.variant_id: line.quantity for line in lines if line.variant_id}
                    stock_labels[product_id] = stock_take(tx, product=lines[0].product, label=f"stock:{product_id}",
                                                          quantity=sum(line.quantity for line in lines),
                                                          buckets=buckets.get(product_id), variants=variants or None)
                    plan += stock_labels[product_id]
                if with_order is not None:
                    with_order(tx, WITH_ORDER)
                if len(tx) > 100:
                    raise CartTooLarge()
                # The request token names this exact request (its buckets, the caller's write): botocore's own
                # retries of it are idempotent, and a request that differs is a new one.
                tx.client_request_token = str(uuid.uuid5(uuid.UUID(order_id), repr((plan, with_order is not None))))
        except NotEnough as short:
            raise OutOfStock({line.key: short.available for line in cart.lines
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


def _lines_by_product(cart: Cart) -> dict[str, list]:
    """The cart's lines grouped by product: a product's stock is one item, and a transaction may touch it once."""
    grouped: dict[str, list] = {}
    for line in cart.lines:
        grouped.setdefault(line.product_id, []).append(line)
    return grouped


def _order_lines(order: Order, cart: Cart) -> None:
    order.lines = [
        OrderLine(product_id=line.product_id, name=line.product.name, slug=line.product.slug,
                  unit_price_cents=line.unit_price_cents, quantity=line.quantity, variant_id=line.variant_id or None,
                  variant_label=line.variant.label or None, sku=line.variant.sku or None)
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
        left = {line.key: variant_of(products[line.product_id], line.variant_id)
                if line.product_id in products and products[line.product_id].active else None for line in short}
        raise OutOfStock({key: variant.stock if variant is not None and variant.enabled else 0
                          for key, variant in left.items()}) from error
    if cancelled.failed(*(f"cart:{line.key}" for line in cart.lines)):
        raise CartChanged() from error
    if cancelled.retryable or any(cancelled.failed(*labels) for labels in stock_labels.values()):
        return None  # a conflict, throttling, or a spread product's bucket emptied: read again and retry
    raise error
