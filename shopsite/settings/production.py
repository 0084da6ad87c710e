"""AWS Lambda behind API Gateway: secrets and hosts from the environment."""
from botocore.config import Config
from django.core.exceptions import ImproperlyConfigured

from shopsite.secrets import secrets_from_environment

from .base import *  # noqa: F401,F403
from .base import env, env_list

DEBUG = False
# Each secret from its variable or the SSM SecureString its <NAME>_PARAMETER names: one SSM request in all.
_secrets = secrets_from_environment(["DJANGO_SECRET_KEY", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "EDGE_SECRET"])
SECRET_KEY = _secrets["DJANGO_SECRET_KEY"]
if not SECRET_KEY:
    raise ImproperlyConfigured("Set DJANGO_SECRET_KEY or DJANGO_SECRET_KEY_PARAMETER (an SSM SecureString).")
STRIPE_SECRET_KEY = _secrets["STRIPE_SECRET_KEY"]
STRIPE_WEBHOOK_SECRET = _secrets["STRIPE_WEBHOOK_SECRET"]
EDGE_SECRET = _secrets["EDGE_SECRET"]
# Served through CloudFront, whose origin path adds the API Gateway stage: links carry no stage prefix.
if env("SERVED_FROM_EDGE", "0") == "1":
    FORCE_SCRIPT_NAME = ""
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
DYNAMODB_HOST = env("DYNAMODB_HOST")  # empty: real AWS
# The schema is not advertised in production (no introspection, no "Did you mean" suggestions) unless asked for.
GRAPHQL_INTROSPECTION = env("GRAPHQL_INTROSPECTION", "0") == "1"
# Webhooks only to public https addresses, whatever the environment says.
WEBHOOK_REQUIRE_HTTPS = True
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False

# API Gateway terminates TLS and forwards the scheme.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env("SECURE_SSL_REDIRECT", "1") == "1"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

EMAIL_BACKEND = env("EMAIL_BACKEND", "django_ses.SESBackend")
AWS_SES_REGION_NAME = env("AWS_SES_REGION_NAME", env("AWS_REGION", "us-east-1"))
AWS_SES_REGION_ENDPOINT = f"email.{AWS_SES_REGION_NAME}.amazonaws.com"
# A slow or unreachable SES must not hold a shopper's request: short timeouts, one retry,
# then the message waits in the outbox (shopsite.emails).
AWS_SES_CONFIG = Config(
    connect_timeout=1, read_timeout=3, retries={"max_attempts": 2, "mode": "standard"})

AWS_STORAGE_BUCKET_NAME = env("STATIC_BUCKET")
AWS_S3_REGION_NAME = env("AWS_REGION", "us-east-1")
AWS_S3_CUSTOM_DOMAIN = env("STATIC_DOMAIN") or (
    f"{AWS_STORAGE_BUCKET_NAME}.s3.{AWS_S3_REGION_NAME}.amazonaws.com" if AWS_STORAGE_BUCKET_NAME else None
)
AWS_S3_FILE_OVERWRITE = False
AWS_DEFAULT_ACL = None
AWS_QUERYSTRING_AUTH = False
AWS_S3_ENDPOINT_URL = env("AWS_S3_ENDPOINT_URL") or None
STATIC_URL = f"https://{AWS_S3_CUSTOM_DOMAIN}/static/" if AWS_S3_CUSTOM_DOMAIN else "/static/"
MEDIA_URL = f"https://{AWS_S3_CUSTOM_DOMAIN}/media/" if AWS_S3_CUSTOM_DOMAIN else "/media/"
if AWS_S3_CUSTOM_DOMAIN:
    # Static files are on S3 (or its CDN); WhiteNoise would find no directory to serve and warn at every cold start.
    MIDDLEWARE = [name for name in MIDDLEWARE if name != "whitenoise.middleware.WhiteNoiseMiddleware"]  # noqa: F405
STORAGES = {
    # Staff exports too large for one response: private objects, handed out as 15-minute presigned links.
    "exports": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"location": "exports", "custom_domain": None, "querystring_auth": True, "querystring_expire": 900,
                    "object_parameters": {"CacheControl": "private, no-store"}},
    },
    "default": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"location": "media", "object_parameters": {"CacheControl": "public, max-age=86400"}},
    },
    "staticfiles": {"BACKEND": "shopsite.storage.StaticS3Storage"},
}

# Each Lambda copy has its own local-memory cache and a staff edit clears only the
# copy that served it, so cached catalog pages live briefly here. Point
# CACHE_BACKEND at a shared cache to lift that limit.
CACHES["default"]["TIMEOUT"] = int(env("CACHE_TIMEOUT", "30"))  # noqa: F405

# One JSON object per line on stdout, which Lambda sends to CloudWatch Logs.
# Every handler scrubs secrets, and the AWS SDK and Zappa stay at WARNING
# whatever LOG_LEVEL says: botocore logs request bodies (passwords) at DEBUG,
# and our own request line replaces Zappa's access log.
LOG_LEVEL = env("LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "shopsite.logging.RedactSecrets"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
        },
        "emf": {"format": "%(message)s"},
    },
    "handlers": {
        "stdout": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "json", "filters": ["redact"]},
        "emf": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "emf"},
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        "shopsite.metrics": {"handlers": ["emf"], "level": "INFO", "propagate": False},
        "django": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},  # a 404 is our request line at INFO already; errors stay
        **{name: {"level": "WARNING"} for name in ("botocore", "boto3", "s3transfer", "urllib3", "pynamodb", "zappa", "handler")},
    },
}
