"""Variants: what a shopper actually buys, read from the product item that holds them.

A product has up to three options (Size, Colour…) with ordered values; each
combination staff enable is a variant with its own SKU, an optional price
override, weight, image and stock. A product without options is its own single
variant (``variant_id`` ""), so carts, checkout, orders and the APIs deal in
variants only. Everything lives on the product item — options and variants in
lists, each variant's stock in the ``variant_stock`` map beside the product's
``stock`` (their sum) — so the product page stays one read, and a sale changes
one variant's count and the total in one conditional update (catalog.stock).

A cart line or order line names a variant by its *line key*: the product id,
then ``.`` and the variant id for a product with options (product ids are
UUIDs, so the dot is unambiguous).
"""
from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass

from catalog.models import stock_state_of

MAX_OPTIONS = 3
MAX_VALUES = 20  # values per option
MAX_VARIANTS = 100  # per product: the item stays far below DynamoDB's 400 KB
MAX_IMAGES = 10  # a product's gallery


@dataclass(frozen=True)
class Variant:
    """One variant of a product as the shop shows and sells it."""

    product_id: str
    variant_id: str  # "" for a product without options
    sku: str | None
    values: tuple[str, ...]
    option_names: tuple[str, ...]
    price_cents: int
    stock: int
    image: str | None
    enabled: bool = True
    weight_grams: int | None = None

    @property
    def line_key(self) -> str:
        return line_key(product_id=self.product_id, variant_id=self.variant_id)

    @property
    def label(self) -> str:
        """"Size: M, Colour: Red" ("" for a product without options)."""
        return ", ".join(f"{name}: {value}" for name, value in zip(self.option_names, self.values))

    @property
    def short_label(self) -> str:
        """"M / Red"."""
        return " / ".join(self.values)

    @property
    def available(self) -> bool:
        return self.enabled and self.stock > 0

    @property
    def stock_state(self) -> str:
        return stock_state_of(self.stock if self.enabled else 0)


def line_key(*, product_id: str, variant_id: str = "") -> str:
    return f"{product_id}.{variant_id}" if variant_id else product_id


def line_key_split(key: str) -> tuple[str, str]:
    """(product id, variant id) of a line key."""
    product_id, _, variant_id = key.partition(".")
    return product_id, variant_id


def variant_id_for(values) -> str:
    """A stable id for a combination of option values (the same values always give the same id)."""
    return hashlib.sha256("\x1f".join(value.casefold() for value in values).encode()).hexdigest()[:10]


def has_options(product) -> bool:
    return bool(getattr(product, "variants", None))


def option_names(product) -> tuple[str, ...]:
    return tuple(option.name for option in (product.options or [])) if has_options(product) else ()


def variants_of(product) -> list[Variant]:
    """Every variant of *product* in option order, enabled or not; a product without options gives its one."""
    if not has_options(product):
        return [Variant(product_id=product.product_id, variant_id="", sku=product.sku, values=(), option_names=(),
                        price_cents=int(product.price_cents), stock=int(product.stock or 0), image=product.image,
                        weight_grams=getattr(product, "weight_grams", None))]
    names = option_names(product)
    stock = product.variant_stock.as_dict() if product.variant_stock is not None else {}
    return [Variant(product_id=product.product_id, variant_id=variant.variant_id, sku=variant.sku,
                    values=tuple(variant.values), option_names=names,
                    price_cents=int(variant.price_cents if variant.price_cents is not None else product.price_cents),
                    stock=int(stock.get(variant.variant_id, 0)), image=variant.image or product.image,
                    enabled=bool(variant.enabled), weight_grams=variant.weight_grams)
            for variant in product.variants]


def variant_of(product, variant_id: str) -> Variant | None:
    """The variant *variant_id* of *product* ("" names a product without options), or None."""
    return next((variant for variant in variants_of(product) if variant.variant_id == variant_id), None)


def variant_by_sku(product, sku: str) -> Variant | None:
    wanted = (sku or "").strip().upper()
    return next((variant for variant in variants_of(product) if variant.sku and variant.sku.upper() == wanted), None)


def variant_default(product) -> Variant:
    """The variant a product page shows first: the first one on sale, else the first."""
    variants = [variant for variant in variants_of(product) if variant.enabled] or variants_of(product)
    return next((variant for variant in variants if variant.available), variants[0])


def price_range(product) -> tuple[int, int]:
    """The lowest and highest price among the enabled variants."""
    prices = [variant.price_cents for variant in variants_of(product) if variant.enabled] or [int(product.price_cents)]
    return min(prices), max(prices)


def price_from_of(product) -> int | None:
    """What ``price_from_cents`` should hold: the lowest price when variants' prices differ, else None."""
    low, high = price_range(product)
    return low if low != high else None


def combinations(options: list[tuple[str, list[str]]]) -> list[tuple[str, ...]]:
    """Every combination of the options' values, in the options' order."""
    return list(itertools.product(*(values for _, values in options))) if options else []


def sku_suggest(*, base: str, values) -> str:
    """A SKU for a generated variant: the product's SKU (or slug) and each value, upper-case, joined by dashes."""
    stem = "-".join(filter(None, "".join(ch if ch.isalnum() else "-" for ch in base.upper()).split("-")))
    cleaned = [stem, *("".join(ch for ch in value.upper() if ch.isalnum()) for value in values)]
    return "-".join(part for part in cleaned if part)[:40]


def sku_from_slug(slug: str, *, attempt: int = 0) -> str:
    """The SKU a product without one gets: its slug upper-case (slugs are letters, digits and hyphens, all valid in
    a SKU), with ``-2``, ``-3``… when that one is taken."""
    base = slug.upper()
    return base[:40] if not attempt else f"{base[:36]}-{attempt + 1}"


@dataclass(frozen=True)
class GalleryImage:
    path: str
    alt: str


def gallery_of(product) -> list[GalleryImage]:
    """A product's pictures in order; a product from before galleries has its one image (alt: its name)."""
    if getattr(product, "images", None):
        return [GalleryImage(path=image.path, alt=image.alt or product.name) for image in product.images]
    return [GalleryImage(path=product.image, alt=product.name)] if product.image else []
