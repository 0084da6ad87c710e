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
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import parse_etags, quote_etag


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
        return login_redirect(request, "customers:staff_login")

    return wrapper


def owner_required(view):
    """Staff pages only owners may use (people, API keys): others get 403, anonymous visitors the login."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.staff.is_authenticated and not getattr(request.staff, "is_owner", False):
            raise PermissionDenied("Only owners may manage people and API keys.")
        return view(request, *args, **kwargs)

    return staff_required(wrapper)


def customer_required(view=None, *, url_name: str = "customers:login"):
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
