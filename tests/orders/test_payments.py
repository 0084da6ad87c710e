"""Payments: the manual provider, Stripe Checkout through signed webhooks, and the release of unpaid orders.

Stripe's own HTTP API (creating a Checkout Session, creating a refund) is the
one thing replaced here, by ``tests.stripe_stand_in.StripeStandIn``.
Webhooks are signed exactly as Stripe signs them and go through the real
``stripe`` library's verification.
"""
import io
import re
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from catalog import selectors as catalog_selectors
from orders import selectors, services
from orders.services import payment_events
from orders.models import Order
from tests.factories import PASSWORD, make_customer, make_product
from tests.stripe_stand_in import WEBHOOK_SECRET, StripeStandIn, signed

ADDRESS = {"name": "Ada Lovelace", "line1": "1 Main St", "line2": "", "city": "Springfield", "postal_code": "12345", "country": "US"}


@pytest.fixture
def stripe_shop(settings):
    stand_in = StripeStandIn()
    settings.STRIPE_SECRET_KEY = "sk_test_123"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = stand_in.url
    yield stand_in
    stand_in.close()


def event(kind: str, obj: dict, event_id: str | None = None) -> dict:
    return {"id": event_id or f"evt_{uuid.uuid4().hex[:16]}", "object": "event", "type": kind, "api_version": "2025-01-27",
            "created": int(time.time()), "data": {"object": obj}}


def session_completed(order, intent="pi_123", **extra):
    return event("checkout.session.completed", {"id": "cs_test_1", "object": "checkout.session", "payment_status": "paid",
                                                "client_reference_id": order.order_id, "payment_intent": intent,
                                                "metadata": {"order_id": order.order_id}, **extra})


def session_expired(order):
    return event("checkout.session.expired", {"id": "cs_test_1", "object": "checkout.session", "payment_status": "unpaid",
                                              "client_reference_id": order.order_id, "payment_intent": None,
                                              "metadata": {"order_id": order.order_id}})


def deliver(payload: dict, secret: str = WEBHOOK_SECRET):
    body, signature = signed(payload, secret)
    return Client().post("/payments/stripe/webhook/", body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature)


def placed_order(*, provider="stripe", stock=5, quantity=2, customer=None):
    product = make_product(stock=stock, price_cents=1500)
    customer = customer or make_customer()
    cart_id = services.cart_id_for_customer(customer.customer_id)
    services.cart_add(cart_id=cart_id, product_id=product.product_id, quantity=quantity)
    order, _ = services.order_place(customer=customer, cart_id=cart_id, token=str(uuid.uuid4()), address=ADDRESS,
                                    payment_provider=provider)
    return order, product


def stock_of(product):
    return catalog_selectors.product_find(product_id=product.product_id).stock


def shopper_checkout(client, product, payment=None):
    client.post("/cart/add/", {"product_id": product.product_id, "quantity": 2})
    data = dict(ADDRESS, **({"payment": payment} if payment else {}))
    assert client.post("/checkout/", data).status_code == 302
    review = client.get("/checkout/review/").content.decode()
    placing = dict(re.findall(r'name="(token|reviewed)" value="([^"]+)"', review))
    return review, client.post("/checkout/place/", placing)


def signed_in_client():
    customer = make_customer()
    client = Client()
    client.post("/account/login/", {"email": customer.email, "password": PASSWORD})
    return client, customer


@pytest.mark.usefixtures("tables")
def test_manual_payment_shows_how_to_pay_and_staff_mark_it_paid(staff_client, streams):
    client, customer = signed_in_client()
    product = make_product(stock=5, price_cents=1500)
    review, placed = shopper_checkout(client, product)
    assert "Bank transfer or pay on delivery" in review
    assert placed["Location"].startswith("/checkout/done/")
    page = client.get(placed["Location"]).content.decode()
    assert "How to pay" in page and "IBAN" in page and "Awaiting payment" in page
    order = selectors.order_list_for_customer(customer_id=customer.customer_id).items[0]
    assert order.payment_provider == "manual" and order.pay_by > timezone.now() + timedelta(days=6)
    assert stock_of(product) == 3  # held while the shopper pays
    staff_client.post(f"/staff/orders/{order.order_id}/status/", {"status": "paid", "version": order.version})
    assert selectors.order_find(order_id=order.order_id).status == "paid"
    streams.drain()  # the email goes from the orders stream
    assert "Payment received" in mail.outbox[-1].subject


