"""Emails to the shopper when their order is placed or changes status."""
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy
from django.core import signing
from django.urls import reverse

from orders.selectors import order_find_by_reference
from shopsite.emails import email_render, email_send
from shopsite.links import site_url

GUEST_LINK_SALT = "shopsite.orders.guest-link"
CLAIM_LINK_SALT = "shopsite.orders.claim"
CLAIM_LINK_SECONDS = 7 * 24 * 3600


def guest_link_path(order) -> str:
    """A signed path that shows a guest order to whoever has the link (sent only to the order's email),
    for GUEST_LINK_SECONDS; a guest asks for a fresh one with the order's number and email (guest_link_resend)."""
    return reverse("orders:guest_link", kwargs={"token": signing.dumps(order.order_id, salt=GUEST_LINK_SALT)})


class GuestLinkExpired(Exception):
    """The link was this shop's, but its time is over."""


def guest_link_order_id(token: str) -> str | None:
    """The order a guest link names; None when the link is not this shop's; GuestLinkExpired when it is too old."""
    try:
        return signing.loads(token, salt=GUEST_LINK_SALT, max_age=settings.GUEST_LINK_SECONDS)
    except signing.SignatureExpired:
        raise GuestLinkExpired() from None
    except signing.BadSignature:
        return None


def guest_link_deliver(*, to: str, data: str = "") -> bool:
    """A queued "send me my link" request: a fresh link goes out only when order *data* is a guest order placed
    with the email *to* (the request's answer is the same either way)."""
    order = order_find_by_reference(reference=data)
    if order is None or not order.customer_id.startswith("guest#") or order.email.lower() != to.lower():
        return False
    return guest_link_send(order=order)


def guest_link_send(*, order) -> bool:
    """Email a fresh link to a guest order, to the order's own email."""
    return email_send(to=order.email, template="guest_link", subject=f"Your link to order {order.reference}",
                      context={"order": order, "order_url": site_url(guest_link_path(order)),
                               "days": settings.GUEST_LINK_SECONDS // 86400})


def claim_link_valid(token: str, *, customer) -> bool:
    """Whether *token* was sent to *customer*'s current email for their account, within a week."""
    try:
        data = signing.loads(token, salt=CLAIM_LINK_SALT, max_age=CLAIM_LINK_SECONDS)
    except signing.BadSignature:
        return False
    return data == {"c": customer.customer_id, "e": customer.email}


def claim_email_send(*, customer, request) -> bool:
    """Offer a new account the guest orders placed earlier with its email; the link proves the email is theirs."""
    token = signing.dumps({"c": customer.customer_id, "e": customer.email}, salt=CLAIM_LINK_SALT)
    url = site_url(reverse("orders:claim", kwargs={"token": token}))
    return email_send(to=customer.email, template="claim_orders", subject="Your earlier orders",
                      context={"customer": customer, "claim_url": url})

ORDER_EMAILS = {
    "placed": ("order_placed", gettext_lazy("Order %(reference)s received")),
    "paid": ("order_paid", gettext_lazy("Payment received for order %(reference)s")),
    "shipped": ("order_shipped", gettext_lazy("Order %(reference)s has shipped")),
    "cancelled": ("order_cancelled", gettext_lazy("Order %(reference)s is cancelled")),
    "refunded": ("order_cancelled", gettext_lazy("Order %(reference)s is refunded")),
}


def order_email(*, order, message_id: str | None = None):
    """The email about the order's current status (an unsaved outbox message), or None when that status has none.

    The link is absolute, on SHOP_BASE_URL (shopsite.links) — never a request's Host: these emails are sent by
    the orders stream's consumer (orders.order_emails), after the request that changed the order.
    """
    if order.status not in ORDER_EMAILS:
        return None
    template, subject = ORDER_EMAILS[order.status]
    guest = order.customer_id.startswith("guest#")
    with translation.override(order.language or settings.LANGUAGE_CODE):  # the shopper's language at checkout
        path = guest_link_path(order) if guest else reverse("orders:detail", kwargs={"order_id": order.order_id})
        return email_render(to=order.email, template=template, subject=str(subject) % {"reference": order.reference},
                            context={"order": order, "order_url": site_url(path), "refunded": order.status == "refunded",
                                     "instructions": settings.MANUAL_PAYMENT_INSTRUCTIONS},
                            message_id=message_id)


def order_note_send(*, order, note) -> bool:
    """Email the shopper a note staff wrote to them about the order, with the link to it."""
    guest = order.customer_id.startswith("guest#")
    path = guest_link_path(order) if guest else reverse("orders:detail", kwargs={"order_id": order.order_id})
    return email_send(to=order.email, template="order_note", subject=f"A message about order {order.reference}",
                      context={"order": order, "note": note, "order_url": site_url(path)})
