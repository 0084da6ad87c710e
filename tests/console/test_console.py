"""The staff console at work: search, filters, paging, bulk actions, CSV round trip, dashboard tallies, audit."""
import csv
import io
import random
import re
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from catalog import selectors as catalog_selectors
from catalog import services as catalog_services
from catalog.models import Product
from customers import selectors as customer_selectors
from customers import services as customer_services
from customers.models import Customer
from orders import selectors as order_selectors
from orders import services as order_services
from orders.models import Order
from shopsite import integrity
from shopsite.audit import audit_list
from tests.factories import make_category, make_customer, make_product

pytestmark = pytest.mark.usefixtures("tables")

ADDRESS = {"name": "Ada Lovelace", "line1": "1 Main St", "line2": "", "city": "Springfield", "postal_code": "12345",
           "country": "US"}


def place(customer, product, quantity=1, provider="manual"):
    cart_id = order_services.cart_id_for_customer(customer.customer_id)
    order_services.cart_add(cart_id=cart_id, product_id=product.product_id, quantity=quantity)
    order, _ = order_services.order_place(customer=customer, cart_id=cart_id, token=str(uuid.uuid4()),
                                          address=ADDRESS, payment_provider=provider)
    return order


def html(response) -> str:
    return response.content.decode()


def every_page(load, **kwargs) -> list:
    """All items of a cursor-paged selector, page by page (at most ten pages)."""
    seen, cursor = [], None
    for _ in range(10):
        page = load(cursor=cursor, **kwargs)
        seen += page.items
        cursor = page.next_cursor
        if not cursor:
            return seen
    raise AssertionError("more than ten pages")


# Search

def test_customer_search_by_email_name_and_phone_prefix_pages_without_false_hits(staff_client):
    for n in range(5):
        make_customer(email=f"bulk0{n}@example.com", first_name="Bo", last_name=f"Lindqvist{n}", phone=f"+46 70 123 45{n}")
    make_customer(email="other@example.com", first_name="Åsa", last_name="Öberg", phone="555-0100")
    found = lambda q, **kw: {c.email for c in customer_selectors.customer_search(query=q, **kw).items}  # noqa: E731
    assert found("bulk07") == set()
    assert found("bulk0") == {f"bulk0{n}@example.com" for n in range(5)}
    assert found("BULK03@EX") == {"bulk03@example.com"}
    assert found("lindqvist2") == {"bulk02@example.com"}
    assert found("oberg") == {"other@example.com"}  # accents and case folded
    assert found("+46 70 123 451") == {"bulk01@example.com"}
    assert found("555") == {"other@example.com"}
    assert found("zzz") == set()
    # paging: two at a time, every match exactly once
    seen = [c.email for c in every_page(customer_selectors.customer_search, query="bulk", limit=2)]
    assert sorted(seen) == [f"bulk0{n}@example.com" for n in range(5)]
    page = html(staff_client.get("/staff/customers/", {"q": "bulk07"}))
    assert "No customer’s email, surname or phone starts with “bulk07”" in page
    assert "bulk02@example.com" in html(staff_client.get("/staff/customers/", {"q": "Lindqvist"}))


def test_product_search_by_name_slug_and_sku_prefix_and_unique_skus(staff_client):
    kitchen = make_category(name="Kitchen")
    make_product(category=kitchen, name="Copper pan", slug="copper-pan", sku="kt-001")
    make_product(category=kitchen, name="Copper kettle", slug="copper-kettle", sku="KT-002", active=False)
    make_product(category=kitchen, name="Steel pot", slug="steel-pot")
    names = lambda q: {p.name for p in catalog_selectors.product_search_staff(query=q).items}  # noqa: E731
    assert names("copper") == {"Copper pan", "Copper kettle"}  # hidden products too
    assert names("copper-k") == {"Copper kettle"}  # a slug prefix
    assert names("kt-00") == {"Copper pan", "Copper kettle"}
    assert names("KT-001") == {"Copper pan"}
    assert names("pot") == set()  # prefixes, not inner words
    with pytest.raises(catalog_services.SkuTaken):
        make_product(category=kitchen, sku="Kt-001")
    response = staff_client.post("/staff/products/new/", {
        "name": "Dup", "slug": "dup", "sku": "KT-002", "price": "3.00", "category_id": kitchen.category_id, "stock": 1})
    assert response.status_code == 400 and "Another product already uses this SKU" in html(response)
    assert "Copper kettle" in html(staff_client.get("/staff/products/", {"q": "KT-002"}))


