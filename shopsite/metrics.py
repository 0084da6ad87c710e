"""Business and health metrics in CloudWatch's Embedded Metric Format.

Each request collects its metrics in its own list (no state shared between
threads); at the end of the request, if anything was recorded, they become one
powertools ``EphemeralMetrics`` set written as one JSON line through the
``shopsite.metrics`` logger (most requests record nothing and build nothing).
On Lambda that line goes to CloudWatch Logs, which turns it into metrics;
locally it is just a log line. Outside a request (management commands) a metric is written at once.
"""
from __future__ import annotations

import json
import logging
import threading
from contextlib import contextmanager
from typing import Iterator

from django.conf import settings

log = logging.getLogger("shopsite.metrics")
_local = threading.local()


def _new_set():
    from aws_lambda_powertools.metrics import EphemeralMetrics  # lazy: only when metrics go to CloudWatch (Lambda)

    return EphemeralMetrics(namespace=settings.METRICS_NAMESPACE, service=settings.METRICS_SERVICE)


def _emit(values: list[tuple[str, str, float]]) -> None:
    """Write *values* (name, unit, value) as one EMF line; nothing when there are none."""
    if not values:
        return
    metrics = _new_set()
    for name, unit, value in values:
        metrics.add_metric(name=name, unit=unit, value=value)
    log.info(json.dumps(metrics.serialize_metric_set(), separators=(",", ":")))


def metric_add(*, name: str, value: float = 1, unit: str = "Count") -> None:
    """Record one value of *name* for the current request (or emit it now outside one)."""
    current = getattr(_local, "metrics", None)
    if current is not None:
        current.append((name, unit, value))
        return
    if log.isEnabledFor(logging.INFO):
        _emit([(name, unit, value)])


@contextmanager
def metrics_scope() -> Iterator[None]:
    """Collect the metrics recorded inside the block and write them as one EMF line."""
    previous = getattr(_local, "metrics", None)
    _local.metrics = [] if log.isEnabledFor(logging.INFO) else None  # the EMF set is built only if something was recorded
    try:
        yield
    finally:
        current, _local.metrics = _local.metrics, previous
        if current is not None:
            _emit(current)
