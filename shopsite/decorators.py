"""View decorators: access (relying only on ``request.staff`` / ``request.customer``) and self-refreshing pages.

They live in ``shopsite`` so that every app can guard its views without
importing the customers app.
"""
import hashlib
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotModified
from django.middleware.csrf import get_token
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import parse_etags, quote_etag
from django.views.decorators.csrf import csrf_exempt

from shopsite.compat.django import csrf_passes


def login_redirect(request, url_name: str):
    return redirect(f"{reverse(url_name)}?{urlencode({'next': request.get_full_path()})}")


def staff_required(view):
    """Send anonymous visitors to the staff login; refuse signed-in shoppers."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.staff.is_authenticated:
            return view(request, *args, **kwargs)
        if request.customer.is_authenticated:
            raise PermissionDenied("Staff only.")
        return login_redirect(request, "console:login")

    return wrapper


def owner_required(view):
    """Staff pages only owners may use (people, API keys): others get 403, anonymous visitors the login."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.staff.is_authenticated and not getattr(request.staff, "is_owner", False):
            raise PermissionDenied("Only owners may manage people, API keys and webhooks.")
        return view(request, *args, **kwargs)

    return staff_required(wrapper)


def customer_required(view=None, *, url_name: str = "accounts:login"):
    """Send anonymous visitors to the shopper login (or *url_name*), coming back afterwards."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.customer.is_authenticated:
                return view(request, *args, **kwargs)
            return login_redirect(request, url_name)

        return wrapper

    return decorator(view) if view is not None else decorator


def refreshable(mark):
    """Let a page's refresh script ask "changed?" cheaply: ``X-Refresh: 1`` plus ``If-None-Match``.

    *mark(request)* returns what changes whenever the page would (a counter
    read with one GetItem), or None for "always render". While it is
    unchanged the answer is 304, without running the view or its Queries.
    Ordinary page loads (no ``X-Refresh``) are untouched and pay nothing.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method != "GET" or request.headers.get("X-Refresh") != "1":
                return view(request, *args, **kwargs)
            value = mark(request)
            if value is None:
                return view(request, *args, **kwargs)
            digest = hashlib.sha256(f"{value}|{request.get_full_path()}|{settings.SECRET_KEY[:8]}".encode()).hexdigest()
            etag = quote_etag(digest[:24])
            if etag in parse_etags(request.headers.get("If-None-Match", "")):
                response = HttpResponseNotModified()
            else:
                response = view(request, *args, **kwargs)
            if response.status_code in (200, 304):
                response["ETag"] = etag
                response["Cache-Control"] = "private, no-cache"
            return response

        return wrapper

    return decorator


def _origin_allowed(request, origin: str) -> bool:
    """Whether *origin* is this site (its scheme and Host) or one of CSRF_TRUSTED_ORIGINS (with their wildcards)."""
    if origin == f"{request.scheme}://{request.get_host()}":
        return True
    for trusted in settings.CSRF_TRUSTED_ORIGINS:
        if origin == trusted:
            return True
        scheme, _, host = trusted.partition("://")
        if host.startswith("*.") and origin.startswith(f"{scheme}://") and origin.endswith(host[1:]):
            return True
    return False


def same_origin_post(view):
    """CSRF protection for a form that pages shared at the edge carry without a token (shopsite.edge): the
    browser's ``Origin`` header must name this site (OWASP's "verify the origin with standard headers"); when a
    browser sends none, ``Sec-Fetch-Site: same-origin`` will do. A request with a valid CSRF token passes too.
    """
    @csrf_exempt
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method == "POST" and not getattr(request, "_dont_enforce_csrf_checks", False):
            origin = request.headers.get("Origin")
            if origin is not None:
                allowed = origin != "null" and _origin_allowed(request, origin)
            else:
                allowed = request.headers.get("Sec-Fetch-Site") == "same-origin" or (
                    csrf_passes(request))
            if not allowed:
                raise PermissionDenied("This form must be sent from the shop's own pages.")
        get_token(request)  # the browser secret an anonymous cart is keyed by (set as the CSRF cookie)
        return view(request, *args, **kwargs)

    return wrapper
