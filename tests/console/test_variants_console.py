"""Staff give a product options and edit its variant matrix: SKUs, prices, stock (in bulk, with a reason)."""
import pytest

from catalog import selectors
from catalog.variants import variants_of
from tests.factories import make_product

pytestmark = pytest.mark.usefixtures("tables")


def matrix_post(product, rows, **extra):
    data = {"v-TOTAL_FORMS": len(rows), "v-INITIAL_FORMS": len(rows), "version": product.version, **extra}
    for number, row in enumerate(rows):
        data |= {f"v-{number}-{key}": value for key, value in row.items()}
    return data


def rows_of(product):
    return [{"variant_id": v.variant_id, "sku": v.sku, "price": "", "stock": v.stock, "stock_was": v.stock,
             "enabled": "on"} for v in variants_of(product)]


def test_staff_add_options_then_edit_the_matrix_and_set_stock_for_all(staff_client):
    product = make_product(name="Hoodie", slug="hoodie", sku="HOOD", stock=4)
    url = f"/staff/products/{product.product_id}/"
    response = staff_client.post(f"{url}options/", {"version": product.version, "name1": "Size", "values1": "S, M, m, L",
                                                    "name2": "Colour", "values2": "Grey,Black"}, follow=True)
    assert "Options saved: 6 variants." in response.content.decode()
    product = selectors.product_find(product_id=product.product_id)
    assert [v.sku for v in variants_of(product)][:3] == ["HOOD-S-GREY", "HOOD-S-BLACK", "HOOD-M-GREY"]
    assert product.stock == 4 and variants_of(product)[0].stock == 4
    page = response.content.decode()
    assert 'name="v-0-sku"' in page and "Adjust stock" not in page  # stock is per variant now
    rows = rows_of(product)
    rows[1] |= {"sku": "hood-s-blk", "price": "45.00", "stock": 7}
    rows[5]["enabled"] = ""
    del rows[5]["enabled"]
    response = staff_client.post(f"{url}variants/", matrix_post(product, rows, reason="delivery"), follow=True)
    assert "Variants saved." in response.content.decode()
    product = selectors.product_find(product_id=product.product_id)
    second, last = variants_of(product)[1], variants_of(product)[5]
    assert (second.sku, second.price_cents, second.stock) == ("HOOD-S-BLK", 4500, 7)
    assert not last.enabled and product.stock == 11
    # Everything to 3, with a reason (required).
    refused = staff_client.post(f"{url}variants/", matrix_post(product, rows_of(product), set_all=3))
    assert refused.status_code == 400 and "Say why the stock changes." in refused.content.decode()
    staff_client.post(f"{url}variants/", matrix_post(product, rows_of(product), set_all=3, reason="count"))
    product = selectors.product_find(product_id=product.product_id)
    assert [v.stock for v in variants_of(product)] == [3] * 6 and product.stock == 18
    history = staff_client.get(url).content.decode()
    assert "Reason: count" in history and "Variants added" in history and "Stock of HOOD-S-BLK" in history


def test_bad_options_and_matrix_input_get_messages_and_change_nothing(staff_client):
    product = make_product(sku="BAD")
    url = f"/staff/products/{product.product_id}/"
    response = staff_client.post(f"{url}options/", {"version": product.version, "values1": "S, M",
                                                    "name2": "Size", "values2": ""})
    page = response.content.decode()
    assert response.status_code == 400 and "Name this option." in page and "Give at least one value." in page
    too_many = staff_client.post(f"{url}options/", {"version": product.version, "name1": "A",
                                                    "values1": ",".join(str(n) for n in range(11)),
                                                    "name2": "B", "values2": ",".join(str(n) for n in range(11))})
    assert too_many.status_code == 400 and "at most 100" in too_many.content.decode()
    assert selectors.product_find(product_id=product.product_id).variants is None
    staff_client.post(f"{url}options/", {"version": product.version, "name1": "Size", "values1": "S, M"})
    product = selectors.product_find(product_id=product.product_id)
    rows = rows_of(product)
    rows[0] |= {"sku": "bad sku!", "stock": -1}
    response = staff_client.post(f"{url}variants/", matrix_post(product, rows))
    assert response.status_code == 400 and "Use letters, digits" in response.content.decode()
    rows = rows_of(product)
    rows[0]["sku"] = rows[1]["sku"]
    response = staff_client.post(f"{url}variants/", matrix_post(product, rows))
    assert response.status_code == 400 and "already used" in response.content.decode()
    stale = staff_client.post(f"{url}options/", {"version": product.version - 1, "name1": "Size", "values1": "XL"})
    assert stale.status_code == 409
    assert [v.sku for v in variants_of(selectors.product_find(product_id=product.product_id))] == ["BAD-S", "BAD-M"]


