"""orders.services: cart edits and what a checkout does when the world changed under it."""
import uuid

import pytest

from catalog import services as catalog_services
from orders import selectors, services
from orders.services import checkout
from orders.models import CartItem, Order
from tests.factories import make_customer, make_product

ADDRESS = {"name": "Ada", "line1": "1 Main St", "line2": "", "city": "Springfield", "postal_code": "12345", "country": "US"}


def cart_of(customer):
    return services.cart_id_for_customer(customer.customer_id)


@pytest.mark.usefixtures("tables")
def test_set_quantity_caps_at_stock_and_zero_removes():
    product = make_product(stock=4)
    cart = "session#set-quantity"
    services.cart_add(cart_id=cart, product_id=product.product_id, quantity=1)
    assert services.cart_set_quantity(cart_id=cart, line=product.product_id, quantity=9) == (4, True)
    assert services.cart_set_quantity(cart_id=cart, line=product.product_id, quantity=2) == (2, False)
    assert services.cart_set_quantity(cart_id=cart, line=product.product_id, quantity=0) == (0, False)
    assert selectors.cart_items(cart_id=cart) == []


@pytest.mark.usefixtures("tables")
def test_set_quantity_of_a_hidden_product_removes_the_line():
    product = make_product(stock=4)
    cart = "session#hidden"
    services.cart_add(cart_id=cart, product_id=product.product_id, quantity=1)
    catalog_services.product_set_active(product_id=product.product_id, active=False)
    assert services.cart_set_quantity(cart_id=cart, line=product.product_id, quantity=2) == (0, True)
    assert selectors.cart_items(cart_id=cart) == []


@pytest.mark.usefixtures("tables")
def test_adding_a_hidden_or_sold_out_product_is_refused():
    with pytest.raises(services.ProductUnavailable):
        services.cart_add(cart_id="session#x", product_id=make_product(stock=0).product_id, quantity=1)
    with pytest.raises(services.ProductUnavailable):
        services.cart_add(cart_id="session#x", product_id="missing", quantity=1)


@pytest.mark.usefixtures("tables")
def test_stock_sold_between_cart_read_and_transaction_is_out_of_stock(monkeypatch):
    """The cart looked fine when read; the transaction's own condition catches the sale."""
    product = make_product(stock=2)
    shopper = make_customer()
    services.cart_add(cart_id=cart_of(shopper), product_id=product.product_id, quantity=2)
    real_read = selectors.checkout_read

    def cart_then_sale(**kwargs):
        read = real_read(**kwargs)
        catalog_services.product_stock_adjust(product_id=product.product_id, delta=-1)  # someone else bought one
        return read

    monkeypatch.setattr(checkout, "checkout_read", cart_then_sale)
    with pytest.raises(services.OutOfStock) as short:
        services.order_place(customer=shopper, cart_id=cart_of(shopper), token=str(uuid.uuid4()), address=ADDRESS)
    assert short.value.shortages == {product.product_id: 1}
    assert Order.count() == 0 and len(selectors.cart_items(cart_id=cart_of(shopper))) == 1


@pytest.mark.usefixtures("tables")
def test_cart_changed_between_read_and_transaction_is_cart_changed(monkeypatch):
    product = make_product(stock=5)
    shopper = make_customer()
    services.cart_add(cart_id=cart_of(shopper), product_id=product.product_id, quantity=1)
    real_read = selectors.checkout_read

    def cart_then_edit(*, cart_id):
        read = real_read(cart_id=cart_id)
        CartItem(cart_id, product.product_id).update(actions=[CartItem.quantity.set(3)])  # a second tab
        return read

    monkeypatch.setattr(checkout, "checkout_read", cart_then_edit)
    with pytest.raises(services.CartChanged):
        services.order_place(customer=shopper, cart_id=cart_of(shopper), token=str(uuid.uuid4()), address=ADDRESS)
    assert Order.count() == 0


