"""Cart and checkout under concurrency: no overselling, one order per token, nothing half-written."""
import re
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.test import Client

from catalog import selectors as catalog_selectors
from catalog import services as catalog_services
from orders import selectors, services
from orders.services import checkout
from accounts.sessions import SessionStore
from orders.models import CartItem, Order
from tests.factories import PASSWORD, make_customer, make_product, signup_confirmed

ADDRESS = {"name": "Ada Lovelace", "line1": "1 Main St", "line2": "", "city": "Springfield", "postal_code": "12345", "country": "US"}


def stock_of(product):
    return catalog_selectors.product_find(product_id=product.product_id).stock


def cart_of(customer):
    return services.cart_id_for_customer(customer.customer_id)


def one_item_order():
    """A new shopper's order of one unit of a new product: (shopper, order)."""
    shopper = make_customer()
    services.cart_add(cart_id=cart_of(shopper), product_id=make_product(stock=5).product_id, quantity=1)
    order, _ = services.order_place(customer=shopper, cart_id=cart_of(shopper), token=str(uuid.uuid4()), address=ADDRESS)
    return shopper, order


@pytest.mark.usefixtures("tables")
def test_fifty_shoppers_racing_for_ten_units(conflict_hold):
    product = make_product(stock=10, price_cents=2500)
    shoppers = [make_customer() for _ in range(50)]
    for shopper in shoppers:
        services.cart_add(cart_id=cart_of(shopper), product_id=product.product_id, quantity=1)

    def checkout(shopper):
        try:
            services.order_place(customer=shopper, cart_id=cart_of(shopper), token=str(uuid.uuid4()), address=ADDRESS)
            return "ordered"
        except services.OutOfStock:
            return "sold out"

    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(checkout, shoppers))
    assert results.count("ordered") == 10
    assert results.count("sold out") == 40
    assert stock_of(product) == 0
    assert len(list(Order.scan())) == 10
    losers = [s for s, r in zip(shoppers, results) if r == "sold out"]
    for shopper in losers:
        lines = selectors.cart_items(cart_id=cart_of(shopper))
        assert [(line.line_key, line.quantity) for line in lines] == [(product.product_id, 1)]


@pytest.mark.usefixtures("tables")
def test_same_token_twice_sequentially_makes_one_order():
    product = make_product(stock=5)
    shopper = make_customer()
    services.cart_add(cart_id=cart_of(shopper), product_id=product.product_id, quantity=2)
    token = str(uuid.uuid4())
    first, created = services.order_place(customer=shopper, cart_id=cart_of(shopper), token=token, address=ADDRESS)
    assert created
    second, created_again = services.order_place(customer=shopper, cart_id=cart_of(shopper), token=token, address=ADDRESS)
    assert not created_again and second.order_id == first.order_id
    assert stock_of(product) == 3
    assert len(list(Order.scan())) == 1


@pytest.mark.usefixtures("tables")
def test_same_token_concurrently_makes_one_order(conflict_hold):
    product = make_product(stock=5)
    shopper = make_customer()
    services.cart_add(cart_id=cart_of(shopper), product_id=product.product_id, quantity=1)
    token = str(uuid.uuid4())

    def place(_):
        try:
            return services.order_place(customer=shopper, cart_id=cart_of(shopper), token=token, address=ADDRESS)[0].order_id
        except services.CartEmpty:
            # The cart was emptied by the winner before this request read it; the order exists.
            return selectors.order_find(order_id=token).order_id

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = set(pool.map(place, range(8)))
    assert ids == {token}
    assert stock_of(product) == 4
    assert len(list(Order.scan())) == 1


