"""Options and variants: each with its own SKU, price and stock, sold per variant from the cart to the order,
against DynamoDB Local (the race through the conflict-emulating proxy)."""
import json
import re
import uuid

import pytest

from catalog import selectors as catalog_selectors
from catalog import services as catalog_services
from catalog.variants import line_key, variant_by_sku, variants_of
from orders import selectors, services
from orders.models import Order
from shopsite.transactions import StaleEdit
from tests.factories import make_product
from tests.orders.test_flash_sale import ADDRESS, rush

pytestmark = pytest.mark.usefixtures("tables")
SIZES, COLOURS = ["S", "M", "L"], ["Red", "Blue"]


def shirt(*, stock=0, sku="TEE", price_cents=2000):
    product = make_product(name="Tee", slug=f"tee-{uuid.uuid4().hex[:6]}", price_cents=price_cents, stock=stock, sku=sku)
    return catalog_services.product_options_set(product_id=product.product_id, expected_version=product.version,
                                                options=[("Size", SIZES), ("Colour", COLOURS)])


def variant(product, *values):
    return next(v for v in variants_of(product) if v.values == values)


def stock_of(product_id, *values):
    return variant(catalog_selectors.product_find(product_id=product_id), *values).stock


def set_stock(product, values, units):
    found = variant(catalog_selectors.product_find(product_id=product.product_id), *values)
    catalog_services.variant_stock_set(product_id=product.product_id, variant_id=found.variant_id, stock=units,
                                       expected_stock=found.stock)


def test_options_make_a_variant_per_combination_with_its_own_sku_and_the_stock_moves_to_the_first():
    product = shirt(stock=7)
    assert [v.short_label for v in variants_of(product)] == ["S / Red", "S / Blue", "M / Red", "M / Blue", "L / Red",
                                                            "L / Blue"]
    assert [v.sku for v in variants_of(product)][:2] == ["TEE-S-RED", "TEE-S-BLUE"]
    assert variant(product, "S", "Red").stock == 7 and product.stock == 7
    assert variant(product, "S", "Red").label == "Size: S, Colour: Red"
    # Each variant SKU is a guard: another product cannot take it.
    with pytest.raises(catalog_services.SkuTaken):
        make_product(sku="TEE-M-BLUE")
    found = catalog_selectors.variant_find_by_sku(sku="tee-m-blue")
    assert found is not None and found[1].values == ("M", "Blue")


def test_removing_a_value_drops_its_variants_and_their_stock_from_the_total_and_frees_their_skus():
    product = shirt()
    set_stock(product, ("L", "Red"), 4)
    set_stock(product, ("M", "Red"), 3)
    current = catalog_selectors.product_find(product_id=product.product_id)
    assert current.stock == 7
    after = catalog_services.product_options_set(product_id=product.product_id, expected_version=current.version,
                                                 options=[("Size", ["S", "M"]), ("Colour", COLOURS)])
    assert after.stock == 3 and len(variants_of(after)) == 4
    assert catalog_selectors.variant_find_by_sku(sku="TEE-L-RED") is None
    make_product(sku="TEE-L-RED")  # free again
    # Kept variants keep their stock; back to no options, the total stays as the product's stock.
    single = catalog_services.product_options_set(product_id=product.product_id, expected_version=after.version, options=[])
    assert single.stock == 3 and [v.variant_id for v in variants_of(single)] == [""]


