"""Staff pages for the catalog: categories, products (search, filters, bulk changes, import), stock."""
import csv
from urllib.parse import urlencode

from django.contrib import messages
from django.core.files.storage import default_storage
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from catalog import imports, selectors, services
from catalog.stock import STOCK_BUCKETS
from catalog.variants import MAX_IMAGES, MAX_OPTIONS, gallery_of, variants_of
from console.forms import (
    CategoryForm,
    AttributeRowFormSet,
    GalleryAddForm,
    GalleryChangeForm,
    ImportForm,
    MoveCategoryForm,
    OptionsForm,
    ProductFilterForm,
    ProductForm,
    ProductTypeForm,
    SetStockForm,
    SpecificationsForm,
    StockForm,
    VariantMatrixForm,
    VariantRowFormSet,
)
from console.bulk import STALE, BulkAction, BulkRefused, bulk_view, version_seen
from console.exports import csv_download, pages_all
from shopsite.audit import AUDIT_LIMIT, audit_list
from shopsite.counters import LIST_TOTAL_MAX_AGE
from shopsite.decorators import staff_required
from shopsite.form_pages import delete_confirmed, form_with_stale_error, render_form
from shopsite.pagination import page_or_first
from shopsite.transactions import StaleEdit

# Staff: categories

@staff_required
@require_GET
def category_list(request):
    return render(request, "staff/catalog/category_list.html", {"categories": selectors.category_list()})


@staff_required
@require_http_methods(["GET", "POST"])
def category_create(request):
    form = CategoryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            category = services.category_create(**data)
        except services.SlugTaken:
            form.add_error("slug", "Another category already uses this slug.")
        else:
            messages.success(request, f"Category “{category.name}” created.")
            return redirect("console:category_list")
    return render_form(request, "staff/catalog/category_form.html", {"form": form})


def _category_or_404(category_id):
    category = selectors.category_find(category_id=category_id)
    if category is None:
        raise Http404("No such category.")
    return category


@staff_required
@require_http_methods(["GET", "POST"])
def category_edit(request, category_id):
    category = _category_or_404(category_id)
    initial = {f: getattr(category, f) for f in services.CATEGORY_FIELDS} | {"version": category.version}
    form = CategoryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            services.category_update(category_id=category_id, expected_version=form.cleaned_data["version"], **data)
        except services.SlugTaken:
            form.add_error("slug", "Another category already uses this slug.")
        except services.StaleEdit as error:
            form = form_with_stale_error(form, current_version=getattr(error.current, "version", None), what="this category")
        except selectors.CategoryNotFound:
            raise Http404("No such category.") from None
        else:
            messages.success(request, "Category saved.")
            return redirect("console:category_list")
    return render_form(request, "staff/catalog/category_form.html", {"form": form, "category": category})


@staff_required
@require_http_methods(["GET", "POST"])
def category_delete(request, category_id):
    category = _category_or_404(category_id)
    return delete_confirmed(
        request, template="staff/catalog/category_delete.html", context={"category": category},
        delete=lambda: services.category_delete(category_id=category_id), gone=(selectors.CategoryNotFound,),
        refusals={services.CategoryNotEmpty: f"“{category.name}” still has products. Move or delete them first."},
        done="console:category_list", done_message=f"Category “{category.name}” deleted.",
    )


# Staff: products

def _product_or_404(product_id):
    product = selectors.product_find(product_id=product_id)
    if product is None:
        raise Http404("No such product.")
    return product


