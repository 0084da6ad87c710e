"""Writes of the catalog. Slugs are unique through guard items in the same transaction."""
from __future__ import annotations

import logging
import uuid
from concurrent.futures import ThreadPoolExecutor

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from catalog import search
from catalog.cache import catalog_cache_invalidate
from catalog.images import THUMBNAIL_WIDTHS, thumbnail_path, thumbnails_make
from catalog.attributes import MAX_ATTRIBUTES, attribute_code, facet_keys
from catalog.models import (
    AttributeDef,
    Category,
    CategoryCounter,
    FacetCard,
    Product,
    ProductCategoryLabel,
    ProductImage,
    ProductOption,
    ProductSku,
    ProductStock,
    ProductType,
    ProductVariant,
    SearchTerm,
    SearchWord,
    SlugGuard,
)
from catalog.selectors import (
    PRODUCTS_TALLY,
    CategoryNotFound,
    ProductNotFound,
    category_find,
    category_list,
    name_key_for,
    product_find,
    product_type_find,
    product_types_by_id,
    sku_normalise,
)
from catalog.stock import (
    StockTooLow,
    buckets_set_active,
    is_spread,
    stock_adjust,
    stock_spread,
    variant_stock_adjust,
)
from catalog.variants import (
    MAX_IMAGES,
    MAX_VARIANTS,
    gallery_of,
    combinations,
    line_key,
    price_from_of,
    sku_from_slug,
    sku_suggest,
    variant_id_for,
)
from shopsite.audit import audit_add, audit_diff
from shopsite.counters import tally_add
from shopsite.metrics import metric_add
from shopsite.transactions import ConditionFailed, StaleEdit, Transaction, TransactionCancelled, condition_checked, transaction

log = logging.getLogger(__name__)
PRODUCT_FIELDS = ("name", "slug", "sku", "description", "price_cents", "category_id", "image", "active")
CATEGORY_FIELDS = ("name", "slug", "description", "position")


class SlugTaken(Exception):
    """Another category or product already uses this slug."""


class SkuTaken(Exception):
    """Another product already uses this SKU."""


class VariantsRefused(Exception):
    """Options or variants that cannot be saved as asked (the message says why)."""


class CategoryNotEmpty(Exception):
    """A category that still has products cannot be deleted."""


def _slug_guard(kind: str, slug: str, owner_id: str) -> SlugGuard:
    return SlugGuard(f"{kind}#{slug}", owner_id=owner_id)


def _listing_attributes(product: Product) -> None:
    """Set the sparse index attributes so that only active products are listed to shoppers."""
    product.name_key = name_key_for(product.name)
    product.sku = sku_normalise(product.sku) or None
    product.active_listing = "active" if product.active else None
    product.active_category = product.category_id if product.active else None


def _category_label(product: Product) -> None:
    """Copy the category's name and slug onto the product (a consistent read: staff writes only)."""
    category = category_find(category_id=product.category_id)
    product.category_name = category.name if category else None
    product.category_slug = category.slug if category else None


def category_labels_refresh(*, category: Category) -> int:
    """Rewrite the copied name and slug on the category's shown products (hidden ones get theirs when next saved);
    a product moved meanwhile is left alone. Returns how many were rewritten."""
    done = 0
    for item in Product.category_index.query(category.category_id, attributes_to_get=["product_id"]):
        try:
            with condition_checked():
                ProductCategoryLabel(item.product_id).update(
                    actions=[ProductCategoryLabel.category_name.set(category.name),
                             ProductCategoryLabel.category_slug.set(category.slug)],
                    condition=ProductCategoryLabel.category_id == category.category_id)
            done += 1
        except ConditionFailed:
            pass  # moved to another category meanwhile
    return done


def _raise_for(cancelled: TransactionCancelled, *, current=lambda: None):
    """Turn a cancelled catalog write into the domain error its labels name."""
    if cancelled.failed("slug-guard"):
        raise SlugTaken() from cancelled
    if cancelled.failed("sku-guard"):
        raise SkuTaken() from cancelled
    if cancelled.failed("new-category"):
        raise CategoryNotFound() from cancelled
    if cancelled.failed("category", "product", "old-slug-guard", "old-sku-guard", "old-category", "stock"):
        raise StaleEdit(current()) from cancelled
    raise cancelled


# Categories

def category_create(*, name: str, slug: str, description: str = "", position: int = 0) -> Category:
    """Create a category with its slug guard in one transaction; raise SlugTaken."""
    now = timezone.now()
    category = Category(
        str(uuid.uuid4()), name=name, slug=slug, description=description, position=position,
        created_at=now, updated_at=now,
    )
    try:
        with transaction() as tx:
            tx.save(_slug_guard("category", slug, category.category_id), label="slug-guard",
                    condition=SlugGuard.key.does_not_exist())
            tx.save(category, label="category", condition=Category.category_id.does_not_exist())
    except TransactionCancelled as cancelled:
        _raise_for(cancelled)
    catalog_cache_invalidate()
    return category


