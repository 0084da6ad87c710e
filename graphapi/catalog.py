"""The catalog in GraphQL: categories, products, search (read-only, cached categories)."""
from __future__ import annotations


import strawberry
from django.conf import settings
from strawberry.types import Info

from catalog import selectors as catalog_selectors
from graphapi.common import fail, page_size, paged, require, valid_id


@strawberry.type
class Category:
    id: strawberry.ID
    slug: str
    name: str
    position: int
    product_count: int


@strawberry.type
class Product:
    id: strawberry.ID
    slug: str
    name: str
    description: str
    price_cents: int
    currency: str
    stock: int
    stock_state: str
    image: str | None
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


def product_node(product) -> Product:
    return Product(id=product.product_id, slug=product.slug, name=product.name, description=getattr(product, "description", ""),
                   price_cents=int(product.price_cents), currency=settings.SHOP_CURRENCY, stock=int(getattr(product, "stock", 0)),
                   stock_state=getattr(product, "stock_state", ""), image=getattr(product, "image", None),
                   category_id=getattr(product, "category_id", ""))


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
                 sort: str = "newest") -> ProductPage:
        require(info, "catalog:read")
        size = page_size(first)
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
        return SearchPage(items=[product_node(card) for card in result.items], next_cursor=result.next_cursor,
                          message=result.message)
