"""Emails to the shopper when their order is placed or changes status."""
from django.core import signing
from django.urls import reverse

from shopsite.emails import email_send

GUEST_LINK_SALT = "shopsite.orders.guest-link"
CLAIM_LINK_SALT = "shopsite.orders.claim"
CLAIM_LINK_SECONDS = 7 * 24 * 3600


def guest_link_path(order) -> str:
    """A signed path that shows a guest order to whoever has the link (sent only to the order's email)."""
    return reverse("orders:guest_link", kwargs={"token": signing.dumps(order.order_id, salt=GUEST_LINK_SALT)})


def guest_link_order_id(token: str) -> str | None:
    try:
        return signing.loads(token, salt=GUEST_LINK_SALT)
    except signing.BadSignature:
        return None


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
    url = request.build_absolute_uri(reverse("orders:claim", kwargs={"token": token}))
    return email_send(to=customer.email, template="claim_orders", subject="Your earlier orders",
                      context={"customer": customer, "claim_url": url})

ORDER_EMAILS = {
    "placed": ("order_placed", "Order {reference} received"),
    "paid": ("order_paid", "Payment received for order {reference}"),
    "shipped": ("order_shipped", "Order {reference} has shipped"),
    "cancelled": ("order_cancelled", "Order {reference} is cancelled"),
    "refunded": ("order_cancelled", "Order {reference} is refunded"),
}


def order_notify(*, order, request=None, base_url: str = "", refunded: bool = False) -> bool:
    """Email the shopper about the order's current status, if that status has an email.

    The link is absolute: built from *request* when there is one, else from
    *base_url* (jobs run without a request). Returns False when nothing went
    out now (no email for this status, or the message waits in the outbox).
    """
    if order.status not in ORDER_EMAILS:
        return False
    template, subject = ORDER_EMAILS[order.status]
    guest = order.customer_id.startswith("guest#")
    path = guest_link_path(order) if guest else reverse("orders:detail", kwargs={"order_id": order.order_id})
    order_url = request.build_absolute_uri(path) if request is not None else f"{base_url.rstrip('/')}{path}"
    return email_send(to=order.email, template=template, subject=subject.format(reference=order.reference),
                      context={"order": order, "order_url": order_url, "refunded": refunded or order.status == "refunded"})
