"""The one place that knows how Shopsite reaches DynamoDB.

Endpoint, region, credentials for DynamoDB Local, timeouts and the table
prefix are read from settings here and nowhere else.  Every PynamoDB model
registers itself with :func:`register` so that shopsite.tables and the test
fixtures can find all of them, and all models share one botocore client.
"""
from __future__ import annotations

import random
import threading
import time
from contextlib import contextmanager
from typing import Iterator

from django.conf import settings
from pynamodb.connection import Connection
from pynamodb.connection.base import BOTOCORE_EXCEPTIONS
from pynamodb.exceptions import GetError
from pynamodb.models import Model

from shopsite.compat.botocore import item_reads_parser_install
from shopsite.compat.pynamodb import SharedConnectionModel, connection_forget, hash_key_name
from shopsite.metrics import metric_add

_registry: dict[str, type[Model]] = {}
_views: list[type[Model]] = []
_local = threading.local()
_shared: dict[str, Connection] = {}
_lock = threading.Lock()
_configured = threading.Event()


def register(name: str, *, view: bool = False):
    """Class decorator: record *name* as the model's table (before the prefix).

    With ``view=True`` the model is a second, narrower view of a table another
    model owns: it gets the table name but ``create_tables`` skips it.
    """

    def decorator(model: type[Model]) -> type[Model]:
        model.Meta.base_table_name = name
        if view:
            _views.append(model)
        else:
            _registry[name] = model
        if _configured.is_set():
            _configure_model(model)
        return model

    return decorator



def models() -> list[type[Model]]:
    """Return every registered model, in registration order."""
    return list(_registry.values())


def table_name(name: str) -> str:
    """Return the full table name for a base name, with the configured prefix."""
    return f"{settings.DYNAMODB_TABLE_PREFIX}{name}"


def host() -> str | None:
    """Return the DynamoDB endpoint URL, or None for real AWS."""
    return settings.DYNAMODB_HOST or None


def _credentials() -> dict[str, str | None]:
    # DynamoDB Local accepts any key, but botocore refuses to send a request
    # without one; real AWS uses the normal credential chain (Lambda role).
    if host():
        return {
            "aws_access_key_id": settings.AWS_ACCESS_KEY_ID or "local",
            "aws_secret_access_key": settings.AWS_SECRET_ACCESS_KEY or "local",
        }
    return {"aws_access_key_id": None, "aws_secret_access_key": None}


class _SharedConnection(Connection):
    """A PynamoDB connection whose botocore client counts the calls it makes and parses item reads cheaply."""

    @property
    def session(self):
        session = super().session
        item_reads_parser_install(session)
        return session

    @property
    def client(self):
        client = super().client
        if not getattr(client, "_shopsite_hooked", False):
            client.meta.events.register_first("needs-retry.dynamodb", _retry_conflicts)
            client.meta.events.register("before-call.dynamodb", _count_call)
            client.meta.events.register("needs-retry.dynamodb", _count_error)
            client._shopsite_hooked = True
        return client




def connection() -> Connection:
    """Return the shared PynamoDB connection (for TransactWrite/TransactGet)."""
    key = f"{host()}|{settings.AWS_REGION}"
    conn = _shared.get(key)
    if conn is None:
        with _lock:
            conn = _shared.get(key)
            if conn is None:
                conn = _SharedConnection(
                    region=settings.AWS_REGION,
                    host=host(),
                    connect_timeout_seconds=settings.DYNAMODB_CONNECT_TIMEOUT,
                    read_timeout_seconds=settings.DYNAMODB_READ_TIMEOUT,
                    retry_configuration={
                        "total_max_attempts": settings.DYNAMODB_MAX_ATTEMPTS,
                        "mode": "standard",
                    },
                    max_pool_connections=settings.DYNAMODB_MAX_POOL_CONNECTIONS,
                    **_credentials(),
                )
                _shared[key] = conn
    return conn


class BaseModel(SharedConnectionModel):
    """Base for every Shopsite model: all tables share one connection."""

    shared_connection = staticmethod(connection)
    shared_lock = _lock

    class Meta:
        abstract = True


def _configure_model(model: type[Model]) -> None:
    model.Meta.table_name = table_name(model.Meta.base_table_name)
    model.Meta.region = settings.AWS_REGION
    model.Meta.host = host()
    connection_forget(model)


def configure() -> None:
    """Apply the current settings (prefix, endpoint) to every registered model."""
    with _lock:
        _shared.clear()
    for model in [*_registry.values(), *_views]:
        _configure_model(model)
    _configured.set()



