"""A shopper's cart: add, set a quantity, merge a visitor's cart into their account's on sign-in.
"""
from __future__ import annotations

import uuid

from django.utils import timezone
from django.utils.crypto import salted_hmac

from catalog.selectors import product_find, product_get_many
from catalog.variants import line_key_split, variant_of
from orders.models import CartItem
from orders.selectors import MAX_CART_LINES, cart_items
from shopsite.transactions import ConditionFailed, condition_checked


MAX_LINE_QUANTITY = 999


class ProductUnavailable(Exception):
    """The product (or the variant asked for) does not exist, is hidden or is sold out."""


class VariantNeeded(ProductUnavailable):
    """The product has options and none of its variants was named."""


class CartTooLarge(Exception):
    """More lines than one DynamoDB transaction can hold."""


class LineNotInCart(Exception):
    """The cart has no line for that product (any more)."""


def cart_id_for_customer(customer_id: str) -> str:
    return f"customer#{customer_id}"


def cart_id_for_visitor(*, browser_secret: str | None) -> str:
    """Return a new visitor's cart id, derived from the browser's CSRF secret when it has one.

    A new visitor's first requests can arrive together (several "Add to cart"
    clicks in tabs) before any session cookie exists; they all carry the same
    CSRF cookie, so they all land in the same cart instead of one each.
    """
    if not browser_secret:
        return f"session#{uuid.uuid4().hex}"
    return f"session#{salted_hmac('shopsite.orders.visitor-cart', browser_secret, algorithm='sha256').hexdigest()[:32]}"


def cart_add(*, cart_id: str, product_id: str, quantity: int, variant_id: str = "") -> tuple[int, bool]:
    """Add *quantity* of a product's variant (*variant_id*; "" for a product without options); cap the line at
    the variant's stock. Return (line quantity, capped)."""
    product = product_find(product_id=product_id)
    if product is None or not product.active:
        raise ProductUnavailable(product_id)
    variant = variant_of(product, variant_id)
    if variant is None and not variant_id and product.variants:
        raise VariantNeeded(product_id)
    if variant is None or not variant.available:
        raise ProductUnavailable(product_id)
    key = variant.line_key
    existing = {item.line_key for item in cart_items(cart_id=cart_id)}
    if key not in existing and len(existing) >= MAX_CART_LINES:
        raise CartTooLarge()
    # ADD is atomic: two quick adds (two tabs, a double click) both count.
    line = CartItem(cart_id, key)
    line.update(actions=[CartItem.quantity.add(quantity), CartItem.added_at.set(CartItem.added_at | timezone.now())])
    wanted, limit = int(line.quantity), min(variant.stock, MAX_LINE_QUANTITY)
    if wanted <= limit:
        return wanted, False
    try:  # cap at what is in stock, unless another add moved the line meanwhile (then that one caps it)
        with condition_checked():
            line.update(actions=[CartItem.quantity.set(limit)], condition=CartItem.quantity == wanted)
    except ConditionFailed:
        pass
    return limit, True


def cart_set_quantity(*, cart_id: str, line: str, quantity: int) -> tuple[int, bool]:
    """Set the quantity of the line *line* (a line key; 0 removes it), capped at the variant's stock.
    Return (quantity, capped)."""
    if quantity <= 0:
        CartItem(cart_id, line).delete()
        return 0, False
    product_id, variant_id = line_key_split(line)
    product = product_find(product_id=product_id)
    variant = variant_of(product, variant_id) if product is not None and product.active else None
    limit = min(variant.stock, MAX_LINE_QUANTITY) if variant is not None and variant.enabled else 0
    final = min(quantity, limit)
    if final <= 0:
        CartItem(cart_id, line).delete()
        return 0, True
    try:
        with condition_checked():
            CartItem(cart_id, line).update(actions=[CartItem.quantity.set(final)], condition=CartItem.cart_id.exists())
    except ConditionFailed as error:
        raise LineNotInCart(line) from error  # removed or ordered in another tab
    return final, final < quantity


def cart_merge(*, from_cart_id: str, to_cart_id: str) -> None:
    """Move an anonymous cart into a shopper's: quantities add, capped at stock."""
    source = cart_items(cart_id=from_cart_id)
    if not source:
        return
    target = {item.line_key: item for item in cart_items(cart_id=to_cart_id)}
    products = product_get_many(product_ids=[line_key_split(item.line_key)[0] for item in source])
    with CartItem.batch_write() as batch:
        for item in source:
            product_id, variant_id = line_key_split(item.line_key)
            product = products.get(product_id)
            batch.delete(item)
            variant = variant_of(product, variant_id) if product is not None and product.active else None
            if variant is None or not variant.enabled:
                continue
            existing = target.get(item.line_key)
            total = int(item.quantity) + (int(existing.quantity) if existing else 0)
            final = min(total, variant.stock, MAX_LINE_QUANTITY)
            if final > 0:
                added_at = existing.added_at if existing else item.added_at
                batch.save(CartItem(to_cart_id, item.line_key, quantity=final, added_at=added_at))