@pytest.mark.usefixtures("tables")
def test_how_to_pay_stays_on_the_order_page_and_is_in_the_email_until_the_order_is_paid(staff_client, streams):
    """A shopper who closed the confirmation can still pay: the order page and the "received" email say how,
    how much, with which reference and by when."""
    client, customer = signed_in_client()
    _, placed = shopper_checkout(client, make_product(stock=5, price_cents=1500))
    order = selectors.order_list_for_customer(customer_id=customer.customer_id).items[0]
    page = client.get(f"/account/orders/{order.order_id}/").content.decode()
    assert "How to pay" in page and "IBAN" in page and order.reference in page and "Please pay by" in page
    streams.drain()
    [received] = [m for m in mail.outbox if "received" in m.subject]
    html = received.alternatives[0][0]
    for text in (received.body, html):
        assert "How to pay" in text and "IBAN" in text and "$35.00" in text and "Please pay by" in text
    staff_client.post(f"/staff/orders/{order.order_id}/status/", {"status": "paid", "version": order.version})
    assert "How to pay" not in client.get(f"/account/orders/{order.order_id}/").content.decode()


@pytest.mark.usefixtures("tables")
def test_stripe_checkout_sends_the_shopper_to_stripe_and_the_webhook_marks_it_paid(stripe_shop, streams):
    client, customer = signed_in_client()
    product = make_product(stock=5, price_cents=1500)
    client.post("/cart/add/", {"product_id": make_product().product_id, "quantity": 1})
    form = client.get("/checkout/")
    assert "Card (secure payment page by Stripe)" in form.content.decode() and "Bank transfer" in form.content.decode()
    review, placed = shopper_checkout(client, product, payment="stripe")
    assert "Place order and pay" in review
    assert placed["Location"].startswith(f"{stripe_shop.url}/pay/cs_test_")
    [(path, body, key)] = stripe_shop.calls("/v1/checkout/sessions")
    order = selectors.order_list_for_customer(customer_id=customer.customer_id).items[0]
    assert key == f"checkout-{order.order_id}" and body["mode"] == ["payment"]
    amounts = {body[f"line_items[{n}][price_data][unit_amount]"][0] for n in range(2)}
    assert amounts == {"1500", "1000"} and body["line_items[1][quantity]"] == ["2"]
    assert body["metadata[order_id]"] == [order.order_id] and body["customer_email"] == [customer.email]
    assert body["success_url"][0].endswith(f"/checkout/done/{order.order_id}/?paid=1")
    # Back from Stripe before the webhook: the page says the payment is being confirmed.
    assert "being confirmed" in client.get(f"/checkout/done/{order.order_id}/?paid=1").content.decode()
    response = deliver(session_completed(order))
    assert response.status_code == 200 and response.json()["result"] == "paid"
    paid = selectors.order_find(order_id=order.order_id)
    assert paid.status == "paid" and paid.payment_ref == "pi_123" and stock_of(product) == 3
    streams.drain()
    assert "Payment received" in mail.outbox[-1].subject


@pytest.mark.usefixtures("tables")
def test_a_repeated_webhook_changes_nothing_the_second_time(stripe_shop, conflict_hold):
    order, product = placed_order()
    completed = session_completed(order)
    results = [deliver(completed).json()["result"] for _ in range(3)]
    assert results == ["paid", "duplicate", "duplicate"]
    with ThreadPoolExecutor(max_workers=5) as pool:  # and at the same moment
        again = list(pool.map(lambda _: deliver(session_completed(order, event_id="evt_same")).status_code, range(5)))
    assert again == [200] * 5
    stored = selectors.order_find(order_id=order.order_id)
    assert [change.status for change in stored.history] == ["placed", "paid"] and stock_of(product) == 3