@pytest.mark.usefixtures("tables")
def test_a_short_line_writes_nothing_at_all():
    plenty = make_product(stock=10)
    scarce = make_product(stock=3)
    shopper = make_customer()
    cart_id = cart_of(shopper)
    services.cart_add(cart_id=cart_id, product_id=plenty.product_id, quantity=2)
    services.cart_add(cart_id=cart_id, product_id=scarce.product_id, quantity=3)
    # Someone else buys one of the scarce units after this cart was filled.
    catalog_services.product_stock_adjust(product_id=scarce.product_id, delta=-1)
    before = sorted((i.line_key, i.quantity) for i in selectors.cart_items(cart_id=cart_id))
    with pytest.raises(services.OutOfStock) as error:
        services.order_place(customer=shopper, cart_id=cart_id, token=str(uuid.uuid4()), address=ADDRESS)
    assert error.value.shortages == {scarce.product_id: 2}
    assert list(Order.scan()) == []
    assert stock_of(plenty) == 10 and stock_of(scarce) == 2
    assert sorted((i.line_key, i.quantity) for i in selectors.cart_items(cart_id=cart_id)) == before


@pytest.mark.usefixtures("tables")
def test_transaction_failure_inside_dynamodb_writes_nothing():
    """The stock condition is checked by DynamoDB itself, not only by the pre-check."""
    product = make_product(stock=2)
    shopper = make_customer()
    cart_id = cart_of(shopper)
    services.cart_add(cart_id=cart_id, product_id=product.product_id, quantity=2)
    cart = selectors.cart_get(cart_id=cart_id)
    # Stock drops between the cart read (pre-check passes) and the transaction.
    original = selectors.checkout_read

    def cart_then_sale(**kwargs):
        result = original(**kwargs)
        catalog_services.product_stock_adjust(product_id=product.product_id, delta=-1)
        return result

    checkout.checkout_read = cart_then_sale
    try:
        with pytest.raises(services.OutOfStock):
            services.order_place(customer=shopper, cart_id=cart_id, token=str(uuid.uuid4()), address=ADDRESS)
    finally:
        checkout.checkout_read = original
    assert list(Order.scan()) == []
    assert stock_of(product) == 1
    assert [(i.line_key, i.quantity) for i in selectors.cart_items(cart_id=cart_id)] == [(l.product_id, l.quantity) for l in cart.lines]


@pytest.mark.usefixtures("tables")
def test_cancel_and_ship_race_exactly_one_wins(conflict_hold):
    for _ in range(5):
        product = make_product(stock=5)
        shopper = make_customer()
        services.cart_add(cart_id=cart_of(shopper), product_id=product.product_id, quantity=2)
        order, _ = services.order_place(customer=shopper, cart_id=cart_of(shopper), token=str(uuid.uuid4()), address=ADDRESS)
        order = services.order_transition(order_id=order.order_id, status="paid", actor="staff@example.com")

        def act(status):
            try:
                services.order_transition(order_id=order.order_id, status=status, actor="staff@example.com", expected_version=order.version)
                return status
            except (services.StaleOrder, services.TransitionRefused):
                return None

        with ThreadPoolExecutor(max_workers=2) as pool:
            results = [r for r in pool.map(act, ["cancelled", "shipped"]) if r]
        assert len(results) == 1
        final = selectors.order_find(order_id=order.order_id)
        assert final.status == results[0]
        assert stock_of(product) == (5 if results[0] == "cancelled" else 3)


@pytest.mark.usefixtures("tables")
def test_cart_over_the_transaction_limit_is_refused_before_trying():
    shopper = make_customer()
    cart_id = cart_of(shopper)
    products = [make_product(stock=5) for _ in range(selectors.MAX_CART_LINES)]
    for product in products:
        services.cart_add(cart_id=cart_id, product_id=product.product_id, quantity=1)
    extra = make_product(stock=5)
    with pytest.raises(services.CartTooLarge):
        services.cart_add(cart_id=cart_id, product_id=extra.product_id, quantity=1)
    # A cart that got too big another way (e.g. a merge) is refused at checkout, before any write.
    from django.utils import timezone

    CartItem(cart_id, extra.product_id, quantity=1, added_at=timezone.now()).save()
    with pytest.raises(services.CartTooLarge):
        services.order_place(customer=shopper, cart_id=cart_id, token=str(uuid.uuid4()), address=ADDRESS)
    assert list(Order.scan()) == []