def test_order_search_by_number_email_and_date_range(staff_client):
    customer = make_customer(email="ann@example.com")
    product = make_product(stock=50)
    first, second = place(customer, product), place(customer, product, provider="stripe")
    Order(first.order_id).update(actions=[Order.created_at.set(timezone.now() - timedelta(days=40))],
                                 add_version_condition=False)
    today = timezone.localdate()
    ids = lambda **kw: {o.order_id for o in order_selectors.order_list_by_status(**kw).items}  # noqa: E731
    assert ids(status="all") == {first.order_id, second.order_id}
    assert ids(status="all", date_from=today - timedelta(days=1)) == {second.order_id}
    assert ids(status="all", date_to=today - timedelta(days=30)) == {first.order_id}
    assert ids(status="placed", provider="stripe") == {second.order_id}
    assert ids(status="paid") == set()
    page = html(staff_client.get("/staff/orders/", {"status": "all", "date_from": str(today)}))
    assert f"Order {second.reference}" in page and f"Order {first.reference}<" not in page
    bad = staff_client.get("/staff/orders/", {"status": "all", "date_from": "2026-13-45", "date_to": "x"})
    assert bad.status_code == 200 and "Enter a valid date" in html(bad)
    reversed_range = staff_client.get("/staff/orders/", {"date_from": str(today), "date_to": str(today - timedelta(days=2))})
    assert "The end date is before the start date" in html(reversed_range)
    assert staff_client.get("/staff/orders/", {"number": second.reference})["Location"].endswith(f"/{second.order_id}/")


# Filters and paging

def test_product_filters_category_shown_low_stock_and_price(staff_client):
    kitchen, garden = make_category(name="Kitchen"), make_category(name="Garden")
    pan = make_product(category=kitchen, name="Pan", price_cents=2500, stock=3)
    make_product(category=kitchen, name="Hidden pot", price_cents=900, stock=40, active=False)
    make_product(category=garden, name="Rake", price_cents=1500, stock=0)
    names = lambda **kw: {p.name for p in catalog_selectors.product_list_staff(**kw).items}  # noqa: E731
    assert names(category_id=kitchen.category_id) == {"Pan", "Hidden pot"}
    assert names(shown="hidden") == {"Hidden pot"}
    assert names(shown="shown") == {"Pan", "Rake"}
    assert names(low_stock=True) == {"Pan", "Rake"}
    assert [p.name for p in catalog_selectors.product_list_staff(sort="stock").items] == ["Rake", "Pan", "Hidden pot"]
    assert [p.name for p in catalog_selectors.product_list_staff(sort="name").items] == ["Hidden pot", "Pan", "Rake"]
    assert names(min_cents=1000, max_cents=2000) == {"Rake"}
    page = html(staff_client.get("/staff/products/", {"category": kitchen.category_id, "min_price": "20"}))
    assert "Pan" in page and "Hidden pot" not in page and "Rake" not in page
    assert staff_client.get("/staff/products/", {"min_price": "lots", "sort": "nonsense"}).status_code == 200
    assert "3 products in all" in html(staff_client.get("/staff/products/"))
    assert pan.product_id in html(staff_client.get("/staff/"))  # low stock on the dashboard


