"""Catalog pages: one Query per cache miss, none on a hit; slugs, images, visibility."""
import pytest
import io
import re
from concurrent.futures import ThreadPoolExecutor

from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from catalog import selectors, services
from catalog.images import placeholder_png
from catalog.models import Category, ProductCategoryLabel
from tests.factories import make_category, make_product

pytestmark = pytest.mark.usefixtures("tables")


def _calls(count_calls, client, path):
    with count_calls() as calls:
        response = client.get(path)
    assert response.status_code == 200, path
    return calls


def test_pages_cost_one_query_on_a_miss_and_none_on_a_hit(client, count_calls):
    category = make_category(slug="tools")
    make_product(category=category, name="Hammer", slug="hammer", description="A steel hammer")
    make_product(category=category, name="Saw", slug="saw")
    cache.clear()
    selectors.category_list()  # the shared category list is cached on its own (see README)
    for path in ("/products/", "/categories/tools/", "/search/?q=hammer", "/products/hammer/"):
        assert _calls(count_calls, client, path) == ["Query"], path
        assert _calls(count_calls, client, path) == [], path


def test_a_category_page_with_a_cold_category_list_costs_two_and_a_product_page_one(client, count_calls):
    category = make_category(slug="tools")
    make_product(category=category, slug="hammer")
    cache.clear()
    assert _calls(count_calls, client, "/categories/tools/") == ["Query", "Query"]
    cache.clear()
    assert _calls(count_calls, client, "/products/hammer/") == ["Query"]  # the category's name and slug are on the product


def test_renaming_a_category_rewrites_its_products_copies_and_integrity_repairs_drift(client):
    from shopsite import integrity

    category = make_category(name="Tools", slug="tools")
    hidden = make_product(category=category, slug="awl", active=False)
    make_product(category=category, slug="hammer")
    services.category_update(category_id=category.category_id, expected_version=category.version,
                             name="Hand tools", slug="hand-tools")
    page = client.get("/products/hammer/").content.decode()
    assert 'href="/categories/hand-tools/">Hand tools</a>' in page
    assert selectors.product_find(product_id=hidden.product_id).category_name == "Tools"  # hidden: fixed when shown
    services.product_set_active(product_id=hidden.product_id, active=True)
    assert 'href="/categories/hand-tools/">Hand tools</a>' in client.get("/products/awl/").content.decode()
    assert not [f for f in integrity.findings() if f.check == "category labels"]
    ProductCategoryLabel(hidden.product_id).update(actions=[ProductCategoryLabel.category_name.set("Old")])
    (finding,) = [f for f in integrity.findings() if f.check == "category labels"]
    assert "awl" in finding.problem
    finding.repair()
    assert not [f for f in integrity.findings() if f.check == "category labels"]


def test_paging_200_products_visits_each_once(client):
    category = make_category(slug="many")
    created = {make_product(category=category, slug=f"p-{i:03d}", stock=5).slug for i in range(200)}
    for sort in ("newest", "name", "price"):
        seen, url = [], f"/products/?sort={sort}"
        for _ in range(20):
            html = client.get(url).content.decode()
            seen += re.findall(r'<a href="/products/(p-\d{3})/">', html)
            match = re.search(r'href="\?sort=\w+&amp;cursor=([^"]+)" rel="next"', html)
            if not match:
                break
            url = f"/products/?sort={sort}&cursor={match.group(1)}"
        assert len(seen) == 200 and set(seen) == created, sort


def test_listing_sorts(client):
    category = make_category()
    make_product(category=category, name="Banana", slug="banana", price_cents=300)
    make_product(category=category, name="apple", slug="apple", price_cents=500)
    make_product(category=category, name="Cherry", slug="cherry", price_cents=100)

    def order(sort):
        return re.findall(r'<a href="/products/(\w+)/">', client.get(f"/products/?sort={sort}").content.decode())

    assert order("name") == ["apple", "banana", "cherry"]
    assert order("price") == ["cherry", "banana", "apple"]
    assert order("newest") == ["cherry", "apple", "banana"]


def test_inactive_product_is_404_and_unlisted(client):
    category = make_category(slug="c")
    product = make_product(category=category, name="Hidden gem", slug="hidden", active=False)
    assert client.get("/products/hidden/").status_code == 404
    assert "Hidden gem" not in client.get("/products/").content.decode()
    assert "Hidden gem" not in client.get("/categories/c/").content.decode()
    assert "Hidden gem" not in client.get("/search/?q=hidden").content.decode()
    services.product_set_active(product_id=product.product_id, active=True)
    assert client.get("/products/hidden/").status_code == 200