def category_update(*, category_id: str, expected_version: int, **changes) -> Category:
    """Apply staff edits to a category; swap slug guards when the slug changes."""
    category = category_find(category_id=category_id)
    if category is None:
        raise CategoryNotFound(category_id)
    if category.version != expected_version:
        raise StaleEdit(category)
    old_slug = category.slug
    actions = [getattr(Category, field).set(value) for field, value in changes.items() if field in CATEGORY_FIELDS]
    actions.append(Category.updated_at.set(timezone.now()))
    current = lambda: category_find(category_id=category_id)  # noqa: E731
    try:
        with transaction() as tx:
            if changes.get("slug", old_slug) != old_slug:
                tx.delete(_slug_guard("category", old_slug, category_id), label="old-slug-guard",
                          condition=SlugGuard.owner_id == category_id)
                tx.save(_slug_guard("category", changes["slug"], category_id), label="slug-guard",
                        condition=SlugGuard.key.does_not_exist())
            tx.update(category, label="category", actions=actions)
    except TransactionCancelled as cancelled:
        _raise_for(cancelled, current=current)
    updated = category_find(category_id=category_id)
    if (updated.name, updated.slug) != (category.name, old_slug):
        category_labels_refresh(category=updated)
    catalog_cache_invalidate()
    return updated


def category_delete(*, category_id: str) -> None:
    """Delete an empty category and its slug guard; raise CategoryNotEmpty otherwise."""
    category = category_find(category_id=category_id)
    if category is None:
        raise CategoryNotFound(category_id)
    try:
        with transaction() as tx:
            tx.delete(category, label="non-empty-category", condition=Category.product_count <= 0, add_version_condition=False)
            tx.delete(_slug_guard("category", category.slug, category_id), label="slug-guard-delete")
    except TransactionCancelled as cancelled:
        if cancelled.failed("non-empty-category"):
            raise CategoryNotEmpty() from cancelled
        raise
    catalog_cache_invalidate()


def _category_count_add(tx: Transaction, *, category_id: str, delta: int, label: str) -> None:
    """Move a category's product count inside *tx*; the category must exist (and, going down, not go below 0)."""
    condition = CategoryCounter.category_id.exists()
    if delta < 0:
        condition &= CategoryCounter.product_count >= -delta
    tx.update(CategoryCounter(category_id), label=label, actions=[CategoryCounter.product_count.add(delta)],
              condition=condition)


# Products

def _terms(product: Product) -> set[str]:
    return search.terms_for(name=product.name, description=product.description) if product.active else set()


def _after_commit(*, product: Product, old_terms: frozenset[str] = frozenset(), old_image: str | None = None,
                  old_facets: frozenset[tuple[str, str]] = frozenset()) -> None:
    """The follow-up work of a committed product write: cache, search terms, an image nothing uses.

    The write already happened, so a failure here must not tell the person it
    did not: it is logged and counted, and ``check_integrity --fix`` (or the
    product's next save) repairs the search terms. The cache goes first
    because it cannot fail.
    """
    catalog_cache_invalidate()
    try:
        search_terms_write(product_id=product.product_id, product=product, remove=set(old_terms))
        facet_cards_write(product=product, remove=set(old_facets))
        if old_image and old_image != product.image:
            image_delete_unused(old_image)
    except Exception:  # noqa: BLE001 - anything: the product write stands, repair comes later
        log.exception("Follow-up work after saving product %s failed; check_integrity --fix repairs it", product.product_id)
        metric_add(name="DerivedDataDeferred")


def search_terms_write(*, product_id: str, product: Product | None, remove: set[str]) -> None:
    """Delete the *remove* terms of a product and write every current one (none when it is deleted or hidden).

    Not transactional with the product: a failure here leaves search stale
    until the product's next save or ``check_integrity --fix``, never a
    product half-written.
    """
    new_terms = _terms(product) if product is not None else set()
    with SearchTerm.batch_write() as batch:
        for term in remove - new_terms:
            batch.delete(SearchTerm(term, product_id))
        for term in new_terms:
            batch.save(
                SearchTerm(term, product_id, name=product.name, slug=product.slug,
                           price_cents=product.price_cents, image=product.image, category_id=product.category_id,
                           price_from_cents=product.price_from_cents)
            )
    if new_terms:
        search_words_write(names=[product.name])


def search_words_write(*, names: list[str]) -> None:
    """Add the words of *names* to the typo vocabulary (idempotent puts; words are never removed)."""
    with SearchWord.batch_write() as batch:
        for variant, word in _vocabulary(names):
            batch.save(SearchWord(variant, word))


def _vocabulary(names: list[str]) -> set[tuple[str, str]]:
    """(deletion, word) for every typo-correctable word of *names*."""
    return {(variant, word) for name in names for word in search.vocabulary_for(name)
            for variant in search.deletions(word)}


def _audited(product: Product) -> dict:
    return {field: getattr(product, field) for field in PRODUCT_FIELDS}


SKU_ATTEMPTS = 5  # generated SKUs tried before giving up (SLUG, SLUG-2, …)


