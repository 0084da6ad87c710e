"""The catalog in GraphQL: categories, products, search (read-only, cached categories)."""
from __future__ import annotations


import strawberry
from django.conf import settings
from strawberry.types import Info

from catalog import selectors as catalog_selectors
from catalog.attributes import specifications
from catalog.descriptions import description_html
from catalog.templatetags.catalog_images import thumb
from catalog.variants import gallery_of, option_names, variants_of
from graphapi.common import fail, page_size, paged, require, valid_id


@strawberry.type
class Category:
    id: strawberry.ID
    slug: str
    name: str
    position: int
    product_count: int


@strawberry.type
class ProductOption:
    name: str
    values: list[str]


@strawberry.type
class OptionValue:
    name: str
    value: str


@strawberry.type
class Image:
    url: str
    alt: str
    width: int
    height: int


@strawberry.type
class AttributeValue:
    name: str
    value: str


@strawberry.input
class AttributeFilter:
    name: str = strawberry.field(description="An attribute that filters category pages (by name or code).")
    value: str


@strawberry.input
class ProductFilter:
    attributes: list[AttributeFilter] = strawberry.field(
        default_factory=list, description="One attribute value (each is its own bounded read); needs 'category'.")


@strawberry.type
class Variant:
    sku: str | None = strawberry.field(description="What addToCart takes. Products from before SKUs existed may have none "
                                                   "until check_integrity --fix gives them one.")
    variant_id: str = strawberry.field(description="'' for a product without options.")
    price_cents: int
    stock: int
    available: bool
    options: list[OptionValue]
    image: Image | None


@strawberry.type
class Product:
    id: strawberry.ID
    slug: str
    name: str
    description: str
    description_html: str = strawberry.field(description="The Markdown description, rendered and sanitised.")
    price_cents: int = strawberry.field(description="The product's price; a variant may override it.")
    price_from_cents: int | None = strawberry.field(description="The lowest variant price, when variants' prices differ.")
    currency: str
    stock: int = strawberry.field(description="The total over the variants.")
    stock_state: str
    image: str | None
    images: list[Image]
    options: list[ProductOption]
    variants: list[Variant] = strawberry.field(description="Every variant on sale (a product without options has one).")
    attributes: list[AttributeValue] = strawberry.field(description="The specification table: its type's attributes.")
    category_id: str

    @strawberry.field
    def category(self, info: Info) -> Category | None:
        return info.context["categories"]().get(self.category_id)


@strawberry.type
class ProductPage:
    items: list[Product]
    next_cursor: str | None


@strawberry.type
class SearchPage:
    items: list[Product]
    next_cursor: str | None
    message: str


def category_node(category) -> Category:
    return Category(id=category.category_id, slug=category.slug, name=category.name, position=int(category.position),
                    product_count=int(category.product_count or 0))


IMAGE_WIDTH = 800  # the served size of a product image in the API (the 4:3 thumbnail catalog.images makes)