@staff_required
@require_GET
def product_list(request):
    """Every product, sorted and filtered, or found by name / slug / SKU prefix; with thumbnails and a total."""
    categories = selectors.category_list()
    form = ProductFilterForm(request.GET, categories=categories)
    filters = form.selector_filters()
    query = form.cleaned_data.get("q", "") if form.is_valid() else ""
    if query:
        page = page_or_first(request, selectors.product_search_staff, query=query)
    else:
        page = page_or_first(request, selectors.product_list_staff, **filters)
        if filters == {"sort": "newest", "category_id": "", "shown": "", "low_stock": False}:
            page.count = selectors.product_count(max_age=LIST_TOTAL_MAX_AGE)
    extra = urlencode({key: value for key, value in form.data.items() if key != "cursor" and value})
    return render(request, "staff/catalog/product_list.html", {
        "page": page, "categories": {c.category_id: c for c in categories}, "form": form, "query": query,
        "extra_query": extra, "bulk_actions": PRODUCT_BULK})


def _product_bulk_run(change):
    """A bulk action on one product: *change(product_id, version, data, actor)* -> what happened."""
    def run(*, item_id: str, seen: str, data: dict, actor: str, request=None) -> str:
        try:
            return change(item_id, version_seen(seen), data, actor)
        except services.StaleEdit:
            raise BulkRefused(STALE) from None
        except selectors.ProductNotFound:
            raise BulkRefused("deleted in the meantime") from None
        except selectors.CategoryNotFound:
            raise BulkRefused("its new category was deleted in the meantime") from None
    return run


def _set_stock(product_id, version, data, actor):
    product = selectors.product_find(product_id=product_id)
    if product is None:
        raise selectors.ProductNotFound(product_id)
    if product.variants:
        raise BulkRefused("its stock is kept per variant: set it in the product's variant matrix")
    if product.stock == data["stock"]:
        return f"stock was already {product.stock}"
    services.product_stock_adjust(product_id=product_id, delta=data["stock"] - product.stock, reason=data["reason"],
                                  actor=actor, expected_stock=product.stock)
    return f"stock {product.stock} → {data['stock']}"


def _show(product_id, version, data, actor):
    services.product_set_active(product_id=product_id, active=True, actor=actor, expected_version=version)
    return "shown in the shop"


def _hide(product_id, version, data, actor):
    services.product_set_active(product_id=product_id, active=False, actor=actor, expected_version=version)
    return "hidden from the shop"


def _move(product_id, version, data, actor):
    services.product_update(product_id=product_id, expected_version=version, actor=actor, category_id=data["category_id"])
    return "moved"


PRODUCT_BULK = {
    "show": BulkAction("Show in the shop", _product_bulk_run(_show)),
    "hide": BulkAction("Hide from the shop", _product_bulk_run(_hide)),
    "stock": BulkAction("Set stock", _product_bulk_run(_set_stock), form=SetStockForm),
    "move": BulkAction("Move to a category", _product_bulk_run(_move), form=MoveCategoryForm),
}


@staff_required
@require_POST
def product_bulk(request):
    return bulk_view(request, actions=PRODUCT_BULK, back="console:product_list", what="products",
                     actor=request.staff.email, labels=lambda ids: {
                         pid: product.name for pid, product in selectors.product_get_many(product_ids=ids).items()})


@staff_required
@require_http_methods(["GET", "POST"])
def product_import(request):
    """Upload a CSV, see what each row would do (nothing changes), then apply it and see what each row did."""
    form = ImportForm(request.POST or None, request.FILES or None)
    context = {"form": form, "max_rows": imports.MAX_ROWS}
    if request.method == "POST" and request.POST.get("token"):
        try:
            context["applied"] = imports.import_apply(token=request.POST["token"], actor=request.staff.email)
        except imports.ImportRefused as refused:
            messages.error(request, str(refused))
        return render(request, "staff/catalog/product_import.html", context)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > imports.MAX_BYTES:
                raise imports.ImportRefused("The file is over 2 MB; split it.")
            text = upload.read().decode("utf-8")
            context["plans"], context["token"] = imports.import_plan(text=text)
        except UnicodeDecodeError:
            form.add_error("file", "The file is not UTF-8 text. Save it from your spreadsheet as “CSV UTF-8”.")
        except (imports.ImportRefused, csv.Error) as refused:
            form.add_error("file", str(refused))
    return render_form(request, "staff/catalog/product_import.html", context)


