"""Email uniqueness holds under real concurrency against DynamoDB Local."""
import random
from concurrent.futures import ThreadPoolExecutor

import pytest

from customers import selectors, services
from customers.models import Customer, CustomerEmail
from tests.factories import make_customer

pytestmark = pytest.mark.usefixtures("tables")


def _race(n, fn):
    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(lambda i: _outcome(fn, i), range(n)))


def _outcome(fn, i):
    try:
        return fn(i)
    except services.EmailTaken:
        return "taken"


def assert_guards_consistent():
    customers = list(Customer.scan())
    guards = list(CustomerEmail.scan())
    by_email = {}
    for guard in guards:
        by_email.setdefault(guard.email, []).append(guard)
    for customer in customers:
        assert len(by_email.get(customer.email, [])) == 1, customer.email
        assert by_email[customer.email][0].customer_id == customer.customer_id
    ids = {customer.customer_id for customer in customers}
    for guard in guards:
        assert guard.customer_id in ids, guard.email
    assert len(guards) == len(customers)


def test_twenty_threads_signing_up_with_one_email_make_one_customer():
    results = _race(20, lambda i: services.customer_create(email=" Same@Example.com ", password=f"pw-{i}-long-enough"))
    winners = [r for r in results if r != "taken"]
    assert len(winners) == 1
    assert results.count("taken") == 19
    assert [c.email for c in Customer.scan()] == ["same@example.com"]
    assert [g.email for g in CustomerEmail.scan()] == ["same@example.com"]


def test_two_customers_racing_for_one_new_email_exactly_one_wins():
    a, b = make_customer(), make_customer()
    results = _race(2, lambda i: services.customer_update(customer_id=(a, b)[i].customer_id, email="wanted@example.com"))
    assert results.count("taken") == 1
    owner = selectors.customer_get_by_email(email="wanted@example.com")
    assert owner.customer_id in (a.customer_id, b.customer_id)
    assert_guards_consistent()


def test_email_change_frees_the_old_address():
    customer = make_customer(email="old@example.com")
    services.customer_update(customer_id=customer.customer_id, email="new@example.com")
    again = make_customer(email="old@example.com")
    assert again.email == "old@example.com"
    with pytest.raises(services.EmailTaken):
        make_customer(email="NEW@example.com")
    assert_guards_consistent()


def test_delete_frees_the_address():
    customer = make_customer(email="gone@example.com")
    services.customer_delete(customer_id=customer.customer_id)
    assert make_customer(email="gone@example.com").email == "gone@example.com"
    assert_guards_consistent()


def test_stale_version_is_refused():
    customer = make_customer()
    services.customer_update(customer_id=customer.customer_id, expected_version=customer.version, first_name="A")
    with pytest.raises(services.StaleEdit):
        services.customer_update(customer_id=customer.customer_id, expected_version=customer.version, first_name="B")
    assert selectors.customer_get(customer_id=customer.customer_id).first_name == "A"


def test_concurrent_edits_with_the_same_version_one_wins(conflict_hold):
    customer = make_customer()
    version = customer.version
    results = []

    def edit(i):
        try:
            services.customer_update(customer_id=customer.customer_id, expected_version=version, first_name=f"n{i}")
            return "ok"
        except services.StaleEdit:
            return "stale"

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(edit, range(8)))
    assert results.count("ok") == 1


def test_random_sequences_keep_one_guard_per_customer(conflict_hold):
    rng = random.Random(7)
    emails = [f"user{i}@example.com" for i in range(6)]
    ids = []

    def step(_):
        action = rng.choice(["create", "update", "delete"])
        try:
            if action == "create" or not ids:
                ids.append(services.customer_create(email=rng.choice(emails)).customer_id)
            elif action == "update":
                services.customer_update(customer_id=rng.choice(ids), email=rng.choice(emails))
            else:
                customer_id = rng.choice(ids)
                services.customer_delete(customer_id=customer_id)
                ids.remove(customer_id)
        except (services.EmailTaken, selectors.CustomerNotFound, ValueError):
            pass

    for i in range(60):
        step(i)
    # And a concurrent burst on top.
    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(lambda i: _outcome(lambda j: services.customer_create(email=emails[j % 6]), i), range(12)))
    assert_guards_consistent()