def product_create(
    *, name: str, slug: str, price_cents: int, category_id: str, description: str = "", stock: int = 0,
    image: str | None = None, active: bool = True, created_at=None, sku: str | None = None, actor: str = "",
) -> Product:
    """Create a product, its slug and SKU guards, its category's count, the products tally and the audit entry
    in one transaction. Without a *sku* it gets one made from its slug (every variant has a SKU: integrators
    add to a cart by SKU), the next free one if another product has it."""
    fields = {"name": name, "slug": slug, "price_cents": price_cents, "category_id": category_id,
              "description": description, "stock": stock, "image": image, "active": active, "created_at": created_at,
              "actor": actor}
    if sku:
        return _product_create(sku=sku, **fields)
    for attempt in range(SKU_ATTEMPTS):
        try:
            return _product_create(sku=sku_from_slug(slug, attempt=attempt), **fields)
        except SkuTaken:
            continue
    raise SkuTaken()


def _product_create(*, name: str, slug: str, price_cents: int, category_id: str, description: str, stock: int,
                    image: str | None, active: bool, created_at, sku: str, actor: str) -> Product:
    now = timezone.now()
    product = Product(
        str(uuid.uuid4()), name=name, slug=slug, description=description, price_cents=price_cents, stock=stock,
        category_id=category_id, image=image, active=active, created_at=created_at or now, updated_at=now,
        sku=sku or None,
    )
    _listing_attributes(product)
    _category_label(product)
    try:
        with transaction() as tx:
            tx.save(_slug_guard("product", slug, product.product_id), label="slug-guard",
                    condition=SlugGuard.key.does_not_exist())
            if product.sku:
                tx.save(_slug_guard("sku", product.sku, product.product_id), label="sku-guard",
                        condition=SlugGuard.key.does_not_exist())
            tx.save(product, label="new-product", condition=Product.product_id.does_not_exist())
            _category_count_add(tx, category_id=category_id, delta=1, label="new-category")
            tally_add(tx, name=PRODUCTS_TALLY, value=1)
            audit_add(tx, subject=f"product#{product.product_id}", actor=actor, action="created",
                      changes=audit_diff(before={}, after={**_audited(product), "stock": stock}))
    except TransactionCancelled as cancelled:
        _raise_for(cancelled)
    _after_commit(product=product)
    return product


BULK_WRITERS = 4  # threads writing batches at once when loading many products


