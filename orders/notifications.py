"""Emails to the shopper when their order is placed or changes status."""
from django.urls import reverse

from shopsite.emails import email_send

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
    path = reverse("orders:detail", kwargs={"order_id": order.order_id})
    order_url = request.build_absolute_uri(path) if request is not None else f"{base_url.rstrip('/')}{path}"
    return email_send(to=order.email, template=template, subject=subject.format(reference=order.reference),
                      context={"order": order, "order_url": order_url, "refunded": refunded or order.status == "refunded"})