@pytest.mark.usefixtures("tables")
def test_a_full_cart_fits_one_transaction_with_the_session(customer_client):
    """MAX_CART_LINES lines: two actions each, the order, the shopper's change mark and the session = 97 of 100."""
    client = customer_client
    for _ in range(selectors.MAX_CART_LINES):
        client.post("/cart/add/", {"product_id": make_product(stock=5, price_cents=100).product_id, "quantity": 1})
    assert client.post("/checkout/", ADDRESS)["Location"] == "/checkout/review/"
    placing = dict(re.findall(r'name="(token|reviewed)" value="([^"]+)"', client.get("/checkout/review/").content.decode()))
    placed = client.post("/checkout/place/", placing)
    assert placed["Location"].startswith("/checkout/done/"), placed.content.decode()[:500]
    [order] = Order.scan()
    assert len(order.lines) == selectors.MAX_CART_LINES
    assert "checkout_address" not in SessionStore(session_key=client.cookies["sessionid"].value).load()
    assert getattr(client.cookies.get("cart_count"), "value", "") == ""  # the header's count went with the cart


@pytest.mark.usefixtures("tables")
def test_cart_merge_on_login_adds_and_caps_at_stock():
    product = make_product(stock=5)
    other = make_product(stock=9)
    shopper = make_customer()
    services.cart_add(cart_id=cart_of(shopper), product_id=product.product_id, quantity=3)
    client = Client()
    client.post("/cart/add/", {"product_id": product.product_id, "quantity": 4})
    client.post("/cart/add/", {"product_id": other.product_id, "quantity": 2})
    assert client.post("/account/login/", {"email": shopper.email, "password": PASSWORD}).status_code == 302
    lines = {i.line_key: i.quantity for i in selectors.cart_items(cart_id=cart_of(shopper))}
    assert lines == {product.product_id: 5, other.product_id: 2}
    assert '<span class="cart-count">7</span>' in client.get("/").content.decode()


@pytest.mark.usefixtures("tables")
def test_adding_more_than_stock_caps_and_says_so(client):
    product = make_product(stock=3)
    response = client.post("/cart/add/", {"product_id": product.product_id, "quantity": 10}, follow=True)
    assert "Only 3 in stock" in response.content.decode()
    assert client.post("/cart/add/", {"product_id": product.product_id, "quantity": "abc"}).status_code == 302
    assert client.post("/cart/add/", {"product_id": "nope", "quantity": 1}, follow=True).status_code == 200


@pytest.mark.usefixtures("tables")
def test_cart_page_is_one_query_and_one_batch_get(client, count_calls):
    for _ in range(3):
        client.post("/cart/add/", {"product_id": make_product(stock=5).product_id, "quantity": 1})
    client.get("/cart/")  # shows (and so removes) the "Added to your cart" messages
    with count_calls() as calls:
        html = client.get("/cart/").content.decode()
    # The session and the cart lines; the products in one BatchGet; nothing else.
    assert sorted(calls) == ["BatchGetItem", "GetItem", "Query"]
    assert html.count('class="qty-form"') == 3


@pytest.mark.usefixtures("tables")
def test_cart_flags_sold_out_and_inactive_lines(client):
    gone = make_product(stock=5, name="Going away")
    sold = make_product(stock=1, name="Last one")
    client.post("/cart/add/", {"product_id": gone.product_id, "quantity": 1})
    client.post("/cart/add/", {"product_id": sold.product_id, "quantity": 1})
    catalog_services.product_set_active(product_id=gone.product_id, active=False)
    catalog_services.product_stock_adjust(product_id=sold.product_id, delta=-1)
    html = client.get("/cart/").content.decode()
    assert "No longer available" in html and "Sold out" in html
    assert "Check out</a>" not in html


