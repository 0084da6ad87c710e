"""The three journeys a person takes through the shop, in a real browser."""
import re
import uuid

import pytest

from catalog import services as catalog_services
from catalog.images import placeholder_png
from orders import services as order_services
from tests.factories import PASSWORD, make_category, make_customer, make_product, make_staff

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("tables")]


def seed_shop():
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    kitchen = make_category(name="Kitchen", slug="kitchen")
    make_category(name="Garden", slug="garden", position=1)
    for i, (name, price, stock) in enumerate([("Chef Knife", 3499, 12), ("Cast Iron Pan", 5999, 3),
                                               ("Copper Kettle", 4599, 0), ("Oak Board", 2499, 30)]):
        data = placeholder_png(width=400, height=300, colour=(200 - i * 30, 120, 80 + i * 30), seed=i)
        image = default_storage.save(f"demo/e2e-{i}.png", ContentFile(data))
        catalog_services.image_thumbnails_save(path=image, data=data)
        make_product(category=kitchen, name=name, slug=name.lower().replace(" ", "-"), price_cents=price, stock=stock,
                     description=f"A lovely {name.lower()} for every kitchen.", image=image)
    return kitchen


def test_shopper_journey(journey):
    seed_shop()
    j = journey("shopper")
    page = j.page
    j.goto("/")
    j.shot("home")
    j.goto("/products/?sort=price")
    j.shot("listing")
    j.goto("/")
    page.get_by_role("link", name="Kitchen").first.click()
    j.after_navigation()
    j.shot("category")
    page.get_by_role("link", name="Cast Iron Pan").click()
    j.after_navigation()
    j.shot("product")
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()
    j.after_navigation()
    assert "Added to your cart" in page.content()
    page.get_by_label("Quantity of Cast Iron Pan").fill("3")
    page.get_by_role("button", name="Update").click()
    j.after_navigation()
    assert page.get_by_label("Quantity of Cast Iron Pan").input_value() == "3"
    assert "$179.97" in page.content()
    j.shot("cart")
    page.get_by_role("link", name="Check out").click()
    j.after_navigation()
    assert "checking out as a guest" in page.content()
    page.get_by_role("link", name="create an account").click()
    j.after_navigation()
    assert "/account/signup/" in page.url
    j.shot("signup")
    page.get_by_label("Email").fill("grace@example.com")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_label("First name").fill("Grace")
    page.get_by_label("Last name").fill("Hopper")
    page.get_by_role("button", name="Create account").click()
    j.after_navigation()
    assert "Check your inbox" in page.content()
    j.shot("signup_sent")
    from django.core import mail

    link = re.search(r"https?://[^/\s]+(/account/signup/confirm/[^/\s]+/)", mail.outbox[-1].body).group(1)
    j.goto(link)
    page.get_by_role("button", name="Create my account").click()
    j.after_navigation()
    assert page.url.endswith("/checkout/")
    page.get_by_label("Full name").fill("Grace Hopper")
    page.get_by_label("Address line 1").fill("1 Navy Way")
    page.get_by_label("City").fill("Arlington")
    page.get_by_label("Postal code").fill("22202")
    page.get_by_label("Country").select_option("US")
    j.shot("checkout")
    page.get_by_role("button", name="Continue to review").click()
    j.after_navigation()
    j.shot("review")
    page.get_by_role("button", name="Place order").click()
    j.after_navigation()
    assert "/checkout/done/" in page.url and "Thank you" in page.content()
    j.shot("confirmation")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Orders").click()
    j.after_navigation()
    j.shot("order-history")
    page.locator("table a").first.click()
    j.after_navigation()
    j.shot("order-detail")
    page.get_by_role("link", name="Cancel this order").click()
    j.after_navigation()
    j.shot("cancel-confirm")
    page.get_by_role("button", name="Yes, cancel the order").click()
    j.after_navigation()
    assert "Your order is cancelled" in page.content()
    assert j.validate_html() >= 10


def _staff_login(j, staff):
    j.goto("/staff/")
    assert "/staff/login/" in j.page.url
    j.page.get_by_label("Email").fill(staff.email)
    j.page.get_by_label("Password").fill(PASSWORD)
    j.page.get_by_role("button", name="Sign in").click()
    j.after_navigation()


