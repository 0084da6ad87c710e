"""Guest checkout: an email and an address are enough; a signed link shows the order; a later account claims it."""
import re

from django.core import mail
from django.test import Client

from catalog import selectors as catalog_selectors
from orders import selectors
from tests.factories import PASSWORD, make_customer, make_product

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


def test_a_guest_orders_with_an_email_and_reads_the_order_through_the_emailed_link():
    product = make_product(stock=5, price_cents=1500)
    browser = Client()
    order_id = guest_order(browser, product)
    order = selectors.order_find(order_id=order_id)
    assert order.email == "guest@example.com" and order.customer_id == "guest#guest@example.com"
    assert catalog_selectors.product_get(product_id=product.product_id).stock == 3
    assert f"Order {order.reference}" in browser.get(f"/checkout/done/{order_id}/").content.decode()
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
    assert catalog_selectors.product_get(product_id=product.product_id).stock == 5


def test_signing_up_later_offers_the_guest_orders_and_only_that_inbox_can_add_them():
    order_id = guest_order(Client(), make_product(stock=5), email="later@example.com")
    mail.outbox.clear()
    browser = Client()
    browser.post("/account/signup/", {"email": "later@example.com", "password": PASSWORD, "password_confirm": PASSWORD})
    assert [m.subject for m in mail.outbox] == ["Shopsite: Welcome", "Shopsite: Your earlier orders"]
    assert order_id not in browser.get("/account/orders/").content.decode()  # not before the email is proven
    claim = re.search(r"http://testserver(/account/orders/claim/[^/\s]+/)", mail.outbox[1].body).group(1)
    intruder = Client()
    intruder.post("/account/login/", {"email": make_customer().email, "password": PASSWORD})
    assert "not valid for your account" in intruder.get(claim, follow=True).content.decode()
    response = browser.get(claim, follow=True)
    assert "1 earlier order added to your account." in response.content.decode()
    assert order_id in browser.get("/account/orders/").content.decode()
    assert browser.get(f"/account/orders/{order_id}/").status_code == 200
    assert "0 earlier orders added" in browser.get(claim, follow=True).content.decode()  # nothing twice


def test_an_account_without_guest_orders_gets_no_claim_email():
    Client().post("/account/signup/", {"email": "new@example.com", "password": PASSWORD, "password_confirm": PASSWORD})
    assert [m.subject for m in mail.outbox] == ["Shopsite: Welcome"]
