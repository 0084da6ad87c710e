"""Shopper catalog pages: home, listings, categories, product detail, search."""
from django.http import Http404
from django.shortcuts import render
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from catalog import selectors
from shopsite.pagination import page_or_first

SORT_LABELS = {"newest": "Newest", "name": "Name", "price": "Price: low to high"}


@require_GET
def home(request):
    return render(
        request, "catalog/home.html",
        {"categories": selectors.category_list(), "products": selectors.product_newest(limit=8)},
    )


@require_GET
def product_list(request):
    sort = request.GET.get("sort", "newest")
    if sort not in SORT_LABELS:
        sort = "newest"
    page = page_or_first(request, selectors.product_list, sort=sort)
    return render(
        request, "catalog/product_list.html",
        {"page": page, "sort": sort, "sorts": SORT_LABELS, "extra_query": f"sort={sort}"},
    )


@require_GET
def category_detail(request, slug):
    category = selectors.category_by_slug(slug=slug)
    if category is None:
        raise Http404("No such category.")
    page = page_or_first(request, selectors.product_list_for_category, category_id=category.category_id)
    return render(request, "catalog/category.html", {"category": category, "page": page})


@require_GET
def product_detail(request, slug):
    product = selectors.product_by_slug(slug=slug)
    if product is None:
        raise Http404("No such product.")
    category = selectors.category_by_id(category_id=product.category_id)
    return render(request, "catalog/product_detail.html", {"product": product, "category": category})


@require_GET
def search(request):
    query = request.GET.get("q", "")
    result = page_or_first(request, selectors.product_search, query=query)
    return render(request, "catalog/search.html", {"query": query[:100], "result": result, "page": result,
                                                   "extra_query": urlencode({"q": query[:100]})})
