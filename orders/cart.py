"""Which cart a request uses, and the header's cart count kept in the session."""
from orders import selectors, services

CART_SESSION_KEY = "cart_id"
COUNT_SESSION_KEY = "cart_count"


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
    """Store the number of items in the session so that the header needs no query."""
    if cart is None:
        cart = selectors.cart_get(cart_id=cart_id_for_request(request))
    if request.session.get(COUNT_SESSION_KEY) != cart.count:  # avoid a session write when nothing changed
        request.session[COUNT_SESSION_KEY] = cart.count


def cart_count(request) -> dict:
    """Context processor: the cart count for the header."""
    session = getattr(request, "session", None)
    return {"cart_count": session.get(COUNT_SESSION_KEY, 0) if session is not None else 0}
