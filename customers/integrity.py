"""Customer checks for ``check_integrity``: every email guard matches its customer, and back; every API key is listed."""
from __future__ import annotations

from typing import Iterator

from customers.models import ApiKey, Customer, CustomerEmail
from shopsite.integrity import Finding, register


@register
def email_guards() -> Iterator[Finding]:
    customers = {c.customer_id: c.email for c in Customer.scan()}
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
def api_key_listing() -> Iterator[Finding]:
    """Keys made before the console listed keys lack ``listing``, so the console cannot show or revoke them."""
    for key in ApiKey.scan(ApiKey.listing.does_not_exist()):  # the model's default would hide a missing value
        yield Finding("api keys", f"key {key.prefix}… ({key.name}) is missing from the console's list",
                      repair=lambda key=key: ApiKey(key.key_hash).update(actions=[ApiKey.listing.set("all")],
                                                                         condition=ApiKey.key_hash.exists()))
