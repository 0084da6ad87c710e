"""Carts and orders in GraphQL: the shopper's cart, checkout and orders; staff's order statuses."""
from __future__ import annotations

from datetime import datetime

import strawberry
from graphql import GraphQLError
from strawberry.types import Info

from catalog.selectors import variant_find_by_sku
from graphapi.common import actor_of, count_refresh, fail, page_size, paged, require, shopper_required, valid_id
from orders import selectors as order_selectors
from orders import services as order_services
from orders.cart import cart_id_for_request


@strawberry.type
class CartLine:
    line: strawberry.ID = strawberry.field(description="The line's key: what setCartQuantity takes.")
    product_id: strawberry.ID
    sku: str | None
    variant_label: str | None = strawberry.field(description="'Size: M, Colour: Red'; null for a product without options.")
    name: str | None
    quantity: int
    unit_price_cents: int
    line_total_cents: int
    problem: str


@strawberry.type
class Cart:
    lines: list[CartLine]
    count: int
    subtotal_cents: int
    shipping_cents: int
    total_cents: int
    fingerprint: str = strawberry.field(description="Send as 'reviewed' to createOrder: the order is refused if the cart changed.")


@strawberry.type
class OrderLine:
    product_id: strawberry.ID
    sku: str | None
    variant_label: str | None
    name: str
    unit_price_cents: int
    quantity: int


@strawberry.type
class Order:
    id: strawberry.ID
    number: str
    status: str
    status_label: str
    created_at: datetime
    total_cents: int
    subtotal_cents: int
    shipping_cents: int
    lines: list[OrderLine]
    version: int


@strawberry.type
class OrderPage:
    items: list[Order]
    next_cursor: str | None


@strawberry.type
class OrdersChange:
    mark: int = strawberry.field(description="Send it back next time: while it is the same, nothing changed.")
    changed: bool
    orders: list[Order] = strawberry.field(description="The newest orders, only when something changed.")


@strawberry.type
class StaffOrder(Order):
    email: str
    customer_id: str


@strawberry.type
class StaffOrderPage:
    items: list[StaffOrder]
    next_cursor: str | None


@strawberry.input
class AddressInput:
    name: str
    line1: str
    line2: str = ""
    city: str
    postal_code: str
    country: str


def order_node(order) -> Order:
    return Order(id=order.order_id, number=order.reference, status=order.status, status_label=order.status_label,
                 created_at=order.created_at, total_cents=int(order.total_cents), subtotal_cents=int(order.subtotal_cents),
                 shipping_cents=int(order.shipping_cents), version=int(order.version),
                 lines=[OrderLine(product_id=line.product_id, sku=line.sku, variant_label=line.variant_label, name=line.name,
                                  unit_price_cents=int(line.unit_price_cents), quantity=int(line.quantity))
                        for line in order.lines])


def staff_order_node(order) -> StaffOrder:
    return StaffOrder(**vars(order_node(order)), email=order.email, customer_id=order.customer_id)


def cart_node(cart) -> Cart:
    return Cart(lines=[CartLine(line=line.key, product_id=line.product_id, sku=line.variant.sku if line.variant else None,
                                variant_label=(line.variant.label or None) if line.variant else None,
                                name=line.product.name if line.product else None,
                                quantity=line.quantity, unit_price_cents=line.unit_price_cents,
                                line_total_cents=line.line_total_cents, problem=line.problem) for line in cart.lines],
                count=cart.count, subtotal_cents=cart.subtotal_cents, shipping_cents=cart.shipping_cents,
                total_cents=cart.total_cents, fingerprint=cart.fingerprint)


