"""CSV import of products and stock: a dry-run plan first, then one conditional write per row.

The file has the columns of the product export (``product_id, name, slug,
sku, category, price, stock, shown, description, variant``; ``image`` and others are
ignored; an older file's ``price_cents`` is read too). A product with options
has a row per variant, its option values in ``variant`` ("M / Blue"): that
row's SKU, price and stock are the variant's, and the product's own fields
are read from its first row. Prices are in the
shop's currency with a decimal point (``12.50``). A row whose
product_id exists updates that product; a row without one creates a
product. Exporting and importing the same file changes nothing.

The preview records, for every product it read, the version and stock it
saw; applying uses them as conditions, so a product changed between preview
and apply is reported as stale and left alone.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.core import signing

import re

from catalog import selectors, services
from catalog.variants import variants_of
from catalog.validators import slug_validator, sku_validator
from shopsite.csv_cells import cell_unguard

MAX_ROWS = 500  # one request applies them all: stays well inside API Gateway's 29 s
MAX_BYTES = 2 * 1024 * 1024
REQUIRED = ("name", "slug", "category")  # and a price: "price" (12.50), or an older export's "price_cents"
MAX_DESCRIPTION = 5000  # the product form's limit
_PRICE = re.compile(r"\$?\s*(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?")
_SALT = "shopsite.import"


class ImportRefused(Exception):
    """The file as a whole cannot be read (not CSV, missing columns, too large)."""


@dataclass
class RowPlan:
    line: int
    name: str
    action: str  # "create", "update", "unchanged", "error"
    changes: dict = field(default_factory=dict)  # field -> (before, after); for create: field -> value
    stock: int | None = None
    product_id: str = ""
    version: int | None = None  # of the product as this plan read it
    variant_id: str = ""  # a variant row of a product with options
    variant_seen: list | None = None  # the variant's [sku, price override, stock] as the preview read them
    errors: list[str] = field(default_factory=list)
    outcome: str = ""  # after applying: what happened

    @property
    def shown_changes(self) -> list[tuple[str, object, object]]:
        """The changes as the file names them: a price in the CSV's form, a category by name."""
        return [(_COLUMN.get(key, key), *(_shown(key, value) for value in pair)) for key, pair in self.changes.items()]


_COLUMN = {"price_cents": "price", "category_id": "category", "active": "shown"}


def _shown(key: str, value):
    if key in ("price_cents", "variant price") and isinstance(value, (int, float)):
        return price_text(int(value))
    if key == "category_id" and value:
        category = selectors.category_find(category_id=value)
        return category.name if category else value
    if key == "active":
        return "yes" if value else "no"
    return value


def _rows(text: str) -> list[dict]:
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise ImportRefused("The file is over 2 MB; split it.")
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [name for name in REQUIRED if name not in (reader.fieldnames or [])]
    if not {"price", "price_cents"} & set(reader.fieldnames or []):
        missing.append("price")
    if missing:
        raise ImportRefused(f"The file has no {', '.join(missing)} column{'s' if len(missing) > 1 else ''}. "
                            "Start from a product export.")
    rows = []
    for row in reader:
        if len(rows) == MAX_ROWS:
            raise ImportRefused(f"At most {MAX_ROWS} rows per file; split it.")
        rows.append({key: cell_unguard((value or "").strip()) if isinstance(value, str) else ""
                     for key, value in row.items() if isinstance(key, str)})
    return rows


_PRODUCT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
# The product form's limits, checked here too: a row the form would refuse is an error in the preview.
MAX_NAME, MAX_SLUG, MAX_SKU, MAX_CATEGORY = 120, 120, 40, 80


def _int(text: str, what: str, errors: list[str], *, low: int, high: int) -> int | None:
    try:
        value = int(text)  # cells were unguarded as the file was read (_rows)
    except ValueError:
        errors.append(f"{what} must be a whole number, not “{text[:20]}”")
        return None
    if not low <= value <= high:
        errors.append(f"{what} must be between {low} and {high}")
        return None
    return value


def price_text(cents: int) -> str:
    """A price as the CSV writes it: 12.50 (no currency sign, no thousands separator)."""
    return f"{int(cents) // 100}.{int(cents) % 100:02d}"


def _price(text: str, errors: list[str]) -> int | None:
    """Cents from "12.50", "12", "$1,250.00"; an error in the row's words otherwise."""
    match = _PRICE.fullmatch(text.strip())
    if not match:
        errors.append(f"price “{text[:20]}” is not an amount like 12.50")
        return None
    cents = int(match.group(1).replace(",", "")) * 100 + int((match.group(2) or "0").ljust(2, "0"))
    if not 1 <= cents <= 10_000_000:
        errors.append("price must be from 0.01 to 100000.00")
        return None
    return cents


