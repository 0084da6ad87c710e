"""CloudFront in front: what share of catalog views the edge serves, and what a million views cost with it.

Two measured parts and one simulated one:

1. Which answers Django lets the edge share (shopsite.edge): every catalog page is requested through the
   test client, once as a visitor without cookies and once as a visitor with a cart; the share of shareable
   answers comes from those headers, not from a table of assumptions.
2. The bytes of each page as CloudFront would send it (gzip), for the data-transfer line of the bill.
3. The hit ratio: a mixed workload (VISITORS_WITH_COOKIES of the views from visitors with a session or cart,
   the rest without), RATE views a second spread over the demo catalog's pages by a Zipf law, replayed
   against an edge cache that keeps a shareable answer for s-maxage seconds — for one edge location, which
   is the pessimistic case (each location has its own cache).

Prices (us-east-1 / North America, on demand): CloudFront $0.0100 per 10,000 HTTPS requests and $0.085/GB out;
API Gateway's data out $0.09/GB. CloudFront's always-free tier (10 M requests and 1 TB a month) is left out.
"""
import gzip
import itertools
import random

CLOUDFRONT_REQUESTS_PER_MILLION = 1.00
CLOUDFRONT_PER_GB = 0.085
INTERNET_OUT_PER_GB = 0.09
VISITORS_WITH_COOKIES = 0.3
RATES = (5, 50)  # catalog views a second, shop-wide
SECONDS = 600
ZIPF_S = 1.1


def _shareable(response) -> bool:
    control = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    return "public" in control and any(part.startswith("s-maxage=") for part in control) and not response.cookies


def measure_edge(*, paths: list[str], ttl: int) -> dict:
    """Shareable answers per visitor kind (measured), page bytes, and the simulated edge hit ratio."""
    from django.test import Client

    from catalog import selectors

    shareable = {"without cookies": 0, "with a cart": 0}
    sizes = []
    cart = Client()
    product = selectors.product_list(limit=1).items[0]
    cart.post("/cart/add/", {"product_id": product.product_id, "quantity": 1})
    for path in paths:
        anonymous = Client().get(path)
        shareable["without cookies"] += _shareable(anonymous)
        shareable["with a cart"] += _shareable(cart.get(path))
        sizes.append(len(gzip.compress(anonymous.content)))
    page_gb = sum(sizes) / len(sizes) / 1e9
    share_anonymous = shareable["without cookies"] / len(paths)
    share_cart = shareable["with a cart"] / len(paths)
    rng = random.Random(7)
    weights = [1 / (rank + 1) ** ZIPF_S for rank in range(len(paths))]
    cumulative = list(itertools.accumulate(weights))
    scenarios = {}
    for rate in RATES:
        expires: dict[int, float] = {}
        hits = views = 0
        for n in range(rate * SECONDS):
            now = n / rate
            page = rng.choices(range(len(paths)), cum_weights=cumulative)[0]
            views += 1
            has_cookies = rng.random() < VISITORS_WITH_COOKIES
            if has_cookies and share_cart == 0:
                continue  # a visitor with cookies always goes to the origin
            if expires.get(page, -1) > now:
                hits += 1
            elif share_anonymous:
                expires[page] = now + ttl
        scenarios[f"{rate} views/s"] = {"edge_share": round(hits / views, 3)}
    return {"page_gb": page_gb, "pages": len(paths), "shareable_without_cookies": round(share_anonymous, 3),
            "shareable_with_a_cart": round(share_cart, 3), "page_kib_gzip": round(sum(sizes) / len(sizes) / 1024, 1),
            "visitors_with_cookies": VISITORS_WITH_COOKIES, "ttl_seconds": ttl, "scenarios": scenarios}


def edge_costs(edge: dict, *, origin_usd_per_million: float) -> dict:
    """Add each scenario's cost per million views with CloudFront, and today's, with the arithmetic."""
    page_gb = edge["page_gb"]
    for row in edge["scenarios"].values():
        share = row["edge_share"]
        with_edge = CLOUDFRONT_REQUESTS_PER_MILLION + page_gb * 1e6 * CLOUDFRONT_PER_GB + (1 - share) * origin_usd_per_million
        today = origin_usd_per_million + page_gb * 1e6 * INTERNET_OUT_PER_GB
        row.update({
            "usd_per_million_with_cloudfront": round(with_edge, 3), "usd_per_million_today": round(today, 3),
            "arithmetic": (f"CloudFront {CLOUDFRONT_REQUESTS_PER_MILLION:.2f} + {page_gb * 1e9 / 1024:.1f} KiB x 1M x "
                           f"${CLOUDFRONT_PER_GB}/GB + {1 - share:.2f} x origin ${origin_usd_per_million:.3f} = ${with_edge:.3f};"
                           f" today: origin ${origin_usd_per_million:.3f} + data x ${INTERNET_OUT_PER_GB}/GB = ${today:.3f}")})
    return edge


def report_lines(edge: dict) -> list[str]:
    lines = ["", f"CloudFront in front: {edge['pages']} catalog pages, {edge['page_kib_gzip']} KiB each gzipped; "
                 f"answers the edge may share: {edge['shareable_without_cookies']:.0%} for visitors without cookies, "
                 f"{edge['shareable_with_a_cart']:.0%} with a cart",
             f"mixed workload: {edge['visitors_with_cookies']:.0%} of views from visitors with cookies, Zipf popularity, "
             f"s-maxage {edge['ttl_seconds']} s, one edge location (the pessimistic case)",
             f"{'workload':14} {'from the edge':>14} {'$/M with CloudFront':>20} {'$/M today':>10}"]
    for name, row in edge["scenarios"].items():
        lines.append(f"{name:14} {row['edge_share']:>14.0%} {row['usd_per_million_with_cloudfront']:>20.3f} "
                     f"{row['usd_per_million_today']:>10.3f}")
        lines.append(f"    {row['arithmetic']}")
    return lines
