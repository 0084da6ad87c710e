"""catalog.services: guards, counts and versions stay exact through every kind of edit."""
import pytest

from catalog import selectors, services
from catalog.models import Category, SearchTerm, SlugGuard
from shopsite.transactions import StaleEdit
from tests.factories import make_category, make_product

pytestmark = pytest.mark.usefixtures("tables")


def count_of(category):
    return Category.get(category.category_id).product_count


def guard_owner(kind, slug):
    try:
        return SlugGuard.get(f"{kind}#{slug}").owner_id
    except SlugGuard.DoesNotExist:
        return None


def test_category_update_renames_and_swaps_the_slug_guard():
    category = make_category(slug="old-slug")
    updated = services.category_update(category_id=category.category_id, expected_version=category.version,
                                       name="New name", slug="new-slug", position=3)
    assert (updated.name, updated.slug, updated.position) == ("New name", "new-slug", 3)
    assert guard_owner("category", "new-slug") == category.category_id
    assert guard_owner("category", "old-slug") is None
    assert selectors.category_by_slug(slug="new-slug").category_id == category.category_id


def test_category_update_without_a_slug_change_keeps_the_guard():
    category = make_category(slug="steady")
    services.category_update(category_id=category.category_id, expected_version=category.version, name="Renamed")
    assert guard_owner("category", "steady") == category.category_id


def test_category_update_refuses_a_taken_slug_and_a_stale_version():
    first, second = make_category(slug="first"), make_category(slug="second")
    with pytest.raises(services.SlugTaken):
        services.category_update(category_id=second.category_id, expected_version=second.version, slug="first")
    assert guard_owner("category", "second") == second.category_id  # nothing half-done
    with pytest.raises(StaleEdit) as stale:
        services.category_update(category_id=first.category_id, expected_version=first.version + 1, name="x")
    assert stale.value.current.version == first.version
    with pytest.raises(selectors.CategoryNotFound):
        services.category_update(category_id="missing", expected_version=1, name="x")


def test_category_update_loses_a_race_with_another_edit():
    category = make_category(slug="raced")
    services.category_update(category_id=category.category_id, expected_version=category.version, name="First")
    with pytest.raises(StaleEdit):
        services.category_update(category_id=category.category_id, expected_version=category.version, name="Second")


def test_moving_a_product_moves_the_counts_and_renaming_swaps_guards_and_terms():
    kitchen, garden = make_category(slug="kitchen"), make_category(slug="garden")
    product = make_product(category=kitchen, name="Copper kettle", slug="copper-kettle")
    assert (count_of(kitchen), count_of(garden)) == (1, 0)
    moved = services.product_update(product_id=product.product_id, expected_version=product.version,
                                    category_id=garden.category_id, slug="brass-kettle", name="Brass kettle")
    assert (count_of(kitchen), count_of(garden)) == (0, 1)
    assert guard_owner("product", "brass-kettle") == product.product_id and guard_owner("product", "copper-kettle") is None
    assert SearchTerm.count("brass") == 1 and SearchTerm.count("copper") == 0
    assert moved.category_id == garden.category_id


def test_moving_a_product_to_a_missing_category_or_a_taken_slug_changes_nothing():
    kitchen = make_category()
    product = make_product(category=kitchen, slug="one")
    make_product(category=kitchen, slug="two")
    with pytest.raises(selectors.CategoryNotFound):
        services.product_update(product_id=product.product_id, expected_version=product.version, category_id="nope")
    with pytest.raises(services.SlugTaken):
        services.product_update(product_id=product.product_id, expected_version=product.version, slug="two")
    assert count_of(kitchen) == 2 and guard_owner("product", "one") == product.product_id
    with pytest.raises(StaleEdit):
        services.product_update(product_id=product.product_id, expected_version=product.version + 5, name="x")
    with pytest.raises(selectors.ProductNotFound):
        services.product_update(product_id="missing", expected_version=1, name="x")


def test_deleting_a_product_removes_guard_terms_and_count():
    kitchen = make_category()
    product = make_product(category=kitchen, slug="gone", name="Vanishing whisk")
    services.product_delete(product_id=product.product_id)
    assert count_of(kitchen) == 0 and guard_owner("product", "gone") is None
    assert SearchTerm.count("vanishing") == 0 and selectors.product_find(product_id=product.product_id) is None
    with pytest.raises(selectors.ProductNotFound):
        services.product_delete(product_id=product.product_id)
    services.category_delete(category_id=kitchen.category_id)
    assert guard_owner("category", kitchen.slug) is None
    with pytest.raises(selectors.CategoryNotFound):
        services.category_delete(category_id=kitchen.category_id)


def test_hiding_a_product_takes_it_out_of_listings_and_search():
    product = make_product(name="Shy lantern")
    services.product_set_active(product_id=product.product_id, active=False)
    assert SearchTerm.count("shy") == 0
    assert selectors.product_find(product_id=product.product_id).active is False
    services.product_set_active(product_id=product.product_id, active=True)
    assert SearchTerm.count("shy") == 1
    with pytest.raises(selectors.ProductNotFound):
        services.product_set_active(product_id="missing", active=True)


def test_stock_adjust_refuses_below_zero_and_missing_products():
    product = make_product(stock=2)
    assert services.product_stock_adjust(product_id=product.product_id, delta=3) == 5
    with pytest.raises(services.StockTooLow):
        services.product_stock_adjust(product_id=product.product_id, delta=-6)
    with pytest.raises(selectors.ProductNotFound):
        services.product_stock_adjust(product_id="missing", delta=-1)


def test_creating_a_product_in_a_missing_category_writes_nothing():
    with pytest.raises(selectors.CategoryNotFound):
        services.product_create(name="Orphan", slug="orphan", price_cents=100, category_id="missing")
    assert guard_owner("product", "orphan") is None


def test_a_delete_racing_a_move_is_stale_and_counts_stay_exact(monkeypatch):
    """The delete read the product in one category; an edit moved it before the delete wrote."""
    first, second = make_category(), make_category()
    product = make_product(category=first)
    real = services.product_find

    def read_then_move(*, product_id):
        seen = real(product_id=product_id)
        monkeypatch.setattr(services, "product_find", real)
        services.product_update(product_id=product_id, expected_version=seen.version, category_id=second.category_id)
        return seen

    monkeypatch.setattr(services, "product_find", read_then_move)
    with pytest.raises(StaleEdit):
        services.product_delete(product_id=product.product_id)
    assert (count_of(first), count_of(second)) == (0, 1)
    assert guard_owner("product", product.slug) == product.product_id