@strawberry.type
class OrdersQuery:
    @strawberry.field(description="The signed-in shopper's cart.")
    def cart(self, info: Info) -> Cart:
        shopper_required(info)
        return cart_node(order_selectors.cart_get(cart_id=cart_id_for_request(info.context["request"])))

    @strawberry.field(description="The signed-in shopper's orders, newest first.")
    def my_orders(self, info: Info, first: int = 10, after: str | None = None) -> OrderPage:
        customer = shopper_required(info)
        page = paged(order_selectors.order_list_for_customer, customer_id=customer.customer_id, cursor=after,
                      limit=page_size(first))
        return OrderPage(items=[order_node(order) for order in page.items], next_cursor=page.next_cursor)

    @strawberry.field(description="Poll for changes to the shopper's orders: one read while nothing changed, "
                                  "one Query more when something did.")
    def orders_changed_since(self, info: Info, mark: int | None = None, first: int = 10) -> OrdersChange:
        customer = shopper_required(info)
        current = order_selectors.orders_changed_marks(customer_id=customer.customer_id)
        if mark is not None and mark == current:
            return OrdersChange(mark=current, changed=False, orders=[])
        page = order_selectors.order_list_for_customer(customer_id=customer.customer_id, limit=page_size(first))
        return OrdersChange(mark=current, changed=True, orders=[order_node(order) for order in page.items])

    @strawberry.field(description="One of the signed-in shopper's orders (anyone else's is simply not found).")
    def order(self, info: Info, id: strawberry.ID) -> Order | None:
        valid_id(id, field="id")
        customer = shopper_required(info)
        order = order_selectors.order_find_for_customer(order_id=str(id), customer_id=customer.customer_id)
        return order_node(order) if order is not None else None

    @strawberry.field(description="Staff: orders with one status, newest first.")
    def orders_by_status(self, info: Info, status: str = "placed", first: int = 25, after: str | None = None) -> StaffOrderPage:
        require(info, "staff")
        if status not in order_selectors.ORDER_STATUSES:
            fail("BAD_USER_INPUT", f"'status' must be one of: {', '.join(order_selectors.ORDER_STATUSES)}.")
        page = paged(order_selectors.order_list_by_status, status=status, cursor=after, limit=page_size(first))
        return StaffOrderPage(items=[staff_order_node(order) for order in page.items], next_cursor=page.next_cursor)