def image_node(path: str | None, *, alt: str) -> Image | None:
    if not path:
        return None
    return Image(url=thumb(path, IMAGE_WIDTH), alt=alt, width=IMAGE_WIDTH,
                 height=IMAGE_WIDTH * 3 // 4)


def product_node(product) -> Product:
    """A whole product (with its variants) as GraphQL shows it."""
    names = option_names(product)
    variants = [
        Variant(sku=variant.sku, variant_id=variant.variant_id, price_cents=variant.price_cents, stock=variant.stock,
                available=variant.available, options=[OptionValue(name=n, value=v) for n, v in zip(names, variant.values)],
                image=image_node(variant.image, alt=f"{product.name} {variant.short_label}".strip()))
        for variant in variants_of(product) if variant.enabled]
    images = [image_node(picture.path, alt=picture.alt) for picture in gallery_of(product)]
    return Product(id=product.product_id, slug=product.slug, name=product.name, description=product.description,
                   description_html=description_html(product.description), price_cents=int(product.price_cents),
                   price_from_cents=product.price_from_cents, currency=settings.SHOP_CURRENCY, stock=int(product.stock or 0),
                   stock_state=product.stock_state, image=product.image, images=images,
                   options=[ProductOption(name=option.name, values=list(option.values)) for option in (product.options or [])
                            if names],
                   variants=variants, category_id=product.category_id,
                   attributes=[AttributeValue(name=row.name, value=row.value) for row in specifications(
                       product, catalog_selectors.product_types_by_id().get(product.type_id))] if product.type_id else [])


def categories_loader():
    """Categories by id, built at most once per operation from the cached list: no query per product."""
    cache = {}

    def load() -> dict[str, Category]:
        if "map" not in cache:
            cache["map"] = {c.category_id: category_node(c) for c in catalog_selectors.category_list()}
        return cache["map"]

    return load


@strawberry.type
class CatalogQuery:
    @strawberry.field(description="Every category, in shop order (cached; no query on a hit).")
    def categories(self, info: Info) -> list[Category]:
        require(info, "catalog:read")
        return [category_node(category) for category in catalog_selectors.category_list()]

    @strawberry.field(description="A page of visible products: by category, or the whole shop in a sort order.")
    def products(self, info: Info, first: int = 24, after: str | None = None, category: str | None = None,
                 sort: str = "newest", filter: ProductFilter | None = None) -> ProductPage:
        require(info, "catalog:read")
        size = page_size(first)
        if filter is not None and filter.attributes:
            return _facet_page(category=category, wanted=filter.attributes, after=after, size=size)
        if category:
            found = catalog_selectors.category_by_slug(slug=category)
            if found is None:
                fail("NOT_FOUND", "No such category.")
            page = paged(catalog_selectors.product_list_for_category, category_id=found.category_id, cursor=after, limit=size,
                           full=True)
        else:
            if sort not in catalog_selectors.LISTING_SORTS:
                fail("BAD_USER_INPUT", f"'sort' must be one of: {', '.join(catalog_selectors.LISTING_SORTS)}.")
            page = paged(catalog_selectors.product_list, sort=sort, cursor=after, limit=size, full=True)
        return ProductPage(items=[product_node(product) for product in page.items], next_cursor=page.next_cursor)

    @strawberry.field(description="One visible product, by slug or by id.")
    def product(self, info: Info, slug: str | None = None, id: strawberry.ID | None = None) -> Product | None:
        require(info, "catalog:read")
        if (slug is None) == (id is None):
            fail("BAD_USER_INPUT", "Give exactly one of 'slug' and 'id'.")
        if id is not None:
            valid_id(id, field="id")
        elif not 1 <= len(slug) <= 200:
            fail("BAD_USER_INPUT", "'slug' must be 1 to 200 characters.")
        product = catalog_selectors.product_by_slug(slug=slug) if slug else catalog_selectors.product_find(product_id=str(id))
        return product_node(product) if product is not None and product.active else None

    @strawberry.field(description="Products matching every word (prefixes count), a page at a time.")
    def search(self, info: Info, query: str, after: str | None = None) -> SearchPage:
        require(info, "catalog:read")
        result = paged(catalog_selectors.product_search, query=query, cursor=after)
        if not _wants_whole_products(info):  # what a result card holds: no read beyond the search page's
            return SearchPage(items=[card_node(card) for card in result.items], next_cursor=result.next_cursor,
                              message=result.message)
        # Fields beyond the card (variants, stock, description…): the page's whole products, one BatchGetItem.
        products = catalog_selectors.product_get_many(product_ids=[card.product_id for card in result.items])
        return SearchPage(items=[product_node(products[card.product_id]) for card in result.items
                                 if card.product_id in products and products[card.product_id].active],
                          next_cursor=result.next_cursor, message=result.message)


def _facet_page(*, category: str | None, wanted: list, after: str | None, size: int) -> ProductPage:
    """A category's products with one attribute value: one Query of its facet partition, then the page's whole
    products in one BatchGetItem."""
    if not category:
        fail("BAD_USER_INPUT", "An attribute filter needs 'category'.")
    if len(wanted) > 1:
        fail("BAD_USER_INPUT", "Filter by one attribute at a time.")
    found = catalog_selectors.category_by_slug(slug=category)
    if found is None:
        fail("NOT_FOUND", "No such category.")
    name, value = wanted[0].name.strip().casefold(), wanted[0].value.strip()
    facet = next((f for f in catalog_selectors.category_facets(category=found)
                  if name in (f.code, f.name.casefold())), None)
    if facet is None:
        fail("BAD_USER_INPUT", f"'{wanted[0].name[:40]}' does not filter this category.")
    value = next((choice for choice in facet.values if choice.casefold() == value.casefold()), None)
    if value is None:
        fail("BAD_USER_INPUT", f"'{wanted[0].value[:40]}' is not one of {facet.name}'s values.")
    page = paged(catalog_selectors.product_list_for_facet, category_id=found.category_id, code=facet.code, value=value,
                 cursor=after, limit=size)
    products = catalog_selectors.product_get_many(product_ids=[card.product_id for card in page.items])
    return ProductPage(items=[product_node(products[card.product_id]) for card in page.items
                              if card.product_id in products and products[card.product_id].active],
                       next_cursor=page.next_cursor)


CARD_FIELDS = {"id", "slug", "name", "priceCents", "priceFromCents", "currency", "image", "categoryId", "category",
               "__typename"}


def _wants_whole_products(info: Info) -> bool:
    """Whether the query asks search results for more than a result card holds."""
    for field in info.selected_fields:
        for child in field.selections:
            if getattr(child, "name", None) == "items":
                return any(getattr(grand, "name", "__fragment__") not in CARD_FIELDS for grand in child.selections)
    return True


def card_node(card) -> Product:
    """A search result card as a Product: the fields a card holds (_wants_whole_products keeps to them)."""
    return Product(id=card.product_id, slug=card.slug, name=card.name, description="", description_html="",
                   price_cents=int(card.price_cents), price_from_cents=card.price_from_cents,
                   currency=settings.SHOP_CURRENCY, stock=0, stock_state="", image=card.image, images=[], options=[],
                   variants=[], attributes=[], category_id=getattr(card, "category_id", "") or "")
