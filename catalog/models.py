"""Categories, products, slug guards and the search-term index, in DynamoDB.

Products carry sparse attributes (``active_listing``, ``active_category``)
that exist only while a product is active, so the shopper indexes hold active
products only and every shopper page is one Query.
"""
from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, IncludeProjection

from shopsite.dynamodb import BaseModel, register

# What a product card shows besides the product's id: the lean listing indexes project exactly these.
CARD_FIELDS = ("name", "slug", "price_cents", "stock", "image", "price_from_cents")



LOW_STOCK = 5  # at or below this, a product shows as "low stock" (the shopper page says "only a few left")


def stock_state_of(stock: int | None) -> str:
    """How a stock level reads to shoppers: "sold_out", "low" (at most LOW_STOCK) or "in_stock"; "" when unknown."""
    if stock is None:
        return ""
    if stock <= 0:
        return "sold_out"
    return "low" if stock <= LOW_STOCK else "in_stock"

class CategoryListIndex(GlobalSecondaryIndex):
    """Every category in one partition, by position: the category list is one Query."""

    listing = UnicodeAttribute(hash_key=True)
    position = NumberAttribute(range_key=True)

    class Meta:
        index_name = "listing-index"
        projection = AllProjection()


class ProductSlugIndex(GlobalSecondaryIndex):
    slug = UnicodeAttribute(hash_key=True)

    class Meta:
        index_name = "slug-index"
        projection = AllProjection()


class ProductNewestIndex(GlobalSecondaryIndex):
    """Active products only (sparse ``active_listing``), newest first."""

    active_listing = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)

    class Meta:
        index_name = "newest-index"
        projection = AllProjection()


class ProductCardsNewestIndex(GlobalSecondaryIndex):
    """The shop's default listing and home page, newest first: active products only, and only
    what a card shows (catalog.cards.CARD_ATTRIBUTES), so a page of 24 reads a fraction of the
    capacity the ALL-projection ``newest-index`` costs. GraphQL, which wants whole products,
    keeps ``newest-index``."""

    active_listing = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)

    class Meta:
        index_name = "cards-v2-newest-index"  # v2: projects price_from_cents (a projection cannot change in place)
        projection = IncludeProjection(list(CARD_FIELDS))


class ProductNameIndex(GlobalSecondaryIndex):
    """Active products only, A to Z."""

    active_listing = UnicodeAttribute(hash_key=True)
    name_key = UnicodeAttribute(range_key=True)

    class Meta:
        index_name = "name-index"
        projection = AllProjection()


class ProductPriceIndex(GlobalSecondaryIndex):
    """Active products only, by price."""

    active_listing = UnicodeAttribute(hash_key=True)
    price_cents = NumberAttribute(range_key=True)

    class Meta:
        index_name = "price-index"
        projection = AllProjection()


class ProductCategoryIndex(GlobalSecondaryIndex):
    """Active products of one category (sparse ``active_category``), A to Z."""

    active_category = UnicodeAttribute(hash_key=True)
    name_key = UnicodeAttribute(range_key=True)

    class Meta:
        index_name = "category-index"
        projection = AllProjection()


class ProductCardsCategoryIndex(GlobalSecondaryIndex):
    """A category's page, by name: active products only, and only what a card shows (the lean twin of
    ``category-index``, which GraphQL and category renames still read whole)."""

    active_category = UnicodeAttribute(hash_key=True)
    name_key = UnicodeAttribute(range_key=True)

    class Meta:
        index_name = "cards-v2-category-index"
        projection = IncludeProjection(list(CARD_FIELDS))


class ProductCardsCategoryPriceIndex(GlobalSecondaryIndex):
    """A category's page by price (the shopper's sort): active products only, card fields only."""

    active_category = UnicodeAttribute(hash_key=True)
    price_cents = NumberAttribute(range_key=True)

    class Meta:
        index_name = "cards-v2-category-price-index"
        projection = IncludeProjection(list(CARD_FIELDS))


