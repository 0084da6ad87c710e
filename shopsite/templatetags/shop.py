from django import template
from django.conf import settings
from django.core.files.storage import default_storage

register = template.Library()

_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}


@register.filter
def money(cents) -> str:
    """Format integer cents in the shop's currency: 1234 -> '$12.34'."""
    try:
        cents = int(cents)
    except (TypeError, ValueError):
        return ""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    symbol = _SYMBOLS.get(settings.SHOP_CURRENCY)
    amount = f"{whole:,}.{part:02d}"
    return f"{sign}{symbol}{amount}" if symbol else f"{sign}{amount} {settings.SHOP_CURRENCY}"


@register.filter
def media_url(path: str) -> str:
    """Return the public URL of a stored file (local media folder or S3)."""
    return default_storage.url(path) if path else ""


@register.filter
def get_item(mapping, key):
    """Look a key up in a dict from a template."""
    return mapping.get(key) if hasattr(mapping, "get") else None
