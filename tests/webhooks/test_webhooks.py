"""Webhooks for order events: signed, once per event, in stream order, retried, shown in the console, and never
in the checkout's way. A local HTTP server in the test is the integrator's endpoint."""
import json
import re
import socket
import threading
import uuid
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone

from orders import services as order_services
from shopsite.streams import StreamReader
from tests.factories import make_customer, make_product
from webhooks import services
from webhooks.delivery import UrlRefused, url_target
from webhooks.models import WebhookDelivery
from webhooks.selectors import endpoint_list

ROOT = Path(__file__).resolve().parents[2]
ADDRESS = {"name": "Ada Lovelace", "line1": "1 Main St", "line2": "", "city": "Springfield", "postal_code": "12345",
           "country": "US"}


def readme_verifier():
    """The verification snippet exactly as the README documents it."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Webhooks", 1)[1].split("\n## ", 1)[0]
    [code] = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)
    namespace: dict = {}
    exec(code, namespace)  # noqa: S102 - our own README's snippet, run as an integrator would
    return namespace["shopsite_event_is_genuine"]


class Receiver:
    """An integrator's endpoint: records each request; answers *status*."""

    def __init__(self, status: int = 200):
        self.status, self.requests = status, []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"headers": dict(self.headers), "body": body})
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/shop?from=shopsite"

    def types(self) -> list[str]:
        return [request["headers"]["Shopsite-Event"] for request in self.requests]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


