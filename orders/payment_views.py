"""Stripe's webhook: signed messages saying how a Checkout Session ended, or that a payment was refunded."""
import json
import logging
import time

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from orders import services

log = logging.getLogger("shopsite.payments")
MAX_BODY = 256 * 1024

# Stripe event type -> what it means for the order.
EVENT_KINDS = {
    "checkout.session.completed": "paid",  # only when its payment_status is "paid"
    "checkout.session.async_payment_succeeded": "paid",
    "checkout.session.expired": "expired",
    "checkout.session.async_payment_failed": "expired",
    "charge.refunded": "refunded",  # only a full refund
}


TOLERANCE_SECONDS = 300  # Stripe's own default tolerance, applied both ways


def _answer(status: int, code: str, message: str = "") -> JsonResponse:
    return JsonResponse({"received": status == 200, "result": code, "message": message}, status=status)


def _signed_at(header: str) -> int | None:
    """The ``t=`` timestamp of a Stripe-Signature header, or None."""
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isdigit() and len(value) <= 12:
            return int(value)
    return None


def _text(value, *, limit: int = 255) -> str | None:
    return value if isinstance(value, str) and 0 < len(value) <= limit else None


def _fields(body: bytes) -> dict | None:
    """What the webhook uses of a verified event, checked: None when the event is malformed."""
    try:
        payload = json.loads(body)
    except ValueError:
        return None
    data = payload.get("data") if isinstance(payload, dict) else None
    obj = data.get("object") if isinstance(data, dict) else None
    if not isinstance(obj, dict) or not _text(payload.get("id")) or not _text(payload.get("type")):
        return None
    metadata = obj.get("metadata") or {}
    if not isinstance(metadata, dict):
        return None
    amounts = [obj.get("amount_refunded", 0), obj.get("amount", 0)]
    if not all(isinstance(amount, int) and not isinstance(amount, bool) for amount in amounts):
        return None
    order_id = metadata.get("order_id") or obj.get("client_reference_id")
    payment_ref = obj.get("payment_intent")
    if (order_id is not None and not _text(order_id, limit=64)) or (payment_ref is not None and not _text(payment_ref)):
        return None
    return {"id": payload["id"], "type": payload["type"], "order_id": order_id, "payment_ref": payment_ref,
            "payment_status": obj.get("payment_status"), "amount_refunded": amounts[0], "amount": amounts[1]}


@csrf_exempt  # Stripe cannot send a CSRF token; the signature proves the sender instead
@require_POST
def stripe_webhook(request):
    """Verify the signature, then apply the event exactly once; 200 tells Stripe to stop retrying."""
    import stripe

    if not settings.STRIPE_WEBHOOK_SECRET:
        return _answer(404, "not_configured")
    if len(request.body) > MAX_BODY:
        return _answer(400, "too_large")
    header = request.META.get("HTTP_STRIPE_SIGNATURE", "")
    try:
        stripe.WebhookSignature.verify_header(request.body.decode("utf-8"), header, settings.STRIPE_WEBHOOK_SECRET,
                                              tolerance=TOLERANCE_SECONDS)
    except (ValueError, UnicodeDecodeError, stripe.SignatureVerificationError):
        return _answer(400, "bad_signature", "The payload or its signature is not valid.")
    signed_at = _signed_at(header)
    if signed_at is None or signed_at > time.time() + TOLERANCE_SECONDS:  # stripe checks only the past side
        return _answer(400, "bad_signature", "The signature's timestamp is outside the tolerance.")
    event = _fields(request.body)
    if event is None:
        log.warning("stripe webhook: a correctly signed event is malformed (%d bytes); refused", len(request.body))
        return _answer(400, "malformed", "The event is signed but not a well-formed Stripe event.")
    kind = EVENT_KINDS.get(event["type"])
    if kind is None:
        return _answer(200, "ignored", f"Events of type {event['type'][:100]} are not used.")
    order_id, payment_ref = event["order_id"], event["payment_ref"]
    if event["type"] == "checkout.session.completed" and event["payment_status"] != "paid":
        return _answer(200, "ignored", "Waiting for the delayed payment to succeed or fail.")
    if kind == "refunded" and event["amount_refunded"] < event["amount"]:
        return _answer(200, "ignored", "A partial refund leaves the order as it is.")
    try:
        outcome, _ = services.payment_event_apply(event_id=f"stripe:{event['id']}", kind=kind, order_id=order_id,
                                                      payment_ref=payment_ref)
    except services.PaymentError:
        log.warning("stripe event %s: the refund of a late payment failed; Stripe will retry", event["id"])
        return _answer(502, "retry_later")
    log.info("stripe event %s (%s): %s", event["id"], event["type"], outcome)  # emails: orders.order_emails
    return _answer(200, outcome)
