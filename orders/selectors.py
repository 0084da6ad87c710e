"""Reads of carts and orders."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from datetime import timezone as dt_timezone
from urllib.parse import quote

from django.conf import settings
from django.utils import timezone
from pynamodb.exceptions import DoesNotExist

from catalog.selectors import Buckets, buckets_read, product_get_many
from catalog.variants import Variant, line_key_split, variant_of
from customers.selectors import CustomerNotFound, customer_get_by_email, normalise_email
from orders.models import STATUS_LABELS, CartItem, Order
from orders.pricing import shipping_cents_for
from shopsite.counters import counter_value, tallies_get
from shopsite.pagination import Page, query_page

# Each order line costs two transaction actions (stock, cart line), plus one for
# the order, one for the customer's change counter and one for the shopper's
# session; DynamoDB allows 100 in one transaction. The room left over lets a
# spread product's line take from more than one bucket.
MAX_CART_LINES = 47
ORDER_STATUSES = tuple(STATUS_LABELS)  # in the order an order moves through them; models.STATUS_LABELS names them


class OrderNotFound(Exception):
    """No such order (or, for a shopper, not theirs: the same answer, so ids cannot be probed)."""


@dataclass
class CartLine:
    key: str  # the variant's line key (catalog.variants)
    quantity: int
    product: object | None
    variant: Variant | None = None
    problem: str = ""

    @property
    def product_id(self) -> str:
        return line_key_split(self.key)[0]

    @property
    def variant_id(self) -> str:
        return line_key_split(self.key)[1]

    @property
    def unit_price_cents(self) -> int:
        return self.variant.price_cents if self.variant else 0

    @property
    def line_total_cents(self) -> int:
        return self.unit_price_cents * self.quantity


@dataclass
class Cart:
    cart_id: str
    lines: list[CartLine] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def subtotal_cents(self) -> int:
        return sum(line.line_total_cents for line in self.lines if not line.problem)

    @property
    def shipping_cents(self) -> int:
        return shipping_cents_for(subtotal_cents=self.subtotal_cents)

    @property
    def total_cents(self) -> int:
        return self.subtotal_cents + self.shipping_cents

    @property
    def free_shipping_from_cents(self) -> int:
        return settings.FREE_SHIPPING_THRESHOLD_CENTS

    @property
    def free_shipping_missing_cents(self) -> int:
        """How much more the cart needs for free shipping (0 once it ships free)."""
        return max(0, settings.FREE_SHIPPING_THRESHOLD_CENTS - self.subtotal_cents) if self.shipping_cents else 0

    @property
    def has_problems(self) -> bool:
        return any(line.problem for line in self.lines)

    @property
    def fingerprint(self) -> str:
        """A digest of exactly what the shopper sees: each line's product, quantity and unit price, and the total."""
        lines = sorted((line.key, line.quantity, line.unit_price_cents) for line in self.lines)
        return hashlib.sha256(repr((lines, self.total_cents)).encode()).hexdigest()[:32]

    @property
    def too_large(self) -> bool:
        return len(self.lines) > MAX_CART_LINES


def cart_items(*, cart_id: str) -> list[CartItem]:
    """Return the raw lines of a cart: one Query."""
    return list(CartItem.query(cart_id, consistent_read=True))


def cart_get(*, cart_id: str | None) -> Cart:
    """Return the cart with its products: one Query for the lines, one BatchGet for the products."""
    if not cart_id:
        return Cart(cart_id="")
    items = cart_items(cart_id=cart_id)
    return _cart_of(cart_id, items, product_get_many(product_ids=[line_key_split(item.line_key)[0] for item in items]))


def checkout_read(*, cart_id: str) -> tuple[Cart, dict[str, Buckets]]:
    """The cart as checkout places it, and the buckets of its spread products (catalog.stock).

    One Query for the lines and one BatchGetItem for the products; a cart with
    spread products adds one consistent BatchGetItem of their buckets, and
    their stock is what the buckets hold now (the product's shown stock trails it).
    """
    items = cart_items(cart_id=cart_id)
    if len(items) > MAX_CART_LINES:  # too large to place: no need to read its products
        return _cart_of(cart_id, items, {}), {}
    products = product_get_many(product_ids=[line_key_split(item.line_key)[0] for item in items], consistent=True)
    buckets = buckets_read(products=list(products.values()))
    for product_id, read in buckets.items():
        products[product_id].stock = read.available
    return _cart_of(cart_id, items, products), buckets


