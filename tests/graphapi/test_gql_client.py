"""The GraphQL API driven by a real third-party client (gql, over HTTP) against the live site and DynamoDB Local.

The client fetches the schema by introspection and checks every operation
against it before sending, as an app built on it would.
"""
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from gql import Client, GraphQLRequest, gql
from gql.transport.exceptions import TransportQueryError, TransportServerError
from gql.transport.requests import RequestsHTTPTransport

from catalog import selectors as catalog_selectors
from accounts import services as account_services
from accounts.tokens import shopper_token_make
from orders.models import Order
from tests.factories import PASSWORD, make_category, make_customer, make_product

pytestmark = pytest.mark.usefixtures("tables")

ADDRESS = {"name": "Ada", "line1": "1 Main St", "city": "London", "postalCode": "N1", "country": "GB"}
CART = gql("mutation($id: ID!, $n: Int!) { addToCart(productId: $id, quantity: $n) { count fingerprint } }")
PLACE = gql("mutation($t: ID!, $r: String!, $a: AddressInput!) { createOrder(token: $t, reviewed: $r, address: $a) { id number } }")


def connect(site_url, **headers) -> Client:
    transport = RequestsHTTPTransport(url=f"{site_url}/graphql", headers=headers, retries=0, timeout=60)
    return Client(transport=transport, fetch_schema_from_transport=True)


def with_key(site_url, *scopes) -> Client:
    _, key = account_services.api_key_create(name="gql-client", scopes=set(scopes))
    return connect(site_url, Authorization=f"Bearer {key}")


def as_shopper(site_url, customer) -> Client:
    return connect(site_url, Authorization=f"Shopper {shopper_token_make(customer)}")


def code_of(error: TransportQueryError) -> str:
    return error.errors[0]["extensions"]["code"]


def test_catalog_operations_and_the_auth_rules(site_url):
    category = make_category(name="Tools", slug="tools")
    hammer = make_product(category=category, name="Claw Hammer", slug="claw-hammer", price_cents=1999)
    make_product(category=category, name="Mallet", slug="mallet")
    catalog = with_key(site_url, "catalog:read")
    result = catalog.execute(gql("""{
        categories { slug name productCount }
        products(first: 1) { items { slug category { slug } } nextCursor }
        byCategory: products(category: "tools", first: 10) { items { slug } }
        product(slug: "claw-hammer") { id name priceCents currency }
        search(query: "claw") { items { slug } nextCursor message }
    }"""))
    assert result["categories"] == [{"slug": "tools", "name": "Tools", "productCount": 2}]
    assert len(result["products"]["items"]) == 1 and result["products"]["nextCursor"]
    after = catalog.execute(GraphQLRequest(gql("query($c: String) { products(first: 1, after: $c) { items { slug } nextCursor } }"), variable_values={"c": result["products"]["nextCursor"]}))
    assert {after["products"]["items"][0]["slug"], result["products"]["items"][0]["slug"]} == {"claw-hammer", "mallet"}
    assert {item["slug"] for item in result["byCategory"]["items"]} == {"claw-hammer", "mallet"}
    assert result["product"] == {"id": hammer.product_id, "name": "Claw Hammer", "priceCents": 1999, "currency": "USD"}
    assert result["search"]["items"] == [{"slug": "claw-hammer"}]

    with pytest.raises(TransportQueryError) as wrong_scope:
        with_key(site_url, "customers").execute(gql("{ categories { slug } }"))
    assert code_of(wrong_scope.value) == "FORBIDDEN"
    with pytest.raises((TransportQueryError, TransportServerError)) as no_key:  # no key, no browser CSRF token
        connect(site_url).execute(gql("{ categories { slug } }"))
    assert "CSRF" in str(no_key.value)
    with pytest.raises(TransportQueryError) as not_a_shopper:
        catalog.execute(gql("{ cart { count } }"))
    assert code_of(not_a_shopper.value) == "UNAUTHENTICATED"
    with pytest.raises(TransportQueryError) as too_big:
        catalog.execute(gql("{ products(first: 500) { items { slug } } }"))
    assert code_of(too_big.value) == "BAD_USER_INPUT"


def test_depth_and_size_limits(site_url, settings):
    catalog = with_key(site_url, "catalog:read")
    settings.GRAPHQL_MAX_DEPTH = 2
    with pytest.raises(TransportQueryError) as deep:
        catalog.execute(gql("{ products { items { category { name } } } }"))
    assert "maximum operation depth" in deep.value.errors[0]["message"]
    settings.GRAPHQL_MAX_DEPTH = 8
    many = "{ " + " ".join(f"a{n}: categories {{ slug }}" for n in range(15)) + " }"
    with pytest.raises(TransportQueryError) as aliases:
        catalog.execute(gql(many))
    assert code_of(aliases.value) == "GRAPHQL_VALIDATION_FAILED"


