"""Template filters for product text."""
from django import template
from django.utils.safestring import mark_safe

from catalog.descriptions import description_html

register = template.Library()


@register.filter
def markdown(text: str) -> str:
    """A product description (Markdown) as sanitised HTML: see catalog.descriptions."""
    return mark_safe(description_html(text))  # noqa: S308 - sanitised by nh3 with an allow-list