class ProductCardsCategoryNewestIndex(GlobalSecondaryIndex):
    """A category's page, newest first: active products only, card fields only."""

    active_category = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)

    class Meta:
        index_name = "cards-v2-category-newest-index"
        projection = IncludeProjection(list(CARD_FIELDS))


class ProductStaffIndex(GlobalSecondaryIndex):
    """Every product, active or not, newest first: the staff list."""

    listing = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)

    class Meta:
        index_name = "staff-index"
        projection = AllProjection()


class ProductStaffNameIndex(GlobalSecondaryIndex):
    """Every product, A to Z by folded name: staff search by name prefix is one Query."""

    listing = UnicodeAttribute(hash_key=True)
    name_key = UnicodeAttribute(range_key=True)

    class Meta:
        index_name = "staff-name-index"
        projection = AllProjection()


class ProductSkuIndex(GlobalSecondaryIndex):
    """Products with a SKU (sparse ``sku``), by SKU: staff search by SKU prefix is one Query."""

    listing = UnicodeAttribute(hash_key=True)
    sku = UnicodeAttribute(range_key=True)

    class Meta:
        index_name = "sku-index"
        projection = AllProjection()


class ProductStockIndex(GlobalSecondaryIndex):
    """Every product by stock, lowest first: low stock on the dashboard and the staff list is one Query."""

    listing = UnicodeAttribute(hash_key=True)
    stock = NumberAttribute(range_key=True)

    class Meta:
        index_name = "stock-index"
        projection = AllProjection()


@register("categories")
class Category(BaseModel):
    category_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    slug = UnicodeAttribute()
    description = UnicodeAttribute(default="")
    position = NumberAttribute(default=0)
    product_count = NumberAttribute(default=0)
    type_ids = UnicodeSetAttribute(null=True)  # the product types its products have had: its page's facets
    listing = UnicodeAttribute(default="all")
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    version = VersionAttribute()

    class Meta:
        """Table name and endpoint come from shopsite.dynamodb.register and configure."""

    listing_index = CategoryListIndex()


class AttributeDef(MapAttribute):
    """One attribute of a product type: text, a number (with its unit) or a choice among ordered values;
    a choice may be a facet, a filter on category pages."""

    code = UnicodeAttribute()  # slug of its name: the key in Product.attributes and in facet URLs
    name = UnicodeAttribute()
    kind = UnicodeAttribute()  # "text", "number" or "choice"
    values = ListAttribute(of=UnicodeAttribute, null=True)
    unit = UnicodeAttribute(null=True)
    facet = BooleanAttribute(default=False)


class ProductTypeListIndex(GlobalSecondaryIndex):
    """Every product type in one partition, by name: the type list is one Query."""

    listing = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute(range_key=True)

    class Meta:
        index_name = "listing-index"
        projection = AllProjection()


@register("product-types")
class ProductType(BaseModel):
    """A kind of product (Clothing, Lamp…) and the attributes its products are described by."""

    type_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    attributes = ListAttribute(of=AttributeDef, default=list)
    listing = UnicodeAttribute(default="all")
    updated_at = UTCDateTimeAttribute()
    version = VersionAttribute()

    class Meta:
        """Table name and endpoint come from shopsite.dynamodb.register and configure."""

    listing_index = ProductTypeListIndex()


@register("facet-cards")
class FacetCard(BaseModel):
    """One item per (category, choice attribute that is a facet, value, shown product), with what a card shows:
    a category page filtered by a facet is one Query of one partition, by name. Written after each product write,
    as search terms are; check_integrity repairs them."""

    facet = UnicodeAttribute(hash_key=True)  # "<category_id>#<attribute code>#<folded value>"
    sort_key = UnicodeAttribute(range_key=True)  # "<name_key>#<product_id>"
    product_id = UnicodeAttribute()
    name = UnicodeAttribute()
    slug = UnicodeAttribute()
    price_cents = NumberAttribute()
    price_from_cents = NumberAttribute(null=True)
    image = UnicodeAttribute(null=True)

    class Meta:
        """Table name and endpoint come from shopsite.dynamodb.register and configure."""


