"""Reads of the catalog. Shopper reads are cached; each cache miss is one Query."""
from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pynamodb.exceptions import DoesNotExist

from catalog import search
from catalog.cache import catalog_cached
from catalog.cards import CARD_ATTRIBUTES, ProductCard, card_from_item
from catalog.attributes import facet_key
from catalog.models import LOW_STOCK, Category, FacetCard, Product, ProductType, SearchTerm, SearchWord, SlugGuard, StockBucket
from catalog.variants import Variant, line_key_split, variant_of
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
    corrected: str = ""  # the query searched instead of one that found nothing (one typo away)
    categories: list = field(default_factory=list)  # [(Category, matches)] among the matches read
    prices: list = field(default_factory=list)  # [(band key, label, matches)]
    complete: bool = False  # the facets count every match, not only this page's


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


# A category page's sorts: (index for cards, ascending). Whole products (GraphQL) keep the name order.
CATEGORY_SORTS = {
    "name": (Product.cards_category_index, True),
    "price": (Product.cards_category_price_index, True),
    "price_desc": (Product.cards_category_price_index, False),
    "newest": (Product.cards_category_newest_index, False),
}


def price_band_condition(price: str):
    """The filter expression of a price band key (PRICE_BANDS), or None for no band."""
    band = next((band for band in PRICE_BANDS if band[0] == price), None)
    if band is None:
        return None
    return Product.price_cents >= band[2] if band[3] is None else Product.price_cents.between(band[2], band[3])


def product_list_for_category(*, category_id: str, cursor: str | None = None, limit: int = PAGE_SIZE,
                              full: bool = False, sort: str = "name", price: str = "") -> Page:
    """Return a page of a category's active products as cards (or Products by name when *full*), sorted by
    name, price (either way) or newest: one Query of that sort's index. A price band is a filter expression
    read in at most a few Query pages (the page may be short; its next link goes on)."""
    index, forward = CATEGORY_SORTS.get(sort, CATEGORY_SORTS["name"])
    if full:
        index, forward = Product.category_index, True
    condition = price_band_condition(price)
    # Sorted by price, the band is a key condition (exact, no extra reads); otherwise a filter expression.
    by_price = index is Product.cards_category_price_index
    scope = f"category:{category_id}:{index.Meta.index_name}:{forward}:{price if condition is not None else ''}"
    return catalog_cached(
        "category", category_id, sort, price, cursor, limit, full,
        loader=lambda: query_page(index, category_id, scope=scope, cursor=cursor, limit=limit, forward=forward,
                                  range_condition=condition if by_price else None,
                                  filter_condition=None if by_price else condition, **_shape(full)),
    )


def product_sitemap_entries() -> list:
    """Every shown product as a card (slug, name): the lean newest-first index read 1,000 at a time, cached
    (the sitemap's source)."""
    def load() -> list:
        entries, cursor = [], None
        while True:
            page = query_page(Product.cards_newest_index, "active", scope="sitemap", cursor=cursor, limit=1000,
                              **_shape(False))
            entries += page.items
            cursor = page.next_cursor
            if not cursor:
                return entries

    return catalog_cached("sitemap", loader=load)


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


def product_type_list() -> list[ProductType]:
    """Every product type by name (one Query, cached)."""
    return catalog_cached("product-types", loader=lambda: list(ProductType.listing_index.query("all")))


def product_types_by_id() -> dict[str, ProductType]:
    return {product_type.type_id: product_type for product_type in product_type_list()}


def product_type_find(*, type_id: str) -> ProductType | None:
    """A product type straight from the table (staff edits), or None."""
    if not type_id or len(type_id) > 64:
        return None
    try:
        return ProductType.get(type_id, consistent_read=True)
    except DoesNotExist:
        return None


@dataclass(frozen=True)
class Facet:
    code: str
    name: str
    values: tuple[str, ...]


def category_facets(*, category) -> list[Facet]:
    """The facets a category page offers: the facet attributes of the types its products have had (both from
    cached lists: no read beyond the page's own)."""
    if not category.type_ids:  # no typed products here: not even the (cached) type list is read
        return []
    types = product_types_by_id()
    facets: dict[str, Facet] = {}
    for type_id in sorted(category.type_ids or ()):
        for attribute in getattr(types.get(type_id), "attributes", []):
            if attribute.facet and attribute.kind == "choice" and attribute.code not in facets:
                facets[attribute.code] = Facet(code=attribute.code, name=attribute.name, values=tuple(attribute.values or ()))
    return list(facets.values())


def product_list_for_facet(*, category_id: str, code: str, value: str, cursor: str | None = None,
                           limit: int = PAGE_SIZE) -> Page:
    """A category's shown products with one facet value, by name: one Query of that value's partition."""
    key = facet_key(category_id=category_id, code=code, value=value)
    return catalog_cached(
        "facet", key, cursor, limit,
        loader=lambda: query_page(FacetCard, key, scope=f"facet:{key}", cursor=cursor, limit=limit, forward=True))


