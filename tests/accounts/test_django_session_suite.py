"""Django's own session tests (its SessionTestsMixin, from the sdist of the pinned Django) against our engine.

`make test` fetches the module (see the Makefile's DJANGO_SESSION_TESTS). Only the mixin is loaded: the rest
of that module needs Django's ORM session models, which this project does not install.
"""
import pytest
from pathlib import Path

import django
from django.test import SimpleTestCase

from accounts.sessions import SessionStore

pytestmark = pytest.mark.usefixtures("tables")

SOURCE = Path(__file__).resolve().parents[2] / ".cache" / f"django-{django.get_version()}-sessions_tests.py"
_NEEDS_ORM = ("django.contrib.sessions.models", "backends.db", "backends.cached_db", "from .models")


def _mixin():
    """SessionTestsMixin, executed with the module's own imports minus those that need the ORM's models."""
    text = SOURCE.read_text()
    header, _, rest = text.partition("class SessionTestsMixin:")
    body = "class SessionTestsMixin:" + rest.partition("\nclass DatabaseSessionTests")[0]
    imports, skipping = [], False
    for line in header.splitlines():
        if any(part in line for part in _NEEDS_ORM):
            skipping = line.rstrip().endswith("(")
            continue
        if skipping:
            skipping = not line.startswith(")")
            continue
        imports.append(line)
    namespace: dict = {"__name__": "django_sessions_tests"}
    exec(compile("\n".join(imports) + "\n" + body, str(SOURCE), "exec"), namespace)  # noqa: S102 - Django's own tests
    return namespace["SessionTestsMixin"]


class DynamoDBSessionTests(_mixin(), SimpleTestCase):
    """Every test of Django's session backend protocol, on the DynamoDB sessions table."""

    backend = SessionStore
