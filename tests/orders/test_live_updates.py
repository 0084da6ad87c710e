"""Pages that refresh themselves: 304 for one read while nothing changed, the new page when an order did."""
import pytest
import uuid

from django.test import Client

from orders import services
from tests.factories import PASSWORD, make_customer, make_product

pytestmark = pytest.mark.usefixtures("tables")

ADDRESS = {"name": "A", "line1": "1 St", "city": "X", "postal_code": "1", "country": "US"}


def place(customer, product):
    cart_id = services.cart_id_for_customer(customer.customer_id)
    services.cart_add(cart_id=cart_id, product_id=product.product_id, quantity=1)
    return services.order_place(customer=customer, cart_id=cart_id, token=str(uuid.uuid4()), address=ADDRESS)[0]


def test_a_shopper_page_answers_304_until_one_of_their_orders_changes(count_calls):
    customer, other = make_customer(), make_customer()
    product = make_product(stock=10)
    order = place(customer, product)
    browser = Client()
    browser.post("/account/login/", {"email": customer.email, "password": PASSWORD})
    plain = browser.get(f"/account/orders/{order.order_id}/")
    assert plain.status_code == 200 and not plain.has_header("ETag")  # ordinary loads pay nothing extra
    assert b"data-refresh-seconds" in plain.content and b"js/refresh.js" in plain.content
    first = browser.get(f"/account/orders/{order.order_id}/", HTTP_X_REFRESH="1")
    etag = first["ETag"]
    with count_calls() as calls:
        again = browser.get(f"/account/orders/{order.order_id}/", HTTP_X_REFRESH="1", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    assert calls == ["BatchGetItem", "GetItem"], calls  # the session with the shopper, the counter: no Query, no order read
    place(other, product)  # someone else's order: still nothing new here
    assert browser.get(f"/account/orders/{order.order_id}/", HTTP_X_REFRESH="1", HTTP_IF_NONE_MATCH=etag).status_code == 304
    services.order_transition(order_id=order.order_id, status="paid", actor="staff@example.com")
    changed = browser.get(f"/account/orders/{order.order_id}/", HTTP_X_REFRESH="1", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag and b"Paid" in changed.content
    history = browser.get("/account/orders/", HTTP_X_REFRESH="1")
    assert history["ETag"] != changed["ETag"]  # the address is part of the tag
    assert browser.get("/account/orders/", HTTP_X_REFRESH="1", HTTP_IF_NONE_MATCH=history["ETag"]).status_code == 304


def test_the_staff_order_list_refreshes_on_any_order_change(staff_client, streams):
    product = make_product(stock=10)
    first = staff_client.get("/staff/orders/", HTTP_X_REFRESH="1")
    assert staff_client.get("/staff/orders/", HTTP_X_REFRESH="1", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    order = place(make_customer(), product)
    # The shop-wide change mark follows the orders stream (no checkout writes a shop-wide item): until the
    # stream's consumer has run, the list still answers 304; then it refreshes.
    assert staff_client.get("/staff/orders/", HTTP_X_REFRESH="1", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert streams.drain() == 1
    fresh = staff_client.get("/staff/orders/", HTTP_X_REFRESH="1", HTTP_IF_NONE_MATCH=first["ETag"])
    assert fresh.status_code == 200 and f"Order {order.reference}".encode() in fresh.content


def test_graphql_orders_changed_since():
    customer = make_customer()
    browser = Client(enforce_csrf_checks=True)
    browser.get("/account/login/")
    browser.post("/account/login/", {"email": customer.email, "password": PASSWORD,
                                     "csrfmiddlewaretoken": browser.cookies["csrftoken"].value})
    browser.get("/")
    headers = {"HTTP_X_CSRFTOKEN": browser.cookies["csrftoken"].value}
    query = "query($mark: Int) { ordersChangedSince(mark: $mark) { mark changed orders { number } } }"

    def poll(mark):
        return browser.post("/graphql", {"query": query, "variables": {"mark": mark}}, content_type="application/json",
                            **headers).json()["data"]["ordersChangedSince"]

    start = poll(None)
    assert start["changed"] and start["orders"] == []
    assert poll(start["mark"]) == {"mark": start["mark"], "changed": False, "orders": []}
    order = place(customer, make_product())
    after = poll(start["mark"])
    assert after["changed"] and after["orders"] == [{"number": order.reference}] and after["mark"] > start["mark"]