@pytest.mark.usefixtures("tables")
def test_checkout_flow_end_to_end_through_pages(count_calls):
    product = make_product(stock=4, price_cents=1999)
    client = Client()
    client.post("/cart/add/", {"product_id": product.product_id, "quantity": 2})
    response = client.get("/checkout/")
    assert response.status_code == 200 and "checking out as a guest" in response.content.decode()
    assert 'href="/account/signup/?next=/checkout/"' in response.content.decode()
    response = signup_confirmed(client, {
        "email": "buyer@example.com", "password": PASSWORD, "password_confirm": PASSWORD, "first_name": "Bo", "next": "/checkout/",
    }, path="/account/signup/?next=/checkout/")
    assert response["Location"] == "/checkout/"
    assert client.post("/checkout/", {"name": ""}).status_code == 400
    assert client.post("/checkout/", ADDRESS)["Location"] == "/checkout/review/"
    review = client.get("/checkout/review/").content.decode()
    assert "$39.98" in review and "$5.00" in review and "$44.98" in review
    placing = dict(re.findall(r'name="(token|reviewed)" value="([^"]+)"', review))
    with count_calls() as calls:
        first = client.post("/checkout/place/", placing)
    assert first["Location"].startswith("/checkout/done/")
    # session+shopper, cart lines, their products, this process's first block of order numbers (one ADD per
    # ORDER_NUMBER_BLOCK orders), the one transaction (the session's update with the order's: no address kept,
    # an empty cart)
    assert calls == ["BatchGetItem", "Query", "BatchGetItem", "UpdateItem", "TransactWriteItems"], calls
    session = SessionStore(session_key=client.cookies["sessionid"].value)
    assert "checkout_address" not in session.load()
    assert first.cookies["cart_count"].value == ""  # the header's count is a cookie: emptied with the cart
    again = client.post("/checkout/place/", placing)
    assert again["Location"] == first["Location"]
    assert stock_of(product) == 2
    done = client.get(first["Location"]).content.decode()
    assert "Thank you" in done and "$44.98" in done
    order_id = first["Location"].rstrip("/").split("/")[-1]
    assert order_id in client.get("/account/orders/").content.decode()
    assert client.post(f"/account/orders/{order_id}/cancel/").status_code == 302
    assert "Cancelled" in client.get(f"/account/orders/{order_id}/").content.decode()
    assert stock_of(product) == 4
    assert client.post("/checkout/place/", {"token": "not-a-uuid"}).status_code == 302


@pytest.mark.usefixtures("tables")
def test_another_shopper_gets_404_and_anonymous_goes_to_login():
    product = make_product(stock=4)
    owner = make_customer()
    services.cart_add(cart_id=cart_of(owner), product_id=product.product_id, quantity=1)
    order, _ = services.order_place(customer=owner, cart_id=cart_of(owner), token=str(uuid.uuid4()), address=ADDRESS)
    intruder = make_customer()
    client = Client()
    client.post("/account/login/", {"email": intruder.email, "password": PASSWORD})
    for path in (f"/account/orders/{order.order_id}/", f"/checkout/done/{order.order_id}/"):
        assert client.get(path).status_code == 404
    assert client.post(f"/account/orders/{order.order_id}/cancel/").status_code == 404
    assert client.post("/checkout/place/", {"token": order.order_id, "reviewed": "x"}).status_code == 404
    response = Client().get(f"/account/orders/{order.order_id}/")
    assert response.status_code == 302 and response["Location"].startswith("/account/login/")


@pytest.mark.usefixtures("tables")
def test_staff_order_console_transitions_and_history(staff_client):
    product = make_product(stock=4)
    shopper = make_customer()
    services.cart_add(cart_id=cart_of(shopper), product_id=product.product_id, quantity=1)
    order, _ = services.order_place(customer=shopper, cart_id=cart_of(shopper), token=str(uuid.uuid4()), address=ADDRESS)
    assert shopper.email in staff_client.get("/staff/orders/?status=placed").content.decode()
    url = f"/staff/orders/{order.order_id}/status/"
    staff_client.post(url, {"status": "paid", "version": 1})
    response = staff_client.post(url, {"status": "delivered", "version": 2}, follow=True)
    assert "cannot become delivered" in response.content.decode()
    staff_client.post(url, {"status": "shipped", "version": 2})
    stale = staff_client.post(url, {"status": "delivered", "version": 2}, follow=True)
    assert "Someone else changed this order" in stale.content.decode()
    final = selectors.order_find(order_id=order.order_id)
    assert final.status == "shipped"
    assert [c.status for c in final.history] == ["placed", "paid", "shipped"]
    assert shopper.email in staff_client.get("/staff/orders/?status=shipped").content.decode()
    assert staff_client.get("/staff/orders/?status=bogus").status_code == 200


