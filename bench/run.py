"""Shopsite benchmarks: DynamoDB requests and capacity per page, latency under load, CPU, cold start.

Run with `make bench`. Prints a table and writes bench/results/latest.json.
Not a test: nothing here asserts a timing.
"""
import json
import math
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from datetime import timedelta
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# On-demand prices, us-east-1 (see README): per million request units.
PRICE_READ_PER_MILLION = 0.125
PRICE_WRITE_PER_MILLION = 0.625
# All-in cost per million listing views (us-east-1 list prices, x86).
PRICE_HTTP_API_PER_MILLION = 1.00
PRICE_LAMBDA_REQUESTS_PER_MILLION = 0.20
PRICE_LAMBDA_GB_SECOND = 0.0000166667
PRICE_LOGS_PER_GB = 0.50  # CloudWatch Logs ingestion (storage, $0.03/GB-month, is left out: it is pennies)
LAMBDA_MB_PER_VCPU = 1769  # Lambda gives one full vCPU at 1,769 MB, proportionally less below
DYNAMODB_WAIT_MS = 5.0  # assumed in-region DynamoDB round trip billed as Lambda duration (not measurable here)
# Lambda's own START/END/REPORT lines per invocation: about 300 B in its default text format at system level INFO;
# none at system level WARN, which the post-deploy callback sets (shopsite/zappa_callbacks.py).
PLATFORM_LOG_BYTES = 0
COST_GOAL = 1.60
LOAD_CLIENTS = 16
LOAD_RATE = 80  # requests per second offered, open loop
LOAD_SECONDS = 10
CAPACITY_OPERATIONS = {"GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "BatchGetItem",
                       "BatchWriteItem", "TransactWriteItems", "TransactGetItems"}


def environment(db_host: str, media: str) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "shopsite.settings.local",
        "DJANGO_DEBUG": "0",
        "DYNAMODB_HOST": db_host,
        # The dev stage's prefix: the unpacked Lambda package (cold start, log bytes) reads these tables too.
        "DYNAMODB_TABLE_PREFIX": "shopsite-dev-",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "MEDIA_ROOT": media,
        "PYTHONPATH": str(ROOT),
        "API_RATE_LIMIT_PER_MINUTE": "1000000",  # the CPU loop calls GraphQL far faster than any real client
    }


class Capacity:
    """Ask DynamoDB for ReturnConsumedCapacity on every call and add it up."""

    def __init__(self):
        self.read = 0.0
        self.write = 0.0

    def install(self, client):
        client.meta.events.register("before-parameter-build.dynamodb", self._ask)
        client.meta.events.register("after-call.dynamodb", self._add)

    def _ask(self, params, model, **kwargs):
        if model.name in CAPACITY_OPERATIONS:
            params["ReturnConsumedCapacity"] = "TOTAL"

    def _add(self, parsed, model, **kwargs):
        consumed = parsed.get("ConsumedCapacity") or []
        for item in consumed if isinstance(consumed, list) else [consumed]:
            if model.name in ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"):
                self.write += item.get("CapacityUnits", 0)
            else:
                self.read += item.get("CapacityUnits", 0)

    def reset(self):
        self.read = self.write = 0.0