@pytest.mark.usefixtures("tables")
def test_order_numbers_come_from_blocks_each_process_reserves_with_one_add(settings):
    """Two processes (two NumberBlocks on one counter) never hand out one number twice; a process reserves a
    block with one ADD outside any transaction and spends it without touching DynamoDB."""
    from shopsite.counters import NumberBlocks
    from shopsite.dynamodb import count_calls

    settings.ORDER_NUMBER_BLOCK = 3
    first, second = NumberBlocks("order-number"), NumberBlocks("order-number")
    with count_calls() as calls:
        taken = [blocks.take(size=3, start=100) for blocks in (first, second, first, first, second, first)]
    assert taken == [101, 104, 102, 103, 105, 107]  # unique, roughly increasing, not gapless
    assert calls == ["UpdateItem", "UpdateItem", "UpdateItem"]

    product = make_product(stock=10)
    shoppers = [make_customer() for _ in range(4)]
    with count_calls() as calls:
        orders = []
        for shopper in shoppers:
            services.cart_add(cart_id=cart_of(shopper), product_id=product.product_id, quantity=1)
            orders.append(services.order_place(customer=shopper, cart_id=cart_of(shopper), token=str(uuid.uuid4()),
                                               address=ADDRESS)[0])
    numbers = [int(order.number) for order in orders]
    assert len(set(numbers)) == 4 and numbers == sorted(numbers)
    assert calls.count("TransactWriteItems") == 4 and calls.count("UpdateItem") - 4 == 2  # 4 cart adds, 2 blocks


@pytest.mark.usefixtures("tables")
def test_the_callers_write_rides_in_the_order_transaction_and_is_dropped_if_its_condition_fails():
    from datetime import datetime, timezone

    from accounts.models import Session
    from shopsite.dynamodb import count_calls

    product = make_product(stock=5)
    shopper = make_customer()
    services.cart_add(cart_id=cart_of(shopper), product_id=product.product_id, quantity=1)
    labels = []

    def gone_session(tx, label):  # a session signed out in another tab meanwhile: its write's condition fails
        labels.append(label)
        tx.save(Session("no-such-session", data="x", expires_at=datetime(2030, 1, 1, tzinfo=timezone.utc)),
                label=label, condition=Session.session_key.exists())

    with count_calls() as calls:
        order, created = services.order_place(customer=shopper, cart_id=cart_of(shopper), token=str(uuid.uuid4()),
                                              address=ADDRESS, with_order=gone_session)
    assert created and Order.get(order.order_id).total_cents == order.total_cents
    # the first order of this process reserves a block of numbers (UpdateItem); the transaction is tried twice
    assert labels == ["with-order"]
    assert calls == ["Query", "BatchGetItem", "UpdateItem", "TransactWriteItems", "TransactWriteItems"], calls
    assert Session.count() == 0 and selectors.cart_items(cart_id=cart_of(shopper)) == []


@pytest.mark.usefixtures("tables")
def test_empty_cart_and_stale_transitions_are_refused():
    shopper = make_customer()
    with pytest.raises(services.CartEmpty):
        services.order_place(customer=shopper, cart_id=cart_of(shopper), token=str(uuid.uuid4()), address=ADDRESS)
    product = make_product(stock=3)
    services.cart_add(cart_id=cart_of(shopper), product_id=product.product_id, quantity=1)
    order, _ = services.order_place(customer=shopper, cart_id=cart_of(shopper), token=str(uuid.uuid4()), address=ADDRESS)
    with pytest.raises(services.StaleOrder):
        services.order_transition(order_id=order.order_id, status="paid", actor="staff", expected_version=order.version + 1)
    with pytest.raises(services.TransitionRefused):
        services.order_transition(order_id=order.order_id, status="shipped", actor="staff")
    with pytest.raises(services.OrderNotFound):  # someone else's order: as if there were none
        services.order_transition(order_id=order.order_id, status="cancelled", actor="x", customer_id="someone-else")
    cancelled = services.order_transition(order_id=order.order_id, status="cancelled", actor=shopper.email,
                                          customer_id=shopper.customer_id)
    assert cancelled.status == "cancelled"


@pytest.mark.usefixtures("tables")
def test_updating_a_line_removed_in_another_tab_is_a_message_not_a_500(client):
    product = make_product(stock=5)
    assert client.post("/cart/add/", {"product_id": product.product_id, "quantity": 1}).status_code == 302
    assert client.post("/cart/update/", {"line": product.product_id, "quantity": 0}).status_code == 302  # tab 1
    response = client.post("/cart/update/", {"line": product.product_id, "quantity": 3}, follow=True)  # tab 2
    assert response.status_code == 200 and "no longer in your cart" in response.content.decode()
    assert selectors.cart_get(cart_id=client.session["cart_id"]).lines == []
    with pytest.raises(services.LineNotInCart):
        services.cart_set_quantity(cart_id="session#none", line=product.product_id, quantity=2)


