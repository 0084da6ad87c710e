"""Business and health metrics in CloudWatch's Embedded Metric Format.

Each request collects its metrics in its own powertools ``EphemeralMetrics``
set (no state shared between threads); the request middleware writes the set
as one JSON line through the ``shopsite.metrics`` logger. On Lambda that line
goes to CloudWatch Logs, which turns it into metrics; locally it is just a log
line. Outside a request (management commands) a metric is written at once.
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
    from aws_lambda_powertools.metrics import EphemeralMetrics

    return EphemeralMetrics(namespace=settings.METRICS_NAMESPACE, service=settings.METRICS_SERVICE)


def _emit(metrics) -> None:
    if not metrics.metric_set:
        return
    blob = metrics.serialize_metric_set()
    metrics.clear_metrics()
    log.info(json.dumps(blob, separators=(",", ":")))


def metric_add(*, name: str, value: float = 1, unit: str = "Count") -> None:
    """Record one value of *name* for the current request (or emit it now outside one)."""
    current = getattr(_local, "metrics", None)
    if current is not None:
        current.add_metric(name=name, unit=unit, value=value)
        return
    if not log.isEnabledFor(logging.INFO):
        return
    single = _new_set()
    single.add_metric(name=name, unit=unit, value=value)
    _emit(single)


@contextmanager
def metrics_scope() -> Iterator[None]:
    """Collect the metrics recorded inside the block and write them as one EMF line."""
    previous = getattr(_local, "metrics", None)
    _local.metrics = _new_set() if log.isEnabledFor(logging.INFO) else None
    try:
        yield
    finally:
        current, _local.metrics = _local.metrics, previous
        if current is not None:
            _emit(current)
