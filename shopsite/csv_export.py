"""CSV downloads for the staff console, built from the same paged Queries the lists use (never a Scan)."""
import csv
import io
from collections.abc import Callable, Iterable, Iterator

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect

MAX_BYTES = 5 * 1024 * 1024  # Lambda answers at most 6 MB; keep room for headers and base64


class ExportTooLarge(Exception):
    """The export would not fit one response; the caller should ask for a narrower filter."""


def _safe(value) -> str:
    """Neutralise spreadsheet formulas: a cell a user typed must never run in Excel or Sheets."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def pages_all(load: Callable, **kwargs) -> Iterator:
    """Every item of a cursor-paged selector, page after page (one Query each)."""
    cursor = None
    while True:
        page = load(cursor=cursor, limit=100, **kwargs)
        yield from page.items
        cursor = page.next_cursor
        if not cursor:
            return


def csv_download(request, *, filename: str, header: list[str], rows: Iterable[list], back: str) -> HttpResponse:
    """The CSV attachment, or back to the list at *back* with a message when it would not fit one response."""
    try:
        return csv_response(filename=filename, header=header, rows=rows)
    except ExportTooLarge:
        messages.error(request, "The export is over 5 MB, more than one download can carry here.")
        return redirect(back)


def csv_response(*, filename: str, header: list[str], rows: Iterable[list]) -> HttpResponse:
    """A CSV attachment of *rows*; raises ExportTooLarge beyond MAX_BYTES."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_safe(value) for value in row])
        if buffer.tell() > MAX_BYTES:
            raise ExportTooLarge(filename)
    response = HttpResponse(buffer.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