@pytest.mark.usefixtures("tables")
def test_order_history_pages(customer_client):
    customer = customer_client.customer
    product = make_product(stock=100)
    ids = []
    for _ in range(12):
        services.cart_add(cart_id=cart_of(customer), product_id=product.product_id, quantity=1)
        ids.append(services.order_place(customer=customer, cart_id=cart_of(customer), token=str(uuid.uuid4()), address=ADDRESS)[0].order_id)
    first = customer_client.get("/account/orders/").content.decode()
    cursor = re.search(r'href="\?cursor=([^"]+)" rel="next"', first).group(1)
    second = customer_client.get(f"/account/orders/?cursor={cursor}").content.decode()
    seen = re.findall(r'/account/orders/([0-9a-f-]{36})/', first + second)
    assert seen == list(reversed(ids))


@pytest.mark.usefixtures("tables")
def test_a_price_change_after_review_places_nothing_and_shows_the_new_total(customer_client):
    product = make_product(stock=5, price_cents=1499)
    customer_client.post("/cart/add/", {"product_id": product.product_id, "quantity": 1})
    customer_client.post("/checkout/", ADDRESS)
    review = customer_client.get("/checkout/review/").content.decode()
    assert "$14.99" in review
    placing = dict(re.findall(r'name="(token|reviewed)" value="([^"]+)"', review))
    catalog_services.product_update(product_id=product.product_id, expected_version=product.version, price_cents=9999)
    response = customer_client.post("/checkout/place/", placing, follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == "/checkout/review/"
    assert "Nothing was ordered" in page and "the new total is $99.99" in page  # free shipping from $50
    assert Order.count() == 0 and stock_of(product) == 5
    # Reviewing again binds the new total; placing then works.
    fresh = dict(re.findall(r'name="(token|reviewed)" value="([^"]+)"', page))
    placed = customer_client.post("/checkout/place/", fresh)
    assert placed["Location"].startswith("/checkout/done/")
    assert Order.get(placed["Location"].rstrip("/").split("/")[-1]).total_cents == 9999


@pytest.mark.usefixtures("tables")
def test_a_quantity_change_in_another_tab_after_review_is_refused(customer_client):
    product = make_product(stock=5, price_cents=1000)
    customer_client.post("/cart/add/", {"product_id": product.product_id, "quantity": 1})
    customer_client.post("/checkout/", ADDRESS)
    placing = dict(re.findall(r'name="(token|reviewed)" value="([^"]+)"', customer_client.get("/checkout/review/").content.decode()))
    customer_client.post("/cart/update/", {"line": product.product_id, "quantity": 3})
    response = customer_client.post("/checkout/place/", placing)
    assert response["Location"] == "/checkout/review/" and Order.count() == 0


@pytest.mark.usefixtures("tables")
def test_every_concurrent_submit_of_one_token_lands_on_the_order(conflict_hold):
    product = make_product(stock=50)
    shopper = make_customer()
    services.cart_add(cart_id=cart_of(shopper), product_id=product.product_id, quantity=2)
    token = str(uuid.uuid4())

    def place(_):
        try:
            order, _ = services.order_place(customer=shopper, cart_id=cart_of(shopper), token=token, address=ADDRESS)
            return order.order_id
        except Exception as error:  # noqa: BLE001 - any refusal is a failure of this test
            return type(error).__name__

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(place, range(10)))
    assert results == [str(uuid.UUID(token))] * 10
    assert stock_of(product) == 48 and Order.count() == 1


