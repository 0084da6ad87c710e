"""Bulk actions in the staff console: pick rows, confirm, then one conditional write per item.

Each row's checkbox carries the record's id and the version (or status) the
staff member saw. The confirmation page lists what will change and asks for
what the action needs (a tracking number, a stock figure, a category). On
confirm every item is its own conditional write, so an item someone changed
in between is reported as stale and left alone, never overwritten; the
results page says what happened to each.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render

MAX_ITEMS = 100


@dataclass
class BulkAction:
    label: str  # "Mark paid"
    run: Callable[..., str]  # run(item_id=, seen=, data=, actor=, request=) -> what happened; raises BulkRefused
    form: type[forms.Form] | None = None  # what the action needs, asked on the confirmation page
    per_item: tuple[str, ...] = ()  # fields asked once per item (the name gets "-<item id>")


class BulkRefused(Exception):
    """This item was not changed; the message says why (stale, not allowed, gone)."""


STALE = "changed by someone else since you picked it; nothing was changed"


@dataclass
class BulkResult:
    item_id: str
    label: str
    ok: bool
    message: str


def _selection(request) -> list[tuple[str, str]]:
    picked = []
    for value in request.POST.getlist("item")[:MAX_ITEMS]:
        item_id, _, seen = value.partition(":")
        if item_id and len(item_id) <= 80 and len(seen) <= 40 and item_id not in {i for i, _ in picked}:
            picked.append((item_id, seen))
    return picked


def bulk_view(request, *, actions: dict[str, BulkAction], labels: Callable[[list[str]], dict[str, str]],
              back: str, what: str, actor: str):
    """Handle a bulk POST: the confirmation page first, then (with ``confirm``) the per-item results.

    *labels* names the picked items (one batched read); *back* is the URL
    name of the list to return to; *what* is the plural noun for messages.
    """
    action_name = request.POST.get("action", "")
    action = actions.get(action_name)
    picked = _selection(request)
    if action is None or not picked:
        messages.error(request, f"Tick at least one of the {what} and choose what to do with them.")
        return redirect(back)
    names = labels([item_id for item_id, _ in picked])
    form = action.form(request.POST if "confirm" in request.POST else None) if action.form else None
    context = {"action": action, "action_name": action_name, "picked": [(i, s, names.get(i, i)) for i, s in picked],
               "form": form, "what": what, "back": back}
    if "confirm" not in request.POST or (form is not None and not form.is_valid()):
        return render(request, "staff/bulk_confirm.html", context, status=400 if form is not None and form.errors else 200)
    data = dict(form.cleaned_data) if form is not None else {}
    results = []
    for item_id, seen in picked:
        item_data = {**data, **{name: request.POST.get(f"{name}-{item_id}", "").strip()[:100] for name in action.per_item}}
        try:
            message = action.run(item_id=item_id, seen=seen, data=item_data, actor=actor, request=request)
        except BulkRefused as refused:
            results.append(BulkResult(item_id, names.get(item_id, item_id), False, str(refused)))
        else:
            results.append(BulkResult(item_id, names.get(item_id, item_id), True, message))
    return render(request, "staff/bulk_results.html", {**context, "results": results,
                                                       "changed": sum(r.ok for r in results)})


def version_seen(seen: str) -> int:
    """The version a checkbox carried; a tampered value reads as 0 (so the write is refused as stale)."""
    return int(seen) if seen.isdigit() and len(seen) < 16 else 0
