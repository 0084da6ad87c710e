"""``/sitemap.xml`` (an index) and its sections through django.contrib.sitemaps: every shown product and
category, in each language with its alternates (hreflang). Read once per SITEMAP_CACHE_SECONDS: the products
section walks the lean newest-first index a page of 1,000 at a time (no scan of the table)."""
from __future__ import annotations

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from catalog import selectors

SITEMAP_CACHE_SECONDS = 3600


class _ShopSitemap(Sitemap):
    """Each item's page in every language, with its alternates; *url_name* takes the item's slug."""

    i18n = True
    alternates = True
    x_default = True
    url_name = ""

    def location(self, item):
        return reverse(self.url_name, kwargs={"slug": item.slug})


class ProductSitemap(_ShopSitemap):
    changefreq = "weekly"
    priority = 0.8
    url_name = "catalog:product_detail"

    def items(self):
        return selectors.product_sitemap_entries()


class CategorySitemap(_ShopSitemap):
    changefreq = "daily"
    priority = 0.6
    url_name = "catalog:category"

    def items(self):
        return selectors.category_list()


SITEMAPS = {"products": ProductSitemap, "categories": CategorySitemap}
