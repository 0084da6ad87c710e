"""Carts and orders in DynamoDB. Order lines embed the price paid."""
from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    TTLAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection

from shopsite.dynamodb import BaseModel, register


# "placed" is the stored name of an order waiting for its payment.
STATUS_LABELS = {"placed": "Awaiting payment", "paid": "Paid", "shipped": "Shipped", "delivered": "Delivered",
                 "cancelled": "Cancelled", "refunded": "Refunded"}


@register("cart-items")
class CartItem(BaseModel):
    """One line of a cart: ``cart_id`` is ``session#<uuid>`` or ``customer#<customer_id>``; the range key is the
    variant's line key (catalog.variants: the product id, with ``.<variant id>`` for a product with options),
    stored under its first name, ``product_id``."""

    cart_id = UnicodeAttribute(hash_key=True)
    line_key = UnicodeAttribute(range_key=True, attr_name="product_id")
    quantity = NumberAttribute()
    added_at = UTCDateTimeAttribute()

    class Meta:
        """Table name and endpoint come from shopsite.dynamodb.register and configure."""


class OrderLine(MapAttribute):
    product_id = UnicodeAttribute()
    name = UnicodeAttribute()
    slug = UnicodeAttribute()
    unit_price_cents = NumberAttribute()
    quantity = NumberAttribute()
    variant_id = UnicodeAttribute(null=True)  # set for a product with options
    variant_label = UnicodeAttribute(null=True)  # "Size: M, Colour: Red", as it read when ordered
    sku = UnicodeAttribute(null=True)  # the variant's SKU when ordered (lines from before variants have none)

    @property
    def line_key(self) -> str:
        return f"{self.product_id}.{self.variant_id}" if self.variant_id else self.product_id

    @property
    def line_total_cents(self) -> int:
        return self.unit_price_cents * self.quantity


class Address(MapAttribute):
    name = UnicodeAttribute()
    line1 = UnicodeAttribute()
    line2 = UnicodeAttribute(default="")
    city = UnicodeAttribute()
    postal_code = UnicodeAttribute()
    country = UnicodeAttribute()


class StatusChange(MapAttribute):
    status = UnicodeAttribute()
    at = UTCDateTimeAttribute()
    actor = UnicodeAttribute()


class OrderNote(MapAttribute):
    """A note staff add to an order: internal (staff only) or to the customer (emailed, shown on their order)."""

    text = UnicodeAttribute()
    at = UTCDateTimeAttribute()
    author = UnicodeAttribute()
    to_customer = BooleanAttribute(default=False)


class CustomerOrdersIndex(GlobalSecondaryIndex):
    customer_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)

    class Meta:
        index_name = "customer-index"
        projection = AllProjection()


class StatusOrdersIndex(GlobalSecondaryIndex):
    status = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)

    class Meta:
        index_name = "status-index"
        projection = AllProjection()


class PayByOrdersIndex(GlobalSecondaryIndex):
    """Orders by status and payment deadline (only orders with a deadline are in it): the release job asks
    for waiting orders whose time ran out, oldest deadline first, however many younger ones wait."""

    status = UnicodeAttribute(hash_key=True)
    pay_by = UTCDateTimeAttribute(range_key=True)

    class Meta:
        index_name = "pay-by-index"
        projection = KeysOnlyProjection()


class AllOrdersIndex(GlobalSecondaryIndex):
    """Every order, newest first, in one partition: the staff "All" tab and date ranges are one Query."""

    listing = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)

    class Meta:
        index_name = "all-index"
        projection = AllProjection()


class NumberOrdersIndex(GlobalSecondaryIndex):
    """Staff find an order by the number the customer quotes."""

    number = NumberAttribute(hash_key=True)

    class Meta:
        index_name = "number-index"
        projection = KeysOnlyProjection()


@register("orders")
class Order(BaseModel):
    order_id = UnicodeAttribute(hash_key=True)
    number = NumberAttribute(null=True)  # what people quote; orders placed before numbers existed have none
    customer_id = UnicodeAttribute()
    email = UnicodeAttribute()
    lines = ListAttribute(of=OrderLine)
    address = Address()
    subtotal_cents = NumberAttribute()
    shipping_cents = NumberAttribute()
    total_cents = NumberAttribute()
    status = UnicodeAttribute()
    history = ListAttribute(of=StatusChange)
    notes = ListAttribute(of=OrderNote, null=True)
    created_at = UTCDateTimeAttribute()
    payment_provider = UnicodeAttribute(default="manual")
    language = UnicodeAttribute(null=True)  # the shopper's language at checkout: their emails are written in it
    pay_by = UTCDateTimeAttribute(null=True)  # unpaid after this, the order is cancelled and its stock released
    payment_ref = UnicodeAttribute(null=True)  # the provider's id of the payment (a Stripe PaymentIntent)
    carrier = UnicodeAttribute(null=True)  # set when the order ships
    tracking_number = UnicodeAttribute(null=True)
    listing = UnicodeAttribute(default="all")
    version = VersionAttribute()

    class Meta:
        """Table name and endpoint come from shopsite.dynamodb.register and configure. The stream feeds the
        dashboard's tallies (orders.tallies), so no checkout transaction writes a shop-wide item."""

        stream_view_type = "NEW_AND_OLD_IMAGES"

    customer_index = CustomerOrdersIndex()
    status_index = StatusOrdersIndex()
    pay_by_index = PayByOrdersIndex()
    number_index = NumberOrdersIndex()
    all_index = AllOrdersIndex()

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status.capitalize())

    @property
    def reference(self) -> str:
        """The order's name for people: its number, or a short id for orders from before numbers."""
        return str(int(self.number)) if self.number is not None else self.order_id[:8].upper()

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)


@register("payment-events")
class PaymentRecord(BaseModel):
    """What the shop has done with a payment provider's message, kept so a repeat does nothing.

    ``key`` is the provider's event id (``stripe:evt_…``), written in the same
    transaction as the order change it caused; or ``intent:<id>`` mapping a
    payment back to its order for later refunds. Stripe retries a webhook for
    up to three days (its own idempotency keys last 24 hours, DynamoDB's client
    tokens 10 minutes), so records live 30 days.
    """

    key = UnicodeAttribute(hash_key=True)
    order_id = UnicodeAttribute(null=True)
    outcome = UnicodeAttribute(default="")
    expires_at = TTLAttribute()

    class Meta:
        """Table name and endpoint come from shopsite.dynamodb.register and configure."""
