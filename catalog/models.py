"""Categories, products, slug guards and the search-term index, in DynamoDB.

Products carry sparse attributes (``active_listing``, ``active_category``)
that exist only while a product is active, so the shopper indexes hold active
products only and every shopper page is one Query.
"""
from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute, VersionAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from shopsite.dynamodb import BaseModel, register


def _index(name: str, hash_attr: str, range_attr=None, projection=None):
    """Build a GSI class keyed on the given attributes."""
    attrs = {hash_attr: UnicodeAttribute(hash_key=True)}
    if range_attr is not None:
        attrs[range_attr[0]] = range_attr[1]
    meta = type("Meta", (), {"index_name": name, "projection": projection or AllProjection()})
    return type(f"{name.title().replace('-', '')}Index", (GlobalSecondaryIndex,), {**attrs, "Meta": meta})()


@register("categories")
class Category(BaseModel):
    category_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    slug = UnicodeAttribute()
    description = UnicodeAttribute(default="")
    position = NumberAttribute(default=0)
    product_count = NumberAttribute(default=0)
    listing = UnicodeAttribute(default="all")
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    version = VersionAttribute()

    class Meta:
        billing_mode = "PAY_PER_REQUEST"

    listing_index = _index("listing-index", "listing", ("position", NumberAttribute(range_key=True)))


@register("categories", view=True)
class CategoryCounter(BaseModel):
    """The categories table seen through ``product_count`` only (no version bump on product moves)."""

    category_id = UnicodeAttribute(hash_key=True)
    product_count = NumberAttribute(default=0)

    class Meta:
        billing_mode = "PAY_PER_REQUEST"


@register("slugs")
class SlugGuard(BaseModel):
    """Uniqueness guard for slugs: key ``category#<slug>`` or ``product#<slug>``."""

    key = UnicodeAttribute(hash_key=True)
    owner_id = UnicodeAttribute()

    class Meta:
        billing_mode = "PAY_PER_REQUEST"


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
    image = UnicodeAttribute(null=True)
    active = BooleanAttribute(default=True)
    listing = UnicodeAttribute(default="all")
    active_listing = UnicodeAttribute(null=True)
    active_category = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    version = VersionAttribute()

    class Meta:
        billing_mode = "PAY_PER_REQUEST"

    slug_index = _index("slug-index", "slug")
    newest_index = _index("newest-index", "active_listing", ("created_at", UTCDateTimeAttribute(range_key=True)))
    name_index = _index("name-index", "active_listing", ("name_key", UnicodeAttribute(range_key=True)))
    price_index = _index("price-index", "active_listing", ("price_cents", NumberAttribute(range_key=True)))
    category_index = _index("category-index", "active_category", ("name_key", UnicodeAttribute(range_key=True)))
    staff_index = _index("staff-index", "listing", ("created_at", UTCDateTimeAttribute(range_key=True)))

    @property
    def stock_state(self) -> str:
        if self.stock <= 0:
            return "sold_out"
        if self.stock <= 5:
            return "low"
        return "in_stock"


@register("products", view=True)
class ProductStock(BaseModel):
    """The products table seen through stock and status only.

    Stock moves (sales, cancellations, staff adjustments) go through this
    model so that they do not bump the product's version: a sale never turns
    a staff member's open edit form stale, and edits never write stock.
    """

    product_id = UnicodeAttribute(hash_key=True)
    stock = NumberAttribute(default=0)
    active = BooleanAttribute(default=True)

    class Meta:
        billing_mode = "PAY_PER_REQUEST"


@register("search-terms")
class SearchTerm(BaseModel):
    """One item per (word prefix, active product), with what a result card shows."""

    term = UnicodeAttribute(hash_key=True)
    product_id = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute()
    slug = UnicodeAttribute()
    price_cents = NumberAttribute()
    image = UnicodeAttribute(null=True)

    class Meta:
        billing_mode = "PAY_PER_REQUEST"