def test_variant_edits_move_sku_guards_and_price_overrides_make_the_card_say_from():
    product = shirt()
    small = variant(product, "S", "Red")
    updated = catalog_services.product_variants_update(
        product_id=product.product_id, expected_version=product.version,
        changes={small.variant_id: {"sku": "tee-small-red", "price_cents": 1500}})
    assert variant(updated, "S", "Red").sku == "TEE-SMALL-RED" and variant(updated, "S", "Red").price_cents == 1500
    assert updated.price_from_cents == 1500
    assert catalog_selectors.variant_find_by_sku(sku="TEE-S-RED") is None
    card = catalog_selectors.product_list(sort="newest").items[0]
    assert card.price_from_cents == 1500
    with pytest.raises(StaleEdit):
        catalog_services.product_variants_update(product_id=product.product_id, expected_version=product.version,
                                                 changes={small.variant_id: {"price_cents": 1200}})
    other = make_product(sku="TAKEN")
    assert other.sku == "TAKEN"
    with pytest.raises(catalog_services.SkuTaken):
        catalog_services.product_variants_update(product_id=product.product_id, expected_version=updated.version,
                                                 changes={small.variant_id: {"sku": "TAKEN"}})


def test_cart_and_order_deal_in_variants_and_one_order_may_hold_two_variants_of_one_product():
    product = shirt()
    set_stock(product, ("M", "Red"), 5)
    set_stock(product, ("M", "Blue"), 5)
    set_stock(product, ("L", "Red"), 5)
    current = catalog_selectors.product_find(product_id=product.product_id)
    red, blue = variant(current, "M", "Red"), variant(current, "M", "Blue")
    cart_id = f"session#{uuid.uuid4().hex}"
    with pytest.raises(services.VariantNeeded):
        services.cart_add(cart_id=cart_id, product_id=product.product_id, quantity=1)
    assert services.cart_add(cart_id=cart_id, product_id=product.product_id, variant_id=red.variant_id, quantity=2) == (2, False)
    assert services.cart_add(cart_id=cart_id, product_id=product.product_id, variant_id=blue.variant_id, quantity=9) == (5, True)
    cart = selectors.cart_get(cart_id=cart_id)
    assert {line.key for line in cart.lines} == {red.line_key, blue.line_key}
    guest = services.GuestShopper(email="tee@example.com")
    order, created = services.order_place(customer=guest, cart_id=cart_id, token=str(uuid.uuid4()), address=ADDRESS,
                                          reviewed=cart.fingerprint)
    assert created
    assert sorted((line.sku, line.variant_label, int(line.quantity)) for line in order.lines) == [
        ("TEE-M-BLUE", "Size: M, Colour: Blue", 5), ("TEE-M-RED", "Size: M, Colour: Red", 2)]
    assert stock_of(product.product_id, "M", "Red") == 3 and stock_of(product.product_id, "M", "Blue") == 0
    assert stock_of(product.product_id, "L", "Red") == 5  # a sibling untouched
    assert catalog_selectors.product_find(product_id=product.product_id).stock == 8  # the total follows
    # Cancelling gives each variant its units back.
    services.order_transition(order_id=order.order_id, status="cancelled", actor="tee@example.com",
                              customer_id=guest.customer_id)
    assert stock_of(product.product_id, "M", "Red") == 5 and stock_of(product.product_id, "M", "Blue") == 5
    assert catalog_selectors.product_find(product_id=product.product_id).stock == 15


def test_a_sold_out_variant_cannot_be_added_while_its_sibling_can():
    product = shirt()
    set_stock(product, ("S", "Blue"), 1)
    current = catalog_selectors.product_find(product_id=product.product_id)
    with pytest.raises(services.ProductUnavailable):
        services.cart_add(cart_id="session#x", product_id=product.product_id,
                          variant_id=variant(current, "S", "Red").variant_id, quantity=1)
    assert services.cart_add(cart_id="session#x", product_id=product.product_id,
                             variant_id=variant(current, "S", "Blue").variant_id, quantity=1) == (1, False)
    with pytest.raises(services.ProductUnavailable):
        services.cart_add(cart_id="session#x", product_id=product.product_id, variant_id="nosuchvar", quantity=1)


