"""Reading webhook endpoints and their delivery logs."""
from __future__ import annotations

from shopsite.pagination import Page
from webhooks.models import EVENT_TYPES, WebhookDelivery, WebhookEndpoint  # noqa: F401  (EVENT_TYPES: for the console's form)

MAX_ENDPOINTS = 20  # one Scan of a tiny table, read by every batch of the orders stream


class EndpointNotFound(Exception):
    pass


def endpoint_list() -> list[WebhookEndpoint]:
    """Every endpoint, oldest first (a handful: the table holds at most MAX_ENDPOINTS)."""
    return sorted(WebhookEndpoint.scan(limit=MAX_ENDPOINTS * 2), key=lambda endpoint: endpoint.created_at)


def endpoints_for(event_type: str, endpoints: list[WebhookEndpoint]) -> list[WebhookEndpoint]:
    return [endpoint for endpoint in endpoints if endpoint.active and event_type in (endpoint.events or set())]


def endpoint_get(*, endpoint_id: str) -> WebhookEndpoint:
    try:
        return WebhookEndpoint.get(endpoint_id)
    except WebhookEndpoint.DoesNotExist:
        raise EndpointNotFound(endpoint_id) from None


def delivery_list(*, endpoint_id: str, limit: int = 50) -> Page:
    """The endpoint's deliveries, newest first (one Query)."""
    items = list(WebhookDelivery.query(endpoint_id, scan_index_forward=False, limit=limit))
    return Page(items=items, next_cursor=None)


def delivery_find(*, endpoint_id: str, delivery_key: str) -> WebhookDelivery | None:
    try:
        return WebhookDelivery.get(endpoint_id, delivery_key)
    except WebhookDelivery.DoesNotExist:
        return None
