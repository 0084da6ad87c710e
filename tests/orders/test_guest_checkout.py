"""Guest checkout: an email and an address are enough; a signed link shows the order; a later account claims it."""
import pytest
import re

from django.core import mail
from django.test import Client

from catalog import selectors as catalog_selectors
from orders import selectors
from tests.factories import PASSWORD, make_customer, make_product, signup_confirmed

pytestmark = pytest.mark.usefixtures("tables")

ADDRESS = {"name": "Grace Hopper", "line1": "1 Navy Way", "line2": "", "city": "Arlington", "postal_code": "22202", "country": "US"}


def guest_order(client, product, email="Guest@Example.com"):
    client.post("/cart/add/", {"product_id": product.product_id, "quantity": 2})
    assert client.post("/checkout/", dict(ADDRESS, email="not-an-email")).status_code == 400
    assert client.post("/checkout/", dict(ADDRESS, email=email))["Location"] == "/checkout/review/"
    review = client.get("/checkout/review/")
    assert review.status_code == 200
    placing = dict(re.findall(r'name="(token|reviewed)" value="([^"]+)"', review.content.decode()))
    placed = client.post("/checkout/place/", placing)
    assert placed["Location"].startswith("/checkout/done/")
    return placed["Location"].rstrip("/").split("/")[-1]


def link_in(message) -> str:
    return re.search(r"http://testserver(/orders/link/[^/\s]+/)", message.body).group(1)


def test_a_guest_orders_with_an_email_and_reads_the_order_through_the_emailed_link(streams):
    product = make_product(stock=5, price_cents=1500)
    browser = Client()
    order_id = guest_order(browser, product)
    order = selectors.order_find(order_id=order_id)
    assert order.email == "guest@example.com" and order.customer_id == "guest#guest@example.com"
    assert catalog_selectors.product_find(product_id=product.product_id).stock == 3
    assert f"Order {order.reference}" in browser.get(f"/checkout/done/{order_id}/").content.decode()
    streams.drain()  # the confirmation goes from the orders stream
    [confirmation] = mail.outbox
    assert confirmation.to == ["guest@example.com"] and order.reference in confirmation.subject
    link = link_in(confirmation)
    assert f"/account/orders/{order_id}/" not in confirmation.body  # a guest has no account page
    stranger = Client()
    assert stranger.get(f"/account/orders/{order_id}/")["Location"].startswith("/account/login/")
    shopper = Client()
    shopper.post("/account/login/", {"email": make_customer().email, "password": PASSWORD})
    assert shopper.get(f"/account/orders/{order_id}/").status_code == 404  # someone else's order
    reader = Client()
    assert reader.get(link)["Location"] == f"/account/orders/{order_id}/"
    assert f"Order {order.reference}" in reader.get(f"/account/orders/{order_id}/").content.decode()
    assert Client().get(link[:-3] + "xx/").status_code == 404  # tampered
    # The guest can cancel from the link too (after confirming), and the stock comes back.
    assert "Yes, cancel the order" in reader.get(f"/account/orders/{order_id}/cancel/").content.decode()
    reader.post(f"/account/orders/{order_id}/cancel/")
    assert selectors.order_find(order_id=order_id).status == "cancelled"
    assert catalog_selectors.product_find(product_id=product.product_id).stock == 5


def test_signing_up_later_offers_the_guest_orders_and_only_that_inbox_can_add_them():
    order_id = guest_order(Client(), make_product(stock=5), email="later@example.com")
    mail.outbox.clear()
    browser = Client()
    signup_confirmed(browser, {"email": "later@example.com", "password": PASSWORD, "password_confirm": PASSWORD})
    assert [m.subject for m in mail.outbox] == ["Shopsite: Confirm your email to finish signing up", "Shopsite: Welcome",
                                                "Shopsite: Your earlier orders"]
    assert order_id not in browser.get("/account/orders/").content.decode()  # not before the email is proven
    claim = re.search(r"http://testserver(/account/orders/claim/[^/\s]+/)", mail.outbox[2].body).group(1)
    intruder = Client()
    intruder.post("/account/login/", {"email": make_customer().email, "password": PASSWORD})
    assert "not valid for your account" in intruder.get(claim, follow=True).content.decode()
    response = browser.get(claim, follow=True)
    assert "1 earlier order added to your account." in response.content.decode()
    assert order_id in browser.get("/account/orders/").content.decode()
    assert browser.get(f"/account/orders/{order_id}/").status_code == 200
    assert "0 earlier orders added" in browser.get(claim, follow=True).content.decode()  # nothing twice


def test_an_account_without_guest_orders_gets_no_claim_email():
    signup_confirmed(Client(), {"email": "new@example.com", "password": PASSWORD, "password_confirm": PASSWORD})
    assert [m.subject for m in mail.outbox] == ["Shopsite: Confirm your email to finish signing up", "Shopsite: Welcome"]


def test_a_guest_link_expires_and_a_fresh_one_goes_only_to_the_orders_email(settings, streams):
    from orders import selectors as order_selectors
    from shopsite.emails import outbox_send

    order_id = guest_order(Client(), make_product(stock=5), email="guest@example.com")
    streams.drain()
    link = link_in(mail.outbox[-1])
    settings.GUEST_LINK_SECONDS = -1  # its time is over
    expired = Client().get(link)
    assert expired.status_code == 410 and "That link has expired" in expired.content.decode()
    settings.GUEST_LINK_SECONDS = 30 * 24 * 3600
    reference = order_selectors.order_find(order_id=order_id).reference.lstrip("#")
    mail.outbox.clear()
    answers = []
    for email, number in (("other@example.com", reference), ("guest@example.com", "999999"), ("guest@example.com", reference)):
        response = Client().post("/orders/link/", {"email": email, "reference": number}, follow=True)
        answers.append([str(m) for m in response.context["messages"]])
    assert answers[0] == answers[1] == answers[2] and "If an order with that number" in answers[0][0]
    assert mail.outbox == []  # decided in the job, not in the request
    outbox_send()
    assert [m.to for m in mail.outbox] == [["guest@example.com"]]
    fresh = Client()
    assert fresh.get(link_in(mail.outbox[0]), follow=True).status_code == 200
    assert fresh.get(f"/account/orders/{order_id}/").status_code == 200
    bad = Client().post("/orders/link/", {"email": "nope", "reference": "abc"})
    assert bad.status_code == 400 and "Type the order number" in bad.content.decode()
