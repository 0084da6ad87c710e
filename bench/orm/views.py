"""The listing page served from the ORM: the same template, context and middleware as the shop's own."""
from django.shortcuts import render

from bench.orm.models import Product
from catalog.cards import grid_render
from shopsite.pagination import Page

PAGE_SIZE = 24


def listing(request, alias):
    """Newest active products, one page (one SELECT), rendered by the same grid code as the shop's listing."""
    items = list(Product.objects.using(alias).filter(active=True).order_by("-created_at")[:PAGE_SIZE + 1])
    page = Page(items=items[:PAGE_SIZE], next_cursor="next" if len(items) > PAGE_SIZE else None)
    return render(request, "catalog/product_list.html", {
        "page": page, "grid": grid_render(page.items), "sort": "newest", "sorts": {"newest": "Newest", "name": "Name", "price": "Price: low to high"},
        "extra_query": "sort=newest",
    })
