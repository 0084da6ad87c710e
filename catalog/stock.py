"""Stock: taken and given back inside other apps' transactions, adjusted by staff, spread for a rush.

Most products keep their stock on the product item itself (through the
``ProductStock`` view, so stock moves never bump the product's version). A
product expected to sell fast — a limited drop, a launch — can have its stock
*spread* over ``STOCK_BUCKETS`` items (:class:`catalog.models.StockBucket`):

- a buyer takes from one bucket that has enough, chosen at random among those
  a consistent read found, with a conditional decrement (``stock >= qty``),
  or from several when no single bucket has enough; a bucket emptied meanwhile
  fails its condition and the checkout reads again and chooses again;
- so no item is shared by every buyer of the product, and DynamoDB's conflict
  rule (one transaction per item at a time) no longer serialises the drop;
- the product is sold out exactly when every bucket is empty (the checkout's
  consistent read of all buckets says so, never a guess);
- the stock shown on pages is the buckets' sum, written onto the product from
  the buckets' stream (:func:`spread_stock_show`), so it trails sales by the
  stream's delay (about a second).

When to spread: for a product whose sales are expected to exceed what one item
takes, about 40 orders a second (a transaction holds an item for roughly 25 ms).
Staff switch it on on the product's page; it costs a sale nothing extra and a
staff stock change one write per bucket.
"""
from __future__ import annotations

import random

from catalog.cache import catalog_cache_invalidate
from catalog.models import ProductStock, StockBucket
from catalog.selectors import Buckets, bucket_key, bucket_keys, buckets_read, is_spread, product_get_many
from shopsite.audit import audit_add
from shopsite.streams import stream_consumer
from shopsite.transactions import ConditionFailed, StaleEdit, Transaction, TransactionCancelled, condition_checked, transaction

STOCK_BUCKETS = 10
ADJUST_RETRIES = 5


class StockTooLow(Exception):
    """A stock adjustment would take stock below zero."""


class NotEnough(Exception):
    """All of a spread product's buckets together hold less than asked for; ``available`` is what they hold."""

    def __init__(self, available: int):
        super().__init__(f"Only {available} left.")
        self.available = available


