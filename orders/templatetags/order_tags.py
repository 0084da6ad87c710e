from django import template

from orders import selectors
from orders.models import STATUS_LABELS

register = template.Library()


@register.filter
def status_label(status: str) -> str:
    """An order status as people read it ("placed" is "Awaiting payment")."""
    return STATUS_LABELS.get(status, str(status).capitalize())


@register.simple_tag
def tracking_url(order) -> str | None:
    """The carrier's tracking page for the order's parcel, or None."""
    return selectors.tracking_url(carrier=order.carrier, number=order.tracking_number)