@pytest.mark.usefixtures("tables")
def test_expired_after_completed_is_ignored(stripe_shop):
    order, product = placed_order()
    assert deliver(session_completed(order)).json()["result"] == "paid"
    assert deliver(session_expired(order)).json()["result"] == "ignored: order is paid"
    assert selectors.order_find(order_id=order.order_id).status == "paid" and stock_of(product) == 3


@pytest.mark.usefixtures("tables")
def test_completed_after_expired_refunds_the_late_payment_exactly_once(stripe_shop):
    order, product = placed_order()
    assert deliver(session_expired(order)).json()["result"] == "cancelled"
    assert stock_of(product) == 5  # released
    late = session_completed(order, intent="pi_late")
    assert deliver(late).json()["result"] == "late payment refunded"
    assert deliver(late).json()["result"] == "duplicate"
    refunds = stripe_shop.calls("/v1/refunds")
    assert len(refunds) == 1 and refunds[0][1]["payment_intent"] == ["pi_late"] and refunds[0][2] == f"refund-{order.order_id}"
    stored = selectors.order_find(order_id=order.order_id)
    assert stored.status == "cancelled" and stock_of(product) == 5
    assert "refunded" in stored.history[-1].actor


@pytest.mark.usefixtures("tables")
def test_a_full_refund_marks_the_order_refunded_and_restocks_what_never_shipped(stripe_shop, streams):
    order, product = placed_order()
    deliver(session_completed(order, intent="pi_r"))
    charge = {"id": "ch_1", "object": "charge", "payment_intent": "pi_r", "amount": 3000, "amount_refunded": 1000, "metadata": {}}
    assert deliver(event("charge.refunded", charge)).json()["result"] == "ignored"  # partial
    charge["amount_refunded"] = 3000
    assert deliver(event("charge.refunded", charge)).json()["result"] == "refunded"  # found through the payment id
    assert selectors.order_find(order_id=order.order_id).status == "refunded" and stock_of(product) == 5
    streams.drain()
    assert "is refunded" in mail.outbox[-1].subject and "Your payment is refunded." in mail.outbox[-1].body


@pytest.mark.parametrize("case", ["bad signature", "no signature", "old timestamp", "not json", "a day ahead",
                                  "six minutes ahead"])
@pytest.mark.usefixtures("tables")
def test_a_webhook_that_is_not_from_stripe_is_refused(stripe_shop, case):
    order, product = placed_order()
    body, signature = signed(session_completed(order), secret="whsec_wrong" if case == "bad signature" else WEBHOOK_SECRET,
                             timestamp={"old timestamp": int(time.time()) - 3600, "a day ahead": int(time.time()) + 86400,
                                        "six minutes ahead": int(time.time()) + 360}.get(case))
    headers = {} if case == "no signature" else {"HTTP_STRIPE_SIGNATURE": signature}
    response = Client().post("/payments/stripe/webhook/", b"{not json" if case == "not json" else body,
                             content_type="application/json", **headers)
    assert response.status_code == 400 and response.json()["result"] == "bad_signature"
    assert selectors.order_find(order_id=order.order_id).status == "placed"


def _raw_signed(body: bytes):
    timestamp = int(time.time())
    signature = __import__("hmac").new(WEBHOOK_SECRET.encode(), f"{timestamp}.".encode() + body,
                                       __import__("hashlib").sha256).hexdigest()
    return Client().post("/payments/stripe/webhook/", body, content_type="application/json",
                         HTTP_STRIPE_SIGNATURE=f"t={timestamp},v1={signature}")


@pytest.mark.parametrize("body", [
    b"[]", b"{}", b'"text"', b"12", b'{"id": "evt_1", "type": "checkout.session.completed"}',
    b'{"id": "evt_1", "type": "checkout.session.completed", "data": []}',
    b'{"id": "evt_1", "type": "checkout.session.completed", "data": {"object": "x"}}',
    b'{"id": 5, "type": "checkout.session.completed", "data": {"object": {}}}',
    b'{"id": "evt_1", "type": ["x"], "data": {"object": {}}}',
    b'{"id": "evt_1", "type": "checkout.session.completed", "data": {"object": {"metadata": "x"}}}',
    b'{"id": "evt_1", "type": "checkout.session.completed", "data": {"object": {"metadata": {"order_id": ["a"]}}}}',
    b'{"id": "evt_1", "type": "charge.refunded", "data": {"object": {"amount": "10", "amount_refunded": 10}}}',
    b'{"id": "evt_1", "type": "checkout.session.completed", "data": {"object": {"payment_intent": {"x": 1}}}}',
], ids=lambda body: body.decode()[:40])
def test_a_correctly_signed_but_malformed_event_is_a_400_with_a_log_line(stripe_shop, body, caplog):
    response = _raw_signed(body)
    assert response.status_code == 400 and response.json()["result"] == "malformed", response.content
    assert any("malformed" in record.getMessage() for record in caplog.records)


