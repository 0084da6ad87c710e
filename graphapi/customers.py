"""Customer records in GraphQL (staff only): list, read, create, replace, delete."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime

import strawberry
from graphql import GraphQLError
from strawberry.types import Info

from customers import selectors as customer_selectors
from customers import services as customer_services
from customers.forms import CustomerForm
from graphapi.common import actor_of, fail, page_size, paged, require, valid_id


@strawberry.type
class Customer:
    id: strawberry.ID
    email: str
    first_name: str
    last_name: str
    phone: str
    city: str
    country: str
    status: str
    created_at: datetime
    version: int
    order_count: int = strawberry.field(description="Orders placed, kept from the orders.")
    spent_cents: int = strawberry.field(description="The total of those orders not cancelled or refunded.")


@strawberry.type
class CustomerPage:
    items: list[Customer]
    next_cursor: str | None


@strawberry.input
class CustomerInput:
    email: str
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    line1: str = ""
    line2: str = ""
    city: str = ""
    postal_code: str = ""
    country: str = ""
    notes: str = ""
    status: str = "active"


def customer_fields(data: CustomerInput) -> dict:
    """Validate with the console's own form: the same rules, the same messages, per field."""
    form = CustomerForm(vars(data))
    if not form.is_valid():
        raise GraphQLError("Some fields are not valid.", extensions={
            "code": "BAD_USER_INPUT", "fields": {name: [str(e) for e in errors] for name, errors in form.errors.items()}})
    return {name: form.cleaned_data[name] for name in vars(data)}


@contextmanager
def customer_errors():
    """The customers services' refusals, as the REST API names them."""
    try:
        yield
    except customer_selectors.CustomerNotFound:
        fail("NOT_FOUND", "No such customer.")
    except customer_services.StaleEdit:
        fail("CONFLICT", "The customer changed since that version; read it again.")
    except customer_services.EmailTaken:
        fail("EMAIL_TAKEN", "Another customer already uses this email.")
    except customer_services.GuestRecord:
        fail("GUEST_RECORD", "A guest's record follows their orders; it cannot be changed or deleted.")


def customer_node(customer) -> Customer:
    return Customer(id=customer.customer_id, email=customer.email, first_name=customer.first_name,
                    last_name=customer.last_name, phone=customer.phone, city=customer.city, country=customer.country,
                    status=customer.status, created_at=customer.created_at, version=int(customer.version or 0),
                    order_count=int(customer.order_count or 0), spent_cents=int(customer.spent_cents or 0))


@strawberry.type
class CustomersQuery:
    @strawberry.field(description="Staff: the customers, newest first.")
    def customers(self, info: Info, first: int = 25, after: str | None = None) -> CustomerPage:
        require(info, "staff")
        page = paged(customer_selectors.customer_list, cursor=after, limit=page_size(first))
        return CustomerPage(items=[customer_node(customer) for customer in page.items], next_cursor=page.next_cursor)

    @strawberry.field(description="Staff: one customer by id.")
    def customer(self, info: Info, id: strawberry.ID) -> Customer | None:
        valid_id(id, field="id")
        require(info, "staff")
        found = customer_selectors.customer_find(customer_id=str(id))
        return customer_node(found) if found is not None else None


@strawberry.type
class CustomersMutation:
    @strawberry.mutation(description="Staff: create a customer (unique email).")
    def create_customer(self, info: Info, input: CustomerInput) -> Customer:
        require(info, "staff")
        with customer_errors():
            return customer_node(customer_services.customer_create(actor=actor_of(info), **customer_fields(input)))

    @strawberry.mutation(description="Staff: replace a customer's fields, if its version is still 'version'.")
    def update_customer(self, info: Info, id: strawberry.ID, version: int, input: CustomerInput) -> Customer:
        valid_id(id, field="id")
        require(info, "staff")
        fields = customer_fields(input)
        with customer_errors():
            return customer_node(customer_services.customer_update(customer_id=str(id), expected_version=version,
                                                               actor=actor_of(info), **fields))

    @strawberry.mutation(description="Staff: delete a customer (and free the email), if its version is still 'version'.")
    def delete_customer(self, info: Info, id: strawberry.ID, version: int) -> bool:
        valid_id(id, field="id")
        require(info, "staff")
        with customer_errors():
            customer_services.customer_delete(customer_id=str(id), expected_version=version, actor=actor_of(info))
        return True