def measure_requests(capacity):
    """DynamoDB calls and capacity for one request of each page, on a cache miss and a hit."""
    from django.core.cache import cache
    from django.test import Client

    from catalog import selectors as catalog_selectors
    from customers import services as customer_services
    from accounts import services as account_services
    from orders import services as order_services
    from orders.models import Order
    from shopsite import dynamodb

    products = catalog_selectors.product_list(sort="name", limit=24).items
    in_stock = [p for p in products if p.stock > 5]
    detail = in_stock[0]
    category = catalog_selectors.category_list()[0]
    for i in range(30):
        customer_services.customer_create(email=f"bench{i}@example.com", first_name="Bench")
    staff = account_services.staff_create(email="bench-staff@example.com", password="bench-passphrase-1")
    shopper = customer_services.customer_create(email="bench-shopper@example.com", password="bench-passphrase-1",
                                                first_name="Ben", line1="1 St", city="Town", postal_code="1", country="US")
    _, api_key = account_services.api_key_create(name="bench")
    for _ in range(3):
        cart_id = order_services.cart_id_for_customer(shopper.customer_id)
        order_services.cart_add(cart_id=cart_id, product_id=in_stock[1].product_id, quantity=1)
        order_services.order_place(customer=shopper, cart_id=cart_id, token=str(uuid.uuid4()),
                                   address={"name": "B", "line1": "1", "city": "T", "postal_code": "1", "country": "US"})

    anonymous = Client()
    cart_client = Client()
    for product in in_stock[2:5]:
        cart_client.post("/cart/add/", {"product_id": product.product_id, "quantity": 1})
    cart_client.get("/cart/")
    staff_client = Client()
    staff_client.post("/staff/login/", {"email": staff.email, "password": "bench-passphrase-1"})
    staff_client.get("/staff/")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {api_key}")
    shopper_client = Client()
    shopper_client.post("/account/login/", {"email": shopper.email, "password": "bench-passphrase-1"})
    shopper_client.get("/account/")

    def one(client, method, path, data=None):
        capacity.reset()
        with dynamodb.count_calls() as calls:
            response = getattr(client, method)(path, data or {})
        assert response.status_code in (200, 302), (path, response.status_code)
        return {"calls": len(calls), "operations": calls, "rcu": round(capacity.read, 2), "wcu": round(capacity.write, 2)}

    pages = {
        "home": (anonymous, "/"),
        "listing": (anonymous, "/products/"),
        "category": (anonymous, f"/categories/{category.slug}/"),
        "product detail": (anonymous, f"/products/{detail.slug}/"),
        "search": (anonymous, "/search/?q=knife"),
    }
    results = {}
    for name, (client, path) in pages.items():
        cache.clear()
        miss = one(client, "get", path)
        hit = one(client, "get", path)
        results[name] = {"miss": miss, "hit": hit}
    results["cart (3 lines)"] = {"miss": one(cart_client, "get", "/cart/")}
    staff_client.get("/staff/customers/")  # its total is then this process's copy (30 s), as on most requests
    results["staff customer list"] = {"miss": one(staff_client, "get", "/staff/customers/")}
    results["staff order list"] = {"miss": one(staff_client, "get", "/staff/orders/")}
    results["GET /api/customers"] = {"miss": one(api, "get", "/api/customers")}
    _, graph_key = account_services.api_key_create(name="bench-graphql", scopes={"catalog:read"})
    graph = Client(HTTP_AUTHORIZATION=f"Bearer {graph_key}")

    def graphql_products():
        capacity.reset()
        with dynamodb.count_calls() as calls:
            response = graph.post("/graphql", {"query": GRAPHQL_PRODUCTS}, content_type="application/json")
        assert response.status_code == 200 and "errors" not in response.json(), response.content
        return {"calls": len(calls), "operations": calls, "rcu": round(capacity.read, 2), "wcu": round(capacity.write, 2)}

    cache.clear()
    results["GraphQL products (key)"] = {"miss": graphql_products(), "hit": graphql_products()}

    shopper_client.post("/cart/add/", {"product_id": in_stock[6].product_id, "quantity": 1})
    shopper_client.post("/checkout/", {"name": "Ben", "line1": "1 St", "city": "Town", "postal_code": "1", "country": "US"})
    placing = dict(re.findall(r'name="(token|reviewed)" value="([^"]+)"', shopper_client.get("/checkout/review/").content.decode()))
    placed = one(shopper_client, "post", "/checkout/place/", placing)
    assert "Order" in str(list(Order.scan(limit=50))) and placed["calls"] > 3, placed  # it placed an order, not a redirect back
    results["checkout (place order)"] = {"miss": placed}
    return results, {"detail_slug": detail.slug, "cart_cookie": cart_client.cookies["sessionid"].value}


GRAPHQL_PRODUCTS = "{ products(first: 24) { items { name slug priceCents image stockState } nextCursor } }"


def measure_cpu(n=150):
    """Server CPU per request: the listing page (cache miss each time) vs the same template from memory,
    and the GraphQL `products` query for the same 24 products next to it."""
    from django.core.cache import cache
    from django.test import Client
    from django.test.utils import override_settings

    from accounts import services as account_services

    _, key = account_services.api_key_create(name="bench-cpu", scopes={"catalog:read"})
    client, graph = Client(), Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    out = {}
    with override_settings(ROOT_URLCONF="bench.bare"):
        for name, path, clear in (("listing (DynamoDB, cache miss)", "/products/", True),
                                  ("listing (cache hit)", "/products/", False),
                                  ("same template, in-memory data", "/bench/listing-from-memory/", False),
                                  ("GraphQL products (cache miss)", "/graphql", True),
                                  ("GraphQL products (cache hit)", "/graphql", False)):
            def fetch():
                if path == "/graphql":  # the key's GetItem and rate count are in these figures
                    return graph.post(path, {"query": GRAPHQL_PRODUCTS}, content_type="application/json")
                return client.get(path)

            fetch()
            started = time.process_time()
            for _ in range(n):
                if clear:
                    cache.clear()
                assert fetch().status_code == 200
            out[name] = round((time.process_time() - started) / n * 1000, 3)
    return out


