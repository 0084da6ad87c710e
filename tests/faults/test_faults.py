"""When DynamoDB throttles, times out or is unreachable: a friendly 503 and nothing half-written."""
import json
import re
import uuid

import pytest
from django.conf import settings
from django.core.cache import cache

from catalog import selectors as catalog_selectors
from customers.models import Customer, CustomerEmail
from orders import selectors as order_selectors
from orders.models import Order
from tests.factories import PASSWORD, make_customer, make_product
from tests.fault_injection import dynamodb_fault

pytestmark = pytest.mark.usefixtures("tables")

KINDS = ["throttle", "server_error", "timeout", "unreachable"]


@pytest.mark.parametrize("kind", KINDS)
def test_listing_shows_503_page_after_retries(client, kind):
    make_product(slug="thing")
    cache.clear()
    with dynamodb_fault(kind) as attempts:
        response = client.get("/products/")
    assert response.status_code == 503
    assert response["Retry-After"]
    assert "We're busy right now" in response.content.decode()
    assert len(attempts) == settings.DYNAMODB_MAX_ATTEMPTS  # botocore retried, then gave up
    assert client.get("/products/").status_code == 200


def test_cart_add_failure_leaves_the_cart_unchanged(client):
    product = make_product(stock=5)
    client.post("/cart/add/", {"product_id": product.product_id, "quantity": 1})
    cart_id = client.session["cart_id"]
    with dynamodb_fault("throttle", operations={"PutItem", "UpdateItem", "TransactWriteItems"}):
        response = client.post("/cart/add/", {"product_id": product.product_id, "quantity": 2})
    assert response.status_code == 503
    assert [(i.line_key, i.quantity) for i in order_selectors.cart_items(cart_id=cart_id)] == [(product.product_id, 1)]


@pytest.mark.parametrize("kind", ["throttle", "timeout"])
def test_checkout_failure_writes_nothing(kind):
    from django.test import Client

    product = make_product(stock=5, price_cents=1000)
    customer = make_customer()
    client = Client()
    client.post("/account/login/", {"email": customer.email, "password": PASSWORD})
    client.post("/cart/add/", {"product_id": product.product_id, "quantity": 2})
    client.post("/checkout/", {"name": "A", "line1": "1 St", "city": "X", "postal_code": "12345", "country": "US"})
    placing = dict(re.findall(r'name="(token|reviewed)" value="([^"]+)"', client.get("/checkout/review/").content.decode()))
    token = placing["token"]
    with dynamodb_fault(kind, operations={"TransactWriteItems"}):
        response = client.post("/checkout/place/", placing)
    assert response.status_code == 503
    assert list(Order.scan()) == []
    assert catalog_selectors.product_find(product_id=product.product_id).stock == 5
    cart_id = f"customer#{customer.customer_id}"
    assert [(i.line_key, i.quantity) for i in order_selectors.cart_items(cart_id=cart_id)] == [(product.product_id, 2)]
    # The same form, sent again once DynamoDB is back, places exactly one order.
    assert client.post("/checkout/place/", placing).status_code == 302
    assert [o.order_id for o in Order.scan()] == [str(uuid.UUID(token))]


def test_customer_create_failure_over_the_api_is_json_503_and_writes_nothing():
    from django.test import Client

    from accounts import services

    _, key = services.api_key_create(name="t")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    with dynamodb_fault("unreachable", operations={"TransactWriteItems"}):
        response = api.post("/api/customers", json.dumps({"email": "a@example.com"}), content_type="application/json")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "unavailable"
    assert response["Retry-After"]
    assert list(Customer.scan()) == [] and list(CustomerEmail.scan()) == []


def test_staff_customer_create_failure_is_a_503_page(staff_client):
    with dynamodb_fault("throttle", operations={"TransactWriteItems"}):
        response = staff_client.post("/staff/customers/new/", {"email": "b@example.com", "status": "active"})
    assert response.status_code == 503
    assert list(Customer.scan()) == [] and list(CustomerEmail.scan()) == []


def test_session_save_failure_outside_the_view_is_still_a_503(client):
    product = make_product(stock=5)
    with dynamodb_fault("throttle", operations={"PutItem"}):
        response = client.post("/cart/add/", {"product_id": product.product_id, "quantity": 1})
    assert response.status_code == 503


def test_a_throttle_that_clears_is_retried_transparently(client):
    make_product(slug="thing")
    cache.clear()
    calls = {"n": 0}
    from shopsite import dynamodb

    def flaky(request, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            from tests.fault_injection import _error_response

            return _error_response(request, 400, "ThrottlingException")
        return None

    client_ = dynamodb.connection().client
    client_.meta.events.register_first("before-send.dynamodb", flaky, unique_id="flaky")
    try:
        response = client.get("/products/")
    finally:
        client_.meta.events.unregister("before-send.dynamodb", unique_id="flaky")
    assert response.status_code == 200
    assert calls["n"] >= 2


def test_production_timeouts_and_retries_fit_inside_api_gateway():
    from shopsite.settings import base

    attempts = base.DYNAMODB_MAX_ATTEMPTS
    per_attempt = base.DYNAMODB_CONNECT_TIMEOUT + base.DYNAMODB_READ_TIMEOUT
    backoff = sum(2 ** n for n in range(attempts - 1))  # botocore standard mode: at most 1 s, 2 s, ...
    assert attempts * per_attempt + backoff < 29


@pytest.mark.parametrize("who", ["anonymous-with-cart", "signed-in-shopper", "staff"])
@pytest.mark.parametrize("path", ["/", "/products/", "/cart/", "/account/", "/staff/", "/no/such/page/"])
def test_an_outage_with_a_session_cookie_is_a_friendly_503_not_a_500(who, path, staff_client, customer_client, client):
    """Rendering the 503 page must not read the session (or anything) again."""
    browser = {"staff": staff_client, "signed-in-shopper": customer_client, "anonymous-with-cart": client}[who]
    if who == "anonymous-with-cart":
        product = make_product(stock=5)
        assert browser.post("/cart/add/", {"product_id": product.product_id, "quantity": 1}).status_code == 302
    assert browser.cookies.get("sessionid")
    cache.clear()
    browser.raise_request_exception = False
    with dynamodb_fault("unreachable") as attempts:
        response = browser.get(path)
    body = response.content.decode()
    if path == "/no/such/page/":  # an error page reads nothing, so it works in an outage
        assert response.status_code == 404 and attempts == [] and "couldn't find" in body
        return
    assert attempts, "the page should have tried DynamoDB"
    assert response.status_code == 503, response.status_code
    assert "We're busy right now" in body and response["Retry-After"]
    assert "your orders" in body


def test_error_pages_make_no_dynamodb_call(client, count_calls):
    from shopsite.middleware import error_page

    for template, status in (("400.html", 400), ("403.html", 403), ("403_csrf.html", 403), ("404.html", 404),
                             ("500.html", 500), ("503.html", 503)):
        with count_calls() as calls:
            response = error_page(template, status=status)
        assert response.status_code == status and calls == []