def _shares(total: int, count: int) -> list[int]:
    """*total* split over *count* buckets as evenly as whole units allow."""
    return [total // count + (1 if number < total % count else 0) for number in range(count)]


def stock_take(tx: Transaction, *, product, quantity: int, label: str, buckets: Buckets | None = None,
               variants: dict[str, int] | None = None) -> list[str]:
    """Add to *tx* the conditional removal of *quantity* units of *product* — or, for a product with options, of
    *variants* ({variant id: units}, every line of the product in one update: a transaction may touch an item
    once); return the labels added.

    A product that is not spread loses the units from its own stock item
    (never below zero, only while it is on sale); variants lose theirs from
    their counts and the product's total in that same item's one update. A spread one takes from one
    bucket of *buckets* (its consistent read) that holds enough, chosen at
    random, or from as few as can cover it; raises NotEnough if all together
    cannot.
    """
    if variants:
        variant_stock_change(tx, product_id=product.product_id, deltas={key: -units for key, units in variants.items()},
                             label=label, require_active=True)
        return [label]
    if not is_spread(product):
        stock_change(tx, product_id=product.product_id, delta=-quantity, label=label, require_active=True)
        return [label]
    usable = {key: int(bucket.stock) for key, bucket in (buckets.items if buckets else {}).items()
              if bucket.active and int(bucket.stock) > 0}
    if sum(usable.values()) < quantity:
        raise NotEnough(sum(usable.values()))
    enough = [key for key, stock in usable.items() if stock >= quantity]
    if enough:
        plan = {random.choice(enough): quantity}
    else:
        plan, left = {}, quantity
        for key, stock in sorted(usable.items(), key=lambda pair: -pair[1]):
            plan[key] = min(stock, left)
            left -= plan[key]
            if not left:
                break
    labels = []
    for key, amount in plan.items():
        labels.append(f"{label}#{key.rsplit('#', 1)[1]}")
        tx.update(StockBucket(key), label=labels[-1],
                  actions=[StockBucket.stock.add(-amount), StockBucket.changes.add(1)],
                  condition=StockBucket.bucket_key.exists() & (StockBucket.stock >= amount) & (StockBucket.active == True),  # noqa: E712
                  add_version_condition=False)
    tx.on_commit(catalog_cache_invalidate)
    return labels


def stock_return(tx: Transaction, *, product, quantity: int, label: str, variants: dict[str, int] | None = None) -> None:
    """Add to *tx* the return of *quantity* units (a cancelled order): to the product, to its *variants*
    ({variant id: units}, one update), or to one of its buckets. A variant staff removed since gets nothing back
    (there is nothing to sell it as)."""
    if variants:
        known = _variant_ids(product)
        deltas = {key: units for key, units in variants.items() if key in known}
        if deltas:
            variant_stock_change(tx, product_id=product.product_id, deltas=deltas, label=label)
        return
    if not is_spread(product):
        stock_change(tx, product_id=product.product_id, delta=quantity, label=label)
        return
    key = random.choice(bucket_keys(product))
    tx.update(StockBucket(key), label=label, actions=[StockBucket.stock.add(quantity), StockBucket.changes.add(1)],
              condition=StockBucket.bucket_key.exists(), add_version_condition=False)
    tx.on_commit(catalog_cache_invalidate)


def stock_change(tx: Transaction, *, product_id: str, delta: int, label: str, require_active: bool = False,
                 expected: int | None = None) -> None:
    """Add a conditional change of a product's own stock item to *tx*, for another app's transaction.

    Stock never goes below zero; with *require_active* the product must also
    be on sale. The catalog cache is cleared once the transaction commits.
    Stock moves go through ProductStock so they never bump the product's
    version (a sale does not turn a staff member's open edit form stale).
    """
    condition = ProductStock.product_id.exists()
    if delta < 0:
        condition &= ProductStock.stock >= -delta
    if require_active:
        condition &= ProductStock.active == True  # noqa: E712
    if expected is not None:
        condition &= ProductStock.stock == expected
    tx.update(ProductStock(product_id), label=label, actions=[ProductStock.stock.add(delta)], condition=condition)
    tx.on_commit(catalog_cache_invalidate)


def _variant_ids(product) -> set[str]:
    return {variant.variant_id for variant in (product.variants or [])}


def variant_stock_change(tx: Transaction, *, product_id: str, deltas: dict[str, int], label: str,
                         require_active: bool = False, expected: dict[str, int] | None = None) -> None:
    """Add to *tx* one conditional update of a product's variant counts: each variant's count in
    ``variant_stock`` moves by its delta and the product's total ``stock`` by their sum, in one update of the
    product item (ProductStock: no version bump), none below zero, only variants that exist; with *expected*,
    only if those counts are still as given. Sibling variants' counts are not touched."""
    condition = ProductStock.product_id.exists()
    actions = []
    for variant_id, delta in deltas.items():
        count = ProductStock.variant_stock[variant_id]
        condition &= count.exists()
        if delta < 0:
            condition &= count >= -delta
        if expected is not None and variant_id in expected:
            condition &= count == expected[variant_id]
        actions.append(count.set(count + delta))
    if require_active:
        condition &= ProductStock.active == True  # noqa: E712
    total = sum(deltas.values())
    if total:
        actions.append(ProductStock.stock.add(total))
    tx.update(ProductStock(product_id), label=label, actions=actions, condition=condition)
    tx.on_commit(catalog_cache_invalidate)


def variant_stock_current(*, product_id: str, variant_id: str) -> int:
    """One variant's stock as a consistent read has it now."""
    item = ProductStock(product_id)
    item.refresh(consistent_read=True)
    return int((item.variant_stock.as_dict() if item.variant_stock is not None else {}).get(variant_id, 0))


def variant_stock_adjust(*, product_id: str, variant_id: str, delta: int, reason: str = "", actor: str = "",
                         expected_stock: int | None = None, sku: str = "") -> int:
    """Staff's change of one variant's stock, with its audit entry in the same transaction; return the new count.
    With *expected_stock* only if the count is still that (a sale in between is never overwritten)."""
    with transaction() as tx:
        variant_stock_change(tx, product_id=product_id, deltas={variant_id: delta}, label="stock",
                             expected={variant_id: expected_stock} if expected_stock is not None else None)
        audit_add(tx, subject=f"product#{product_id}", actor=actor, action="stock", reason=reason,
                  changes={f"stock of {sku or variant_id}": [expected_stock, expected_stock + delta]}
                  if expected_stock is not None else {f"stock of {sku or variant_id}": ["", f"{delta:+d}"]})
    return variant_stock_current(product_id=product_id, variant_id=variant_id)


def stock_current(*, product) -> int:
    """A product's stock as a consistent read has it now (the sum of its buckets when spread)."""
    if is_spread(product):
        return buckets_read(products=[product])[product.product_id].available
    item = ProductStock(product.product_id)
    item.refresh(consistent_read=True)
    return int(item.stock)


def stock_adjust(*, product, delta: int, reason: str = "", actor: str = "", expected_stock: int | None = None) -> int:
    """Add *delta* to a product's stock (never below zero), with its audit entry in the same transaction;
    return the new stock. With *expected_stock* only if stock is still that (StaleEdit otherwise).
    A spread product's new total is shared evenly over its buckets (sales in between are retried)."""
    if is_spread(product):
        return _spread_adjust(product=product, delta=delta, reason=reason, actor=actor, expected_stock=expected_stock)
    with transaction() as tx:
        stock_change(tx, product_id=product.product_id, delta=delta, label="stock", expected=expected_stock)
        _audit_stock(tx, product_id=product.product_id, actor=actor, reason=reason, delta=delta, expected=expected_stock)
    return stock_current(product=product)


def _audit_stock(tx: Transaction, *, product_id: str, actor: str, reason: str, delta: int, expected: int | None) -> None:
    audit_add(tx, subject=f"product#{product_id}", actor=actor, action="stock", reason=reason,
              changes={"stock": [expected, expected + delta]} if expected is not None
              else {"stock change": ["", f"{delta:+d}"]})


def _spread_adjust(*, product, delta: int, reason: str, actor: str, expected_stock: int | None) -> int:
    for _ in range(ADJUST_RETRIES):
        buckets = buckets_read(products=[product])[product.product_id]
        total = sum(int(bucket.stock) for bucket in buckets.items.values())
        if expected_stock is not None and total != expected_stock:
            raise StaleEdit()
        if total + delta < 0:
            raise StockTooLow()
        shares = _shares(total + delta, len(buckets.items))
        try:
            with transaction() as tx:
                for (key, bucket), share in zip(sorted(buckets.items.items()), shares):
                    tx.update(bucket, label=f"stock#{key}", actions=[StockBucket.stock.set(share), StockBucket.changes.add(1)],
                              condition=StockBucket.changes == bucket.changes, add_version_condition=False)
                _audit_stock(tx, product_id=product.product_id, actor=actor, reason=reason, delta=delta,
                             expected=expected_stock if expected_stock is not None else None)
        except TransactionCancelled as cancelled:
            if expected_stock is not None and not cancelled.retryable:
                raise StaleEdit() from cancelled
            continue  # a sale or another change landed in between: read again
        catalog_cache_invalidate()
        return total + delta
    raise StaleEdit()


def stock_spread(*, product, buckets: int, actor: str = "") -> None:
    """Spread a product's stock over *buckets* items (2 or more), or gather it back onto the product (0).

    One transaction either way, conditioned on the stock read, so no sale is
    lost in the move: a sale in between makes it StaleEdit, and staff try again.
    """
    current = int(product.stock_buckets or 0)
    if buckets == current or (buckets <= 1 and current <= 1):
        return
    if current > 1:
        _gather(product=product, actor=actor)
        product.stock_buckets = 0
    if buckets > 1:
        _spread(product=product, count=buckets, actor=actor)
    catalog_cache_invalidate()


def _gather(*, product, actor: str) -> None:
    read = buckets_read(products=[product])[product.product_id]
    total = sum(int(bucket.stock) for bucket in read.items.values())
    try:
        with transaction() as tx:
            for key, bucket in read.items.items():
                tx.delete(bucket, label=f"bucket#{key}", condition=StockBucket.changes == bucket.changes,
                          add_version_condition=False)
            tx.update(ProductStock(product.product_id), label="product",
                      actions=[ProductStock.stock.set(total), ProductStock.stock_buckets.set(0), ProductStock.stock_seq.remove()],
                      condition=ProductStock.stock_buckets == product.stock_buckets)
            audit_add(tx, subject=f"product#{product.product_id}", actor=actor, action="stock",
                      reason="stock gathered back onto the product", changes={"stock buckets": [int(product.stock_buckets), 0]})
    except TransactionCancelled as cancelled:
        raise StaleEdit() from cancelled


def _spread(*, product, count: int, actor: str) -> None:
    item = ProductStock(product.product_id)
    item.refresh(consistent_read=True)
    stock = int(item.stock)
    try:
        with transaction() as tx:
            for number, share in enumerate(_shares(stock, count)):
                tx.save(StockBucket(bucket_key(product.product_id, number), product_id=product.product_id, stock=share,
                                    active=bool(item.active), changes=0),
                        label=f"bucket#{number}", condition=StockBucket.bucket_key.does_not_exist())
            tx.update(item, label="product", actions=[ProductStock.stock_buckets.set(count), ProductStock.stock_seq.set(0)],
                      condition=(ProductStock.stock == stock) & (ProductStock.stock_buckets.does_not_exist()
                                                                  | (ProductStock.stock_buckets <= 1)))
            audit_add(tx, subject=f"product#{product.product_id}", actor=actor, action="stock",
                      reason="stock spread for a rush", changes={"stock buckets": [0, count]})
    except TransactionCancelled as cancelled:
        raise StaleEdit() from cancelled


def buckets_set_active(tx: Transaction, *, product, active: bool) -> None:
    """Inside the transaction that shows or hides a spread product, show or hide its buckets too."""
    for key in bucket_keys(product):
        tx.update(StockBucket(key), label=f"bucket-active#{key}", actions=[StockBucket.active.set(active)],
                  condition=StockBucket.bucket_key.exists(), add_version_condition=False)


@stream_consumer("stock-buckets", name="spread-stock-shown")
def spread_stock_show(records: list[dict]) -> None:
    """Write each changed spread product's bucket sum onto the product, unless a newer sum is there already.

    Idempotent by itself: the sum is read consistently and written only with a
    higher change count than the one stored, so repeats and races between
    stream shards never show an older number.
    """
    product_ids = {record["dynamodb"]["Keys"]["bucket_key"]["S"].rsplit("#", 1)[0] for record in records}
    products = [product for product in product_get_many(product_ids=list(product_ids)).values() if is_spread(product)]
    changed = False
    for product_id, read in buckets_read(products=products).items():
        try:
            with condition_checked():
                ProductStock(product_id).update(
                    actions=[ProductStock.stock.set(read.available), ProductStock.stock_seq.set(read.changes)],
                    condition=ProductStock.product_id.exists() & (ProductStock.stock_seq.does_not_exist()
                                                                 | (ProductStock.stock_seq < read.changes)),
                    add_version_condition=False)
            changed = True
        except ConditionFailed:
            pass  # a newer count was shown already, or the product is gone
    if changed:
        catalog_cache_invalidate()
