"""Local development: DynamoDB Local on port 8001, debug pages on."""
from .base import *  # noqa: F401,F403
from .base import env

DEBUG = env("DJANGO_DEBUG", "1") == "1"
DYNAMODB_HOST = env("DYNAMODB_HOST", f"http://127.0.0.1:{env('DYNAMODB_PORT', '8001')}")
SHOP_BASE_URL = env("SHOP_BASE_URL", "http://127.0.0.1:8000")  # make run's address
# Serve static files straight from static/ (no collectstatic needed locally).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "exports": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(BASE_DIR / "var" / "exports")}},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# A receiver on this machine is the usual way to try webhooks locally.
WEBHOOK_REQUIRE_HTTPS = env("WEBHOOK_REQUIRE_HTTPS", "0") == "1"
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", "1") == "1"