def test_detail_shows_price_and_stock_state(client):
    category = make_category()
    make_product(category=category, slug="plenty", price_cents=123456, stock=50)
    make_product(category=category, slug="few", stock=3)
    make_product(category=category, slug="none", stock=0)
    html = client.get("/products/plenty/").content.decode()
    assert "$1,234.56" in html and "In stock" in html
    assert "Only 3 left" in client.get("/products/few/").content.decode()
    html = client.get("/products/none/").content.decode()
    assert "Sold out" in html and "Add to cart" not in html


def test_search_prefixes_multiple_words_and_bad_queries(client):
    category = make_category()
    make_product(category=category, name="Steel Hammer", slug="hammer", description="For nails")
    make_product(category=category, name="Rubber Mallet", slug="mallet", description="Soft hammer head")
    html = client.get("/search/?q=HAMM").content.decode()
    assert "Steel Hammer" in html and "Rubber Mallet" in html
    html = client.get("/search/?q=steel+hamm").content.decode()
    assert "Steel Hammer" in html and "Rubber Mallet" not in html
    assert "Type a word" in client.get("/search/?q=").content.decode()
    assert "at most 100 characters" in client.get("/search/?q=" + "x" * 500).content.decode()
    assert "at least 3 letters" in client.get("/search/?q=a+b").content.decode()
    assert "No products match" in client.get("/search/?q=zebra").content.decode()


def test_search_ranks_name_matches_first_and_pages_keep_the_query(client, monkeypatch):
    category = make_category()
    make_product(category=category, name="Anvil", slug="anvil", description="Pairs with a steel hammer")
    make_product(category=category, name="Claw Hammer", slug="claw")
    make_product(category=category, name="Steel Hammer", slug="steel")
    card_name = r'class="product-name">([^<]+)<'
    assert re.findall(card_name, client.get("/search/?q=hammer").content.decode()) == [
        "Claw Hammer", "Steel Hammer", "Anvil"]
    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    monkeypatch.setattr(selectors, "SEARCH_SCAN", 2)
    cache.clear()
    html = client.get("/search/?q=hammer").content.decode()
    names = re.findall(card_name, html)
    cursor = re.search(r'href="\?q=hammer&amp;cursor=([^"]+)" rel="next"', html)
    assert cursor, html
    html = client.get(f"/search/?q=hammer&cursor={cursor.group(1)}").content.decode()
    names += re.findall(card_name, html)
    assert sorted(names) == ["Anvil", "Claw Hammer", "Steel Hammer"]
    html = client.get("/search/?q=hammer&cursor=forged").content.decode()
    assert "not valid; showing the first page" in html


def test_staff_edit_shows_on_the_next_shopper_request(client, staff_client):
    category = make_category(slug="c")
    product = make_product(category=category, name="Old name", slug="thing", price_cents=1000)
    assert "Old name" in client.get("/products/").content.decode()
    assert "Old name" in client.get("/products/thing/").content.decode()
    response = staff_client.post(f"/staff/products/{product.product_id}/edit/", {
        "name": "New name", "slug": "thing", "price": "12.50", "category_id": category.category_id,
        "active": "on", "version": product.version,
    })
    assert response.status_code == 302, response.content.decode()
    assert "New name" in client.get("/products/").content.decode()
    html = client.get("/products/thing/").content.decode()
    assert "New name" in html and "$12.50" in html
    assert "New name" in client.get("/search/?q=new").content.decode()


def test_two_staff_racing_for_one_slug_one_wins(staff_client, conflict_hold):
    category = make_category()
    other = Client()
    other.cookies = staff_client.cookies
    data = {"name": "Lamp", "slug": "lamp", "price": "10", "category_id": category.category_id, "stock": 1, "active": "on"}
    with ThreadPoolExecutor(max_workers=2) as pool:
        responses = list(pool.map(lambda c: c.post("/staff/products/new/", data), [staff_client, other]))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [302, 400]
    loser = next(r for r in responses if r.status_code == 400)
    assert "Another product already uses this slug." in loser.content.decode()


def test_category_slug_race_one_wins(conflict_hold):
    def create(i):
        try:
            return services.category_create(name=f"C{i}", slug="same")
        except services.SlugTaken:
            return None

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(create, range(6)))
    assert sum(r is not None for r in results) == 1
    assert len(list(Category.scan())) == 1