def dead_url() -> str:
    """A local port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/hooks"


def place_order(*, stock=5, quantity=1):
    shopper = make_customer()
    product = make_product(stock=stock, price_cents=1500)
    cart_id = order_services.cart_id_for_customer(shopper.customer_id)
    order_services.cart_add(cart_id=cart_id, product_id=product.product_id, quantity=quantity)
    order, _ = order_services.order_place(customer=shopper, cart_id=cart_id, token=str(uuid.uuid4()), address=ADDRESS)
    return order, product


@pytest.mark.usefixtures("tables")
def test_each_event_reaches_the_endpoint_once_signed_and_in_stream_order(streams, receiver):
    _, secret = services.endpoint_create(url=receiver.url, events={"order.placed", "order.paid", "order.shipped",
                                                                    "order.refunded"}, actor="owner@example.com")
    again = StreamReader(start="LATEST")  # reads the same records a second time: a redelivery
    order, _ = place_order()
    assert receiver.requests == []  # nothing is sent from the request that placed the order
    for status in ("paid", "shipped"):
        order_services.order_transition(order_id=order.order_id, status=status, actor="staff@example.com")
    order_services.order_refund(order_id=order.order_id, actor="staff@example.com")
    streams.drain()

    assert receiver.types() == ["order.placed", "order.paid", "order.shipped", "order.refunded"]
    genuine = readme_verifier()
    for request in receiver.requests:
        headers, body = request["headers"], request["body"]
        assert genuine(secret, body, headers["Shopsite-Signature"])
        assert not genuine("whsec_someone-else", body, headers["Shopsite-Signature"])
        assert not genuine(secret, body + b" ", headers["Shopsite-Signature"])  # a changed body fails
        event = json.loads(body)
        assert event["id"] == headers["Shopsite-Event-Id"] and event["type"] == headers["Shopsite-Event"]
        assert event["data"]["order"]["id"] == order.order_id
    assert json.loads(receiver.requests[-1]["body"])["data"]["order"]["status"] == "refunded"

    # The stream delivers at least once: the same records again send nothing twice.
    again.drain()
    assert len(receiver.requests) == 4


@pytest.mark.usefixtures("tables")
def test_a_failing_endpoint_is_retried_with_backoff_then_shown_failed_and_sent_again_from_the_console(
        streams, staff_client):
    failing = Receiver(status=500)
    try:
        endpoint, _ = services.endpoint_create(url=failing.url, events={"order.placed"}, actor="owner@example.com")
        place_order()
        streams.drain()
        [delivery] = WebhookDelivery.query(endpoint.endpoint_id)
        assert (delivery.status, delivery.attempts, delivery.last_error) == ("retrying", 1, "HTTP 500.")
        assert services.deliveries_retry_due() == (0, 0)  # not due yet: the next attempt is a minute away
        now = timezone.now()
        for delay in services.RETRY_DELAYS:
            now += timedelta(seconds=delay + 1)
            assert services.deliveries_retry_due(now=now) == (0, 1)
        [delivery] = WebhookDelivery.query(endpoint.endpoint_id)
        assert (delivery.status, delivery.attempts, delivery.due) == ("failed", 8, None)
        assert len(failing.requests) == 8 and len({r["headers"]["Shopsite-Event-Id"] for r in failing.requests}) == 1

        page = staff_client.get(f"/staff/webhooks/{endpoint.endpoint_id}/").content.decode()
        assert "Failed" in page and "HTTP 500." in page and ">8<" in page
        failing.status = 200
        response = staff_client.post(f"/staff/webhooks/{endpoint.endpoint_id}/resend/",
                                     {"delivery": delivery.delivery_key}, follow=True)
        assert "delivered" in response.content.decode()
        [delivery] = WebhookDelivery.query(endpoint.endpoint_id)
        assert (delivery.status, delivery.attempts) == ("succeeded", 9) and len(failing.requests) == 9
    finally:
        failing.close()


@pytest.mark.usefixtures("tables")
def test_checkout_neither_calls_the_endpoint_nor_sends_the_email(streams, customer_client):
    """The endpoint is down during the whole test; the checkout request writes the order and answers, and only
    the stream consumer afterwards tries the endpoint (and sends the confirmation)."""
    endpoint, _ = services.endpoint_create(url=dead_url(), events={"order.placed"}, actor="owner@example.com")
    product = make_product(stock=3, price_cents=900)
    customer_client.post("/cart/add/", {"product_id": product.product_id, "quantity": 1})
    customer_client.post("/checkout/", ADDRESS)
    review = customer_client.get("/checkout/review/").content.decode()
    placed = customer_client.post("/checkout/place/", dict(re.findall(r'name="(token|reviewed)" value="([^"]+)"', review)))
    assert placed.status_code == 302 and "/checkout/done/" in placed["Location"]
    assert list(WebhookDelivery.query(endpoint.endpoint_id)) == []  # the request made no delivery
    assert mail.outbox == []  # nor sent the email
    streams.drain()
    [delivery] = WebhookDelivery.query(endpoint.endpoint_id)
    assert delivery.status == "retrying" and delivery.last_error.startswith("No answer")
    assert [message.subject for message in mail.outbox] == [mail.outbox[0].subject]
    assert "received" in mail.outbox[0].subject


@pytest.mark.usefixtures("tables")
def test_a_sold_out_product_is_an_event(streams, receiver):
    services.endpoint_create(url=receiver.url, events={"product.out_of_stock"}, actor="owner@example.com")
    _, product = place_order(stock=2, quantity=2)
    place_order(stock=5, quantity=1)  # another product, still in stock
    streams.drain()
    assert receiver.types() == ["product.out_of_stock"]
    assert json.loads(receiver.requests[0]["body"])["data"]["product"]["id"] == product.product_id


@pytest.mark.parametrize("url", ["https://169.254.169.254/latest/meta-data/", "https://10.0.0.1/hook",
                                 "https://localhost/hook", "https://127.0.0.1.nip.io.invalid/hook",
                                 "http://example.com/hook", "ftp://example.com/", "https://user:pw@example.com/"])
def test_production_refuses_what_is_not_a_public_https_address(settings, url):
    settings.WEBHOOK_REQUIRE_HTTPS, settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True, False
    with pytest.raises(UrlRefused):
        url_target(url)


def test_production_settings_refuse_private_addresses_whatever_the_environment_says():
    import subprocess
    import sys

    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "shopsite.settings.production",
           "DJANGO_SECRET_KEY": "x" * 50, "DJANGO_ALLOWED_HOSTS": "shop.example.com", "STATIC_BUCKET": "b",
           "WEBHOOK_ALLOW_PRIVATE_ADDRESSES": "1", "WEBHOOK_REQUIRE_HTTPS": "0"}
    script = ("import django; django.setup(); from django.conf import settings; "
              "print(settings.WEBHOOK_REQUIRE_HTTPS, settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES)")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.stdout.split() == ["True", "False"], result.stderr


@pytest.mark.usefixtures("tables")
def test_the_console_refuses_a_private_address_with_a_message(staff_client, settings):
    settings.WEBHOOK_REQUIRE_HTTPS, settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True, False
    response = staff_client.post("/staff/webhooks/", {"url": "https://169.254.169.254/", "events": ["order.paid"]})
    assert response.status_code == 400  # the form again, with its message (shopsite.form_pages.render_form)
    assert "is not a public address" in response.content.decode()
    assert endpoint_list() == []


@pytest.mark.usefixtures("tables")
def test_an_owner_disables_enables_and_deletes_an_endpoint_and_a_disabled_one_gets_nothing(staff_client, streams,
                                                                                           receiver):
    endpoint, _ = services.endpoint_create(url=receiver.url, events={"order.placed"}, actor="owner@example.com")
    staff_client.post(f"/staff/webhooks/{endpoint.endpoint_id}/toggle/")
    place_order()
    streams.drain()
    assert receiver.requests == [] and list(WebhookDelivery.query(endpoint.endpoint_id)) == []
    staff_client.post(f"/staff/webhooks/{endpoint.endpoint_id}/toggle/")
    place_order()
    streams.drain()
    assert receiver.types() == ["order.placed"]
    response = staff_client.post(f"/staff/webhooks/{endpoint.endpoint_id}/delete/", follow=True)
    assert "receives nothing more" in response.content.decode() and endpoint_list() == []
    assert staff_client.get(f"/staff/webhooks/{endpoint.endpoint_id}/").status_code == 404
    assert staff_client.post(f"/staff/webhooks/{endpoint.endpoint_id}/resend/", {"delivery": "x"}).status_code == 404


@pytest.mark.usefixtures("tables")
def test_unknown_events_none_at_all_or_too_many_endpoints_are_refused(settings, receiver):
    with pytest.raises(ValueError):
        services.endpoint_create(url=receiver.url, events={"order.teleported"}, actor="owner@example.com")
    with pytest.raises(ValueError):
        services.endpoint_create(url=receiver.url, events=set(), actor="owner@example.com")
    for _ in range(20):
        services.endpoint_create(url=receiver.url, events={"order.paid"}, actor="owner@example.com")
    with pytest.raises(services.TooManyEndpoints):
        services.endpoint_create(url=receiver.url, events={"order.paid"}, actor="owner@example.com")


@pytest.mark.usefixtures("tables")
def test_a_due_delivery_whose_endpoint_went_away_is_marked_failed(streams):
    failing = Receiver(status=503)
    try:
        endpoint, _ = services.endpoint_create(url=failing.url, events={"order.placed"}, actor="owner@example.com")
        place_order()
        streams.drain()
        services.endpoint_set_active(endpoint_id=endpoint.endpoint_id, active=False, actor="owner@example.com")
        assert services.deliveries_retry_due(now=timezone.now() + timedelta(minutes=2)) == (0, 1)
        [delivery] = WebhookDelivery.query(endpoint.endpoint_id)
        assert delivery.status == "failed" and "disabled or deleted" in delivery.last_error
    finally:
        failing.close()


@pytest.mark.usefixtures("tables")
def test_shoppers_and_non_owners_cannot_reach_the_webhook_pages(customer_client):
    from django.test import Client

    from tests.factories import PASSWORD, make_staff

    assert Client().get("/staff/webhooks/")["Location"].startswith("/staff/login/")
    assert customer_client.get("/staff/webhooks/").status_code == 403  # a shopper is no staff
    clerk, colleague = make_staff(role="staff"), Client()
    colleague.post("/staff/login/", {"email": clerk.email, "password": PASSWORD})
    assert colleague.get("/staff/webhooks/").status_code == 403
    assert colleague.post("/staff/webhooks/", {"url": "https://example.com/", "events": ["order.paid"]}).status_code == 403


@pytest.mark.usefixtures("tables")
def test_a_batch_that_spent_its_time_records_the_rest_for_the_retry_job(streams, receiver, settings):
    settings.WEBHOOK_BATCH_SECONDS = 0  # as if a dead endpoint had eaten the batch's time
    endpoint, _ = services.endpoint_create(url=receiver.url, events={"order.placed"}, actor="owner@example.com")
    place_order()
    streams.drain()
    [delivery] = WebhookDelivery.query(endpoint.endpoint_id)
    assert receiver.requests == [] and (delivery.status, delivery.attempts, delivery.due) == ("pending", 0, "due")
    settings.WEBHOOK_BATCH_SECONDS = 10
    assert services.deliveries_retry_due() == (1, 0)  # the next run of the job sends it
    assert receiver.types() == ["order.placed"]