def _product_data(request, form) -> dict:
    data = {k: v for k, v in form.cleaned_data.items() if k not in ("version", "image", "price")}
    data["price_cents"] = form.cleaned_data["price"]
    upload = form.cleaned_data.get("image")
    if upload:
        data["image"] = services.image_save(upload=upload, kind=upload.image_kind)
    return data


def _discard_upload(data: dict) -> None:
    # The write failed and a re-rendered form cannot keep the file: do not leave it orphaned.
    if data.get("image"):
        services.image_delete_unused(data["image"])


@staff_required
@require_http_methods(["GET", "POST"])
def product_create(request):
    categories = selectors.category_list()
    form = ProductForm(request.POST or None, request.FILES or None, categories=categories, initial={"active": True})
    if request.method == "POST" and form.is_valid():
        data = _product_data(request, form)
        try:
            product = services.product_create(actor=request.staff.email, **data)
        except services.SlugTaken:
            form.add_error("slug", "Another product already uses this slug.")
        except services.SkuTaken:
            form.add_error("sku", "Another product already uses this SKU.")
        except selectors.CategoryNotFound:
            form.add_error("category_id", "That category no longer exists.")
        else:
            messages.success(request, f"Product “{product.name}” created.")
            return redirect("console:product_detail", product_id=product.product_id)
        _discard_upload(data)
    return render_form(request, "staff/catalog/product_form.html", {"form": form})


@staff_required
@require_GET
def product_detail(request, product_id):
    product = _product_or_404(product_id)
    return _product_page(request, product, StockForm())


def _options_initial(product) -> dict:
    initial = {"version": product.version}
    for number, option in enumerate(product.options or [], start=1):
        initial |= {f"name{number}": option.name, f"values{number}": ", ".join(option.values)}
    return initial


def _matrix_initial(product) -> list[dict]:
    own = {variant.variant_id: variant.image for variant in product.variants or []}
    return [{"variant_id": variant.variant_id, "sku": variant.sku, "stock": variant.stock, "stock_was": variant.stock,
             "enabled": variant.enabled, "weight": variant.weight_grams, "image": own.get(variant.variant_id) or "",
             "price": f"{variant.price_cents / 100:.2f}" if variant.price_cents != product.price_cents else None}
            for variant in variants_of(product)]


def _gallery(product) -> list[tuple[str, str]]:
    """The product's pictures as (path, alt) pairs, in order: what product_gallery_set takes back."""
    return [(image.path, image.alt) for image in gallery_of(product)]


def _pictures(product) -> list[tuple[str, str]]:
    """What a variant's picture may be: the gallery's, and any a variant has that the gallery no longer holds."""
    pictures = _gallery(product)
    known = {path for path, _ in pictures}
    for variant in product.variants or []:
        if variant.image and variant.image not in known:
            pictures.append((variant.image, f"{' / '.join(variant.values)}'s own"))
            known.add(variant.image)
    return pictures


def _spec_form(product, data=None) -> SpecificationsForm:
    types = selectors.product_type_list()
    chosen = next((t for t in types if t.type_id == product.type_id), None)
    values = product.attributes.as_dict() if product.attributes else {}
    return SpecificationsForm(data, types=types, product_type=chosen, initial={
        "version": product.version, "type_id": product.type_id or "", **{f"attr_{k}": v for k, v in values.items()}})


