"""What search engines and link previews read: robots.txt, the sitemap, canonical and alternate links, Open Graph
and Twitter tags, schema.org Product and BreadcrumbList JSON-LD."""
import json
import re
from pathlib import Path
import xml.etree.ElementTree as ET

import pytest

from tests.factories import make_category, make_product

pytestmark = pytest.mark.usefixtures("tables")
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"
SCHEMAS = Path(__file__).resolve().parent / "schemas"  # the sitemaps.org schemas (tests/catalog/schemas)


def test_robots_txt_names_the_sitemap_and_keeps_crawlers_off_machine_endpoints(client):
    answer = client.get("/robots.txt")
    assert answer["Content-Type"].startswith("text/plain")
    lines = answer.content.decode().splitlines()
    assert lines[0] == "User-agent: *" and "Disallow: /api/" in lines and "Disallow: /fr/search/suggest/" in lines
    assert not [line for line in lines if "/cart/" in line or "/staff/" in line]  # see catalog.seo_urls
    assert lines[-1] == "Sitemap: http://testserver/sitemap.xml"


def test_the_sitemap_lists_every_shown_product_and_category_in_each_language(client):
    lamps = make_category(name="Lamps", slug="lamps")
    make_product(category=lamps, name="Desk Lamp", slug="desk-lamp")
    make_product(category=lamps, name="Hidden Lamp", slug="hidden-lamp", active=False)
    index = ET.fromstring(client.get("/sitemap.xml").content)
    assert index.tag == f"{SITEMAP}sitemapindex"
    sections = [loc.text for loc in index.iter(f"{SITEMAP}loc")]
    assert sections == ["http://testserver/sitemap-products.xml", "http://testserver/sitemap-categories.xml"]
    products = ET.fromstring(client.get("/sitemap-products.xml").content)
    assert products.tag == f"{SITEMAP}urlset"
    urls = [url.find(f"{SITEMAP}loc").text for url in products.iter(f"{SITEMAP}url")]
    assert urls == ["http://testserver/products/desk-lamp/", "http://testserver/fr/products/desk-lamp/"]
    for url in products.iter(f"{SITEMAP}url"):  # every child the schema allows, in its order
        assert [child.tag for child in url][:3] == [f"{SITEMAP}loc", f"{SITEMAP}changefreq", f"{SITEMAP}priority"]
        assert {link.get("hreflang") for link in url.iter(f"{XHTML}link")} == {"en", "fr", "x-default"}
    categories = ET.fromstring(client.get("/sitemap-categories.xml").content)
    assert "http://testserver/categories/lamps/" in [loc.text for loc in categories.iter(f"{SITEMAP}loc")]
    assert client.get("/sitemap-nothing.xml").status_code == 404


def test_the_sitemap_and_its_index_validate_against_the_sitemaps_schemas(client):
    import xmlschema

    lamps = make_category(name="Lamps & Lights", slug="lamps")
    make_product(category=lamps, name="Desk Lamp <b>", slug="desk-lamp")
    index_schema = xmlschema.XMLSchema(str(SCHEMAS / "siteindex.xsd"))
    urlset_schema = xmlschema.XMLSchema(str(SCHEMAS / "sitemap.xsd"))
    index = client.get("/sitemap.xml").content.decode()
    index_schema.validate(index)
    for section in ("/sitemap-products.xml", "/sitemap-categories.xml"):
        urlset_schema.validate(client.get(section).content.decode())
    # The schemas are strict: a sitemap the shop must never send fails them.
    bad = client.get("/sitemap-products.xml").content.decode().replace("<changefreq>", "<changefreq>sometimes", 1)
    assert not urlset_schema.is_valid(bad)
    assert not urlset_schema.is_valid(index)


def _json_ld(page: str) -> list:
    [block] = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    return json.loads(block)


def test_the_product_page_describes_itself_to_search_engines_and_link_previews(client):
    lamps = make_category(name="Lamps", slug="lamps")
    product = make_product(category=lamps, name='Desk "Lamp" </script><script>alert(1)</script>', slug="desk-lamp",
                           price_cents=4550, stock=2, description="<img src=x onerror=alert(1)> A warm light.")
    page = client.get("/products/desk-lamp/?utm_source=mail").content.decode()
    assert '<link rel="canonical" href="http://testserver/products/desk-lamp/">' in page
    assert '<link rel="alternate" hreflang="fr" href="http://testserver/fr/products/desk-lamp/">' in page
    assert '<meta property="og:type" content="product">' in page and 'name="twitter:card"' in page
    assert "<script>alert(1)</script>" not in page and "<img src=x onerror" not in page  # inert everywhere
    product_data, breadcrumbs = _json_ld(page)
    assert product_data["@type"] == "Product" and product_data["name"] == product.name
    [offer] = product_data["offers"]
    assert offer == {"@type": "Offer", "url": "http://testserver/products/desk-lamp/", "price": "45.50",
                     "priceCurrency": "USD", "availability": "https://schema.org/LimitedAvailability", "sku": "DESK-LAMP"}
    assert [item["name"] for item in breadcrumbs["itemListElement"]] == ["Shop", "Lamps", product.name]
    french = client.get("/fr/products/desk-lamp/").content.decode()
    assert '<link rel="canonical" href="http://testserver/fr/products/desk-lamp/">' in french
    assert _json_ld(french)[1]["itemListElement"][0]["name"] == "Boutique"
    sold_out = make_product(category=lamps, name="Gone", slug="gone", stock=0)
    assert _json_ld(client.get(f"/products/{sold_out.slug}/").content.decode())[0]["offers"][0]["availability"] \
        == "https://schema.org/OutOfStock"


def _tags(html: str) -> list[tuple[str, list]]:
    """The real elements of *html* (not text that looks like them), with their attributes."""
    from html.parser import HTMLParser

    found = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, attrs))

    Collect().feed(html)
    return found


def test_descriptions_are_markdown_and_nothing_in_them_runs(client):
    from catalog.descriptions import description_html

    html = description_html("**Oak** and *brass*.\n\n- dimmable\n- 2 m cable\n\n[Care guide](https://example.com/care)")
    assert "<strong>Oak</strong>" in html and "<li>dimmable</li>" in html
    assert '<a href="https://example.com/care" rel="nofollow noopener noreferrer">Care guide</a>' in html
    for attack in ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[x](javascript:alert(1))",
                   '<a href="javascript:alert(1)">x</a>', "[x](JaVaScRiPt:alert(1))", "<svg onload=alert(1)>",
                   "![x](https://example.com/x.png)", '<iframe src="https://example.com"></iframe>'):
        tags = _tags(description_html(attack))
        assert not {name for name, _ in tags} & {"script", "img", "svg", "iframe"}, attack
        attributes = [(key, value or "") for _, attrs in tags for key, value in attrs]
        assert not [key for key, _ in attributes if key.startswith("on")], attack
        assert not [value for key, value in attributes if key == "href" and "javascript" in value.lower()], attack
    make_product(name="Rich Lamp", slug="rich-lamp", description="A **bright** lamp.\n\n<script>alert(1)</script>")
    page = client.get("/products/rich-lamp/").content.decode()
    assert "<p>A <strong>bright</strong> lamp.</p>" in page and "<script>alert(1)</script>" not in page
