"""Signal handlers: orders reacts to customer events without customers importing orders."""
from django.dispatch import receiver

from customers.signals import customer_logged_in
from orders import services
from orders.cart import CART_SESSION_KEY, cart_count_refresh


@receiver(customer_logged_in)
def merge_anonymous_cart(sender, request, customer_id, **kwargs):
    """Fold the visitor's anonymous cart (its id kept in the session) into the shopper's cart on sign-in."""
    anonymous_cart_id = request.session.pop(CART_SESSION_KEY, None)
    target = services.cart_id_for_customer(customer_id)
    if anonymous_cart_id and anonymous_cart_id != target:
        services.cart_merge(from_cart_id=anonymous_cart_id, to_cart_id=target)
    cart_count_refresh(request)
