from django.conf import settings
from django.urls import include, path, re_path

from shopsite import views

handler400 = "shopsite.views.bad_request"
handler403 = "shopsite.views.permission_denied"
handler404 = "shopsite.views.page_not_found"
handler500 = "shopsite.views.server_error"

urlpatterns = [
    path("healthz/", views.health, name="health"),
    path("staff/", include("console.urls")),
    path("", include("accounts.urls")),
    path("", include("api.urls")),
    path("", include("orders.urls")),
    path("", include("graphapi.urls")),
    path("", include("catalog.urls")),
]

if settings.DEBUG or settings.SERVE_MEDIA:
    urlpatterns.insert(0, re_path(r"^media/(?P<path>.+)$", views.media, name="media"))
