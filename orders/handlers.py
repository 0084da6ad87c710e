"""Signal handlers: orders reacts to customer events without customers importing orders."""
from django.dispatch import receiver

from customers.signals import customer_logged_in, customer_signed_up
from orders import notifications, selectors, services
from orders.cart import CART_SESSION_KEY, cart_count_refresh


@receiver(customer_logged_in)
def merge_anonymous_cart(sender, request, customer_id, **kwargs):
    """Fold the visitor's anonymous cart (its id kept in the session) into the shopper's cart on sign-in."""
    anonymous_cart_id = request.session.pop(CART_SESSION_KEY, None)
    target = services.cart_id_for_customer(customer_id)
    if anonymous_cart_id and anonymous_cart_id != target:
        services.cart_merge(from_cart_id=anonymous_cart_id, to_cart_id=target)
    cart_count_refresh(request)


@receiver(customer_signed_up)
def offer_guest_orders(sender, request, customer, **kwargs):
    """A new account whose email placed guest orders gets a link to add them (only its inbox can use it)."""
    if selectors.guest_orders_exist(email=customer.email):
        notifications.claim_email_send(customer=customer, request=request)