def test_customer_status_filter_and_previous_next_paging(staff_client):
    made = [make_customer(email=f"p{n}@example.com") for n in range(7)]
    customer_services.customer_update(customer_id=made[2].customer_id, status="inactive")
    assert {c.email for c in customer_selectors.customer_list(status="inactive").items} == {"p2@example.com"}
    newest_first = [c.email for c in reversed(made)]
    first = customer_selectors.customer_list(limit=3)
    second = customer_selectors.customer_list(limit=3, cursor=first.next_cursor)
    third = customer_selectors.customer_list(limit=3, cursor=second.next_cursor)
    assert [c.email for c in first.items + second.items + third.items] == newest_first
    assert first.prev_cursor is None and second.prev_cursor and third.next_cursor is None
    back = customer_selectors.customer_list(limit=3, cursor=third.prev_cursor)
    assert [c.email for c in back.items] == newest_first[3:6] and back.prev_cursor
    back_again = customer_selectors.customer_list(limit=3, cursor=back.prev_cursor)
    assert [c.email for c in back_again.items] == newest_first[:3]
    page = html(staff_client.get("/staff/customers/", {"cursor": second.next_cursor}))
    assert 'rel="prev"' in page and "8 customers in all" not in page
    assert "7 customers in all" in html(staff_client.get("/staff/customers/"))


# Bulk actions

def test_bulk_deactivate_reports_a_stale_customer_and_changes_the_rest(staff_client):
    a, b, c = (make_customer(email=f"bulk{n}@example.com") for n in range(3))
    picked = [f"{x.customer_id}:{x.version}" for x in (a, b, c)]
    confirm = staff_client.post("/staff/customers/bulk/", {"action": "deactivate", "item": picked})
    assert confirm.status_code == 200 and "Deactivate: 3 customers" in html(confirm)
    assert customer_selectors.customer_get(customer_id=a.customer_id).status == "active"  # nothing yet
    customer_services.customer_update(customer_id=b.customer_id, notes="changed meanwhile")
    done = staff_client.post("/staff/customers/bulk/", {"action": "deactivate", "item": picked, "confirm": "1"})
    body = html(done)
    assert "2 of 3 customers changed" in body and "changed by someone else" in body
    statuses = {x.email: customer_selectors.customer_get(customer_id=x.customer_id).status for x in (a, b, c)}
    assert statuses == {"bulk0@example.com": "inactive", "bulk1@example.com": "active", "bulk2@example.com": "inactive"}
    empty = staff_client.post("/staff/customers/bulk/", {"action": "deactivate"}, follow=True)
    assert "Tick at least one" in html(empty)
    assert staff_client.post("/staff/customers/bulk/", {"action": "nonsense", "item": picked}).status_code == 302


def test_bulk_product_actions_hide_set_stock_and_move(staff_client):
    kitchen, garden = make_category(name="Kitchen"), make_category(name="Garden")
    pan, pot = make_product(category=kitchen, stock=4), make_product(category=kitchen, stock=9)
    picked = [f"{p.product_id}:{p.version}" for p in (pan, pot)]
    catalog_services.product_update(product_id=pot.product_id, expected_version=pot.version, name="Renamed pot")
    hidden = html(staff_client.post("/staff/products/bulk/", {"action": "hide", "item": picked, "confirm": "1"}))
    assert "1 of 2 products changed" in hidden
    assert not catalog_selectors.product_find(product_id=pan.product_id).active
    assert catalog_selectors.product_find(product_id=pot.product_id).active  # stale: left alone
    missing = staff_client.post("/staff/products/bulk/", {"action": "stock", "item": picked, "confirm": "1", "stock": "x"})
    assert missing.status_code == 400 and "Enter a whole number" in html(missing)
    stock = html(staff_client.post("/staff/products/bulk/", {"action": "stock", "item": picked, "confirm": "1",
                                                             "stock": "20", "reason": "Stock count"}))
    assert "2 of 2 products changed" in stock
    assert {catalog_selectors.product_find(product_id=p.product_id).stock for p in (pan, pot)} == {20}
    assert audit_list(subject=f"product#{pan.product_id}")[0].reason == "Stock count"
    fresh = [f"{p.product_id}:{catalog_selectors.product_find(product_id=p.product_id).version}" for p in (pan, pot)]
    moved = html(staff_client.post("/staff/products/bulk/", {"action": "move", "item": fresh, "confirm": "1",
                                                             "category_id": garden.category_id}))
    assert "2 of 2 products changed" in moved
    assert catalog_selectors.category_find(category_id=garden.category_id).product_count == 2
    assert catalog_selectors.category_find(category_id=kitchen.category_id).product_count == 0


