"""The GraphQL schema: catalog, cart and orders, on top of the apps' selectors and services.

No resolver touches PynamoDB: each calls the same selector or service a page
uses, so a query costs what the matching page costs and obeys the same rules
(conditional stock, idempotent order tokens, version checks). Lists are
cursor pages; products' categories come from the one cached category list,
so there is no query per item.

Imported on the first GraphQL request only: strawberry and graphql-core take
about 0.2 s to import, which the shop's cold start should not pay.
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import datetime

import strawberry
from django.conf import settings
from graphql import GraphQLError
from strawberry.extensions import DisableIntrospection, MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter
from strawberry.types import Info

from catalog import selectors as catalog_selectors
from customers import selectors as customer_selectors
from customers import services as customer_services
from accounts import services as account_services
from accounts.tokens import shopper_token_make
from customers.forms import CustomerForm
from orders import selectors as order_selectors
from orders import services as order_services
from orders.cart import cart_count_refresh, cart_id_for_request
from shopsite.clients import client_address
from shopsite.cursors import InvalidCursor

MAX_PAGE = 48


def fail(code: str, message: str):
    """Raise a GraphQL error with a stable machine-readable code in ``extensions.code``."""
    raise GraphQLError(message, extensions={"code": code})


_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def _valid_id(value, *, field: str) -> str:
    """An id argument checked as the forms check one (length and alphabet), before any read uses it."""
    if not isinstance(value, str) or not _ID.fullmatch(value):
        fail("BAD_USER_INPUT", f"'{field}' must be 1 to 64 letters, digits, '-' or '_'.")
    return value


def _page_size(first: int) -> int:
    if not 1 <= first <= MAX_PAGE:
        fail("BAD_USER_INPUT", f"'first' must be between 1 and {MAX_PAGE}.")
    return first


def _require(info: Info, scope: str) -> None:
    if scope not in info.context["scopes"]:
        fail("FORBIDDEN" if info.context["scopes"] else "UNAUTHENTICATED",
             f"This operation needs the '{scope}' scope (an API key with it, or a signed-in browser session).")


def _shopper(info: Info):
    request = info.context["request"]
    if info.context["key"] is not None or not request.customer.is_authenticated:
        fail("UNAUTHENTICATED", "Sign in as a shopper for carts and orders: a browser session with its CSRF token, "
                                "or 'Authorization: Shopper <token>' from the signIn mutation.")
    return request.customer


def _count_refresh(request, cart=None) -> None:
    """Keep the header's cart count in a browser session; token clients have no session to write."""
    if not getattr(request, "shopper_token", False):
        cart_count_refresh(request, cart)


@strawberry.type
class Category:
    id: strawberry.ID
    slug: str
    name: str
    position: int
    product_count: int


@strawberry.type
class Product:
    id: strawberry.ID
    slug: str
    name: str
    description: str
    price_cents: int
    currency: str
    stock: int
    stock_state: str
    image: str | None
    category_id: str

    @strawberry.field
    def category(self, info: Info) -> Category | None:
        return info.context["categories"]().get(self.category_id)


@strawberry.type
class ProductPage:
    items: list[Product]
    next_cursor: str | None


@strawberry.type
class SearchPage:
    items: list[Product]
    next_cursor: str | None
    message: str


@strawberry.type
class CartLine:
    product_id: strawberry.ID
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


@strawberry.type
class Customer:
    id: strawberry.ID
    email: str
    first_name: str
    last_name: str
    phone: str
    city: str
    country: str
    status: str
    created_at: datetime
    version: int


@strawberry.type
class CustomerPage:
    items: list[Customer]
    next_cursor: str | None


@strawberry.input
class CustomerInput:
    email: str
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    line1: str = ""
    line2: str = ""
    city: str = ""
    postal_code: str = ""
    country: str = ""
    notes: str = ""
    status: str = "active"


