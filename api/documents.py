"""The APIs' descriptions as checked in under docs/api/: the OpenAPI document and the GraphQL schema.

Both are printed from the code (``manage.py api_documents``); a test fails when a checked-in copy is stale.
"""
import json
from pathlib import Path

from django.conf import settings

from api.openapi import openapi_document
from graphapi.errors import ERROR_CODES

DOCUMENTS_DIR = Path(settings.BASE_DIR) / "docs" / "api"


def openapi_text() -> str:
    return json.dumps(openapi_document(), indent=2, ensure_ascii=False) + "\n"


def graphql_schema_text() -> str:
    """The schema's SDL, after a comment block listing every error code."""
    from strawberry.printer import print_schema  # lazy, these two: strawberry costs 0.2 s of cold start

    from graphapi.schema import schema_get

    width = max(len(code) for code in ERROR_CODES)
    header = ["# The Shopsite GraphQL API (POST /graphql). Printed by `manage.py api_documents`; do not edit.",
              "#", "# Error codes (errors[].extensions.code):"]
    header += [f"#   {code.ljust(width)}  {meaning}" for code, meaning in ERROR_CODES.items()]
    return "\n".join(header) + "\n\n" + print_schema(schema_get()) + "\n"


def documents() -> dict[Path, str]:
    """Each checked-in file and the text it should hold."""
    return {DOCUMENTS_DIR / "openapi.json": openapi_text(), DOCUMENTS_DIR / "schema.graphql": graphql_schema_text()}