def test_bulk_ship_with_tracking_numbers_and_a_stale_order(staff_client):
    customer, product = make_customer(), make_product(stock=20)
    orders = [place(customer, product) for _ in range(3)]
    for order in orders:
        order_services.order_transition(order_id=order.order_id, status="paid", actor="test")
    orders = [order_selectors.order_find(order_id=o.order_id) for o in orders]
    picked = [f"{o.order_id}:{o.version}" for o in orders]
    confirm = html(staff_client.post("/staff/orders/bulk/", {"action": "shipped", "item": picked}))
    assert f'name="tracking-{orders[0].order_id}"' in confirm
    order_services.order_transition(order_id=orders[2].order_id, status="cancelled", actor="someone else")
    done = html(staff_client.post("/staff/orders/bulk/", {
        "action": "shipped", "item": picked, "confirm": "1", "carrier": "DHL",
        f"tracking-{orders[0].order_id}": "TRACK-A", f"tracking-{orders[1].order_id}": "TRACK-B"}))
    assert "2 of 3 orders changed" in done and "tracking TRACK-A" in done and "changed by someone else" in done
    shipped = order_selectors.order_find(order_id=orders[1].order_id)
    assert (shipped.status, shipped.carrier, shipped.tracking_number) == ("shipped", "DHL", "TRACK-B")
    assert order_selectors.order_find(order_id=orders[2].order_id).status == "cancelled"


# CSV import

def test_csv_round_trip_preview_apply_and_stale_rows(staff_client):
    kitchen = make_category(name="Kitchen")
    make_product(category=kitchen, name="Pan", slug="pan", sku="P-1", price_cents=2500, stock=3)
    make_product(category=kitchen, name="Pot", slug="pot", price_cents=1500, stock=7, active=False)
    snapshot = lambda: sorted((p.name, p.slug, p.sku, p.category_id, p.price_cents, p.stock, p.active)  # noqa: E731
                              for p in Product.scan())
    before = snapshot()
    exported = b"".join([staff_client.get("/staff/products/export.csv").content]).decode("utf-8-sig")

    def upload(text):
        from django.core.files.uploadedfile import SimpleUploadedFile

        return staff_client.post("/staff/products/import/", {"file": SimpleUploadedFile("p.csv", text.encode())})

    preview = upload(exported)
    assert preview.status_code == 200 and html(preview).count(">unchanged<") == 2
    token = re.search(r'name="token" value="([^"]+)"', html(preview)).group(1)
    applied = html(staff_client.post("/staff/products/import/", {"token": token}))
    assert applied.count(">unchanged<") == 2 and snapshot() == before  # round trip: the same catalog

    assert exported.splitlines()[0].startswith("product_id,name,slug,sku,category,price,stock,shown,description,image")
    assert ",25.00,3," in exported  # prices as people write them, not in cents
    edited = (exported.replace(",25.00,3,", ",26.00,5,") + ",Kettle,kettle,K-9,Kitchen,30,4,yes,A copper kettle.\n"
              + ",,bad slug!,,Nowhere,x,,,\n")
    preview = html(upload(edited))
    assert "price: 25.00 → 26.00" in preview and "stock: 3 → 5" in preview and ">create<" in preview
    assert "price “x” is not an amount like 12.50" in preview
    assert "no category is called “Nowhere”" in preview and before == snapshot()  # a preview changes nothing
    token = re.search(r'name="token" value="([^"]+)"', preview).group(1)
    pan = next(p for p in Product.scan() if p.name == "Pan")
    catalog_services.product_stock_adjust(product_id=pan.product_id, delta=-1, reason="sold at the counter")
    applied = html(staff_client.post("/staff/products/import/", {"token": token}))
    assert "stale: the product changed since the preview (after updating price)" in applied
    assert "created" in applied and "skipped" in applied
    after = {p.name: p for p in Product.scan()}
    assert after["Pan"].price_cents == 2600 and after["Pan"].stock == 2  # the sale is kept, not overwritten
    assert after["Kettle"].sku == "K-9" and after["Kettle"].stock == 4 and after["Kettle"].price_cents == 3000
    assert after["Kettle"].description == "A copper kettle."
    legacy = upload("name,slug,category,price_cents\nOld File,old-file,Kitchen,1999\n")  # an export from before
    assert legacy.status_code == 200 and ">create<" in html(legacy)
    assert "expired or was altered" in html(staff_client.post("/staff/products/import/", {"token": token + "x"}, follow=True))
    wrong = upload("just,some,columns\n1,2,3\n")
    assert wrong.status_code == 400 and "The file has no name, slug, category, price columns" in html(wrong)