@strawberry.type
class OrdersMutation:
    @strawberry.mutation(description="Staff: move an order to a new status, if its version is still 'version'.")
    def set_order_status(self, info: Info, id: strawberry.ID, status: str, version: int) -> StaffOrder:
        valid_id(id, field="id")
        require(info, "staff")
        actor = actor_of(info)
        try:
            order = order_services.order_status_set(order_id=str(id), status=status, actor=actor, expected_version=version)
        except order_services.PaymentError:
            fail("PAYMENT_FAILED", "The payment service refused or could not be reached; nothing was refunded.")
        except order_services.StaleOrder:
            fail("CONFLICT", "The order changed since that version; read it again.")
        except order_services.OrderNotFound:
            fail("NOT_FOUND", "No such order.")
        except order_services.TransitionRefused as error:
            fail("REFUSED", str(error))
        return staff_order_node(order)

    @strawberry.mutation(description="Add a variant, named by its SKU, to the signed-in shopper's cart (capped at its "
                                     "stock, atomically). 'productId' still adds a product without options.")
    def add_to_cart(self, info: Info, sku: str | None = None, quantity: int = 1,
                    product_id: strawberry.ID | None = None) -> Cart:
        if (sku is None) == (product_id is None):
            fail("BAD_USER_INPUT", "Give exactly one of 'sku' and 'productId'.")
        if product_id is not None:
            valid_id(product_id, field="productId")
        elif not 1 <= len(sku) <= 40:
            fail("BAD_USER_INPUT", "'sku' must be 1 to 40 characters.")
        shopper_required(info)
        request = info.context["request"]
        if not 1 <= quantity <= order_services.MAX_LINE_QUANTITY:
            fail("BAD_USER_INPUT", f"'quantity' must be between 1 and {order_services.MAX_LINE_QUANTITY}.")
        target = {"product_id": str(product_id)}
        if sku is not None:
            found = variant_find_by_sku(sku=sku)
            if found is None:
                fail("NOT_FOUND", "No product or variant has that SKU.")
            target = {"product_id": found[1].product_id, "variant_id": found[1].variant_id}
        try:
            order_services.cart_add(cart_id=cart_id_for_request(request), quantity=quantity, **target)
        except order_services.VariantNeeded:
            fail("VARIANT_NEEDED", "That product has options: add one of its variants by SKU.")
        except order_services.ProductUnavailable:
            fail("NOT_FOUND", "That product is not available.")
        except order_services.CartTooLarge:
            fail("CART_TOO_LARGE", "The cart already holds as many different products as one order can.")
        cart = order_selectors.cart_get(cart_id=cart_id_for_request(request))
        count_refresh(request, cart)
        return cart_node(cart)

    @strawberry.mutation(description="Set a cart line's quantity (the line as CartLine.line names it; a product "
                                     "without options may be named by 'productId'); 0 removes it.")
    def set_cart_quantity(self, info: Info, quantity: int, line: strawberry.ID | None = None,
                          product_id: strawberry.ID | None = None) -> Cart:
        if (line is None) == (product_id is None):
            fail("BAD_USER_INPUT", "Give exactly one of 'line' and 'productId'.")
        key = str(line if line is not None else product_id)
        for part in key.split(".", 1):
            valid_id(part, field="line" if line is not None else "productId")
        shopper_required(info)
        request = info.context["request"]
        if not 0 <= quantity <= order_services.MAX_LINE_QUANTITY:
            fail("BAD_USER_INPUT", f"'quantity' must be between 0 and {order_services.MAX_LINE_QUANTITY}.")
        try:
            order_services.cart_set_quantity(cart_id=cart_id_for_request(request), line=key, quantity=quantity)
        except order_services.LineNotInCart:
            fail("NOT_FOUND", "That product is not in the cart.")
        cart = order_selectors.cart_get(cart_id=cart_id_for_request(request))
        count_refresh(request, cart)
        return cart_node(cart)

    @strawberry.mutation(description="Place the cart as one order, once per client token (a UUID); refused if the "
                                     "cart differs from 'reviewed' (Cart.fingerprint). The order waits for payment.")
    def create_order(self, info: Info, token: strawberry.ID, reviewed: str, address: AddressInput) -> Order:
        valid_id(token, field="token")
        customer = shopper_required(info)
        request = info.context["request"]
        try:
            token = order_services.order_id_from_token(str(token))
        except ValueError:
            fail("BAD_USER_INPUT", "'token' must be a UUID made by the client for this order.")
        fields = {name: getattr(address, name).strip() for name in ("name", "line1", "line2", "city", "postal_code", "country")}
        empty = [name for name, value in fields.items() if not value and name != "line2"]
        if empty or any(len(value) > 200 for value in fields.values()):
            fail("BAD_USER_INPUT", f"The address needs: {', '.join(empty) or 'shorter values'}.")
        try:
            order, _ = order_services.order_place(customer=customer, cart_id=cart_id_for_request(request), token=token,
                                                  address=fields, reviewed=reviewed[:64])
        except order_services.CartEmpty:
            fail("CART_EMPTY", "The cart is empty.")
        except order_services.CartTooLarge:
            fail("CART_TOO_LARGE", "Too many different products for one order.")
        except order_services.OutOfStock as error:
            raise GraphQLError("Not enough stock.", extensions={"code": "OUT_OF_STOCK", "shortages": error.shortages}) from None
        except order_services.PriceChanged as error:
            raise GraphQLError("The cart changed since it was reviewed.",
                               extensions={"code": "PRICE_CHANGED", "totalCents": error.total_cents}) from None
        except order_services.CartChanged:
            fail("CART_CHANGED", "The cart changed while placing the order; review it again.")
        if order.customer_id != customer.customer_id:
            fail("NOT_FOUND", "No such order.")
        count_refresh(request)
        return order_node(order)

    @strawberry.mutation(description="Cancel one of the shopper's orders while it waits for payment.")
    def cancel_order(self, info: Info, id: strawberry.ID) -> Order:
        valid_id(id, field="id")
        customer = shopper_required(info)
        try:
            order = order_services.order_transition(order_id=str(id), status="cancelled", actor=customer.email,
                                                    customer_id=customer.customer_id)
        except order_services.OrderNotFound:
            fail("NOT_FOUND", "No such order.")
        except order_services.TransitionRefused as error:
            fail("REFUSED", str(error))
        except order_services.StaleOrder:
            fail("CONFLICT", "The order changed meanwhile; read it again.")
        return order_node(order)
