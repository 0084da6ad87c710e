"""Which cart a request uses, and the header's cart count, kept in a signed cookie.

The count lives in a cookie, not the session, so that a visitor with a cart
browses cached catalog pages without a single DynamoDB read: the header needs
no session. The cookie is signed and bound to the session key (a copied or
stale cookie shows 0), and it is only ever a display: the cart page and
checkout read the cart itself.
"""
from django.conf import settings
from django.utils.crypto import salted_hmac

from orders import selectors, services

CART_SESSION_KEY = "cart_id"
COUNT_COOKIE = "cart_count"
_SALT = "shopsite.orders.cart-count"


def cart_id_for_request(request, *, create: bool = False) -> str | None:
    """Return the cart id: the shopper's when signed in, else the session's (made on demand)."""
    if request.customer.is_authenticated:
        return services.cart_id_for_customer(request.customer.customer_id)
    cart_id = request.session.get(CART_SESSION_KEY)
    if cart_id is None and create:
        cart_id = services.cart_id_for_visitor(browser_secret=request.META.get("CSRF_COOKIE"))
        request.session[CART_SESSION_KEY] = cart_id
    return cart_id


def cart_count_refresh(request, cart=None) -> None:
    """Note the number of items in the cart; CartCountCookieMiddleware writes it to the cookie."""
    if cart is None:
        cart = selectors.cart_get(cart_id=cart_id_for_request(request))
    request.cart_count = cart.count


def _binding(session_key: str | None) -> str:
    return salted_hmac(_SALT, session_key or "", algorithm="sha256").hexdigest()[:16]


def _cookie_count(request) -> int:
    session = getattr(request, "session", None)
    key = session.session_key if session is not None else None
    value = request.get_signed_cookie(COUNT_COOKIE, default="", salt=_SALT) if key else ""
    count, _, binding = value.partition(":")
    return int(count) if count.isdigit() and binding == _binding(key) else 0


def cart_count(request) -> dict:
    """Context processor: the cart count for the header, from this request's change or the cookie (no read)."""
    count = getattr(request, "cart_count", None)
    return {"cart_count": count if count is not None else _cookie_count(request)}


class CartCountCookieMiddleware:
    """Write the header's cart count cookie when a view changed the count. It stands before the session
    middleware, so a session made by this very request is saved (and has its key) by the time it binds."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        count = getattr(request, "cart_count", None)
        if count is None:
            return response
        session = getattr(request, "session", None)
        key = session.session_key if session is not None else None
        if not count or not key:
            if COUNT_COOKIE in request.COOKIES:
                response.delete_cookie(COUNT_COOKIE, samesite=settings.SESSION_COOKIE_SAMESITE)
            return response
        response.set_signed_cookie(
            COUNT_COOKIE, f"{count}:{_binding(key)}", salt=_SALT, max_age=settings.SESSION_COOKIE_AGE,
            secure=settings.SESSION_COOKIE_SECURE, httponly=True, samesite=settings.SESSION_COOKIE_SAMESITE)
        return response