@pytest.mark.usefixtures("tables")
def test_an_unknown_event_type_is_accepted_and_ignored(stripe_shop):
    order, _ = placed_order()
    response = deliver(event("customer.created", {"id": "cus_1", "object": "customer"}))
    assert response.status_code == 200 and response.json()["result"] == "ignored"
    assert selectors.order_find(order_id=order.order_id).status == "placed"


@pytest.mark.usefixtures("tables")
def test_without_stripe_keys_the_webhook_is_absent_and_checkout_offers_manual_only(settings):
    settings.STRIPE_SECRET_KEY = settings.STRIPE_WEBHOOK_SECRET = ""
    assert deliver(event("customer.created", {"id": "x"})).status_code == 404
    client, _ = signed_in_client()
    client.post("/cart/add/", {"product_id": make_product().product_id, "quantity": 1})
    html = client.get("/checkout/").content.decode()
    assert "Card" not in html and 'type="hidden" name="payment" value="manual"' in html


@pytest.mark.usefixtures("tables")
def test_unpaid_orders_release_their_stock_when_time_runs_out(streams):
    due, due_product = placed_order(provider="manual")
    fresh, fresh_product = placed_order(provider="manual")
    later = timezone.now() + timedelta(hours=24 * 7 + 1)
    selectors.order_find(order_id=due.order_id).update(actions=[Order.pay_by.set(timezone.now() - timedelta(minutes=1)),
                                        Order.created_at.set(later - timedelta(days=8))])
    out = io.StringIO()
    call_command("release_unpaid", stdout=out)
    assert "Released 1 unpaid order." in out.getvalue()
    assert selectors.order_find(order_id=due.order_id).status == "cancelled" and stock_of(due_product) == 5
    assert selectors.order_find(order_id=fresh.order_id).status == "placed" and stock_of(fresh_product) == 3
    streams.drain()
    assert "is cancelled" in mail.outbox[-1].subject
    call_command("release_unpaid", stdout=out)
    assert out.getvalue().endswith("Released 0 unpaid orders.\n")


@pytest.mark.usefixtures("tables")
def test_payment_and_release_racing_for_one_order_exactly_one_wins(stripe_shop, conflict_hold):
    for round_ in range(8):
        order, product = placed_order(provider="stripe")
        selectors.order_find(order_id=order.order_id).update(actions=[Order.pay_by.set(timezone.now() - timedelta(seconds=1)),
                                              Order.created_at.set(timezone.now() - timedelta(days=30))])
        barrier = threading.Barrier(2)

        def pay():
            barrier.wait()
            return deliver(session_completed(order, intent=f"pi_race_{round_}")).json()["result"]

        def release():
            barrier.wait()
            return [o.order_id for o in services.order_release_unpaid()]

        with ThreadPoolExecutor(max_workers=2) as pool:
            paid, released = pool.submit(pay), pool.submit(release)
            paid, released = paid.result(), released.result()
        stored = selectors.order_find(order_id=order.order_id)
        if paid == "paid":
            assert released == [] and stored.status == "paid" and stock_of(product) == 3
        else:
            assert released == [order.order_id] and paid == "late payment refunded"
            assert stored.status == "cancelled" and stock_of(product) == 5
            assert [r[1]["payment_intent"] for r in stripe_shop.calls("/v1/refunds")][-1] == [f"pi_race_{round_}"]
        assert [change.status for change in stored.history][:2] in (["placed", "paid"], ["placed", "cancelled"])
        assert len([change for change in stored.history if change.status in ("paid", "cancelled")]) == 1 + (paid != "paid")