@register("categories", view=True)
class CategoryCounter(BaseModel):
    """The categories table seen through ``product_count`` and ``type_ids`` only (no version bump on product moves)."""

    category_id = UnicodeAttribute(hash_key=True)
    product_count = NumberAttribute(default=0)
    type_ids = UnicodeSetAttribute(null=True)

    class Meta:
        """Table name and endpoint come from shopsite.dynamodb.register and configure."""


@register("slugs")
class SlugGuard(BaseModel):
    """Uniqueness guard for slugs and SKUs: key ``category#<slug>``, ``product#<slug>`` or ``sku#<SKU>``."""

    key = UnicodeAttribute(hash_key=True)
    owner_id = UnicodeAttribute()

    class Meta:
        """Table name and endpoint come from shopsite.dynamodb.register and configure."""


class ProductImage(MapAttribute):
    """One picture of a product's gallery, in the order shoppers see them, with its alt text."""

    path = UnicodeAttribute()
    alt = UnicodeAttribute(default="")


class ProductOption(MapAttribute):
    """One of a product's options ("Size") with its values in the order shoppers see them."""

    name = UnicodeAttribute()
    values = ListAttribute(of=UnicodeAttribute)


class ProductVariant(MapAttribute):
    """One combination of option values that staff sell: its own SKU (a guard item, like a product's), an optional
    price override, weight and image. Its stock is in ``Product.variant_stock`` under ``variant_id``, so stock
    moves stay off the product's version (catalog.variants reads both)."""

    variant_id = UnicodeAttribute()
    sku = UnicodeAttribute()
    values = ListAttribute(of=UnicodeAttribute)
    price_cents = NumberAttribute(null=True)
    weight_grams = NumberAttribute(null=True)
    image = UnicodeAttribute(null=True)
    enabled = BooleanAttribute(default=True)


@register("products")
class Product(BaseModel):
    product_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    name_key = UnicodeAttribute()
    slug = UnicodeAttribute()
    description = UnicodeAttribute(default="")
    price_cents = NumberAttribute()
    stock = NumberAttribute(default=0)
    category_id = UnicodeAttribute()
    category_name = UnicodeAttribute(null=True)  # the category's name and slug, copied so the product page is one read
    category_slug = UnicodeAttribute(null=True)
    image = UnicodeAttribute(null=True)
    sku = UnicodeAttribute(null=True)  # the shop's own article number, unique (a guard item), upper-case
    stock_buckets = NumberAttribute(default=0)  # > 1: stock is spread over that many StockBucket items (a rush)
    stock_seq = NumberAttribute(null=True)  # spread stock: the buckets' change count the shown stock was summed at
    images = ListAttribute(of=ProductImage, null=True)  # the gallery; ``image`` is its first (cards read that one)
    type_id = UnicodeAttribute(null=True)  # its ProductType: the attributes it is described by
    attributes = MapAttribute(null=True)  # {attribute code: value (text, number or one of the choice's values)}
    options = ListAttribute(of=ProductOption, null=True)  # none: the product is its own single variant
    variants = ListAttribute(of=ProductVariant, null=True)
    variant_stock = MapAttribute(null=True)  # {variant_id: units}; ``stock`` is their sum, changed in the same update
    price_from_cents = NumberAttribute(null=True)  # the lowest variant price, when variants' prices differ ("from $X")
    weight_grams = NumberAttribute(null=True)
    active = BooleanAttribute(default=True)
    listing = UnicodeAttribute(default="all")
    active_listing = UnicodeAttribute(null=True)
    active_category = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    version = VersionAttribute()

    class Meta:
        """Table name and endpoint come from shopsite.dynamodb.register and configure."""

    slug_index = ProductSlugIndex()
    newest_index = ProductNewestIndex()
    cards_newest_index = ProductCardsNewestIndex()
    name_index = ProductNameIndex()
    price_index = ProductPriceIndex()
    category_index = ProductCategoryIndex()
    cards_category_index = ProductCardsCategoryIndex()
    cards_category_price_index = ProductCardsCategoryPriceIndex()
    cards_category_newest_index = ProductCardsCategoryNewestIndex()
    staff_index = ProductStaffIndex()
    staff_name_index = ProductStaffNameIndex()
    sku_index = ProductSkuIndex()
    stock_index = ProductStockIndex()

    @property
    def stock_state(self) -> str:
        return stock_state_of(self.stock)


