"""The GraphQL API: scoped keys, browser sessions with CSRF, the same rules as the pages, bounded queries."""
import re
import uuid

import pytest
from django.core.cache import cache
from django.test import Client

from accounts import services as account_services
from tests.factories import PASSWORD, make_category, make_customer, make_product
from tests.fault_injection import dynamodb_fault

pytestmark = pytest.mark.usefixtures("tables")

PRODUCTS = "query($first: Int!, $after: String) { products(first: $first, after: $after) { items { name slug priceCents category { name } } nextCursor } }"


def api_client(*scopes):
    _, key = account_services.api_key_create(name="gql", scopes=set(scopes))
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def gql(client, query, variables=None, **extra):
    return client.post("/graphql", {"query": query, "variables": variables or {}}, content_type="application/json", **extra)


def browser(signed_in=True):
    """A browser with a session and its CSRF token, signed in as a new shopper."""
    client = Client(enforce_csrf_checks=True)
    client.get("/account/login/")
    token = client.cookies["csrftoken"].value
    customer = None
    if signed_in:
        customer = make_customer()
        client.post("/account/login/", {"email": customer.email, "password": PASSWORD, "csrfmiddlewaretoken": token})
        client.get("/")
        token = client.cookies["csrftoken"].value
    client.defaults["HTTP_X_CSRFTOKEN"] = token
    return client, customer


def test_catalog_pages_with_a_read_key_cost_what_the_page_costs(count_calls):
    kitchen = make_category(name="Kitchen", slug="kitchen")
    for n in range(30):
        make_product(category=kitchen, name=f"Pan {n:02d}", slug=f"pan-{n:02d}", price_cents=1000 + n)
    api = api_client("catalog:read")
    cache.clear()
    with count_calls() as calls:
        first = gql(api, PRODUCTS, {"first": 24})
    assert first.status_code == 200, first.content
    page = first.json()["data"]["products"]
    assert len(page["items"]) == 24 and page["nextCursor"] and page["items"][0]["category"] == {"name": "Kitchen"}
    # key look-up + rate count + first use noted + the page's Query + the category list's Query: not one more per product
    assert len(calls) == 5, calls
    second = gql(api, PRODUCTS, {"first": 24, "after": page["nextCursor"]}).json()["data"]["products"]
    assert len(second["items"]) == 6 and second["nextCursor"] is None
    assert not {p["slug"] for p in page["items"]} & {p["slug"] for p in second["items"]}
    with count_calls() as calls:
        gql(api, PRODUCTS, {"first": 24})
    assert len(calls) == 2  # cache hit: only the key and its rate count
    one = gql(api, '{ product(slug: "pan-03") { name priceCents currency stockState } }').json()["data"]["product"]
    assert one == {"name": "Pan 03", "priceCents": 1003, "currency": "USD", "stockState": "in_stock"}
    assert gql(api, '{ product(slug: "nope") { name } }').json()["data"]["product"] is None
    search = 'query($after: String) { search(query: "pan", after: $after) { items { slug } nextCursor message } }'
    found = gql(api, search).json()["data"]["search"]
    rest = gql(api, search, {"after": found["nextCursor"]}).json()["data"]["search"]
    assert len({item["slug"] for item in found["items"] + rest["items"]}) == 30 and rest["nextCursor"] is None
    cats = gql(api, "{ categories { slug productCount } }").json()["data"]["categories"]
    assert cats == [{"slug": "kitchen", "productCount": 30}]
    by_category = gql(api, '{ products(category: "kitchen", first: 5) { items { slug } } }').json()["data"]["products"]
    assert len(by_category["items"]) == 5