@pytest.mark.slow
@pytest.mark.usefixtures("conflict_hold")
def test_fifty_buyers_for_the_last_ten_units_of_one_variant_get_exactly_ten_orders_and_the_sibling_is_untouched():
    product = shirt()
    set_stock(product, ("M", "Red"), 10)
    set_stock(product, ("M", "Blue"), 6)
    current = catalog_selectors.product_find(product_id=product.product_id)
    wanted = variant(current, "M", "Red")
    buyers = []
    for number in range(50):
        cart_id = f"session#{uuid.uuid4().hex}"
        services.cart_add(cart_id=cart_id, product_id=product.product_id, variant_id=wanted.variant_id, quantity=1)
        buyers.append((services.GuestShopper(email=f"buyer{number}@example.com"), cart_id))
    set_stock(product, ("M", "Red"), 10)  # in case a cap moved it: exactly ten left
    outcomes = rush(buyers)
    kinds = [kind for kind, _ in outcomes]
    assert not [kind for kind in kinds if kind.startswith("bug")], kinds
    placed = [order for kind, order in outcomes if kind == "ordered"]
    assert len(placed) == 10, kinds
    assert set(kinds) <= {"ordered", "sold out", "cart changed", "unavailable"}
    assert stock_of(product.product_id, "M", "Red") == 0
    assert stock_of(product.product_id, "M", "Blue") == 6
    assert catalog_selectors.product_find(product_id=product.product_id).stock == 6
    orders = [Order.get(order.order_id) for order in placed]
    assert all(o.lines[0].sku == "TEE-M-RED" for o in orders)


def test_product_page_names_the_variant_in_its_url_and_works_without_javascript(client):
    product = shirt()
    set_stock(product, ("L", "Blue"), 2)
    current = catalog_selectors.product_find(product_id=product.product_id)
    catalog_services.product_variants_update(product_id=product.product_id, expected_version=current.version,
                                             changes={variant(current, "L", "Blue").variant_id: {"price_cents": 2500}})
    url = f"/products/{product.slug}/"
    # The picker without JavaScript: a GET form whose choice is redirected to the variant's ?sku= URL.
    response = client.get(url, {"o0": "L", "o1": "Blue"})
    assert response.status_code == 302 and response["Location"] == f"{url}?sku=TEE-L-BLUE"
    page = client.get(response["Location"]).content.decode()
    assert "$25.00" in page and "Only 2 left" in page
    assert re.search(r'<option selected>L</option>', page) and re.search(r'<option selected>Blue</option>', page)
    assert 'name="variant_id" value="%s"' % variant(current, "L", "Blue").variant_id in page
    # The shown page's canonical link is the product's, whatever the variant.
    assert f'<link rel="canonical" href="http://testserver{url}">' in page
    # JSON-LD: an Offer per variant, each with its SKU, price and availability.
    ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))
    offers = ld[0]["offers"]
    assert len(offers) == 6
    by_sku = {offer["sku"]: offer for offer in offers}
    assert by_sku["TEE-L-BLUE"]["price"] == "25.00" and by_sku["TEE-L-BLUE"]["availability"].endswith("LimitedAvailability")
    assert by_sku["TEE-S-RED"]["availability"].endswith("OutOfStock") and by_sku["TEE-S-RED"]["price"] == "20.00"
    # The script's data lists every variant; a bad ?sku= shows the default one.
    data = json.loads(re.search(r'<script id="variant-data" type="application/json">(.*?)</script>', page, re.S).group(1))
    assert len(data) == 6 and {"values", "sku", "id", "price", "available"} <= set(data[0])
    assert client.get(url, {"sku": "NOPE"}).status_code == 200
    assert client.get(url, {"o0": "XL", "o1": "Red"})["Location"] == url
    # Adding the chosen variant from the page's form puts that variant in the cart.
    client.post("/cart/add/", {"product_id": product.product_id, "variant_id": variant(current, "L", "Blue").variant_id,
                               "quantity": 1}, HTTP_ORIGIN="http://testserver")
    cart = client.get("/cart/").content.decode()
    assert "Size: L, Colour: Blue" in cart and "$25.00" in cart


