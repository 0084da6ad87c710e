"""Reads of customers."""
from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from customers.models import Customer, CustomerEmail
from shopsite.pagination import Page, query_page


class CustomerNotFound(Exception):
    """No customer with that id or email."""


def normalise_email(email: str) -> str:
    """Return the stored form of an email address: trimmed and lower-case."""
    return (email or "").strip().lower()


def customer_find(*, customer_id: str) -> Customer | None:
    """Return the customer, or None."""
    if not customer_id or len(customer_id) > 64:
        return None
    try:
        return Customer.get(customer_id)
    except DoesNotExist:
        return None


def customer_get(*, customer_id: str) -> Customer:
    """Return the customer or raise CustomerNotFound."""
    customer = customer_find(customer_id=customer_id)
    if customer is None:
        raise CustomerNotFound(customer_id)
    return customer


def customer_get_by_email(*, email: str) -> Customer:
    """Return the customer using *email*, found through its guard item (a strongly consistent read)."""
    email = normalise_email(email)
    if not email or len(email) > 254:
        raise CustomerNotFound(email)
    try:
        guard = CustomerEmail.get(email, consistent_read=True)
    except DoesNotExist:
        raise CustomerNotFound(email) from None
    return customer_get(customer_id=guard.customer_id)


def customer_list(*, limit: int = 25, cursor: str | None = None) -> Page:
    """Return one page of customers, newest first: one Query on the listing index.

    Raises shopsite.cursors.InvalidCursor for a cursor that is not ours.
    """
    return query_page(Customer.listing_index, "all", scope="customers", cursor=cursor, limit=limit)
