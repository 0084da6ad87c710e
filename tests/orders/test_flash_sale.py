"""Checkout at flash-sale scale, through the proxy that applies DynamoDB's transaction-conflict rule
(tests/dynamodb_conflicts.py): no item is shared by every order, and a rush gets its orders."""
import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from catalog import selectors as catalog_selectors
from catalog import services as catalog_services
from catalog.models import StockBucket
from orders import selectors, services
from orders.models import Order
from shopsite import dynamodb
from shopsite.errors import is_unavailable
from tests.conftest import conflict_stats
from tests.factories import make_customer, make_product

pytestmark = [pytest.mark.usefixtures("conflict_hold"), pytest.mark.usefixtures("tables")]  # items held as long as DynamoDB holds them
ADDRESS = {"name": "Ada Lovelace", "line1": "1 Main St", "line2": "", "city": "Springfield", "postal_code": "12345",
           "country": "US"}


def guest_with(product, quantity=1):
    """A guest shopper with *quantity* of *product* in a cart of their own."""
    guest = services.GuestShopper(email=f"{uuid.uuid4().hex[:10]}@example.com")
    cart_id = f"session#{uuid.uuid4().hex}"
    services.cart_add(cart_id=cart_id, product_id=product.product_id, quantity=quantity)
    return guest, cart_id


def rush(buyers):
    """Every buyer checks out at the same instant; return each one's outcome."""
    barrier = threading.Barrier(len(buyers))

    def checkout(buyer):
        shopper, cart_id = buyer
        barrier.wait()
        try:
            order, created = services.order_place(customer=shopper, cart_id=cart_id, token=str(uuid.uuid4()),
                                                  address=ADDRESS)
            return ("ordered", order) if created else ("repeat", order)
        except services.OutOfStock:
            return ("sold out", None)
        except services.CartChanged:
            return ("cart changed", None)
        except Exception as error:  # noqa: BLE001 - sorted below: an outage (503) or a bug
            return ("unavailable", error) if is_unavailable(error) else (f"bug: {error!r}", None)

    with ThreadPoolExecutor(max_workers=len(buyers)) as pool:
        return list(pool.map(checkout, buyers))


class TransactionItems:
    """Records the items each TransactWriteItems touches, as (table, key) pairs."""

    def __init__(self):
        self.transactions: list[set] = []
        self.keys = {model.Meta.table_name: [a.attr_name for a in model.get_attributes().values()
                                             if a.is_hash_key or a.is_range_key] for model in dynamodb.models()}

    def __call__(self, params, **kwargs):
        items = set()
        for action in params["TransactItems"]:
            (kind, body), = action.items()
            values = body["Item"] if kind == "Put" else body["Key"]
            key = {name: values[name] for name in self.keys[body["TableName"]]}
            items.add((body["TableName"], json.dumps(key, sort_keys=True)))
        self.transactions.append(items)


def test_two_checkouts_of_different_products_by_different_shoppers_share_no_item():
    first, second = make_product(stock=5), make_product(stock=5)
    member = make_customer()
    services.cart_add(cart_id=services.cart_id_for_customer(member.customer_id), product_id=first.product_id, quantity=1)
    guest, guest_cart = guest_with(second)
    capture = TransactionItems()
    client = dynamodb.connection().client
    client.meta.events.register("before-parameter-build.dynamodb.TransactWriteItems", capture, unique_id="test-capture")
    try:
        services.order_place(customer=member, cart_id=services.cart_id_for_customer(member.customer_id),
                             token=str(uuid.uuid4()), address=ADDRESS)
        services.order_place(customer=guest, cart_id=guest_cart, token=str(uuid.uuid4()), address=ADDRESS)
    finally:
        client.meta.events.unregister("before-parameter-build.dynamodb.TransactWriteItems", unique_id="test-capture")
    one, two = capture.transactions
    assert len(one) >= 4 and len(two) >= 4  # order, cart line, stock, the shopper's change mark
    assert one & two == set(), one & two
    assert not any(table.endswith("counters") and "orders-changed\"" in key for table, key in one | two)


