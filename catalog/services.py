"""Writes of the catalog. Slugs are unique through guard items in the same transaction."""
from __future__ import annotations

import uuid

from django.core.files.storage import default_storage
from django.utils import timezone
from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from catalog import search
from catalog.cache import catalog_cache_invalidate
from catalog.models import Category, CategoryCounter, Product, ProductStock, SearchTerm, SlugGuard
from catalog.selectors import category_get, product_get
from shopsite import dynamodb
from shopsite.errors import transaction_reasons

_FAILED = "ConditionalCheckFailed"
PRODUCT_FIELDS = ("name", "slug", "description", "price_cents", "category_id", "image", "active")
CATEGORY_FIELDS = ("name", "slug", "description", "position")


class SlugTaken(Exception):
    """Another category or product already uses this slug."""


class StaleEdit(Exception):
    """The record changed since the editor loaded it."""

    def __init__(self, current=None):
        super().__init__("Changed by someone else in the meantime.")
        self.current = current


class NotFound(Exception):
    """The category or product does not exist (any more)."""


class CategoryNotEmpty(Exception):
    """A category that still has products cannot be deleted."""


class StockTooLow(Exception):
    """A stock adjustment would take stock below zero."""


def _slug_guard(kind: str, slug: str, owner_id: str) -> SlugGuard:
    return SlugGuard(f"{kind}#{slug}", owner_id=owner_id)


def _listing_attributes(product: Product) -> None:
    """Set the sparse index attributes so that only active products are listed to shoppers."""
    product.name_key = product.name.casefold()[:200]
    product.active_listing = "active" if product.active else None
    product.active_category = product.category_id if product.active else None


def _raise_from_reasons(error: TransactWriteError, *, slug_at: int | None, stale_at: tuple[int, ...], current):
    reasons = transaction_reasons(error)
    if slug_at is not None and len(reasons) > slug_at and reasons[slug_at] == _FAILED:
        raise SlugTaken() from error
    if any(len(reasons) > i and reasons[i] == _FAILED for i in stale_at):
        raise StaleEdit(current()) from error
    raise error


# Categories

def category_create(*, name: str, slug: str, description: str = "", position: int = 0) -> Category:
    """Create a category with its slug guard in one transaction; raise SlugTaken."""
    now = timezone.now()
    category = Category(
        str(uuid.uuid4()), name=name, slug=slug, description=description, position=position,
        created_at=now, updated_at=now,
    )
    try:
        with TransactWrite(connection=dynamodb.connection()) as transaction:
            transaction.save(_slug_guard("category", slug, category.category_id), condition=SlugGuard.key.does_not_exist())
            transaction.save(category, condition=Category.category_id.does_not_exist())
    except TransactWriteError as error:
        _raise_from_reasons(error, slug_at=0, stale_at=(), current=lambda: None)
    catalog_cache_invalidate()
    return category


def category_update(*, category_id: str, expected_version: int, **changes) -> Category:
    """Apply staff edits to a category; swap slug guards when the slug changes."""
    category = category_get(category_id=category_id)
    if category is None:
        raise NotFound(category_id)
    if category.version != expected_version:
        raise StaleEdit(category)
    old_slug = category.slug
    actions = [getattr(Category, field).set(value) for field, value in changes.items() if field in CATEGORY_FIELDS]
    actions.append(Category.updated_at.set(timezone.now()))
    current = lambda: category_get(category_id=category_id)  # noqa: E731
    try:
        if changes.get("slug", old_slug) == old_slug:
            category.update(actions=actions)
        else:
            with TransactWrite(connection=dynamodb.connection()) as transaction:
                # Sent as: delete old guard, put new guard, update category.
                transaction.delete(_slug_guard("category", old_slug, category_id))
                transaction.save(_slug_guard("category", changes["slug"], category_id), condition=SlugGuard.key.does_not_exist())
                transaction.update(category, actions=actions)
    except UpdateError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            raise StaleEdit(current()) from error
        raise
    except TransactWriteError as error:
        _raise_from_reasons(error, slug_at=1, stale_at=(2,), current=current)
    catalog_cache_invalidate()
    return category_get(category_id=category_id)


def category_delete(*, category_id: str) -> None:
    """Delete an empty category and its slug guard; raise CategoryNotEmpty otherwise."""
    category = category_get(category_id=category_id)
    if category is None:
        raise NotFound(category_id)
    try:
        with TransactWrite(connection=dynamodb.connection()) as transaction:
            transaction.delete(category, condition=Category.product_count <= 0, add_version_condition=False)
            transaction.delete(_slug_guard("category", category.slug, category_id))
    except TransactWriteError as error:
        if transaction_reasons(error)[:1] == [_FAILED]:
            raise CategoryNotEmpty() from error
        raise
    catalog_cache_invalidate()


# Products

def _terms(product: Product) -> set[str]:
    return search.terms_for(name=product.name, description=product.description) if product.active else set()


def _terms_write(*, product: Product, old_terms: frozenset[str] = frozenset()) -> None:
    """Bring the search-term items of *product* up to date (active products only are indexed).

    Not transactional with the product: a failure here leaves search slightly
    stale until the product's next save, never a product half-written.
    """
    new_terms = _terms(product)
    with SearchTerm.batch_write() as batch:
        for term in old_terms - new_terms:
            batch.delete(SearchTerm(term, product.product_id))
        for term in new_terms:
            batch.save(
                SearchTerm(term, product.product_id, name=product.name, slug=product.slug,
                           price_cents=product.price_cents, image=product.image)
            )