def _customer_fields(data: CustomerInput) -> dict:
    """Validate with the console's own form: the same rules, the same messages, per field."""
    form = CustomerForm(vars(data))
    if not form.is_valid():
        raise GraphQLError("Some fields are not valid.", extensions={
            "code": "BAD_USER_INPUT", "fields": {name: [str(e) for e in errors] for name, errors in form.errors.items()}})
    return {name: form.cleaned_data[name] for name in vars(data)}


@contextmanager
def _customer_errors():
    """The customers services' refusals, as the REST API names them."""
    try:
        yield
    except customer_selectors.CustomerNotFound:
        fail("NOT_FOUND", "No such customer.")
    except customer_services.StaleEdit:
        fail("CONFLICT", "The customer changed since that version; read it again.")
    except customer_services.EmailTaken:
        fail("EMAIL_TAKEN", "Another customer already uses this email.")


@strawberry.input
class AddressInput:
    name: str
    line1: str
    line2: str = ""
    city: str
    postal_code: str
    country: str


def _category(category) -> Category:
    return Category(id=category.category_id, slug=category.slug, name=category.name, position=int(category.position),
                    product_count=int(category.product_count or 0))


def _product(product) -> Product:
    return Product(id=product.product_id, slug=product.slug, name=product.name, description=getattr(product, "description", ""),
                   price_cents=int(product.price_cents), currency=settings.SHOP_CURRENCY, stock=int(getattr(product, "stock", 0)),
                   stock_state=getattr(product, "stock_state", ""), image=getattr(product, "image", None),
                   category_id=getattr(product, "category_id", ""))


def _order(order) -> Order:
    return Order(id=order.order_id, number=order.reference, status=order.status, status_label=order.status_label,
                 created_at=order.created_at, total_cents=int(order.total_cents), subtotal_cents=int(order.subtotal_cents),
                 shipping_cents=int(order.shipping_cents), version=int(order.version),
                 lines=[OrderLine(product_id=line.product_id, name=line.name, unit_price_cents=int(line.unit_price_cents),
                                  quantity=int(line.quantity)) for line in order.lines])


def _actor(info: Info) -> str:
    """Who a staff operation is recorded as: the signed-in staff member or the API key's name."""
    return info.context["request"].staff.email if info.context["key"] is None else f"api key {info.context['key'].name}"


def _staff_order(order) -> StaffOrder:
    return StaffOrder(**vars(_order(order)), email=order.email, customer_id=order.customer_id)


def _customer(customer) -> Customer:
    return Customer(id=customer.customer_id, email=customer.email, first_name=customer.first_name,
                    last_name=customer.last_name, phone=customer.phone, city=customer.city, country=customer.country,
                    status=customer.status, created_at=customer.created_at, version=int(customer.version))


def _cart(cart) -> Cart:
    return Cart(lines=[CartLine(product_id=line.product_id, name=line.product.name if line.product else None,
                                quantity=line.quantity, unit_price_cents=line.unit_price_cents,
                                line_total_cents=line.line_total_cents, problem=line.problem) for line in cart.lines],
                count=cart.count, subtotal_cents=cart.subtotal_cents, shipping_cents=cart.shipping_cents,
                total_cents=cart.total_cents, fingerprint=cart.fingerprint)


def categories_loader():
    """Categories by id, built at most once per operation from the cached list: no query per product."""
    cache = {}

    def load() -> dict[str, Category]:
        if "map" not in cache:
            cache["map"] = {c.category_id: _category(c) for c in catalog_selectors.category_list()}
        return cache["map"]

    return load


def _paged(load, **kwargs):
    try:
        return load(**kwargs)
    except InvalidCursor:
        fail("BAD_USER_INPUT", "That cursor is not valid for this list.")


