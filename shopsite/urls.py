from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path, re_path

from shopsite import views

handler400 = "shopsite.views.bad_request"
handler403 = "shopsite.views.permission_denied"
handler404 = "shopsite.views.page_not_found"
handler500 = "shopsite.views.server_error"

urlpatterns = [
    path("healthz/", views.health, name="health"),
    path("", include("catalog.seo_urls")),  # robots.txt and the sitemap: one per site, not per language
    path("staff/", include("console.urls")),
    path("", include("api.urls")),
    path("", include("graphapi.urls")),
    # Shopper pages: English at their paths, French under /fr/ (a URL per language, so caches keep them apart).
    *i18n_patterns(
        path("", include("accounts.urls")),
        path("", include("orders.urls")),
        path("", include("catalog.urls")),
        prefix_default_language=False,
    ),
]

if settings.DEBUG or settings.SERVE_MEDIA:
    urlpatterns.insert(0, re_path(r"^media/(?P<path>.+)$", views.media, name="media"))
