"""Reads of the catalog. Shopper reads are cached; each cache miss is one Query."""
from __future__ import annotations

from dataclasses import dataclass

from pynamodb.exceptions import DoesNotExist

from catalog import search
from catalog.cache import catalog_cached
from catalog.cards import CARD_ATTRIBUTES, ProductCard, card_from_item
from catalog.models import LOW_STOCK, Category, Product, SearchTerm, StockBucket
from shopsite.counters import tally_value
from shopsite.cursors import cursor_decode, cursor_encode
from shopsite.dynamodb import items_get_many
from shopsite.pagination import Page, multi_prefix_page, query_page

# sort: (index with whole products, index for cards, ascending); name and price have no lean index yet
LISTING_SORTS = {
    "newest": (Product.newest_index, Product.cards_newest_index, False),
    "name": (Product.name_index, Product.name_index, True),
    "price": (Product.price_index, Product.price_index, True),
}
PAGE_SIZE = 24
MAX_QUERY_LENGTH = 100


class CategoryNotFound(Exception):
    """No such category (any more)."""


class ProductNotFound(Exception):
    """No such product (any more)."""


@dataclass
class SearchResult:
    items: list
    message: str = ""
    next_cursor: str | None = None


def category_list() -> list[Category]:
    """Return every category in display order (one Query, cached)."""
    return catalog_cached(
        "categories", loader=lambda: list(Category.listing_index.query("all", scan_index_forward=True))
    )


def category_by_slug(*, slug: str) -> Category | None:
    return next((category for category in category_list() if category.slug == slug), None)


def category_by_id(*, category_id: str) -> Category | None:
    return next((category for category in category_list() if category.category_id == category_id), None)


def category_find(*, category_id: str) -> Category | None:
    """Return a category straight from the table (staff pages), or None."""
    try:
        return Category.get(category_id, consistent_read=True)
    except DoesNotExist:
        return None


def _shape(full: bool) -> dict:
    """What a listing Query reads: card attributes into ProductCards, or (*full*) whole Product items."""
    return {} if full else {"attributes": CARD_ATTRIBUTES, "build": card_from_item}


def product_list(*, sort: str = "newest", cursor: str | None = None, limit: int = PAGE_SIZE, full: bool = False) -> Page:
    """Return a page of active products as cards (catalog.cards.ProductCard), or as Products when *full*.
    Raises InvalidCursor for a cursor that is not ours."""
    whole, cards, forward = LISTING_SORTS.get(sort, LISTING_SORTS["newest"])
    index = whole if full else cards
    scope = f"products:{sort}"
    return catalog_cached(  # a bad cursor raises in the loader, so it is never cached
        "products", sort, cursor, limit, full,
        loader=lambda: query_page(index, "active", scope=scope, cursor=cursor, limit=limit, forward=forward,
                                  **_shape(full)),
    )


def product_list_for_category(*, category_id: str, cursor: str | None = None, limit: int = PAGE_SIZE,
                              full: bool = False) -> Page:
    """Return a page of a category's active products, by name, as cards (or Products when *full*)."""
    scope = f"category:{category_id}"
    return catalog_cached(
        "category", category_id, cursor, limit, full,
        loader=lambda: query_page(Product.category_index if full else Product.cards_category_index, category_id,
                                  scope=scope, cursor=cursor, limit=limit, forward=True, **_shape(full)),
    )


def product_newest(*, limit: int = 8) -> list[ProductCard]:
    return product_list(sort="newest", limit=limit).items


def product_by_slug(*, slug: str) -> Product | None:
    """Return the active product with this slug, or None (inactive products are invisible)."""
    if not slug or len(slug) > 120:
        return None

    def load():
        found = list(Product.slug_index.query(slug, limit=1))
        return found[0] if found else None

    product = catalog_cached("product", slug, loader=load)
    return product if product is not None and product.active else None


def product_find(*, product_id: str) -> Product | None:
    """Return a product straight from the table (staff pages and checkout), or None."""
    if not product_id or len(product_id) > 64:
        return None
    try:
        return Product.get(product_id, consistent_read=True)
    except DoesNotExist:
        return None