def test_a_shopper_signs_in_and_ten_concurrent_create_orders_with_one_token_make_one_order(site_url):
    customer = make_customer()
    product = make_product(stock=5, price_cents=1000)
    token = with_key(site_url, "catalog:read").execute(GraphQLRequest(
        gql("mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { token } }"), variable_values={"e": customer.email, "p": PASSWORD}))["signIn"]["token"]
    shopper = connect(site_url, Authorization=f"Shopper {token}")
    cart = shopper.execute(GraphQLRequest(CART, variable_values={"id": product.product_id, "n": 2}))["addToCart"]
    order_token = str(uuid.uuid4())

    def place(_):
        client = as_shopper(site_url, customer)
        return client.execute(GraphQLRequest(PLACE, variable_values={"t": order_token, "r": cart["fingerprint"], "a": ADDRESS}))["createOrder"]

    with ThreadPoolExecutor(max_workers=10) as pool:
        placed = list(pool.map(place, range(10)))
    assert len({order["id"] for order in placed}) == 1
    assert [order.order_id for order in Order.scan()] == [placed[0]["id"]]
    assert catalog_selectors.product_find(product_id=product.product_id).stock == 3
    mine = shopper.execute(gql("{ myOrders { items { id number status } } }"))["myOrders"]["items"]
    assert mine == [{"id": placed[0]["id"], "number": placed[0]["number"], "status": "placed"}]
    stranger = as_shopper(site_url, make_customer())
    assert stranger.execute(GraphQLRequest(gql("query($id: ID!) { order(id: $id) { id } }"), variable_values={"id": placed[0]["id"]})) == {"order": None}
    with pytest.raises(TransportQueryError) as refused:
        stranger.execute(GraphQLRequest(gql("mutation($id: ID!) { cancelOrder(id: $id) { status } }"), variable_values={"id": placed[0]["id"]}))
    assert code_of(refused.value) == "NOT_FOUND"
    cancelled = shopper.execute(GraphQLRequest(gql("mutation($id: ID!) { cancelOrder(id: $id) { status } }"), variable_values={"id": placed[0]["id"]}))
    assert cancelled == {"cancelOrder": {"status": "cancelled"}}
    assert catalog_selectors.product_find(product_id=product.product_id).stock == 5


def test_fifty_buyers_through_the_api_for_ten_units_make_ten_orders(site_url):
    product = make_product(stock=10, price_cents=500)
    buyers = [make_customer() for _ in range(50)]

    def buy(customer):
        client = as_shopper(site_url, customer)
        try:
            cart = client.execute(GraphQLRequest(CART, variable_values={"id": product.product_id, "n": 1}))["addToCart"]
            client.execute(GraphQLRequest(PLACE, variable_values={"t": str(uuid.uuid4()), "r": cart["fingerprint"], "a": ADDRESS}))
            return "ordered"
        except TransportQueryError as error:
            return code_of(error)

    with ThreadPoolExecutor(max_workers=25) as pool:
        outcomes = list(pool.map(buy, buyers))
    assert outcomes.count("ordered") == 10, outcomes
    assert set(outcomes) <= {"ordered", "OUT_OF_STOCK", "NOT_FOUND"}  # NOT_FOUND: sold out before adding to the cart
    assert catalog_selectors.product_find(product_id=product.product_id).stock == 0
    assert len(list(Order.scan())) == 10


def test_staff_and_customer_operations_through_the_client(site_url):
    staff = with_key(site_url, "staff")
    made = staff.execute(GraphQLRequest(gql("mutation($i: CustomerInput!) { createCustomer(input: $i) { id version } }"), variable_values={"i": {"email": "grace@example.com", "firstName": "Grace"}}))["createCustomer"]
    listed = staff.execute(gql("{ customers(first: 5) { items { email } } ordersByStatus { items { id } } }"))
    assert {"email": "grace@example.com"} in listed["customers"]["items"] and listed["ordersByStatus"]["items"] == []
    assert staff.execute(GraphQLRequest(gql("mutation($id: ID!, $v: Int!) { deleteCustomer(id: $id, version: $v) }"), variable_values={"id": made["id"], "v": made["version"]})) == {"deleteCustomer": True}
