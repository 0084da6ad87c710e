"""API keys (shown once, stored as a hash, scoped, revocable) and the per-minute limit keys and shopper
tokens share.
"""
from __future__ import annotations

import secrets
import time
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from pynamodb.exceptions import DoesNotExist, UpdateError

from accounts.selectors import api_key_hash
from accounts.models import ApiKey, LoginAttempt
from shopsite.transactions import ConditionFailed, condition_checked


API_SCOPES = {
    "customers": "the customers REST API (read and write)",
    "catalog:read": "GraphQL: categories, products and search",
    "staff": "GraphQL: orders and customers, as staff",
}


def api_key_create(*, name: str, scopes: set[str] | None = None) -> tuple[ApiKey, str]:
    """Create an API key; return the record and the key itself (shown once, stored hashed)."""
    scopes = set(scopes or {"customers"})
    unknown = scopes - set(API_SCOPES)
    if unknown:
        raise ValueError(f"Unknown scope: {', '.join(sorted(unknown))}")
    key = f"sk_{secrets.token_urlsafe(32)}"
    api_key = ApiKey(api_key_hash(key), name=name, prefix=key[:8], scopes=scopes, created_at=timezone.now())
    api_key.save(condition=ApiKey.key_hash.does_not_exist())
    return api_key, key


def api_key_revoke(*, key_hash: str, by: str) -> ApiKey:
    """Switch a key off for good (it stays listed, as revoked). Raise DoesNotExist for an unknown key."""
    api_key = ApiKey(key_hash)
    try:
        with condition_checked():
            api_key.update(actions=[ApiKey.active.set(False), ApiKey.revoked_by.set(by[:254])],
                           condition=ApiKey.key_hash.exists())
    except ConditionFailed as error:
        raise DoesNotExist(key_hash) from error
    return api_key


LAST_USED_EVERY = timedelta(minutes=10)  # "last used" is kept to this precision: one extra write per key per period


def _minute_slot(key: str, *, limit: int) -> int:
    """Count one request under *key* in the current minute; return 0, or the seconds until the next minute
    when *limit* is spent. One conditional UpdateItem, shared by every Lambda copy (items expire by TTL)."""
    now = int(time.time())
    minute = now // 60
    item = LoginAttempt(f"{key}#{minute}")
    try:
        with condition_checked():
            item.update(
                actions=[LoginAttempt.failures.add(1), LoginAttempt.expires_at.set(timezone.now() + timedelta(minutes=3))],
                condition=LoginAttempt.key.does_not_exist() | (LoginAttempt.failures < limit),
            )
    except ConditionFailed:
        return (minute + 1) * 60 - now
    return 0


def shopper_token_rate_check(*, customer_id: str) -> int:
    """Count one GraphQL request made with a shopper token of *customer_id*; 0, or the seconds to wait.
    Tokens are limited as API keys are (SHOPPER_TOKEN_RATE_LIMIT_PER_MINUTE per shopper, all tokens together)."""
    return _minute_slot(f"shopper#{customer_id[:64]}", limit=settings.SHOPPER_TOKEN_RATE_LIMIT_PER_MINUTE)


def api_key_rate_check(*, api_key: ApiKey) -> int:
    """Count one request of *api_key* in the current minute; return 0, or the seconds until it may call again.

    The limit is the key's own or the default.
    """
    wait = _minute_slot(f"api#{api_key.key_hash[:32]}", limit=int(api_key.rate_limit or settings.API_RATE_LIMIT_PER_MINUTE))
    if wait:
        return wait
    last = api_key.last_used_at
    if last is None or timezone.now() - last > LAST_USED_EVERY:  # from the key just read: no extra read
        try:
            ApiKey(api_key.key_hash).update(actions=[ApiKey.last_used_at.set(timezone.now())],
                                            condition=ApiKey.key_hash.exists())
        except UpdateError:
            pass  # a revoke or outage between the two writes: the request itself may go on
    return 0


# Login throttling, kept in DynamoDB because every Lambda copy must see it.
#
# Policy (see README; OWASP's authentication guidance, as django-axes does
# it): failures are counted, successes are not. A password is checked only
# after a slot was reserved with a conditional write, so a concurrent burst
# checks at most the limit; a successful sign-in gives its slot back. Slots
# are counted per account *and client* (LOGIN_FAILURE_LIMIT per window; each
# lock of that pair lasts twice the one before, up to LOGIN_LOCK_MAX_SECONDS:
# the account's progressive delay) and per client across all accounts
# (LOGIN_CLIENT_LIMIT failures per window, against password spraying), with
# shoppers and staff counted apart. A stranger can therefore lock only their
# own client out of one kind of sign-in, and honest people behind one NAT
# never spend the budget by signing in.
