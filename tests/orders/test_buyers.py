"""Every buyer is a customer: guests get a record from their orders; order counts and spend stay exact."""
import io
import threading

import pytest
from django.test import Client

from customers import selectors as customer_selectors
from customers.selectors import guest_record_id
from customers.services import GuestRecord, customer_delete, customer_update
from orders import selectors
from orders.services import guest_orders_claim, order_status_set
from tests.factories import PASSWORD, make_product, signup_confirmed
from tests.orders.test_guest_checkout import guest_order

pytestmark = pytest.mark.usefixtures("tables")


def test_a_guest_becomes_a_customer_with_their_orders_counted_and_cancelled_spend_taken_off(streams, staff_client):
    product = make_product(stock=10, price_cents=1500)
    total_before = customer_selectors.customer_count()
    first = guest_order(Client(), product, email="Ada@Example.com")
    guest_order(Client(), product, email="ada@example.com")
    streams.drain()
    guest = customer_selectors.customer_get(customer_id=guest_record_id("ada@example.com"))
    assert (guest.status, guest.email, guest.first_name, guest.last_name) == ("guest", "ada@example.com", "Grace", "Hopper")
    order_total = selectors.order_find(order_id=first).total_cents
    assert (guest.order_count, guest.spent_cents) == (2, 2 * order_total)
    assert customer_selectors.customer_count() == total_before + 1
    streams.drain()  # a second drain applies nothing twice
    assert customer_selectors.customer_get(customer_id=guest.customer_id).order_count == 2

    order_status_set(order_id=first, status="cancelled", actor="staff@example.com")
    streams.drain()
    guest = customer_selectors.customer_get(customer_id=guest.customer_id)
    assert (guest.order_count, guest.spent_cents) == (2, order_total)  # still ordered twice; spent once

    listing = staff_client.get("/staff/customers/?status=guest").content.decode()
    assert "ada@example.com" in listing and "Guest" in listing
    page = staff_client.get(f"/staff/customers/{guest.customer_id}/").content.decode()
    assert "Guest" in page and f"/staff/customers/{guest.customer_id}/edit/" not in page
    assert staff_client.get(f"/staff/customers/{guest.customer_id}/edit/").status_code == 302
    with pytest.raises(GuestRecord):
        customer_update(customer_id=guest.customer_id, first_name="X")
    with pytest.raises(GuestRecord):
        customer_delete(customer_id=guest.customer_id)


def test_signing_up_moves_the_guest_count_to_the_account_and_the_guest_record_goes(streams):
    product = make_product(stock=10, price_cents=2000)
    guest_order(Client(), product, email="merge@example.com")
    streams.drain()
    guest_id = guest_record_id("merge@example.com")
    spent = customer_selectors.customer_get(customer_id=guest_id).spent_cents
    count = customer_selectors.customer_count()
    signup_confirmed(Client(), {"email": "merge@example.com", "password": PASSWORD, "password_confirm": PASSWORD})
    account = customer_selectors.customer_get_by_email(email="merge@example.com")
    assert guest_orders_claim(customer=account) == 1
    streams.drain()
    account = customer_selectors.customer_get(customer_id=account.customer_id)
    assert (account.order_count, account.spent_cents) == (1, spent)
    assert customer_selectors.customer_find(customer_id=guest_id) is None
    assert customer_selectors.customer_count() == count  # the account came, the guest went


def test_a_staff_edit_does_not_undo_the_counts_the_stream_added_meanwhile(streams):
    from tests.orders.test_checkout import one_item_order  # noqa: PLC0415 (a helper of that module)

    shopper, order = one_item_order()
    streams.drain()
    customer_update(customer_id=shopper.customer_id, expected_version=shopper.version, first_name="Edited")
    stored = customer_selectors.customer_get(customer_id=shopper.customer_id)
    assert (stored.first_name, stored.order_count, stored.spent_cents) == ("Edited", 1, order.total_cents)


