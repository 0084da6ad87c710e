"""Shopper catalog pages: home, listings, categories, product detail, search."""
from django.http import Http404
from django.shortcuts import render
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from catalog import selectors
from catalog.cache import catalog_cached
from catalog.cards import grid_cache_key, grid_render
from shopsite.edge import edge_cacheable
from shopsite.pagination import page_or_first

SORT_LABELS = {"newest": "Newest", "name": "Name", "price": "Price: low to high"}


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


@require_GET
@edge_cacheable
def category_detail(request, slug):
    category = selectors.category_by_slug(slug=slug)
    if category is None:
        raise Http404("No such category.")
    page, grid = _grid_page(request, selectors.product_list_for_category, category_id=category.category_id)
    return render(request, "catalog/category.html", {"category": category, "page": page, "grid": grid})


@require_GET
@edge_cacheable
def product_detail(request, slug):
    product = selectors.product_by_slug(slug=slug)
    if product is None:
        raise Http404("No such product.")
    if product.category_slug:  # copied onto the product: the page is one read
        category = {"name": product.category_name, "slug": product.category_slug}
    else:  # a product saved before the copy existed (check_integrity --fix adds it)
        category = selectors.category_by_id(category_id=product.category_id)
    return render(request, "catalog/product_detail.html", {"product": product, "category": category})


@require_GET
@edge_cacheable
def search(request):
    query = request.GET.get("q", "")
    result = page_or_first(request, selectors.product_search, query=query)
    return render(request, "catalog/search.html", {"query": query[:100], "result": result, "page": result,
                                                   "grid": grid_render(result.items) if result.items else "",
                                                   "extra_query": urlencode({"q": query[:100]})})
