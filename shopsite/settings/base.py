"""Settings shared by every environment; the others override these."""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    return int(env(name, str(default)))


SECRET_KEY = env("DJANGO_SECRET_KEY", "insecure-local-development-key-change-me")
DEBUG = False
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",  # /sitemap.xml (catalog.sitemaps)
    "corsheaders",
    "shopsite",
    "customers",
    "catalog",
    "accounts",
    "orders",
    "graphapi",  # the schema itself loads on the first GraphQL request, not at start-up
    "webhooks",
    "api",
    "console",
]

MIDDLEWARE = [
    "shopsite.middleware.RequestLogMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "shopsite.middleware.DynamoDBUnavailableMiddleware",
    "orders.cart.CartCountCookieMiddleware",
    "accounts.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "accounts.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "shopsite.urls"
WSGI_APPLICATION = "shopsite.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csrf",
                "django.contrib.messages.context_processors.messages",
                "shopsite.context_processors.shop",
                "orders.cart.cart_count",
                "shopsite.edge.edge_context",
            ],
        },
    },
]

# No ORM: every record lives in DynamoDB.
DATABASES = {}

SESSION_ENGINE = "accounts.sessions"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Messages ride in a signed cookie (the session only when they outgrow it): a message costs no DynamoDB write.
MESSAGE_STORAGE = "django.contrib.messages.storage.fallback.FallbackStorage"
CSRF_FAILURE_VIEW = "shopsite.views.csrf_failure"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Shopper pages and emails in English (no prefix) and French (/fr/...); the staff console and the APIs stay
# English. Money and dates follow the language through Babel (shopsite.templatetags.shop).
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
BABEL_LOCALES = {"en": "en_US", "fr": "fr_FR"}
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = env("STATIC_URL", "/static/")
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / ".data" / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "exports": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(BASE_DIR / "var" / "exports")}},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024

CACHES = {
    "default": {
        "BACKEND": env("CACHE_BACKEND", "django.core.cache.backends.locmem.LocMemCache"),
        "LOCATION": env("CACHE_LOCATION", "shopsite"),
        "TIMEOUT": 300,
    }
}

# DynamoDB: read only by shopsite/dynamodb.py.
DYNAMODB_HOST = env("DYNAMODB_HOST")  # unset means real AWS
DYNAMODB_TABLE_PREFIX = env("DYNAMODB_TABLE_PREFIX", "shopsite-local-")
AWS_REGION = env("AWS_REGION", env("AWS_DEFAULT_REGION", "us-east-1"))
AWS_ACCESS_KEY_ID = env("AWS_ACCESS_KEY_ID")
AWS_SECRET_ACCESS_KEY = env("AWS_SECRET_ACCESS_KEY")
# Bounded so that retries finish well inside API Gateway's 29 s limit:
# 3 attempts x (1 s connect + 3 s read) plus backoff stays under 15 s.
DYNAMODB_CONNECT_TIMEOUT = float(env("DYNAMODB_CONNECT_TIMEOUT", "1"))
DYNAMODB_READ_TIMEOUT = float(env("DYNAMODB_READ_TIMEOUT", "3"))
DYNAMODB_MAX_ATTEMPTS = env_int("DYNAMODB_MAX_ATTEMPTS", 3)
DYNAMODB_MAX_POOL_CONNECTIONS = env_int("DYNAMODB_MAX_POOL_CONNECTIONS", 20)

# Shop
SHOP_NAME = env("SHOP_NAME", "Shopsite")

# Email: Django's email API. Locally messages are written as files under var/mail/;
# production sends through Amazon SES (django-ses) in AWS_SES_REGION_NAME.
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "shop@example.com")
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = BASE_DIR / "var" / "mail"
EMAIL_TIMEOUT = 5
PASSWORD_RESET_SECONDS = env_int("PASSWORD_RESET_SECONDS", 60 * 60 * 24)
PASSWORD_RESET_EMAIL_LIMIT = env_int("PASSWORD_RESET_EMAIL_LIMIT", 3)  # links per email address per LOGIN_WINDOW_SECONDS
SHOP_CURRENCY = env("SHOP_CURRENCY", "USD")
SHIPPING_FLAT_CENTS = env_int("SHIPPING_FLAT_CENTS", 500)
FREE_SHIPPING_THRESHOLD_CENTS = env_int("FREE_SHIPPING_THRESHOLD_CENTS", 5000)
# Payments: the manual provider (bank transfer / on delivery) always works; Stripe Checkout
# is offered when its keys are set (from the environment, or SSM through zappa's
# environment). Unpaid orders release their stock when their time runs out.
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET")
STRIPE_API_BASE = env("STRIPE_API_BASE")  # only to point at a stand-in in tests
STRIPE_PAYMENT_MINUTES = env_int("STRIPE_PAYMENT_MINUTES", 60)
MANUAL_PAYMENTS = env("MANUAL_PAYMENTS", "1") == "1"
MANUAL_PAYMENT_HOURS = env_int("MANUAL_PAYMENT_HOURS", 24 * 7)
MANUAL_PAYMENT_INSTRUCTIONS = env(
    "MANUAL_PAYMENT_INSTRUCTIONS",
    "Pay by bank transfer to IBAN XX00 0000 0000 0000, quoting your order number, or pay the courier on delivery.")