def measure_comparison(env) -> dict:
    """The listing page on Django's ORM with PostgreSQL and SQLite next to ours (bench/compare.py, its own process)."""
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "compare.py")], env={**env, "DJANGO_DEBUG": "0"},
                          capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise SystemExit(f"bench/compare.py failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    cpu = result["cpu_ms"]
    result["ratios"] = {
        "miss_vs_postgresql": round(cpu["dynamodb_miss"] / cpu["orm_postgresql"], 2),
        "hit_vs_postgresql": round(cpu["dynamodb_hit"] / cpu["orm_postgresql"], 2),
        "miss_vs_in_memory": round(cpu["dynamodb_miss"] / cpu["in_memory"], 2),
        "miss_vs_sqlite": round(cpu["dynamodb_miss"] / cpu["orm_sqlite"], 2),
    }
    return result


def cost_per_million(*, cpu_ms: float, calls: int, rcu: float, log_bytes: int, memory_mb: int) -> dict:
    """Dollars per million listing views at *memory_mb*, with the arithmetic spelled out."""
    billed_ms = math.ceil(cpu_ms * max(1.0, LAMBDA_MB_PER_VCPU / memory_mb) + calls * DYNAMODB_WAIT_MS)
    duration = billed_ms / 1000 * memory_mb / 1024 * PRICE_LAMBDA_GB_SECOND * 1e6
    dynamodb = rcu * PRICE_READ_PER_MILLION
    logs = (log_bytes + PLATFORM_LOG_BYTES) / 1e9 * PRICE_LOGS_PER_GB * 1e6
    total = PRICE_HTTP_API_PER_MILLION + PRICE_LAMBDA_REQUESTS_PER_MILLION + duration + dynamodb + logs
    return {
        "memory_mb": memory_mb, "billed_ms": billed_ms, "total": round(total, 3),
        "arithmetic": (f"HTTP API {PRICE_HTTP_API_PER_MILLION:.2f} + Lambda requests {PRICE_LAMBDA_REQUESTS_PER_MILLION:.2f}"
                       f" + duration {billed_ms} ms x {memory_mb / 1024:g} GB x ${PRICE_LAMBDA_GB_SECOND} = {duration:.3f}"
                       f" + DynamoDB {rcu} RCU x {PRICE_READ_PER_MILLION} = {dynamodb:.3f}"
                       f" + logs ({log_bytes} + {PLATFORM_LOG_BYTES}) B x ${PRICE_LOGS_PER_GB}/GB = {logs:.3f}"
                       f" = ${total:.3f}"),
    }


def measure_costs(pages, comparison, cold) -> dict:
    """The listing's cost per million views at three memory sizes, every view a cache miss and every view a hit."""
    listing, cpu, logs = pages["listing"], comparison["cpu_ms"], cold["log_bytes"]
    out = {}
    for memory in (512, 1024, 1536):
        out[f"{memory} MB, every view a miss"] = cost_per_million(
            cpu_ms=cpu["dynamodb_miss"], calls=listing["miss"]["calls"], rcu=listing["miss"]["rcu"],
            log_bytes=logs["listing_uncached"], memory_mb=memory)
        out[f"{memory} MB, every view a hit"] = cost_per_million(
            cpu_ms=cpu["dynamodb_hit"], calls=0, rcu=0.0, log_bytes=logs["listing_cached"], memory_mb=memory)
    return out


SCALING_WORDS = (("Classic", "Steel", "Linen", "Oak", "Stone"), ("Knife", "Pan", "Towel", "Board", "Bowl", "Mug"),
                 ("Small", "Large", "Travel", "Family"))


def catalog_grow(*, to: int) -> None:
    """Add products (with their search terms) until the shop holds *to*, by batch writes: the same items
    product_create makes, without a transaction each (loading 10,000 one by one would take minutes)."""
    from django.utils import timezone

    from catalog import search
    from catalog.models import Product, SearchTerm
    from catalog.selectors import category_list, name_key_for

    from catalog.services import search_words_write

    have = sum(1 for _ in Product.scan(attributes_to_get=["product_id"]))
    search_words_write(names=[" ".join(words) for words in SCALING_WORDS])  # the typo vocabulary
    categories = category_list()
    now = timezone.now()
    with Product.batch_write() as products, SearchTerm.batch_write() as terms:
        for n in range(have, to):
            first, second, third = (words[n % len(words)] for words in SCALING_WORDS)
            name = f"{first} {second} {third} {n:05d}"
            category = categories[n % len(categories)]
            product = Product(f"scale-{n:05d}", name=name, name_key=name_key_for(name), slug=f"scale-{n:05d}",
                              description="", price_cents=500 + n % 5000, stock=n % 40, category_id=category.category_id,
                              category_name=category.name, category_slug=category.slug, active=True,
                              active_listing="active", active_category=category.category_id,
                              created_at=now - timedelta(seconds=n), updated_at=now, version=1)
            products.save(product)
            for term in search.terms_for(name=name, description=""):
                terms.save(SearchTerm(term, product.product_id, name=name, slug=product.slug,
                                      price_cents=product.price_cents, category_id=category.category_id))


class ItemsRead:
    """Count the items each DynamoDB response carries (what a page reads, whatever the catalog's size)."""

    def __init__(self):
        self.items = 0

    def install(self, client):
        client.meta.events.register("after-call.dynamodb", self._add)

    def _add(self, parsed, model, **kwargs):
        if "Count" in parsed:
            self.items += parsed.get("ScannedCount", parsed["Count"])
        elif "Item" in parsed:
            self.items += 1
        elif "Responses" in parsed and isinstance(parsed["Responses"], dict):
            self.items += sum(len(found) for found in parsed["Responses"].values())


def measure_scaling(items_read, *, sizes=(200, 10_000), n=30) -> dict:
    """Per-page requests, items read and CPU at each catalog size (every request a cache miss)."""
    from django.core.cache import cache
    from django.test import Client

    from catalog.selectors import category_list, product_list
    from accounts import services as account_services
    from shopsite import dynamodb

    staff = account_services.staff_create(email="bench-scale@example.com", password="bench-passphrase-1")
    staff_client = Client()
    staff_client.post("/staff/login/", {"email": staff.email, "password": "bench-passphrase-1"})
    out = {}
    for size in sizes:
        catalog_grow(to=size)
        cache.clear()
        category = category_list()[0]
        detail = product_list(sort="name", limit=1).items[0].slug
        pages = {"listing": (Client(), "/products/"), "category": (Client(), f"/categories/{category.slug}/"),
                 "product detail": (Client(), f"/products/{detail}/"),
                 "search, three words": (Client(), "/search/?q=classic+knife+small"),
                 "staff product list": (staff_client, "/staff/products/")}
        result = {}
        for name, (client, path) in pages.items():
            cache.clear()
            client.get(path)  # compile templates, warm the category list
            cache.clear()
            category_list()
            items_read.items = 0
            with dynamodb.count_calls() as calls:
                assert client.get(path).status_code == 200, path
            requests, items = len(calls), items_read.items
            started = time.process_time()
            for _ in range(n):
                cache.clear()
                client.get(path)
            result[name] = {"requests": requests, "items_read": items,
                            "cpu_ms": round((time.process_time() - started) / n * 1000, 2)}
        out[str(size)] = result
    return out


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def load(port, path, cookie=None):
    """Open-loop load: requests scheduled at a fixed rate, latency measured from the scheduled time."""
    total = LOAD_RATE * LOAD_SECONDS
    start = time.perf_counter() + 0.2
    latencies, errors, lock, counter = [], [0], threading.Lock(), iter(range(total))
    headers = {"Cookie": f"sessionid={cookie}"} if cookie else {}

    def worker():
        conn = HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with lock:
                index = next(counter, None)
            if index is None:
                break
            scheduled = start + index / LOAD_RATE
            delay = scheduled - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except OSError:
                conn.close()
                conn = HTTPConnection("127.0.0.1", port, timeout=30)
                ok = False
            done = time.perf_counter()
            with lock:
                if ok:
                    latencies.append((done - scheduled) * 1000)
                else:
                    errors[0] += 1
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(LOAD_CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    quantiles = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0] * 99
    return {"p50_ms": round(quantiles[49], 1), "p95_ms": round(quantiles[94], 1), "p99_ms": round(quantiles[98], 1),
            "rps": round(len(latencies) / elapsed, 1), "errors": errors[0], "requests": total}


def warm_up(port, pages, workers=2, threads=4):
    """Before timing: every worker must have answered every page (filling its cache, compiling templates).

    Requests go out in concurrent bursts, so the accept queue spreads them over
    the workers; each response names the worker's pid (X-Worker-Pid, bench
    settings only), and a page counts as warm once every worker has served it
    twice.
    """
    def one(path, headers):
        conn = HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        conn.close()
        return response.getheader("X-Worker-Pid", "?")

    for _, path, cookie in pages:
        headers = {"Cookie": f"sessionid={cookie}"} if cookie else {}
        served: dict[str, int] = {}
        deadline = time.monotonic() + 60
        while (len(served) < workers or min(served.values()) < 2) and time.monotonic() < deadline:
            with ThreadPoolExecutor(workers * threads) as pool:
                for pid in pool.map(lambda _: one(path, headers), range(workers * threads)):
                    served[pid] = served.get(pid, 0) + 1
        if len(served) < workers:
            raise SystemExit(f"warm-up: only {len(served)} of {workers} workers answered {path}")


def measure_load(env, detail_slug, cart_cookie):
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "bench.wsgi_pid:application", "--workers", "2", "--threads", "4",
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning"], cwd=ROOT, env=env)
    try:
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        results = {}
        pages = (("listing", "/products/", None), ("product detail", f"/products/{detail_slug}/", None),
                 ("cart (3 lines)", "/cart/", cart_cookie))
        warm_up(port, pages)
        for name, path, cookie in pages:
            results[name] = load(port, path, cookie)
        return results
    finally:
        server.terminate()
        server.wait(timeout=10)


def _copy_without_bytecode(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def _bare_django(tmp: Path) -> tuple[Path, Path]:
    """Django and its dependencies alone, with their bytecode and without."""
    import asgiref
    import django
    import sqlparse

    with_bytecode = tmp / "bare-with"
    for module in (django, asgiref, sqlparse):
        shutil.copytree(Path(module.__file__).parent, with_bytecode / module.__name__)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(with_bytecode)], check=True)
    return with_bytecode, _copy_without_bytecode(with_bytecode, tmp / "bare-without")