def test_staff_journey(journey, tmp_path):
    seed_shop()
    staff = make_staff()
    shopper = make_customer(first_name="Ada", last_name="Lovelace")
    product = make_product(name="Tea Towel", slug="tea-towel", stock=5, price_cents=899)
    cart_id = order_services.cart_id_for_customer(shopper.customer_id)
    order_services.cart_add(cart_id=cart_id, product_id=product.product_id, quantity=2)
    order, _ = order_services.order_place(customer=shopper, cart_id=cart_id, token=str(uuid.uuid4()), address={
        "name": "Ada Lovelace", "line1": "12 St James's Square", "city": "London", "postal_code": "SW1Y 4JH", "country": "UK"})

    j = journey("staff")
    page = j.page
    _staff_login(j, staff)
    assert page.url.endswith("/staff/")
    j.shot("dashboard")
    page.get_by_role("link", name="Categories").first.click()
    j.after_navigation()
    page.get_by_role("link", name="New category").click()
    j.after_navigation()
    page.get_by_label("Name").fill("Lighting")
    page.get_by_label("Slug").fill("lighting")
    page.get_by_label("Position").fill("5")
    page.get_by_role("button", name="Save").click()
    j.after_navigation()
    assert "Category “Lighting” created" in page.content()
    j.shot("categories")
    page.get_by_role("navigation", name="Staff").get_by_role("link", name="Products").click()
    j.after_navigation()
    j.shot("products")
    page.set_viewport_size({"width": 375, "height": 812})  # a phone: each product a short block, not a long card
    heights = page.locator("table.compact tbody tr").evaluate_all("rows => rows.map(r => r.getBoundingClientRect().height)")
    page.set_viewport_size({"width": 1280, "height": 800})
    assert heights and max(heights) < 120, heights
    page.get_by_role("link", name="New product").click()
    j.after_navigation()
    image = tmp_path / "lamp.png"
    image.write_bytes(placeholder_png(width=400, height=300, colour=(230, 190, 90), seed=3))
    page.get_by_label("Name").fill("Brass Desk Lamp")
    page.get_by_label("Slug").fill("brass-desk-lamp")
    page.get_by_label("Description").fill("A warm light for late evenings.")
    page.get_by_label("Price").fill("64.50")
    page.get_by_label("Category").select_option(label="Lighting")
    page.get_by_label("Stock").fill("7")
    page.get_by_label("Image").set_input_files(str(image))
    page.get_by_role("button", name="Save").click()
    j.after_navigation()
    assert "Product “Brass Desk Lamp” created" in page.content()
    j.shot("product-admin")
    j.goto("/products/brass-desk-lamp/")
    assert "$64.50" in page.content()
    # the image's slot is 572 px wide at 1280: the browser takes the 800 w file, not the 400 w one
    assert page.locator("img[alt='Brass Desk Lamp']").evaluate("img => img.currentSrc").endswith(".800w.webp")
    j.goto("/categories/lighting/")
    assert "Brass Desk Lamp" in page.content()
    j.goto("/staff/orders/")
    j.shot("orders")
    assert page.get_by_role("link", name=f"Order {order.reference}").count() == 1
    page.get_by_label("Order number").fill(f"#{order.reference}")
    page.get_by_role("button", name="Find").click()
    j.after_navigation()
    assert f"Order {order.reference} for" in page.content()
    j.shot("order")
    page.get_by_role("button", name="Mark paid").click()
    j.after_navigation()
    assert "Order marked paid" in page.content()
    page.get_by_label("Carrier").fill("UPS")
    page.get_by_label("Tracking number").fill("1Z999AA10123456784")
    page.get_by_role("button", name="Mark shipped").click()
    j.after_navigation()
    assert "Order marked shipped" in page.content() and "UPS 1Z999AA10123456784" in page.content()
    j.shot("order-shipped")
    page.get_by_role("link", name="Packing slip").click()
    j.after_navigation()
    j.shot("packing-slip")

    shopper_view = journey("staff-shopper-view")
    shopper_view.goto("/account/login/")
    shopper_view.page.get_by_label("Email").fill(shopper.email)
    shopper_view.page.get_by_label("Password").fill(PASSWORD)
    shopper_view.page.get_by_role("button", name="Sign in").click()
    shopper_view.after_navigation()
    shopper_view.goto(f"/account/orders/{order.order_id}/")
    assert shopper_view.page.locator(".badge-shipped").inner_text() == "Shipped"
    shopper_view.shot("shopper-order-shipped")
    assert j.validate_html() >= 8
    shopper_view.validate_html()


