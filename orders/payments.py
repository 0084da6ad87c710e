"""Payment providers behind one small interface.

- ``manual``: bank transfer or pay on delivery; staff mark the order paid.
- ``stripe``: Stripe Checkout, the hosted payment page. The shopper is sent
  there; Stripe's webhooks (orders.payment_views) say how it ended.

Without STRIPE_SECRET_KEY the shop offers the manual provider only. The
``stripe`` library is imported on first use, off the cold-start path.
"""
from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy


class PaymentError(Exception):
    """The provider could not be reached or refused the request; the order itself is unharmed."""


class ManualPayment:
    name = "manual"
    label = gettext_lazy("Bank transfer or pay on delivery")

    @property
    def hold(self) -> timedelta:
        return timedelta(hours=settings.MANUAL_PAYMENT_HOURS)

    def start(self, *, order, success_url: str, cancel_url: str) -> str | None:
        """Nothing to do online: the confirmation page shows how to pay."""
        return None

    def refund(self, *, order) -> None:
        """Staff refund manual payments outside the shop."""


class StripeCheckout:
    name = "stripe"
    label = gettext_lazy("Card (secure payment page by Stripe)")

    @property
    def hold(self) -> timedelta:
        # Stripe lets a Checkout Session live 30 minutes to 24 hours.
        return timedelta(minutes=min(max(settings.STRIPE_PAYMENT_MINUTES, 30), 24 * 60))

    def client(self):
        import stripe

        base = {"api": settings.STRIPE_API_BASE} if settings.STRIPE_API_BASE else None
        return stripe.StripeClient(settings.STRIPE_SECRET_KEY, base_addresses=base, max_network_retries=2)

    def start(self, *, order, success_url: str, cancel_url: str) -> str | None:
        """Create (or, for a repeat, get back) the Checkout Session; return its URL."""
        import stripe

        lines = [{"quantity": int(line.quantity), "price_data": {
            "currency": settings.SHOP_CURRENCY.lower(), "unit_amount": int(line.unit_price_cents),
            "product_data": {"name": line.name}}} for line in order.lines]
        if order.shipping_cents:
            lines.append({"quantity": 1, "price_data": {"currency": settings.SHOP_CURRENCY.lower(),
                          "unit_amount": int(order.shipping_cents), "product_data": {"name": "Shipping"}}})
        expires = max(order.pay_by or timezone.now(), timezone.now() + timedelta(minutes=31))
        params = {
            "mode": "payment", "line_items": lines, "customer_email": order.email,
            "client_reference_id": order.order_id, "metadata": {"order_id": order.order_id},
            "payment_intent_data": {"metadata": {"order_id": order.order_id}},
            "success_url": success_url, "cancel_url": cancel_url, "expires_at": int(expires.timestamp()),
        }
        try:
            session = self.client().v1.checkout.sessions.create(params, {"idempotency_key": f"checkout-{order.order_id}"})
        except stripe.StripeError as error:
            raise PaymentError(str(type(error).__name__)) from error
        return session.url

    def refund(self, *, order) -> None:
        """Refund the whole payment; the idempotency key makes a repeat harmless."""
        import stripe

        if not order.payment_ref:
            raise PaymentError("No payment to refund.")
        try:
            self.client().v1.refunds.create({"payment_intent": order.payment_ref},
                                            {"idempotency_key": f"refund-{order.order_id}"})
        except stripe.StripeError as error:
            raise PaymentError(str(type(error).__name__)) from error


def providers() -> dict[str, ManualPayment | StripeCheckout]:
    """The providers this shop offers, in the order the checkout lists them."""
    found = {}
    if settings.STRIPE_SECRET_KEY:
        found["stripe"] = StripeCheckout()
    if settings.MANUAL_PAYMENTS or not found:
        found["manual"] = ManualPayment()
    return found


def provider_get(name: str):
    """Return the provider *name*, even one no longer offered (its orders still need it)."""
    return {"stripe": StripeCheckout(), "manual": ManualPayment()}.get(name, ManualPayment())
