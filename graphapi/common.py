"""What every part of the GraphQL schema shares: the error helper, argument checks, who may ask."""
from __future__ import annotations

import re

from graphql import GraphQLError
from strawberry.types import Info

from orders.cart import cart_count_refresh
from shopsite.cursors import InvalidCursor



MAX_PAGE = 48


def fail(code: str, message: str):
    """Raise a GraphQL error with a stable machine-readable code in ``extensions.code``."""
    raise GraphQLError(message, extensions={"code": code})


ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")


def valid_id(value, *, field: str) -> str:
    """An id argument checked as the forms check one (length and alphabet), before any read uses it."""
    if not isinstance(value, str) or not ID_PATTERN.fullmatch(value):
        fail("BAD_USER_INPUT", f"'{field}' must be 1 to 64 letters, digits, '-' or '_'.")
    return value


def page_size(first: int) -> int:
    if not 1 <= first <= MAX_PAGE:
        fail("BAD_USER_INPUT", f"'first' must be between 1 and {MAX_PAGE}.")
    return first


def require(info: Info, scope: str) -> None:
    if scope not in info.context["scopes"]:
        fail("FORBIDDEN" if info.context["scopes"] else "UNAUTHENTICATED",
             f"This operation needs the '{scope}' scope (an API key with it, or a signed-in browser session).")


def shopper_required(info: Info):
    request = info.context["request"]
    if info.context["key"] is not None or not request.customer.is_authenticated:
        fail("UNAUTHENTICATED", "Sign in as a shopper for carts and orders: a browser session with its CSRF token, "
                                "or 'Authorization: Shopper <token>' from the signIn mutation.")
    return request.customer


def count_refresh(request, cart=None) -> None:
    """Keep the header's cart count in a browser session; token clients have no session to write."""
    if not getattr(request, "shopper_token", False):
        cart_count_refresh(request, cart)


def actor_of(info: Info) -> str:
    """Who a staff operation is recorded as: the signed-in staff member or the API key's name."""
    return info.context["request"].staff.email if info.context["key"] is None else f"api key {info.context['key'].name}"


def paged(load, **kwargs):
    try:
        return load(**kwargs)
    except InvalidCursor:
        fail("BAD_USER_INPUT", "That cursor is not valid for this list.")
