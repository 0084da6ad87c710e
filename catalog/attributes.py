"""Product types and attributes: what a product is described by, its specification table, and its facets.

Staff define a type (Clothing, Lamp…) with attributes — text, a number with
its unit, or a choice among ordered values. A product of that type keeps its
values in ``Product.attributes`` ({code: value}). A choice attribute marked
as a facet filters category pages: every shown product with a value has one
``FacetCard`` per (category, attribute, value), so a filtered page is one
Query of one partition — a bounded read, never a scan. A category remembers
the types its products have had (``Category.type_ids``), so its page knows
which facets to offer without reading a product.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.utils.text import slugify

KINDS = {"text": "Text", "number": "Number", "choice": "Choice"}
MAX_ATTRIBUTES = 12
MAX_CHOICES = 30


def attribute_code(name: str) -> str:
    """An attribute's key in URLs and on products: its name as a slug ("Sleeve length" → "sleeve-length")."""
    return slugify(name)[:40].strip("-")


def value_key(value) -> str:
    """A value as a facet's key holds it: folded, so "Cotton" and "cotton" are one facet value."""
    return str(value).strip().casefold()[:80]


def facet_key(*, category_id: str, code: str, value) -> str:
    return f"{category_id}#{code}#{value_key(value)}"


def facet_keys(product, product_type) -> set[str]:
    """The facet partitions a product belongs in: one per facet attribute it has a value for, while it is shown."""
    if product_type is None or not product.active or not product.attributes:
        return set()
    values = product.attributes.as_dict()
    return {facet_key(category_id=product.category_id, code=attribute.code, value=values[attribute.code])
            for attribute in product_type.attributes
            if attribute.facet and attribute.kind == "choice" and values.get(attribute.code) not in (None, "")}


@dataclass(frozen=True)
class Specification:
    name: str
    value: str


def specifications(product, product_type) -> list[Specification]:
    """The product's specification table: each attribute of its type it has a value for, in the type's order."""
    if product_type is None or not product.attributes:
        return []
    values = product.attributes.as_dict()
    rows = []
    for attribute in product_type.attributes:
        value = values.get(attribute.code)
        if value in (None, ""):
            continue
        if attribute.kind == "number":
            number = float(value)
            shown = f"{int(number)}" if number == int(number) else f"{number:g}"
            value = f"{shown} {attribute.unit}".strip() if attribute.unit else shown
        rows.append(Specification(name=attribute.name, value=str(value)))
    return rows