def test_csv_export_has_a_row_per_variant_and_importing_it_back_changes_only_what_was_edited(staff_client):
    import csv
    import io
    import re

    from django.core.files.uploadedfile import SimpleUploadedFile

    from catalog import services

    product = make_product(name="Cap", slug="cap", sku="CAP", price_cents=1500, stock=0)
    services.product_options_set(product_id=product.product_id, expected_version=product.version,
                                 options=[("Size", ["S", "L"]), ("Colour", ["Red", "Blue"])])
    make_product(name="Mug", slug="mug", sku="MUG", stock=3)
    exported = staff_client.get("/staff/products/export.csv").content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert sorted((row["sku"], row["variant"]) for row in rows) == [
        ("CAP-L-BLUE", "L / Blue"), ("CAP-L-RED", "L / Red"), ("CAP-S-BLUE", "S / Blue"), ("CAP-S-RED", "S / Red"),
        ("MUG", "")]

    def upload(text):
        preview = staff_client.post("/staff/products/import/", {"file": SimpleUploadedFile("p.csv", text.encode())})
        return preview.content.decode()

    assert upload(exported).count(">unchanged<") == 5
    for row in rows:
        if row["variant"] == "L / Blue":
            row |= {"stock": "6", "price": "17.50", "sku": "CAP-LB"}
        if row["variant"] == "S / Red":
            row["variant"] = "XXL / Green"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    preview = upload(out.getvalue())
    assert preview.count(">unchanged<") == 3 and "has no variant “XXL / Green”" in preview
    token = re.search(r'name="token" value="([^"]+)"', preview).group(1)
    applied = staff_client.post("/staff/products/import/", {"token": token}).content.decode()
    assert "updated: SKU, price; stock 0 → 6" in applied, re.findall(r"<td[^>]*>([^<]*(?:updated|stale|skipped)[^<]*)<", applied)
    cap = selectors.product_find(product_id=product.product_id)
    large_blue = next(v for v in variants_of(cap) if v.values == ("L", "Blue"))
    assert (large_blue.sku, large_blue.price_cents, large_blue.stock) == ("CAP-LB", 1750, 6) and cap.stock == 6
    assert selectors.variant_find_by_sku(sku="CAP-LB") is not None


def test_a_new_product_without_a_slug_or_sku_gets_them_from_its_name(staff_client):
    from tests.factories import make_category

    kitchen = make_category(name="Kitchen")
    response = staff_client.post("/staff/products/new/", {"name": "Crème Brûlée Torch!", "price": "19.00",
                                                           "category_id": kitchen.category_id, "stock": 2,
                                                           "active": "on"})
    assert response.status_code == 302
    product = selectors.product_by_slug(slug="creme-brulee-torch")
    assert product is not None and product.sku == "CREME-BRULEE-TORCH"
    refused = staff_client.post("/staff/products/new/", {"name": "!!!", "price": "19.00",
                                                          "category_id": kitchen.category_id, "stock": 2})
    assert refused.status_code == 400 and "the name has no letters" in refused.content.decode()


def _png(seed):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from catalog.images import placeholder_png

    return SimpleUploadedFile(f"p{seed}.png", placeholder_png(width=400, height=300, colour=(10 * seed, 90, 120), seed=seed),
                              content_type="image/png")


