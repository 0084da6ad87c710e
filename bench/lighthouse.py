"""``make lighthouse``: Lighthouse 12.2.3 (npm, tools/lighthouse) with Debian's Chromium on the shop's pages.

Starts its own DynamoDB Local (in memory) with the demo catalog and a staff account, serves the shop with
DEBUG off under gunicorn (static files from WhiteNoise, as make run does) on a free port, and runs
Lighthouse on home, a category, a product, a search, the cart and the staff dashboard, mobile and desktop.
Prints the four category scores per page and run (0-100); exits 1 if any is under MIN_SCORE. The JSON
reports stay in bench/results/lighthouse/.
"""
from __future__ import annotations

import http.cookiejar
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
LIGHTHOUSE = ROOT / "tools" / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
MIN_SCORE = 95
STAFF_EMAIL, STAFF_PASSWORD = "lighthouse@example.com", "lighthouse-passphrase-1"
REPORTS = ROOT / "bench" / "results" / "lighthouse"


def serve(env: dict, port: int) -> subprocess.Popen:
    """The shop on 127.0.0.1:*port* under gunicorn, as the benchmarks serve it."""
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "shopsite.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "2", "--log-level", "warning"], cwd=ROOT, env=env)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz/", timeout=1)
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("The shop did not start")


def staff_cookie(base: str) -> str:
    """Sign the staff account in through the login form; return the session cookie header."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/staff/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "email": STAFF_EMAIL, "password": STAFF_PASSWORD})
    opener.open(urllib.request.Request(f"{base}/staff/login/", data=data.encode(), headers={"Referer": f"{base}/staff/login/"}))
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)


def lighthouse(url: str, *, preset: str, name: str, headers: dict | None = None) -> dict[str, int]:
    """Run Lighthouse once; return {category: score 0-100}."""
    output = REPORTS / f"{name}-{preset}.json"
    command = [str(LIGHTHOUSE), url, "--output=json", f"--output-path={output}", "--quiet",
               f"--chrome-path={CHROMIUM}", "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
               f"--only-categories={','.join(CATEGORIES)}"]
    if preset == "desktop":
        command.append("--preset=desktop")
    if headers:
        command.append(f"--extra-headers={json.dumps(headers)}")
    for attempt in range(3):  # Lighthouse now and then loses a trace (NO_NAVSTART); it says to run it again
        if subprocess.run(command, timeout=240).returncode == 0:
            break
        print(f"  (Lighthouse failed on {url}; trying again)", flush=True)
    else:
        raise RuntimeError(f"Lighthouse failed three times on {url}")
    report = json.loads(output.read_text())
    return {category: round(100 * (report["categories"][category]["score"] or 0)) for category in CATEGORIES}


def main() -> int:
    import django

    from bench.run import environment, free_port

    db_port, web_port = free_port(), free_port()
    env = environment(f"http://127.0.0.1:{db_port}", tempfile.mkdtemp(prefix="shopsite-lighthouse-media-"))
    env.update({"DJANGO_DEBUG": "0", "SERVE_MEDIA": "1"})
    os.environ.update(env)
    django.setup()
    from django.core.management import call_command

    from accounts.services import staff_create
    from catalog.selectors import category_list, product_list
    from shopsite import localdb, tables

    REPORTS.mkdir(parents=True, exist_ok=True)
    print("Starting DynamoDB Local and loading the demo catalog ...", flush=True)
    database = localdb.start(port=db_port)
    server = None
    try:
        list(tables.tables_converge())
        call_command("seed_demo", stdout=open(os.devnull, "w"))
        staff_create(email=STAFF_EMAIL, password=STAFF_PASSWORD)
        server = serve(env, web_port)
        base = f"http://127.0.0.1:{web_port}"
        product = product_list(sort="name", limit=1).items[0].slug
        pages = {"home": "/", "category": f"/categories/{category_list()[0].slug}/", "product": f"/products/{product}/",
                 "search": "/search/?q=lamp", "cart": "/cart/", "staff dashboard": "/staff/"}
        cookie = staff_cookie(base)
        rows, failed = [], []
        for name, path in pages.items():
            for preset in ("mobile", "desktop"):
                headers = {"Cookie": cookie} if path.startswith("/staff/") else None
                scores = lighthouse(base + path, preset=preset, name=name.replace(" ", "-"), headers=headers)
                rows.append((name, preset, scores))
                failed += [f"{name} {preset} {category}" for category, score in scores.items() if score < MIN_SCORE]
                print(f"  {name:16} {preset:8} " + "  ".join(f"{scores[c]:>3}" for c in CATEGORIES), flush=True)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        localdb.stop(database)
    print(f"\nLighthouse 12.2.3, {CHROMIUM}: scores 0-100 (goal >= {MIN_SCORE})")
    print(f"{'page':16} {'device':8} {'perf':>4} {'a11y':>4} {'best':>4} {'seo':>4}")
    for name, preset, scores in rows:
        print(f"{name:16} {preset:8} " + " ".join(f"{scores[c]:>4}" for c in CATEGORIES))
    if failed:
        print("Under the goal: " + ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
