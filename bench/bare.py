"""Baseline for the CPU benchmark: the listing template over in-memory data."""
from types import SimpleNamespace

from django.shortcuts import render
from django.urls import include, path

from shopsite.pagination import Page

ITEMS = [
    SimpleNamespace(name=f"Classic Knife ({i})", slug=f"classic-knife-{i}", price_cents=1999 + i, stock=10,
                    stock_state="in_stock", image=f"demo/kitchen-{i % 5}.png")
    for i in range(24)
]


def listing_from_memory(request):
    """The product listing template, rendered from in-memory data (no DynamoDB, no cache)."""
    page = Page(items=ITEMS, next_cursor="x")
    return render(request, "catalog/product_list.html", {
        "page": page, "sort": "newest", "sorts": {"newest": "Newest", "name": "Name", "price": "Price"},
        "extra_query": "sort=newest",
    })


urlpatterns = [path("bench/listing-from-memory/", listing_from_memory), path("", include("shopsite.urls"))]