def test_the_listing_says_from_and_sold_out_only_when_every_variant_is(client):
    product = shirt()
    page = client.get("/products/").content.decode()
    assert "Sold out" in page
    set_stock(product, ("S", "Red"), 1)
    current = catalog_selectors.product_find(product_id=product.product_id)
    catalog_services.product_variants_update(product_id=product.product_id, expected_version=current.version,
                                             changes={variant(current, "S", "Red").variant_id: {"price_cents": 1800}})
    page = client.get("/products/").content.decode()
    assert "From $18.00" in page and "Sold out" not in page


def test_sku_lookup_matches_case_insensitively():
    product = shirt()
    assert variant_by_sku(product, "tee-l-red").values == ("L", "Red")
    assert line_key(product_id="p", variant_id="") == "p" and line_key(product_id="p", variant_id="v") == "p.v"


def test_variant_writes_refuse_what_cannot_be_and_write_nothing():
    product = shirt()
    with pytest.raises(StaleEdit):
        catalog_services.product_options_set(product_id=product.product_id, expected_version=product.version - 1,
                                             options=[("Size", ["S"])])
    with pytest.raises(catalog_services.VariantsRefused):
        catalog_services.product_options_set(product_id=product.product_id, expected_version=product.version,
                                             options=[("A", [str(n) for n in range(11)]), ("B", [str(n) for n in range(11)])])
    with pytest.raises(catalog_services.VariantsRefused):  # stock kept per variant cannot be spread
        catalog_services.product_stock_spread(product_id=product.product_id, buckets=10)
    with pytest.raises(catalog_selectors.ProductNotFound):
        catalog_services.product_options_set(product_id="nope", expected_version=1, options=[])
    with pytest.raises(catalog_selectors.ProductNotFound):
        catalog_services.product_variants_update(product_id="nope", expected_version=1, changes={})
    # Nothing to change: nothing written, the version stays.
    same = catalog_services.product_variants_update(product_id=product.product_id, expected_version=product.version,
                                                    changes={"unknown": {"sku": "X"}})
    assert same.version == product.version
    # A variant's stock set from a count that moved meanwhile is stale, never overwritten.
    small = variant(product, "S", "Red")
    catalog_services.variant_stock_set(product_id=product.product_id, variant_id=small.variant_id, stock=5, expected_stock=0)
    with pytest.raises(StaleEdit):
        catalog_services.variant_stock_set(product_id=product.product_id, variant_id=small.variant_id, stock=9,
                                           expected_stock=0)
    assert stock_of(product.product_id, "S", "Red") == 5
    # A spread product must gather its stock before it gets options.
    spread = make_product(sku="SPREAD", stock=20)
    spread = catalog_services.product_stock_spread(product_id=spread.product_id, buckets=10)
    with pytest.raises(catalog_services.VariantsRefused):
        catalog_services.product_options_set(product_id=spread.product_id, expected_version=spread.version,
                                             options=[("Size", ["S"])])
    # Deleting a product with variants frees their SKUs.
    catalog_services.product_delete(product_id=product.product_id)
    assert catalog_selectors.variant_find_by_sku(sku="TEE-S-RED") is None
    make_product(sku="TEE-S-RED")