def measure_cold_start(env, *, detail_slug, runs=5):
    """Cold starts of the unpacked Lambda zip through Zappa's handler and of bare Django, interleaved.

    Each variant runs in a fresh ``python -S -B`` process that sees only its
    own copy (with the bytecode the zip carries, and with it stripped); medians.
    """
    entry = json.loads((ROOT / "zappa_settings.json").read_text())["base"]["lambda_handler"]
    tmp = Path(tempfile.mkdtemp(prefix="shopsite-bench-cold-"))
    with zipfile.ZipFile(ROOT / "dist" / "shopsite-dev.zip") as archive:
        archive.extractall(tmp / "zip-with")
    variants = {
        "package_with_bytecode": tmp / "zip-with",
        "package_without_bytecode": _copy_without_bytecode(tmp / "zip-with", tmp / "zip-without"),
    }
    bare_with, bare_without = _bare_django(tmp)
    # As deployed, the secret key comes from SSM at start-up: moto's server stands in for SSM here, so the
    # cold start includes the (one) signed GetParameters request.
    from moto.server import ThreadedMotoServer

    ssm_port = free_port()
    ssm = ThreadedMotoServer(ip_address="127.0.0.1", port=ssm_port, verbose=False)
    ssm.start()
    import boto3

    # Zappa's handler sets the stage's environment_variables, the parameter's name among them.
    stage = json.loads((ROOT / "zappa_settings.json").read_text())["dev"]["environment_variables"]
    ssm_client = boto3.client("ssm", endpoint_url=f"http://127.0.0.1:{ssm_port}", region_name="us-east-1",
                              aws_access_key_id="local", aws_secret_access_key="local")
    for name, value in ((stage["DJANGO_SECRET_KEY_PARAMETER"], "bench-" + "k" * 50),
                        (stage["EDGE_SECRET_PARAMETER"], "bench-edge-" + "e" * 30)):  # both in the one GetParameters
        ssm_client.put_parameter(Name=name, Value=value, Type="SecureString")
    package_env = {
        "PATH": env["PATH"], "HOME": env.get("HOME", "/tmp"),
        "AWS_ENDPOINT_URL_SSM": f"http://127.0.0.1:{ssm_port}",
        "DYNAMODB_HOST": env["DYNAMODB_HOST"], "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1", "AWS_S3_ENDPOINT_URL": "http://127.0.0.1:9",
    }
    times = {name: [] for name in (*variants, "bare_with_bytecode", "bare_without_bytecode")}
    log_bytes = None
    for _ in range(runs):
        for name, folder in variants.items():
            out = subprocess.run(
                [sys.executable, "-S", "-B", str(ROOT / "bench" / "lambda_coldstart.py"), entry, "/products/",
                 f"/products/{detail_slug}/"], cwd=folder, env=package_env, capture_output=True, text=True, check=True,
            ).stdout
            measured = json.loads(out.strip().splitlines()[-1])
            assert measured["status"] == 200, measured
            times[name].append(measured["ms"])
            log_bytes = measured["log_bytes"]
        for name, folder in (("bare_with_bytecode", bare_with), ("bare_without_bytecode", bare_without)):
            out = subprocess.run(
                [sys.executable, "-S", "-B", str(ROOT / "bench" / "coldstart.py"), "/"], cwd=ROOT,
                env={"PATH": env["PATH"], "PYTHONPATH": f"{folder}:{ROOT}", "DJANGO_SETTINGS_MODULE": "bench.hello_settings"},
                capture_output=True, text=True, check=True,
            ).stdout
            times[name].append(float(out.split()[0]))
    ssm.stop()
    shutil.rmtree(tmp, ignore_errors=True)
    medians = {name: round(statistics.median(values), 1) for name, values in times.items()}
    return {
        **medians,
        "ratio_with_bytecode": round(medians["package_with_bytecode"] / medians["bare_with_bytecode"], 2),
        "ratio_without_bytecode": round(medians["package_without_bytecode"] / medians["bare_without_bytecode"], 2),
        "runs": runs,
        "log_bytes": {"listing_uncached": log_bytes[0], "listing_cached": log_bytes[1], "product_detail_uncached": log_bytes[2]},
    }