def _product_page(request, product, stock_form, *, status=200, options_form=None, matrix=None, matrix_form=None,
                  gallery_form=None, spec_form=None):
    category = selectors.category_by_id(category_id=product.category_id)
    variants = variants_of(product) if product.variants else []
    matrix = matrix or VariantRowFormSet(initial=_matrix_initial(product), prefix="v",
                                         form_kwargs={"pictures": _pictures(product)}) if variants else None
    return render(request, "staff/catalog/product_detail.html", {
        "product": product, "category": category, "stock_form": stock_form,
        "options_form": options_form or OptionsForm(initial=_options_initial(product)), "max_options": MAX_OPTIONS,
        "matrix": matrix, "matrix_rows": list(zip(variants, matrix.forms)) if matrix else [],
        "matrix_form": matrix_form or VariantMatrixForm(initial={"version": product.version}),
        "gallery": gallery_of(product), "max_images": MAX_IMAGES,
        "spec_form": spec_form or _spec_form(product),
        "gallery_form": gallery_form or GalleryAddForm(initial={"version": product.version}),
        "audit": audit_list(subject=f"product#{product.product_id}", limit=AUDIT_LIMIT,
                            names={c.category_id: c.name for c in selectors.category_list()}),
        "audit_limit": AUDIT_LIMIT,
    }, status=status)


@staff_required
@require_http_methods(["GET", "POST"])
def product_edit(request, product_id):
    product = _product_or_404(product_id)
    categories = selectors.category_list()
    initial = {f: getattr(product, f) for f in ("name", "slug", "sku", "description", "category_id", "active")}
    initial |= {"price": f"{product.price_cents / 100:.2f}", "version": product.version}
    form = ProductForm(request.POST or None, request.FILES or None, categories=categories, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = _product_data(request, form)
        try:
            services.product_update(product_id=product_id, expected_version=form.cleaned_data["version"],
                                    actor=request.staff.email, **data)
        except services.SlugTaken:
            form.add_error("slug", "Another product already uses this slug.")
        except services.SkuTaken:
            form.add_error("sku", "Another product already uses this SKU.")
        except services.StaleEdit as error:
            form = form_with_stale_error(
                form, current_version=getattr(error.current, "version", None), what="this product",
                categories=categories, editing=True,
            )
        except selectors.ProductNotFound:
            raise Http404("No such product.") from None
        except selectors.CategoryNotFound:
            form.add_error("category_id", "That category no longer exists.")
        else:
            messages.success(request, "Product saved.")
            return redirect("console:product_detail", product_id=product_id)
        _discard_upload(data)
    return render_form(request, "staff/catalog/product_form.html", {"form": form, "product": product})


@staff_required
@require_POST
def product_spread(request, product_id):
    """Spread the product's stock for a rush, or gather it back (catalog.stock explains when to)."""
    product = _product_or_404(product_id)
    spread = request.POST.get("spread") == "on"
    try:
        services.product_stock_spread(product_id=product_id, buckets=STOCK_BUCKETS if spread else 0,
                                      actor=request.staff.email)
    except services.VariantsRefused as refused:
        messages.error(request, str(refused))
    except StaleEdit:
        messages.error(request, "Stock changed while moving it (a sale, most likely). Nothing changed: try again.")
    else:
        messages.success(request, f"Stock is now spread over {STOCK_BUCKETS} items: ready for a rush." if spread
                         else "Stock is kept on the product again.")
    return redirect("console:product_detail", product_id=product.product_id)


@staff_required
@require_POST
def product_stock(request, product_id):
    product = _product_or_404(product_id)
    form = StockForm(request.POST)
    if form.is_valid():
        try:
            stock = services.product_stock_adjust(product_id=product_id, delta=form.cleaned_data["delta"],
                                                 reason=form.cleaned_data["reason"], actor=request.staff.email)
        except services.StockTooLow:
            messages.error(request, f"Stock cannot go below zero (there are {product.stock} now).")
        except services.VariantsRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, f"Stock is now {stock}.")
        return redirect("console:product_detail", product_id=product_id)
    return _product_page(request, product, form, status=400)


