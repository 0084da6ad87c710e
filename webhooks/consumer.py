"""Order events for webhooks, read from the orders table's stream — never from the request.

A checkout or a status change only writes the order; this consumer sees the change on the stream (on AWS the
stream's event source mapping invokes the function with the batch; locally ``runlocal`` polls it), turns it
into events and delivers them, in stream order. A slow or dead endpoint therefore never slows a checkout, and
an event is not lost when the request that caused it ends: the stream keeps the record until a consumer has
run, and the delivery, once recorded, is retried by ``webhooks.jobs.retry_due``.
"""
from __future__ import annotations

import hashlib
import time
from datetime import datetime
from datetime import timezone as dt_timezone

from django.conf import settings

from catalog.selectors import product_get_many
from catalog.stock import stock_current
from orders.selectors import order_change
from shopsite.streams import stream_consumer
from webhooks.selectors import endpoint_list, endpoints_for
from webhooks.services import Event, event_deliver

STATUS_EVENTS = {"paid": "order.paid", "shipped": "order.shipped", "cancelled": "order.cancelled",
                 "refunded": "order.refunded"}


def _event_id(record: dict, name: str) -> str:
    """Stable for a stream record and event: a redelivered record gives the same id (receivers dedupe on it)."""
    return "evt_" + hashlib.sha256(f"{record['eventID']}#{name}".encode()).hexdigest()[:24]


def _occurred_at(record: dict) -> datetime:
    when = record["dynamodb"].get("ApproximateCreationDateTime")  # seconds from Lambda; a datetime from boto3
    if isinstance(when, datetime):
        return when.astimezone(dt_timezone.utc)
    return datetime.fromtimestamp(float(when), tz=dt_timezone.utc) if when else datetime.now(dt_timezone.utc)


def order_data(order) -> dict:
    """What an order event carries: the order as the shopper's order page shows it, without internals."""
    return {"order": {
        "id": order.order_id, "number": int(order.number) if order.number is not None else None,
        "status": order.status, "email": order.email, "customer_id": order.customer_id,
        "created_at": order.created_at.isoformat(), "payment_provider": order.payment_provider,
        "subtotal_cents": int(order.subtotal_cents), "shipping_cents": int(order.shipping_cents),
        "total_cents": int(order.total_cents), "carrier": order.carrier, "tracking_number": order.tracking_number,
        "lines": [{"product_id": line.product_id, "sku": line.sku, "variant": line.variant_label, "name": line.name,
                   "quantity": int(line.quantity), "unit_price_cents": int(line.unit_price_cents)} for line in order.lines],
    }}


def order_events(record: dict) -> list[Event]:
    """The events one change of an order makes: placed on insert, one per status it moved to."""
    before, after = order_change(record)
    if after is None:
        return []
    names = []
    if before is None:
        names.append("order.placed")
    if (before is None or before.status != after.status) and after.status in STATUS_EVENTS:
        names.append(STATUS_EVENTS[after.status])
    when = _occurred_at(record)
    return [Event(_event_id(record, name), name, when, order_data(after)) for name in names]


def sold_out_events(record: dict) -> list[Event]:
    """product.out_of_stock for each product a new order took the last unit of (a consistent stock read)."""
    before, order = order_change(record)
    if before is not None or order is None:
        return []
    products = product_get_many(product_ids=[line.product_id for line in order.lines])
    events = []
    for product_id, product in products.items():
        if stock_current(product=product) <= 0:
            events.append(Event(_event_id(record, f"product.out_of_stock#{product_id}"), "product.out_of_stock",
                                _occurred_at(record), {"product": {
                                    "id": product_id, "name": product.name, "sku": getattr(product, "sku", None),
                                    "order_id": order.order_id}}))
    return events


@stream_consumer("orders", name="webhooks")
def webhooks_deliver(records: list[dict]) -> None:
    """Deliver the events in *records* to the endpoints that want them, in stream order.

    Every event is recorded; the first attempts stop once ``WEBHOOK_BATCH_SECONDS`` are spent (a dead endpoint
    costs its connect timeout per event), and the rest wait, due now, for the retry job — so a batch always
    finishes well inside the function's timeout and the stream moves on.
    """
    endpoints = [endpoint for endpoint in endpoint_list() if endpoint.active]
    if not endpoints:
        return
    deadline = time.monotonic() + settings.WEBHOOK_BATCH_SECONDS
    wants_stock = bool(endpoints_for("product.out_of_stock", endpoints))
    for record in records:
        events = order_events(record) + (sold_out_events(record) if wants_stock else [])
        for event in events:
            event_deliver(event=event, endpoints=endpoints, attempt=time.monotonic() < deadline)
