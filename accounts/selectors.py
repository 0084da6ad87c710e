"""Reads of staff accounts and API keys."""
from __future__ import annotations

import hashlib

from pynamodb.exceptions import DoesNotExist

from accounts.models import ApiKey, Staff
from customers.selectors import normalise_email
from shopsite.pagination import Page, query_page


OWNERS_TALLY = "staff-owners"  # active owners: the last one cannot be deactivated or demoted


def staff_list(*, cursor: str | None = None, limit: int = 50) -> Page:
    """Every staff account, newest first: one Query. Raises InvalidCursor."""
    return query_page(Staff.listing_index, "all", scope="staff", cursor=cursor, limit=limit)


def staff_find(*, email: str) -> Staff | None:
    """Return the staff account for *email*, or None."""
    email = normalise_email(email)
    if not email or len(email) > 254:
        return None
    try:
        return Staff.get(email)
    except DoesNotExist:
        return None


def api_key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_key_find(*, key: str) -> ApiKey | None:
    """Return the active API key matching *key*, or None."""
    if not key or len(key) > 200:
        return None
    try:
        api_key = ApiKey.get(api_key_hash(key), consistent_read=True)  # a revoked key stops at once
    except DoesNotExist:
        return None
    return api_key if api_key.active else None


def api_key_list(*, cursor: str | None = None, limit: int = 25) -> Page:
    """Every API key, newest first: one Query on the listing index. Raises InvalidCursor."""
    return query_page(ApiKey.listing_index, "all", scope="api-keys", cursor=cursor, limit=limit)


def api_key_find_by_hash(*, key_hash: str) -> ApiKey | None:
    """A key by its hash (as the console lists it), or None."""
    if not key_hash or len(key_hash) > 64:
        return None
    try:
        return ApiKey.get(key_hash, consistent_read=True)
    except DoesNotExist:
        return None