@pytest.mark.usefixtures("tables")
def test_concurrent_orders_get_distinct_increasing_numbers_staff_can_find(staff_client, settings, conflict_hold):
    product = make_product(stock=100, price_cents=1000)
    shoppers = [make_customer() for _ in range(20)]
    for shopper in shoppers:
        services.cart_add(cart_id=cart_of(shopper), product_id=product.product_id, quantity=1)

    def checkout(shopper):
        return services.order_place(customer=shopper, cart_id=cart_of(shopper), token=str(uuid.uuid4()), address=ADDRESS)[0]

    with ThreadPoolExecutor(max_workers=20) as pool:
        orders = list(pool.map(checkout, shoppers))
    numbers = sorted(int(order.number) for order in orders)
    assert numbers == list(range(settings.ORDER_NUMBER_START + 1, settings.ORDER_NUMBER_START + 21))
    # A repeated submit keeps its number and takes no new one.
    again, created = services.order_place(customer=shoppers[0], cart_id=cart_of(shoppers[0]),
                                          token=orders[0].order_id, address=ADDRESS)
    assert not created and again.number == orders[0].number

    order = orders[3]
    response = staff_client.get("/staff/orders/", {"number": f"#{order.reference}"})
    assert response.status_code == 302 and response["Location"].endswith(f"/staff/orders/{order.order_id}/")
    assert f"Order {order.reference}" in staff_client.get(response["Location"]).content.decode()
    for unknown in ("99999999", "abc", "1" * 40, "-1"):
        html = staff_client.get("/staff/orders/", {"number": unknown}).content.decode()
        assert "No order has the number" in html


@pytest.mark.usefixtures("tables")
def test_the_cart_states_the_free_shipping_threshold_and_shows_thumbnails(client, settings):
    settings.FREE_SHIPPING_THRESHOLD_CENTS = 5000
    product = make_product(stock=10, price_cents=1500, image="demo/lamp.png")
    client.post("/cart/add/", {"product_id": product.product_id, "quantity": 1})
    html = client.get("/cart/").content.decode()
    assert "add $35.00 more to your cart and it ships free" in html and "Shipping is free from $50.00" in html
    assert 'class="thumb"' in html and "lamp" in html
    client.post("/cart/update/", {"line": product.product_id, "quantity": 4})
    assert "Your order ships free." in client.get("/cart/").content.decode()


@pytest.mark.usefixtures("tables")
def test_staff_find_orders_by_email_and_see_them_on_the_customer_page(staff_client):
    from orders.services import GuestShopper

    product = make_product(stock=20)
    customer = make_customer(email="ann@example.com")
    services.cart_add(cart_id=cart_of(customer), product_id=product.product_id, quantity=1)
    own, _ = services.order_place(customer=customer, cart_id=cart_of(customer), token=str(uuid.uuid4()), address=ADDRESS)
    services.cart_add(cart_id="session#ann", product_id=product.product_id, quantity=1)
    guest, _ = services.order_place(customer=GuestShopper(email="ann@example.com"), cart_id="session#ann",
                                    token=str(uuid.uuid4()), address=ADDRESS)
    other = make_customer()
    services.cart_add(cart_id=cart_of(other), product_id=product.product_id, quantity=1)
    theirs, _ = services.order_place(customer=other, cart_id=cart_of(other), token=str(uuid.uuid4()), address=ADDRESS)
    found = staff_client.get("/staff/orders/", {"number": "ANN@example.com"}).content.decode()
    assert "Orders placed with ANN@example.com" in found
    assert f"Order {own.reference}" in found and f"Order {guest.reference}" in found and f"Order {theirs.reference}" not in found
    page = staff_client.get(f"/staff/customers/{customer.customer_id}/").content.decode()
    assert f"Order {own.reference}" in page and f"Order {guest.reference}" in page and "guest" in page
    assert f"Order {theirs.reference}" not in page
    assert "No orders were placed with nobody@example.com" in staff_client.get(
        "/staff/orders/", {"number": "nobody@example.com"}).content.decode()


