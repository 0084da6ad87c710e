"""Stripe's webhook: signed messages saying how a Checkout Session ended, or that a payment was refunded."""
import json
import logging

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from orders import services
from orders.notifications import order_notify

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


def _answer(status: int, code: str, message: str = "") -> JsonResponse:
    return JsonResponse({"received": status == 200, "result": code, "message": message}, status=status)


@csrf_exempt  # Stripe cannot send a CSRF token; the signature proves the sender instead
@require_POST
def stripe_webhook(request):
    """Verify the signature, then apply the event exactly once; 200 tells Stripe to stop retrying."""
    import stripe

    if not settings.STRIPE_WEBHOOK_SECRET:
        return _answer(404, "not_configured")
    if len(request.body) > MAX_BODY:
        return _answer(400, "too_large")
    try:
        event = stripe.Webhook.construct_event(request.body, request.META.get("HTTP_STRIPE_SIGNATURE", ""),
                                               settings.STRIPE_WEBHOOK_SECRET)
    except (ValueError, stripe.SignatureVerificationError):
        return _answer(400, "bad_signature", "The payload or its signature is not valid.")
    kind = EVENT_KINDS.get(event.type)
    if kind is None:
        return _answer(200, "ignored", f"Events of type {event.type} are not used.")
    obj = json.loads(request.body)["data"]["object"]  # verified above; plain dicts from here on
    metadata = obj.get("metadata") or {}
    order_id = metadata.get("order_id") or obj.get("client_reference_id")
    payment_ref = obj.get("payment_intent")
    if event.type == "checkout.session.completed" and obj.get("payment_status") != "paid":
        return _answer(200, "ignored", "Waiting for the delayed payment to succeed or fail.")
    if kind == "refunded" and obj.get("amount_refunded", 0) < obj.get("amount", 0):
        return _answer(200, "ignored", "A partial refund leaves the order as it is.")
    try:
        outcome, order = services.payment_event_apply(event_id=f"stripe:{event.id}", kind=kind, order_id=order_id,
                                                      payment_ref=payment_ref)
    except services.PaymentError:
        log.warning("stripe event %s: the refund of a late payment failed; Stripe will retry", event.id)
        return _answer(502, "retry_later")
    log.info("stripe event %s (%s): %s", event.id, event.type, outcome)
    if outcome in ("paid", "cancelled", "refunded") and order is not None:
        order_notify(order=order, request=request, refunded=outcome == "refunded")
    return _answer(200, outcome)
