"""Registering webhook endpoints, recording deliveries and attempting them.

An event reaches an endpoint as one delivery (its key holds the event id, so a stream record seen twice is
recorded once). Each attempt signs the body afresh; a failed one plans the next by ``RETRY_DELAYS`` (1 min,
5 min, 30 min, 2 h, 6 h, 12 h, 24 h: eight attempts over about 45 hours), then the delivery is "failed" and
stays in the endpoint's log, where staff may send it again.
"""
from __future__ import annotations

import json
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from shopsite.audit import audit_add
from shopsite.transactions import ConditionFailed, condition_checked, transaction
from webhooks import delivery as sender
from webhooks.models import EVENT_TYPES, WebhookDelivery, WebhookEndpoint
from webhooks.selectors import MAX_ENDPOINTS, delivery_find, endpoint_get, endpoint_list

RETRY_DELAYS = (60, 300, 1800, 7200, 21600, 43200, 86400)
LOG_DAYS = 30


class TooManyEndpoints(Exception):
    pass


@dataclass(frozen=True)
class Event:
    """One thing that happened, as every endpoint that wants it receives it."""

    event_id: str
    event_type: str
    occurred_at: datetime
    data: dict

    def body(self) -> str:
        return json.dumps({"id": self.event_id, "type": self.event_type, "created": self.occurred_at.isoformat(),
                           "data": self.data}, separators=(",", ":"), sort_keys=True)


def endpoint_create(*, url: str, events: set[str], description: str = "", actor: str) -> tuple[WebhookEndpoint, str]:
    """Register *url* for *events*; return it and its signing secret (shown once). Raises UrlRefused."""
    sender.url_target(url)
    unknown = set(events) - set(EVENT_TYPES)
    if unknown or not events:
        raise ValueError(f"Unknown events: {', '.join(sorted(unknown))}" if unknown else "Choose at least one event.")
    if len(endpoint_list()) >= MAX_ENDPOINTS:
        raise TooManyEndpoints(f"At most {MAX_ENDPOINTS} endpoints.")
    secret = f"whsec_{secrets.token_urlsafe(32)}"
    endpoint = WebhookEndpoint(f"we_{uuid.uuid4().hex[:20]}", url=url, description=description[:200],
                               events=set(events), secret=secret, active=1, created_at=timezone.now(),
                               created_by=actor)
    with transaction() as tx:
        tx.save(endpoint, label="endpoint", condition=WebhookEndpoint.endpoint_id.does_not_exist())
        audit_add(tx, subject=f"webhook#{endpoint.endpoint_id}", actor=actor, action="created",
                  changes={"url": [None, url], "events": [None, sorted(events)]})
    return endpoint, secret


def endpoint_set_active(*, endpoint_id: str, active: bool, actor: str) -> WebhookEndpoint:
    endpoint = endpoint_get(endpoint_id=endpoint_id)
    with transaction() as tx:
        tx.update(endpoint, actions=[WebhookEndpoint.active.set(1 if active else 0)], label="endpoint",
                  condition=WebhookEndpoint.endpoint_id.exists())
        audit_add(tx, subject=f"webhook#{endpoint_id}", actor=actor, action="enabled" if active else "disabled")
    endpoint.active = 1 if active else 0
    return endpoint


def endpoint_delete(*, endpoint_id: str, actor: str) -> None:
    endpoint = endpoint_get(endpoint_id=endpoint_id)
    with transaction() as tx:
        tx.delete(endpoint, label="endpoint")
        audit_add(tx, subject=f"webhook#{endpoint_id}", actor=actor, action="deleted",
                  changes={"url": [endpoint.url, None]})


def delivery_record(*, endpoint: WebhookEndpoint, event: Event) -> WebhookDelivery | None:
    """Record *event* for *endpoint*, due now; None when it was recorded before (a redelivered stream record)."""
    now = timezone.now()
    delivery = WebhookDelivery(endpoint.endpoint_id, f"{event.occurred_at.isoformat()}#{event.event_id}",
                               event_id=event.event_id, event_type=event.event_type, body=event.body(),
                               status="pending", attempts=0, due="due", next_attempt_at=now, created_at=now,
                               expires_at=now + timedelta(days=LOG_DAYS))
    try:
        with condition_checked():
            delivery.save(condition=WebhookDelivery.delivery_key.does_not_exist())
    except ConditionFailed:
        return None
    return delivery


