"""Countries by ISO 3166-1 alpha-2 code, named in the shopper's language (Babel's CLDR data), and the postal
code rules of the countries that have a well-known one. An address stores the code ("US"); pages show the name."""
from __future__ import annotations

import re
from functools import lru_cache

from babel import Locale
from django.conf import settings
from django.utils import translation

# CLDR lists a few codes that are not countries one ships to (the EU, the UN, "unknown region").
_NOT_COUNTRIES = {"EU", "EZ", "UN", "ZZ", "QO", "XA", "XB"}

# Postal codes where the rule is simple and stable; other countries take any reasonable text.
POSTAL_CODE_RULES = {
    "US": (r"\d{5}(-\d{4})?", "12345 or 12345-6789"),
    "CA": (r"[A-Z]\d[A-Z] ?\d[A-Z]\d", "A1A 1A1"),
    "GB": (r"[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}", "SW1A 1AA"),
    "FR": (r"\d{5}", "75001"),
    "DE": (r"\d{5}", "10115"),
    "IT": (r"\d{5}", "00184"),
    "ES": (r"\d{5}", "28013"),
    "NL": (r"\d{4} ?[A-Z]{2}", "1012 AB"),
    "BE": (r"\d{4}", "1000"),
    "CH": (r"\d{4}", "8001"),
    "AT": (r"\d{4}", "1010"),
    "DK": (r"\d{4}", "1050"),
    "NO": (r"\d{4}", "0150"),
    "SE": (r"\d{3} ?\d{2}", "114 55"),
    "FI": (r"\d{5}", "00100"),
    "PL": (r"\d{2}-\d{3}", "00-950"),
    "PT": (r"\d{4}-\d{3}", "1000-001"),
    "IE": (r"[A-Z]\d[\dW] ?[A-Z\d]{4}", "D02 X285"),
    "AU": (r"\d{4}", "2000"),
    "NZ": (r"\d{4}", "6011"),
    "JP": (r"\d{3}-?\d{4}", "100-0001"),
    "BR": (r"\d{5}-?\d{3}", "01000-000"),
    "IN": (r"\d{6}", "110001"),
}


def _babel_locale() -> str:
    return settings.BABEL_LOCALES.get(translation.get_language() or settings.LANGUAGE_CODE, "en_US")


@lru_cache(maxsize=8)
def _countries(locale: str) -> tuple[tuple[str, str], ...]:
    names = Locale.parse(locale).territories
    return tuple(sorted(((code, name) for code, name in names.items()
                         if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES),
                        key=lambda pair: pair[1].casefold()))


def country_choices() -> list[tuple[str, str]]:
    """(code, name) of every country, A to Z in the active language (a callable for a form's choices)."""
    return list(_countries(_babel_locale()))


def country_name(code: str) -> str:
    """The country's name in the active language; a value that is not a code (older addresses) as it is."""
    return dict(_countries(_babel_locale())).get(code or "", code or "")


def postal_code_normalise(*, country: str, postal_code: str) -> str | None:
    """The postal code upper-cased and trimmed, or None when it breaks *country*'s rule (no rule: accepted)."""
    value = " ".join((postal_code or "").upper().split())
    rule = POSTAL_CODE_RULES.get(country)
    if rule is None or re.fullmatch(rule[0], value):
        return value
    return None


def postal_code_example(country: str) -> str:
    return POSTAL_CODE_RULES.get(country, ("", ""))[1]