def test_media_paths_with_nul_bytes_or_traversal_are_404(client, settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                                          "OPTIONS": {"location": str(tmp_path)}}}
    for path in ("/media/%00", "/media/x%00.png", "/media/..%2f..%2fmanage.py", "/static/..%2f..%2fmanage.py"):
        assert client.get(path).status_code == 404, path


@pytest.mark.usefixtures("tables")
def test_concurrent_adds_of_one_line_all_count(conflict_hold):
    from concurrent.futures import ThreadPoolExecutor

    product = make_product(stock=100)
    cart = "session#concurrent-adds"
    with ThreadPoolExecutor(max_workers=10) as pool:
        list(pool.map(lambda _: services.cart_add(cart_id=cart, product_id=product.product_id, quantity=1), range(10)))
    assert [int(item.quantity) for item in selectors.cart_items(cart_id=cart)] == [10]


@pytest.mark.usefixtures("tables")
def test_concurrent_adds_beyond_stock_end_capped(conflict_hold):
    from concurrent.futures import ThreadPoolExecutor

    product = make_product(stock=4)
    cart = "session#capped-adds"
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda _: services.cart_add(cart_id=cart, product_id=product.product_id, quantity=1), range(8)))
    assert [int(item.quantity) for item in selectors.cart_items(cart_id=cart)] == [4]


@pytest.mark.usefixtures("tables")
def test_a_new_visitors_concurrent_first_adds_share_one_cart(conflict_hold):
    """Five tabs, one browser, no session yet: every product told "Added" is in the cart."""
    from concurrent.futures import ThreadPoolExecutor

    from django.test import Client

    products = [make_product(stock=5) for _ in range(5)]
    first = Client(enforce_csrf_checks=True)
    first.get(f"/products/{products[0].slug}/")  # shared at the edge: no cookie ...
    assert not first.cookies
    assert first.get("/cart/hello/").status_code == 204  # ... so its script asks for the browser secret, once
    csrf = first.cookies["csrftoken"].value
    assert "sessionid" not in first.cookies

    def add(product):
        tab = Client(enforce_csrf_checks=True)
        tab.cookies["csrftoken"] = csrf
        response = tab.post("/cart/add/", {"product_id": product.product_id, "quantity": 1, "csrfmiddlewaretoken": csrf})
        assert response.status_code == 302
        return tab.cookies["sessionid"].value

    with ThreadPoolExecutor(max_workers=5) as pool:
        sessions = list(pool.map(add, products))
    last = Client()
    last.cookies["sessionid"] = sessions[-1]
    page = last.get("/cart/").content.decode()
    for product in products:
        assert product.name in page


@pytest.mark.usefixtures("tables")
def test_conflicts_that_outlast_the_retries_are_an_outage_not_a_changed_cart(settings):
    """DynamoDB cancelling every try for a conflict is "try again" (503), and nothing is written."""
    from shopsite.dynamodb import CONFLICT_ATTEMPTS
    from shopsite.errors import is_unavailable
    from tests.fault_injection import dynamodb_fault

    settings.CHECKOUT_RETRY_SECONDS = 1
    product = make_product(stock=5)
    shopper = make_customer()
    services.cart_add(cart_id=cart_of(shopper), product_id=product.product_id, quantity=1)
    with dynamodb_fault("conflict", operations={"TransactWriteItems"}) as attempts:
        with pytest.raises(Exception) as raised:
            services.order_place(customer=shopper, cart_id=cart_of(shopper), token=str(uuid.uuid4()), address=ADDRESS)
    assert not isinstance(raised.value, services.CartChanged) and is_unavailable(raised.value), raised.value
    # botocore sends a conflicted transaction again (shopsite.dynamodb._retry_conflicts), then checkout tries again
    # with jittered backoff until its budget is spent
    assert len(attempts) >= CONFLICT_ATTEMPTS and len(attempts) % CONFLICT_ATTEMPTS == 0
    assert Order.count() == 0 and len(selectors.cart_items(cart_id=cart_of(shopper))) == 1