def test_image_upload_checks_content_not_name(staff_client):
    category = make_category()
    base = {"name": "Pic", "price": "5", "category_id": category.category_id, "stock": 1, "active": "on"}
    fake = SimpleUploadedFile("evil.png", b"MZ this is not an image at all", content_type="image/png")
    response = staff_client.post("/staff/products/new/", {**base, "slug": "fake", "image": fake})
    assert response.status_code == 400
    assert "not one" in response.content.decode()
    real = SimpleUploadedFile("photo.bin", placeholder_png(width=320, height=240, colour=(1, 2, 3), seed=1), content_type="application/octet-stream")
    response = staff_client.post("/staff/products/new/", {**base, "slug": "real", "image": real})
    assert response.status_code == 302
    product = selectors.product_find(product_id=response["Location"].rstrip("/").split("/")[-1])
    assert product.image.startswith("products/") and product.image.endswith(".png")
    from django.core.files.storage import default_storage
    from PIL import Image

    for width in (400, 800):  # thumbnails beside the original, cropped to 4:3
        with default_storage.open(product.image.replace(".png", f".{width}w.webp")) as thumbnail:
            assert Image.open(thumbnail).size == (width, width * 3 // 4)
    page = staff_client.get(f"/staff/products/{product.product_id}/").content.decode()
    assert ".400w.webp 400w" in page and ".800w.webp 800w" in page  # srcset


def test_image_checks_use_real_dimensions_and_refuse_bombs(staff_client):
    import io

    from PIL import Image

    category = make_category()
    base = {"name": "Pic", "price": "5", "category_id": category.category_id, "stock": 1, "active": "on"}

    def png(width, height):
        out = io.BytesIO()
        Image.new("RGB", (width, height), (10, 20, 30)).save(out, "PNG")
        return SimpleUploadedFile("p.png", out.getvalue(), content_type="image/png")

    tiny = staff_client.post("/staff/products/new/", {**base, "slug": "tiny", "image": png(40, 40)})
    assert tiny.status_code == 400 and "at least 100 pixels" in tiny.content.decode()
    # A small file that claims enormous dimensions: Pillow's decompression-bomb guard, as an error.
    bomb = staff_client.post("/staff/products/new/", {**base, "slug": "bomb", "image": png(6000, 6000)})
    assert bomb.status_code == 400 and "at most 6000 pixels" in bomb.content.decode()
    gif = io.BytesIO()
    Image.new("RGB", (200, 200)).save(gif, "GIF")
    refused = staff_client.post("/staff/products/new/", {**base, "slug": "gif", "image": SimpleUploadedFile("a.gif", gif.getvalue())})
    assert refused.status_code == 400 and "not one" in refused.content.decode()
    truncated = png(300, 300)
    truncated = SimpleUploadedFile("t.png", truncated.read()[:200], content_type="image/png")
    assert staff_client.post("/staff/products/new/", {**base, "slug": "cut", "image": truncated}).status_code == 400


def test_image_over_5mb_is_refused(staff_client):
    category = make_category()
    big = SimpleUploadedFile("big.jpg", b"\xff\xd8\xff" + b"0" * (5 * 1024 * 1024 + 1), content_type="image/jpeg")
    response = staff_client.post("/staff/products/new/", {
        "name": "Big", "slug": "big", "price": "5", "category_id": category.category_id, "stock": 1, "image": big,
    })
    assert response.status_code == 400
    assert "at most 5 MB" in response.content.decode()


def test_category_with_products_cannot_be_deleted(staff_client):
    category = make_category(name="Busy")
    product = make_product(category=category)
    response = staff_client.post(f"/staff/categories/{category.category_id}/delete/", follow=True)
    assert "still has products" in response.content.decode()
    assert selectors.category_find(category_id=category.category_id) is not None
    services.product_delete(product_id=product.product_id)
    staff_client.post(f"/staff/categories/{category.category_id}/delete/")
    assert selectors.category_find(category_id=category.category_id) is None


def test_stock_adjustment_never_goes_below_zero(staff_client):
    product = make_product(stock=2)
    url = f"/staff/products/{product.product_id}/stock/"
    assert "Stock is now 7" in staff_client.post(url, {"delta": 5, "reason": "Delivery"}, follow=True).content.decode()
    assert "cannot go below zero" in staff_client.post(url, {"delta": -8, "reason": "Count"}, follow=True).content.decode()
    assert selectors.product_find(product_id=product.product_id).stock == 7
    assert staff_client.post(url, {"delta": "lots", "reason": "x"}).status_code == 400
    missing_reason = staff_client.post(url, {"delta": 1})
    assert missing_reason.status_code == 400 and "This field is required" in missing_reason.content.decode()
    assert selectors.product_find(product_id=product.product_id).stock == 7


def test_stale_product_edit_keeps_typed_values(staff_client):
    category = make_category()
    product = make_product(category=category, slug="desk")
    services.product_update(product_id=product.product_id, expected_version=product.version, name="Changed")
    response = staff_client.post(f"/staff/products/{product.product_id}/edit/", {
        "name": "Mine", "slug": "desk", "price": "9.99", "category_id": category.category_id, "version": product.version,
    })
    assert response.status_code == 400
    html = response.content.decode()
    assert "Someone else saved this product" in html and 'value="Mine"' in html


def test_a_sale_does_not_make_a_staff_edit_stale():
    product = make_product(stock=5)
    services.product_stock_adjust(product_id=product.product_id, delta=-1)
    updated = services.product_update(product_id=product.product_id, expected_version=product.version, name="Renamed")
    assert updated.name == "Renamed" and selectors.product_find(product_id=product.product_id).stock == 4


def test_seed_demo_is_deterministic_and_idempotent(settings, monkeypatch):
    from django.core.management import call_command

    from catalog.management.commands import seed_demo

    monkeypatch.setattr(seed_demo, "PROGRESS_LINE_SECONDS", 0)  # no terminal here: progress comes as lines
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "9 categories, 208 products (208 new)" in out.getvalue()
    assert "Seeding products: 0 of 200" in out.getvalue() and "Seeding products: 200 of 200" in out.getvalue()
    report = io.StringIO()
    call_command("check_integrity", stdout=report)  # the batch load wrote what product_create would
    assert "No problems found." in report.getvalue()
    assert [card.name for card in selectors.product_search(query="lanterns").items]  # terms and stems are there
    assert len(selectors.category_list()) == 9
    first = [p.slug for p in selectors.product_list_staff(limit=300).items]
    call_command("seed_demo", stdout=io.StringIO())
    cache.clear()
    assert [p.slug for p in selectors.product_list_staff(limit=300).items] == first
    assert len(first) == 208
    tee = selectors.product_by_slug(slug="organic-cotton-tee")  # clothing in sizes and colours
    assert [option.name for option in tee.options] == ["Size", "Colour"] and len(tee.variants) == 15
    assert tee.attributes.as_dict()["material"] == "Cotton" and len(tee.images) == 3  # specifications, a gallery
    clothing = selectors.category_by_slug(slug="clothing")
    assert {facet.name for facet in selectors.category_facets(category=clothing)} == {"Material", "Fit"}
    assert [card.name for card in selectors.product_list_for_facet(
        category_id=clothing.category_id, code="material", value="Merino wool").items] == ["Merino Sweater", "Wool Socks"]
    stocks = [p.stock for p in selectors.product_list_staff(limit=300).items]
    assert 0 in stocks and any(0 < s <= 5 for s in stocks)
    assert all(p.image for p in selectors.product_list_staff(limit=300).items)
    newest = selectors.product_newest(limit=8)  # "New arrivals" on the home page: a mix, not eight of one kind
    assert len({selectors.product_find(product_id=card.product_id).category_id for card in newest}) == 8


def test_a_refused_product_does_not_leave_its_upload_behind(staff_client):
    from django.core.files.storage import default_storage

    category = make_category()
    make_product(category=category, slug="taken")
    upload = SimpleUploadedFile("p.png", placeholder_png(width=200, height=150, colour=(9, 9, 9), seed=0))
    before = set(default_storage.listdir("products")[1]) if default_storage.exists("products") else set()
    response = staff_client.post("/staff/products/new/", {
        "name": "Dup", "slug": "taken", "price": "5", "category_id": category.category_id, "stock": 1, "image": upload,
    })
    assert response.status_code == 400
    after = set(default_storage.listdir("products")[1]) if default_storage.exists("products") else set()
    assert after == before


def test_breadcrumbs_start_at_the_shop_so_a_category_called_home_reads_once(client):
    home = make_category(name="Home", slug="home")
    make_product(category=home, name="Doormat", slug="doormat")
    for path, crumbs in (("/categories/home/", "Shop</a> › <span aria-current=\"page\">Home</span>"),
                         ("/products/doormat/", "Shop</a> › <a href=\"/categories/home/\">Home</a> › ")):
        page = client.get(path).content.decode()
        assert crumbs in page and "Home</a> › Home" not in page