def test_staff_build_a_gallery_with_alt_text_reorder_and_remove_and_shoppers_see_it(staff_client, client):
    import json
    import re

    from catalog.variants import gallery_of

    product = make_product(name="Lamp", slug="lamp", sku="LAMP")
    url = f"/staff/products/{product.product_id}/"
    for seed, alt in ((1, "the lamp, lit"), (2, "the lamp from the side"), (3, "")):
        version = selectors.product_find(product_id=product.product_id).version
        response = staff_client.post(f"{url}gallery/", {"version": version, "image": _png(seed), "alt": alt}, follow=True)
        assert "Picture added." in response.content.decode()
    product = selectors.product_find(product_id=product.product_id)
    assert [image.alt for image in gallery_of(product)] == ["the lamp, lit", "the lamp from the side", "Lamp"]
    first, second = gallery_of(product)[:2]
    assert product.image == first.path
    staff_client.post(f"{url}gallery/change/", {"version": product.version, "index": 1, "action": "up", "alt": ""})
    product = selectors.product_find(product_id=product.product_id)
    assert [image.path for image in gallery_of(product)][:2] == [second.path, first.path] and product.image == second.path
    staff_client.post(f"{url}gallery/change/", {"version": product.version, "index": 2, "action": "alt",
                                                "alt": "the lamp's switch"})
    product = selectors.product_find(product_id=product.product_id)
    assert gallery_of(product)[2].alt == "the lamp's switch"
    stale = staff_client.post(f"{url}gallery/change/", {"version": product.version - 1, "index": 0, "action": "remove",
                                                        "alt": ""}, follow=True)
    assert "Someone changed this product meanwhile" in stale.content.decode()
    assert len(gallery_of(selectors.product_find(product_id=product.product_id))) == 3
    # Shoppers: the main picture links to itself (a lightbox with JavaScript), thumbnails say what they show.
    page = client.get("/products/lamp/").content.decode()
    assert page.count('class="gallery-thumbs"') == 1 and "Picture 3: the lamp&#x27;s switch" in page
    assert 'id="photo-link"' in page and '<dialog class="lightbox"' in page
    ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))
    assert len(ld[0]["image"]) == 3
    staff_client.post(f"{url}gallery/change/", {"version": product.version, "index": 0, "action": "remove", "alt": ""})
    product = selectors.product_find(product_id=product.product_id)
    assert len(gallery_of(product)) == 2 and product.image == first.path
    # A bad picture: a message, nothing added.
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = staff_client.post(f"{url}gallery/", {"version": product.version, "alt": "x",
                                               "image": SimpleUploadedFile("x.png", b"not a picture")})
    assert bad.status_code == 400 and len(gallery_of(selectors.product_find(product_id=product.product_id))) == 2


def test_the_matrix_sets_a_variant_weight_and_picture_from_the_gallery(staff_client):
    from catalog import services

    product = make_product(name="Scarf", slug="scarf", sku="SCARF", image="demo/scarf-red.png")
    product = services.product_gallery_set(product_id=product.product_id, expected_version=product.version,
                                           images=[("demo/scarf-red.png", "red"), ("demo/scarf-blue.png", "blue")])
    product = services.product_options_set(product_id=product.product_id, expected_version=product.version,
                                           options=[("Colour", ["Red", "Blue"])])
    rows = rows_of(product)
    rows[1] |= {"image": "demo/scarf-blue.png", "weight": 120}
    staff_client.post(f"/staff/products/{product.product_id}/variants/", matrix_post(product, rows))
    blue = variants_of(selectors.product_find(product_id=product.product_id))[1]
    assert (blue.image, blue.weight_grams) == ("demo/scarf-blue.png", 120)
    rows[0]["image"] = "demo/elsewhere.png"  # not one of its pictures
    refused = staff_client.post(f"/staff/products/{product.product_id}/variants/",
                                matrix_post(selectors.product_find(product_id=product.product_id), rows))
    assert refused.status_code == 400 and "Select a valid choice" in refused.content.decode()


def test_product_level_stock_changes_are_refused_for_a_product_with_variants(staff_client):
    from catalog import services

    product = make_product(name="Beanie", slug="beanie", sku="BEAN", stock=0)
    product = services.product_options_set(product_id=product.product_id, expected_version=product.version,
                                           options=[("Colour", ["Red", "Blue"])])
    url = f"/staff/products/{product.product_id}/"
    page = staff_client.post(f"{url}stock/", {"delta": 5, "reason": "crafted"}, follow=True).content.decode()
    assert "keeps its stock per variant" in page
    page = staff_client.post(f"{url}spread/", {"spread": "on"}, follow=True).content.decode()
    assert "cannot be spread" in page
    bulk = staff_client.post("/staff/products/bulk/", {"action": "stock", "item": f"{product.product_id}:{product.version}",
                                                       "stock": 9, "reason": "count", "confirm": "1"}).content.decode()
    assert "0 of 1 products changed" in bulk and "set it in the product&#x27;s variant matrix" in bulk
    assert selectors.product_find(product_id=product.product_id).stock == 0  # nothing moved the total


def test_staff_find_a_product_by_a_variant_sku(staff_client):
    from catalog import services

    product = make_product(name="Gloves", slug="gloves", sku="GLV")
    services.product_options_set(product_id=product.product_id, expected_version=product.version,
                                 options=[("Size", ["S", "M"])])
    make_product(name="Glove box", slug="glove-box", sku="GLVBOX")
    page = staff_client.get("/staff/products/", {"q": "glv-m"}).content.decode()
    assert ">Gloves</a>" in page
    assert [p.name for p in selectors.product_search_staff(query="GLV").items] == ["Gloves", "Glove box"]
