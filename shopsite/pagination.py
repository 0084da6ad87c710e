"""Cursor pagination over one DynamoDB Query."""
from __future__ import annotations

from dataclasses import dataclass

from shopsite.cursors import cursor_decode, cursor_encode


@dataclass
class Page:
    items: list
    next_cursor: str | None


def query_page(index, hash_key: str, *, scope: str, cursor: str | None, limit: int, forward: bool = False) -> Page:
    """Return one page of ``index.query(hash_key)``, resuming after *cursor*.

    *index* is a model or a GSI. Raises shopsite.cursors.InvalidCursor for a
    cursor that is not ours or belongs to another listing (*scope*).
    """
    start = cursor_decode(cursor=cursor, scope=scope)
    result = index.query(hash_key, scan_index_forward=forward, limit=limit, page_size=limit, last_evaluated_key=start)
    items = list(result)
    next_cursor = cursor_encode(key=result.last_evaluated_key, scope=scope) if len(items) == limit else None
    return Page(items=items, next_cursor=next_cursor)
