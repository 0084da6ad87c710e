"""``make bench-search``: what a search page reads at 200 and at 10,000 products.

Starts its own DynamoDB Local, grows the catalog with bench.run.catalog_grow (the items product_create
writes, by batch writes), and for each query prints the DynamoDB requests and items read by one results
page with an empty cache, and how many results the page shows. A three-word search starts from the pair
items of its two longest words (catalog.search), so its page reads about a page's worth of items
whatever the catalog's size; a typo adds one Query per one-letter deletion of the word.
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUERIES = ("knife", "classic knife", "classic knife small", "kinfe", "zebra")
SIZES = (200, 10_000)


def measure() -> list[tuple]:
    from django.core.cache import cache
    from django.test import Client

    from bench.run import ItemsRead, catalog_grow
    from shopsite import dynamodb

    items_read = ItemsRead()
    items_read.install(dynamodb.connection().client)
    client = Client()
    rows = []
    for size in SIZES:
        catalog_grow(to=size)
        for query in QUERIES:
            cache.clear()
            client.get("/search/", {"q": "warm"})  # templates compiled, category list read
            cache.clear()
            from catalog.selectors import category_list

            category_list()
            items_read.items = 0
            with dynamodb.count_calls() as calls:
                response = client.get("/search/", {"q": query})
            shown = response.content.decode().count('class="product-card')
            rows.append((size, query, len(calls), items_read.items, shown))
    return rows


def main() -> None:
    import django

    from bench.run import environment, free_port

    port = free_port()
    os.environ.update(environment(f"http://127.0.0.1:{port}", tempfile.mkdtemp(prefix="shopsite-bench-media-")))
    django.setup()
    from shopsite import localdb, tables

    print(f"Starting DynamoDB Local on port {port} ...", flush=True)
    database = localdb.start(port=port)
    try:
        list(tables.tables_converge())
        from catalog.models import Category
        from django.utils import timezone

        now = timezone.now()
        for n, name in enumerate(("Kitchen", "Home", "Outdoors")):
            Category(f"bench-{n}", name=name, slug=name.lower(), position=n, created_at=now, updated_at=now).save()
        rows = measure()
    finally:
        localdb.stop(database)
    print(f"\n{'products':>8}  {'query':22} {'requests':>8} {'items read':>10} {'shown':>6}")
    for size, query, requests, items, shown in rows:
        print(f"{size:>8}  {query:22} {requests:>8} {items:>10} {shown:>6}")


if __name__ == "__main__":
    main()
