"""CSV exports in the staff console: every row through paged Queries, formulas neutralised, a size limit."""
import pytest
import csv
import io
import re
import uuid

from django.test import Client

from console import exports as csv_export
from shopsite.csv_cells import cell_guard, cell_unguard
from tests.factories import make_category, make_customer, make_product

ADDRESS = {"name": "A", "line1": "1 St", "city": "X", "postal_code": "1", "country": "US"}


def rows_of(response):
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.mark.usefixtures("tables")
def test_customers_export_pages_through_every_customer_without_a_scan(staff_client, count_calls):
    for n in range(130):
        make_customer(email=f"c{n:03d}@example.com", first_name="Ann")
    make_customer(email="evil@example.com", first_name="=HYPERLINK(\"http://x\")", last_name="+1", phone="-2", city="@3")
    with count_calls() as calls:
        rows = rows_of(staff_client.get("/staff/customers/export.csv"))
    assert "Scan" not in calls and calls.count("Query") == 2  # 131 customers (+ the staff fixture's none): two pages
    assert rows[0][:3] == ["customer_id", "email", "first_name"] and len(rows) == 1 + 131
    evil = next(row for row in rows if row[1] == "evil@example.com")
    assert evil[2:5] == ["'=HYPERLINK(\"http://x\")", "'+1", "'-2"] and evil[7] == "'@3"


@pytest.mark.usefixtures("tables")
def test_orders_and_products_export_as_on_screen(staff_client):
    from orders import services

    category = make_category(name="Kitchen")
    product = make_product(category=category, name="Pan", stock=9, price_cents=1500)
    make_product(category=category, name="Hidden pot", active=False)
    customer = make_customer()
    cart_id = services.cart_id_for_customer(customer.customer_id)
    services.cart_add(cart_id=cart_id, product_id=product.product_id, quantity=2)
    order, _ = services.order_place(customer=customer, cart_id=cart_id, token=str(uuid.uuid4()), address=ADDRESS)
    placed = rows_of(staff_client.get("/staff/orders/export.csv", {"status": "placed"}))
    assert placed[1][:7] == [order.reference, order.order_id, order.created_at.isoformat(), "placed", customer.email, "Pan", "2"]
    assert len(rows_of(staff_client.get("/staff/orders/export.csv", {"status": "paid"}))) == 1  # just the header
    assert len(rows_of(staff_client.get("/staff/orders/export.csv", {"status": "nonsense"}))) == 2  # falls back to placed
    products = rows_of(staff_client.get("/staff/products/export.csv"))
    assert {(row[1], row[4], row[7]) for row in products[1:]} == {("Pan", "Kitchen", "yes"), ("Hidden pot", "Kitchen", "no")}


@pytest.mark.usefixtures("tables")
def test_an_export_too_large_for_one_response_says_so(staff_client, monkeypatch):
    for n in range(5):
        make_customer(email=f"big{n}@example.com")
    monkeypatch.setattr(csv_export, "MAX_BYTES", 200)
    response = staff_client.get("/staff/customers/export.csv")
    assert response.status_code == 200 and "Your export is ready" in response.content.decode()
    link = re.search(r'href="(/staff/exports/[^"]+)"', response.content.decode()).group(1)
    download = staff_client.get(link)
    body = b"".join(download.streaming_content).decode("utf-8-sig")
    assert download["Content-Disposition"].startswith('attachment; filename="customers.csv"')
    assert {f"big{n}@example.com" for n in range(5)} <= set(re.findall(r"big\d@example.com", body))
    assert Client().get(link).status_code == 302  # staff only
    assert staff_client.get("/staff/exports/../settings.py").status_code == 404
    assert staff_client.get("/staff/exports/nothing/here.csv").status_code == 404
    monkeypatch.setattr(csv_export, "STORED_MAX_BYTES", 200)
    refused = staff_client.get("/staff/customers/export.csv", follow=True)
    assert "too large even to store" in refused.content.decode()


def test_guard_then_unguard_gives_back_any_text_and_nothing_guarded_can_start_a_formula():
    from hypothesis import given, settings, strategies as st

    alphabet = st.sampled_from(list("=+-@|' \t\r\nab1") + ["\uff1d", "\uff0b", "\uff0d", "\uff20", "\u200b", "\ufeff"])

    @settings(max_examples=400, deadline=None)
    @given(st.text(alphabet=alphabet, max_size=8) | st.text(max_size=12))
    def check(text):
        guarded = cell_guard(text)
        assert cell_unguard(guarded) == text
        start = guarded.lstrip(" \u00a0\u200b\u200c\u200d\u2060\ufeff")
        assert not start or start[0] not in "=+-@\t\r\uff1d\uff0b\uff0d\uff20" and ("|" not in guarded or guarded[0] == "'")

    check()