def product_get_many(*, product_ids: list[str], consistent: bool = False) -> dict[str, Product]:
    """Return the products with these ids, keyed by id: one BatchGet (per 100 ids), strongly consistent if asked."""
    if not product_ids:
        return {}
    ids = list(dict.fromkeys(product_ids))
    return {product.product_id: product for product in Product.batch_get(ids, consistent_read=consistent)}


@dataclass(frozen=True)
class Buckets:
    """A consistent read of a spread product's buckets: {bucket key: StockBucket}."""

    items: dict[str, StockBucket]

    @property
    def available(self) -> int:
        return sum(int(bucket.stock) for bucket in self.items.values() if bucket.active)

    @property
    def changes(self) -> int:
        return sum(int(bucket.changes) for bucket in self.items.values())


def bucket_key(product_id: str, number: int) -> str:
    return f"{product_id}#{number}"


def bucket_keys(product) -> list[str]:
    return [bucket_key(product.product_id, number) for number in range(int(product.stock_buckets or 0))]


def is_spread(product) -> bool:
    return int(product.stock_buckets or 0) > 1


def buckets_read(*, products: list) -> dict[str, Buckets]:
    """The buckets of the spread products among *products*, read consistently: {product id: Buckets}.
    One BatchGetItem per 100 buckets; nothing for products that are not spread."""
    keys = [(StockBucket, key) for product in products if is_spread(product) for key in bucket_keys(product)]
    found: dict = {}
    for start in range(0, len(keys), 100):
        found.update(items_get_many(keys=keys[start:start + 100], consistent=(StockBucket,)))
    result = {}
    for product in products:
        if is_spread(product):
            items = {key: found[(StockBucket, key)] for key in bucket_keys(product) if (StockBucket, key) in found}
            result[product.product_id] = Buckets(items=items)
    return result


PRODUCTS_TALLY = "products"
STAFF_SORTS = {"newest": "Newest first", "name": "Name A–Z", "stock": "Lowest stock first"}
SHOWN_FILTERS = {"": "Shown and hidden", "shown": "Shown in the shop", "hidden": "Hidden"}


def product_list_staff(*, cursor: str | None = None, limit: int = 25, sort: str = "newest", category_id: str = "",
                       shown: str = "", low_stock: bool = False, min_cents: int | None = None,
                       max_cents: int | None = None) -> Page:
    """Return a page of every product, active or not (not cached), sorted and filtered as staff asked.

    Each sort is its own index (newest, name, stock), so a page is one Query;
    "low stock" is a key condition on the stock index. Category, shown/hidden
    and price filters are filter expressions read in at most a few Query
    pages (the page may be short, its next link goes on). Raises InvalidCursor.
    """
    index = {"name": Product.staff_name_index, "stock": Product.stock_index}.get(sort, Product.staff_index)
    range_condition = None
    if low_stock:
        index, range_condition = Product.stock_index, Product.stock <= LOW_STOCK
    filters = []
    if category_id:
        filters.append(Product.category_id == category_id)
    if shown in ("shown", "hidden"):
        filters.append(Product.active == (shown == "shown"))
    if min_cents is not None:
        filters.append(Product.price_cents >= min_cents)
    if max_cents is not None:
        filters.append(Product.price_cents <= max_cents)
    condition = None
    for part in filters:
        condition = part if condition is None else condition & part
    scope = f"staff-products:{index.Meta.index_name}:{low_stock}:{category_id}:{shown}:{min_cents}:{max_cents}"
    return query_page(index, "all", scope=scope, cursor=cursor, limit=limit, forward=index is not Product.staff_index,
                      range_condition=range_condition, filter_condition=condition)


def product_search_staff(*, query: str, cursor: str | None = None, limit: int = 25) -> Page:
    """Products (shown or hidden) whose name, slug or SKU starts with *query*.

    One Query on the name index (a slug's hyphens read as spaces) and, for a
    single word, one on the SKU index; each resumes from its own key.
    """
    query = (query or "").strip()[:100]
    scope = f"staff-product-search:{query}"
    plans = {"name": (Product.staff_name_index, Product.name_key, name_key_for(query.replace("-", " ")))}
    if query and " " not in query:
        plans["sku"] = (Product.sku_index, Product.sku, sku_normalise(query))
    return multi_prefix_page(plans, scope=scope, cursor=cursor, limit=limit, key=lambda product: product.product_id)


