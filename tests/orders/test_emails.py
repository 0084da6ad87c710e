"""The shopper hears about their account and order by email; a mail outage never costs an order."""
import io
import re

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.core.management import call_command
from django.test import Client

from shopsite.models import OutboxMessage
from shopsite.streams import StreamReader
from tests.factories import PASSWORD, make_product, signup_confirmed

pytestmark = pytest.mark.usefixtures("tables")

ADDRESS = {"name": "Ada Lovelace", "line1": "1 Main St", "line2": "", "city": "Springfield", "postal_code": "12345", "country": "US"}


def buy(client, product):
    client.post("/cart/add/", {"product_id": product.product_id, "quantity": 2})
    client.post("/checkout/", ADDRESS)
    placing = dict(re.findall(r'name="(token|reviewed)" value="([^"]+)"', client.get("/checkout/review/").content.decode()))
    return client.post("/checkout/place/", placing)


def signed_up(email="buyer@example.com"):
    client = Client()
    signup_confirmed(client, {"email": email, "password": PASSWORD, "password_confirm": PASSWORD, "first_name": "Bo"})
    mail.outbox[:] = [m for m in mail.outbox if "Confirm your email" not in m.subject]
    return client


def test_welcome_then_order_confirmation_then_each_status(staff_client, streams):
    client = signed_up()
    assert [m.subject for m in mail.outbox] == ["Shopsite: Welcome"]
    assert "Welcome, Bo!" in mail.outbox[0].body and "http://testserver/account/login/" in mail.outbox[0].body
    placed = buy(client, make_product(name="Oak Board", stock=5, price_cents=1999))
    order_id = placed["Location"].rstrip("/").split("/")[-1]
    assert len(mail.outbox) == 1  # the confirmation goes from the orders stream, not the request
    streams.drain()
    confirmation = mail.outbox[1]
    number = re.search(r"Order (\d+) received", confirmation.subject).group(1)
    assert confirmation.to == ["buyer@example.com"]
    assert "2 × Oak Board" in confirmation.body and "$44.98" in confirmation.body
    assert f"http://testserver/account/orders/{order_id}/" in confirmation.body
    html = confirmation.alternatives[0][0]
    assert html.startswith("<!doctype html>") and "Oak Board" in html and "<script" not in html
    client.post("/checkout/place/", {"token": order_id})  # a repeat sends nothing more
    streams.drain()
    assert len(mail.outbox) == 2
    for status, subject in (("paid", f"Payment received for order {number}"), ("shipped", f"Order {number} has shipped")):
        version = re.search(r'name="version" value="(\d+)"', staff_client.get(f"/staff/orders/{order_id}/").content.decode()).group(1)
        staff_client.post(f"/staff/orders/{order_id}/status/", {"status": status, "version": version})
        streams.drain()
        assert mail.outbox[-1].subject == f"Shopsite: {subject}"
    assert len(mail.outbox) == 4


def test_a_customer_cancelling_gets_a_cancellation_email(streams):
    client = signed_up()
    placed = buy(client, make_product(stock=5))
    order_id = placed["Location"].rstrip("/").split("/")[-1]
    client.post(f"/account/orders/{order_id}/cancel/")
    streams.drain()
    assert "is cancelled" in mail.outbox[-1].subject


def test_a_mail_outage_never_breaks_the_order_and_the_outbox_sends_later(monkeypatch, streams):
    client = signed_up()
    mail.outbox.clear()
    sent = EmailMultiAlternatives.send

    def broken(self, *args, **kwargs):
        raise ConnectionError("SES is down")

    monkeypatch.setattr(EmailMultiAlternatives, "send", broken)
    again = StreamReader(start="LATEST")  # reads the same records a second time: a redelivery
    placed = buy(client, make_product(stock=5))
    assert placed.status_code == 302 and "/checkout/done/" in placed["Location"]
    assert "Thank you" in client.get(placed["Location"]).content.decode()
    streams.drain()  # the stream's consumer renders the confirmation, fails to send it, keeps it in the outbox
    again.drain()  # a redelivered record queues nothing twice
    waiting = list(OutboxMessage.query("pending"))
    assert len(waiting) == 1 and "received" in waiting[0].subject
    out = io.StringIO()
    call_command("send_outbox", stdout=out)  # still down: kept, attempt counted
    assert "Sent 0; 1 still waiting." in out.getvalue()
    assert [int(m.attempts) for m in OutboxMessage.query("pending")] == [2]
    monkeypatch.setattr(EmailMultiAlternatives, "send", sent)
    call_command("send_outbox", stdout=out)
    assert "Sent 1; 0 still waiting." in out.getvalue()
    assert list(OutboxMessage.query("pending")) == [] and "received" in mail.outbox[0].subject


def test_every_scheduled_job_in_zappa_settings_runs():
    """Zappa's events call these functions with (event, context); a typo would fail only on AWS."""
    import importlib
    import json
    from pathlib import Path

    settings = json.loads((Path(__file__).resolve().parents[2] / "zappa_settings.json").read_text())
    events = settings["base"]["events"]
    assert events
    for event in events:
        module, name = event["function"].rsplit(".", 1)
        result = getattr(importlib.import_module(module), name)({"source": "aws.events"}, None)
        assert isinstance(result, dict), event
        assert event["expression"].startswith("rate(")


@pytest.mark.parametrize("who", ["shopper", "guest"])
def test_placing_the_same_review_again_shows_the_order_once_placed_not_an_empty_cart(who):
    """Back after checkout, then "Place order" on the old review page: the shopper (or guest) lands on their order,
    told it is already placed, and nothing is ordered twice."""
    client = signed_up() if who == "shopper" else Client()
    client.post("/cart/add/", {"product_id": make_product(stock=5).product_id, "quantity": 1})
    client.post("/checkout/", ADDRESS if who == "shopper" else dict(ADDRESS, email="guest@example.com"))
    review = client.get("/checkout/review/")
    assert review["Cache-Control"] == "no-store"  # Back asks the server again
    placing = dict(re.findall(r'name="(token|reviewed)" value="([^"]+)"', review.content.decode()))
    first = client.post("/checkout/place/", placing)
    again = client.post("/checkout/place/", placing, follow=True)
    assert again.redirect_chain[-1][0] == first["Location"]
    page = again.content.decode()
    assert "is already placed; nothing was ordered twice." in page and "Your cart is empty" not in page
    assert client.get("/checkout/review/", follow=True).redirect_chain[-1][0] == "/cart/"  # the old review is gone
