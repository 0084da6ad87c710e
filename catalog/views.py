"""Shopper catalog pages: home, listings, categories, product detail, search."""
import json

from django.conf import settings
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from catalog import selectors
from catalog.attributes import specifications
from catalog.cache import catalog_cached
from catalog.cards import grid_cache_key, grid_render
from catalog.templatetags.catalog_images import srcset, thumb
from catalog.variants import gallery_of, option_names, variant_by_sku, variant_default, variants_of
from shopsite.edge import edge_cacheable
from shopsite.templatetags.shop import money
from shopsite.pagination import page_or_first

SORT_LABELS = {"newest": _("Newest"), "name": _("Name"), "price": _("Price: low to high")}


def _grid_page(request, load, **kwargs):
    """The page named by ``?cursor=`` and its rendered product grid, cached together: a hit renders no card.

    A bad cursor raises inside the loader, so nothing is cached for it and
    page_or_first falls back to page one with its message every time.
    """
    def cached(*, cursor=None):
        return catalog_cached("grid", load.__name__, grid_cache_key(), cursor, sorted(kwargs.items()),
                              loader=lambda: _with_grid(load(cursor=cursor, **kwargs)))

    return page_or_first(request, cached)


def _with_grid(page):
    return page, grid_render(page.items)


@require_GET
@edge_cacheable
def home(request):
    grid = catalog_cached("grid", "home", grid_cache_key(), loader=lambda: grid_render(selectors.product_newest(limit=8)))
    return render(request, "catalog/home.html", {"categories": selectors.category_list(), "grid": grid})


@require_GET
@edge_cacheable
def product_list(request):
    sort = request.GET.get("sort", "newest")
    if sort not in SORT_LABELS:
        sort = "newest"
    page, grid = _grid_page(request, selectors.product_list, sort=sort)
    return render(
        request, "catalog/product_list.html",
        {"page": page, "grid": grid, "sort": sort, "sorts": SORT_LABELS, "extra_query": f"sort={sort}"},
    )


CATEGORY_SORT_LABELS = {"name": _("Name"), "price": _("Price: low to high"), "price_desc": _("Price: high to low"),
                        "newest": _("Newest")}


def price_band_label(key: str) -> str:
    """A price band's label with its amounts as the active language writes money ("Under $25", "Moins de 25,00 $US")."""
    _, pattern, low, high = next(band for band in selectors.PRICE_BANDS if band[0] == key)
    return str(pattern) % {"low": money(low), "high": money(high + 1) if high is not None else ""}


def _price_bands() -> list[tuple]:
    return [(key, price_band_label(key), low, high) for key, _, low, high in selectors.PRICE_BANDS]


def _choice(request, name: str, allowed, default: str = "") -> str:
    value = request.GET.get(name, default)
    return value if value in allowed else default


@require_GET
@edge_cacheable
def category_detail(request, slug):
    category = selectors.category_by_slug(slug=slug)
    if category is None:
        raise Http404("No such category.")
    sort = _choice(request, "sort", CATEGORY_SORT_LABELS, "name")
    price = _choice(request, "price", [band[0] for band in selectors.PRICE_BANDS])
    facets = selectors.category_facets(category=category)
    code, _, value = request.GET.get("f", "").partition(":")
    facet = next((found for found in facets if found.code == code and value in found.values), None)
    if facet is not None:  # one facet value: its own partition, by name (sort and price bands do not apply)
        page, grid = _grid_page(request, selectors.product_list_for_facet, category_id=category.category_id,
                                code=code, value=value)
        sort, price = "name", ""
    else:
        value = ""
        page, grid = _grid_page(request, selectors.product_list_for_category, category_id=category.category_id,
                                sort=sort, price=price)
    here = reverse("catalog:category", kwargs={"slug": category.slug})
    return render(request, "catalog/category.html", {
        "category": category, "page": page, "grid": grid, "sort": sort, "sorts": CATEGORY_SORT_LABELS,
        "price": price, "price_bands": _price_bands(),
        "facets": [(found, [(choice, f"{here}?{urlencode({'f': f'{found.code}:{choice}'})}",
                             facet is found and choice == value) for choice in found.values]) for found in facets],
        "facet": facet, "facet_value": value,
        "extra_query": urlencode({"f": f"{code}:{value}"} if facet is not None else
                                 {key: v for key, v in (("sort", sort), ("price", price)) if v}),
    })


