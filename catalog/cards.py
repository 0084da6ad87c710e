"""Product cards: what a listing shows of a product, built straight from DynamoDB items and rendered in one pass.

The shopper listings are the hot pages. A card reads seven attributes of the
item (the Query asks for no more), skips PynamoDB's model building, and the
grid renders from one template with every URL made by string concatenation
from prefixes reversed once per grid, not once per card.
"""
from __future__ import annotations

from urllib.parse import quote

from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils.encoding import filepath_to_uri
from django.utils.translation import get_language, gettext

from catalog.images import THUMBNAIL_WIDTHS, thumbnail_path
from catalog.models import CARD_FIELDS, stock_state_of
from shopsite.templatetags.shop import money

# What a card reads of a product item; a listing Query projects these plus the index's key attributes.
CARD_ATTRIBUTES = ("product_id", *CARD_FIELDS)
_SENTINEL = "__card__"


class ProductCard:
    """A product as a listing shows it: small, picklable, no PynamoDB machinery."""

    __slots__ = ("product_id", "name", "slug", "price_cents", "stock", "image", "price_from_cents")

    def __init__(self, *, product_id: str, name: str, slug: str, price_cents: int, stock: int | None, image: str | None,
                 price_from_cents: int | None = None):
        self.product_id, self.name, self.slug = product_id, name, slug
        self.price_cents, self.stock, self.image = price_cents, stock, image
        self.price_from_cents = price_from_cents  # set when variants' prices differ: the card says "From $X"

    def _fields(self) -> tuple:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other):
        return isinstance(other, ProductCard) and self._fields() == other._fields()

    def __repr__(self):
        return f"<ProductCard {self.slug}>"

    @property
    def stock_state(self) -> str:
        return stock_state_of(self.stock)


def card_from_item(raw: dict) -> ProductCard:
    """Build a card from a raw DynamoDB item (``{"name": {"S": ...}, ...}``); stock is absent on search items."""
    stock, image, low = raw.get("stock"), raw.get("image"), raw.get("price_from_cents")
    return ProductCard(product_id=raw["product_id"]["S"], name=raw["name"]["S"], slug=raw["slug"]["S"],
                       price_cents=int(raw["price_cents"]["N"]), stock=int(stock["N"]) if stock else None,
                       image=image.get("S") if image else None, price_from_cents=int(low["N"]) if low else None)


def card_from_product(product) -> ProductCard:
    """A card of any object with a product's attributes (a Product, a SearchTerm, an ORM row)."""
    return ProductCard(product_id=product.product_id, name=product.name, slug=product.slug,
                       price_cents=product.price_cents, stock=getattr(product, "stock", None), image=product.image,
                       price_from_cents=getattr(product, "price_from_cents", None))


def _media_prefix() -> str | None:
    """What the storage puts before a quoted file name, or None when its URLs are not that simple (signed URLs)."""
    prefix, found, rest = default_storage.url(_SENTINEL).partition(_SENTINEL)
    return prefix if found and not rest else None


def grid_render(cards) -> str:
    """The HTML of a product grid ("" for no cards): one template pass, URLs joined from prefixes reversed once."""
    if not cards:
        return ""
    detail = reverse("catalog:product_detail", kwargs={"slug": _SENTINEL})
    before, _, after = detail.partition(_SENTINEL)
    media = _media_prefix()

    def media_url(name):
        return media + filepath_to_uri(name) if media is not None else default_storage.url(name)

    shown = []
    for card in cards:
        if not isinstance(card, ProductCard):
            card = card_from_product(card)
        image = card.image
        thumbs = {width: media_url(thumbnail_path(image, width)) for width in THUMBNAIL_WIDTHS} if image else {}
        shown.append({
            "name": card.name, "url": f"{before}{quote(card.slug)}{after}",
            "price": money(card.price_cents) if card.price_from_cents is None
            else gettext("From %(price)s") % {"price": money(card.price_from_cents)},
            "stock": card.stock, "state": card.stock_state, "thumb": thumbs.get(400, ""),
            "srcset": ", ".join(f"{url} {width}w" for width, url in thumbs.items()),
        })
    return render_to_string("catalog/_product_grid.html", {"cards": shown})


def grid_cache_key() -> str:
    """What a rendered grid depends on beyond its cards: the script prefix its URLs start with, and the language
    (its words, its money and its /fr/ links)."""
    return f"{get_script_prefix()}|{get_language()}"
