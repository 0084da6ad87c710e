from django.utils.functional import SimpleLazyObject

from customers import selectors
from customers.accounts import selectors as account_selectors
from customers.accounts.auth import (
    CUSTOMER_HASH_KEY,
    CUSTOMER_SESSION_KEY,
    STAFF_HASH_KEY,
    STAFF_SESSION_KEY,
    AnonymousPrincipal,
    digest_matches,
)


def _staff(request):
    email = request.session.get(STAFF_SESSION_KEY)
    if not email:
        return AnonymousPrincipal()
    staff = account_selectors.staff_get(email=email)
    if staff is None or not staff.active or not digest_matches(request.session, STAFF_HASH_KEY, staff.password):
        return AnonymousPrincipal()
    return staff


def _customer(request):
    customer_id = request.session.get(CUSTOMER_SESSION_KEY)
    if not customer_id:
        return AnonymousPrincipal()
    customer = selectors.customer_find(customer_id=customer_id)
    if (
        customer is None
        or customer.status != "active"
        or not digest_matches(request.session, CUSTOMER_HASH_KEY, customer.password)
    ):
        return AnonymousPrincipal()
    return customer


class AuthenticationMiddleware:
    """Give every request lazy ``request.staff`` and ``request.customer``.

    Nothing is read from DynamoDB unless a view or template asks.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.staff = SimpleLazyObject(lambda: _staff(request))
        request.customer = SimpleLazyObject(lambda: _customer(request))
        return self.get_response(request)