def package_size():
    zip_path = ROOT / "dist" / "shopsite-dev.zip"
    subprocess.run(["make", "package"], cwd=ROOT, check=True, capture_output=True)
    return round(zip_path.stat().st_size / 1048576, 2)


def main():
    import django
    from django.core.management import call_command

    from shopsite import localdb

    media = tempfile.mkdtemp(prefix="shopsite-bench-media-")
    port = free_port()
    os.environ.update(environment(f"http://127.0.0.1:{port}", media))
    env = dict(os.environ)
    django.setup()
    from shopsite import dynamodb, tables

    print(f"Starting DynamoDB Local on port {port} and loading the demo catalog ...", flush=True)
    database = localdb.start(port=port)
    try:
        list(tables.tables_converge())
        call_command("seed_demo", stdout=open(os.devnull, "w"))
        capacity = Capacity()
        capacity.install(dynamodb.connection().client)
        print("Counting DynamoDB requests per page ...", flush=True)
        pages, state = measure_requests(capacity)
        print("Measuring CPU per request ...", flush=True)
        cpu = measure_cpu()
        print("The listing on Django's ORM (PostgreSQL, SQLite) next to ours, interleaved ...", flush=True)
        comparison = measure_comparison(env)
        print(f"Load: {LOAD_RATE} req/s offered for {LOAD_SECONDS} s per page, {LOAD_CLIENTS} clients, gunicorn 2x4 ...", flush=True)
        latency = measure_load(env, state["detail_slug"], state["cart_cookie"])
        print("Building the Lambda package ...", flush=True)
        size = package_size()
        print("Cold starts of the unpacked zip and of bare Django, with and without bytecode ...", flush=True)
        cold = measure_cold_start(env, detail_slug=state["detail_slug"])
        print("CloudFront: which catalog answers the edge may share, and a mixed workload's hit ratio ...", flush=True)
        from bench.edge import measure_edge

        edge = measure_edge(paths=_catalog_paths(), ttl=int(os.environ.get("EDGE_CACHE_SECONDS", "60")))
        print("Scaling: the same pages at 200 and at 10,000 products ...", flush=True)
        items_read = ItemsRead()
        items_read.install(dynamodb.connection().client)
        scaling = measure_scaling(items_read)
        print("Flash sale: buyers at one instant, through the transaction-conflict emulation ...", flush=True)
        from bench.flash_sale import measure_flash_sale

        flash_sale = measure_flash_sale(upstream=f"http://127.0.0.1:{port}")
    finally:
        localdb.stop(database)

    for page in pages.values():
        measured = page["miss"]
        measured["usd_per_million"] = round(
            measured["rcu"] * PRICE_READ_PER_MILLION + measured["wcu"] * PRICE_WRITE_PER_MILLION, 3)
    result = {
        "date": time.strftime("%Y-%m-%d"), "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "pages": pages, "cpu_ms_per_request": cpu, "comparison": comparison, "load": latency, "cold_start": cold, "lambda_zip_mb": size,
        "scaling": scaling, "cost_per_million_listing_views": measure_costs(pages, comparison, cold),
        "edge": _edge_costs(edge, measure_costs(pages, comparison, cold)),
        "flash_sale": flash_sale,
        "load_generator": f"open loop, constant {LOAD_RATE} req/s, {LOAD_CLIENTS} keep-alive clients, latency from the scheduled send time",
    }
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "latest.json").write_text(json.dumps(result, indent=2))
    print(report(result))


