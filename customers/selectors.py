"""Reads of customers."""
from __future__ import annotations

import re
import unicodedata
import uuid
from typing import Iterator

from pynamodb.exceptions import DoesNotExist

from customers.models import Customer, CustomerEmail
from shopsite.counters import tally_value
from shopsite.pagination import Page, multi_prefix_page, query_page

CUSTOMERS_TALLY = "customers"
CUSTOMER_STATUSES = ("active", "inactive")  # what staff can set
LIST_STATUSES = (*CUSTOMER_STATUSES, "guest")  # what the list filters by: guests' records come from their orders
GUEST_NAMESPACE = uuid.UUID("5d7c2f0e-8a1b-4c55-9a43-6b0f1e2d3c4b")


class CustomerNotFound(Exception):
    """No customer with that id or email."""


def normalise_email(email: str) -> str:
    """Return the stored form of an email address: trimmed and lower-case."""
    return (email or "").strip().lower()


def guest_record_id(email: str) -> str:
    """The id of the customer record a guest's orders keep for *email*: the same email, the same record."""
    return "guest-" + uuid.uuid5(GUEST_NAMESPACE, normalise_email(email)).hex


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


def name_search_key(text: str) -> str:
    """A name as the name index stores it: accents dropped, case folded, single spaces, at most 100 characters."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return " ".join(text.split())[:100]


def phone_search_key(text: str) -> str:
    """A phone number as the phone index stores it: its digits only."""
    return re.sub(r"\D", "", text or "")[:32]


def customer_list(*, limit: int = 25, cursor: str | None = None, status: str = "", oldest_first: bool = False) -> Page:
    """Return one page of customers, newest (or oldest) first, optionally of one status: one Query on the
    listing index (a status filter reads at most a few Query pages). Raises InvalidCursor for a foreign cursor."""
    status = status if status in LIST_STATUSES else ""
    return query_page(Customer.listing_index, "all", scope=f"customers:{status}:{oldest_first}", cursor=cursor,
                      limit=limit, forward=oldest_first, filter_condition=(Customer.status == status) if status else None)


def customer_all() -> Iterator[Customer]:
    """Every customer record, guests too: a Scan, for check_integrity only."""
    return Customer.scan()


def customer_get_many(*, customer_ids: list[str]) -> list[Customer]:
    """The customers with these ids (missing ones left out): one BatchGet per 100."""
    ids = [i for i in dict.fromkeys(customer_ids) if i and len(i) <= 64]
    return list(Customer.batch_get(ids)) if ids else []


def customer_count(*, max_age: int = 0) -> int:
    """How many customers there are: one GetItem on the tally kept by every create and delete (exact), or with
    *max_age* a copy at most that many seconds old (lists: no read on most pages)."""
    return tally_value(name=CUSTOMERS_TALLY, max_age=max_age)


def _search_plan(query: str) -> dict[str, tuple]:
    """Which index answers *query*, and with what prefix: an email, a phone number, or a name (and email)."""
    query = (query or "").strip()[:100]
    digits = phone_search_key(query)
    if "@" in query:
        return {"email": (Customer.email_index, Customer.email, normalise_email(query))}
    if len(digits) >= 3 and re.fullmatch(r"[\d\s+().-]+", query):
        return {"phone": (Customer.phone_index, Customer.phone_key, digits)}
    return {"name": (Customer.name_index, Customer.name_key, name_search_key(query)),
            "email": (Customer.email_index, Customer.email, normalise_email(query))}


def customer_search(*, query: str, cursor: str | None = None, limit: int = 25) -> Page:
    """Customers whose email, surname-first name or phone starts with *query*.

    One Query per index the query can mean (an email or a phone number: one;
    words: name and email, two), each resuming from its own key in the
    cursor. Raises InvalidCursor for a cursor made for another search.
    """
    scope = f"customer-search:{(query or '').strip()[:100]}"
    return multi_prefix_page(_search_plan(query), scope=scope, cursor=cursor, limit=limit,
                             key=lambda customer: customer.customer_id)