TRICKY_NAMES = ["=1+1 pan", "+pot", "-lid", "@kettle", "\uff1dSUM(A1)", "\u200b=HYPERLINK(1)", "  =2", "a|b pan",
                "'=quoted", "''", "'plain", "x"]


def test_csv_export_then_import_is_a_no_op_for_any_name_and_neutralises_formulas(staff_client):
    kitchen = make_category(name="Kitchen")
    for n, name in enumerate(TRICKY_NAMES):
        make_product(category=kitchen, name=name, slug=f"tricky-{n}", price_cents=1000 + n, stock=n)
    exported = staff_client.get("/staff/products/export.csv").content.decode("utf-8-sig")
    cells = {row[2]: row[1] for row in csv.reader(io.StringIO(exported)) if row[2].startswith("tricky-")}
    for n, name in enumerate(TRICKY_NAMES[:-1]):  # every one of them is guarded, the plain "x" is not
        assert cells[f"tricky-{n}"] == "'" + name, (name, cells[f"tricky-{n}"])
    assert cells[f"tricky-{len(TRICKY_NAMES) - 1}"] == "x"

    from django.core.files.uploadedfile import SimpleUploadedFile

    preview = html(staff_client.post("/staff/products/import/", {"file": SimpleUploadedFile("p.csv", exported.encode())}))
    assert preview.count(">unchanged<") == len(TRICKY_NAMES), preview


@pytest.mark.parametrize("row, message", [
    ("x" * 3000 + ",Pan,pan-long-id,,Kitchen,100,1,yes", "is not one this shop issues"),
    (",Pan," + "a" * 5000 + ",,Kitchen,100,1,yes", "slug is 5000 characters; at most 120"),
    (",P" + "a" * 200 + ",pan-long-name,,Kitchen,100,1,yes", "name is 201 characters; at most 120"),
    (",Pan,pan-long-sku," + "S" * 500 + ",Kitchen,100,1,yes", "SKU is longer than 40 characters"),
    (",Pan,pan-long-cat,," + "K" * 5000 + ",100,1,yes", "no category is called"),
    (",Pan,pan-big-price,,Kitchen," + "9" * 400 + ",1,yes", "price_cents must be between"),
])
def test_every_csv_field_is_checked_in_the_preview_with_a_row_message(staff_client, row, message):
    from django.core.files.uploadedfile import SimpleUploadedFile

    make_category(name="Kitchen")
    text = "product_id,name,slug,sku,category,price_cents,stock,shown\n" + row + "\n"
    preview = staff_client.post("/staff/products/import/", {"file": SimpleUploadedFile("p.csv", text.encode())})
    assert preview.status_code == 200 and message in html(preview) and ">error<" in html(preview), html(preview)[-3000:]
    token = re.search(r'name="token" value="([^"]+)"', html(preview))
    if token:
        applied = staff_client.post("/staff/products/import/", {"token": token.group(1)})
        assert applied.status_code == 200 and "skipped" in html(applied)
    assert not [p for p in Product.scan() if p.name.startswith("Pan") or p.name.startswith("Paa")]


# Dashboard tallies

