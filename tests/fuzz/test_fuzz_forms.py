"""Hypothesis throws arbitrary input at every form, path and the API: never a 5xx, never a
stored value that breaks a later page.

Text includes lone UTF-16 surrogates, NUL, bidi controls and astral characters. A browser
cannot send a lone surrogate as UTF-8, but an attacker can send its bytes (ED A0 80), so
forms are posted as raw urlencoded bodies encoded with ``surrogatepass``, and JSON carries
them as ``\\udXXX`` escapes. Fields may repeat (``a=1&a=2``), the form's only nesting;
API bodies nest deeply.
"""
import pytest
import json
import re
import uuid
from urllib.parse import quote, urlencode

from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import PASSWORD, make_category, make_customer, make_product, make_staff

FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
char = st.one_of(
    st.characters(exclude_categories=()),
    st.characters(categories=["Cs"]),  # lone surrogates
    st.sampled_from(["\x00", "\ufeff", "\u202e", "\U0001f600", "\r", "\n", "%", "&", "="]),
)
text = st.one_of(
    st.text(alphabet=char, max_size=60),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=150, max_size=400),
    st.sampled_from(["", " ", "0", "-1", "1e308", "NaN", "9" * 40, "a@b", "<script>", "é@ü.com", "x@example.com",
                     "\ud800", "a\udfffb@example.com"]),
)
value = st.one_of(text, st.integers(min_value=-(10**20), max_value=10**20).map(str))
maybe = st.one_of(st.none(), value, st.lists(value, min_size=2, max_size=3))


def fields(*names):
    return st.fixed_dictionaries({}, optional={name: maybe for name in names}).map(
        lambda d: {k: v for k, v in d.items() if v is not None}
    )


def encoded(data) -> str:
    """Urlencode *data* as a client that ignores UTF-8's rules would: surrogates become their bytes."""
    return urlencode(data, doseq=True, encoding="utf-8", errors="surrogatepass")


def post(client, path, data=None):
    return ok(client.post(path, encoded(data or {}), content_type="application/x-www-form-urlencoded"))


def get(client, path, params=None):
    return ok(client.get(f"{path}?{encoded(params)}" if params else path))


def segment(value) -> str:
    """One URL path segment holding arbitrary text, bytes percent-encoded."""
    if isinstance(value, list):
        value = "/".join(value)
    return quote(value or "x", safe="", encoding="utf-8", errors="surrogatepass")


def ok(response):
    assert response.status_code < 500, response.status_code
    return response


def signed_in_staff():
    client = Client()
    staff = make_staff()
    client.post("/staff/login/", {"email": staff.email, "password": PASSWORD})
    return client


def signed_in_customer():
    client = Client()
    customer = make_customer()
    client.post("/account/login/", {"email": customer.email, "password": PASSWORD})
    return client, customer


@FUZZ
@given(fields("email", "password", "password_confirm", "first_name", "last_name", "phone", "line1", "city", "postal_code", "country"))
@pytest.mark.usefixtures("tables")
def test_signup(data):
    client = Client()
    post(client, "/account/signup/", data)
    get(client, "/account/")
    get(client, "/")


@FUZZ
@given(fields("email", "password"), st.sampled_from(["/account/login/", "/staff/login/"]))
def test_logins(data, path):
    post(Client(), path, data)


@FUZZ
@given(fields("email", "first_name", "last_name", "phone", "line1", "line2", "city", "postal_code", "country", "version"))
@pytest.mark.usefixtures("tables")
def test_profile(data):
    client, _ = signed_in_customer()
    post(client, "/account/", data)
    get(client, "/account/")
    post(client, "/account/password/", {"current_password": data.get("email", ""), "new_password": data.get("city", "")})


@FUZZ
@given(fields("product_id", "line", "quantity"), st.sampled_from(["/cart/add/", "/cart/update/"]))
@pytest.mark.usefixtures("tables")
def test_cart_forms(data, path):
    client = Client()
    product = make_product(stock=3)
    data.setdefault("product_id", product.product_id)
    post(client, path, data)
    get(client, "/cart/")


@FUZZ
@given(fields("name", "line1", "line2", "city", "postal_code", "country"), maybe)
@pytest.mark.usefixtures("tables")
def test_checkout_forms(data, token):
    client, _ = signed_in_customer()
    client.post("/cart/add/", {"product_id": make_product(stock=3).product_id, "quantity": 1})
    post(client, "/checkout/", data)
    get(client, "/checkout/review/")
    post(client, "/checkout/place/", {"token": token or ""})
    get(client, "/account/orders/")