def test_a_gallery_holds_ten_pictures_and_a_new_main_picture_replaces_its_first():
    from catalog.variants import MAX_IMAGES, gallery_of

    product = make_product(sku="PICS", image="demo/a.png")
    with pytest.raises(catalog_services.GalleryFull):
        catalog_services.product_gallery_set(product_id=product.product_id, expected_version=product.version,
                                             images=[(f"demo/{n}.png", "") for n in range(MAX_IMAGES + 1)])
    with pytest.raises(catalog_selectors.ProductNotFound):
        catalog_services.product_gallery_set(product_id="nope", expected_version=1, images=[])
    with pytest.raises(StaleEdit):
        catalog_services.product_gallery_set(product_id=product.product_id, expected_version=product.version + 1, images=[])
    product = catalog_services.product_gallery_set(product_id=product.product_id, expected_version=product.version,
                                                   images=[("demo/a.png", "front"), ("demo/b.png", "back")])
    product = catalog_services.product_update(product_id=product.product_id, expected_version=product.version,
                                              image="demo/c.png")
    assert [(image.path, image.alt) for image in gallery_of(product)] == [("demo/c.png", "front"), ("demo/b.png", "back")]
    product = catalog_services.product_update(product_id=product.product_id, expected_version=product.version, image=None)
    assert [image.path for image in gallery_of(product)] == ["demo/b.png"] and product.image == "demo/b.png"
    product = catalog_services.product_gallery_set(product_id=product.product_id, expected_version=product.version,
                                                   images=[])
    assert product.image is None and gallery_of(product) == []


def test_the_sku_upgrade_leaves_products_with_a_sku_alone():
    product = make_product(sku="HAS")
    assert catalog_services.product_sku_assign(product_id=product.product_id) is None
    assert catalog_services.product_sku_assign(product_id="nope") is None


def test_a_product_with_variants_is_one_read_on_a_miss_and_its_listing_one_query(client, count_calls):
    from django.core.cache import cache

    product = shirt()
    set_stock(product, ("M", "Blue"), 3)
    cache.clear()
    with count_calls() as calls:
        assert client.get(f"/products/{product.slug}/?sku=TEE-M-BLUE").status_code == 200
    assert calls == ["Query"]  # the product with every variant, its stock and pictures: one item (budget: 2)
    with count_calls() as calls:
        client.get(f"/products/{product.slug}/?sku=TEE-S-RED")
    assert calls == []  # another variant of a cached product: no read
    cache.clear()
    with count_calls() as calls:
        page = client.get("/products/").content.decode()
    assert calls == ["Query"] and "Tee" in page


@pytest.mark.parametrize("query", [
    {"sku": "x" * 5000}, {"sku": "\x00"}, {"o0": "M" * 3000, "o1": "Red"}, {"o0": "", "o1": ""}, {"o2": "L"},
    {"o0": "S", "o1": "Red", "sku": "TEE-M-BLUE"}, {"sku": "TEE-M-BLUE", "cursor": "forged"},
])
def test_bad_variant_addresses_show_the_product_or_lead_to_it_never_an_error(client, query):
    product = shirt()
    response = client.get(f"/products/{product.slug}/", query)
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert response["Location"].startswith(f"/products/{product.slug}/")


@pytest.mark.parametrize("data", [
    {"variant_id": "x" * 50, "quantity": 1}, {"variant_id": "../../", "quantity": 1}, {"variant_id": "", "quantity": 1},
    {"variant_id": None, "quantity": "many"},
])
def test_bad_variant_posts_to_the_cart_get_a_message_and_change_nothing(client, data):
    product = shirt()
    body = {"product_id": product.product_id, **{k: v for k, v in data.items() if v is not None}}
    response = client.post("/cart/add/", body, HTTP_ORIGIN="http://testserver", follow=True)
    assert response.status_code == 200
    assert selectors.cart_get(cart_id=client.session.get("cart_id")).lines == []
    for bad in ("x" * 200, "a.b.c", ""):
        assert client.post("/cart/update/", {"line": bad, "quantity": 1}, follow=True).status_code == 200


def test_generated_variant_skus_keep_the_products_own_hyphens():
    from catalog.variants import sku_suggest

    assert sku_suggest(base="ORGANIC-COTTON-TEE", values=("M", "Navy blue")) == "ORGANIC-COTTON-TEE-M-NAVYBLUE"
    assert sku_suggest(base="a b//c", values=("36-39",)) == "A-B-C-3639"