def import_plan(*, text: str) -> tuple[list[RowPlan], str]:
    """Read the file and say what each row would do, changing nothing; return the plans and a signed
    token that carries what was read (for import_apply). Raises ImportRefused."""
    rows = _rows(text)
    categories = {category.name.casefold(): category for category in selectors.category_list()}
    existing = selectors.product_get_many(product_ids=[r["product_id"] for r in rows
                                                       if _PRODUCT_ID.fullmatch(r.get("product_id", ""))])
    plans, seen = [], {}
    for line, row in enumerate(rows, start=2):
        errors: list[str] = []
        name = row.get("name", "")
        plan = RowPlan(line=line, name=name[:MAX_NAME] or "(no name)", action="error", errors=errors)
        plans.append(plan)
        product_id = row.get("product_id", "")
        if product_id and not _PRODUCT_ID.fullmatch(product_id):
            errors.append(f"product_id “{product_id[:20]}…” is not one this shop issues (leave it empty to create one)")
        if not name:
            errors.append("name is empty")
        elif len(name) > MAX_NAME:
            errors.append(f"name is {len(name)} characters; at most {MAX_NAME}")
        slug = row.get("slug", "")
        if len(slug) > MAX_SLUG:
            errors.append(f"slug is {len(slug)} characters; at most {MAX_SLUG}")
        else:
            try:
                slug_validator(slug)
            except Exception:  # noqa: BLE001 (a ValidationError: say it in the row's words)
                errors.append(f"slug “{slug[:40]}” must be lower-case letters, digits and single hyphens")
        sku = selectors.sku_normalise(row.get("sku", ""))
        if len(row.get("sku", "").strip()) > MAX_SKU:
            errors.append(f"SKU is longer than {MAX_SKU} characters")
        elif sku:
            try:
                sku_validator(sku)
            except Exception:  # noqa: BLE001
                errors.append(f"SKU “{sku}” may hold letters, digits and - _ . / only")
        category = categories.get(row.get("category", "")[:MAX_CATEGORY + 1].casefold())
        if category is None:
            errors.append(f"no category is called “{row.get('category', '')[:40]}”")
        price = (_price(row["price"], errors) if "price" in row
                 else _int(row.get("price_cents", ""), "price_cents", errors, low=1, high=10_000_000))
        description = row.get("description")
        if description is not None and len(description) > MAX_DESCRIPTION:
            errors.append(f"description is {len(description)} characters; at most {MAX_DESCRIPTION}")
        stock = _int(row["stock"], "stock", errors, low=0, high=1_000_000) if row.get("stock", "") != "" else None
        shown = row.get("shown", "yes").casefold() not in ("no", "false", "0", "hidden")
        if errors:
            continue
        wanted = {"name": name, "slug": slug, "sku": sku or None, "category_id": category.category_id,
                  "price_cents": price, "active": shown}
        if description is not None:  # a file without the column leaves descriptions as they are
            wanted["description"] = description
        product = existing.get(row.get("product_id", ""))
        if row.get("product_id") and product is None:
            errors.append("no product has this product_id (leave it empty to create one)")
            continue
        if product is None:
            plan.action, plan.changes, plan.stock = "create", wanted, stock or 0
            continue
        plan.product_id, plan.version = product.product_id, product.version
        if product.variants:
            _variant_plan(plan, product=product, row=row, wanted=wanted, stock=stock, first=product.product_id not in seen)
            seen.setdefault(product.product_id, [product.version, int(product.stock)])
            continue
        seen[product.product_id] = [product.version, int(product.stock)]
        plan.changes = {key: (getattr(product, key), value) for key, value in wanted.items()
                        if getattr(product, key) != value}
        if stock is not None and stock != product.stock:
            plan.changes["stock"] = (int(product.stock), stock)
            plan.stock = stock
        plan.action = "update" if plan.changes else "unchanged"
    return plans, signing.dumps({"text": text, "seen": seen}, salt=_SALT, compress=True)


VARIANT_FIELDS = ("sku", "price_cents")


def _variant_plan(plan: RowPlan, *, product, row: dict, wanted: dict, stock: int | None, first: bool) -> None:
    """Plan a variant row: the variant's SKU, price and stock; the product's own fields on its first row only."""
    values = tuple(value.strip() for value in row.get("variant", "").split("/"))
    variant = next((v for v in variants_of(product) if tuple(x.casefold() for x in v.values)
                    == tuple(x.casefold() for x in values)), None)
    if variant is None:
        plan.errors.append(f"“{product.name}” has no variant “{row.get('variant', '')[:60]}” (its rows name one each)")
        plan.action = "error"
        return
    plan.variant_id = variant.variant_id
    override = next(v.price_cents for v in product.variants if v.variant_id == variant.variant_id)
    plan.variant_seen = [variant.sku, override, variant.stock]
    plan.name = f"{plan.name} ({variant.short_label})"
    product_fields = {key: value for key, value in wanted.items() if key not in VARIANT_FIELDS} if first else {}
    plan.changes = {key: (getattr(product, key), value) for key, value in product_fields.items()
                    if getattr(product, key) != value}
    price = wanted["price_cents"] if wanted["price_cents"] != product.price_cents else None
    if wanted["sku"] and wanted["sku"] != variant.sku:
        plan.changes["variant sku"] = (variant.sku, wanted["sku"])
    if price != override:
        plan.changes["variant price"] = (variant.price_cents, wanted["price_cents"])
    if stock is not None and stock != variant.stock:
        plan.changes["stock"] = (variant.stock, stock)
        plan.stock = stock
    plan.action = "update" if plan.changes else "unchanged"