# GraphQL (/graphql): introspection can be switched off in production; queries deeper than this are refused.
GRAPHQL_INTROSPECTION = env("GRAPHQL_INTROSPECTION", "1") == "1"
GRAPHQL_MAX_DEPTH = env_int("GRAPHQL_MAX_DEPTH", 8)
SHOPPER_TOKEN_SECONDS = env_int("SHOPPER_TOKEN_SECONDS", 60 * 60 * 24 * 30)  # GraphQL shopper tokens (mobile apps)
ORDER_NUMBER_START = env_int("ORDER_NUMBER_START", 10000)  # the first order is number START + 1
# Order numbers are reserved this many at a time per process (one ADD on the counter per block; see ARCHITECTURE.md).
ORDER_NUMBER_BLOCK = env_int("ORDER_NUMBER_BLOCK", 20)
# How long checkout retries DynamoDB's transaction conflicts and throttling (jittered backoff) before a 503.
CHECKOUT_RETRY_SECONDS = env_int("CHECKOUT_RETRY_SECONDS", 10)

# The site's public address (with the API Gateway stage, if any): every link in an email and every link
# printed outside a request is built on it (shopsite.links), never on the request's Host header.
SHOP_BASE_URL = env("SHOP_BASE_URL")
# Queued email requests (shopsite.emails.email_request): the function that decides and sends each kind, with
# to= and data=, imported by the outbox job when a request of that kind waits.
EMAIL_REQUEST_HANDLERS = {
    "password_reset": "accounts.services.password_reset_deliver",
    "guest_link": "orders.notifications.guest_link_deliver",
}
# CloudFront in front (shopsite.edge): how long a catalog page for a visitor without cookies may be served from
# the edge, and how long a stale one may be while the edge refreshes it in the background.
EDGE_CACHE_SECONDS = env_int("EDGE_CACHE_SECONDS", 60)
EDGE_STALE_SECONDS = env_int("EDGE_STALE_SECONDS", 300)
# The secret CloudFront adds to every request it forwards (X-Shopsite-Edge): only then is its
# CloudFront-Viewer-Address header trusted as the client address (shopsite.clients). Empty: no CloudFront.
EDGE_SECRET = env("EDGE_SECRET")
# How long the link in a guest's order emails shows the order; a guest asks for a fresh one at /orders/link/.
GUEST_LINK_SECONDS = env_int("GUEST_LINK_SECONDS", 30 * 24 * 60 * 60)
# How long a staff member's one-time set-password link stays valid.
STAFF_PASSWORD_LINK_SECONDS = env_int("STAFF_PASSWORD_LINK_SECONDS", 24 * 60 * 60)

# Requests per minute for each API key (a key may carry its own limit).
API_RATE_LIMIT_PER_MINUTE = env_int("API_RATE_LIMIT_PER_MINUTE", 120)
SHOPPER_TOKEN_RATE_LIMIT_PER_MINUTE = env_int("SHOPPER_TOKEN_RATE_LIMIT_PER_MINUTE", 120)  # GraphQL requests per shopper

# Login throttling (accounts/services.py explains the policy).
LOGIN_FAILURE_LIMIT = 5  # attempts per account and client in a window
LOGIN_CLIENT_LIMIT = env_int("LOGIN_CLIENT_LIMIT", 30)  # attempts per client, all accounts together
LOGIN_WINDOW_SECONDS = 15 * 60
LOGIN_LOCK_SECONDS = 60  # the first lock of an account-and-client pair; each next one doubles
LOGIN_LOCK_MAX_SECONDS = 60 * 60

# Cross-origin calls to the JSON API only (django-cors-headers).
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS")
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_HEADERS = ("authorization", "content-type", "if-match")
CORS_ALLOW_METHODS = ("DELETE", "GET", "OPTIONS", "POST", "PUT")
CORS_EXPOSE_HEADERS = ("Location", "ETag")
CORS_PREFLIGHT_MAX_AGE = 600

# Metrics (CloudWatch Embedded Metric Format) are log lines of the
# ``shopsite.metrics`` logger; see shopsite/metrics.py.
METRICS_NAMESPACE = env("METRICS_NAMESPACE", "Shopsite")
METRICS_SERVICE = env("METRICS_SERVICE", "shopsite")

# A request this slow logs its line at WARNING (see shopsite.middleware.RequestLogMiddleware).
SLOW_REQUEST_MS = env_int("SLOW_REQUEST_MS", 1000)

# Locally and in tests: request and metric lines are kept quiet (runserver
# prints its own request lines); production.py sends everything to stdout as JSON.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "shopsite.logging.RedactSecrets"}},
    "formatters": {"plain": {"format": "%(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]}},
    "loggers": {
        "shopsite.requests": {"handlers": [], "level": "INFO", "propagate": False},
        "shopsite.metrics": {"handlers": [], "level": "INFO", "propagate": False},
        "django": {"handlers": ["console"], "level": "WARNING"},
    },
}

DEFAULT_AUTO_FIELD = None

# Serve uploaded media from Django (local runs only; S3 serves it in production).
SERVE_MEDIA = env("SERVE_MEDIA", "0") == "1"

# Webhooks (webhooks/): where endpoints may be, and how long one attempt may take. Production refuses plain http
# and any address that is not public (169.254.169.254, 10.0.0.0/8, a name resolving to 127.0.0.1, …).
WEBHOOK_REQUIRE_HTTPS = env("WEBHOOK_REQUIRE_HTTPS", "1") == "1"
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", "0") == "1"
WEBHOOK_CONNECT_TIMEOUT = 3.0
WEBHOOK_READ_TIMEOUT = 5.0
WEBHOOK_BATCH_SECONDS = 10.0  # first attempts per stream batch; the rest go to the retry job (function timeout 29 s)
# What `make run` runs on a timer in place of zappa_settings.json's schedules (job: seconds between runs).
LOCAL_JOBS = {"shopsite.jobs.send_outbox": 3.0, "webhooks.jobs.retry_due": 30.0}