def _cart_of(cart_id: str, items: list[CartItem], products: dict) -> Cart:
    cart = Cart(cart_id=cart_id)
    for item in sorted(items, key=lambda item: item.added_at):
        product_id, variant_id = line_key_split(item.line_key)
        product = products.get(product_id)
        variant = variant_of(product, variant_id) if product is not None else None
        line = CartLine(key=item.line_key, quantity=int(item.quantity), product=product, variant=variant)
        if product is None or not product.active or variant is None or not variant.enabled:
            line.problem = "no longer available"
        elif variant.stock <= 0:
            line.problem = "sold out"
        elif variant.stock < line.quantity:
            line.problem = f"only {variant.stock} left"
        cart.lines.append(line)
    return cart


def guest_customer_id(email: str) -> str:
    """Guest orders are filed under this id on the customer index, until their owner claims them."""
    return f"guest#{normalise_email(email)}"


def orders_changed_marks(*, customer_id: str | None = None) -> int:
    """How many times the shop's orders (or one customer's) have changed: one GetItem.

    Pages that refresh themselves send it back as an ETag and get a 304, with
    no Query, until an order write (which bumps it in its own transaction)
    changes it.
    """
    return counter_value(name=orders_changed_counter(customer_id))


NO_REVENUE = frozenset({"cancelled", "refunded"})


def order_day_tally(created_at) -> str:
    """The tally of the shop's day an order was placed on (in settings.TIME_ZONE)."""
    return f"day#{timezone.localdate(created_at).isoformat()}"


@dataclass
class OrderFigures:
    today_orders: int
    today_revenue_cents: int
    week_orders: int
    week_revenue_cents: int
    by_status: dict[str, int]


def order_figures(*, today=None) -> OrderFigures:
    """Today's and this week's (since Monday) orders and revenue, and how many orders are in each status.

    One BatchGetItem of tallies the order transactions keep: the cost does
    not grow with the number of orders.
    """
    today = today or timezone.localdate()
    days = [f"day#{today - timedelta(days=offset)}" for offset in range(today.weekday() + 1)]
    everything = orders_changed_counter(None)
    tallies = tallies_get(names=[everything, *days])
    week = [tallies[day] for day in days]
    return OrderFigures(
        today_orders=int(tallies[days[0]].orders or 0), today_revenue_cents=int(tallies[days[0]].revenue_cents or 0),
        week_orders=sum(int(t.orders or 0) for t in week), week_revenue_cents=sum(int(t.revenue_cents or 0) for t in week),
        by_status={status: int(getattr(tallies[everything], status) or 0) for status in ORDER_STATUSES},
    )


def orders_changed_counter(customer_id: str | None) -> str:
    return f"orders-changed#{customer_id}" if customer_id else "orders-changed"


def order_find(*, order_id: str) -> Order | None:
    if not order_id or len(order_id) > 64:
        return None
    try:
        return Order.get(order_id, consistent_read=True)
    except DoesNotExist:
        return None


def order_find_for_customer(*, order_id: str, customer_id: str) -> Order | None:
    """Return the order only if it belongs to *customer_id* (else None, shown as 404)."""
    order = order_find(order_id=order_id)
    return order if order is not None and order.customer_id == customer_id else None


def order_list_for_customer(*, customer_id: str, cursor: str | None = None, limit: int = 10) -> Page:
    """Return a page of the customer's orders, newest first: one Query."""
    return query_page(Order.customer_index, customer_id, scope=f"orders:{customer_id}", cursor=cursor, limit=limit)


