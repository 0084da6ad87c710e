"""The listing page side by side: the shop on DynamoDB vs Django's ORM on PostgreSQL and on SQLite.

Run by bench/run.py in its own process (it needs DATABASES, which the shop
has none of), against the DynamoDB Local run.py started and seeded. Starts a
throwaway PostgreSQL cluster from Debian's `postgresql` package, loads the
same 200 products into it and into SQLite, then measures server CPU per
request for each variant in interleaved rounds (medians), same template,
same middleware, same process. Prints one JSON object.
"""
import glob
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ROUNDS, PER_ROUND = 7, 40


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_postgres(args: list[str]) -> list[str]:
    """initdb refuses to run as root: run the server tools as the package's `postgres` user then."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def postgres_start(port: int) -> Path:
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    if not bins:
        raise SystemExit("PostgreSQL is not installed (make bench installs Debian's postgresql).")
    bin_dir = Path(bins[-1])
    data = Path(tempfile.mkdtemp(prefix="shopsite-bench-pg-"))
    if os.geteuid() == 0:
        shutil.chown(data, "postgres", "postgres")
    subprocess.run(_as_postgres([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                                 "--no-sync"]), check=True, capture_output=True)
    options = f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(_as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-w", "-l",
                                 str(data / "log"), "start"]), check=True, capture_output=True)
    subprocess.run(_as_postgres([str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres",
                                 "bench"]), check=True, capture_output=True)
    return data


def postgres_stop(data: Path) -> None:
    bin_dir = Path(sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1])
    subprocess.run(_as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
                   capture_output=True)
    shutil.rmtree(data, ignore_errors=True)


def load_catalog() -> int:
    """Copy the demo catalog from DynamoDB into both ORM databases, unchanged."""
    from django.core.management import call_command

    from bench.orm.models import Category as OrmCategory
    from bench.orm.models import Product as OrmProduct
    from catalog.models import Category, Product

    categories = list(Category.scan())
    products = list(Product.scan())
    for alias in ("default", "sqlite"):
        call_command("migrate", run_syncdb=True, database=alias, verbosity=0)
        ids = {}
        for category in categories:
            ids[category.category_id] = OrmCategory.objects.using(alias).create(
                name=category.name, slug=category.slug, position=category.position)
        OrmProduct.objects.using(alias).bulk_create([
            OrmProduct(name=p.name, slug=p.slug, description=p.description, price_cents=p.price_cents, stock=p.stock,
                       image=p.image, active=p.active, category=ids[p.category_id], created_at=p.created_at)
            for p in products])
    return len(products)


def measure() -> dict:
    from django.core.cache import cache
    from django.test import Client

    client = Client()
    variants = {
        "dynamodb_miss": ("/products/", True),
        "dynamodb_hit": ("/products/", False),
        "orm_postgresql": ("/bench/orm/default/products/", False),
        "orm_sqlite": ("/bench/orm/sqlite/products/", False),
        "in_memory": ("/bench/listing-from-memory/", False),
    }
    pages = {}
    for name, (path, _) in variants.items():  # warm each once; keep the HTML to show they are the same page
        response = client.get(path)
        assert response.status_code == 200, (name, response.status_code)
        pages[name] = response.content.decode().count('class="product-card')
    samples = {name: [] for name in variants}
    for _ in range(ROUNDS):
        for name, (path, clear) in variants.items():
            started = time.process_time()
            for _ in range(PER_ROUND):
                if clear:
                    cache.clear()
                client.get(path)
            samples[name].append((time.process_time() - started) / PER_ROUND * 1000)
    return {"cpu_ms": {name: round(statistics.median(values), 3) for name, values in samples.items()},
            "cards_per_page": pages, "rounds": ROUNDS, "requests_per_round": PER_ROUND}


def main():
    port = _free_port()
    os.environ["BENCH_PG_PORT"] = str(port)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.orm.settings"
    data = postgres_start(port)
    try:
        import django

        django.setup()
        count = load_catalog()
        result = measure()
        result["products"] = count
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={port} user=postgres dbname=bench") as conn:
            result["postgresql"] = conn.execute("select version()").fetchone()[0].split(" on ")[0]
    finally:
        postgres_stop(data)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