@strawberry.type
class Query:
    @strawberry.field(description="Every category, in shop order (cached; no query on a hit).")
    def categories(self, info: Info) -> list[Category]:
        _require(info, "catalog:read")
        return [_category(category) for category in catalog_selectors.category_list()]

    @strawberry.field(description="A page of visible products: by category, or the whole shop in a sort order.")
    def products(self, info: Info, first: int = 24, after: str | None = None, category: str | None = None,
                 sort: str = "newest") -> ProductPage:
        _require(info, "catalog:read")
        size = _page_size(first)
        if category:
            found = catalog_selectors.category_by_slug(slug=category)
            if found is None:
                fail("NOT_FOUND", "No such category.")
            page = _paged(catalog_selectors.product_list_for_category, category_id=found.category_id, cursor=after, limit=size,
                           full=True)
        else:
            if sort not in catalog_selectors.LISTING_SORTS:
                fail("BAD_USER_INPUT", f"'sort' must be one of: {', '.join(catalog_selectors.LISTING_SORTS)}.")
            page = _paged(catalog_selectors.product_list, sort=sort, cursor=after, limit=size, full=True)
        return ProductPage(items=[_product(product) for product in page.items], next_cursor=page.next_cursor)

    @strawberry.field(description="One visible product, by slug or by id.")
    def product(self, info: Info, slug: str | None = None, id: strawberry.ID | None = None) -> Product | None:
        _require(info, "catalog:read")
        if (slug is None) == (id is None):
            fail("BAD_USER_INPUT", "Give exactly one of 'slug' and 'id'.")
        if id is not None:
            _valid_id(id, field="id")
        elif not 1 <= len(slug) <= 200:
            fail("BAD_USER_INPUT", "'slug' must be 1 to 200 characters.")
        product = catalog_selectors.product_by_slug(slug=slug) if slug else catalog_selectors.product_find(product_id=str(id))
        return _product(product) if product is not None and product.active else None

    @strawberry.field(description="Products matching every word (prefixes count), a page at a time.")
    def search(self, info: Info, query: str, after: str | None = None) -> SearchPage:
        _require(info, "catalog:read")
        result = _paged(catalog_selectors.product_search, query=query, cursor=after)
        return SearchPage(items=[_product(card) for card in result.items], next_cursor=result.next_cursor,
                          message=result.message)

    @strawberry.field(description="The signed-in shopper's cart.")
    def cart(self, info: Info) -> Cart:
        _shopper(info)
        return _cart(order_selectors.cart_get(cart_id=cart_id_for_request(info.context["request"])))

    @strawberry.field(description="The signed-in shopper's orders, newest first.")
    def my_orders(self, info: Info, first: int = 10, after: str | None = None) -> OrderPage:
        customer = _shopper(info)
        page = _paged(order_selectors.order_list_for_customer, customer_id=customer.customer_id, cursor=after,
                      limit=_page_size(first))
        return OrderPage(items=[_order(order) for order in page.items], next_cursor=page.next_cursor)

    @strawberry.field(description="Poll for changes to the shopper's orders: one read while nothing changed, "
                                  "one Query more when something did.")
    def orders_changed_since(self, info: Info, mark: int | None = None, first: int = 10) -> OrdersChange:
        customer = _shopper(info)
        current = order_selectors.orders_changed_marks(customer_id=customer.customer_id)
        if mark is not None and mark == current:
            return OrdersChange(mark=current, changed=False, orders=[])
        page = order_selectors.order_list_for_customer(customer_id=customer.customer_id, limit=_page_size(first))
        return OrdersChange(mark=current, changed=True, orders=[_order(order) for order in page.items])

    @strawberry.field(description="One of the signed-in shopper's orders (anyone else's is simply not found).")
    def order(self, info: Info, id: strawberry.ID) -> Order | None:
        _valid_id(id, field="id")
        customer = _shopper(info)
        order = order_selectors.order_find_for_customer(order_id=str(id), customer_id=customer.customer_id)
        return _order(order) if order is not None else None


    @strawberry.field(description="Staff: orders with one status, newest first.")
    def orders_by_status(self, info: Info, status: str = "placed", first: int = 25, after: str | None = None) -> StaffOrderPage:
        _require(info, "staff")
        if status not in order_selectors.ORDER_STATUSES:
            fail("BAD_USER_INPUT", f"'status' must be one of: {', '.join(order_selectors.ORDER_STATUSES)}.")
        page = _paged(order_selectors.order_list_by_status, status=status, cursor=after, limit=_page_size(first))
        return StaffOrderPage(items=[_staff_order(order) for order in page.items], next_cursor=page.next_cursor)

    @strawberry.field(description="Staff: the customers, newest first.")
    def customers(self, info: Info, first: int = 25, after: str | None = None) -> CustomerPage:
        _require(info, "staff")
        page = _paged(customer_selectors.customer_list, cursor=after, limit=_page_size(first))
        return CustomerPage(items=[_customer(customer) for customer in page.items], next_cursor=page.next_cursor)

    @strawberry.field(description="Staff: one customer by id.")
    def customer(self, info: Info, id: strawberry.ID) -> Customer | None:
        _valid_id(id, field="id")
        _require(info, "staff")
        found = customer_selectors.customer_find(customer_id=str(id))
        return _customer(found) if found is not None else None


