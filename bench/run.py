"""Shopsite benchmarks: DynamoDB requests and capacity per page, latency under load, CPU, cold start.

Run with `make bench`. Prints a table and writes bench/results/latest.json.
Not a test: nothing here asserts a timing.
"""
import json
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
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# On-demand prices, us-east-1 (see README): per million request units.
PRICE_READ_PER_MILLION = 0.125
PRICE_WRITE_PER_MILLION = 0.625
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
    from customers.accounts import services as account_services
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

    from customers.accounts import services as account_services

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


def measure_load(env, detail_slug, cart_cookie):
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "shopsite.wsgi:application", "--workers", "2", "--threads", "4",
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning"], cwd=ROOT, env=env)
    try:
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        results = {}
        for name, path, cookie in (("listing", "/products/", None), ("product detail", f"/products/{detail_slug}/", None),
                                   ("cart (3 lines)", "/cart/", cart_cookie)):
            for _ in range(10):  # warm both workers
                HTTPConnection("127.0.0.1", port).request("GET", path, headers={"Cookie": f"sessionid={cookie}"} if cookie else {})
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
    package_env = {
        "PATH": env["PATH"], "HOME": env.get("HOME", "/tmp"), "DJANGO_SECRET_KEY": "bench-" + "k" * 50,
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
    from shopsite import dynamodb

    print(f"Starting DynamoDB Local on port {port} and loading the demo catalog ...", flush=True)
    database = localdb.start(port=port)
    try:
        list(dynamodb.tables_converge())
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
    finally:
        localdb.stop(database)

    for page in pages.values():
        measured = page["miss"]
        measured["usd_per_million"] = round(
            measured["rcu"] * PRICE_READ_PER_MILLION + measured["wcu"] * PRICE_WRITE_PER_MILLION, 3)
    result = {
        "date": time.strftime("%Y-%m-%d"), "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "pages": pages, "cpu_ms_per_request": cpu, "comparison": comparison, "load": latency, "cold_start": cold, "lambda_zip_mb": size,
        "load_generator": f"open loop, constant {LOAD_RATE} req/s, {LOAD_CLIENTS} keep-alive clients, latency from the scheduled send time",
    }
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "latest.json").write_text(json.dumps(result, indent=2))
    print(report(result))


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
    lines += ["", f"Cold start, median of {cold['runs']} interleaved runs (fresh `python -S -B` process: import + first listing page)",
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
    return "\n".join(lines)


if __name__ == "__main__":
    main()
