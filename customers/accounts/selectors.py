"""Reads of staff accounts and API keys."""
from __future__ import annotations

import hashlib

from pynamodb.exceptions import DoesNotExist

from customers.models import ApiKey, Staff
from customers.selectors import normalise_email


def staff_get(*, email: str) -> Staff | None:
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
        api_key = ApiKey.get(api_key_hash(key))
    except DoesNotExist:
        return None
    return api_key if api_key.active else None