@FUZZ
@given(fields("email", "first_name", "last_name", "phone", "line1", "line2", "city", "postal_code", "country", "notes", "status", "version"))
@pytest.mark.usefixtures("tables")
def test_staff_customer_forms(data):
    client = signed_in_staff()
    post(client, "/staff/customers/new/", data)
    customer = make_customer()
    post(client, f"/staff/customers/{customer.customer_id}/edit/", data)
    page = get(client, "/staff/customers/")
    for link in set(re.findall(r'href="(/staff/customers/[0-9a-f-]{36}/)"', page.content.decode())):
        get(client, link)
    get(client, "/staff/customers/", {"email": data.get("email", ""), "cursor": data.get("notes", "")})


@FUZZ
@given(fields("name", "slug", "description", "price", "category_id", "stock", "active", "version"), fields("name", "slug", "description", "position", "version"), maybe)
@pytest.mark.usefixtures("tables")
def test_staff_catalog_forms(product_data, category_data, delta):
    client = signed_in_staff()
    category = make_category()
    product = make_product(category=category)
    post(client, "/staff/categories/new/", category_data)
    post(client, f"/staff/categories/{category.category_id}/edit/", category_data)
    post(client, "/staff/products/new/", {"category_id": category.category_id, **product_data})
    post(client, f"/staff/products/{product.product_id}/edit/", product_data)
    post(client, f"/staff/products/{product.product_id}/stock/", {"delta": delta or "", "reason": delta or ""})
    for path in ("/staff/categories/", "/staff/products/", "/", "/products/", f"/categories/{category.slug}/"):
        get(client, path)
    get(client, "/search/", {"q": product_data.get("name", "")})
    get(client, "/products/", {"sort": category_data.get("name", ""), "cursor": category_data.get("slug", "")})


@FUZZ
@given(fields("status", "version"))
@pytest.mark.usefixtures("tables")
def test_staff_order_transition_form(data):
    from orders import services

    client = signed_in_staff()
    customer = make_customer()
    product = make_product(stock=5)
    cart_id = services.cart_id_for_customer(customer.customer_id)
    services.cart_add(cart_id=cart_id, product_id=product.product_id, quantity=1)
    order, _ = services.order_place(customer=customer, cart_id=cart_id, token=str(uuid.uuid4()),
                                    address={"name": "A", "line1": "B", "city": "C", "postal_code": "D", "country": "E"})
    post(client, f"/staff/orders/{order.order_id}/status/", data)
    get(client, f"/staff/orders/{order.order_id}/")
    get(client, "/staff/orders/", {"status": data.get("status", ""), "cursor": data.get("version", "")})


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(text, children, max_size=4),
    max_leaves=10,
)
customer_json = st.one_of(
    json_values,
    st.fixed_dictionaries({}, optional={k: json_values | text for k in (
        "email", "first_name", "last_name", "phone", "line1", "line2", "city", "postal_code", "country", "status")}),
)


@FUZZ
@given(customer_json, st.one_of(st.none(), st.text(alphabet=st.characters(codec="latin-1"), max_size=12)))
@pytest.mark.usefixtures("tables")
def test_api_arbitrary_json(body, if_match):
    from accounts import services

    _, key = services.api_key_create(name="fuzz")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    raw = json.dumps(body)
    response = ok(api.post("/api/customers", raw, content_type="application/json"))
    if response.status_code >= 400:
        assert "error" in response.json()
    customer = make_customer()
    headers = {"HTTP_IF_MATCH": if_match} if if_match else {}
    response = ok(api.put(f"/api/customers/{customer.customer_id}", raw, content_type="application/json", **headers))
    if response.status_code >= 400:
        assert "error" in response.json()
    listing = ok(api.get("/api/customers", {"limit": "100"}))
    for item in listing.json()["items"]:
        ok(api.get(f"/api/customers/{item['customer_id']}"))


def nested(depth: int, kind: str) -> str:
    if kind == "list":
        return "[" * depth + "]" * depth
    return '{"email": ' * depth + '"a@example.com"' + "}" * depth


