"""check_integrity finds every kind of drift in derived data, and --fix repairs it."""
import io

import pytest
from django.core.management import call_command

from catalog import services as catalog_services
from catalog.models import CategoryCounter, SearchTerm, SlugGuard
from customers.models import CustomerEmail
from tests.factories import make_category, make_customer, make_product

pytestmark = pytest.mark.usefixtures("tables")


def run(*args):
    out = io.StringIO()
    try:
        call_command("check_integrity", *args, stdout=out, stderr=io.StringIO())
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, out.getvalue()


def test_a_clean_shop_has_no_problems():
    make_product(name="Plain kettle")
    make_customer()
    assert run() == (0, "No problems found.\n")


def test_each_kind_of_drift_is_found_and_fixed():
    category = make_category(slug="tools")
    product = make_product(category=category, slug="hammer", name="Claw hammer")
    customer = make_customer(email="guarded@example.com")
    # Drift of every kind, as a crash between a commit and its follow-up work would leave it:
    CategoryCounter(category.category_id).update(actions=[CategoryCounter.product_count.set(7)])
    SlugGuard("product#hammer").delete()
    SlugGuard("product#left-behind", owner_id="gone").save()
    SearchTerm("claw", product.product_id).delete()
    SearchTerm("ghost", "deleted-product", name="Ghost", slug="ghost", price_cents=1).save()
    CustomerEmail("guarded@example.com").delete()
    CustomerEmail("orphan@example.com", customer_id="nobody").save()

    code, report = run()
    assert code == 1
    for expected in ("tools counts 7 products but has 1", "product#hammer has no guard", "guard product#left-behind",
                     f"product {product.product_id}: 1 terms missing", "product deleted-product: 0 terms missing, 1 extra",
                     f"customer {customer.customer_id} (guarded@example.com) has no guard", "guard orphan@example.com"):
        assert expected in report, (expected, report)

    code, report = run("--fix")
    assert code == 0 and "(fixed)" in report
    assert run() == (0, "No problems found.\n")
    assert SearchTerm.count("claw") == 1 and SearchTerm.count("ghost") == 0


def test_a_category_with_products_keeps_its_count_exact_through_moves_and_deletes():
    first, second = make_category(), make_category()
    products = [make_product(category=first) for _ in range(3)]
    catalog_services.product_update(product_id=products[0].product_id, expected_version=products[0].version,
                                    category_id=second.category_id)
    catalog_services.product_delete(product_id=products[1].product_id)
    assert run() == (0, "No problems found.\n")
    with pytest.raises(catalog_services.CategoryNotEmpty):
        catalog_services.category_delete(category_id=first.category_id)


def test_a_failure_after_the_commit_keeps_the_save_and_is_repaired_later(monkeypatch):
    from catalog import selectors as catalog_selectors

    product = make_product(name="Sturdy ladder")

    def broken(**kwargs):
        raise ConnectionError("search index unreachable")

    monkeypatch.setattr(catalog_services, "search_terms_write", broken)
    saved = catalog_services.product_update(product_id=product.product_id, expected_version=product.version, name="Tall ladder")
    assert saved.name == "Tall ladder" == catalog_selectors.product_find(product_id=product.product_id).name
    monkeypatch.undo()
    code, report = run()
    assert code == 1 and f"product {product.product_id}" in report
    run("--fix")
    assert SearchTerm.count("tall") == 1 and SearchTerm.count("sturdy") == 0