def product_count(*, max_age: int = 0) -> int:
    """How many products there are: one GetItem on the tally every create and delete keeps (exact), or with
    *max_age* a copy at most that many seconds old."""
    return tally_value(name=PRODUCTS_TALLY, max_age=max_age)


def product_low_stock(*, limit: int = 8) -> list[Product]:
    """The products running low (1 to LOW_STOCK left), least first: one Query on the stock index. Sold-out ones
    are product_sold_out's: they would otherwise fill the list."""
    return list(Product.stock_index.query("all", Product.stock.between(1, LOW_STOCK), limit=limit, page_size=limit))


def product_sold_out(*, limit: int = 8) -> list[Product]:
    """Products with no stock left: one Query on the stock index."""
    return list(Product.stock_index.query("all", Product.stock <= 0, limit=limit, page_size=limit))


def name_key_for(text: str) -> str:
    """A name as the name indexes store it (folded case, single spaces)."""
    return " ".join((text or "").casefold().split())[:200]


def sku_normalise(text: str) -> str:
    """A SKU as stored: trimmed, upper-case."""
    return (text or "").strip().upper()[:40]


SEARCH_SCAN = 100  # candidates read per round
SEARCH_ROUNDS = 3  # rounds per page at most: the page's cost is bounded, whatever the catalog's size


def product_search(*, query: str, cursor: str | None = None) -> SearchResult:
    """Return a page of active products matching every word of *query* (word prefixes count).

    Complete at any catalog size: the index items of the query's most
    specific word (the longest) are read in order, SEARCH_SCAN at a time, and
    each candidate is kept only if the other words' items exist for it (one
    BatchGet per round). A page costs at most SEARCH_ROUNDS Queries and
    BatchGets and ends with a cursor while candidates remain, so every match
    appears on some page. Within a page, products whose name holds every
    word come first, then by name. Raises shopsite.cursors.InvalidCursor.
    """
    query = (query or "").strip()
    if not query:
        return SearchResult(items=[], message="Type a word to search for.")
    if len(query) > MAX_QUERY_LENGTH:
        return SearchResult(items=[], message=f"Searches can be at most {MAX_QUERY_LENGTH} characters long.")
    terms = search.query_terms(query)
    if not terms:
        return SearchResult(items=[], message=f"Use words of at least {search.MIN_PREFIX} letters.")
    scope = "search:" + " ".join(terms)
    start = cursor_decode(cursor=cursor, scope=scope)

    def load():
        scanned, others = max(terms, key=len), [term for term in terms if term != max(terms, key=len)]
        found, last_key = [], start
        for _ in range(SEARCH_ROUNDS):
            result = SearchTerm.query(scanned, limit=SEARCH_SCAN, page_size=SEARCH_SCAN, last_evaluated_key=last_key)
            candidates = list(result)
            last_key = result.last_evaluated_key
            keep = {item.product_id for item in candidates}
            for term in others:
                if keep:
                    keep &= {item.product_id for item in SearchTerm.batch_get([(term, pid) for pid in keep])}
            found += [item for item in candidates if item.product_id in keep]
            if len(found) >= PAGE_SIZE or not last_key:
                break
        return found, last_key

    found, last_key = catalog_cached("search", tuple(terms), repr(start), loader=load)

    def rank(card):
        name_words = search.words(card.name)
        in_name = all(any(word.startswith(term) for word in name_words) for term in terms)
        return (not in_name, card.name.casefold())

    items = sorted(found, key=rank)
    next_cursor = cursor_encode(key=last_key, scope=scope)
    if not items and not next_cursor:
        return SearchResult(items=[], message=f"No products match “{query}”.")
    return SearchResult(items=items, next_cursor=next_cursor,
                        message="" if items else "No matches among these products; there are more to look through.")
