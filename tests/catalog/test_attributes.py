"""Product types and attributes: a specification table, and facets on category pages that are one bounded read."""
import io

import pytest
from django.core.cache import cache
from django.core.management import call_command

from catalog import selectors
from catalog import services
from catalog.models import FacetCard
from shopsite.transactions import StaleEdit
from tests.factories import make_category, make_product

pytestmark = pytest.mark.usefixtures("tables")

ATTRIBUTES = [
    {"name": "Material", "kind": "choice", "values": ["Cotton", "Wool", "Linen"], "facet": True},
    {"name": "Weight", "kind": "number", "unit": "g"},
    {"name": "Care", "kind": "text"},
]


def described(product, **values):
    clothing = selectors.product_type_list()[0] if selectors.product_type_list() else services.product_type_create(
        name="Clothing", attributes=ATTRIBUTES)
    return services.product_attributes_set(product_id=product.product_id, expected_version=product.version,
                                           type_id=clothing.type_id, values=values)


def test_a_product_of_a_type_shows_its_specification_table(client):
    shirt = described(make_product(name="Shirt", slug="shirt"), material="Linen", weight=180, care="Cold wash",
                      unknown="dropped")
    assert shirt.attributes.as_dict() == {"material": "Linen", "weight": 180, "care": "Cold wash"}
    page = client.get("/products/shirt/").content.decode()
    assert '<th scope="row">Material</th><td>Linen</td>' in page and '<th scope="row">Weight</th><td>180 g</td>' in page
    with pytest.raises(services.TypeRefused):
        described(shirt, material="Silk")  # not one of the choice's values
    with pytest.raises(StaleEdit):
        services.product_attributes_set(product_id=shirt.product_id, expected_version=shirt.version - 1,
                                        type_id=shirt.type_id, values={})


def test_a_facet_is_one_query_of_its_own_partition_and_follows_every_product_change(client, count_calls):
    tops = make_category(name="Tops", slug="tops")
    linen = [described(make_product(category=tops, name=f"Linen top {n}", slug=f"linen-{n}"), material="Linen")
             for n in range(3)]
    described(make_product(category=tops, name="Wool top", slug="wool-top"), material="Wool")
    make_product(category=tops, name="Plain top", slug="plain-top")
    cache.clear()
    with count_calls() as calls:
        page = client.get("/categories/tops/", {"f": "material:Linen"}).content.decode()
    assert calls == ["Query", "Query", "Query"]  # the category list, the types list, the facet's partition
    assert page.count('class="product-card') == 3 and "Wool top" not in page and "Plain top" not in page
    assert 'aria-current="true" class="chosen">Linen</a>' in page and "Show all, not only Material: Linen" in page
    with count_calls() as calls:
        client.get("/categories/tops/", {"f": "material:Linen"})
    assert calls == []  # cached
    # A product renamed, hidden, moved or deleted leaves or changes its facet card.
    services.product_update(product_id=linen[0].product_id, expected_version=linen[0].version, name="Linen tunic")
    services.product_set_active(product_id=linen[1].product_id, active=False)
    services.product_delete(product_id=linen[2].product_id)
    assert [card.name for card in selectors.product_list_for_facet(category_id=tops.category_id, code="material",
                                                                   value="Linen").items] == ["Linen tunic"]
    # Unknown facets or values show the whole category, never an error.
    assert client.get("/categories/tops/", {"f": "material:Silk"}).status_code == 200
    assert client.get("/categories/tops/", {"f": "nope"}).status_code == 200
    report = io.StringIO()
    call_command("check_integrity", stdout=report)
    assert "No problems found." in report.getvalue()


def test_check_integrity_restores_lost_facet_cards():
    tops = make_category(name="Tops", slug="tops")
    product = described(make_product(category=tops, name="Linen top", slug="linen-top"), material="Linen")
    for card in FacetCard.scan():
        card.delete()
    FacetCard("x#material#wool", "stray#gone", product_id="gone", name="Gone", slug="gone", price_cents=1).save()
    report = io.StringIO()
    try:
        call_command("check_integrity", "--fix", stdout=report)
    except SystemExit:
        pass
    assert "facet cards missing" in report.getvalue()
    assert [card.product_id for card in FacetCard.scan()] == [product.product_id]


def test_staff_define_a_type_and_describe_a_product(staff_client, client):
    response = staff_client.post("/staff/product-types/new/", {
        "name": "Lamp", "a-TOTAL_FORMS": 3, "a-INITIAL_FORMS": 0,
        "a-0-name": "Bulb", "a-0-kind": "choice", "a-0-values": "E27, GU10, e27", "a-0-facet": "on",
        "a-1-name": "Height", "a-1-kind": "number", "a-1-unit": "cm",
        "a-2-name": "", "a-2-kind": "text"}, follow=True)
    assert "Product type “Lamp” saved." in response.content.decode()
    lamp = selectors.product_type_list()[0]
    assert [(a.code, a.kind, a.values, a.facet) for a in lamp.attributes] == [
        ("bulb", "choice", ["E27", "GU10"], True), ("height", "number", None, False)]
    refused = staff_client.post("/staff/product-types/new/", {
        "name": "Bad", "a-TOTAL_FORMS": 1, "a-INITIAL_FORMS": 0, "a-0-name": "Size", "a-0-kind": "text",
        "a-0-facet": "on"})
    assert refused.status_code == 400 and "Only a choice can filter category pages." in refused.content.decode()
    product = make_product(name="Desk lamp", slug="desk-lamp")
    url = f"/staff/products/{product.product_id}/"
    staff_client.post(f"{url}specifications/", {"version": product.version, "type_id": lamp.type_id})
    product = selectors.product_find(product_id=product.product_id)
    page = staff_client.get(url).content.decode()
    assert 'name="attr_bulb"' in page and "Height (cm)" in page
    staff_client.post(f"{url}specifications/", {"version": product.version, "type_id": lamp.type_id,
                                                 "attr_bulb": "GU10", "attr_height": "42.5"})
    assert selectors.product_find(product_id=product.product_id).attributes.as_dict() == {"bulb": "GU10", "height": 42.5}
    assert "<td>42.5 cm</td>" in client.get("/products/desk-lamp/").content.decode()
    bad = staff_client.post(f"{url}specifications/", {"version": product.version + 1, "type_id": lamp.type_id,
                                                       "attr_bulb": "B22"})
    assert bad.status_code == 400  # not one of the choices: the form says so