def variant_find_by_sku(*, sku: str) -> tuple[Product, Variant] | None:
    """The product and variant a SKU names (its guard item, then the product: two reads), or None. A product's
    own SKU names its single variant; for a product with options it names no variant (None)."""
    key = sku_normalise(sku)
    if not key:
        return None
    try:
        owner = SlugGuard.get(f"sku#{key}", consistent_read=True).owner_id
    except DoesNotExist:
        return None
    product_id, variant_id = line_key_split(owner)
    product = product_find(product_id=product_id)
    variant = variant_of(product, variant_id) if product is not None else None
    return (product, variant) if variant is not None else None


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
    page = multi_prefix_page(plans, scope=scope, cursor=cursor, limit=limit, key=lambda product: product.product_id)
    if cursor is None and query and " " not in query and len(query) <= 40:
        # A variant's SKU is not in the SKU index (it lives in the product's variants): its guard names the
        # product, one GetItem more, first on the first page.
        found = variant_find_by_sku(sku=query)
        if found is not None and found[1].variant_id and found[0].product_id not in {p.product_id for p in page.items}:
            page.items.insert(0, found[0])
    return page


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


SEARCH_SCAN = 100  # candidates read per round after the first (which reads a page's worth)
SEARCH_ROUNDS = 3  # rounds per page at most: the page's cost is bounded, whatever the catalog's size
SUGGESTIONS = 8
# The price facet's bands, in cents: (key, label, lowest, highest or None).
# The label is a pattern: catalog.views.price_band_label fills in the amounts as the language writes money.
PRICE_BANDS = (("0-25", gettext_lazy("Under %(high)s"), 0, 2499), ("25-50", gettext_lazy("%(low)s to %(high)s"), 2500, 4999),
               ("50-100", gettext_lazy("%(low)s to %(high)s"), 5000, 9999),
               ("100-", gettext_lazy("%(low)s and over"), 10000, None))


@dataclass(frozen=True)
class SearchFilters:
    """What a shopper narrowed the results to: a category id and a price band key (PRICE_BANDS)."""

    category_id: str = ""
    price: str = ""

    def admits(self, item) -> bool:
        if self.category_id and item.category_id != self.category_id:
            return False
        band = next((band for band in PRICE_BANDS if band[0] == self.price), None)
        if band is None:
            return True
        low, high = band[2], band[3]
        return int(item.price_cents) >= low and (high is None or int(item.price_cents) <= high)


def _search_load(terms: list[str], start: dict | None, filters: SearchFilters) -> tuple[list, dict | None]:
    """Read one page's matches: (the matches, what the next page starts from or None).

    With several words the group terms' items come first (products whose name has all three words, then the
    two longest), then the longest word's items, each phase skipping what an earlier one gave. Each candidate is kept only if
    every other word's item exists for it (one BatchGet per word per round). The first round reads a page's
    worth; a page ends at its PAGE_SIZE-th match and the next starts right after it, so no match is skipped
    and none is shown twice.
    """
    # Phases, most specific first: each group term of the words (three, then two), then the longest word.
    phases = [*search.query_groups(terms), max(terms, key=len)]
    phase, key = (start or {}).get("p"), (start or {}).get("k")
    phase = phase if phase in phases else phases[0]
    matched: list = []  # (phase, the term read, item)
    for round_number in range(SEARCH_ROUNDS):
        scanned = phase
        size = PAGE_SIZE if round_number == 0 else SEARCH_SCAN
        result = SearchTerm.query(scanned, limit=size, page_size=size, last_evaluated_key=key)
        candidates = list(result)
        key = result.last_evaluated_key
        shown_before = phases[:phases.index(phase)]
        if shown_before:  # an earlier phase's group holds these: they were shown then
            candidates = [item for item in candidates if not set(shown_before) & search.groups_for(item.name)]
        covered = set(phase.split(" "))
        keep = {item.product_id for item in candidates}
        for term in terms:
            if term not in covered and keep:
                keep &= {item.product_id for item in SearchTerm.batch_get([(term, pid) for pid in keep])}
        matched += [(phase, scanned, item) for item in candidates if item.product_id in keep]
        admitted = [position for position, (_, _, item) in enumerate(matched) if filters.admits(item)]
        if len(admitted) >= PAGE_SIZE:
            cut = admitted[PAGE_SIZE - 1]
            phase, scanned, last = matched[cut]
            next_start = {"p": phase, "k": {"term": {"S": scanned}, "product_id": {"S": last.product_id}}}
            return [item for _, _, item in matched[:cut + 1]], next_start
        if not key:
            if phase == phases[-1]:
                return [item for _, _, item in matched], None
            phase = phases[phases.index(phase) + 1]
    return [item for _, _, item in matched], {"p": phase, "k": key}