def test_keys_need_the_right_scope_and_browsers_need_csrf():
    make_product()
    customers_only = api_client("customers")
    response = gql(customers_only, "{ categories { slug } }")
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    catalog_only = api_client("catalog:read")
    assert catalog_only.get("/api/customers").status_code == 403  # and the REST API refuses a catalog key
    assert gql(Client(HTTP_AUTHORIZATION="Bearer sk_nope"), "{ categories { slug } }").status_code == 401
    no_token = Client(enforce_csrf_checks=True)
    response = gql(no_token, "{ categories { slug } }")
    assert response.status_code == 403 and response.json()["errors"][0]["extensions"]["code"] == "CSRF_FAILED"
    visitor, _ = browser(signed_in=False)
    assert gql(visitor, "{ categories { slug } }").json()["data"]["categories"]
    response = gql(visitor, "{ cart { count } }")
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    response = gql(api_client("catalog:read", "customers"), "{ myOrders { items { id } } }")
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"  # keys never act as a shopper


def test_a_shopper_fills_a_cart_places_one_order_per_token_and_sees_only_their_own():
    product = make_product(stock=5, price_cents=2000)
    shopper, customer = browser()
    cart = gql(shopper, "mutation($id: ID!) { addToCart(productId: $id, quantity: 2) { count totalCents fingerprint } }",
               {"id": product.product_id}).json()["data"]["addToCart"]
    assert cart["count"] == 2 and cart["totalCents"] == 4500  # $40 + $5 shipping
    place = ("mutation($token: ID!, $reviewed: String!) { createOrder(token: $token, reviewed: $reviewed, address: "
             '{name: "Ada", line1: "1 Main St", city: "X", postalCode: "1", country: "US"}) { id number status totalCents } }')
    token = str(uuid.uuid4())
    stale = gql(shopper, place, {"token": token, "reviewed": "not-what-was-reviewed"}).json()
    assert stale["errors"][0]["extensions"] == {"code": "PRICE_CHANGED", "totalCents": 4500}
    order = gql(shopper, place, {"token": token, "reviewed": cart["fingerprint"]}).json()["data"]["createOrder"]
    assert order["status"] == "placed" and order["totalCents"] == 4500 and re.fullmatch(r"\d+", order["number"])
    again = gql(shopper, place, {"token": token, "reviewed": cart["fingerprint"]}).json()["data"]["createOrder"]
    assert again["id"] == order["id"]  # the same token is the same order
    mine = gql(shopper, "{ myOrders { items { id } } }").json()["data"]["myOrders"]["items"]
    assert [item["id"] for item in mine] == [order["id"]]
    other, _ = browser()
    query = "query($id: ID!) { order(id: $id) { id } }"
    assert gql(other, query, {"id": order["id"]}).json()["data"]["order"] is None  # not found, not forbidden
    refused = gql(other, "mutation($id: ID!) { cancelOrder(id: $id) { status } }", {"id": order["id"]}).json()
    assert refused["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    cancelled = gql(shopper, "mutation($id: ID!) { cancelOrder(id: $id) { status } }", {"id": order["id"]}).json()
    assert cancelled["data"]["cancelOrder"]["status"] == "cancelled"


@pytest.mark.parametrize("query, variables, code", [
    ("{ products(first: 1000) { items { name } } }", None, "BAD_USER_INPUT"),
    ('{ products(sort: "random") { items { name } } }', None, "BAD_USER_INPUT"),
    ('{ products(after: "forged") { items { name } } }', None, "BAD_USER_INPUT"),
    ("{ products { items { nope } } }", None, "GRAPHQL_VALIDATION_FAILED"),
    ("query($n: Int!) { products(first: $n) { items { name } } }", {"n": "many"}, "GRAPHQL_VALIDATION_FAILED"),
    ("{ products { items { name } ", None, "GRAPHQL_VALIDATION_FAILED"),
    ("{ " + " ".join(f"a{n}: categories {{ slug }}" for n in range(20)) + " }", None, "GRAPHQL_VALIDATION_FAILED"),
    ('{ product(slug: "a", id: "b") { name } }', None, "BAD_USER_INPUT"),
])
def test_bad_queries_and_variables_get_coded_errors_never_a_500(query, variables, code):
    response = gql(api_client("catalog:read"), query, variables)
    assert response.status_code in (200, 400), response.content
    assert response.json()["errors"][0]["extensions"]["code"] == code, response.json()


def test_depth_is_limited_and_introspection_can_be_switched_off(settings):
    api = api_client("catalog:read")
    settings.GRAPHQL_MAX_DEPTH = 2
    deep = gql(api, "{ products { items { category { name } } } }").json()
    assert "exceeds maximum operation depth" in deep["errors"][0]["message"]
    settings.GRAPHQL_MAX_DEPTH = 8
    assert gql(api, "{ __schema { queryType { name } } }").json()["data"]["__schema"]["queryType"]["name"] == "Query"
    settings.GRAPHQL_INTROSPECTION = False
    closed = gql(api, "{ __schema { queryType { name } } }").json()
    assert "data" not in closed and closed["errors"]


@pytest.mark.parametrize("body, content_type, status", [
    ("not json", "application/json", 400), ('{"query": 1}', "application/json", 400), ("[]", "application/json", 400),
    ('{"query": "   "}', "application/json", 400),
    ('{"query": "{ categories { slug } }"}', "text/plain", 415), ("[" * 3000 + "]" * 3000, "application/json", 400),
    ('{"query": "{ categories { slug } }", "variables": {"x": "\\ud800"}}', "application/json", 400),
    ('{"query": "' + "x" * 40000 + '"}', "application/json", 413),
])
def test_bodies_that_are_not_one_operation_are_refused_with_json(body, content_type, status):
    response = api_client("catalog:read").post("/graphql", body, content_type=content_type)
    assert response.status_code == status and response.json()["errors"][0]["extensions"]["code"]
    assert api_client("catalog:read").get("/graphql").status_code == 405


def test_an_outage_is_a_503_with_a_code():
    api = api_client("catalog:read")
    cache.clear()
    with dynamodb_fault("throttle", operations={"Query"}):
        response = gql(api, "{ products { items { name } } }")
    assert response.status_code == 503 and response["Retry-After"]
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAVAILABLE"


def test_staff_keys_list_orders_and_customers_and_move_orders_with_a_version():
    from orders import services as order_services

    customer = make_customer(first_name="Ada")
    product = make_product(stock=5)
    cart_id = order_services.cart_id_for_customer(customer.customer_id)
    order_services.cart_add(cart_id=cart_id, product_id=product.product_id, quantity=1)
    order, _ = order_services.order_place(customer=customer, cart_id=cart_id, token=str(uuid.uuid4()),
                                          address={"name": "A", "line1": "B", "city": "C", "postal_code": "D", "country": "E"})
    assert gql(api_client("catalog:read"), "{ ordersByStatus { items { id } } }").json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    staff = api_client("staff")
    listed = gql(staff, '{ ordersByStatus(status: "placed") { items { id email number version } } }').json()["data"]
    assert listed["ordersByStatus"]["items"] == [{"id": order.order_id, "email": customer.email, "number": order.reference,
                                                  "version": order.version}]
    move = "mutation($id: ID!, $v: Int!) { setOrderStatus(id: $id, status: \"paid\", version: $v) { status version } }"
    stale = gql(staff, move, {"id": order.order_id, "v": order.version + 5}).json()
    assert stale["errors"][0]["extensions"]["code"] == "CONFLICT"
    paid = gql(staff, move, {"id": order.order_id, "v": order.version}).json()["data"]["setOrderStatus"]
    assert paid["status"] == "paid"
    again = gql(staff, move, {"id": order.order_id, "v": paid["version"]}).json()
    assert again["errors"][0]["extensions"]["code"] == "REFUSED"
    people = gql(staff, "{ customers { items { email firstName } } }").json()["data"]["customers"]["items"]
    assert {"email": customer.email, "firstName": "Ada"} in people
    one = gql(staff, "query($id: ID!) { customer(id: $id) { email } }", {"id": customer.customer_id}).json()["data"]
    assert one["customer"] == {"email": customer.email}


def test_a_shopper_app_signs_in_for_a_token_that_a_password_change_revokes():
    from customers import services as customer_services

    customer = make_customer()
    product = make_product(stock=5)
    app = Client(enforce_csrf_checks=True)  # no cookies, no CSRF token: a phone app
    sign_in = 'mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { token expiresInSeconds } }'
    wrong = gql(api_client("catalog:read"), sign_in, {"e": customer.email, "p": "not-it"}).json()
    assert wrong["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    token = gql(api_client("catalog:read"), sign_in, {"e": customer.email, "p": PASSWORD}).json()["data"]["signIn"]["token"]
    auth = {"HTTP_AUTHORIZATION": f"Shopper {token}"}
    added = gql(app, "mutation($id: ID!) { addToCart(productId: $id, quantity: 2) { count } }", {"id": product.product_id}, **auth)
    assert added.json()["data"]["addToCart"]["count"] == 2 and "sessionid" not in added.cookies
    assert gql(app, "{ cart { count } myOrders { items { id } } }", **auth).json()["data"]["cart"]["count"] == 2
    tampered = gql(app, "{ cart { count } }", HTTP_AUTHORIZATION=f"Shopper {token[:-2]}xx")
    assert tampered.status_code == 401 and tampered.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    customer_services.customer_update(customer_id=customer.customer_id, password="a-new-passphrase-77")
    assert gql(app, "{ cart { count } }", **auth).status_code == 401  # revoked by the password change


def test_staff_customer_mutations_mirror_the_rest_api():
    staff = api_client("staff")
    create = "mutation($i: CustomerInput!) { createCustomer(input: $i) { id email version } }"
    made = gql(staff, create, {"i": {"email": "Ann@Example.com", "firstName": "Ann"}}).json()["data"]["createCustomer"]
    assert made["email"] == "ann@example.com"
    taken = gql(staff, create, {"i": {"email": "ann@example.com"}}).json()
    assert taken["errors"][0]["extensions"]["code"] == "EMAIL_TAKEN"
    bad = gql(staff, create, {"i": {"email": "nope", "status": "weird"}}).json()["errors"][0]["extensions"]
    assert bad["code"] == "BAD_USER_INPUT" and set(bad["fields"]) == {"email", "status"}
    update = "mutation($id: ID!, $v: Int!, $i: CustomerInput!) { updateCustomer(id: $id, version: $v, input: $i) { city version } }"
    stale = gql(staff, update, {"id": made["id"], "v": made["version"] + 1, "i": {"email": "ann@example.com", "city": "Oslo"}})
    assert stale.json()["errors"][0]["extensions"]["code"] == "CONFLICT"
    done = gql(staff, update, {"id": made["id"], "v": made["version"], "i": {"email": "ann@example.com", "city": "Oslo"}})
    updated = done.json()["data"]["updateCustomer"]
    assert updated["city"] == "Oslo"
    delete = "mutation($id: ID!, $v: Int!) { deleteCustomer(id: $id, version: $v) }"
    assert gql(staff, delete, {"id": made["id"], "v": updated["version"]}).json()["data"]["deleteCustomer"] is True
    gone = gql(staff, delete, {"id": made["id"], "v": updated["version"]}).json()
    assert gone["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert gql(api_client("catalog:read"), create, {"i": {"email": "x@example.com"}}).json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


@pytest.mark.parametrize("page, query", [
    ("/products/", "{ products { items { name priceCents stockState } } }"),  # (asking for category adds the cached list's Query)
    ("/categories/kitchen/", '{ products(category: "kitchen") { items { name category { name } } } }'),
    # the page shows the category name copied onto the product; the API's full `category` reads the cached list
    ("/products/pan-03/", '{ product(slug: "pan-03") { name description categoryId } }'),
    ("/search/?q=pan", '{ search(query: "pan") { items { name } } }'),
])
def test_each_public_query_costs_the_dynamodb_requests_of_its_page(count_calls, page, query):
    kitchen = make_category(name="Kitchen", slug="kitchen")
    for n in range(30):
        make_product(category=kitchen, name=f"Pan {n:02d}", slug=f"pan-{n:02d}")
    api = api_client("catalog:read")
    cache.clear()
    with count_calls() as page_calls:
        assert Client().get(page).status_code == 200
    cache.clear()
    with count_calls() as api_calls:
        assert "errors" not in gql(api, query).json()
    # the key, its rate count and (a new key's first use) its "last used" time
    assert api_calls[:3] == ["GetItem", "UpdateItem", "UpdateItem"]
    assert sorted(api_calls[3:]) == sorted(page_calls), (api_calls, page_calls)


@pytest.mark.parametrize("product_id", ["", "x" * 2100, "a b", "../etc"])
def test_ids_are_checked_like_the_forms_check_them(product_id):
    client, _ = browser()
    response = gql(client, "mutation($id: ID!) { setCartQuantity(productId: $id, quantity: 1) { count } }",
                   {"id": product_id})
    body = response.json()
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
    assert "data" in body and body["data"] is None  # executed, and failed: data is null, per the spec


def test_a_client_error_is_one_info_line_and_a_password_never_reaches_the_log(caplog):
    import logging

    customer = make_customer()
    caplog.set_level(logging.DEBUG)
    secret = "Zq9wq xk7Vbq Wl3pq"
    response = gql(Client(), f'mutation {{ signIn(email: "{customer.email}", password: "{secret}") {{ token }} }}')
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert gql(Client(), "{ nope }").status_code == 400
    logged = [record for record in caplog.records if record.name.startswith(("shopsite.graphql", "strawberry"))]
    assert all(record.levelno == logging.INFO and not record.exc_info for record in logged), logged
    assert len(logged) == 2, [record.getMessage() for record in logged]
    assert not any(part in record.getMessage() for record in caplog.records for part in secret.split())


def test_with_introspection_off_no_suggestion_spells_out_the_schema(settings):
    settings.GRAPHQL_INTROSPECTION = False
    client, _ = browser()
    body = gql(client, "mutation { setOrderStatu(id: \"x\", status: \"paid\", version: 1) { id } }").json()
    assert body["errors"] and not any("Did you mean" in error["message"] for error in body["errors"]), body
    settings.GRAPHQL_INTROSPECTION = True
    body = gql(client, "mutation { setOrderStatu(id: \"x\", status: \"paid\", version: 1) { id } }").json()
    assert any("Did you mean" in error["message"] for error in body["errors"]), body


def test_the_graphql_response_media_type_when_asked():
    client, _ = browser()
    response = gql(client, "{ categories { slug } }", HTTP_ACCEPT="application/graphql-response+json")
    assert response["Content-Type"] == "application/graphql-response+json" and "data" in response.json()
    assert gql(client, "{ categories { slug } }")["Content-Type"] == "application/json"


def test_shopper_tokens_are_rate_limited_like_keys(settings, monkeypatch):
    import types

    from accounts.services import api_keys

    monkeypatch.setattr(api_keys, "time", types.SimpleNamespace(time=lambda: 1_800_000_010.0))  # one minute
    settings.SHOPPER_TOKEN_RATE_LIMIT_PER_MINUTE = 5
    customer = make_customer()
    token = gql(Client(), f'mutation {{ signIn(email: "{customer.email}", password: "{PASSWORD}") {{ token }} }}'
                ).json()["data"]["signIn"]["token"]
    app = Client(HTTP_AUTHORIZATION=f"Shopper {token}")
    statuses = [gql(app, "{ cart { count } }").status_code for _ in range(8)]
    assert statuses.count(200) == 5 and statuses.count(429) == 3, statuses


def test_integrators_see_options_and_variants_and_add_a_variant_by_sku():
    from catalog import services as catalog_services
    from catalog.variants import variants_of

    product = make_product(name="Tee", slug="tee-gql", sku="GQL", price_cents=2000, stock=0,
                           description="**Soft** cotton <script>alert(1)</script>")
    product = catalog_services.product_options_set(product_id=product.product_id, expected_version=product.version,
                                                   options=[("Size", ["S", "M"])])
    medium = next(v for v in variants_of(product) if v.values == ("M",))
    catalog_services.variant_stock_set(product_id=product.product_id, variant_id=medium.variant_id, stock=3,
                                       expected_stock=0)
    query = ('{ product(slug: "tee-gql") { descriptionHtml options { name values } '
             "variants { sku priceCents stock available options { name value } } } }")
    found = gql(api_client("catalog:read"), query).json()["data"]["product"]
    assert found["options"] == [{"name": "Size", "values": ["S", "M"]}]
    assert found["variants"] == [
        {"sku": "GQL-S", "priceCents": 2000, "stock": 0, "available": False, "options": [{"name": "Size", "value": "S"}]},
        {"sku": "GQL-M", "priceCents": 2000, "stock": 3, "available": True, "options": [{"name": "Size", "value": "M"}]}]
    assert "<strong>Soft</strong>" in found["descriptionHtml"] and "<script" not in found["descriptionHtml"]
    shopper, _ = browser()
    add = "mutation($sku: String, $n: Int!) { addToCart(sku: $sku, quantity: $n) { count lines { line sku variantLabel } } }"
    cart = gql(shopper, add, {"sku": "gql-m", "n": 5}).json()["data"]["addToCart"]
    assert cart["count"] == 3 and cart["lines"][0]["sku"] == "GQL-M" and cart["lines"][0]["variantLabel"] == "Size: M"
    refused = gql(shopper, add, {"sku": "GQL-S", "n": 1}).json()["errors"][0]["extensions"]["code"]
    assert refused == "NOT_FOUND"  # sold out
    assert gql(shopper, add, {"sku": "NOPE", "n": 1}).json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    whole = gql(shopper, "mutation($id: ID!) { addToCart(productId: $id, quantity: 1) { count } }",
                {"id": product.product_id}).json()
    assert whole["errors"][0]["extensions"]["code"] == "VARIANT_NEEDED"
    line = cart["lines"][0]["line"]
    change = "mutation($line: ID!) { setCartQuantity(line: $line, quantity: 1) { count } }"
    assert gql(shopper, change, {"line": line}).json()["data"]["setCartQuantity"]["count"] == 1


def test_integrators_read_attributes_and_filter_a_category_by_one():
    from catalog import services as catalog_services

    tops = make_category(name="Tops", slug="tops")
    kind = catalog_services.product_type_create(name="Clothing", attributes=[
        {"name": "Material", "kind": "choice", "values": ["Cotton", "Linen"], "facet": True},
        {"name": "Weight", "kind": "number", "unit": "g"}])
    for name, material in (("Linen top", "Linen"), ("Cotton top", "Cotton")):
        product = make_product(category=tops, name=name, slug=name.lower().replace(" ", "-"))
        catalog_services.product_attributes_set(product_id=product.product_id, expected_version=product.version,
                                                type_id=kind.type_id, values={"material": material, "weight": 150})
    api = api_client("catalog:read")
    query = ('query($f: ProductFilter) { products(category: "tops", filter: $f) '
             "{ items { name attributes { name value } } } }")
    items = gql(api, query, {"f": {"attributes": [{"name": "material", "value": "linen"}]}}).json()["data"]["products"]["items"]
    assert items == [{"name": "Linen top", "attributes": [{"name": "Material", "value": "Linen"},
                                                          {"name": "Weight", "value": "150 g"}]}]
    for bad in ({"attributes": [{"name": "Material", "value": "Silk"}]}, {"attributes": [{"name": "Colour", "value": "Red"}]},
                {"attributes": [{"name": "Material", "value": "Linen"}, {"name": "Weight", "value": "150"}]}):
        assert gql(api, query, {"f": bad}).json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    nowhere = gql(api, 'query($f: ProductFilter) { products(filter: $f) { items { name } } }',
                  {"f": {"attributes": [{"name": "Material", "value": "Linen"}]}}).json()
    assert nowhere["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
