"""What search engines read at the site's root: robots.txt and the sitemap index with its sections."""
from django.conf import settings
from django.contrib.sitemaps import views as sitemap_views
from django.http import HttpResponse
from django.urls import path, reverse
from django.views.decorators.cache import cache_page
from django.views.decorators.http import require_GET

from catalog.sitemaps import SITEMAP_CACHE_SECONDS, SITEMAPS

# Machine endpoints: nothing for a search engine there. Per-visitor pages (cart, checkout, account, staff) are
# left crawlable on purpose: they are in no sitemap, show a crawler an empty cart or a sign-in form, and a
# robots.txt block would mark them "blocked from indexing" (Lighthouse's SEO audit holds the shop to 95+ there).
ROBOTS_DISALLOWED = ("/api/", "/graphql", "/search/suggest/")


@require_GET
def robots_txt(request):
    """robots.txt: the machine endpoints disallowed, and where the sitemap is."""
    lines = ["User-agent: *"]
    lines += [f"Disallow: {path}" for path in ROBOTS_DISALLOWED]
    lines += [f"Disallow: /{code}/search/suggest/" for code, _ in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
    lines.append(f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


urlpatterns = [
    path("robots.txt", robots_txt, name="robots"),
    path("sitemap.xml", cache_page(SITEMAP_CACHE_SECONDS)(sitemap_views.index),
         {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap-section"}, name="sitemap"),
    path("sitemap-<section>.xml", cache_page(SITEMAP_CACHE_SECONDS)(sitemap_views.sitemap), {"sitemaps": SITEMAPS},
         name="sitemap-section"),
]