OPTION_PARAMS = ("o0", "o1", "o2")  # the picker's fields without JavaScript, one per option


@require_GET
@edge_cacheable
def product_detail(request, slug):
    """A product, and the variant ``?sku=`` names (else the first on sale). Without JavaScript the option picker
    is a GET form whose choice is redirected to its variant's ``?sku=`` URL; with it, price, stock and image
    change in place from the variants embedded in the page."""
    product = selectors.product_by_slug(slug=slug)
    if product is None:
        raise Http404("No such product.")
    variants = [variant for variant in variants_of(product) if variant.enabled] or variants_of(product)
    names = option_names(product)
    picked = tuple(request.GET.get(param, "") for param in OPTION_PARAMS[:len(names)])
    if names and any(picked) and "sku" not in request.GET:
        found = next((variant for variant in variants if variant.values == picked), None)
        url = reverse("catalog:product_detail", kwargs={"slug": product.slug})
        if found is not None and found.sku:
            return redirect(f"{url}?{urlencode({'sku': found.sku})}")
        return redirect(url)
    chosen = variant_by_sku(product, request.GET.get("sku", "")) if request.GET.get("sku") else None
    if chosen is None or not chosen.enabled:
        chosen = variant_default(product)
    if product.category_slug:  # copied onto the product: the page is one read
        category = {"name": product.category_name, "slug": product.category_slug}
    else:  # a product saved before the copy existed (check_integrity --fix adds it)
        found = selectors.category_by_id(category_id=product.category_id)
        category = {"name": found.name, "slug": found.slug} if found else None
    return render(request, "catalog/product_detail.html", {
        "product": product, "category": category, "chosen": chosen, "variants": variants, "gallery": gallery_of(product),
        "specifications": specifications(product, selectors.product_types_by_id().get(product.type_id))
        if product.type_id else [],
        "options": [(f"o{number}", option.name, list(option.values), chosen.values[number] if chosen.values else "")
                    for number, option in enumerate(product.options or []) if names],
        "variant_data": _variant_data(variants) if names else None,
        **_product_sharing(request, product, category, variants)})


def _variant_data(variants) -> list[dict]:
    """What the page's script needs to switch variants in place: each variant's values, SKU, id, and its price,
    stock line and image already formatted as the page would show them."""
    return [{"values": list(variant.values), "sku": variant.sku, "id": variant.variant_id,
             "price": money(variant.price_cents), "available": variant.available, "state": variant.stock_state,
             "stock_text": _stock_text(variant), "max": min(variant.stock, 999),
             "image": thumb(variant.image, 800), "srcset": srcset(variant.image)}
            for variant in variants]


def _stock_text(variant) -> str:
    if variant.stock_state == "sold_out":
        return gettext("Sold out")
    if variant.stock_state == "low":
        return gettext("Only %(stock)s left") % {"stock": variant.stock}
    return gettext("In stock")


_JSON_IN_HTML = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}  # as django.utils.html.json_script


