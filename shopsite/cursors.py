"""Opaque, signed, URL-safe pagination cursors built from LastEvaluatedKey."""
from typing import Any

from django.core import signing

_SALT = "shopsite.cursor"


class InvalidCursor(ValueError):
    """The cursor was tampered with, truncated or made for another listing."""


def cursor_encode(*, key: dict[str, Any] | None, scope: str) -> str | None:
    """Return a cursor for *key* (None when there is no next page)."""
    if not key:
        return None
    return signing.dumps({"k": key, "s": scope}, salt=_SALT, compress=True)


def cursor_decode(*, cursor: str | None, scope: str) -> dict[str, Any] | None:
    """Return the LastEvaluatedKey in *cursor*; raise InvalidCursor when it is not ours."""
    if not cursor:
        return None
    try:
        payload = signing.loads(cursor, salt=_SALT)
    except (signing.BadSignature, ValueError, TypeError) as error:
        raise InvalidCursor("This page link is not valid.") from error
    if not isinstance(payload, dict) or payload.get("s") != scope or not isinstance(payload.get("k"), dict):
        raise InvalidCursor("This page link is not valid.")
    return payload["k"]