def test_dashboard_tallies_equal_a_brute_force_count_after_random_work(staff_client, count_calls, streams):
    rng = random.Random(7)
    products = [make_product(stock=30, price_cents=rng.randint(100, 5000)) for _ in range(4)]
    customers = [make_customer() for _ in range(4)]
    orders = []
    for _ in range(14):
        action = rng.choice(["order", "order", "order", "pay", "ship", "cancel", "refund", "stock", "customer"])
        if action == "order":
            orders.append(place(rng.choice(customers), rng.choice(products), quantity=rng.randint(1, 3)))
        elif action == "stock":
            catalog_services.product_stock_adjust(product_id=rng.choice(products).product_id, delta=rng.randint(1, 5),
                                                  reason="delivery")
        elif action == "customer":
            customer_services.customer_delete(customer_id=make_customer().customer_id)
        elif orders:
            target = {"pay": "paid", "ship": "shipped", "cancel": "cancelled", "refund": "refunded"}[action]
            try:
                order_services.order_transition(order_id=rng.choice(orders).order_id, status=target, actor="test")
            except order_services.TransitionRefused:
                pass
    streams.drain()  # the order tallies follow from the orders stream
    stored = list(Order.scan())
    today = timezone.localdate()
    figures = order_selectors.order_figures()
    assert figures.by_status == {s: sum(o.status == s for o in stored) for s in order_selectors.ORDER_STATUSES}
    assert figures.today_orders == figures.week_orders == len(stored)
    assert figures.today_revenue_cents == sum(o.total_cents for o in stored if o.status not in ("cancelled", "refunded"))
    assert customer_selectors.customer_count() == sum(1 for _ in Customer.scan())
    assert catalog_selectors.product_count() == sum(1 for _ in Product.scan())
    assert [f.problem for f in integrity.findings() if "tally" in f.check] == []
    with count_calls() as calls:
        page = html(staff_client.get("/staff/"))
    assert "Scan" not in calls and len(calls) <= 7, calls
    assert f"<dd>{figures.today_orders}</dd>" in page
    assert today  # the figures above are today's: every order was placed just now


# Audit

def test_audit_entries_for_customers_products_stock_and_orders(staff_client):
    response = staff_client.post("/staff/customers/new/", {"email": "audit@example.com", "first_name": "Al",
                                                            "status": "active"})
    customer = customer_selectors.customer_get_by_email(email="audit@example.com")
    staff_client.post(f"/staff/customers/{customer.customer_id}/edit/", {
        "email": "audit@example.com", "first_name": "Alan", "status": "active", "version": customer.version})
    entries = audit_list(subject=f"customer#{customer.customer_id}")
    assert [e.action for e in entries] == ["changed", "created"] and response.status_code == 302
    assert entries[0].actor == staff_client.staff.email and ("First name", "Al", "Alan") in entries[0].changes
    page = html(staff_client.get(f"/staff/customers/{customer.customer_id}/"))
    assert "History" in page and "<del>Al</del> → Alan" in page
    product = make_product(stock=2)
    staff_client.post(f"/staff/products/{product.product_id}/stock/", {"delta": 3, "reason": "Delivery from Acme"})
    staff_client.post(f"/staff/products/{product.product_id}/toggle/")
    entries = audit_list(subject=f"product#{product.product_id}")
    assert [e.action for e in entries] == ["changed", "stock", "created"]
    assert entries[1].reason == "Delivery from Acme" and ("Shown in the shop", "yes", "no") in entries[0].changes
    assert "Delivery from Acme" in html(staff_client.get(f"/staff/products/{product.product_id}/"))
    order = place(make_customer(), make_product())
    staff_client.post(f"/staff/orders/{order.order_id}/status/", {"status": "cancelled", "version": order.version})
    history = order_selectors.order_find(order_id=order.order_id).history  # the order's own audit trail
    assert [(h.status, h.actor) for h in history][-1] == ("cancelled", staff_client.staff.email)
    customer_services.customer_update(customer_id=customer.customer_id, password="a-new-long-passphrase")
    assert ("Password", "", "(changed)") in audit_list(subject=f"customer#{customer.customer_id}")[0].changes


