"""The shop's local settings plus the comparator: PostgreSQL and SQLite databases for bench.orm only."""
import os

from shopsite.settings.local import *  # noqa: F401,F403
from shopsite.settings.local import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench.orm"]
ROOT_URLCONF = "bench.orm.urls"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql", "NAME": "bench", "USER": "postgres", "HOST": "127.0.0.1",
        "PORT": os.environ.get("BENCH_PG_PORT", "5432"), "CONN_MAX_AGE": None,
    },
    "sqlite": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ.get("BENCH_SQLITE", ":memory:")},
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