def test_console_drift_is_found_and_fixed():
    """Records from before the console (no tallies, no search keys, not on the All tab or People page)."""
    from accounts.selectors import OWNERS_TALLY
    from accounts.models import Staff
    from customers.models import Customer
    from customers.selectors import customer_count, customer_search
    from orders.models import Order
    from shopsite.models import Tally
    from tests.factories import make_staff

    customer = make_customer(first_name="Old", last_name="Timer", phone="555 0199")
    make_staff()
    Customer(customer.customer_id).update(actions=[Customer.name_key.remove(), Customer.phone_key.remove()],
                                          add_version_condition=False)
    Tally("customers").delete()
    Tally(OWNERS_TALLY).delete()
    Staff.scan().next().update(actions=[Staff.listing.remove()])
    assert customer_search(query="timer").items == [] and customer_count() == 0
    code, out = run()
    assert code == 1
    for problem in ("customers value says 0", "is missing from staff search", "staff-owners value says 0",
                    "is missing from the People page"):
        assert problem in out, out
    run("--fix")
    assert run() == (0, "No problems found.\n")
    assert [c.email for c in customer_search(query="timer").items] == [customer.email] and customer_count() == 1
    assert [c.email for c in customer_search(query="555").items] == [customer.email]
    assert Order.listing.attr_name == "listing"


def test_the_upgrade_gives_old_products_a_sku_and_variant_drift_is_found_and_fixed():
    from catalog.models import Product, ProductStock, SlugGuard as Guard
    from catalog import selectors as catalog_selectors
    from catalog.variants import variants_of

    # A product as the release before variants left it: no SKU, no guard for one.
    old = make_product(slug="old-mug", name="Old mug")
    Guard(f"sku#{old.sku}").delete()
    Product(old.product_id).update(actions=[Product.sku.remove()], add_version_condition=False)
    clashing = make_product(slug="other", sku="OLD-MUG")  # the SKU the upgrade would first choose is taken
    tee = make_product(slug="tee", sku="TEE", stock=0)
    tee = catalog_services.product_options_set(product_id=tee.product_id, expected_version=tee.version,
                                               options=[("Size", ["S", "M"])])
    assert run() != (0, "No problems found.\n")  # the SKU-less product only
    code, report = run()
    assert "old-mug has no SKU" in report and "guard sku#TEE-S" not in report  # variant guards are owned
    assert run("--fix")[0] == 0
    assert catalog_selectors.product_find(product_id=old.product_id).sku == "OLD-MUG-2"
    assert clashing.sku == "OLD-MUG"
    # A variant count lost and the total off (a crash in a hand edit, say): found and fixed from the counts.
    small = variants_of(tee)[0]
    ProductStock(tee.product_id).update(actions=[ProductStock.stock.set(9)])
    code, report = run()
    assert code == 1 and "tee: stock 9, its variants hold 0" in report
    run("--fix")
    assert run() == (0, "No problems found.\n")
    assert catalog_selectors.product_find(product_id=tee.product_id).stock == 0 and small.stock == 0
    assert run("--fix") == (0, "No problems found.\n")  # idempotent


def test_an_index_dynamodb_local_never_finishes_stops_create_tables_with_what_to_do(monkeypatch):
    from django.core.management.base import CommandError

    from shopsite import tables

    class Stuck:
        """A client whose new index stays CREATING, as DynamoDB Local leaves one on older data."""

        added = False

        def describe_table(self, TableName):
            indexes = [{"IndexName": "old-index", "IndexStatus": "ACTIVE"}]
            if self.added:
                indexes.append({"IndexName": "new-index", "IndexStatus": "CREATING"})
            return {"Table": {"TableStatus": "ACTIVE", "GlobalSecondaryIndexes": indexes}}

        def update_table(self, **kwargs):
            self.added = True
            return {}

        class exceptions:
            LimitExceededException = RuntimeError

    monkeypatch.setattr(tables, "LOCAL_INDEX_PATIENCE", 2)
    monkeypatch.setattr(tables.time, "sleep", lambda seconds: None)
    monkeypatch.setattr(tables, "table_request", lambda model: {
        "TableName": "t", "AttributeDefinitions": [], "GlobalSecondaryIndexes": [{"IndexName": "new-index"}]})
    with pytest.raises(tables.IndexStuck, match="make clean-data"):
        tables._indexes_converge(Stuck(), object)
    monkeypatch.setattr(tables, "tables_converge", lambda: (_ for _ in ()).throw(tables.IndexStuck("stuck: make clean-data")))
    with pytest.raises(CommandError, match="make clean-data"):
        call_command("create_tables", stdout=io.StringIO())