def _catalog_paths() -> list[str]:
    """Every catalog page of the demo shop: home, the listing, each category, each product."""
    from catalog import selectors

    paths = ["/", "/products/", "/search/?q=oak"]
    paths += [f"/categories/{category.slug}/" for category in selectors.category_list()]
    cursor = None
    while True:
        page = selectors.product_list(cursor=cursor, limit=48)
        paths += [f"/products/{product.slug}/" for product in page.items]
        cursor = page.next_cursor
        if not cursor:
            return paths


def _edge_costs(edge: dict, costs: dict) -> dict:
    from bench.edge import edge_costs

    return edge_costs(edge, origin_usd_per_million=costs["1024 MB, every view a miss"]["total"])


def report(result):
    lines = [f"Shopsite benchmarks — {result['date']} — {result['machine']}", "",
             "DynamoDB requests per page (cache miss / hit), capacity units on a miss, $ per million views (DynamoDB only)",
             f"{'page':28} {'miss':>5} {'hit':>5} {'RCU':>6} {'WCU':>6} {'$/M':>7}"]
    for name, page in result["pages"].items():
        miss, hit = page["miss"], page.get("hit")
        lines.append(f"{name:28} {miss['calls']:>5} {hit['calls'] if hit else '-':>5} {miss['rcu']:>6} {miss['wcu']:>6} {miss['usd_per_million']:>7}")
    lines += ["", f"Latency under load ({result['load_generator']})", f"{'page':28} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'req/s':>7} {'errors':>7}"]
    for name, row in result["load"].items():
        lines.append(f"{name:28} {row['p50_ms']:>8} {row['p95_ms']:>8} {row['p99_ms']:>8} {row['rps']:>7} {row['errors']:>7}")
    lines += ["", "Server CPU per request (ms, in-process)"]
    lines += [f"  {name:40} {value}" for name, value in result["cpu_ms_per_request"].items()]
    comparison = result.get("comparison")
    if comparison:
        cpu, ratios = comparison["cpu_ms"], comparison["ratios"]
        met = lambda value, goal: "met" if value <= goal else "NOT met"  # noqa: E731
        lines += ["", f"The listing page side by side, server CPU ms per request (median of {comparison['rounds']} "
                      f"interleaved rounds x {comparison['requests_per_round']}; {comparison['products']} products; "
                      f"same template and middleware; {comparison['postgresql']})",
                  f"  ours, DynamoDB, cache miss   {cpu['dynamodb_miss']:>7}   vs ORM+PostgreSQL {ratios['miss_vs_postgresql']}x"
                  f"  (goal <= 1.0x: {met(ratios['miss_vs_postgresql'], 1.0)})",
                  f"  ours, cache hit              {cpu['dynamodb_hit']:>7}   vs ORM+PostgreSQL {ratios['hit_vs_postgresql']}x"
                  f"  (goal <= 0.5x: {met(ratios['hit_vs_postgresql'], 0.5)})",
                  f"  Django ORM + PostgreSQL      {cpu['orm_postgresql']:>7}",
                  f"  Django ORM + SQLite          {cpu['orm_sqlite']:>7}   ours (miss) vs this {ratios['miss_vs_sqlite']}x",
                  f"  same template, in-memory     {cpu['in_memory']:>7}   ours (miss) vs this {ratios['miss_vs_in_memory']}x"
                  f"  (goal <= 1.5x: {met(ratios['miss_vs_in_memory'], 1.5)})"]
    cold = result["cold_start"]
    logs = cold["log_bytes"]
    lines += ["", f"Cold start, median of {cold['runs']} interleaved runs (fresh `python -S -B` process: import, the secret key"
                  " from SSM (moto's server), first listing page)",
              f"  unpacked Lambda zip through Zappa's handler: {cold['package_with_bytecode']} ms with its bytecode, "
              f"{cold['package_without_bytecode']} ms without",
              f"  bare hello-world Django:                     {cold['bare_with_bytecode']} ms with bytecode, "
              f"{cold['bare_without_bytecode']} ms without",
              f"  ratio to bare Django: {cold['ratio_with_bytecode']} with bytecode, {cold['ratio_without_bytecode']} without",
              "",
              "Log bytes per page at the production log level (goal <= 1024 each; Lambda's own START/END/REPORT lines not included)",
              f"  listing, uncached (first request of the process): {logs['listing_uncached']}",
              f"  listing, cached: {logs['listing_cached']}",
              f"  product detail, uncached: {logs['product_detail_uncached']}",
              "",
              f"Lambda zip (make package): {result['lambda_zip_mb']} MB"]
    scaling = result.get("scaling")
    if scaling:
        small, large = list(scaling)
        lines += ["", f"Scaling: each page at {small} and {large} products (every request a cache miss)",
                  f"{'page':24} {'requests':>13} {'items read':>15} {'CPU ms':>15}"]
        for page, row in scaling[small].items():
            big = scaling[large][page]
            lines.append(f"{page:24} {row['requests']:>6} {big['requests']:>6} {row['items_read']:>7} {big['items_read']:>7}"
                         f" {row['cpu_ms']:>7} {big['cpu_ms']:>7}")
    costs = result.get("cost_per_million_listing_views")
    if costs:
        lines += ["", f"All-in cost per million listing views (goal <= ${COST_GOAL}; floor $1.20 = HTTP API + Lambda requests;"
                      f" DynamoDB wait assumed {DYNAMODB_WAIT_MS} ms per call; platform log lines {PLATFORM_LOG_BYTES} B: system log level WARN)"]
        for name, row in costs.items():
            lines.append(f"  {name:26} ${row['total']:.3f}  {'met' if row['total'] <= COST_GOAL else 'NOT met'}")
            lines.append(f"    {row['arithmetic']}")
    if result.get("edge"):
        from bench.edge import report_lines as edge_lines

        lines += edge_lines(result["edge"])
    if result.get("flash_sale"):
        from bench.flash_sale import report_lines

        lines += report_lines(result["flash_sale"])
    lines += ["", "Goals of issue #18", *goals(result)]
    return "\n".join(lines)


