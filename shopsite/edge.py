"""What CloudFront may keep: catalog pages for visitors without a cookie of ours, for a short, stated time.

A view marked ``edge_cacheable`` (home, listings, categories, products,
search) answers ``Cache-Control: public, max-age=0, s-maxage=EDGE_CACHE_SECONDS,
stale-while-revalidate=EDGE_STALE_SECONDS`` when the request carried none of
the shop's cookies (session, CSRF, cart count, messages) and the response
sets none; any other answer is ``private``. CloudFront's cache key holds
exactly those cookies (deploy/stack-<stage>.json, ``EdgeCatalogCachePolicy``),
so a cached page is only ever served to another visitor without them, and its
default TTL is 0: nothing is kept that Django did not mark public. Browsers
keep nothing (``max-age=0``), so a product change reaches every visitor
within EDGE_CACHE_SECONDS (plus at most EDGE_STALE_SECONDS while the edge
refreshes in the background) — no invalidation, no per-change cost.

Such a page carries no CSRF token (that would set the CSRF cookie and make it
per-visitor): its one form, "Add to cart", goes to a view that checks the
request's ``Origin`` instead (shopsite.decorators.same_origin_post).
"""
from functools import wraps

from django.conf import settings
from django.utils.cache import patch_cache_control

SHOP_COOKIES = ("messages",)  # besides the session, CSRF and cart-count cookies named in settings


def shop_cookie_names() -> tuple[str, ...]:
    """The cookies that make a page per-visitor: CloudFront's cache key holds exactly these."""
    return (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME, "cart_count", *SHOP_COOKIES)


def is_edge_visitor(request) -> bool:
    """Whether *request* carries none of the shop's cookies (the page it gets may be shared)."""
    return not any(name in request.COOKIES for name in shop_cookie_names())


def edge_cacheable(view):
    """Mark a GET view whose page is the same for every visitor without the shop's cookies."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if request.method not in ("GET", "HEAD") or response.status_code != 200:
            return response
        if is_edge_visitor(request) and not response.cookies:
            patch_cache_control(response, public=True, max_age=0, s_maxage=settings.EDGE_CACHE_SECONDS,
                                stale_while_revalidate=settings.EDGE_STALE_SECONDS)
        else:
            patch_cache_control(response, private=True)
        return response

    return wrapper


def edge_context(request) -> dict:
    """Context processor: whether this page may be shared at the edge (then it renders no CSRF token)."""
    return {"edge_page": is_edge_visitor(request)}