@pytest.mark.usefixtures("tables")
def test_shipping_with_a_tracking_number_tells_the_shopper_and_the_slip_lists_the_box(staff_client, streams):
    from django.core import mail

    product = make_product(stock=5, name="Oak Board", price_cents=2500)
    customer = make_customer()
    services.cart_add(cart_id=cart_of(customer), product_id=product.product_id, quantity=2)
    order, _ = services.order_place(customer=customer, cart_id=cart_of(customer), token=str(uuid.uuid4()), address=ADDRESS)
    order = services.order_transition(order_id=order.order_id, status="paid", actor="staff")
    slip = staff_client.get(f"/staff/orders/{order.order_id}/packing-slip/").content.decode()
    assert "Oak Board" in slip and "Springfield" in slip and "$25.00" not in slip  # what goes in the box, no prices
    too_long = staff_client.post(f"/staff/orders/{order.order_id}/status/",
                                 {"status": "shipped", "version": order.version, "tracking_number": "x" * 61}, follow=True)
    assert "at most 60 characters" in too_long.content.decode()
    assert selectors.order_find(order_id=order.order_id).status == "paid"
    staff_client.post(f"/staff/orders/{order.order_id}/status/",
                      {"status": "shipped", "version": order.version, "carrier": "UPS", "tracking_number": "1Z999"})
    shipped = selectors.order_find(order_id=order.order_id)
    assert (shipped.status, shipped.carrier, shipped.tracking_number) == ("shipped", "UPS", "1Z999")
    streams.drain()  # the email goes from the orders stream
    assert "Tracking: UPS 1Z999" in mail.outbox[-1].body
    assert "https://www.ups.com/track?tracknum=1Z999" in mail.outbox[-1].body  # the carrier's page, in one click
    page = Client()
    page.post("/account/login/", {"email": customer.email, "password": PASSWORD})
    detail = page.get(f"/account/orders/{order.order_id}/").content.decode()
    assert 'href="https://www.ups.com/track?tracknum=1Z999"' in detail
    assert detail.count(order.created_at.strftime("%Y")) == 1  # the placed date once, not twice in two formats
    shopper = Client()
    shopper.post("/account/login/", {"email": customer.email, "password": PASSWORD})
    assert "UPS 1Z999" in shopper.get(f"/account/orders/{order.order_id}/").content.decode()


@pytest.mark.usefixtures("tables")
def test_checkout_under_endless_conflicts_shows_try_again_and_keeps_the_address(customer_client, settings):
    from tests.fault_injection import dynamodb_fault

    settings.CHECKOUT_RETRY_SECONDS = 1
    client = customer_client
    client.post("/cart/add/", {"product_id": make_product(stock=5).product_id, "quantity": 1})
    assert client.post("/checkout/", ADDRESS)["Location"] == "/checkout/review/"
    placing = dict(re.findall(r'name="(token|reviewed)" value="([^"]+)"', client.get("/checkout/review/").content.decode()))
    with dynamodb_fault("conflict", operations={"TransactWriteItems"}):
        response = client.post("/checkout/place/", placing)
    assert response.status_code == 503 and response["Retry-After"]
    assert Order.count() == 0
    assert client.get("/checkout/review/").status_code == 200  # the address is still there: placing again works
    assert client.post("/checkout/place/", placing)["Location"].startswith("/checkout/done/")


@pytest.mark.parametrize(("carrier", "number", "expected"), [
    ("UPS", "1Z 999", "https://www.ups.com/track?tracknum=1Z%20999"),
    ("  fedex ground ", "1234", "https://www.fedex.com/fedextrack/?trknbr=1234"),
    ("Royal  Mail", "AB1<GB>", "https://www.royalmail.com/track-your-item#/tracking-results/AB1%3CGB%3E"),
    ("Own van", "7", None), ("", "7", None), ("DHL", "", None),
])
def test_a_tracking_number_links_to_its_carriers_page_when_the_carrier_is_known(carrier, number, expected):
    assert selectors.tracking_url(carrier=carrier, number=number) == expected


@pytest.mark.usefixtures("tables")
def test_the_staff_order_list_opens_on_all_and_the_order_page_offers_paying_before_cancelling(staff_client):
    shopper = make_customer()
    product = make_product(stock=5)
    for status in ("placed", "paid"):
        services.cart_add(cart_id=cart_of(shopper), product_id=product.product_id, quantity=1)
        order, _ = services.order_place(customer=shopper, cart_id=cart_of(shopper), token=str(uuid.uuid4()),
                                        address=ADDRESS)
        if status == "paid":
            services.order_transition(order_id=order.order_id, status="paid", actor="staff")
    listing = staff_client.get("/staff/orders/").content.decode()
    assert 'status=all" aria-current="page"' in listing
    orders = selectors.order_list_for_customer(customer_id=shopper.customer_id).items
    assert {o.status for o in orders} == {"placed", "paid"}
    assert all(f">Order {o.reference}<" in listing for o in orders)  # both, paid and unpaid
    placed = [o for o in orders if o.status == "placed"][0]
    page = staff_client.get(f"/staff/orders/{placed.order_id}/").content.decode()
    assert page.index("Mark paid") < page.index("Mark cancelled")  # the everyday step first, the destructive last