def import_apply(*, token: str, actor: str) -> list[RowPlan]:
    """Apply a previewed import row by row; each row's outcome says what happened. Raises ImportRefused."""
    try:
        payload = signing.loads(token, salt=_SALT, max_age=3600)
    except signing.BadSignature:
        raise ImportRefused("This preview has expired or was altered; upload the file again.") from None
    plans, _ = import_plan(text=payload["text"])
    seen = payload["seen"]
    reason = f"CSV import by {actor}"
    for plan in plans:
        if plan.action == "error":
            plan.outcome = "skipped: " + "; ".join(plan.errors)
        elif plan.action == "unchanged":
            plan.outcome = "unchanged"
        elif plan.action == "create":
            plan.outcome = _create(plan, actor=actor)
        elif plan.variant_id:
            plan.outcome = _update_variant(plan, version=seen[plan.product_id][0], actor=actor, reason=reason)
        elif plan.product_id not in seen or seen[plan.product_id][0] != plan.version:
            plan.outcome = "stale: the product changed since the preview; nothing was changed"
        else:
            plan.outcome = _update(plan, version=seen[plan.product_id][0], stock_seen=seen[plan.product_id][1],
                                   actor=actor, reason=reason)
    return plans


def _create(plan: RowPlan, *, actor: str) -> str:
    try:
        product = services.product_create(actor=actor, stock=plan.stock or 0, **{"description": "", **plan.changes})
    except services.SlugTaken:
        return "not created: another product uses this slug"
    except services.SkuTaken:
        return "not created: another product uses this SKU"
    except selectors.CategoryNotFound:
        return "not created: the category was deleted"
    plan.product_id = product.product_id
    return "created"


def _outcome(apply) -> str:
    """Run *apply(done)* — it appends what it changed to ``done`` — and say in the row's words how it went."""
    done: list[str] = []
    try:
        apply(done)
    except services.StaleEdit:
        return "stale: the product changed since the preview" + (f" (after updating {done[0]})" if done else "")
    except services.SlugTaken:
        return "not updated: another product uses this slug"
    except services.SkuTaken:
        return "not updated: another product or variant uses this SKU"
    except selectors.ProductNotFound:
        return "not updated: the product was deleted"
    except selectors.CategoryNotFound:
        return "not updated: its category was deleted"
    return "updated: " + "; ".join(done)


def _update(plan: RowPlan, *, version: int, stock_seen: int, actor: str, reason: str) -> str:
    fields = {key: after for key, (_, after) in plan.changes.items() if key != "stock"}

    def apply(done: list[str]) -> None:
        if fields:
            services.product_update(product_id=plan.product_id, expected_version=version, actor=actor, **fields)
            done.append(", ".join(sorted(_COLUMN.get(key, key) for key in fields)))
        if plan.stock is not None:
            services.product_stock_adjust(product_id=plan.product_id, delta=plan.stock - stock_seen, reason=reason,
                                          actor=actor, expected_stock=stock_seen)
            done.append(f"stock {stock_seen} → {plan.stock}")

    return _outcome(apply)


def _update_variant(plan: RowPlan, *, version: int, actor: str, reason: str) -> str:
    """Apply a variant row: the product's own fields (its first row) with the version the preview read, then the
    variant's SKU and price if they are still as previewed, then its stock conditioned on the previewed count."""
    fields = {key: after for key, (_, after) in plan.changes.items() if key not in ("stock", "variant sku", "variant price")}

    def apply(done: list[str]) -> None:
        if fields:
            services.product_update(product_id=plan.product_id, expected_version=version, actor=actor, **fields)
            done.append(", ".join(sorted(_COLUMN.get(key, key) for key in fields)))
        edits = {}
        if "variant sku" in plan.changes:
            edits["sku"] = plan.changes["variant sku"][1]
        if "variant price" in plan.changes:
            product = selectors.product_find(product_id=plan.product_id)
            wanted = plan.changes["variant price"][1]
            edits["price_cents"] = wanted if product is None or wanted != product.price_cents else None
        if edits:
            product = selectors.product_find(product_id=plan.product_id)
            if product is None:
                raise selectors.ProductNotFound(plan.product_id)
            current = next((v for v in product.variants or [] if v.variant_id == plan.variant_id), None)
            if current is None or [current.sku, current.price_cents] != plan.variant_seen[:2]:
                raise services.StaleEdit(product)
            services.product_variants_update(product_id=plan.product_id, expected_version=product.version, actor=actor,
                                             changes={plan.variant_id: edits})
            done.append(", ".join(sorted("SKU" if key == "sku" else "price" for key in edits)))
        if plan.stock is not None:
            services.variant_stock_set(product_id=plan.product_id, variant_id=plan.variant_id, stock=plan.stock,
                                       expected_stock=plan.variant_seen[2], reason=reason, actor=actor,
                                       sku=plan.variant_seen[0])
            done.append(f"stock {plan.variant_seen[2]} → {plan.stock}")

    return _outcome(apply)
