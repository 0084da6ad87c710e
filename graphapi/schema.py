"""The GraphQL schema: catalog, cart and orders, on top of the apps' selectors and services.

No resolver touches PynamoDB: each calls the same selector or service a page
uses, so a query costs what the matching page costs and obeys the same rules
(conditional stock, idempotent order tokens, version checks). Lists are
cursor pages; products' categories come from the one cached category list,
so there is no query per item.

Imported on the first GraphQL request only: strawberry and graphql-core take
about 0.2 s to import, which the shop's cold start should not pay.
"""
from __future__ import annotations

import strawberry
from django.conf import settings
from strawberry.extensions import DisableIntrospection, MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter

from graphapi.accounts import AccountsMutation
from graphapi.catalog import CatalogQuery, categories_loader  # noqa: F401  (the view imports it from here)
from graphapi.customers import CustomersMutation, CustomersQuery
from graphapi.orders import OrdersMutation, OrdersQuery


@strawberry.type
class Query(CatalogQuery, OrdersQuery, CustomersQuery):
    """Every query, one class per domain (graphapi/catalog.py, orders.py, customers.py)."""


@strawberry.type
class Mutation(AccountsMutation, CustomersMutation, OrdersMutation):
    """Every mutation, one class per domain (graphapi/accounts.py, customers.py, orders.py)."""


class Schema(strawberry.Schema):
    """strawberry's schema, minus its error log: strawberry logs every error at ERROR with a traceback and
    the document's text (passwords included); graphapi.views logs each error once, at the right level."""

    def process_errors(self, errors, execution_context=None) -> None:
        return None


_schemas: dict[tuple, strawberry.Schema] = {}


def schema_get() -> strawberry.Schema:
    """The schema for the current settings (introspection on or off, depth limit), built once per combination."""
    key = (settings.GRAPHQL_INTROSPECTION, settings.GRAPHQL_MAX_DEPTH)
    if key not in _schemas:
        depth = settings.GRAPHQL_MAX_DEPTH
        extensions = [lambda: QueryDepthLimiter(max_depth=depth), lambda: MaxTokensLimiter(max_token_count=2000),
                      lambda: MaxAliasesLimiter(max_alias_count=10)]
        if not settings.GRAPHQL_INTROSPECTION:
            extensions.append(DisableIntrospection)
        _schemas[key] = Schema(query=Query, mutation=Mutation, extensions=extensions)
    return _schemas[key]