def test_history_reads_as_staff_know_the_fields_not_as_they_are_stored(staff_client):
    kitchen, garden = make_category(name="Kitchen"), make_category(name="Garden")
    product = make_product(category=kitchen, price_cents=499)
    catalog_services.product_update(product_id=product.product_id, actor="staff", category_id=garden.category_id,
                                    price_cents=1250, expected_version=product.version)
    page = html(staff_client.get(f"/staff/products/{product.product_id}/"))
    assert "Category: <del>Kitchen</del> → Garden" in page and "Price: <del>$4.99</del> → $12.50" in page
    assert "category_id" not in page and "price_cents" not in page
    customer = make_customer()  # signs up with a password
    created = audit_list(subject=f"customer#{customer.customer_id}")[-1]
    assert created.action == "created" and not any(label == "Password" for label, _, _ in created.changes)


# Request counts at ten times the demo catalog

CONSOLE_PAGES = {  # page -> most DynamoDB requests it may make (session and staff reads included)
    "/staff/": 7,
    "/staff/customers/": 4,
    "/staff/customers/?q=load1": 5,
    "/staff/customers/?q=%2B4670": 4,
    "/staff/customers/?status=inactive": 6,
    "/staff/products/": 5,
    "/staff/products/?q=load 1": 6,
    "/staff/products/?sort=name": 4,
    "/staff/products/?low_stock=1": 4,
    "/staff/products/?shown=hidden&min_price=10": 6,
    "/staff/orders/?status=all": 4,
    "/staff/orders/?status=placed&provider=stripe": 6,
    "/staff/orders/?status=paid&date_from=2026-01-01": 4,
}


def _bulk_load(*, products: int, customers: int, orders: int, category) -> None:
    """Write many records straight to the tables (25 per BatchWriteItem): only their size matters here."""
    now = timezone.now()
    with Product.batch_write() as batch:
        for n in range(products):
            name = f"Load {n} item"
            batch.save(Product(str(uuid.uuid4()), name=name, name_key=name.casefold(), slug=f"load-{n}",
                               price_cents=500 + n, stock=n % 50, category_id=category.category_id, active=n % 3 > 0,
                               active_listing="active" if n % 3 else None,
                               active_category=category.category_id if n % 3 else None,
                               sku=f"L-{n}", created_at=now, updated_at=now))
    with Customer.batch_write() as batch:
        for n in range(customers):
            batch.save(Customer(str(uuid.uuid4()), email=f"load{n}@example.com", last_name=f"Load{n}",
                                name_key=f"load{n}", phone=f"+46 70 {n:05d}", phone_key=f"4670{n:05d}",
                                status="active" if n % 5 else "inactive", created_at=now, updated_at=now))
    with Order.batch_write() as batch:
        for n in range(orders):
            batch.save(Order(str(uuid.uuid4()), number=90000 + n, customer_id="load", email=f"load{n}@example.com",
                             lines=[], address=ADDRESS, subtotal_cents=100, shipping_cents=0, total_cents=100,
                             status=("placed", "paid", "shipped")[n % 3], history=[], created_at=now,
                             payment_provider="manual" if n % 4 else "stripe"))


def test_console_pages_cost_the_same_requests_at_ten_times_the_demo_data(staff_client, count_calls):
    category = make_category(name="Load")

    def measure():
        counted = {}
        for path, bound in CONSOLE_PAGES.items():
            with count_calls() as calls:
                assert staff_client.get(path).status_code == 200, path
            assert "Scan" not in calls, path
            assert len(calls) <= bound, (path, calls)
            counted[path] = list(calls)
        return counted

    _bulk_load(products=20, customers=10, orders=10, category=category)
    measure()  # warms the catalog cache (the category list), as any running shop has
    small = measure()
    _bulk_load(products=2000, customers=500, orders=300, category=category)  # the demo has 200 products
    large = measure()
    unfiltered = [p for p in CONSOLE_PAGES if "status=inactive" not in p and "shown=" not in p and "provider=" not in p]
    assert {p: large[p] for p in unfiltered} == {p: small[p] for p in unfiltered}