def _product_sharing(request, product, category, variants) -> dict:
    """What search engines and link previews read: the page's absolute URL and image, and schema.org JSON-LD (the
    Product with an Offer per variant, and the BreadcrumbList), escaped for a <script> element. Variant URLs
    (``?sku=``) canonicalise to the product's."""
    url = request.build_absolute_uri(reverse("catalog:product_detail", kwargs={"slug": product.slug}))
    images = [request.build_absolute_uri(thumb(picture.path, 800))
              for picture in gallery_of(product)]
    image = images[0] if images else ""
    offers = []
    for variant in variants:
        availability = {"sold_out": "OutOfStock", "low": "LimitedAvailability"}.get(variant.stock_state, "InStock")
        offer = {"@type": "Offer", "url": f"{url}?{urlencode({'sku': variant.sku})}" if variant.values and variant.sku else url,
                 "price": f"{int(variant.price_cents) / 100:.2f}", "priceCurrency": settings.SHOP_CURRENCY,
                 "availability": f"https://schema.org/{availability}"}
        if variant.sku:
            offer["sku"] = variant.sku
        if variant.values:
            offer["name"] = f"{product.name} ({variant.short_label})"
        offers.append(offer)
    item = {"@context": "https://schema.org", "@type": "Product", "name": product.name, "url": url,
            "description": product.description or product.name, "sku": product.sku or product.product_id,
            "offers": offers, **({"image": images} if images else {})}
    trail = [(gettext("Shop"), request.build_absolute_uri(reverse("catalog:home")))]
    if category:
        trail.append((category["name"], request.build_absolute_uri(
            reverse("catalog:category", kwargs={"slug": category["slug"]}))))
    trail.append((product.name, url))
    breadcrumbs = {"@context": "https://schema.org", "@type": "BreadcrumbList", "itemListElement": [
        {"@type": "ListItem", "position": position, "name": name, "item": link}
        for position, (name, link) in enumerate(trail, start=1)]}
    return {"page_url": url, "share_image": image,
            "structured_data": mark_safe(json.dumps([item, breadcrumbs], ensure_ascii=False).translate(_JSON_IN_HTML))}


SEARCH_SORT_LABELS = {"relevance": _("Relevance"), "price": _("Price: low to high"),
                      "price_desc": _("Price: high to low"), "name": _("Name")}
_SEARCH_ORDER = {"price": lambda card: (int(card.price_cents), card.name.casefold()),
                 "name": lambda card: card.name.casefold()}


@require_GET
@edge_cacheable
def search(request):
    """Results for ``?q=``, narrowed by ``category`` (a slug) and ``price`` (a band), sorted as asked: the page
    needs no JavaScript; the header's box gets suggestions from search_suggest as the shopper types."""
    query = request.GET.get("q", "")
    category = selectors.category_by_slug(slug=request.GET.get("category", "")) if request.GET.get("category") else None
    price = _choice(request, "price", [band[0] for band in selectors.PRICE_BANDS])
    sort = _choice(request, "sort", SEARCH_SORT_LABELS, "relevance")
    filters = selectors.SearchFilters(category_id=category.category_id if category else "", price=price)
    result = page_or_first(request, selectors.product_search, query=query, filters=filters)
    items = result.items
    if sort in _SEARCH_ORDER:  # within the page: the reads that make a page are bounded, so is the order
        items = sorted(items, key=_SEARCH_ORDER[sort])
    elif sort == "price_desc":
        items = sorted(items, key=lambda card: (-int(card.price_cents), card.name.casefold()))
    chosen = {"q": (result.corrected or query)[:100], "category": category.slug if category else "", "price": price,
              "sort": sort if sort != "relevance" else ""}
    return render(request, "catalog/search.html", {
        "query": query[:100], "result": result, "page": result, "grid": grid_render(items) if items else "",
        "category": category, "price": price, "sort": sort, "sorts": SEARCH_SORT_LABELS,
        "categories": selectors.category_list() if not items else [],
        "category_facets": [(found, count, _changed(chosen, category=found.slug), category == found)
                            for found, count in result.categories],
        "price_facets": [(price_band_label(key), count, _changed(chosen, price=key), key == price)
                         for key, _, count in result.prices],
        "clear_category": _changed(chosen, category=""), "clear_price": _changed(chosen, price=""),
        "clear_all": _changed(chosen, category="", price=""),
        "sort_keep": [(key, value) for key, value in chosen.items() if value and key != "sort"],
        "extra_query": urlencode({k: v for k, v in chosen.items() if v}),
    })


def _changed(chosen: dict, **change) -> str:
    """The search's query string with *change* made (an empty value drops the parameter)."""
    return urlencode({key: value for key, value in {**chosen, **change}.items() if value})


@require_GET
def search_suggest(request):
    """Product names for the search box's ``<datalist>`` as the shopper types (JSON; cached like the pages)."""
    names = selectors.search_suggest(query=request.GET.get("q", "")[:100])
    response = JsonResponse({"suggestions": names})
    response["Cache-Control"] = "public, max-age=60"
    return response
