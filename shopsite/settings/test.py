"""Tests: DynamoDB Local started by the test fixtures, fast password hashing."""
from .base import *  # noqa: F401,F403
from .base import env

DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
SHOP_BASE_URL = "http://testserver"
DYNAMODB_HOST = env("DYNAMODB_HOST", "http://127.0.0.1:8002")
DYNAMODB_TABLE_PREFIX = env("DYNAMODB_TABLE_PREFIX", "test-")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "exports": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Fail fast in tests; fault tests exercise the retry path explicitly.
DYNAMODB_READ_TIMEOUT = 10.0
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
SERVE_MEDIA = True

# Tests' webhook receivers are local HTTP servers.
WEBHOOK_REQUIRE_HTTPS = False
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
