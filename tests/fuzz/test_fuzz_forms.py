"""Hypothesis throws arbitrary input at every form and the API: never a 500, never a stored
value that breaks a later page."""
import json
import uuid

from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import PASSWORD, make_category, make_customer, make_product, make_staff

FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
text = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=150, max_size=400),
    st.sampled_from(["", " ", "0", "-1", "1e308", "NaN", "9" * 40, "a@b", "<script>", "é@ü.com", "x@example.com"]),
)
maybe = st.one_of(st.none(), text, st.integers(min_value=-(10**20), max_value=10**20).map(str))


def fields(*names):
    return st.fixed_dictionaries({}, optional={name: maybe for name in names}).map(
        lambda d: {k: v for k, v in d.items() if v is not None}
    )


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
def test_signup(data):
    client = Client()
    ok(client.post("/account/signup/", data))
    ok(client.get("/account/"))
    ok(client.get("/"))


@FUZZ
@given(fields("email", "password"), st.sampled_from(["/account/login/", "/staff/login/"]))
def test_logins(data, path):
    ok(Client().post(path, data))


@FUZZ
@given(fields("email", "first_name", "last_name", "phone", "line1", "line2", "city", "postal_code", "country", "version"))
def test_profile(data):
    client, _ = signed_in_customer()
    ok(client.post("/account/", data))
    ok(client.get("/account/"))
    ok(client.post("/account/password/", {"current_password": data.get("email", ""), "new_password": data.get("city", "")}))


@FUZZ
@given(fields("product_id", "quantity"), st.sampled_from(["/cart/add/", "/cart/update/"]))
def test_cart_forms(data, path):
    client = Client()
    product = make_product(stock=3)
    data.setdefault("product_id", product.product_id)
    ok(client.post(path, data))
    ok(client.get("/cart/"))


@FUZZ
@given(fields("name", "line1", "line2", "city", "postal_code", "country"), maybe)
def test_checkout_forms(data, token):
    client, _ = signed_in_customer()
    client.post("/cart/add/", {"product_id": make_product(stock=3).product_id, "quantity": 1})
    ok(client.post("/checkout/", data))
    ok(client.get("/checkout/review/"))
    ok(client.post("/checkout/place/", {"token": token or ""}))
    ok(client.get("/account/orders/"))


@FUZZ
@given(fields("email", "first_name", "last_name", "phone", "line1", "line2", "city", "postal_code", "country", "notes", "status", "version"))
def test_staff_customer_forms(data):
    client = signed_in_staff()
    ok(client.post("/staff/customers/new/", data))
    customer = make_customer()
    ok(client.post(f"/staff/customers/{customer.customer_id}/edit/", data))
    page = ok(client.get("/staff/customers/"))
    for link in set(__import__("re").findall(r'href="(/staff/customers/[0-9a-f-]{36}/)"', page.content.decode())):
        ok(client.get(link))
    ok(client.get("/staff/customers/", {"email": data.get("email", ""), "cursor": data.get("notes", "")}))


@FUZZ
@given(fields("name", "slug", "description", "price", "category_id", "stock", "active", "version"), fields("name", "slug", "description", "position", "version"), maybe)
def test_staff_catalog_forms(product_data, category_data, delta):
    client = signed_in_staff()
    category = make_category()
    product = make_product(category=category)
    ok(client.post("/staff/categories/new/", category_data))
    ok(client.post(f"/staff/categories/{category.category_id}/edit/", category_data))
    ok(client.post("/staff/products/new/", {"category_id": category.category_id, **product_data}))
    ok(client.post(f"/staff/products/{product.product_id}/edit/", product_data))
    ok(client.post(f"/staff/products/{product.product_id}/stock/", {"delta": delta or ""}))
    for path in ("/staff/categories/", "/staff/products/", "/", "/products/", f"/categories/{category.slug}/"):
        ok(client.get(path))
    ok(client.get("/search/", {"q": product_data.get("name", "")}))
    ok(client.get("/products/", {"sort": category_data.get("name", ""), "cursor": category_data.get("slug", "")}))


@FUZZ
@given(fields("status", "version"))
def test_staff_order_transition_form(data):
    from orders import services

    client = signed_in_staff()
    customer = make_customer()
    product = make_product(stock=5)
    cart_id = services.cart_id_for_customer(customer.customer_id)
    services.cart_add(cart_id=cart_id, product_id=product.product_id, quantity=1)
    order, _ = services.order_place(customer=customer, cart_id=cart_id, token=str(uuid.uuid4()),
                                    address={"name": "A", "line1": "B", "city": "C", "postal_code": "D", "country": "E"})
    ok(client.post(f"/staff/orders/{order.order_id}/status/", data))
    ok(client.get(f"/staff/orders/{order.order_id}/"))
    ok(client.get("/staff/orders/", {"status": data.get("status", ""), "cursor": data.get("version", "")}))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=10,
)
customer_json = st.one_of(
    json_values,
    st.fixed_dictionaries({}, optional={k: json_values | st.text(max_size=300) for k in (
        "email", "first_name", "last_name", "phone", "line1", "line2", "city", "postal_code", "country", "status")}),
)


@FUZZ
@given(customer_json, st.one_of(st.none(), st.text(max_size=12)))
def test_api_arbitrary_json(body, if_match):
    from customers.accounts import services

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
