"""Cursor pagination over one DynamoDB Query."""
from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages

from shopsite.cursors import InvalidCursor, cursor_decode, cursor_encode


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


def page_or_first(request, load, **kwargs) -> Page:
    """Load the page named by ``?cursor=``; a tampered or stale cursor falls back to page one, saying so."""
    try:
        return load(cursor=request.GET.get("cursor"), **kwargs)
    except InvalidCursor:
        messages.warning(request, "That page link was not valid; showing the first page.")
        return load(**kwargs)
