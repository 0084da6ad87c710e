"""Baseline for the CPU benchmark: the listing template over in-memory data."""
from django.shortcuts import render
from django.urls import include, path

from catalog.cards import ProductCard, grid_render
from shopsite.pagination import Page

ITEMS = [
    ProductCard(product_id=str(i), name=f"Classic Knife ({i})", slug=f"classic-knife-{i}", price_cents=1999 + i, stock=10,
                image=f"demo/kitchen-{i % 5}.png")
    for i in range(24)
]


def listing_from_memory(request):
    """The product listing template, rendered from in-memory data (no DynamoDB, no cache)."""
    page = Page(items=ITEMS, next_cursor="x")
    return render(request, "catalog/product_list.html", {
        "page": page, "grid": grid_render(page.items), "sort": "newest", "sorts": {"newest": "Newest", "name": "Name", "price": "Price"},
        "extra_query": "sort=newest",
    })


urlpatterns = [path("bench/listing-from-memory/", listing_from_memory), path("", include("shopsite.urls"))]
