"""Cursor pagination over DynamoDB Queries: next and previous pages, filters read in bounded rounds."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from django.contrib import messages

from shopsite.compat.pynamodb import first_page, index_model, key_names
from shopsite.cursors import InvalidCursor, cursor_decode, cursor_encode

BEFORE = "<before>"  # a cursor holding {BEFORE: key} names the page that ends just before *key*
FILTER_ROUNDS = 3  # a filtered page reads at most this many Query pages, so its cost never grows with the table


@dataclass
class Page:
    items: list
    next_cursor: str | None
    prev_cursor: str | None = None
    count: int | None = None  # the exact number of matching records, where a tally keeps it


def _read(index, hash_key, *, start, limit, forward, range_condition, filter_condition, rounds, attributes, build):
    """Up to *limit* items after *start*, in at most *rounds* Query requests; return (items, raw keys, last key)."""
    model = index_model(index)
    build = build or model.from_raw_data
    if attributes:  # the Query returns these and the keys a cursor needs, nothing else
        index_name = None if index is model else index.Meta.index_name
        attributes = list(dict.fromkeys([*key_names(model, index_name), *attributes]))
    items, keys, last_key = [], [], start
    page_size = limit if filter_condition is None else min(100, limit * 4)
    for _ in range(rounds if filter_condition is not None else 1):
        result = index.query(hash_key, range_condition, filter_condition=filter_condition, scan_index_forward=forward,
                             page_size=page_size, last_evaluated_key=last_key, attributes_to_get=attributes)
        page, names, last_key = first_page(result)
        for raw in (page or {}).get("Items", []):
            if len(items) == limit:  # the page is full: resume right after its last item
                last_key = keys[-1]
                break
            items.append(build(raw))
            keys.append({name: raw[name] for name in names})
        if len(items) == limit or not last_key:
            break
    return items, keys, last_key


def query_page(index, hash_key, *, scope: str, cursor: str | None, limit: int, forward: bool = False,
               range_condition=None, filter_condition=None, rounds: int = FILTER_ROUNDS,
               attributes: tuple[str, ...] = (), build: Callable[[dict], Any] | None = None) -> Page:
    """Return one page of ``index.query(hash_key)``, after (or, for a previous-page cursor, before) *cursor*.

    *index* is a model or a GSI. Unfiltered, a page is one Query. With
    *filter_condition*, at most *rounds* Queries are read and the page may be
    short; its next link goes on from where the reading stopped. Raises
    shopsite.cursors.InvalidCursor for a cursor that is not ours or belongs to
    another listing (*scope*). With *attributes*, the Query projects only
    those (and the keys) and *build* makes each item from its raw attributes
    instead of a model instance.
    """
    start = cursor_decode(cursor=cursor, scope=scope)
    backwards = bool(start) and set(start) == {BEFORE}
    if backwards:
        start = start[BEFORE]
    options = {"limit": limit, "range_condition": range_condition, "filter_condition": filter_condition, "rounds": rounds,
               "attributes": attributes, "build": build}
    items, keys, last_key = _read(index, hash_key, start=start, forward=forward != backwards, **options)
    if backwards:
        if len(items) < limit:  # back at the beginning: page one, in full
            return query_page(index, hash_key, scope=scope, cursor=None, forward=forward, **options)
        items.reverse()
        keys.reverse()
        return Page(items=items, next_cursor=cursor_encode(key=keys[-1], scope=scope),
                    prev_cursor=cursor_encode(key={BEFORE: keys[0]}, scope=scope))
    return Page(items=items, next_cursor=cursor_encode(key=last_key, scope=scope) if last_key else None,
                prev_cursor=cursor_encode(key={BEFORE: keys[0]}, scope=scope) if start and keys else None)


def page_or_first(request, load, **kwargs) -> Page:
    """Load the page named by ``?cursor=``; a tampered or stale cursor falls back to page one, saying so."""
    try:
        return load(cursor=request.GET.get("cursor"), **kwargs)
    except InvalidCursor:
        messages.warning(request, "That page link was not valid; showing the first page.")
        return load(**kwargs)


def multi_prefix_page(plans: dict, *, scope: str, cursor: str | None, limit: int, key) -> Page:
    """One page of a search that asks several indexes for a prefix, merged (first seen wins, by *key*).

    *plans* maps a name to (index, range attribute, prefix); each index's
    Query resumes from its own key in the cursor, and one that is used up is
    not asked again. Empty prefixes are skipped. Raises InvalidCursor.
    """
    resume = cursor_decode(cursor=cursor, scope=scope) or {}
    found, next_keys = {}, {}
    for name, (index, attribute, prefix) in plans.items():
        if not prefix or (cursor and name not in resume):
            continue
        start = cursor_encode(key=resume.get(name), scope=scope)
        page = query_page(index, "all", scope=scope, cursor=start, limit=limit, forward=True,
                          range_condition=attribute.startswith(prefix))
        for item in page.items:
            found.setdefault(key(item), item)
        if page.next_cursor:
            next_keys[name] = cursor_decode(cursor=page.next_cursor, scope=scope)
    return Page(items=list(found.values()), next_cursor=cursor_encode(key=next_keys, scope=scope))