def product_create(
    *, name: str, slug: str, price_cents: int, category_id: str, description: str = "", stock: int = 0,
    image: str | None = None, active: bool = True, created_at=None,
) -> Product:
    """Create a product, its slug guard and its category's count in one transaction."""
    now = timezone.now()
    product = Product(
        str(uuid.uuid4()), name=name, slug=slug, description=description, price_cents=price_cents, stock=stock,
        category_id=category_id, image=image, active=active, created_at=created_at or now, updated_at=now,
    )
    _listing_attributes(product)
    try:
        with TransactWrite(connection=dynamodb.connection()) as transaction:
            # Sent as: put guard, put product, update category.
            transaction.save(_slug_guard("product", slug, product.product_id), condition=SlugGuard.key.does_not_exist())
            transaction.save(product, condition=Product.product_id.does_not_exist())
            transaction.update(
                CategoryCounter(category_id), actions=[CategoryCounter.product_count.add(1)],
                condition=CategoryCounter.category_id.exists(),
            )
    except TransactWriteError as error:
        reasons = transaction_reasons(error)
        if len(reasons) == 3 and reasons[2] == _FAILED:
            raise NotFound(category_id) from error
        _raise_from_reasons(error, slug_at=0, stale_at=(), current=lambda: None)
    _terms_write(product=product)
    catalog_cache_invalidate()
    return product


def product_update(*, product_id: str, expected_version: int, **changes) -> Product:
    """Apply staff edits; refuse if someone saved the product in between. Never touches stock."""
    product = product_get(product_id=product_id)
    if product is None:
        raise NotFound(product_id)
    if product.version != expected_version:
        raise StaleEdit(product)
    old_slug, old_category, old_image, old_terms = product.slug, product.category_id, product.image, _terms(product)
    for field, value in changes.items():
        if field in PRODUCT_FIELDS:
            setattr(product, field, value)
    product.updated_at = timezone.now()
    _listing_attributes(product)
    fields = [*PRODUCT_FIELDS, "name_key", "updated_at"]
    actions = [getattr(Product, field).set(getattr(product, field)) for field in fields if getattr(product, field) is not None]
    actions += [getattr(Product, field).remove() for field in ("image", "active_listing", "active_category") if getattr(product, field) is None]
    current = lambda: product_get(product_id=product_id)  # noqa: E731
    slug_changed = product.slug != old_slug
    category_changed = product.category_id != old_category
    try:
        with TransactWrite(connection=dynamodb.connection()) as transaction:
            # Sent as: deletes, puts, updates (in call order within each kind).
            if slug_changed:
                transaction.delete(_slug_guard("product", old_slug, product_id))
                transaction.save(_slug_guard("product", product.slug, product_id), condition=SlugGuard.key.does_not_exist())
            transaction.update(product, actions=actions)
            if category_changed:
                transaction.update(CategoryCounter(old_category), actions=[CategoryCounter.product_count.add(-1)])
                transaction.update(
                    CategoryCounter(product.category_id), actions=[CategoryCounter.product_count.add(1)],
                    condition=CategoryCounter.category_id.exists(),
                )
    except TransactWriteError as error:
        reasons = transaction_reasons(error)
        if category_changed and reasons and reasons[-1] == _FAILED:
            raise NotFound(product.category_id) from error
        offset = 2 if slug_changed else 0
        _raise_from_reasons(error, slug_at=1 if slug_changed else None, stale_at=(offset,), current=current)
    if old_image and old_image != product.image:
        image_delete_unused(old_image)
    _terms_write(product=product, old_terms=old_terms)
    catalog_cache_invalidate()
    return product


def product_delete(*, product_id: str) -> None:
    """Delete a product, its slug guard and search terms; lower its category's count."""
    product = product_get(product_id=product_id)
    if product is None:
        raise NotFound(product_id)
    with TransactWrite(connection=dynamodb.connection()) as transaction:
        transaction.delete(product, add_version_condition=False)
        transaction.delete(_slug_guard("product", product.slug, product_id))
        transaction.update(CategoryCounter(product.category_id), actions=[CategoryCounter.product_count.add(-1)])
    old_terms = _terms(product)
    product.active = False
    _terms_write(product=product, old_terms=old_terms)
    if product.image:
        image_delete_unused(product.image)
    catalog_cache_invalidate()


def product_stock_adjust(*, product_id: str, delta: int) -> int:
    """Add *delta* (may be negative) to stock; refuse to go below zero. Return the new stock."""
    item = ProductStock(product_id)
    condition = ProductStock.product_id.exists()
    if delta < 0:
        condition &= ProductStock.stock >= -delta
    try:
        item.update(actions=[ProductStock.stock.add(delta)], condition=condition)
    except UpdateError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            if product_get(product_id=product_id) is None:
                raise NotFound(product_id) from error
            raise StockTooLow() from error
        raise
    catalog_cache_invalidate()
    return item.stock


def product_set_active(*, product_id: str, active: bool) -> Product:
    """Show or hide a product in the shop."""
    product = product_get(product_id=product_id)
    if product is None:
        raise NotFound(product_id)
    return product_update(product_id=product_id, expected_version=product.version, active=active)


def image_save(*, upload, kind: str) -> str:
    """Store an already-validated image upload; return its storage path."""
    return default_storage.save(f"products/{uuid.uuid4().hex}.{kind}", upload)


def image_delete_unused(path: str) -> None:
    """Delete an uploaded image nothing uses any more (demo placeholders are shared and kept)."""
    if path.startswith("products/"):
        try:
            default_storage.delete(path)
        except OSError:
            pass