@strawberry.type
class ShopperToken:
    token: str = strawberry.field(description="Send as 'Authorization: Shopper <token>'. Changing the password revokes it.")
    expires_in_seconds: int


@strawberry.type
class Mutation:
    @strawberry.mutation(description="For a shopper's own app: trade email and password (through the sign-in "
                                      "throttle) for a token that signs later requests in.")
    def sign_in(self, info: Info, email: str, password: str) -> ShopperToken:
        request = info.context["request"]
        try:
            customer = account_services.login_attempt(scope="customer", email=email[:254], password=password[:128],
                                                      client=client_address(request))
        except account_services.LoginLocked as locked:
            raise GraphQLError(str(locked), extensions={"code": "RATE_LIMITED", "retryAfter": locked.seconds}) from None
        except account_services.InvalidCredentials:
            fail("UNAUTHENTICATED", "The email and password do not match.")
        return ShopperToken(token=shopper_token_make(customer), expires_in_seconds=settings.SHOPPER_TOKEN_SECONDS)

    @strawberry.mutation(description="Staff: create a customer (unique email).")
    def create_customer(self, info: Info, input: CustomerInput) -> Customer:
        _require(info, "staff")
        with _customer_errors():
            return _customer(customer_services.customer_create(actor=_actor(info), **_customer_fields(input)))

    @strawberry.mutation(description="Staff: replace a customer's fields, if its version is still 'version'.")
    def update_customer(self, info: Info, id: strawberry.ID, version: int, input: CustomerInput) -> Customer:
        _valid_id(id, field="id")
        _require(info, "staff")
        fields = _customer_fields(input)
        with _customer_errors():
            return _customer(customer_services.customer_update(customer_id=str(id), expected_version=version,
                                                               actor=_actor(info), **fields))

    @strawberry.mutation(description="Staff: delete a customer (and free the email), if its version is still 'version'.")
    def delete_customer(self, info: Info, id: strawberry.ID, version: int) -> bool:
        _valid_id(id, field="id")
        _require(info, "staff")
        with _customer_errors():
            customer_services.customer_delete(customer_id=str(id), expected_version=version, actor=_actor(info))
        return True

    @strawberry.mutation(description="Staff: move an order to a new status, if its version is still 'version'.")
    def set_order_status(self, info: Info, id: strawberry.ID, status: str, version: int) -> StaffOrder:
        _valid_id(id, field="id")
        _require(info, "staff")
        actor = _actor(info)
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
        return _staff_order(order)

    @strawberry.mutation(description="Add to the signed-in shopper's cart (capped at the stock, atomically).")
    def add_to_cart(self, info: Info, product_id: strawberry.ID, quantity: int = 1) -> Cart:
        _valid_id(product_id, field="productId")
        _shopper(info)
        request = info.context["request"]
        if not 1 <= quantity <= order_services.MAX_LINE_QUANTITY:
            fail("BAD_USER_INPUT", f"'quantity' must be between 1 and {order_services.MAX_LINE_QUANTITY}.")
        try:
            order_services.cart_add(cart_id=cart_id_for_request(request), product_id=str(product_id), quantity=quantity)
        except order_services.ProductUnavailable:
            fail("NOT_FOUND", "That product is not available.")
        except order_services.CartTooLarge:
            fail("CART_TOO_LARGE", "The cart already holds as many different products as one order can.")
        cart = order_selectors.cart_get(cart_id=cart_id_for_request(request))
        _count_refresh(request, cart)
        return _cart(cart)

    @strawberry.mutation(description="Set a cart line's quantity; 0 removes it.")
    def set_cart_quantity(self, info: Info, product_id: strawberry.ID, quantity: int) -> Cart:
        _valid_id(product_id, field="productId")
        _shopper(info)
        request = info.context["request"]
        if not 0 <= quantity <= order_services.MAX_LINE_QUANTITY:
            fail("BAD_USER_INPUT", f"'quantity' must be between 0 and {order_services.MAX_LINE_QUANTITY}.")
        try:
            order_services.cart_set_quantity(cart_id=cart_id_for_request(request), product_id=str(product_id), quantity=quantity)
        except order_services.LineNotInCart:
            fail("NOT_FOUND", "That product is not in the cart.")
        cart = order_selectors.cart_get(cart_id=cart_id_for_request(request))
        _count_refresh(request, cart)
        return _cart(cart)

    @strawberry.mutation(description="Place the cart as one order, once per client token (a UUID); refused if the "
                                     "cart differs from 'reviewed' (Cart.fingerprint). The order waits for payment.")
    def create_order(self, info: Info, token: strawberry.ID, reviewed: str, address: AddressInput) -> Order:
        _valid_id(token, field="token")
        customer = _shopper(info)
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
        _count_refresh(request)
        return _order(order)

    @strawberry.mutation(description="Cancel one of the shopper's orders while it waits for payment.")
    def cancel_order(self, info: Info, id: strawberry.ID) -> Order:
        _valid_id(id, field="id")
        customer = _shopper(info)
        try:
            order = order_services.order_transition(order_id=str(id), status="cancelled", actor=customer.email,
                                                    customer_id=customer.customer_id)
        except order_services.OrderNotFound:
            fail("NOT_FOUND", "No such order.")
        except order_services.TransitionRefused as error:
            fail("REFUSED", str(error))
        except order_services.StaleOrder:
            fail("CONFLICT", "The order changed meanwhile; read it again.")
        return _order(order)


class Schema(strawberry.Schema):
    """strawberry's schema, minus its error log: strawberry logs every error at ERROR with a traceback and
    the document's text (passwords included); graphapi.views logs each error once, at the right level."""

    def process_errors(self, errors, execution_context=None) -> None:
        return None


_schemas: dict[tuple, strawberry.Schema] = {}


def schema_get() -> strawberry.Schema:
    """The schema for the current settings (introspection on or off, depth limit), built once per combination."""
    key = (settings.GRAPHQL_INTROSPECTION, settings.GRAPHQL_MAX_DEPTH)
    if key not in _schemas:
        depth = settings.GRAPHQL_MAX_DEPTH
        extensions = [lambda: QueryDepthLimiter(max_depth=depth), lambda: MaxTokensLimiter(max_token_count=2000),
                      lambda: MaxAliasesLimiter(max_alias_count=10)]
        if not settings.GRAPHQL_INTROSPECTION:
            extensions.append(DisableIntrospection)
        _schemas[key] = Schema(query=Query, mutation=Mutation, extensions=extensions)
    return _schemas[key]
