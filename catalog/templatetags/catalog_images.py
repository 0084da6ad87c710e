"""Template filters for product images: thumbnail URLs and srcset values."""
from django import template
from django.core.files.storage import default_storage

from catalog.images import THUMBNAIL_WIDTHS, thumbnail_path

register = template.Library()


@register.filter
def thumb(path: str, width: int) -> str:
    """Return the URL of the *width*-pixel WebP thumbnail of a stored product image."""
    return default_storage.url(thumbnail_path(path, int(width))) if path else ""


@register.filter
def srcset(path: str) -> str:
    """Return a ``srcset`` value listing every thumbnail of a stored product image."""
    return ", ".join(f"{thumb(path, width)} {width}w" for width in THUMBNAIL_WIDTHS) if path else ""
