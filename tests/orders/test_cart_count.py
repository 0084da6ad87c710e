"""The header's cart count rides in a signed cookie, so cached catalog pages cost a visitor with a cart nothing."""
import pytest
from django.test import Client

from orders.cart import COUNT_COOKIE
from tests.factories import PASSWORD, make_customer, make_product

pytestmark = pytest.mark.usefixtures("tables")


def count_in(response) -> str:
    page = response.content.decode()
    return page.split('<span class="cart-count">', 1)[1].split("<", 1)[0]


def test_a_cached_listing_costs_a_visitor_with_a_cart_no_dynamodb_call(client, count_calls):
    product = make_product(stock=5)
    added = client.post("/cart/add/", {"product_id": product.product_id, "quantity": 2}, follow=True)
    assert count_in(added) == "2" and "Added to your cart." in added.content.decode()
    client.get("/products/")  # the listing's first view fills the cache
    with count_calls() as calls:
        page = client.get("/products/")
    assert page.status_code == 200 and calls == []  # no session read, no message read, no cart read
    assert count_in(page) == "2" and product.name in page.content.decode()


def test_messages_cost_no_session_write(client, count_calls):
    product = make_product(stock=1)
    client.post("/cart/add/", {"product_id": product.product_id, "quantity": 1})
    with count_calls() as calls:
        response = client.post("/cart/add/", {"product_id": "no-such-product", "quantity": 1})
    assert response.status_code == 302 and "PutItem" not in calls and "UpdateItem" not in calls, calls
    assert "not available any more" in client.get(response["Location"]).content.decode()


def test_the_count_cookie_is_bound_to_its_session_and_signed(client):
    product = make_product(stock=5)
    client.post("/cart/add/", {"product_id": product.product_id, "quantity": 3}, follow=True)
    cookie = client.cookies[COUNT_COOKIE].value
    stranger = Client()
    stranger.cookies[COUNT_COOKIE] = cookie  # someone else's cookie, without its session
    assert count_in(stranger.get("/products/")) == "0"
    client.cookies[COUNT_COOKIE] = cookie.replace("3:", "9:", 1)  # edited: the signature no longer matches
    assert count_in(client.get("/products/")) == "0"


def test_signing_in_and_out_moves_the_count_with_the_cart(client):
    shopper = make_customer()
    product = make_product(stock=5)
    client.post("/cart/add/", {"product_id": product.product_id, "quantity": 2}, follow=True)
    signed_in = client.post("/account/login/", {"email": shopper.email, "password": PASSWORD}, follow=True)
    assert count_in(signed_in) == "2"  # the visitor's cart became the shopper's
    assert count_in(client.get("/products/")) == "2"
    client.post("/account/logout/", follow=True)
    assert count_in(client.get("/products/")) == "0"
