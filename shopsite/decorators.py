"""Access decorators: they rely only on ``request.staff`` / ``request.customer``.

They live in ``shopsite`` so that every app can guard its views without
importing the customers app.
"""
from functools import wraps
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse


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
