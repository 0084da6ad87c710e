"""Catalog checks for ``check_integrity``: slug and SKU guards, category counts, search terms, every product's SKU
and its variants' stock."""
from __future__ import annotations

from collections import Counter
from typing import Iterator

from catalog import search
from catalog.attributes import facet_keys
from catalog.models import (
    Category,
    CategoryCounter,
    FacetCard,
    Product,
    ProductCategoryLabel,
    ProductStock,
    ProductType,
    SearchTerm,
    SlugGuard,
)
from catalog.selectors import PRODUCTS_TALLY, is_spread
from catalog.variants import line_key, price_from_of
from shopsite.integrity import Finding, register, tally_findings


def _owners() -> tuple[dict[str, Category], dict[str, Product]]:
    return ({c.category_id: c for c in Category.scan()}, {p.product_id: p for p in Product.scan()})


@register
def slug_guards() -> Iterator[Finding]:
    categories, products = _owners()
    guards = {guard.key: guard for guard in SlugGuard.scan()}
    records = {**{f"category#{c.slug}": c.category_id for c in categories.values()},
               **{f"product#{p.slug}": p.product_id for p in products.values()},
               **{f"sku#{p.sku}": p.product_id for p in products.values() if p.sku},
               **{f"sku#{v.sku}": line_key(product_id=p.product_id, variant_id=v.variant_id)
                  for p in products.values() for v in (p.variants or [])}}
    for key, guard in guards.items():
        if records.get(key) != guard.owner_id:
            yield Finding("slug guards", f"guard {key} points at {guard.owner_id}, which does not use that slug",
                          repair=lambda guard=guard: guard.delete())
    for key, owner in records.items():
        if key not in guards:
            yield Finding("slug guards", f"{key} has no guard", repair=lambda key=key, owner=owner: SlugGuard(key, owner_id=owner).save())


@register
def category_counts() -> Iterator[Finding]:
    categories, products = _owners()
    counts = Counter(p.category_id for p in products.values())
    for category in categories.values():
        actual = counts.get(category.category_id, 0)
        if int(category.product_count or 0) != actual:
            yield Finding(
                "category counts", f"{category.slug} counts {category.product_count} products but has {actual}",
                repair=lambda cid=category.category_id, n=actual: CategoryCounter(cid).update(
                    actions=[CategoryCounter.product_count.set(n)], condition=CategoryCounter.category_id.exists()),
            )
    for category_id in set(counts) - set(categories):
        yield Finding("category counts", f"{counts[category_id]} products in missing category {category_id}",
                      repair=lambda: None)  # needs a person: move those products to a real category


@register
def category_labels() -> Iterator[Finding]:
    """Every shown product carries its category's current name and slug (the product page reads no category);
    hidden ones get theirs when saved, which showing them is."""
    categories, products = _owners()
    for product in products.values():
        category = categories.get(product.category_id)
        if product.active and category and (product.category_name, product.category_slug) != (category.name, category.slug):
            yield Finding("category labels", f"{product.slug} shows category {product.category_name!r}, not {category.name!r}",
                          repair=lambda p=product, c=category: ProductCategoryLabel(p.product_id).update(
                              actions=[ProductCategoryLabel.category_name.set(c.name),
                                       ProductCategoryLabel.category_slug.set(c.slug)],
                              condition=ProductCategoryLabel.category_id == c.category_id))


@register
def product_tally() -> Iterator[Finding]:
    yield from tally_findings("products tally", {PRODUCTS_TALLY: {"value": sum(1 for _ in Product.scan())}})


@register
def search_terms() -> Iterator[Finding]:
    _, products = _owners()
    stored: dict[str, set[str]] = {}
    stale: set[str] = set()  # products whose items miss the category (written before the search facets)
    for item in SearchTerm.scan():
        stored.setdefault(item.product_id, set()).add(item.term)
        product = products.get(item.product_id)
        if product is not None and item.category_id != product.category_id:
            stale.add(item.product_id)
    for product_id in set(stored) | set(products):
        product = products.get(product_id)
        wanted = search.terms_for(name=product.name, description=product.description) if product and product.active else set()
        have = stored.get(product_id, set())
        if wanted != have or product_id in stale:
            def repair(product=product, product_id=product_id, extra=have - wanted):
                from catalog.services import search_terms_write

                search_terms_write(product_id=product_id, product=product, remove=extra)

            yield Finding("search terms", f"product {product_id}: {len(wanted - have)} terms missing, {len(have - wanted)} extra",
                          repair=repair)


