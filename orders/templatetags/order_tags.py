from django import template

from orders.models import STATUS_LABELS

register = template.Library()


@register.filter
def status_label(status: str) -> str:
    """An order status as people read it ("placed" is "Awaiting payment")."""
    return STATUS_LABELS.get(status, str(status).capitalize())