@pytest.mark.usefixtures("tables")
def test_a_shopper_can_cancel_only_after_confirming():
    client, customer = signed_in_client()
    product = make_product(stock=5)
    _, placed = shopper_checkout(client, product)
    order_id = placed["Location"].rstrip("/").split("/")[-1]
    ask = client.get(f"/account/orders/{order_id}/cancel/")
    assert ask.status_code == 200 and "Yes, cancel the order" in ask.content.decode()
    assert selectors.order_find(order_id=order_id).status == "placed"
    client.post(f"/account/orders/{order_id}/cancel/")
    assert selectors.order_find(order_id=order_id).status == "cancelled" and stock_of(product) == 5
    again = client.get(f"/account/orders/{order_id}/cancel/")
    assert again.status_code == 302


@pytest.mark.usefixtures("tables")
def test_an_event_already_recorded_changes_nothing_even_inside_the_transaction():
    """The record's condition is part of the order's transaction: a repeat that slips past the first check still fails."""
    order, product = placed_order(provider="stripe")
    payment_events._record("event:stripe:evt_seen", order_id=order.order_id, outcome="paid").save()
    with pytest.raises(services.DuplicateEvent):
        services.order_transition(order_id=order.order_id, status="paid", actor="stripe",
                                  record=payment_events._record("event:stripe:evt_seen", order_id=order.order_id, outcome="paid"))
    assert selectors.order_find(order_id=order.order_id).status == "placed" and stock_of(product) == 3


@pytest.mark.usefixtures("tables")
def test_claims_racing_for_the_same_guest_orders_move_each_once(conflict_hold):
    from orders.services import GuestShopper

    product = make_product(stock=20)
    guest = GuestShopper(email="race@example.com")
    for _ in range(3):
        services.cart_add(cart_id="session#race", product_id=product.product_id, quantity=1)
        services.order_place(customer=guest, cart_id="session#race", token=str(uuid.uuid4()), address=ADDRESS)
    owner = make_customer(email="race@example.com")
    with ThreadPoolExecutor(max_workers=4) as pool:
        moved = list(pool.map(lambda _: services.guest_orders_claim(customer=owner), range(4)))
    assert sum(moved) == 3
    assert len(selectors.order_list_for_customer(customer_id=owner.customer_id).items) == 3


@pytest.mark.usefixtures("tables")
def test_events_for_unknown_payments_or_of_unknown_kinds_are_recorded_and_ignored():
    assert services.payment_event_apply(event_id="stripe:evt_a", kind="refunded", order_id=None,
                                        payment_ref="pi_never_seen") == ("ignored", None)
    assert services.payment_event_apply(event_id="stripe:evt_a", kind="refunded", order_id=None,
                                        payment_ref="pi_never_seen")[0] == "duplicate"
    order, _ = placed_order(provider="manual")
    outcome, same = services.payment_event_apply(event_id="stripe:evt_b", kind="disputed", order_id=order.order_id)
    assert outcome == "ignored" and same.order_id == order.order_id


@pytest.mark.usefixtures("tables")
def test_a_repeat_that_slips_past_the_first_check_is_still_a_duplicate(monkeypatch):
    """Two deliveries of one event at once both find no record; the one that loses is told so by the database."""
    from orders.models import PaymentRecord

    order, product = placed_order(provider="stripe")
    assert services.payment_event_apply(event_id="stripe:evt_x", kind="paid", order_id=order.order_id,
                                        payment_ref="pi_x")[0] == "paid"
    monkeypatch.setattr(PaymentRecord, "count", classmethod(lambda cls, *args, **kwargs: 0))
    # Inside the transaction: the record's condition fails.
    services.order_transition(order_id=order.order_id, status="shipped", actor="staff")
    second = services.payment_event_apply(event_id="stripe:evt_x", kind="refunded", order_id=order.order_id)
    assert second[0] == "duplicate"
    # After the fallback (an expiry for a paid order): the record's conditional save fails.
    assert services.payment_event_apply(event_id="stripe:evt_x", kind="expired", order_id=order.order_id)[0] == "duplicate"
    assert selectors.order_find(order_id=order.order_id).status == "shipped" and stock_of(product) == 3


