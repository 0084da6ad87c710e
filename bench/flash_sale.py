"""The flash-sale section of ``make bench``: many buyers checking out at the same instant.

Runs against the bench's DynamoDB Local through the conflict-emulating proxy
(tests/dynamodb_conflicts.py, items held at least HOLD_MS per transaction, as
long as DynamoDB's own transactions take), so a transaction touching an item
another one holds is cancelled exactly as DynamoDB cancels it. Buyers are
guests with one line each, released together by a barrier, placing orders
through ``orders.services.order_place`` in threads of this process: the
checkout's own reads, retries and backoff all run; the web layer does not.

Printed per scenario: orders per second (orders / wall time from release to
the last answer), p50/p99 of each buyer's time, 503s ("try again"), other
refusals, TransactWriteItems attempts per order (the proxy counts them) and
units oversold (stock taken beyond the stock there was: must be 0).
"""
from __future__ import annotations

import json
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOLD_MS = 10
ADDRESS = {"name": "Flash Buyer", "line1": "1 Main St", "line2": "", "city": "Springfield", "postal_code": "12345",
           "country": "US"}
# (name, buyers, products, units per product, spread buckets per product)
SCENARIOS = [
    ("100 buyers / 20 products", 100, 20, 50, 0),
    ("300 buyers / 1 product (200 units, spread)", 300, 1, 200, 10),
    ("300 buyers / 1 product (200 units, not spread)", 300, 1, 200, 0),
    ("1,000 buyers / 50 products", 1000, 50, 100, 0),
]


def _stats(url: str) -> dict:
    with urllib.request.urlopen(f"{url}/stats", timeout=10) as answer:
        return json.loads(answer.read())


def _scenario(*, buyers: int, products: int, units: int, buckets: int, proxy_url: str) -> dict:
    from catalog import selectors as catalog_selectors
    from catalog import services as catalog_services
    from catalog.models import StockBucket
    from orders import services
    from shopsite.errors import is_unavailable
    from tests.factories import make_category

    category = make_category()
    items = []
    for n in range(products):
        product = catalog_services.product_create(
            name=f"Drop {uuid.uuid4().hex[:6]}", slug=f"drop-{uuid.uuid4().hex[:10]}", price_cents=2500 + n,
            category_id=category.category_id, stock=units)
        if buckets:
            catalog_services.product_stock_spread(product_id=product.product_id, buckets=buckets)
        items.append(product)
    carts = []
    for n in range(buyers):
        cart_id = f"session#{uuid.uuid4().hex}"
        services.cart_add(cart_id=cart_id, product_id=items[n % products].product_id, quantity=1)
        carts.append((services.GuestShopper(email=f"buyer{n}-{uuid.uuid4().hex[:6]}@example.com"), cart_id))
    barrier = threading.Barrier(buyers + 1)
    timings, outcomes = [0.0] * buyers, [""] * buyers

    def buy(index):
        shopper, cart_id = carts[index]
        barrier.wait()
        started = time.perf_counter()
        try:
            services.order_place(customer=shopper, cart_id=cart_id, token=str(uuid.uuid4()), address=ADDRESS)
            outcomes[index] = "ordered"
        except services.OutOfStock:
            outcomes[index] = "sold out"
        except services.CartChanged:
            outcomes[index] = "cart changed"
        except Exception as error:  # noqa: BLE001 - counted: an outage (503) or a bug
            outcomes[index] = "503" if is_unavailable(error) else f"error: {type(error).__name__}"
        timings[index] = time.perf_counter() - started

    before = _stats(proxy_url)
    with ThreadPoolExecutor(max_workers=buyers) as pool:
        futures = [pool.submit(buy, index) for index in range(buyers)]
        barrier.wait()
        released = time.perf_counter()
        for future in futures:
            future.result()
        wall = time.perf_counter() - released
    after = _stats(proxy_url)
    ordered = outcomes.count("ordered")
    attempts = after.get("requests:TransactWriteItems", 0) - before.get("requests:TransactWriteItems", 0)
    lefts = []
    for product in items:
        if buckets:
            lefts.append(sum(int(bucket.stock) for bucket in StockBucket.scan(StockBucket.product_id == product.product_id)))
        else:
            lefts.append(catalog_selectors.product_find(product_id=product.product_id).stock)
    total = products * units
    oversold = max(0, ordered - total) + sum(max(0, -left) for left in lefts)
    ms = sorted(t * 1000 for t in timings)
    return {
        "buyers": buyers, "products": products, "units_per_product": units, "buckets": buckets,
        "orders": ordered, "orders_per_second": round(ordered / wall, 1) if wall else None,
        "p50_ms": round(statistics.median(ms), 1), "p99_ms": round(ms[min(len(ms) - 1, int(len(ms) * 0.99))], 1),
        "unavailable_503": outcomes.count("503"), "sold_out": outcomes.count("sold out"),
        "cart_changed": outcomes.count("cart changed"),
        "errors": sum(1 for outcome in outcomes if outcome.startswith("error")),
        "attempts_per_order": round(attempts / ordered, 2) if ordered else None,
        "conflicts": after.get("conflicts:TransactWriteItems", 0) - before.get("conflicts:TransactWriteItems", 0),
        "units_oversold": oversold, "units_accounted": total == ordered + sum(lefts), "wall_s": round(wall, 2),
    }


def measure_flash_sale(*, upstream: str) -> dict:
    """Run every scenario through a conflict proxy in front of *upstream*; return {scenario: figures}."""
    from django.conf import settings

    from shopsite import dynamodb

    proxy = subprocess.Popen([sys.executable, "-m", "tests.dynamodb_conflicts", "--upstream", upstream,
                              "--hold-ms", str(HOLD_MS)], stdout=subprocess.PIPE, text=True, cwd=str(ROOT))
    original = settings.DYNAMODB_HOST
    try:
        settings.DYNAMODB_HOST = proxy.stdout.readline().strip()
        dynamodb.configure()
        results = {}
        for name, buyers, products, units, buckets in SCENARIOS:
            print(f"  {name} ...", flush=True)
            results[name] = _scenario(buyers=buyers, products=products, units=units, buckets=buckets,
                                      proxy_url=settings.DYNAMODB_HOST)
        return {"hold_ms": HOLD_MS, "scenarios": results}
    finally:
        settings.DYNAMODB_HOST = original
        dynamodb.configure()
        proxy.terminate()
        proxy.wait()


def report_lines(flash: dict) -> list[str]:
    lines = ["", f"Flash sale through the conflict emulation (DynamoDB's transaction-conflict rule, items held >= "
                 f"{flash['hold_ms']} ms; guests, one line each, released at one instant; this machine's CPU bounds the rate)",
             f"{'scenario':48} {'orders':>6} {'ord/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'503s':>5} {'sold out':>8}"
             f" {'att/ord':>7} {'oversold':>8}"]
    for name, row in flash["scenarios"].items():
        lines.append(f"{name:48} {row['orders']:>6} {row['orders_per_second']:>7} {row['p50_ms']:>8} {row['p99_ms']:>8}"
                     f" {row['unavailable_503']:>5} {row['sold_out']:>8} {row['attempts_per_order']:>7} {row['units_oversold']:>8}")
    return lines