# Printed under a goal the run did not meet: what stands in the way, as measured (bench/README.md has the detail).
WHY_BOTOCORE = ("botocore builds, signs and sends an HTTP request and reads its JSON (~1.2-1.7 ms CPU) "
                "where psycopg sends one SELECT (~1 ms)")
WHY_IN_MEMORY = "that data access sits next to a 1.8 ms page; 1.5x would need it under 0.9 ms"
WHY_COLD_RATIO = "Zappa's handler imports boto3/botocore (~100 ms) and werkzeug before the app; bare Django imports neither"
WHY_SEARCH = ("a search of several words starts from its two longest words' pair items, then (the pair read) the longest "
              "word's: a page's worth when the names hold the words, capped by SEARCH_ROUNDS x SEARCH_SCAN otherwise")


def goals(result) -> list[str]:
    """Every goal next to its measured value."""
    rows = []

    def row(name, value, goal, ok, why="see bench/README.md"):
        rows.append(f"  {name:58} {value:>14}  goal {goal:<22} {'met' if ok else 'NOT met'}")
        if not ok:
            rows.append(f"      why: {why}")

    ratios = result["comparison"]["ratios"]
    row("listing, cache miss, CPU vs ORM + PostgreSQL", f"{ratios['miss_vs_postgresql']}x", "<= 1.0x", ratios["miss_vs_postgresql"] <= 1.0,
        WHY_BOTOCORE)
    row("listing, cache hit, CPU vs ORM + PostgreSQL", f"{ratios['hit_vs_postgresql']}x", "<= 0.5x", ratios["hit_vs_postgresql"] <= 0.5)
    row("listing, cache miss vs the same template from memory", f"{ratios['miss_vs_in_memory']}x", "<= 1.5x",
        ratios["miss_vs_in_memory"] <= 1.5, WHY_IN_MEMORY)
    cold = result["cold_start"]
    row("cold start as shipped (import + first listing page)", f"{cold['package_with_bytecode']} ms", "< 500 ms",
        cold["package_with_bytecode"] < 500)
    row("cold start vs bare Django (both with bytecode)", f"{cold['ratio_with_bytecode']}x", "<= 1.8x", cold["ratio_with_bytecode"] <= 1.8,
        WHY_COLD_RATIO)
    pages = result["pages"]
    beyond = {"product detail": (pages["product detail"]["miss"]["calls"], 1),
              "cart (3 lines)": (pages["cart (3 lines)"]["miss"]["calls"] - 1, 2),
              "staff customer list": (pages["staff customer list"]["miss"]["calls"] - 1, 1)}
    for name, (calls, goal) in beyond.items():
        row(f"{name}: requests beyond the session read", str(calls), f"{goal}", calls <= goal)
    checkout = pages["checkout (place order)"]["miss"]["operations"]
    reads = sum(1 for op in checkout[1:] if op in ("GetItem", "Query", "BatchGetItem", "TransactGetItems"))
    writes = [op for op in checkout[1:] if op not in ("GetItem", "Query", "BatchGetItem", "TransactGetItems")]
    # A process's first order also reserves a block of order numbers (one UpdateItem per ORDER_NUMBER_BLOCK orders).
    row("checkout beyond the session read", f"{reads} reads, {'+'.join(writes)}", "1 TransactWrite, <= 2 reads",
        reads <= 2 and writes.count("TransactWriteItems") == 1 and len(writes) - writes.count("UpdateItem") == 1)
    costs = result.get("cost_per_million_listing_views", {})
    worst = max((row_["total"] for row_ in costs.values()), default=0)
    row("all-in cost per million listing views (worst of six)", f"${worst:.3f}", f"<= ${COST_GOAL}", worst <= COST_GOAL)
    scaling = result.get("scaling")
    if scaling:
        small, large = list(scaling)
        grew = [page for page in scaling[small] if scaling[large][page]["requests"] > scaling[small][page]["requests"]
                or scaling[large][page]["items_read"] > scaling[small][page]["items_read"]]
        row(f"pages whose requests or items read grow {small} -> {large}", ", ".join(grew) or "none", "none", not grew, WHY_SEARCH)
    return rows


if __name__ == "__main__":
    main()
