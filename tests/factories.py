"""Builders for test data, going through the services like real users do."""
import itertools

import pytest

_seq = itertools.count(1)
PASSWORD = "correct-horse-battery-staple"


def make_staff(*, email=None, password=PASSWORD, role="owner"):
    from accounts import services

    return services.staff_create(email=email or f"staff{next(_seq)}@example.com", password=password, name="Staff",
                                 role=role)


def make_customer(*, email=None, password=PASSWORD, **fields):
    from customers import services

    return services.customer_create(email=email or f"shopper{next(_seq)}@example.com", password=password, **fields)


def make_category(*, name=None, slug=None, position=0):
    from catalog import services

    n = next(_seq)
    return services.category_create(name=name or f"Category {n}", slug=slug or f"category-{n}", position=position)


def make_product(*, category=None, name=None, slug=None, price_cents=1000, stock=10, active=True, description="", **kw):
    from catalog import services

    category = category or make_category()
    n = next(_seq)
    return services.product_create(
        name=name or f"Product {n}", slug=slug or f"product-{n}", price_cents=price_cents,
        category_id=category.category_id, stock=stock, active=active, description=description, **kw,
    )


@pytest.fixture
def staff_client(client, tables):
    """A Django test client signed in as staff."""
    staff = make_staff()
    response = client.post("/staff/login/", {"email": staff.email, "password": PASSWORD})
    assert response.status_code == 302
    client.staff = staff
    return client


@pytest.fixture
def customer_client(client, tables):
    """A Django test client signed in as a shopper."""
    customer = make_customer(first_name="Ada", last_name="Lovelace", line1="1 Main St", city="Springfield",
                             postal_code="12345", country="US")
    response = client.post("/account/login/", {"email": customer.email, "password": PASSWORD})
    assert response.status_code == 302
    client.customer = customer
    return client


def signup_confirmed(client, data: dict, *, path: str = "/account/signup/"):
    """Sign up through the form, then open the emailed link in the same browser and create the account;
    return the answer to that last step (a redirect, signed in)."""
    import re

    from django.core import mail

    answer = client.post(path, data)
    assert answer.status_code == 200 and "Check your inbox" in answer.content.decode(), answer.content.decode()[-2000:]
    link = re.search(r"http://testserver(/account/signup/confirm/[^/\s]+/)", mail.outbox[-1].body).group(1)
    return client.post(link)
