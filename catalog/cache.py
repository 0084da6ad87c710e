"""Caching of shopper-facing catalog data, invalidated by a generation key.

Every catalog write bumps the generation, so all cached listings become
unreachable at once and the next request reads fresh data.
"""
import hashlib
import uuid
from typing import Any, Callable

from django.core.cache import cache

_GENERATION_KEY = "catalog:generation"


def _generation() -> str:
    generation = cache.get(_GENERATION_KEY)
    if generation is None:
        generation = uuid.uuid4().hex
        cache.add(_GENERATION_KEY, generation, None)
        generation = cache.get(_GENERATION_KEY, generation)
    return generation


def catalog_cached(name: str, *parts: Any, loader: Callable[[], Any]) -> Any:
    """Return the cached value for (name, parts), computing it with *loader* on a miss (None is cached too)."""
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    return cache.get_or_set(f"catalog:{_generation()}:{name}:{digest}", loader)


def catalog_cache_invalidate() -> None:
    """Make every cached catalog page stale."""
    cache.set(_GENERATION_KEY, uuid.uuid4().hex, None)