def test_two_consumers_racing_on_one_new_guest_make_one_record_with_every_order(streams, monkeypatch):
    """Two shards' consumers (threads) each carry orders of the same new guest email: one creates the record,
    the other's condition fails and it adds to that record on its retry; the customers tally counts it once."""
    from orders import buyers  # noqa: PLC0415
    from shopsite import streams as stream_module  # noqa: PLC0415

    product = make_product(stock=20, price_cents=1000)
    for _ in range(4):
        guest_order(Client(), product, email="rush@example.com")
    captured = []
    monkeypatch.setattr(stream_module, "records_dispatch", lambda *, records: captured.extend(records))
    streams.drain()
    orders_created = [r for r in captured if "orders" in r["eventSourceARN"] and r["eventName"] == "INSERT"]
    assert len(orders_created) == 4
    count = customer_selectors.customer_count()
    barrier = threading.Barrier(2)
    errors = []

    def consume(records):
        barrier.wait()
        try:
            buyers.buyer_tallies_apply(records)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=consume, args=(orders_created[i::2],)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    guest = customer_selectors.customer_get(customer_id=guest_record_id("rush@example.com"))
    assert (guest.order_count, guest.spent_cents) == (4, 4 * selectors.order_find(
        order_id=orders_created[0]["dynamodb"]["Keys"]["order_id"]["S"]).total_cents)
    assert customer_selectors.customer_count() == count + 1
    buyers.buyer_tallies_apply(orders_created)  # redelivered: nothing twice
    assert customer_selectors.customer_get(customer_id=guest.customer_id).order_count == 4


def test_check_integrity_counts_the_orders_placed_before_buyers_were_counted():
    """The upgrade: orders written with no stream consumer running leave no counts; --fix makes them."""
    from django.core.management import call_command  # noqa: PLC0415

    from tests.orders.test_checkout import one_item_order  # noqa: PLC0415

    product = make_product(stock=10, price_cents=1200)
    guest_order(Client(), product, email="old@example.com")
    shopper, order = one_item_order()
    assert customer_selectors.customer_find(customer_id=guest_record_id("old@example.com")) is None
    call_command("check_integrity", "--fix", stdout=io.StringIO())
    guest = customer_selectors.customer_get(customer_id=guest_record_id("old@example.com"))
    assert (guest.status, guest.order_count) == ("guest", 1)
    assert customer_selectors.customer_get(customer_id=shopper.customer_id).spent_cents == order.total_cents
    report = io.StringIO()
    call_command("check_integrity", stdout=report)
    assert "No problems found." in report.getvalue()
    # a guest holds no email guard: signing up stays open
    signup_confirmed(Client(), {"email": "old@example.com", "password": PASSWORD, "password_confirm": PASSWORD})
    assert customer_selectors.customer_get_by_email(email="old@example.com").status == "active"


def test_integrators_read_a_guest_with_counts_and_cannot_change_it(streams):
    from accounts import services as account_services  # noqa: PLC0415

    guest_order(Client(), make_product(stock=5, price_cents=900), email="api-guest@example.com")
    streams.drain()
    guest_id = guest_record_id("api-guest@example.com")
    _, key = account_services.api_key_create(name="tests")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    body = api.get(f"/api/customers/{guest_id}").json()
    assert (body["status"], body["order_count"], body["version"]) == ("guest", 1, 0)
    changed = api.put(f"/api/customers/{guest_id}", {"email": "x@example.com"}, content_type="application/json")
    assert (changed.status_code, changed.json()["error"]["code"]) == (409, "guest_record")
    assert api.delete(f"/api/customers/{guest_id}").json()["error"]["code"] == "guest_record"
    _, staff_key = account_services.api_key_create(name="gql", scopes={"staff"})
    graphql = Client(HTTP_AUTHORIZATION=f"Bearer {staff_key}").post("/graphql", {"query": f'mutation {{ deleteCustomer(id: "{guest_id}", version: 0) }}'},
                       content_type="application/json").json()
    assert graphql["errors"][0]["extensions"]["code"] == "GUEST_RECORD"