@staff_required
@require_POST
def product_specifications(request, product_id):
    """The product's type and its attribute values (a changed type shows its own attributes to fill in next)."""
    product = _product_or_404(product_id)
    form = _spec_form(product, request.POST)
    if not form.is_valid():
        return _product_page(request, product, StockForm(), spec_form=form, status=400)
    type_id = form.cleaned_data["type_id"] or None
    values = form.attribute_values() if type_id == product.type_id else {}
    try:
        services.product_attributes_set(product_id=product_id, expected_version=form.cleaned_data["version"],
                                        type_id=type_id, values=values, actor=request.staff.email)
    except services.TypeRefused as refused:
        form.add_error(None, str(refused))
        return _product_page(request, product, StockForm(), spec_form=form, status=400)
    except StaleEdit:
        messages.error(request, "Someone changed this product meanwhile; nothing was saved. Here it is now.")
    else:
        messages.success(request, "Specifications saved." if type_id == product.type_id or not type_id
                         else "Product type set: fill in its attributes below.")
    return redirect("console:product_detail", product_id=product_id)


@staff_required
@require_GET
def product_type_list(request):
    return render(request, "staff/catalog/type_list.html", {"types": selectors.product_type_list()})


def _type_rows(product_type) -> list[dict]:
    return [{"name": a.name, "kind": a.kind, "values": ", ".join(a.values or []), "unit": a.unit or "", "facet": a.facet}
            for a in (product_type.attributes if product_type else [])]


@staff_required
@require_http_methods(["GET", "POST"])
def product_type_edit(request, type_id=None):
    """Create a product type, or change one: its name and attributes (empty rows are left out)."""
    product_type = selectors.product_type_find(type_id=type_id) if type_id else None
    if type_id and product_type is None:
        raise Http404("No such product type.")
    initial = {"name": product_type.name, "version": product_type.version} if product_type else {}
    form = ProductTypeForm(request.POST or None, initial=initial)
    rows = AttributeRowFormSet(request.POST or None, prefix="a", initial=_type_rows(product_type))
    if request.method == "POST" and form.is_valid() and rows.is_valid():
        attributes = [row.cleaned_data for row in rows.forms if row.cleaned_data.get("name")]
        try:
            if product_type is None:
                services.product_type_create(name=form.cleaned_data["name"], attributes=attributes,
                                             actor=request.staff.email)
            else:
                services.product_type_update(type_id=type_id, expected_version=form.cleaned_data["version"] or 0,
                                             name=form.cleaned_data["name"], attributes=attributes,
                                             actor=request.staff.email)
        except services.TypeRefused as refused:
            form.add_error(None, str(refused))
        except StaleEdit:
            form.add_error(None, "Someone changed this type while you were editing; reload it and try again.")
        else:
            messages.success(request, f"Product type “{form.cleaned_data['name']}” saved.")
            return redirect("console:product_type_list")
    invalid = request.method == "POST" and (form.errors or rows.total_error_count())
    return render(request, "staff/catalog/type_form.html", {"form": form, "rows": rows, "product_type": product_type},
                  status=400 if invalid else 200)


@staff_required
@require_POST
def product_gallery_add(request, product_id):
    """Add a picture to the end of the product's gallery."""
    product = _product_or_404(product_id)
    form = GalleryAddForm(request.POST, request.FILES)
    if not form.is_valid():
        return _product_page(request, product, StockForm(), gallery_form=form, status=400)
    images = _gallery(product)
    if len(images) >= MAX_IMAGES:
        form.add_error("image", f"A product has at most {MAX_IMAGES} pictures: remove one first.")
        return _product_page(request, product, StockForm(), gallery_form=form, status=400)
    upload = form.cleaned_data["image"]
    path = services.image_save(upload=upload, kind=upload.image_kind)
    try:
        services.product_gallery_set(product_id=product_id, expected_version=form.cleaned_data["version"],
                                     images=[*images, (path, form.cleaned_data["alt"])], actor=request.staff.email)
    except (StaleEdit, services.GalleryFull):
        services.image_delete_unused(path)
        messages.error(request, "The product changed while you were adding the picture; nothing was added. Try again.")
    else:
        messages.success(request, "Picture added.")
    return redirect("console:product_detail", product_id=product_id)


