"""``/sitemap.xml`` (an index) and its sections through django.contrib.sitemaps: every shown product and
category, in each language with its alternates (hreflang). Read once per SITEMAP_CACHE_SECONDS: the products
section walks the lean newest-first index a page of 1,000 at a time (no scan of the table)."""
from __future__ import annotations

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from catalog import selectors

SITEMAP_CACHE_SECONDS = 3600


class ProductSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.8
    i18n = True
    alternates = True
    x_default = True

    def items(self):
        return selectors.product_sitemap_entries()

    def location(self, item):
        return reverse("catalog:product_detail", kwargs={"slug": item.slug})


class CategorySitemap(Sitemap):
    changefreq = "daily"
    priority = 0.6
    i18n = True
    alternates = True
    x_default = True

    def items(self):
        return selectors.category_list()

    def location(self, item):
        return reverse("catalog:category", kwargs={"slug": item.slug})


SITEMAPS = {"products": ProductSitemap, "categories": CategorySitemap}
