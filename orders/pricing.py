"""The shop's pricing rules for an order: what shipping costs."""
from django.conf import settings


def shipping_cents_for(*, subtotal_cents: int) -> int:
    """Flat-rate shipping, free from the threshold up, nothing for an empty cart."""
    if not subtotal_cents or subtotal_cents >= settings.FREE_SHIPPING_THRESHOLD_CENTS:
        return 0
    return settings.SHIPPING_FLAT_CENTS
