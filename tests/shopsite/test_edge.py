"""CloudFront in front: which pages the edge may share, how "Add to cart" works on them, who the client is."""
import pytest
import re

from django.test import Client, RequestFactory, override_settings

from shopsite.clients import client_address
from tests.factories import make_category, make_product


def _cache_control(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


@pytest.mark.usefixtures("tables")
def test_catalog_pages_for_a_visitor_without_cookies_are_public_for_a_short_stated_time(settings):
    category = make_category(slug="lamps")
    product = make_product(category=category, slug="brass-lamp")
    for path in ("/", "/products/", "/categories/lamps/", f"/products/{product.slug}/", "/search/?q=brass"):
        response = Client().get(path)
        assert response.status_code == 200, path
        assert _cache_control(response) >= {"public", "max-age=0", f"s-maxage={settings.EDGE_CACHE_SECONDS}",
                                             f"stale-while-revalidate={settings.EDGE_STALE_SECONDS}"}, path
        assert not response.cookies, (path, response.cookies)  # a shared page sets no cookie
    page = Client().get(f"/products/{product.slug}/").content.decode()
    assert "Add to cart" in page and "csrfmiddlewaretoken" not in page  # no per-visitor token on a shared page


@pytest.mark.usefixtures("tables")
def test_a_visitor_with_a_cookie_of_ours_never_gets_a_shared_page():
    product = make_product(slug="oak-board")
    browser = Client()
    browser.post("/cart/add/", {"product_id": product.product_id, "quantity": 1})
    assert browser.cookies  # the cart: session, CSRF and count cookies
    response = browser.get(f"/products/{product.slug}/")
    assert "private" in _cache_control(response) and "public" not in _cache_control(response)
    assert "csrfmiddlewaretoken" in response.content.decode()
    for path in ("/cart/", "/checkout/", "/account/login/"):
        assert "public" not in _cache_control(browser.get(path)), path


@pytest.mark.usefixtures("tables")
def test_add_to_cart_from_a_shared_page_is_checked_by_its_origin():
    product = make_product(slug="tea-pot", stock=5)
    shop = Client(enforce_csrf_checks=True)
    page = shop.get(f"/products/{product.slug}/").content.decode()
    assert "csrfmiddlewaretoken" not in page
    added = shop.post("/cart/add/", {"product_id": product.product_id, "quantity": 2}, HTTP_ORIGIN="http://testserver")
    assert added.status_code == 302 and "csrftoken" in added.cookies  # the anonymous cart's browser secret
    assert "2" in re.sub(r"\s+", " ", shop.get("/cart/").content.decode())
    for headers in ({"HTTP_ORIGIN": "https://evil.example"}, {"HTTP_ORIGIN": "null"}, {},
                    {"HTTP_SEC_FETCH_SITE": "cross-site"}):
        refused = Client(enforce_csrf_checks=True).post("/cart/add/", {"product_id": product.product_id, "quantity": 1},
                                                        **headers)
        assert refused.status_code == 403, headers
    same_site = Client(enforce_csrf_checks=True).post("/cart/add/", {"product_id": product.product_id, "quantity": 1},
                                                      HTTP_SEC_FETCH_SITE="same-origin")
    assert same_site.status_code == 302


@override_settings(EDGE_SECRET="edge-secret-0123456789")
def test_the_viewer_address_is_trusted_only_from_cloudfront():
    factory = RequestFactory()
    through_edge = factory.get("/", REMOTE_ADDR="130.176.1.1", HTTP_X_SHOPSITE_EDGE="edge-secret-0123456789",
                               HTTP_CLOUDFRONT_VIEWER_ADDRESS="203.0.113.9:51234")
    assert client_address(through_edge) == "203.0.113.9"
    v6 = factory.get("/", REMOTE_ADDR="130.176.1.1", HTTP_X_SHOPSITE_EDGE="edge-secret-0123456789",
                     HTTP_CLOUDFRONT_VIEWER_ADDRESS="[2001:db8::7]:443")
    assert client_address(v6) == "2001:db8::7"
    forged = factory.get("/", REMOTE_ADDR="198.51.100.4", HTTP_X_SHOPSITE_EDGE="guess",
                         HTTP_CLOUDFRONT_VIEWER_ADDRESS="203.0.113.9:1", HTTP_X_FORWARDED_FOR="192.0.2.1")
    assert client_address(forged) == "198.51.100.4"
    with override_settings(EDGE_SECRET=""):
        assert client_address(through_edge) == "130.176.1.1"  # no CloudFront configured: the header means nothing


@pytest.mark.usefixtures("tables")
def test_the_benchs_edge_model_takes_its_shares_from_djangos_headers():
    from bench.edge import edge_costs, measure_edge

    category = make_category(slug="mugs")
    products = [make_product(category=category, slug=f"mug-{n}") for n in range(3)]
    paths = ["/", "/products/", "/categories/mugs/", *[f"/products/{p.slug}/" for p in products]]
    edge = edge_costs(measure_edge(paths=paths, ttl=60), origin_usd_per_million=1.5)
    assert edge["shareable_without_cookies"] == 1.0 and edge["shareable_with_a_cart"] == 0.0
    slow, busy = edge["scenarios"].values()
    assert 0 < slow["edge_share"] <= busy["edge_share"] < 1 - edge["visitors_with_cookies"] + 0.02
    assert busy["usd_per_million_with_cloudfront"] < slow["usd_per_million_with_cloudfront"]