@staff_required
@require_POST
def product_gallery_change(request, product_id):
    """Change one picture of the gallery: its alt text, its place, or remove it."""
    product = _product_or_404(product_id)
    form = GalleryChangeForm(request.POST)
    images = _gallery(product)
    if not form.is_valid() or form.cleaned_data["index"] >= len(images):
        messages.error(request, "That picture is not in the gallery any more (changed in another window?).")
        return redirect("console:product_detail", product_id=product_id)
    index, action = form.cleaned_data["index"], form.cleaned_data["action"]
    if action == "alt":
        images[index] = (images[index][0], form.cleaned_data["alt"])
    elif action == "up" and index > 0:
        images[index - 1], images[index] = images[index], images[index - 1]
    elif action == "down" and index < len(images) - 1:
        images[index + 1], images[index] = images[index], images[index + 1]
    elif action == "remove":
        del images[index]
    try:
        services.product_gallery_set(product_id=product_id, expected_version=form.cleaned_data["version"],
                                     images=images, actor=request.staff.email)
    except StaleEdit:
        messages.error(request, "Someone changed this product meanwhile; nothing was changed. Here it is now.")
    else:
        messages.success(request, {"alt": "Alt text saved.", "remove": "Picture removed."}.get(action, "Picture moved."))
    return redirect("console:product_detail", product_id=product_id)


@staff_required
@require_POST
def product_options(request, product_id):
    """Set the product's options; a variant is made for every combination (kept ones keep their data)."""
    product = _product_or_404(product_id)
    form = OptionsForm(request.POST)
    if not form.is_valid():
        return _product_page(request, product, StockForm(), options_form=form, status=400)
    try:
        saved = services.product_options_set(product_id=product_id, expected_version=form.cleaned_data["version"],
                                             options=form.cleaned_data["options"], actor=request.staff.email)
    except services.VariantsRefused as refused:
        form.add_error(None, str(refused))
    except services.SkuTaken:
        form.add_error(None, "A generated SKU is already used by another product: change this product's SKU "
                             "(the variants' SKUs start with it) and try again.")
    except StaleEdit as stale:
        current = stale.current or product
        form = OptionsForm(_options_initial(current))  # bound to what is saved now, with the message
        form.is_valid()
        form.add_error(None, "Someone changed this product while you were editing; these are its options now.")
        return _product_page(request, current, StockForm(), options_form=form, status=409)
    except selectors.ProductNotFound:
        raise Http404("No such product.") from None
    else:
        count = len(saved.variants or [])
        messages.success(request, f"Options saved: {count} variants." if count else "Options removed: one variant again.")
        return redirect("console:product_detail", product_id=product_id)
    return _product_page(request, product, StockForm(), options_form=form, status=400)