BATCH_GET_ROUNDS = 5  # a throttled BatchGetItem hands back UnprocessedKeys; ask again this often, backing off


def items_get_many(*, keys: list[tuple[type[Model], str]], consistent: tuple[type[Model], ...] = ()) -> dict:
    """Read items of several tables (models keyed by a hash key alone) in one BatchGetItem.

    Returns {(model, hash key): item} for the items found; tables in *consistent*
    are read strongly consistent. Up to 100 keys; keys DynamoDB leaves
    unprocessed (throttling) are asked for again, a few times, backing off.
    """
    keys = list(dict.fromkeys(keys))
    if len(keys) > 100:
        raise ValueError("BatchGetItem reads at most 100 keys.")
    by_table: dict[str, tuple[type[Model], str]] = {}
    request: dict[str, dict] = {}
    for model, value in keys:
        hash_name = hash_key_name(model)
        by_table[model.Meta.table_name] = (model, hash_name)
        table = request.setdefault(model.Meta.table_name, {"Keys": [], "ConsistentRead": model in consistent})
        table["Keys"].append({hash_name: {"S": value}})
    found: dict = {}
    for round_ in range(BATCH_GET_ROUNDS):
        try:
            response = connection().dispatch("BatchGetItem", {"RequestItems": request})
        except BOTOCORE_EXCEPTIONS as error:
            raise GetError(f"Failed to read items: {error}", error) from error
        for table, raw_items in response.get("Responses", {}).items():
            model, hash_name = by_table[table]
            for raw in raw_items:
                found[(model, raw[hash_name]["S"])] = model.from_raw_data(raw)
        request = response.get("UnprocessedKeys") or {}
        if not request:
            return found
        time.sleep(0.05 * 2 ** round_)
    raise GetError("DynamoDB left keys unprocessed after several rounds (throttled).")

def retry_pause(attempt: int, *, base: float = 0.025, cap: float = 1.0) -> float:
    """Full-jitter exponential backoff: a random pause in [0, min(cap, base * 2**attempt))."""
    return random.uniform(0, min(cap, base * 2 ** attempt))


CONFLICT_ATTEMPTS = 8  # tries of one request that keeps meeting another transaction, before the caller hears of it
_RETRYABLE_REASONS = {"None", "TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"}


def _retry_conflicts(response=None, attempts: int = 1, caught_exception=None, **kwargs) -> float | None:
    """botocore hook: send a request again, after a jittered pause, when DynamoDB refused it only because
    another transaction held one of its items.

    That is ``TransactionConflictException`` for a single write and a
    ``TransactionCanceledException`` whose reasons are all conflicts or
    throttling (no failed condition) for a transaction. botocore does not
    count either as retryable; resending the same request is safe, because
    DynamoDB checks every condition again. Other errors go on to botocore's own
    retry rules (this hook answers None).
    """
    if response is None or caught_exception is not None or attempts >= CONFLICT_ATTEMPTS:
        return None
    parsed = response[1]
    code = parsed.get("Error", {}).get("Code")
    if code == "TransactionConflictException":
        return retry_pause(attempts)
    if code == "TransactionCanceledException":
        reasons = {reason.get("Code") for reason in parsed.get("CancellationReasons") or []}
        if reasons and reasons <= _RETRYABLE_REASONS and reasons != {"None"}:
            return retry_pause(attempts)
    return None


# Counting DynamoDB calls per thread: used by request logs, tests and benchmarks.

def _count_call(**kwargs) -> None:
    counter = getattr(_local, "counter", None)
    if counter is not None:
        counter.append(kwargs.get("model").name if kwargs.get("model") else "?")


_THROTTLES = {"ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded"}


def _count_error(response=None, caught_exception=None, **kwargs) -> None:
    """Record a metric for each failed DynamoDB attempt (botocore then decides on retrying)."""
    if caught_exception is not None:
        metric_add(name="DynamoDBErrors")
        return
    if response is None:
        return
    http, parsed = response
    if http.status_code < 400:
        return
    code = parsed.get("Error", {}).get("Code", "")
    if code in _THROTTLES:
        metric_add(name="DynamoDBThrottles")
    elif http.status_code >= 500:
        metric_add(name="DynamoDBErrors")


@contextmanager
def count_calls() -> Iterator[list[str]]:
    """Collect the names of the DynamoDB operations made by this thread inside the block."""
    previous = getattr(_local, "counter", None)
    calls: list[str] = []
    _local.counter = calls
    try:
        yield calls
    finally:
        _local.counter = previous
        if previous is not None:
            previous.extend(calls)
