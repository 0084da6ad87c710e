"""CSV downloads for the staff console, built from the same paged Queries the lists use (never a Scan)."""
import csv
import io
from collections.abc import Callable, Iterable, Iterator

import uuid

from django.contrib import messages
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render

from shopsite.csv_cells import cell_guard

MAX_BYTES = 5 * 1024 * 1024  # Lambda answers at most 6 MB; keep room for headers and base64
STORED_MAX_BYTES = 200 * 1024 * 1024  # larger exports go to the "exports" storage, up to this (memory) limit


class ExportTooLarge(Exception):
    """The export would not fit one response; the caller should ask for a narrower filter."""


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
    """The CSV attachment; past what one response carries, a page linking to the file in the exports storage.

    Only beyond STORED_MAX_BYTES does it go back to the list at *back*, asking for a narrower filter.
    """
    try:
        data = csv_bytes(header=header, rows=rows, limit=STORED_MAX_BYTES)
    except ExportTooLarge:
        messages.error(request, "The export is too large even to store; narrow it with the filters.")
        return redirect(back)
    if len(data) <= MAX_BYTES:
        return _attachment(data, filename=filename)
    name = storages["exports"].save(f"{uuid.uuid4().hex}/{filename}", ContentFile(data))
    return render(request, "staff/export_ready.html", {"name": name, "filename": filename, "size": len(data),
                                                       "back": back})


def export_file_response(*, name: str) -> HttpResponse:
    """A stored export: a presigned link where the storage makes them (S3), else the file itself (local runs)."""
    storage = storages["exports"]
    if not name or ".." in name or name.startswith("/") or not storage.exists(name):
        raise Http404("No such export (they are kept for a day).")
    if hasattr(storage, "bucket_name"):
        return redirect(storage.url(name))
    return FileResponse(storage.open(name), as_attachment=True, filename=name.rsplit("/", 1)[-1],
                        content_type="text/csv; charset=utf-8")


def csv_bytes(*, header: list[str], rows: Iterable[list], limit: int = MAX_BYTES) -> bytes:
    """The CSV text of *rows* (formulas neutralised) as UTF-8 with a BOM; raises ExportTooLarge beyond *limit*."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([cell_guard(value) for value in row])
        if buffer.tell() > limit:
            raise ExportTooLarge()
    return buffer.getvalue().encode("utf-8-sig")


def _attachment(data: bytes, *, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