def delivery_attempt(*, delivery: WebhookDelivery, endpoint: WebhookEndpoint | None = None,
                     now: datetime | None = None) -> WebhookDelivery:
    """Send *delivery* once, signed now, and write down how it went and when the next attempt is."""
    now = now or timezone.now()
    if endpoint is None:
        endpoint = endpoint_get(endpoint_id=delivery.endpoint_id)
    body = delivery.body.encode()
    outcome = sender.post(url=endpoint.url, body=body, headers={
        sender.SIGNATURE_HEADER: sender.signature_header(secret=endpoint.secret, body=body),
        "Shopsite-Event-Id": delivery.event_id, "Shopsite-Event": delivery.event_type})
    attempts = int(delivery.attempts) + 1
    actions = [WebhookDelivery.attempts.set(attempts), WebhookDelivery.last_attempt_at.set(now)]
    if outcome.ok:
        status, actions = "succeeded", [*actions, WebhookDelivery.last_error.set(""),
                                       WebhookDelivery.due.remove(), WebhookDelivery.next_attempt_at.remove()]
    elif attempts <= len(RETRY_DELAYS):
        status, actions = "retrying", [*actions, WebhookDelivery.last_error.set(outcome.error[:300]),
                                      WebhookDelivery.due.set("due"),
                                      WebhookDelivery.next_attempt_at.set(now + timedelta(seconds=RETRY_DELAYS[attempts - 1]))]
    else:
        status, actions = "failed", [*actions, WebhookDelivery.last_error.set(outcome.error[:300]),
                                    WebhookDelivery.due.remove(), WebhookDelivery.next_attempt_at.remove()]
    delivery.update(actions=[*actions, WebhookDelivery.status.set(status)])
    return delivery


def deliveries_retry_due(*, now: datetime | None = None, limit: int = 100) -> tuple[int, int]:
    """Attempt every delivery whose next attempt is due (one Query on the sparse due index), oldest first, until
    twice WEBHOOK_BATCH_SECONDS are spent (the rest wait for the next run); return (succeeded, not)."""
    now = now or timezone.now()
    stop_at = time.monotonic() + 2 * settings.WEBHOOK_BATCH_SECONDS
    endpoints = {endpoint.endpoint_id: endpoint for endpoint in endpoint_list()}
    succeeded = failed = 0
    for due in WebhookDelivery.due_index.query("due", WebhookDelivery.next_attempt_at <= now, limit=limit):
        if succeeded + failed and time.monotonic() > stop_at:  # at least one per run, however slow
            break
        endpoint = endpoints.get(due.endpoint_id)
        delivery = WebhookDelivery.get(due.endpoint_id, due.delivery_key)
        if endpoint is None or not endpoint.active:
            delivery.update(actions=[WebhookDelivery.due.remove(), WebhookDelivery.status.set("failed"),
                                     WebhookDelivery.last_error.set("The endpoint was disabled or deleted.")])
            failed += 1
            continue
        delivery_attempt(delivery=delivery, endpoint=endpoint, now=now)
        succeeded, failed = (succeeded + 1, failed) if delivery.status == "succeeded" else (succeeded, failed + 1)
    return succeeded, failed


def delivery_resend(*, endpoint_id: str, delivery_key: str) -> WebhookDelivery | None:
    """Staff's "send again": one attempt now, whatever the delivery's state (the receiver dedupes by event id)."""
    delivery = delivery_find(endpoint_id=endpoint_id, delivery_key=delivery_key)
    return delivery_attempt(delivery=delivery) if delivery else None


def event_deliver(*, event: Event, endpoints: list[WebhookEndpoint], attempt: bool = True) -> None:
    """Record *event* for each endpoint that wants it and, with *attempt*, try it at once, in the order events
    come. Without, the delivery waits, due now, for the retry job (the stream batch's time is spent)."""
    for endpoint in endpoints:
        if not endpoint.active or event.event_type not in (endpoint.events or set()):
            continue
        delivery = delivery_record(endpoint=endpoint, event=event)
        if delivery is not None and attempt:
            delivery_attempt(delivery=delivery, endpoint=endpoint)
