from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.utils.functional import SimpleLazyObject

from customers import selectors
from accounts.models import Staff
from customers.models import Customer  # to match the account the session's read fetched (sessions.py)
from accounts import selectors as account_selectors
from accounts.auth import (
    CUSTOMER_HASH_KEY,
    CUSTOMER_SESSION_KEY,
    STAFF_HASH_KEY,
    STAFF_SESSION_KEY,
    AnonymousPrincipal,
    digest_matches,
)
from shopsite.errors import is_unavailable
from shopsite.middleware import unavailable_response


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's session middleware, with a session save that DynamoDB refuses
    (throttled, unreachable) answered by the 503 page rather than a 500: the
    save runs after the view, beyond the reach of process_exception."""

    def process_response(self, request, response):
        try:
            return super().process_response(request, response)
        except Exception as error:
            if not is_unavailable(error):
                raise
            return unavailable_response(request, error)


def _account(request, model, key, read):
    """The account the session's own read fetched (a signed-in key names it), else one read now."""
    fetched, item = getattr(request.session, "account_read", lambda *a: (False, None))(model, key)
    return item if fetched else read()


def _may_be_signed_in(request) -> bool:
    """False when the session key itself says nobody signed in (no account hint): no read needed."""
    return getattr(request.session, "may_be_signed_in", True)


def _staff(request):
    if not _may_be_signed_in(request):
        return AnonymousPrincipal()
    email = request.session.get(STAFF_SESSION_KEY)
    if not email:
        return AnonymousPrincipal()
    staff = _account(request, Staff, email, lambda: account_selectors.staff_find(email=email))
    if staff is None or not staff.active or not digest_matches(request.session, STAFF_HASH_KEY, staff.password):
        return AnonymousPrincipal()
    return staff


def _customer(request):
    if not _may_be_signed_in(request):
        return AnonymousPrincipal()
    customer_id = request.session.get(CUSTOMER_SESSION_KEY)
    if not customer_id:
        return AnonymousPrincipal()
    customer = _account(request, Customer, customer_id, lambda: selectors.customer_find(customer_id=customer_id))
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
