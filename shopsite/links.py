"""Absolute links for emails: always on the shop's configured address, never the request's Host.

A reset or claim link built from the request's ``Host`` (and port) sends
whoever follows it wherever the request said — a poisoned Host header turns
a reset email into a link to someone else's server. ``SHOP_BASE_URL`` (with
the API Gateway stage, e.g. ``https://abc.execute-api.us-east-1.amazonaws.com/dev``,
or the custom domain) is the one address links use; jobs outside a request
use it too.
"""
import logging

from django.conf import settings
from django.urls import get_script_prefix

log = logging.getLogger("shopsite.links")


def site_url(path: str) -> str:
    """*path* (from ``reverse()``, with or without the request's stage prefix) on SHOP_BASE_URL."""
    prefix = get_script_prefix()
    if prefix != "/" and path.startswith(prefix):
        path = "/" + path[len(prefix):]
    base = settings.SHOP_BASE_URL.rstrip("/")
    if not base:
        log.warning("SHOP_BASE_URL is not set: an email link has no host")
    return base + path
