"""Spreadsheet-safe CSV cells: what the console's exports write and the catalog import reads back."""

# What spreadsheets evaluate at the start of a cell (ASCII and fullwidth forms), and the characters they
# skip before it (spaces, zero-width characters, a byte-order mark).
_FORMULA_STARTS = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")
_SKIPPED = " \u00a0\u200b\u200c\u200d\u2060\ufeff"


def _needs_guard(text: str) -> bool:
    rest = text.lstrip(_SKIPPED)
    return bool(rest) and rest[0] in _FORMULA_STARTS or "|" in text or text.startswith("'")


def cell_guard(value) -> str:
    """A cell a user typed, made inert for Excel and Sheets: an apostrophe before anything that could start a
    formula (after leading spaces or zero-width characters too), or that holds ``|`` (DDE), or that already
    starts with an apostrophe — so cell_unguard gives back exactly the text, whatever it is."""
    text = "" if value is None else str(value)
    return "'" + text if _needs_guard(text) else text


def cell_unguard(text: str) -> str:
    """Undo cell_guard: export then import changes nothing, for any text."""
    return text[1:] if text[:1] == "'" and _needs_guard(text[1:]) else text