@register
def product_skus() -> Iterator[Finding]:
    """Every product has a SKU (integrators add to a cart by SKU): the upgrade of products from before that."""
    _, products = _owners()
    for product in products.values():
        if not product.sku:
            def repair(product_id=product.product_id):
                from catalog.services import product_sku_assign

                product_sku_assign(product_id=product_id)

            yield Finding("product SKUs", f"{product.slug} has no SKU", repair=repair)


@register
def variant_stock() -> Iterator[Finding]:
    """A product with options: a count per variant, the product's stock their sum, its "From" price right."""
    _, products = _owners()
    for product in products.values():
        if not product.variants or is_spread(product):
            continue
        counts = product.variant_stock.as_dict() if product.variant_stock is not None else {}
        missing = [v.variant_id for v in product.variants if v.variant_id not in counts]
        total = sum(int(counts.get(v.variant_id, 0)) for v in product.variants)
        if missing or int(product.stock) != total:
            def repair(product=product, counts=counts, missing=missing, total=total):
                actions = [ProductStock.variant_stock[key].set(0) for key in missing]
                actions.append(ProductStock.stock.set(total))
                condition = ProductStock.product_id.exists()
                for key, count in counts.items():  # only if no sale moved a count meanwhile
                    condition &= ProductStock.variant_stock[key] == count
                ProductStock(product.product_id).update(actions=actions, condition=condition)

            yield Finding("variant stock", f"{product.slug}: stock {product.stock}, its variants hold {total}"
                          + (f", {len(missing)} without a count" if missing else ""), repair=repair)
        if product.price_from_cents != price_from_of(product):
            def repair_price(product=product, wanted=price_from_of(product)):
                Product(product.product_id).update(
                    actions=[Product.price_from_cents.set(wanted) if wanted is not None else Product.price_from_cents.remove()],
                    condition=Product.product_id.exists(), add_version_condition=False)

            yield Finding("variant prices", f"{product.slug} shows from {product.price_from_cents}, not {price_from_of(product)}",
                          repair=repair_price)


@register
def facet_cards() -> Iterator[Finding]:
    """Every shown product of a type has a facet card per facet value it has (with its card's fields), none else;
    every category knows the types of its products (its page's facets)."""
    categories, products = _owners()
    types = {product_type.type_id: product_type for product_type in ProductType.scan()}
    stored: dict[str, set[tuple[str, str]]] = {}
    stale: set[str] = set()
    for card in FacetCard.scan():
        stored.setdefault(card.product_id, set()).add((card.facet, card.sort_key))
        product = products.get(card.product_id)
        if product is not None and (card.name, card.slug, card.price_cents, card.image) != (
                product.name, product.slug, product.price_cents, product.image):
            stale.add(card.product_id)
    for product_id in set(stored) | set(products):
        product = products.get(product_id)
        sort_key = f"{product.name_key}#{product_id}" if product else ""
        wanted = {(key, sort_key) for key in facet_keys(product, types.get(product.type_id))} if product else set()
        have = stored.get(product_id, set())
        if wanted != have or product_id in stale:
            def repair(product=product, extra=have - wanted, product_id=product_id):
                from catalog.services import facet_cards_write

                if product is None:
                    with FacetCard.batch_write() as batch:
                        for facet, key in extra:
                            batch.delete(FacetCard(facet, key))
                else:
                    facet_cards_write(product=product, remove=extra)

            yield Finding("facet cards", f"product {product_id}: {len(wanted - have)} facet cards missing, "
                          f"{len(have - wanted)} extra", repair=repair)
    known: dict[str, set[str]] = {}
    for product in products.values():
        if product.type_id:
            known.setdefault(product.category_id, set()).add(product.type_id)
    for category_id, type_ids in known.items():
        category = categories.get(category_id)
        if category is not None and not type_ids <= set(category.type_ids or ()):
            yield Finding("category types", f"{category.slug} does not know its products' types",
                          repair=lambda cid=category_id, ids=type_ids: CategoryCounter(cid).update(
                              actions=[CategoryCounter.type_ids.add(ids)], condition=CategoryCounter.category_id.exists()))