@pytest.fixture
def patient(settings):
    """A retry budget no busy test machine exhausts: these tests check what the conflict rule does to outcomes,
    not how fast this machine is (the bench measures that)."""
    settings.CHECKOUT_RETRY_SECONDS = 300


@pytest.mark.slow
def test_a_hundred_buyers_over_twenty_products_all_get_their_orders(patient):
    products = [make_product(stock=50, price_cents=1000 + n) for n in range(20)]
    buyers = [guest_with(products[n % 20]) for n in range(100)]
    results = rush(buyers)
    outcomes = [outcome for outcome, _ in results]
    assert outcomes == ["ordered"] * 100, ({outcome: outcomes.count(outcome) for outcome in set(outcomes)},
                                           [repr(error) for outcome, error in results if outcome == "unavailable"][:5])
    numbers = [int(order.number) for _, order in results]
    assert len(set(numbers)) == 100
    for product in products:
        assert catalog_selectors.product_find(product_id=product.product_id).stock == 45
    assert Order.count() == 100


@pytest.mark.slow
def test_three_hundred_buyers_for_two_hundred_units_of_one_spread_product(streams, patient):
    product = make_product(stock=200, price_cents=4900)
    catalog_services.product_stock_spread(product_id=product.product_id, buckets=10)
    buyers = [guest_with(product) for _ in range(300)]
    before = conflict_stats().get("conflicts:TransactWriteItems", 0)
    results = rush(buyers)
    outcomes = [outcome for outcome, _ in results]
    counts = {outcome: outcomes.count(outcome) for outcome in set(outcomes)}
    assert counts.get("ordered") == 200, counts
    unavailable = [repr(error) for outcome, error in results if outcome == "unavailable"]
    assert len(unavailable) <= 3, (counts, unavailable[:5])  # at most 1 % told "try again"
    assert set(counts) <= {"ordered", "sold out", "unavailable"}, counts  # no false "cart changed", no bug
    numbers = [int(order.number) for outcome, order in results if outcome == "ordered"]
    assert len(set(numbers)) == 200 and Order.count() == 200
    buckets = [bucket for bucket in StockBucket.scan() if bucket.product_id == product.product_id]
    assert len(buckets) == 10 and sum(int(bucket.stock) for bucket in buckets) == 0  # sold out exactly, never below
    streams.drain()
    assert catalog_selectors.product_find(product_id=product.product_id).stock == 0  # the shown stock caught up
    assert conflict_stats().get("conflicts:TransactWriteItems", 0) >= before  # the rule was applied throughout


def test_a_spread_product_sells_out_exactly_when_every_bucket_is_empty(streams):
    product = make_product(stock=7)
    catalog_services.product_stock_spread(product_id=product.product_id, buckets=3)
    assert sorted(int(b.stock) for b in StockBucket.scan()) == [2, 2, 3]
    big, cart = guest_with(product, quantity=5)  # more than any one bucket holds: taken from several
    order, created = services.order_place(customer=big, cart_id=cart, token=str(uuid.uuid4()), address=ADDRESS)
    assert created and sum(int(b.stock) for b in StockBucket.scan()) == 2
    streams.drain()
    shown = catalog_selectors.product_find(product_id=product.product_id)
    assert shown.stock == 2 and shown.stock_state == "low"
    late, late_cart = guest_with(product, quantity=2)
    assert services.cart_set_quantity(cart_id=late_cart, line=product.product_id, quantity=3) == (2, True)
    last, last_cart = guest_with(product, quantity=2)
    services.order_place(customer=last, cart_id=last_cart, token=str(uuid.uuid4()), address=ADDRESS)
    with pytest.raises(services.OutOfStock) as short:  # the buckets' own read, though the shown stock still says 2
        services.order_place(customer=late, cart_id=late_cart, token=str(uuid.uuid4()), address=ADDRESS)
    assert short.value.shortages == {product.product_id: 0}
    assert len(selectors.cart_items(cart_id=late_cart)) == 1  # the refused cart is kept
    # Cancelling gives the units back to a bucket; the shown stock follows from the stream.
    services.order_transition(order_id=order.order_id, status="cancelled", actor="staff@example.com")
    assert sum(int(b.stock) for b in StockBucket.scan()) == 5
    streams.drain()
    assert catalog_selectors.product_find(product_id=product.product_id).stock == 5