@register("products", view=True)
class ProductStock(BaseModel):
    """The products table seen through stock and status only.

    Stock moves (sales, cancellations, staff adjustments) go through this
    model so that they do not bump the product's version: a sale never turns
    a staff member's open edit form stale, and edits never write stock.
    """

    product_id = UnicodeAttribute(hash_key=True)
    stock = NumberAttribute(default=0)
    stock_buckets = NumberAttribute(default=0)
    stock_seq = NumberAttribute(null=True)
    variant_stock = MapAttribute(null=True)
    active = BooleanAttribute(default=True)

    class Meta:
        """Table name and endpoint come from shopsite.dynamodb.register and configure."""


@register("stock-buckets")
class StockBucket(BaseModel):
    """One share of a fast-selling product's stock (see catalog.stock).

    A one-product drop makes every buyer's transaction touch the product's
    stock item, and DynamoDB cancels a transaction that touches an item
    another one holds. Spread over N buckets, buyers take from different
    items. The key is ``<product_id>#<n>``, so each bucket has its own
    partition. ``changes`` grows by one on every change: the shown stock on
    the product is the buckets' sum, refreshed from this table's stream and
    written only when its change count is newer than the one shown.
    """

    bucket_key = UnicodeAttribute(hash_key=True)
    product_id = UnicodeAttribute()
    stock = NumberAttribute(default=0)
    active = BooleanAttribute(default=True)
    changes = NumberAttribute(default=0)

    class Meta:
        """Table name and endpoint come from shopsite.dynamodb.register and configure."""

        stream_view_type = "KEYS_ONLY"


@register("products", view=True)
class ProductSku(BaseModel):
    """The products table seen through the SKU only: the upgrade gives products without one a SKU, no version bump."""

    product_id = UnicodeAttribute(hash_key=True)
    sku = UnicodeAttribute(null=True)

    class Meta:
        """Table name and endpoint come from shopsite.dynamodb.register and configure."""


@register("products", view=True)
class ProductCategoryLabel(BaseModel):
    """The products table seen through the copied category name and slug (a rename rewrites them, no version bump)."""

    product_id = UnicodeAttribute(hash_key=True)
    category_id = UnicodeAttribute()
    category_name = UnicodeAttribute(null=True)
    category_slug = UnicodeAttribute(null=True)

    class Meta:
        """Table name and endpoint come from shopsite.dynamodb.register and configure."""


@register("search-terms")
class SearchTerm(BaseModel):
    """One item per (word prefix, active product), with what a result card shows."""

    term = UnicodeAttribute(hash_key=True)
    product_id = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute()
    slug = UnicodeAttribute()
    price_cents = NumberAttribute()
    price_from_cents = NumberAttribute(null=True)  # as on the product: "From $X" when variants' prices differ
    image = UnicodeAttribute(null=True)
    category_id = UnicodeAttribute(null=True)  # for the results' category facet (null on items written before it)

    class Meta:
        """Table name and endpoint come from shopsite.dynamodb.register and configure."""


@register("search-words")
class SearchWord(BaseModel):
    """The words of product names a typo can be corrected to, under each of their one-letter deletions
    (catalog.search.deletions): one Query per deletion of a typed word finds the words one edit away.

    Never deleted when a product goes: a suggestion is shown only after a search for it finds products.
    """

    variant = UnicodeAttribute(hash_key=True)
    word = UnicodeAttribute(range_key=True)

    class Meta:
        """Table name and endpoint come from shopsite.dynamodb.register and configure."""