raw_bodies = st.one_of(
    st.binary(max_size=300),
    st.builds(nested, st.integers(min_value=1, max_value=5000), st.sampled_from(["list", "object"])),
    st.sampled_from([
        '{"email": "a@example.com", "email": "b@example.com"}',  # duplicate keys
        '{"first_name": "\\ud800"}', '{"first_name": "\\udfff\\ud800"}', '"\\ud83d"',  # lone surrogates
        "", "{", "null", "1e999", '{"email": 1e999}', "\ufeff{}",
    ]).map(str.encode),
)
content_types = st.sampled_from(["application/json", "application/json; charset=latin-1", "text/plain",
                                 "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""])


@FUZZ
@given(raw_bodies, content_types, st.sampled_from(["post", "put", "patch", "delete"]))
@pytest.mark.usefixtures("tables")
def test_api_raw_bodies_and_content_types(body, content_type, method):
    """Bytes that are not JSON, JSON nested thousands deep, duplicate keys, lone surrogates,
    any content type: a 4xx with a JSON error body, never a 5xx."""
    from accounts import services

    _, key = services.api_key_create(name="fuzz")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    customer = make_customer()
    for path in ("/api/customers", f"/api/customers/{customer.customer_id}"):
        response = ok(getattr(api, method)(path, body, content_type=content_type))
        if response.status_code >= 400:
            assert "error" in response.json()
    ok(api.get(f"/api/customers/{customer.customer_id}"))


@FUZZ
@given(maybe, fields("new_password", "new_password_confirm"))
@pytest.mark.usefixtures("tables")
def test_paths_and_tokens_anyone_can_type(value, data):
    """Every route that takes a part of the path, fed arbitrary text, by a shopper and by staff."""
    piece = segment(value)
    shopper, _ = signed_in_customer()
    for path in (f"/products/{piece}/", f"/categories/{piece}/", f"/account/orders/{piece}/",
                 f"/checkout/done/{piece}/", f"/media/{piece}", f"/static/{piece}", f"/{piece}/"):
        get(shopper, path)
    post(shopper, f"/account/orders/{piece}/cancel/", data)
    staff = signed_in_staff()
    for path in (f"/staff/customers/{piece}/", f"/staff/orders/{piece}/", f"/staff/products/{piece}/",
                 f"/staff/customers/{piece}/edit/", f"/staff/categories/{piece}/edit/", f"/staff/products/{piece}/edit/"):
        get(staff, path)
    for path in (f"/staff/customers/{piece}/delete/", f"/staff/categories/{piece}/delete/",
                 f"/staff/products/{piece}/delete/", f"/staff/products/{piece}/toggle/",
                 f"/staff/orders/{piece}/status/", f"/staff/products/{piece}/stock/"):
        post(staff, path, data)
    anonymous = Client()
    get(anonymous, f"/staff/set-password/{piece}/{piece}/")
    post(anonymous, f"/staff/set-password/{piece}/set-password/", data)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {piece}")
    response = ok(api.get(f"/api/customers/{piece}"))
    assert response.status_code in (401, 404) and "error" in response.json()


@FUZZ
@given(fields("version", "confirm", "active"), maybe)
@pytest.mark.usefixtures("tables")
def test_delete_toggle_cancel_and_logout_forms(data, other):
    staff = signed_in_staff()
    category = make_category()
    product = make_product(category=category)
    customer = make_customer()
    post(staff, f"/staff/products/{product.product_id}/toggle/", data)
    post(staff, f"/staff/products/{product.product_id}/delete/", data)
    post(staff, f"/staff/categories/{category.category_id}/delete/", data)
    post(staff, f"/staff/customers/{customer.customer_id}/delete/", data)
    for path in ("/staff/products/", "/staff/categories/", "/staff/customers/", "/products/"):
        get(staff, path)
    post(staff, "/staff/logout/", {"next": other} if other is not None else {})
    shopper, _ = signed_in_customer()
    post(shopper, "/account/logout/", {"next": other} if other is not None else {})
    get(shopper, "/account/login/", {"next": other} if other is not None else {})



graphql_queries = st.one_of(
    text,
    st.sampled_from([
        "{ products(first: $n) { items { name } } }", "query($n: Int!) { products(first: $n) { items { name } } }",
        "query($q: String!) { search(query: $q) { items { slug } } }", "query($s: String) { product(slug: $s) { name } }",
        "query($c: String) { products(after: $c) { nextCursor } }", "{ categories { slug productCount } }",
        "mutation($p: ID!) { addToCart(productId: $p) { count } }",
    ]),
    st.integers(min_value=1, max_value=400).map(lambda n: "{ categories " + "{ slug " * n + "}" * (n + 1)),
)


@FUZZ
@given(graphql_queries, st.dictionaries(st.sampled_from(["n", "q", "s", "c", "p"]), json_values, max_size=4))
@pytest.mark.usefixtures("tables")
def test_graphql_arbitrary_queries_and_variables(query, variables):
    from accounts import services

    _, key = services.api_key_create(name="fuzz", scopes={"catalog:read"})
    api = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    response = ok(api.post("/graphql", json.dumps({"query": query, "variables": variables}), content_type="application/json"))
    body = response.json()
    assert "data" in body or all(error["extensions"]["code"] for error in body["errors"])