@pytest.mark.usefixtures("tables")
def test_release_skips_waiting_orders_whose_time_has_not_run_out():
    order, product = placed_order(provider="manual")
    selectors.order_find(order_id=order.order_id).update(actions=[
        Order.created_at.set(timezone.now() - timedelta(days=30)), Order.pay_by.set(timezone.now() + timedelta(hours=1))])
    assert services.order_release_unpaid() == []
    assert selectors.order_find(order_id=order.order_id).status == "placed" and stock_of(product) == 3


@pytest.mark.usefixtures("tables")
def test_release_finds_every_expired_order_however_many_unexpired_ones_are_older():
    waiting = []
    for n in range(110):  # manual orders, older than any card order, still inside their week
        order, _ = placed_order(provider="manual", stock=1, quantity=1)
        waiting.append(order)
        selectors.order_find(order_id=order.order_id).update(actions=[
            Order.created_at.set(timezone.now() - timedelta(days=3, minutes=n))])
    card, product = placed_order(provider="manual")
    selectors.order_find(order_id=card.order_id).update(actions=[Order.pay_by.set(timezone.now() - timedelta(minutes=1))])
    released = services.order_release_unpaid()
    assert [order.order_id for order in released] == [card.order_id]
    assert stock_of(product) == 5


@pytest.mark.usefixtures("tables")
def test_staff_refund_a_card_order_through_stripe_once(stripe_shop, staff_client):
    order, product = placed_order(provider="stripe")
    deliver(session_completed(order, intent="pi_refund_me"))
    paid = selectors.order_find(order_id=order.order_id)
    page = staff_client.get(f"/staff/orders/{order.order_id}/").content.decode()
    assert "Refund $35.00 through Stripe" in page  # 2 x $15.00 + $5.00 shipping
    staff_client.post(f"/staff/orders/{order.order_id}/status/", {"status": "refunded", "version": paid.version})
    refunds = stripe_shop.calls("/v1/refunds")
    assert [r[1]["payment_intent"] for r in refunds] == [["pi_refund_me"]] and refunds[0][2] == f"refund-{order.order_id}"
    assert selectors.order_find(order_id=order.order_id).status == "refunded" and stock_of(product) == 5
    charge = {"id": "ch_1", "object": "charge", "payment_intent": "pi_refund_me", "amount": 3500, "amount_refunded": 3500}
    assert deliver(event("charge.refunded", charge)).json()["result"] == "ignored: order is refunded"  # Stripe's echo
    stripe_shop.close()  # the payment service is gone: nothing is refunded, nothing changes
    other, _ = placed_order(provider="stripe")
    deliver(session_completed(other, intent="pi_down"))
    version = selectors.order_find(order_id=other.order_id).version
    page = staff_client.post(f"/staff/orders/{other.order_id}/status/", {"status": "refunded", "version": version}, follow=True)
    assert "nothing was refunded" in page.content.decode()
    assert selectors.order_find(order_id=other.order_id).status == "paid"


@pytest.mark.usefixtures("tables")
def test_a_release_decided_before_a_payment_never_cancels_the_paid_order(stripe_shop):
    """The release reads the waiting orders, then a payment lands, then the release acts: it must leave the order paid."""
    order, product = placed_order(provider="stripe")
    selectors.order_find(order_id=order.order_id).update(actions=[
        Order.pay_by.set(timezone.now() - timedelta(seconds=1)), Order.created_at.set(timezone.now() - timedelta(days=30))])
    real_query = Order.pay_by_index.query

    def query_then_pay(*args, **kwargs):
        found = list(real_query(*args, **kwargs))
        assert deliver(session_completed(order, intent="pi_between")).json()["result"] == "paid"
        return iter(found)

    Order.pay_by_index.query = query_then_pay
    try:
        assert services.order_release_unpaid() == []
    finally:
        Order.pay_by_index.query = real_query
    assert selectors.order_find(order_id=order.order_id).status == "paid" and stock_of(product) == 3
    expiry_after_payment = session_expired(order)
    assert deliver(expiry_after_payment).json()["result"] == "ignored: order is paid"