@pytest.mark.usefixtures("tables")
def test_the_staff_order_page_names_the_payment_and_links_to_the_buyer(staff_client):
    shopper, order = one_item_order()
    page = staff_client.get(f"/staff/orders/{order.order_id}/").content.decode()
    assert f'href="/staff/customers/{shopper.customer_id}/"' in page
    assert "Manual (bank transfer or on delivery)" in page and "to be paid by" in page


@pytest.mark.usefixtures("tables")
def test_staff_notes_stay_internal_or_reach_the_customer_by_email_and_on_their_order_page(staff_client):
    from django.core import mail

    shopper, order = one_item_order()
    notes = f"/staff/orders/{order.order_id}/notes/"
    staff_client.post(notes, {"text": "Fragile: pack twice. <b>not bold</b>"})
    staff_client.post(notes, {"text": "Your parcel leaves on Monday.", "to_customer": "on"})
    assert "Write the note first" in staff_client.post(notes, {"text": "  "}, follow=True).content.decode()
    page = staff_client.get(f"/staff/orders/{order.order_id}/").content.decode()
    assert "Internal" in page and "Fragile: pack twice. &lt;b&gt;not bold&lt;/b&gt;" in page
    assert "To the customer" in page and staff_client.staff.email in page
    [message] = [m for m in mail.outbox if "A message about order" in m.subject]
    assert message.to == [shopper.email] and "Your parcel leaves on Monday." in message.body
    assert "Fragile" not in message.body
    shopper_view = Client()
    shopper_view.post("/account/login/", {"email": shopper.email, "password": PASSWORD})
    mine = shopper_view.get(f"/account/orders/{order.order_id}/").content.decode()
    assert "Your parcel leaves on Monday." in mine and "Fragile" not in mine  # internal notes stay internal
    assert selectors.order_find(order_id=order.order_id).status == "placed"  # a note changes nothing else


@pytest.mark.usefixtures("tables")
def test_notes_added_at_once_are_all_kept():
    shopper, order = one_item_order()
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda n: services.order_note_add(order_id=order.order_id, text=f"note {n}", author="staff"),
                      range(8)))
    assert sorted(note.text for note in selectors.order_find(order_id=order.order_id).notes) == [f"note {n}" for n in range(8)]


@pytest.mark.usefixtures("tables")
def test_staff_change_the_address_of_an_unshipped_order_from_the_version_they_saw(staff_client):
    shopper, order = one_item_order()
    moved = {f"address-{key}": value for key, value in dict(ADDRESS, line1="9 New Road", city="Shelbyville").items()}
    path = f"/staff/orders/{order.order_id}/address/"
    page = staff_client.post(path, {**moved, "version": order.version}, follow=True).content.decode()
    assert "shipping address of order" in page and "9 New Road" in page
    changed = selectors.order_find(order_id=order.order_id)
    assert (changed.address.line1, changed.address.city) == ("9 New Road", "Shelbyville")
    assert "address changed" in changed.history[-1].actor
    stale = staff_client.post(path, {**moved, "address-city": "Elsewhere", "version": order.version}, follow=True)
    assert "Someone else changed this order" in stale.content.decode()  # the version on screen is old
    blank = staff_client.post(path, {**moved, "address-city": "", "version": changed.version}, follow=True)
    assert "The address needs" in blank.content.decode()
    services.order_transition(order_id=order.order_id, status="paid", actor="staff")
    shipped = services.order_transition(order_id=order.order_id, status="shipped", actor="staff")
    late = staff_client.post(path, {**moved, "version": shipped.version}, follow=True).content.decode()
    assert "keeps its address" in late and "Change the shipping address" not in late
    assert selectors.order_find(order_id=order.order_id).address.city == "Shelbyville"
