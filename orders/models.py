"""Carts and orders in DynamoDB. Order lines embed the price paid."""
from pynamodb.attributes import (
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection

from shopsite.dynamodb import BaseModel, register


@register("cart-items")
class CartItem(BaseModel):
    """One line of a cart: ``cart_id`` is ``session#<uuid>`` or ``customer#<customer_id>``."""

    cart_id = UnicodeAttribute(hash_key=True)
    product_id = UnicodeAttribute(range_key=True)
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
    created_at = UTCDateTimeAttribute()
    version = VersionAttribute()

    class Meta:
        """Table name and endpoint come from shopsite.dynamodb.register and configure."""

    customer_index = CustomerOrdersIndex()
    status_index = StatusOrdersIndex()
    number_index = NumberOrdersIndex()

    @property
    def reference(self) -> str:
        """The order's name for people: its number, or a short id for orders from before numbers."""
        return str(int(self.number)) if self.number is not None else self.order_id[:8].upper()

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)