@staff_required
@require_POST
def product_variants(request, product_id):
    """The variant matrix: SKUs, prices, on sale (one version-checked write) and stock per variant (each change
    conditioned on the count the page showed, so a sale in between is never overwritten)."""
    product = _product_or_404(product_id)
    matrix = VariantRowFormSet(request.POST, prefix="v", form_kwargs={"pictures": _pictures(product)})
    form = VariantMatrixForm(request.POST)
    known = {variant.variant_id for variant in variants_of(product)}
    rows = [row.cleaned_data for row in matrix.forms] if matrix.is_valid() else []
    if not (matrix.is_valid() and form.is_valid()) or any(row["variant_id"] not in known for row in rows):
        if matrix.is_valid() and form.is_valid():
            form.add_error(None, "The variants changed since the page was shown; these are the current ones.")
            matrix = None
        return _product_page(request, product, StockForm(), matrix=matrix, matrix_form=form, status=400)
    changes = {row["variant_id"]: {"sku": row["sku"], "enabled": row["enabled"], "price_cents": row["price"],
                                   "weight_grams": row["weight"], "image": row["image"] or None}
               for row in rows}
    try:
        services.product_variants_update(product_id=product_id, expected_version=form.cleaned_data["version"],
                                         changes=changes, actor=request.staff.email)
    except services.SkuTaken as taken:
        form.add_error(None, f"SKU {taken.args[0] if taken.args else ''} is already used by another product or variant.")
        return _product_page(request, product, StockForm(), matrix=matrix, matrix_form=form, status=400)
    except StaleEdit:
        messages.error(request, "Someone changed this product while you were editing. Nothing was saved: here it is now.")
        return redirect("console:product_detail", product_id=product_id)
    reason = form.cleaned_data["reason"].strip() or "variant matrix"
    target = form.cleaned_data["set_all"]
    stale = []
    for row in rows:
        wanted = target if target is not None else row["stock"]
        if wanted == row["stock_was"]:
            continue
        try:
            services.variant_stock_set(product_id=product_id, variant_id=row["variant_id"], stock=wanted,
                                       expected_stock=row["stock_was"], reason=reason, actor=request.staff.email,
                                       sku=row["sku"].upper())
        except StaleEdit:
            stale.append(row["sku"])
    if stale:
        messages.warning(request, f"Stock of {', '.join(stale)} changed meanwhile (a sale?) and was left as it is now: "
                                  "check it and set it again.")
    messages.success(request, "Variants saved.")
    return redirect("console:product_detail", product_id=product_id)


@staff_required
@require_POST
def product_toggle(request, product_id):
    product = _product_or_404(product_id)
    services.product_set_active(product_id=product_id, active=not product.active, actor=request.staff.email)
    messages.success(request, f"“{product.name}” is now {'hidden from' if product.active else 'visible in'} the shop.")
    return redirect("console:product_detail", product_id=product_id)


@staff_required
@require_http_methods(["GET", "POST"])
def product_delete(request, product_id):
    product = _product_or_404(product_id)
    return delete_confirmed(
        request, template="staff/catalog/product_delete.html", context={"product": product},
        delete=lambda: services.product_delete(product_id=product_id, actor=request.staff.email), gone=(selectors.ProductNotFound,),
        refusals={services.StaleEdit: f"“{product.name}” changed while you were deleting it. Check it and try again."},
        done="console:product_list", done_message=f"Product “{product.name}” deleted.",
    )


def _image_url(request, image: str | None) -> str:
    """The product image's address, absolute (a spreadsheet has no page to be relative to)."""
    if not image:
        return ""
    return request.build_absolute_uri(default_storage.url(image))


@staff_required
@require_GET
def product_export(request):
    """The products (filtered as on the list) as CSV, with category names; the file imports back unchanged."""
    category_list = selectors.category_list()
    categories = {category.category_id: category.name for category in category_list}
    form = ProductFilterForm(request.GET, categories=category_list)
    query = form.cleaned_data.get("q", "") if form.is_valid() else ""
    found = (pages_all(selectors.product_search_staff, query=query) if query
             else pages_all(selectors.product_list_staff, **form.selector_filters()))
    header = ["product_id", "name", "slug", "sku", "category", "price", "stock", "shown", "description", "image",
              "created_at", "variant"]
    # One row per variant (a product without options is its one): the variant's SKU, price, stock and image, and
    # its option values ("M / Blue") in the last column; the import reads them back.
    rows = ([p.product_id, p.name, p.slug, v.sku or "", categories.get(p.category_id, ""), imports.price_text(v.price_cents),
             v.stock, "yes" if p.active else "no", p.description or "", _image_url(request, v.image),
             p.created_at.isoformat(), v.short_label] for p in found for v in variants_of(p))
    return csv_download(request, filename="products.csv", header=header, rows=rows,
                        back=reverse("console:product_list"))