def _facets(matched: list) -> tuple[list, list]:
    """Category and price-band counts of the matches read: ([(category, count)], [(band key, label, count)])."""
    by_category: dict[str, int] = {}
    for item in matched:
        if item.category_id:
            by_category[item.category_id] = by_category.get(item.category_id, 0) + 1
    categories = [(category, by_category[category.category_id]) for category in category_list()
                  if category.category_id in by_category]
    prices = [(key, label, sum(1 for item in matched if SearchFilters(price=key).admits(item)))
              for key, label, _, _ in PRICE_BANDS]
    return categories, [band for band in prices if band[2]]


def product_search(*, query: str, cursor: str | None = None, filters: SearchFilters = SearchFilters(),
                   correct: bool = True) -> SearchResult:
    """Return a page of active products matching every word of *query* (any form of a word; word prefixes count).

    Complete at any catalog size: the candidates are read in order, a page's worth first, at most
    SEARCH_ROUNDS Queries and BatchGets a page, and a page ends with a cursor while candidates remain, so every
    match appears on some page. Ranked within a page: whole words in the name first, then words begun, then
    the description's matches. With nothing found, a query one typo from known words is searched instead
    (``corrected``). Facets count the matches read for this page (``complete`` when that is all of them).
    Raises shopsite.cursors.InvalidCursor.
    """
    query = (query or "").strip()
    if not query:
        return SearchResult(items=[], message=_("Type a word to search for."))
    if len(query) > MAX_QUERY_LENGTH:
        return SearchResult(items=[], message=f"Searches can be at most {MAX_QUERY_LENGTH} characters long.")
    terms = search.query_terms(query)
    if not terms:
        return SearchResult(items=[], message=f"Use words of at least {search.MIN_PREFIX} letters.")
    scope = "search:" + " ".join(terms) + f":{filters.category_id}:{filters.price}"
    start = cursor_decode(cursor=cursor, scope=scope)
    matched, after = catalog_cached("search", tuple(terms), repr(start), filters.category_id, filters.price,
                                    loader=lambda: _search_load(terms, start, filters))
    items = sorted((item for item in matched if filters.admits(item)),
                   key=lambda item: (-search.relevance(terms, item.name), item.name.casefold()))
    next_cursor = cursor_encode(key=after, scope=scope)
    categories, prices = _facets(matched)
    if not items and not next_cursor and correct and not cursor and filters == SearchFilters():
        corrected = search_correction(query=query)
        if corrected:
            found = product_search(query=corrected, correct=False)
            if found.items:
                found.corrected = corrected
                found.message = f"No products match “{query}”. Showing results for “{corrected}”."
                return found
    result = SearchResult(items=items, next_cursor=next_cursor, categories=categories, prices=prices,
                          complete=not cursor and not next_cursor)
    if not items and not next_cursor:
        result.message = _("No products match “%(query)s”.") % {"query": query}
    elif not items:
        result.message = _("No matches among these products; there are more to look through.")
    return result


def search_correction(*, query: str) -> str:
    """The query with each unknown word of MIN_TYPO_LENGTH letters or more replaced by a known name word one edit
    away, or "" when there is nothing to correct. At most one Query per deletion of each unknown word (a word of
    n letters: n + 1), cached."""
    def load() -> str:
        corrected, changed = [], False
        for word in search.words(query)[:search.MAX_QUERY_WORDS]:
            replacement = _word_correction(word) if len(word) >= search.MIN_TYPO_LENGTH and word.isalpha() else ""
            corrected.append(replacement or word)
            changed |= bool(replacement)
        return " ".join(corrected) if changed else ""

    return catalog_cached("search-correction", query.casefold(), loader=load)


def _word_correction(word: str) -> str:
    """A known word one edit from *word* ("" if *word* is known itself or has no such neighbour): same first
    letter first, then A to Z."""
    candidates = {item.word for item in SearchWord.query(word, limit=50)}  # words with a letter more
    if word in candidates:
        return ""
    candidates |= {item.word for variant in sorted(search.deletions(word) - {word})
                   for item in SearchWord.query(variant, limit=50)}
    near = sorted((c for c in candidates if search.edit_distance(word, c) == 1), key=lambda c: (c[0] != word[0], c))
    return near[0] if near else ""


def search_suggest(*, query: str) -> list[str]:
    """Product names for a search box as the shopper types: names with a word beginning with the last word typed
    (and the earlier words anywhere in them), one Query, cached."""
    typed = search.words(query)[-search.MAX_QUERY_WORDS:]
    if not typed or len(query) > MAX_QUERY_LENGTH:
        return []
    earlier, last = [search.stem(word) for word in typed[:-1]], typed[-1]

    def load() -> list[str]:
        names: dict[str, None] = {}
        for item in SearchTerm.query(last, limit=50, page_size=50):
            if all(search.matches(term, item.name) for term in earlier):
                names.setdefault(item.name, None)
        return sorted(names, key=lambda name: (-search.relevance([search.stem(last), *earlier], name), name))[:SUGGESTIONS]

    return catalog_cached("search-suggest", tuple(typed), loader=load)
