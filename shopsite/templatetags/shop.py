from decimal import Decimal

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency
from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils import timezone, translation
from django.core.files.storage import default_storage

register = template.Library()

def babel_locale() -> str:
    """The Babel locale of the active language (en_US, fr_FR)."""
    return settings.BABEL_LOCALES.get(translation.get_language() or settings.LANGUAGE_CODE, "en_US")


@register.filter
def money(cents) -> str:
    """Format integer cents in the shop's currency as the active language writes it: 1234 -> '$12.34', '12,34 $US'."""
    try:
        cents = int(cents)
    except (TypeError, ValueError):
        return ""
    return format_currency(Decimal(cents) / 100, settings.SHOP_CURRENCY, locale=babel_locale())


@register.filter
def local_date(value, length: str = "long") -> str:
    """A date as the active language writes it (Babel): 'December 3, 2026', '3 décembre 2026'."""
    if not value:
        return ""
    if hasattr(value, "astimezone"):
        value = timezone.localtime(value).date()
    return format_date(value, format=length, locale=babel_locale())


@register.filter
def local_datetime(value, length: str = "medium") -> str:
    """A date and time as the active language writes it (Babel)."""
    if not value:
        return ""
    return format_datetime(timezone.localtime(value), format=length, locale=babel_locale())


@register.simple_tag(takes_context=True)
def language_links(context, path: str | None = None) -> list[tuple[str, str, str, bool]]:
    """(code, name, this page — or *path* — in that language, current) for the footer's switcher and the head's
    alternates: plain links, so the page stays cacheable (no form, no CSRF token) and search engines find each
    language's URL."""
    request = context.get("request")
    here = path or (request.get_full_path() if request is not None else "/")
    current = translation.get_language()
    return [(code, name, translate_url(here, code), code == current) for code, name in settings.LANGUAGES]


@register.filter
def media_url(path: str) -> str:
    """Return the public URL of a stored file (local media folder or S3)."""
    return default_storage.url(path) if path else ""


@register.filter
def get_item(mapping, key):
    """Look a key up in a dict from a template."""
    return mapping.get(key) if hasattr(mapping, "get") else None
