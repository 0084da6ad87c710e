"""Customer checks for ``check_integrity``: every email guard matches its account, and back (guests hold none);
the tally; search keys."""
from __future__ import annotations

from typing import Iterator

from customers.models import Customer, CustomerEmail
from customers.selectors import CUSTOMERS_TALLY, name_search_key, phone_search_key
from shopsite.integrity import Finding, register, tally_findings


@register
def email_guards() -> Iterator[Finding]:
    customers = {c.customer_id: c.email for c in Customer.scan() if not c.is_guest}  # a guest holds no guard
    guards = {g.email: g.customer_id for g in CustomerEmail.scan()}
    for email, customer_id in guards.items():
        if customers.get(customer_id) != email:
            yield Finding("email guards", f"guard {email} points at {customer_id}, which does not use that email",
                          repair=lambda email=email: CustomerEmail(email).delete(condition=CustomerEmail.email.exists()))
    for customer_id, email in customers.items():
        if guards.get(email) != customer_id:
            yield Finding("email guards", f"customer {customer_id} ({email}) has no guard",
                          repair=lambda email=email, customer_id=customer_id: CustomerEmail(email, customer_id=customer_id).save(
                              condition=CustomerEmail.email.does_not_exist()))


@register
def customer_tally() -> Iterator[Finding]:
    yield from tally_findings("customers tally", {CUSTOMERS_TALLY: {"value": sum(1 for _ in Customer.scan())}})


@register
def customer_search_keys() -> Iterator[Finding]:
    """Customers saved before staff search existed lack their name and phone keys, so search misses them."""
    for customer in Customer.scan():
        name_key = name_search_key(f"{customer.last_name} {customer.first_name}") or None
        phone_key = phone_search_key(customer.phone) or None
        if (customer.name_key, customer.phone_key) != (name_key, phone_key):
            actions = [Customer.name_key.set(name_key) if name_key else Customer.name_key.remove(),
                       Customer.phone_key.set(phone_key) if phone_key else Customer.phone_key.remove()]
            yield Finding("customer search", f"customer {customer.email} is missing from staff search",
                          repair=lambda customer=customer, actions=actions: customer.update(actions=actions))