def order_list_by_status(*, status: str, cursor: str | None = None, limit: int = 25, date_from=None, date_to=None,
                         provider: str = "") -> Page:
    """Return a page of orders with *status* ("all" for every order), newest first, placed between
    *date_from* and *date_to* (dates, inclusive) and paid through *provider* if given.

    One Query on the status index (or the all-orders index): the dates are
    its key condition; the provider is a filter read in a bounded number of pages.
    """
    index, key = (Order.all_index, "all") if status == "all" else (Order.status_index, status)
    start = datetime.combine(date_from, time.min, tzinfo=dt_timezone.utc) if date_from else None
    end = datetime.combine(date_to, time.max, tzinfo=dt_timezone.utc) if date_to else None
    if start and end:
        condition = Order.created_at.between(start, end)
    elif start or end:
        condition = Order.created_at >= start if start else Order.created_at <= end
    else:
        condition = None
    scope = f"orders-status:{status}:{date_from}:{date_to}:{provider}"
    return query_page(index, key, scope=scope, cursor=cursor, limit=limit, range_condition=condition,
                      filter_condition=(Order.payment_provider == provider) if provider else None)


def order_get_many(*, order_ids: list[str]) -> dict[str, Order]:
    """The orders with these ids, keyed by id: one BatchGet per 100."""
    ids = [i for i in dict.fromkeys(order_ids) if i and len(i) <= 64]
    return {order.order_id: order for order in Order.batch_get(ids)} if ids else {}


def order_find_by_reference(*, reference: str) -> Order | None:
    """Return the order a person quotes by number ("10042", "#10042"): one Query on the number index, one GetItem."""
    reference = (reference or "").strip().lstrip("#").strip()
    if not reference.isdigit() or len(reference) > 12:
        return None
    for key in Order.number_index.query(int(reference), limit=1):
        return order_find(order_id=key.order_id)
    return None


def guest_orders_exist(*, email: str) -> bool:
    """Whether guest orders were placed with *email*: one Query on the customer index, one item at most."""
    return any(True for _ in Order.customer_index.query(guest_customer_id(email), limit=1))


def order_list_for_email(*, email: str, limit: int = 25) -> list[Order]:
    """Orders placed with *email*: the account's (if one uses it) and guest orders, newest first.

    One GetItem for the email guard (through customers' selector) and one Query per owner.
    """
    owners = [guest_customer_id(email)]
    try:
        owners.append(customer_get_by_email(email=email).customer_id)
    except CustomerNotFound:
        pass
    found = [order for owner in owners for order in order_list_for_customer(customer_id=owner, limit=limit).items]
    return sorted(found, key=lambda order: order.created_at, reverse=True)[:limit]


def order_from_image(image: dict | None) -> Order | None:
    """The order a change-stream image holds (``NewImage``/``OldImage`` in DynamoDB's JSON), or None."""
    return Order.from_raw_data(image) if image else None


def order_change(record: dict) -> tuple[Order | None, Order | None]:
    """An orders-stream record as (the order before, the order after); None where there is no image."""
    images = record["dynamodb"]
    return order_from_image(images.get("OldImage")), order_from_image(images.get("NewImage"))


# Where each carrier shows a parcel (lower-case name, or a word of it → its tracking page for one number).
CARRIER_TRACKING_URLS = {
    "ups": "https://www.ups.com/track?tracknum={number}",
    "usps": "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}",
    "fedex": "https://www.fedex.com/fedextrack/?trknbr={number}",
    "dhl": "https://www.dhl.com/global-en/home/tracking/tracking-parcel.html?tracking-id={number}",
    "royal mail": "https://www.royalmail.com/track-your-item#/tracking-results/{number}",
    "postnl": "https://jouw.postnl.nl/track-and-trace/{number}",
    "dpd": "https://tracking.dpd.de/status/en_US/parcel/{number}",
    "gls": "https://gls-group.com/track/{number}",
    "canada post": "https://www.canadapost-postescanada.ca/track-reperage/en#/search?searchFor={number}",
    "australia post": "https://auspost.com.au/mypost/track/details/{number}",
}


def tracking_url(*, carrier: str | None, number: str | None) -> str | None:
    """The carrier's tracking page for *number*, or None for a carrier we do not know (the number is then shown as
    text)."""
    name = " ".join((carrier or "").lower().split())
    if not number or not name:
        return None
    for known, url in CARRIER_TRACKING_URLS.items():
        if name == known or name.startswith(f"{known} ") or known in name.split():
            return url.format(number=quote(number.strip(), safe=""))
    return None