def test_customers_journey(journey):
    staff = make_staff()
    make_customer(email="taken@example.com")
    j = journey("customers")
    page = j.page
    _staff_login(j, staff)
    page.get_by_role("navigation", name="Staff").get_by_role("link", name="Customers").click()
    j.after_navigation()
    page.get_by_role("link", name="New customer").click()
    j.after_navigation()
    page.get_by_label("Email").fill("marie@example.com")
    page.get_by_label("First name").fill("Marie")
    page.get_by_label("Last name").fill("Curie")
    page.get_by_label("City").fill("Paris")
    page.get_by_role("button", name="Save").click()
    j.after_navigation()
    assert "Customer marie@example.com created" in page.content()
    j.shot("customer-detail")
    page.get_by_role("link", name="Edit").click()
    j.after_navigation()
    page.get_by_label("Email").fill("taken@example.com")
    page.get_by_role("button", name="Save").click()
    j.after_navigation()
    assert "Another customer already uses this email." in page.content()
    j.shot("customer-duplicate-email")
    page.get_by_label("Email").fill("marie.curie@example.com")
    page.get_by_label("Notes").fill("Prefers email contact.")
    page.get_by_role("button", name="Save").click()
    j.after_navigation()
    assert "Customer saved" in page.content() and "marie.curie@example.com" in page.content()
    page.get_by_role("navigation", name="Staff").get_by_role("link", name="Customers").click()
    j.after_navigation()
    j.shot("customer-list")
    page.get_by_role("link", name="marie.curie@example.com").click()
    j.after_navigation()
    page.get_by_role("link", name="Delete").click()
    j.after_navigation()
    page.get_by_role("button", name="Delete customer").click()
    j.after_navigation()
    assert "Customer marie.curie@example.com deleted" in page.content()
    j.goto("/staff/")
    page.locator(".nav-more > summary").click()  # the owners' Settings menu
    page.get_by_role("link", name="API keys", exact=True).first.click()
    j.after_navigation()
    page.get_by_label("Name").fill("Phone app")
    page.get_by_label("catalog:read").check()
    page.get_by_role("button", name="Create key").click()
    j.after_navigation()
    assert "Copy it now" in page.content()
    j.shot("api-key-created")
    page.get_by_role("link", name="Revoke Phone app").click()
    j.after_navigation()
    page.get_by_role("button", name="Revoke key").click()
    j.after_navigation()
    assert "is revoked" in page.content()
    assert j.validate_html() >= 11


def test_guest_checkout_with_a_card_journey(journey, site_url, settings, streams):
    """Browse → cart → guest checkout → (test) card payment → confirmation and emails → the order by its number.

    The card payment page is the Stripe stand-in's (tests/stripe_stand_in.py); its "Pay" sends the
    signed webhook to the shop as Stripe would, then returns the shopper to the shop.
    """
    from django.core import mail

    from tests.stripe_stand_in import WEBHOOK_SECRET, StripeStandIn

    stand_in = StripeStandIn(webhook_url=f"{site_url}/payments/stripe/webhook/")
    settings.STRIPE_SECRET_KEY, settings.STRIPE_WEBHOOK_SECRET, settings.STRIPE_API_BASE = "sk_test_1", WEBHOOK_SECRET, stand_in.url
    try:
        seed_shop()
        j = journey("guest-card")
        page = j.page
        j.goto("/")
        page.get_by_role("link", name="Chef Knife").first.click()
        j.after_navigation()
        page.get_by_role("button", name="Add to cart").click()
        j.after_navigation()
        page.get_by_role("link", name="Check out").click()
        j.after_navigation()
        assert "checking out as a guest" in page.content()
        page.get_by_role("button", name="Continue to review").click()  # nothing filled in: errors, nothing lost
        j.after_navigation()
        assert "This field is required." in page.content()
        page.get_by_label("Email").fill("ada@example.com")
        page.get_by_label("Full name").fill("Ada Lovelace")
        page.get_by_label("Address line 1").fill("12 St James's Square")
        page.get_by_label("City").fill("London")
        page.get_by_label("Postal code").fill("SW1Y 4JH")
        page.get_by_label("Country").select_option("GB")
        page.get_by_label("Card (secure payment page by Stripe)").check()
        j.shot("guest-checkout")
        page.get_by_role("button", name="Continue to review").click()
        j.after_navigation()
        assert "you pay on Stripe's secure page next" in page.content()
        j.shot("guest-review")
        page.get_by_role("button", name="Place order and pay").click()
        page.wait_for_url(f"{stand_in.url}/pay/*")
        assert "39.99 USD" in page.content()  # $34.99 + $5.00 shipping
        page.get_by_role("button", name="Pay").click()
        page.wait_for_url(f"{j.base_url}/checkout/done/**")
        j.after_navigation()
        number = re.search(r"Order (\d+) is paid", page.content()).group(1)
        j.shot("guest-paid")
        streams.drain()  # the order emails go from the orders stream, as the stream's Lambda sends them on AWS
        subjects = [m.subject for m in mail.outbox if m.to == ["ada@example.com"]]
        assert subjects == [f"Shopsite: Order {number} received", f"Shopsite: Payment received for order {number}"]
        link = re.search(r"(http://\S+/orders/link/\S+/)", mail.outbox[-1].body).group(1)
        reader = journey("guest-card-link")
        reader.page.goto(link)
        reader.after_navigation()
        assert f"Order {number}" in reader.page.content() and "Paid" in reader.page.content()
        reader.shot("guest-order-from-email")
        assert j.validate_html() >= 6 and reader.validate_html() >= 1
    finally:
        stand_in.close()