def test_staff_stock_changes_and_gathering_keep_every_unit(streams):
    product = make_product(stock=10)
    catalog_services.product_stock_spread(product_id=product.product_id, buckets=4)
    assert catalog_services.product_stock_adjust(product_id=product.product_id, delta=5, reason="delivery") == 15
    assert sorted(int(b.stock) for b in StockBucket.scan()) == [3, 4, 4, 4]
    with pytest.raises(catalog_services.StockTooLow):
        catalog_services.product_stock_adjust(product_id=product.product_id, delta=-16)
    with pytest.raises(catalog_services.StaleEdit):
        catalog_services.product_stock_adjust(product_id=product.product_id, delta=1, expected_stock=9)
    catalog_services.product_stock_spread(product_id=product.product_id, buckets=0)
    gathered = catalog_selectors.product_find(product_id=product.product_id)
    assert gathered.stock == 15 and not gathered.stock_buckets and StockBucket.count() == 0


def test_the_tallies_follow_the_stream_exactly_once_however_often_it_delivers(streams, monkeypatch):
    """Lambda redelivers a failed batch whole and a local reader restarts from the oldest record:
    each order change still counts once (its stream mark rides in the tally's transaction)."""
    import shopsite.streams

    delivered = []
    original = shopsite.streams.records_dispatch

    def keep(*, records):
        delivered.extend(records)
        original(records=records)

    monkeypatch.setattr(shopsite.streams, "records_dispatch", keep)
    product = make_product(stock=10, price_cents=1500)
    placed = []
    for _ in range(3):
        guest, cart = guest_with(product)
        placed.append(services.order_place(customer=guest, cart_id=cart, token=str(uuid.uuid4()), address=ADDRESS)[0])
    services.order_transition(order_id=placed[0].order_id, status="cancelled", actor="staff@example.com")
    assert streams.drain() == 4
    figures = selectors.order_figures()
    expected = {"placed": 2, "paid": 0, "shipped": 0, "delivered": 0, "cancelled": 1, "refunded": 0}
    assert figures.by_status == expected
    assert (figures.today_orders, figures.today_revenue_cents) == (3, 2 * 2000)  # 15.00 + 5.00 shipping each
    original(records=delivered)  # the whole batch again
    original(records=delivered[1:3])  # and part of it
    again = selectors.order_figures()
    assert again.by_status == expected and (again.today_orders, again.today_revenue_cents) == (3, 4000)


def test_staff_spread_a_product_for_a_rush_and_gather_it_back(staff_client, streams):
    product = make_product(stock=12)
    page = staff_client.get(f"/staff/products/{product.product_id}/").content.decode()
    assert "Spread stock for a rush" in page
    response = staff_client.post(f"/staff/products/{product.product_id}/spread/", {"spread": "on"}, follow=True)
    assert "spread over 10 items" in response.content.decode()
    assert StockBucket.count() == 10 and sum(int(b.stock) for b in StockBucket.scan()) == 12
    assert staff_client.get(f"/staff/products/{product.product_id}/spread/").status_code == 405
    response = staff_client.post(f"/staff/products/{product.product_id}/spread/", {"spread": "off"}, follow=True)
    assert "kept on the product again" in response.content.decode()
    assert StockBucket.count() == 0 and catalog_selectors.product_find(product_id=product.product_id).stock == 12
