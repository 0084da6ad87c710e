"""Signal handlers: orders reacts to customer events without customers importing orders."""
from django.dispatch import receiver

from customers.signals import customer_logged_in
from orders import services
from orders.cart import cart_count_refresh


@receiver(customer_logged_in)
def merge_anonymous_cart(sender, request, customer_id, anonymous_cart_id, **kwargs):
    """Fold the visitor's anonymous cart into the shopper's cart on sign-in."""
    target = services.cart_id_for_customer(customer_id)
    if anonymous_cart_id and anonymous_cart_id != target:
        services.cart_merge(from_cart_id=anonymous_cart_id, to_cart_id=target)
    request.session.pop("cart_id", None)
    cart_count_refresh(request)