def test_forgot_password_journey(journey):
    """A customer the shop created (no password yet) claims the account from the sign-in page."""
    from django.core import mail

    from customers import services as customer_services

    customer_services.customer_create(email="olga@example.com", first_name="Olga")
    j = journey("forgot-password")
    page = j.page
    j.goto("/account/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    j.after_navigation()
    page.get_by_label("Email").fill("olga@example.com")
    page.get_by_role("button", name="Email me a link").click()
    j.after_navigation()
    assert "If an account uses that email address" in page.content()
    from shopsite.emails import outbox_send

    outbox_send()  # what the send_outbox schedule does every minute
    link = re.search(r"(http://\S+/account/password/set/\S+/)", mail.outbox[-1].body).group(1)
    page.goto(link)
    j.after_navigation()
    j.shot("choose-password")
    assert "Choose your password" in page.content() and "expired" not in page.content(), page.content()[-1500:]
    page.locator("#id_new_password").fill("a-brand-new-passphrase-42")
    page.get_by_label("New password (again)").fill("a-brand-new-passphrase-42")
    page.get_by_role("button", name="Set password and sign in").click()
    j.after_navigation()
    assert "Your password is set and you are signed in." in page.content()
    page.goto(link)  # used once: now refused
    assert "expired or has already been used" in page.content()
    assert j.validate_html() >= 4


def test_console_journey(journey, tmp_path, streams):
    """Staff at work: the dashboard, search, filters, bulk changes, an import, people; every page at 1280 and 375 px."""
    kitchen = seed_shop()
    owner = make_staff()
    shoppers = [make_customer(email=f"bulk0{n}@example.com", first_name="Bo", last_name=f"Lind{n}") for n in range(3)]
    orders = []
    for shopper in shoppers[:2]:
        cart_id = order_services.cart_id_for_customer(shopper.customer_id)
        product = make_product(category=kitchen, stock=9)
        order_services.cart_add(cart_id=cart_id, product_id=product.product_id, quantity=1)
        order, _ = order_services.order_place(customer=shopper, cart_id=cart_id, token=str(uuid.uuid4()), address={
            "name": "Bo Lind", "line1": "1 Main St", "city": "Malmö", "postal_code": "21111", "country": "SE"})
        order_services.order_transition(order_id=order.order_id, status="paid", actor="test")
        orders.append(order)
    streams.drain()  # the dashboard's tallies follow the orders stream, as Lambda's consumer applies it on AWS

    j = journey("console")
    page = j.page
    _staff_login(j, owner)
    assert "Orders today" in page.content() and "2 to ship" in page.content()
    j.shot("dashboard")

    # find customers by a prefix, deactivate one in bulk
    j.goto("/staff/customers/")
    page.get_by_label("Search").fill("bulk0")
    page.get_by_role("button", name="Show").click()
    j.after_navigation()
    assert page.get_by_role("link", name="bulk01@example.com").count() == 1
    page.get_by_label("Pick bulk01@example.com").check()
    page.get_by_label("With the ticked customers").select_option("deactivate")
    page.get_by_role("button", name="Continue…").click()
    j.after_navigation()
    assert "Deactivate: 1 customers" in page.content()
    page.get_by_role("button", name="Deactivate").click()
    j.after_navigation()
    assert "1 of 1 customers changed" in page.content()
    j.shot("bulk-results")

    # products: filter to low stock, set stock in bulk with a reason, see it in the history
    j.goto("/staff/products/?low_stock=1")
    assert "Cast Iron Pan" in page.content() and "Oak Board" not in page.content()
    j.shot("products-low-stock")
    page.get_by_label("Pick Cast Iron Pan").check()
    page.get_by_label("Pick Copper Kettle").check()
    page.get_by_label("With the ticked products").select_option("stock")
    page.get_by_role("button", name="Continue…").click()
    j.after_navigation()
    page.get_by_label("New stock").fill("25")
    page.get_by_label("Reason").fill("Delivery from the foundry")
    page.get_by_role("button", name="Set stock").click()
    j.after_navigation()
    assert "2 of 2 products changed" in page.content()
    page.get_by_role("link", name="Back to the products").click()
    j.after_navigation()
    page.get_by_label("Search").fill("cast")
    page.get_by_role("button", name="Show").click()
    j.after_navigation()
    page.get_by_role("link", name="Cast Iron Pan").click()
    j.after_navigation()
    assert "Delivery from the foundry" in page.content()
    j.shot("product-history")

    # import: change a price through a CSV, preview first
    j.goto("/staff/products/import/")
    csv_file = tmp_path / "products.csv"
    csv_file.write_text("product_id,name,slug,sku,category,price_cents,stock,shown\n"
                        ",Linen Apron,linen-apron,AP-1,Kitchen,2200,6,yes\n,,bad slug,,Nowhere,x,,\n")
    page.get_by_label("CSV file").set_input_files(str(csv_file))
    page.get_by_role("button", name="Preview").click()
    j.after_navigation()
    assert "Preview: nothing has changed yet" in page.content() and "no category is called" in page.content()
    j.shot("import-preview")
    page.get_by_role("button", name="Apply this import").click()
    j.after_navigation()
    assert "created" in page.content() and "skipped" in page.content()

    # orders: the All tab, then ship both paid orders in bulk with tracking numbers
    j.goto("/staff/orders/?status=all")
    assert all(page.get_by_role("link", name=f"Order {o.reference}").count() == 1 for o in orders)
    j.goto("/staff/orders/?status=paid")
    for order in orders:
        page.get_by_label(f"Pick order {order.reference}").check()
    page.get_by_label("With the ticked orders").select_option("shipped")
    page.get_by_role("button", name="Continue…").click()
    j.after_navigation()
    page.get_by_label("Carrier").fill("PostNord")
    for order in orders:
        page.locator(f"#tracking-{order.order_id}").fill(f"PN{order.reference}")
    page.get_by_role("button", name="Mark shipped").click()
    j.after_navigation()
    assert "2 of 2 orders changed" in page.content()
    j.shot("orders-shipped")

    # people: invite a colleague
    page.locator(".nav-more > summary").click()  # the owners' Settings menu
    page.get_by_role("navigation", name="Staff").get_by_role("link", name="People").click()
    j.after_navigation()
    page.get_by_label("Email").fill("colleague@example.com")
    page.get_by_label("Staff: customers, catalog and orders").check()
    page.get_by_role("button", name="Send invitation").click()
    j.after_navigation()
    assert "Invitation sent to colleague@example.com" in page.content()
    j.shot("people")
    streams.drain()
    j.goto("/staff/")
    assert "0 to ship" in page.content()
    assert j.validate_html() >= 12


def test_account_email_and_guest_link_journey(journey):
    """The pages this round added: change an email (bad input first), confirm it from the link, ask for a fresh
    guest-order link (bad input first); each page at 1280 and 375 px, axe and the Nu checker."""
    from django.core import mail

    from shopsite.emails import outbox_send

    customer = make_customer(email="ada@example.com")
    j = journey("account-email")
    page = j.page
    j.goto("/account/login/")
    page.get_by_label("Email").fill(customer.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    j.after_navigation()
    j.goto("/account/")
    page.get_by_role("link", name="Change email").first.click()
    j.after_navigation()
    page.get_by_label("New email").fill("not-an-email")
    page.get_by_label("Current password").fill("wrong-password-123")
    page.get_by_role("button", name="Send the link").click()
    j.after_navigation()
    assert "Enter a valid email address" in page.content()
    j.shot("email-change-errors")
    page.get_by_label("New email").fill("ada.new@example.com")
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_role("button", name="Send the link").click()
    j.after_navigation()
    assert "We sent a link to ada.new@example.com" in page.content()
    link = re.search(r"https?://[^/\s]+(/account/email/confirm/[^/\s]+/)", mail.outbox[0].body).group(1)
    j.goto(link)
    j.shot("email-confirm")
    page.get_by_role("button", name="Yes, use this email").click()
    j.after_navigation()
    assert "Your email is now ada.new@example.com" in page.content()
    j.context.clear_cookies()
    j.goto("/orders/link/")
    page.get_by_label("Order number").fill("abc")
    page.get_by_label("Email").fill("nope")
    page.get_by_role("button", name="Email me a link").click()
    j.after_navigation()
    assert "Type the order number" in page.content()
    j.shot("guest-link-errors")
    page.get_by_label("Order number").fill("10042")
    page.get_by_label("Email").fill("someone@example.com")
    page.get_by_role("button", name="Email me a link").click()
    j.after_navigation()
    assert "If an order with that number" in page.content()
    outbox_send()
    assert j.validate_html() >= 5


def test_integrator_reads_the_api_docs_journey(journey):
    """The customers API's reference page: Redoc renders the OpenAPI document from our static files; the page
    passes axe, fits 375 px and the Nu checker, and the JSON it links to is the document."""
    j = journey("api-docs")
    page = j.page
    j.goto("/api/docs/")
    off_site = []
    page.on("request", lambda request: off_site.append(request.url)
            if not request.url.startswith((j.base_url, "blob:", "data:")) else None)  # blob: Redoc's search worker
    page.reload()
    page.wait_for_selector("[data-item-id='operation/listCustomers']", timeout=20_000)  # Redoc has rendered
    j.axe()
    j.shot("api-docs")
    document = page.request.get(j.url("/api/openapi.json")).json()
    assert document["openapi"] == "3.1.0" and "/api/customers/{customer_id}" in document["paths"]
    assert not off_site, off_site  # no CDN: everything from the shop's own static files
    assert j.validate_html() >= 1


def test_webhooks_console_journey(journey, streams):
    """An owner registers an endpoint (bad address first), copies its secret, and reads its delivery log after an
    order; every page at 1280 and 375 px, axe and the Nu checker."""
    from tests.webhooks.test_webhooks import Receiver, place_order

    receiver = Receiver(status=500)
    try:
        owner = make_staff()
        j = journey("webhooks")
        page = j.page
        _staff_login(j, owner)
        page.locator(".nav-more > summary").click()  # the owners' Settings menu
        page.get_by_role("link", name="Webhooks").click()
        j.after_navigation()
        page.get_by_label("Endpoint URL").fill("ftp://example.com/hook")
        page.get_by_label("order.paid", exact=False).check()
        page.get_by_role("button", name="Register endpoint").click()
        j.after_navigation()
        assert "The address must start with" in page.content()
        page.get_by_label("Endpoint URL").fill(receiver.url)
        page.get_by_label("order.placed", exact=False).check()
        page.get_by_role("button", name="Register endpoint").click()
        j.after_navigation()
        assert "whsec_" in page.content() and "not shown again" in page.content()
        j.shot("webhooks")
        place_order()
        streams.drain()
        page.get_by_role("link", name=receiver.url).click()
        j.after_navigation()
        assert "order.placed" in page.content() and "HTTP 500." in page.content() and "Retrying" in page.content()
        j.shot("webhook-log")
        receiver.status = 200
        page.get_by_role("button", name="Send again").first.click()
        j.after_navigation()
        assert "delivered" in page.content() and "Succeeded" in page.content()
        assert j.validate_html() >= 4
    finally:
        receiver.close()


def test_long_names_and_a_full_cart_keep_their_shape_journey(journey):
    """A product name with no spaces and a cart of 12 items: the product page and the cart fit 375 px (the width
    check runs on every page), the cart's Total and Remove columns stay visible, and the badge holds two digits."""
    name = "Superextralongunbreakableproductnamethatneverstopsgoingonandon"
    product = make_product(name=name, slug="long-name", stock=50, price_cents=1999)
    j = journey("long-names")
    page = j.page
    j.goto("/products/long-name/")
    page.get_by_label("Quantity").fill("12")
    page.get_by_role("button", name="Add to cart").click()
    j.after_navigation()
    j.goto("/cart/")
    badge = page.locator(".cart-count").first
    assert badge.inner_text().strip() == "12"
    # the digits sit inside the pill with room on both sides (they used to touch its edge)
    fits = """el => { const text = document.createRange(); text.selectNodeContents(el);
                      return text.getBoundingClientRect().width <= el.getBoundingClientRect().width - 8; }"""
    assert badge.evaluate(fits)
    for size in ({"width": 375, "height": 812}, {"width": 1280, "height": 800}):
        page.set_viewport_size(size)
        for label, cell in (("Total", page.locator("td[data-label='Total']").first),
                            ("Remove", page.get_by_role("button", name=re.compile("Remove")).first)):
            box = cell.bounding_box()
            assert box and box["x"] + box["width"] <= size["width"] + 1, (label, size, box)
    j.shot("long-cart")
    assert product.name in page.content()
    assert j.validate_html() >= 3


def test_search_and_languages_journey(journey):
    """Search as shoppers type it (suggestions, word forms, a typo, facets, no dead end) and the shop in French;
    every page at 1280 and 375 px, axe and the HTML checker clean."""
    seed_shop()
    j = journey("search")
    page = j.page
    j.goto("/")
    page.get_by_label("Search products").press_sequentially("cas", delay=40)
    page.wait_for_function("document.querySelectorAll('#search-suggestions option').length > 0")
    assert "Cast Iron Pan" in page.locator("#search-suggestions option").evaluate_all("os => os.map(o => o.value)")
    page.get_by_label("Search products").fill("boards")
    page.get_by_role("button", name="Search").click()
    j.after_navigation()
    assert "Oak Board" in page.content()  # "boards" and "board" are one word
    j.shot("results")
    j.goto("/search/?q=ketle")
    assert "Showing results for “kettle”" in page.content() and "Copper Kettle" in page.content()
    j.goto("/search/?q=kitchen")  # the descriptions say "kitchen": four results, facets beside them
    page.get_by_role("link", name=re.compile(r"\$50\.00 to")).click()
    j.after_navigation()
    assert "Cast Iron Pan" in page.content() and "Chef Knife" not in page.content()
    j.shot("facet")
    j.goto("/search/?q=qwertyuiop")
    assert page.get_by_role("link", name="Garden").count() == 1  # no dead end
    j.goto("/categories/kitchen/?sort=price_desc&price=25-50")
    assert "Chef Knife" in page.content() and "Oak Board" not in page.content()
    j.goto("/")
    page.get_by_role("link", name="Français").click()
    j.after_navigation()
    assert page.locator("html").get_attribute("lang") == "fr" and "Nouveautés" in page.content()
    j.shot("accueil")
    j.goto("/fr/search/?q=poele")
    j.goto("/fr/products/cast-iron-pan/")
    assert "59,99" in page.content() and "Ajouter au panier" in page.content()
    page.get_by_role("button", name="Ajouter au panier").click()
    j.after_navigation()
    assert "Ajouté à votre panier." in page.content()
    j.shot("panier")
    assert j.validate_html() >= 8


def test_variants_journey(journey, browser, streams):
    """Staff give a tee sizes and colours and stock per variant; a shopper picks size and colour with JavaScript
    (price, stock and address change in place) and without it (a form and a redirect), buys, and sees the variant
    on the order, in the email and on the packing slip; every page at 1280 and 375 px, axe and the Nu checker."""
    from django.core import mail
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    clothing = make_category(name="Clothing", slug="clothing")
    data = placeholder_png(width=800, height=600, colour=(60, 90, 160), seed=3)
    image = default_storage.save("demo/e2e-tee.png", ContentFile(data))
    catalog_services.image_thumbnails_save(path=image, data=data)
    tee = make_product(category=clothing, name="Trail Tee", slug="trail-tee", sku="TRAIL", price_cents=2500, stock=0,
                       image=image, description="A **light** tee for long walks.")
    owner = make_staff()

    staff = journey("variants-staff")
    page = staff.page
    _staff_login(staff, owner)
    staff.goto(f"/staff/products/{tee.product_id}/")
    page.get_by_label("Option 1", exact=True).fill("Size")
    page.get_by_label("Values of option 1").fill("S, M, L")
    page.get_by_label("Option 2", exact=True).fill("Colour")
    page.get_by_label("Values of option 2").fill("Red, Blue")
    page.get_by_role("button", name="Save options").click()
    staff.after_navigation()
    assert "Options saved: 6 variants." in page.content()
    page.get_by_label("Stock of M / Blue").fill("4")
    page.get_by_label("Price of L / Red").fill("27.00")
    page.get_by_label("Stock of L / Red").fill("0")
    page.get_by_label("Reason").fill("first delivery")
    page.get_by_role("button", name="Save variants").click()
    staff.after_navigation()
    assert "Variants saved." in page.content() and "TRAIL-M-BLUE" in page.content()
    staff.shot("variant-matrix")

    shopper = journey("variants-shopper")
    page = shopper.page
    shopper.goto("/categories/clothing/")
    assert "From $25.00" in page.content()  # one variant costs more: the card says where prices start
    page.get_by_role("link", name="Trail Tee").first.click()
    shopper.after_navigation()
    page.get_by_label("Size").select_option("L")
    page.get_by_label("Colour").select_option("Red")
    assert page.locator("#variant-price").inner_text() == "$27.00"
    assert page.locator("#variant-stock").inner_text().strip() == "Sold out"
    assert not page.locator("#add-to-cart").is_visible()
    page.get_by_label("Size").select_option("M")
    page.get_by_label("Colour").select_option("Blue")
    assert page.locator("#variant-price").inner_text() == "$25.00"
    assert "Only 4 left" in page.locator("#variant-stock").inner_text()
    assert "sku=TRAIL-M-BLUE" in page.url and page.locator("#variant-sku").inner_text() == "TRAIL-M-BLUE"
    shopper.axe()
    shopper.shot("product-variant")
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()
    shopper.after_navigation()
    assert "Size: M, Colour: Blue" in page.content()
    shopper.shot("cart")
    page.get_by_role("link", name="Check out").click()
    shopper.after_navigation()
    page.get_by_label("Email").fill("walker@example.com")
    page.get_by_label("Full name").fill("Wanda Walker")
    page.get_by_label("Address line 1").fill("3 Ridge Road")
    page.get_by_label("City").fill("Boulder")
    page.get_by_label("Postal code").fill("80302")
    page.get_by_label("Country").select_option("US")
    page.get_by_role("button", name="Continue to review").click()
    shopper.after_navigation()
    assert "Size: M, Colour: Blue" in page.content()
    page.get_by_role("button", name="Place order").click()
    shopper.after_navigation()
    assert "/checkout/done/" in page.url and "Size: M, Colour: Blue" in page.content()
    shopper.shot("done")
    streams.drain()
    placed = [m for m in mail.outbox if m.to == ["walker@example.com"]]
    assert placed and "Trail Tee (Size: M, Colour: Blue)" in placed[0].body

    # Without JavaScript: the picker is a form; its choice leads to the variant's own address.
    context = browser.new_context(java_script_enabled=False, viewport={"width": 375, "height": 800})
    try:
        plain = context.new_page()
        plain.goto(shopper.url("/products/trail-tee/"))
        plain.get_by_label("Size").select_option("S")
        plain.get_by_label("Colour").select_option("Red")
        plain.get_by_role("button", name="Show this choice").click()
        plain.wait_for_load_state("load")
        assert plain.url.endswith("/products/trail-tee/?sku=TRAIL-S-RED") and "Sold out" in plain.content()
        plain.get_by_label("Size").select_option("M")
        plain.get_by_label("Colour").select_option("Blue")
        plain.get_by_role("button", name="Show this choice").click()
        plain.wait_for_load_state("load")
        assert "Only 2 left" in plain.content()
        plain.get_by_role("button", name="Add to cart").click()
        plain.wait_for_load_state("load")
        assert "Size: M, Colour: Blue" in plain.content()
    finally:
        context.close()

    from orders.models import Order

    (order,) = list(Order.scan())
    staff.goto(f"/staff/orders/{order.order_id}/packing-slip/")
    assert "Size: M, Colour: Blue" in staff.page.content() and "SKU TRAIL-M-BLUE" in staff.page.content()
    staff.shot("packing-slip")
    assert staff.validate_html() >= 4 and shopper.validate_html() >= 6


def test_gallery_and_specifications_journey(journey, tmp_path):
    """Staff add pictures with alt text and reorder them, define a product type and describe a product; a shopper
    filters the category by a facet, reads the specification table, switches pictures and opens the lightbox;
    every page at 1280 and 375 px, axe and the Nu checker."""
    lamps = make_category(name="Lamps", slug="lamps")
    make_product(category=lamps, name="Desk Lamp", slug="desk-lamp", price_cents=4900, stock=5)
    make_product(category=lamps, name="Floor Lamp", slug="floor-lamp", price_cents=8900, stock=5)
    owner = make_staff()
    files = []
    for seed in range(2):
        path = tmp_path / f"lamp-{seed}.png"
        path.write_bytes(placeholder_png(width=800, height=600, colour=(200 - seed * 90, 150, 60 + seed * 90), seed=seed))
        files.append(str(path))

    staff = journey("gallery-staff")
    page = staff.page
    _staff_login(staff, owner)
    staff.goto("/staff/categories/")
    page.get_by_role("link", name="Product types").click()
    staff.after_navigation()
    page.get_by_role("link", name="New product type").click()
    staff.after_navigation()
    page.get_by_label("Name").fill("Lamp")
    page.locator("#id_a-0-name").fill("Bulb")
    page.locator("#id_a-0-kind").select_option("choice")
    page.locator("#id_a-0-values").fill("E27, GU10")
    page.locator("#id_a-0-facet").check()
    page.locator("#id_a-1-name").fill("Height")
    page.locator("#id_a-1-kind").select_option("number")
    page.locator("#id_a-1-unit").fill("cm")
    staff.shot("type-form")
    page.get_by_role("button", name="Save").click()
    staff.after_navigation()
    assert "Product type “Lamp” saved." in page.content()
    staff.goto("/staff/products/?q=desk")
    page.get_by_role("link", name="Desk Lamp").click()
    staff.after_navigation()
    page.get_by_label("Product type").select_option(label="Lamp")
    page.get_by_role("button", name="Save specifications").click()
    staff.after_navigation()
    page.get_by_label("Bulb").select_option("GU10")
    page.get_by_label("Height (cm)").fill("45")
    page.get_by_role("button", name="Save specifications").click()
    staff.after_navigation()
    assert "Specifications saved." in page.content()
    for number, file in enumerate(files, start=1):
        page.get_by_label("Add a picture").set_input_files(file)
        assert page.locator("#image-preview img").count() == 1  # shown before it is uploaded
        page.get_by_label("What it shows").fill(f"the desk lamp, view {number}")
        page.get_by_role("button", name="Add picture").click()
        staff.after_navigation()
        assert "Picture added." in page.content()
    page.get_by_role("button", name="Move up picture 2").click()
    staff.after_navigation()
    assert page.get_by_label("Alt text of picture 1").input_value() == "the desk lamp, view 2"
    staff.shot("product-pictures")

    shopper = journey("gallery-shopper")
    page = shopper.page
    shopper.goto("/categories/lamps/")
    page.get_by_role("link", name="GU10").click()
    shopper.after_navigation()
    assert "Desk Lamp" in page.content() and "Floor Lamp" not in page.content()
    shopper.shot("facet")
    page.get_by_role("link", name="Desk Lamp").first.click()
    shopper.after_navigation()
    assert page.get_by_role("row", name="Bulb GU10").count() == 1 and "45 cm" in page.content()
    page.get_by_role("link", name="Picture 2: the desk lamp, view 1").click()
    assert page.locator("#product-photo").get_attribute("alt") == "the desk lamp, view 1"
    page.locator("#photo-link").click()
    assert page.locator("#lightbox").is_visible()
    shopper.axe()
    shopper.shot("lightbox")
    page.keyboard.press("Escape")
    assert not page.locator("#lightbox").is_visible()
    shopper.shot("product")
    assert staff.validate_html() >= 6 and shopper.validate_html() >= 2
