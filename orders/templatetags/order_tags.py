from django import template

from customers.countries import country_name as _country_name
from orders import selectors
from orders.models import STATUS_LABELS

register = template.Library()


@register.filter
def status_label(status: str) -> str:
    """An order status as people read it ("placed" is "Awaiting payment")."""
    return STATUS_LABELS.get(status, str(status).capitalize())


@register.filter
def country_name(code: str) -> str:
    """An address's country as the shopper's language names it ("US" is "United States", "États-Unis")."""
    return _country_name(code)


@register.simple_tag
def tracking_url(order) -> str | None:
    """The carrier's tracking page for the order's parcel, or None."""
    return selectors.tracking_url(carrier=order.carrier, number=order.tracking_number)