def product_create_many(*, rows: list[dict], actor: str = "", progress=None) -> int:
    """Create many products at once for a quiet shop (the demo catalog): batch writes instead of a transaction
    each, about fifty times faster. Products whose slug is taken are skipped, so a second run adds nothing.

    Each row holds product_create's arguments (no SKU: each gets one from its slug, as product_create gives). What one transaction per product keeps together is
    written in this order: guards and products, then each category's count and the products tally (one
    update each), then search terms and the typo vocabulary, so an interruption leaves what check_integrity
    --fix completes. *progress(n)* is called as products are written. No audit entry per product: one for
    the whole load. Returns how many were created.
    """
    now = timezone.now()
    guards = {row["slug"]: _slug_guard("product", row["slug"], "") for row in rows}
    skus = {row["slug"]: f"sku#{sku_from_slug(row['slug'])}" for row in rows}
    taken = {guard.key for guard in SlugGuard.batch_get([*(guard.key for guard in guards.values()), *skus.values()])}
    labels = {category.category_id: category for category in category_list()}
    products = []
    for row in rows:
        if f"product#{row['slug']}" in taken:
            continue
        sku = sku_from_slug(row["slug"]) if skus[row["slug"]] not in taken else None  # a clash: --fix gives one
        product = Product(str(uuid.uuid4()), **{**row, "created_at": row.get("created_at") or now}, updated_at=now,
                          version=1, sku=sku)
        _listing_attributes(product)
        label = labels.get(product.category_id)
        product.category_name, product.category_slug = (label.name, label.slug) if label else (None, None)
        products.append(product)
    if not products:
        return 0

    def write(model, items) -> None:
        with model.batch_write() as batch:
            for item in items:
                batch.save(item)

    def written(model, items, *, step: int = 25) -> None:
        chunks = [items[start:start + step * 8] for start in range(0, len(items), step * 8)]
        with ThreadPoolExecutor(max_workers=BULK_WRITERS) as pool:
            list(pool.map(lambda chunk: write(model, chunk), chunks))

    written(SlugGuard, [_slug_guard("product", product.slug, product.product_id) for product in products]
            + [_slug_guard("sku", product.sku, product.product_id) for product in products if product.sku])
    written(Product, products)
    counts: dict[str, int] = {}
    for product in products:
        counts[product.category_id] = counts.get(product.category_id, 0) + 1
    with transaction() as tx:
        for category_id, count in counts.items():
            _category_count_add(tx, category_id=category_id, delta=count, label=f"category:{category_id}")
        tally_add(tx, name=PRODUCTS_TALLY, value=len(products))
        audit_add(tx, subject="products", actor=actor, action="created",
                  changes={"products": [None, f"{len(products)} loaded at once"]})
    if progress:
        progress(len(products) // 2)
    written(SearchTerm, [SearchTerm(term, product.product_id, name=product.name, slug=product.slug,
                                    price_cents=product.price_cents, image=product.image, category_id=product.category_id,
                           price_from_cents=product.price_from_cents)
                         for product in products for term in _terms(product)])
    written(SearchWord, [SearchWord(variant, word) for variant, word in _vocabulary(
        [product.name for product in products if product.active])])
    catalog_cache_invalidate()
    if progress:
        progress(len(products) - len(products) // 2)
    return len(products)


def product_update(*, product_id: str, expected_version: int, actor: str = "", **changes) -> Product:
    """Apply staff edits; refuse if someone saved the product in between. Never touches stock.

    The audit entry (what changed, by *actor*) is written in the same transaction.
    """
    product = product_find(product_id=product_id)
    if product is None:
        raise ProductNotFound(product_id)
    if product.version != expected_version:
        raise StaleEdit(product)
    old_slug, old_category, old_image, old_terms = product.slug, product.category_id, product.image, _terms(product)
    old_sku, before, old_facets = product.sku, _audited(product), _facet_items(product)
    for field, value in changes.items():
        if field in PRODUCT_FIELDS:
            setattr(product, field, value if field != "sku" else (value or None))
    if product.images and product.image != old_image:  # a new main picture replaces the gallery's first
        if product.image:
            product.images[0] = ProductImage(path=product.image, alt=product.images[0].alt)
        else:
            product.images = product.images[1:] or None
            product.image = product.images[0].path if product.images else None
    product.updated_at = timezone.now()
    product.price_from_cents = price_from_of(product)
    _listing_attributes(product)
    _category_label(product)
    fields = [*PRODUCT_FIELDS, "name_key", "category_name", "category_slug", "updated_at", "price_from_cents", "images"]
    actions = [getattr(Product, field).set(getattr(product, field)) for field in fields if getattr(product, field) is not None]
    actions += [getattr(Product, field).remove()
                for field in ("image", "sku", "active_listing", "active_category", "price_from_cents", "images")
                if getattr(product, field) is None]
    diff = audit_diff(before=before, after=_audited(product))
    current = lambda: product_find(product_id=product_id)  # noqa: E731
    slug_changed = product.slug != old_slug
    category_changed = product.category_id != old_category
    try:
        with transaction() as tx:
            if slug_changed:
                tx.delete(_slug_guard("product", old_slug, product_id), label="old-slug-guard",
                          condition=SlugGuard.owner_id == product_id)
                tx.save(_slug_guard("product", product.slug, product_id), label="slug-guard",
                        condition=SlugGuard.key.does_not_exist())
            if product.sku != old_sku:
                if old_sku:
                    tx.delete(_slug_guard("sku", old_sku, product_id), label="old-sku-guard",
                              condition=SlugGuard.owner_id == product_id)
                if product.sku:
                    tx.save(_slug_guard("sku", product.sku, product_id), label="sku-guard",
                            condition=SlugGuard.key.does_not_exist())
            tx.update(product, label="product", actions=actions)
            if is_spread(product) and product.active != before["active"]:
                buckets_set_active(tx, product=product, active=product.active)
            if diff:
                audit_add(tx, subject=f"product#{product_id}", actor=actor, action="changed", changes=diff)
            if category_changed:
                _category_count_add(tx, category_id=old_category, delta=-1, label="old-category")
                _category_count_add(tx, category_id=product.category_id, delta=1, label="new-category")
    except TransactionCancelled as cancelled:
        _raise_for(cancelled, current=current)
    _after_commit(product=product, old_terms=old_terms, old_image=old_image, old_facets=old_facets)
    return product


def product_delete(*, product_id: str, actor: str = "") -> None:
    """Delete a product, its slug (and SKU) guard and search terms; lower its category's count and the tally."""
    product = product_find(product_id=product_id)
    if product is None:
        raise ProductNotFound(product_id)
    try:
        with transaction() as tx:
            tx.delete(product, label="product")
            tx.delete(_slug_guard("product", product.slug, product_id), label="slug-guard-delete")
            if product.sku:
                tx.delete(_slug_guard("sku", product.sku, product_id), label="sku-guard-delete")
            for variant in product.variants or []:
                tx.delete(_slug_guard("sku", variant.sku, ""), label=f"variant-sku-delete:{variant.variant_id}")
            _category_count_add(tx, category_id=product.category_id, delta=-1, label="old-category")
            tally_add(tx, name=PRODUCTS_TALLY, value=-1)
            audit_add(tx, subject=f"product#{product_id}", actor=actor, action="deleted",
                      changes={"name": [product.name, None]})
    except TransactionCancelled as cancelled:
        _raise_for(cancelled, current=lambda: product_find(product_id=product_id))
    old_terms, old_facets = _terms(product), _facet_items(product)
    product.active = False
    product.image, image = None, product.image
    _after_commit(product=product, old_terms=old_terms, old_image=image, old_facets=old_facets)


def product_stock_adjust(*, product_id: str, delta: int, reason: str = "", actor: str = "",
                         expected_stock: int | None = None) -> int:
    """Add *delta* (may be negative) to stock; refuse to go below zero. Return the new stock.

    The change and its audit entry (with *reason*) are one transaction. With
    *expected_stock* the change happens only if stock is still that number
    (imports and bulk "set stock": a sale in between makes it stale, never
    overwritten) and raises StaleEdit otherwise.
    """
    product = product_find(product_id=product_id)
    if product is None:
        raise ProductNotFound(product_id)
    if product.variants:  # the total is the variants' sum: each variant's stock changes on its own
        raise VariantsRefused("This product keeps its stock per variant: change a variant's stock instead.")
    try:
        return stock_adjust(product=product, delta=delta, reason=reason, actor=actor, expected_stock=expected_stock)
    except TransactionCancelled as cancelled:
        if not cancelled.failed("stock"):
            raise
        current = product_find(product_id=product_id)
        if current is None:
            raise ProductNotFound(product_id) from cancelled
        if expected_stock is not None:
            raise StaleEdit(current) from cancelled
        raise StockTooLow() from cancelled
    except StaleEdit as stale:
        raise StaleEdit(product_find(product_id=product_id)) from stale


def product_stock_spread(*, product_id: str, buckets: int, actor: str = "") -> Product:
    """Spread the product's stock over *buckets* items for a rush (catalog.stock), or gather it back (0)."""
    product = product_find(product_id=product_id)
    if product is None:
        raise ProductNotFound(product_id)
    if buckets > 1 and product.variants:
        raise VariantsRefused("A product with options keeps its stock per variant and cannot be spread.")
    try:
        stock_spread(product=product, buckets=buckets, actor=actor)
    except StaleEdit as stale:
        raise StaleEdit(product_find(product_id=product_id)) from stale
    return product_find(product_id=product_id)


def product_set_active(*, product_id: str, active: bool, actor: str = "", expected_version: int | None = None) -> Product:
    """Show or hide a product in the shop (with *expected_version*, only if nobody changed it since)."""
    product = product_find(product_id=product_id)
    if product is None:
        raise ProductNotFound(product_id)
    return product_update(product_id=product_id, actor=actor, active=active,
                          expected_version=product.version if expected_version is None else expected_version)


def image_save(*, upload, kind: str) -> str:
    """Store an already-validated image upload and its thumbnails; return the original's storage path."""
    upload.seek(0)
    data = upload.read()
    path = default_storage.save(f"products/{uuid.uuid4().hex}.{kind}", ContentFile(data))
    image_thumbnails_save(path=path, data=data)
    return path


def image_thumbnails_save(*, path: str, data: bytes) -> None:
    """Write the WebP thumbnails of the image at *path* beside it (replacing any there)."""
    for width, thumbnail in thumbnails_make(data).items():
        target = thumbnail_path(path, width)
        if default_storage.exists(target):
            default_storage.delete(target)
        default_storage.save(target, ContentFile(thumbnail))


def image_delete_unused(path: str) -> None:
    """Delete an uploaded image and its thumbnails once nothing uses it (demo placeholders are shared and kept)."""
    if path.startswith("products/"):
        for target in (path, *(thumbnail_path(path, width) for width in THUMBNAIL_WIDTHS)):
            try:
                default_storage.delete(target)
            except OSError:
                pass


# Options and variants (catalog.variants says how they are stored)

def product_options_set(*, product_id: str, expected_version: int, options: list[tuple[str, list[str]]],
                        actor: str = "") -> Product:
    """Give a product these options (up to three, each with its ordered values) and a variant for every
    combination, in one transaction with the SKU guards and the audit entry.

    A combination that was a variant before keeps its id, SKU, price, stock and image; a new one gets a SKU
    made from the product's SKU (or slug) and its values, and no stock. Going from no options to some, the
    product's stock moves to the first variant; back to none, the variants' total stays as the product's
    stock. A removed variant's stock leaves the total, conditioned on the count read, so a sale in between
    is never lost (StaleEdit: read again). Raises VariantsRefused, SkuTaken or StaleEdit.
    """
    product = product_find(product_id=product_id)
    if product is None:
        raise ProductNotFound(product_id)
    if product.version != expected_version:
        raise StaleEdit(product)
    if options and is_spread(product):
        raise VariantsRefused("Gather this product's spread stock back before giving it options.")
    combos = combinations(options)
    if len(combos) > MAX_VARIANTS:
        raise VariantsRefused(f"{len(combos)} combinations: a product can have at most {MAX_VARIANTS} variants.")
    before = {variant.variant_id: variant for variant in (product.variants or [])}
    old_options = "; ".join(f"{option.name}: {', '.join(option.values)}" for option in (product.options or [])) or None
    counts = product.variant_stock.as_dict() if product.variant_stock is not None else {}
    base = product.sku or product.slug
    variants = []
    for values in combos:
        variant_id = variant_id_for(values)
        kept = before.get(variant_id)
        variants.append(ProductVariant(
            variant_id=variant_id, sku=kept.sku if kept else sku_suggest(base=base, values=values), values=list(values),
            price_cents=kept.price_cents if kept else None, weight_grams=kept.weight_grams if kept else None,
            image=kept.image if kept else None, enabled=kept.enabled if kept else True))
    removed = [variant for variant_id, variant in before.items() if variant_id not in {v.variant_id for v in variants}]
    added = [variant for variant in variants if variant.variant_id not in before]
    product.options = [ProductOption(name=name, values=list(values)) for name, values in options] or None
    product.variants = variants or None
    product.updated_at = timezone.now()
    product.price_from_cents = price_from_of(product)
    actions = [Product.updated_at.set(product.updated_at)]
    actions += [Product.options.set(product.options), Product.variants.set(product.variants)] if variants else \
        [Product.options.remove(), Product.variants.remove()]
    actions.append(Product.price_from_cents.set(product.price_from_cents) if product.price_from_cents is not None
                   else Product.price_from_cents.remove())
    condition = None
    if variants and not before:  # the product's own stock moves to the first variant
        actions.append(Product.variant_stock.set({variant.variant_id: int(product.stock) if number == 0 else 0
                                                  for number, variant in enumerate(variants)}))
        condition = Product.stock == int(product.stock)
    elif not variants and before:  # back to a single variant: the total stays as the product's stock
        actions.append(Product.variant_stock.remove())
        condition = Product.stock == int(product.stock)
    elif variants:
        actions += [Product.variant_stock[variant.variant_id].set(0) for variant in added]
        actions += [Product.variant_stock[variant.variant_id].remove() for variant in removed]
        gone = sum(int(counts.get(variant.variant_id, 0)) for variant in removed)
        if gone:
            actions.append(Product.stock.add(-gone))
        for variant in removed:
            held = Product.variant_stock[variant.variant_id] == int(counts.get(variant.variant_id, 0))
            condition = held if condition is None else condition & held
    try:
        with transaction() as tx:
            for variant in removed:
                tx.delete(_slug_guard("sku", variant.sku, ""), label=f"old-sku-guard:{variant.variant_id}",
                          condition=SlugGuard.owner_id == line_key(product_id=product_id, variant_id=variant.variant_id))
            for variant in added:
                tx.save(_slug_guard("sku", variant.sku, line_key(product_id=product_id, variant_id=variant.variant_id)),
                        label=f"sku-guard:{variant.variant_id}", condition=SlugGuard.key.does_not_exist())
            tx.update(product, label="product", actions=actions, condition=condition)
            audit_add(tx, subject=f"product#{product_id}", actor=actor, action="changed", changes={
                "options": [old_options, "; ".join(f"{name}: {', '.join(values)}" for name, values in options) or None],
                **({"variants added": [None, ", ".join(v.sku for v in added)]} if added else {}),
                **({"variants removed": [", ".join(v.sku for v in removed), None]} if removed else {})})
    except TransactionCancelled as cancelled:
        if any(cancelled.failed(f"sku-guard:{variant.variant_id}") for variant in added):
            raise SkuTaken() from cancelled
        _raise_for(cancelled, current=lambda: product_find(product_id=product_id))
    saved = product_find(product_id=product_id)
    _after_commit(product=saved, old_terms=_terms(saved))  # search cards carry "From $X"
    return saved


def product_variants_update(*, product_id: str, expected_version: int, changes: dict[str, dict],
                            actor: str = "") -> Product:
    """Edit variants in place: *changes* maps a variant id to its new ``sku``, ``price_cents`` (None: the
    product's price), ``weight_grams``, ``enabled`` and ``image`` (None: the product's). SKU guards move in the same transaction as the edit
    (SkuTaken names a clash); never touches stock (variant_stock_set does)."""
    product = product_find(product_id=product_id)
    if product is None:
        raise ProductNotFound(product_id)
    if product.version != expected_version:
        raise StaleEdit(product)
    moves, diff = [], {}
    for variant in product.variants or []:
        change = changes.get(variant.variant_id)
        if not change:
            continue
        sku = sku_normalise(change.get("sku", variant.sku)) or variant.sku
        if sku != variant.sku:
            moves.append((variant.variant_id, variant.sku, sku))
        for field in ("price_cents", "weight_grams", "enabled", "image"):
            if field in change and change[field] != getattr(variant, field):
                diff[f"{variant.sku} {field}"] = [getattr(variant, field), change[field]]
                setattr(variant, field, change[field])
        variant.sku = sku
    if moves:
        diff.update({f"{old} sku": [old, new] for _, old, new in moves})
    if not diff:
        return product
    product.updated_at = timezone.now()
    product.price_from_cents = price_from_of(product)
    actions = [Product.variants.set(product.variants), Product.updated_at.set(product.updated_at),
               Product.price_from_cents.set(product.price_from_cents) if product.price_from_cents is not None
               else Product.price_from_cents.remove()]
    try:
        with transaction() as tx:
            for variant_id, old, new in moves:
                owner = line_key(product_id=product_id, variant_id=variant_id)
                tx.delete(_slug_guard("sku", old, owner), label=f"old-sku-guard:{variant_id}",
                          condition=SlugGuard.owner_id == owner)
                tx.save(_slug_guard("sku", new, owner), label=f"sku-guard:{variant_id}",
                        condition=SlugGuard.key.does_not_exist())
            tx.update(product, label="product", actions=actions)
            audit_add(tx, subject=f"product#{product_id}", actor=actor, action="changed", changes=diff)
    except TransactionCancelled as cancelled:
        clash = next((new for variant_id, _, new in moves if cancelled.failed(f"sku-guard:{variant_id}")), None)
        if clash:
            raise SkuTaken(clash) from cancelled
        _raise_for(cancelled, current=lambda: product_find(product_id=product_id))
    saved = product_find(product_id=product_id)
    _after_commit(product=saved, old_terms=_terms(saved))  # search cards carry "From $X"
    return saved


def variant_stock_set(*, product_id: str, variant_id: str, stock: int, expected_stock: int, reason: str = "",
                      actor: str = "", sku: str = "") -> int:
    """Set one variant's stock to *stock* if it is still *expected_stock* (StaleEdit otherwise); return it. *sku*
    names the variant in the product's history."""
    try:
        return variant_stock_adjust(product_id=product_id, variant_id=variant_id, delta=stock - expected_stock,
                                    reason=reason, actor=actor, expected_stock=expected_stock, sku=sku)
    except TransactionCancelled as cancelled:
        if not cancelled.failed("stock"):
            raise
        current = product_find(product_id=product_id)
        if current is None:
            raise ProductNotFound(product_id) from cancelled
        raise StaleEdit(current) from cancelled


def product_sku_assign(*, product_id: str) -> str | None:
    """Give a product that has none a SKU made from its slug (the upgrade of products from before every variant
    had one: check_integrity --fix). Returns the SKU, or None if it has one already or none was free."""
    product = product_find(product_id=product_id)
    if product is None or product.sku:
        return None
    for attempt in range(SKU_ATTEMPTS):
        sku = sku_from_slug(product.slug, attempt=attempt)
        try:
            with transaction() as tx:
                tx.save(_slug_guard("sku", sku, product_id), label="sku-guard", condition=SlugGuard.key.does_not_exist())
                tx.update(ProductSku(product_id), label="product", actions=[ProductSku.sku.set(sku)],
                          condition=ProductSku.product_id.exists() & ProductSku.sku.does_not_exist())
        except TransactionCancelled as cancelled:
            if cancelled.failed("sku-guard"):
                continue
            return None  # given one meanwhile, or gone
        catalog_cache_invalidate()
        return sku
    return None


def variant_stock_load(*, product_id: str, counts: dict[str, int], actor: str = "") -> None:
    """Give a product's variants their first stock in one write (the demo load): only while the product holds none,
    so it never overwrites sales; the audit entry goes with it."""
    with transaction() as tx:
        tx.update(ProductStock(product_id), label="stock",
                  actions=[ProductStock.variant_stock[key].set(count) for key, count in counts.items()]
                  + [ProductStock.stock.set(sum(counts.values()))],
                  condition=ProductStock.product_id.exists() & (ProductStock.stock == 0))
        audit_add(tx, subject=f"product#{product_id}", actor=actor, action="stock", reason="first stock of its variants",
                  changes={"stock": [0, sum(counts.values())]})
    catalog_cache_invalidate()


class GalleryFull(Exception):
    """A product has MAX_IMAGES pictures already."""


def product_gallery_set(*, product_id: str, expected_version: int, images: list[tuple[str, str]],
                        actor: str = "") -> Product:
    """Save a product's gallery — [(stored path, alt text)] in the order shoppers see them — and make the first
    its main picture (the one cards show); version-checked, audited. Files no longer used are deleted after."""
    if len(images) > MAX_IMAGES:
        raise GalleryFull()
    product = product_find(product_id=product_id)
    if product is None:
        raise ProductNotFound(product_id)
    if product.version != expected_version:
        raise StaleEdit(product)
    before = gallery_of(product)
    gallery = [ProductImage(path=path, alt=alt.strip()[:200]) for path, alt in images]
    product.images, product.image = gallery or None, gallery[0].path if gallery else None
    product.updated_at = timezone.now()
    actions = [Product.updated_at.set(product.updated_at)]
    actions += [Product.images.set(gallery), Product.image.set(product.image)] if gallery else \
        [Product.images.remove(), Product.image.remove()]
    try:
        with transaction() as tx:
            tx.update(product, label="product", actions=actions)
            audit_add(tx, subject=f"product#{product_id}", actor=actor, action="changed", changes={
                "images": [", ".join(f"{image.alt or '(no alt)'}" for image in before) or None,
                           ", ".join(alt or "(no alt)" for _, alt in images) or None]})
    except TransactionCancelled as cancelled:
        _raise_for(cancelled, current=lambda: product_find(product_id=product_id))
    catalog_cache_invalidate()
    kept = {path for path, _ in images} | {variant.image for variant in product.variants or [] if variant.image}
    for image in before:
        if image.path not in kept:
            image_delete_unused(image.path)
    saved = product_find(product_id=product_id)
    _after_commit(product=saved, old_terms=_terms(saved))  # search cards carry the main picture
    return saved


# Product types, attributes and facets (catalog.attributes says how they fit together)

class TypeRefused(Exception):
    """A product type or attribute values that cannot be saved as asked (the message says why)."""


def _attribute_defs(attributes: list[dict]) -> list[AttributeDef]:
    defs, codes = [], set()
    for attribute in attributes[:MAX_ATTRIBUTES]:
        code = attribute_code(attribute["name"])
        if not code or code in codes:
            raise TypeRefused(f"Two attributes are both called “{attribute['name']}” (or it has no letters).")
        codes.add(code)
        choice = attribute["kind"] == "choice"
        defs.append(AttributeDef(code=code, name=attribute["name"].strip(), kind=attribute["kind"],
                                 values=list(attribute.get("values") or []) if choice else None,
                                 unit=(attribute.get("unit") or None) if attribute["kind"] == "number" else None,
                                 facet=bool(attribute.get("facet")) and choice))
    return defs


def product_type_create(*, name: str, attributes: list[dict], actor: str = "") -> ProductType:
    """Create a product type: its name and attributes ({name, kind, values, unit, facet}, in order)."""
    product_type = ProductType(str(uuid.uuid4()), name=name.strip(), attributes=_attribute_defs(attributes),
                               updated_at=timezone.now())
    with transaction() as tx:
        tx.save(product_type, label="type", condition=ProductType.type_id.does_not_exist())
        audit_add(tx, subject=f"type#{product_type.type_id}", actor=actor, action="created",
                  changes={"name": [None, product_type.name]})
    catalog_cache_invalidate()
    return product_type


def product_type_update(*, type_id: str, expected_version: int, name: str, attributes: list[dict],
                        actor: str = "") -> ProductType:
    """Rename a type or change its attributes, if nobody saved it since *expected_version* (StaleEdit).
    Products keep their values; a value of a removed attribute is no longer shown. Facet cards of the type's
    products follow their next save (check_integrity --fix rewrites them now)."""
    product_type = product_type_find(type_id=type_id)
    if product_type is None:
        raise ProductNotFound(type_id)
    if product_type.version != expected_version:
        raise StaleEdit(product_type)
    product_type.name, product_type.attributes = name.strip(), _attribute_defs(attributes)
    product_type.updated_at = timezone.now()
    try:
        with transaction() as tx:
            tx.update(product_type, label="type", actions=[
                ProductType.name.set(product_type.name), ProductType.attributes.set(product_type.attributes),
                ProductType.updated_at.set(product_type.updated_at)])
            audit_add(tx, subject=f"type#{type_id}", actor=actor, action="changed",
                      changes={"attributes": [None, ", ".join(a.name for a in product_type.attributes)]})
    except TransactionCancelled as cancelled:
        raise StaleEdit(product_type_find(type_id=type_id)) from cancelled
    catalog_cache_invalidate()
    return product_type_find(type_id=type_id)


def product_attributes_set(*, product_id: str, expected_version: int, type_id: str | None, values: dict,
                           actor: str = "") -> Product:
    """Give a product its type and attribute values ({code: text, number or one of the choice's values}; empty
    ones are dropped), version-checked and audited; its category learns the type (its page's facets) in the
    same transaction, and the facet cards follow."""
    product = product_find(product_id=product_id)
    if product is None:
        raise ProductNotFound(product_id)
    if product.version != expected_version:
        raise StaleEdit(product)
    product_type = product_type_find(type_id=type_id) if type_id else None
    if type_id and product_type is None:
        raise TypeRefused("That product type no longer exists.")
    allowed = {attribute.code: attribute for attribute in (product_type.attributes if product_type else [])}
    kept = {}
    for code, value in values.items():
        attribute = allowed.get(code)
        if attribute is None or value in (None, ""):
            continue
        if attribute.kind == "choice" and value not in (attribute.values or []):
            raise TypeRefused(f"“{value}” is not one of {attribute.name}'s values.")
        kept[code] = value
    old_facets, before = _facet_items(product), product.attributes.as_dict() if product.attributes else {}
    product.type_id, product.updated_at = type_id or None, timezone.now()
    actions = [Product.updated_at.set(product.updated_at)]
    actions.append(Product.type_id.set(product.type_id) if product.type_id else Product.type_id.remove())
    actions.append(Product.attributes.set(kept) if kept else Product.attributes.remove())
    try:
        with transaction() as tx:
            tx.update(product, label="product", actions=actions)
            if product.type_id:
                tx.update(CategoryCounter(product.category_id), label="category",
                          actions=[CategoryCounter.type_ids.add({product.type_id})],
                          condition=CategoryCounter.category_id.exists(), add_version_condition=False)
            audit_add(tx, subject=f"product#{product_id}", actor=actor, action="changed",
                      changes={"attributes": [", ".join(f"{k}: {v}" for k, v in before.items()) or None,
                                              ", ".join(f"{k}: {v}" for k, v in kept.items()) or None]})
    except TransactionCancelled as cancelled:
        if cancelled.failed("category"):
            raise CategoryNotFound() from cancelled
        raise StaleEdit(product_find(product_id=product_id)) from cancelled
    saved = product_find(product_id=product_id)
    _after_commit(product=saved, old_terms=_terms(saved), old_facets=old_facets)
    return saved


def _facet_items(product: Product) -> frozenset[tuple[str, str]]:
    """(facet, sort key) of the facet cards *product* has now."""
    product_type = product_types_by_id().get(product.type_id) if product.type_id else None
    sort_key = f"{product.name_key}#{product.product_id}"
    return frozenset((key, sort_key) for key in facet_keys(product, product_type))


def facet_cards_write(*, product: Product, remove: set[tuple[str, str]]) -> None:
    """Write the facet cards *product* should have (with what its card shows now) and delete the *remove*d
    ones it no longer has. Idempotent: check_integrity --fix calls it too."""
    wanted = _facet_items(product) if product.type_id else frozenset()
    with FacetCard.batch_write() as batch:
        for facet, sort_key in remove - wanted:
            batch.delete(FacetCard(facet, sort_key))
        for facet, sort_key in wanted:
            batch.save(FacetCard(facet, sort_key, product_id=product.product_id, name=product.name, slug=product.slug,
                                 price_cents=product.price_cents, price_from_cents=product.price_from_cents,
                                 image=product.image))