@pytest.mark.parametrize("url, action, extra, make_items, stale, check", [
    ("/staff/customers/bulk/", "activate", {},
     lambda: [customer_services.customer_update(customer_id=make_customer().customer_id, status="inactive")
              for _ in range(3)],
     lambda item: customer_services.customer_update(customer_id=item.customer_id, notes="meanwhile"),
     lambda item: customer_selectors.customer_get(customer_id=item.customer_id).status == "active"),
    ("/staff/products/bulk/", "show", {}, lambda: [make_product(active=False) for _ in range(3)],
     lambda item: catalog_services.product_update(product_id=item.product_id, expected_version=item.version, name="X"),
     lambda item: catalog_selectors.product_find(product_id=item.product_id).active),
    ("/staff/products/bulk/", "move", {"category_id": "TARGET"}, lambda: [make_product() for _ in range(3)],
     lambda item: catalog_services.product_update(product_id=item.product_id, expected_version=item.version, name="X"),
     lambda item: catalog_selectors.product_find(product_id=item.product_id).category_id != item.category_id),
    ("/staff/products/bulk/", "stock", {"stock": "12", "reason": "count"}, lambda: [make_product() for _ in range(3)],
     lambda item: catalog_services.product_delete(product_id=item.product_id),
     lambda item: catalog_selectors.product_find(product_id=item.product_id).stock == 12),
    ("/staff/orders/bulk/", "paid", {}, lambda: [place(make_customer(), make_product()) for _ in range(3)],
     lambda item: order_services.order_transition(order_id=item.order_id, status="cancelled", actor="x"),
     lambda item: order_selectors.order_find(order_id=item.order_id).status == "paid"),
    ("/staff/orders/bulk/", "cancelled", {}, lambda: [place(make_customer(), make_product()) for _ in range(3)],
     lambda item: order_services.order_transition(order_id=item.order_id, status="paid", actor="x"),
     lambda item: order_selectors.order_find(order_id=item.order_id).status == "cancelled"),
])
def test_every_bulk_action_changes_fresh_items_and_reports_a_stale_one(staff_client, url, action, extra, make_items,
                                                                        stale, check):
    items = make_items()
    if extra.get("category_id") == "TARGET":
        extra = {"category_id": make_category().category_id}
    ident = lambda item: getattr(item, "order_id", None) or getattr(item, "product_id", None) or item.customer_id  # noqa: E731
    picked = [f"{ident(item)}:{item.version}" for item in items]
    stale(items[1])
    body = html(staff_client.post(url, {"action": action, "item": picked, "confirm": "1", **extra}))
    assert re.search(r"2 of 3 \w+ changed", body), body[-2000:]
    assert "Not changed" in body
    assert check(items[0]) and check(items[2])


def test_product_and_order_searches_page_through_every_match_once():
    category = make_category()
    for n in range(5):
        make_product(category=category, name=f"Lamp {n}", slug=f"lamp-{n}", sku=f"LMP-{n}")
    make_product(category=category, name="Lantern", slug="lantern")
    seen = [p.name for p in every_page(catalog_selectors.product_search_staff, query="lamp", limit=2)]
    assert sorted(seen) == [f"Lamp {n}" for n in range(5)]
    customer, product = make_customer(), make_product(stock=50)
    placed = [place(customer, product) for _ in range(5)]
    seen = [o.order_id for o in every_page(order_selectors.order_list_by_status, status="all",
                                           date_from=timezone.localdate(), limit=2)]
    assert sorted(seen) == sorted(o.order_id for o in placed)


def test_the_dashboard_keeps_running_low_apart_from_sold_out_and_tells_namesakes_apart(staff_client):
    for n in range(9):
        make_product(name=f"Gone {n}", stock=0)
    make_product(name="Last Two", stock=2)
    make_product(name="Plenty", stock=40)
    make_customer(email="ann.one@example.com", first_name="Ann", last_name="Lee")
    make_customer(email="ann.two@example.com", first_name="Ann", last_name="Lee")
    page = staff_client.get("/staff/").content.decode()
    low, sold_out = page.split('id="low-stock"')[1].split('id="sold-out"')
    assert "Last Two</a> — 2 left" in low and "Gone" not in low and "Plenty" not in page  # 9 sold out hid it before
    assert sold_out.count("Gone ") == 8  # the first eight, with a link to all of them above
    assert "ann.one@example.com" in page and "ann.two@example.com" in page
