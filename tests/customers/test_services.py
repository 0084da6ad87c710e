"""customers.services: email guards swap and stay exact; stale edits are refused."""
import pytest

from customers import selectors, services
from customers.models import CustomerEmail
from shopsite.transactions import StaleEdit
from tests.factories import PASSWORD, make_customer

pytestmark = pytest.mark.usefixtures("tables")


def guard_owner(email):
    try:
        return CustomerEmail.get(email).customer_id
    except CustomerEmail.DoesNotExist:
        return None


def test_changing_the_email_swaps_the_guard():
    customer = make_customer(email="old@example.com")
    services.customer_update(customer_id=customer.customer_id, expected_version=customer.version, email="New@Example.com")
    assert guard_owner("new@example.com") == customer.customer_id and guard_owner("old@example.com") is None
    assert selectors.customer_get_by_email(email="new@example.com").customer_id == customer.customer_id


def test_an_email_in_use_a_stale_version_and_unknown_fields_are_refused():
    first, second = make_customer(email="first@example.com"), make_customer(email="second@example.com")
    with pytest.raises(services.EmailTaken):
        services.customer_update(customer_id=second.customer_id, email="first@example.com")
    assert guard_owner("second@example.com") == second.customer_id
    with pytest.raises(StaleEdit) as stale:
        services.customer_update(customer_id=first.customer_id, expected_version=first.version + 1, city="Oslo")
    assert stale.value.current.version == first.version
    with pytest.raises(TypeError):
        services.customer_update(customer_id=first.customer_id, version=3)


def test_two_editors_of_one_customer_one_wins():
    customer = make_customer()
    services.customer_update(customer_id=customer.customer_id, expected_version=customer.version, city="Oslo")
    with pytest.raises(StaleEdit):
        services.customer_update(customer_id=customer.customer_id, expected_version=customer.version, city="Rome")
    with pytest.raises(StaleEdit):
        services.customer_update(customer_id=customer.customer_id, expected_version=customer.version, email="x@example.com")
    with pytest.raises(StaleEdit):
        services.customer_delete(customer_id=customer.customer_id, expected_version=customer.version)


def test_delete_removes_the_guard_and_a_second_delete_is_not_found():
    customer = make_customer(email="bye@example.com")
    services.customer_delete(customer_id=customer.customer_id, expected_version=customer.version)
    assert guard_owner("bye@example.com") is None
    with pytest.raises(selectors.CustomerNotFound):
        services.customer_delete(customer_id=customer.customer_id)


def test_authenticate_refuses_inactive_passwordless_and_unknown_accounts():
    active = make_customer(email="in@example.com")
    assert services.customer_authenticate(email="in@example.com", password=PASSWORD).customer_id == active.customer_id
    assert services.customer_authenticate(email="in@example.com", password="wrong-password") is None
    make_customer(email="out@example.com", status="inactive")
    assert services.customer_authenticate(email="out@example.com", password=PASSWORD) is None
    services.customer_create(email="nopass@example.com")
    assert services.customer_authenticate(email="nopass@example.com", password="") is None
    assert services.customer_authenticate(email="nobody@example.com", password=PASSWORD) is None


@pytest.fixture
def edit_in_between(monkeypatch):
    """Make another writer act right after the service has read the customer."""

    def install(action):
        real = services.customer_get

        def read_then_act(*, customer_id):
            customer = real(customer_id=customer_id)
            monkeypatch.setattr(services, "customer_get", real)  # once only
            action(customer_id)
            return customer

        monkeypatch.setattr(services, "customer_get", read_then_act)

    return install


def test_an_email_change_racing_another_save_is_stale(edit_in_between):
    customer = make_customer(email="race@example.com")
    edit_in_between(lambda customer_id: services.customer_update(customer_id=customer_id, city="Oslo"))
    with pytest.raises(StaleEdit) as stale:
        services.customer_update(customer_id=customer.customer_id, email="raced@example.com")
    assert stale.value.current.city == "Oslo"
    assert guard_owner("race@example.com") == customer.customer_id and guard_owner("raced@example.com") is None


def test_a_delete_racing_another_delete_is_not_found(edit_in_between):
    customer = make_customer()
    edit_in_between(lambda customer_id: services.customer_delete(customer_id=customer_id))
    with pytest.raises(selectors.CustomerNotFound):
        services.customer_delete(customer_id=customer.customer_id)


def test_a_delete_racing_an_edit_is_stale(edit_in_between):
    customer = make_customer()
    edit_in_between(lambda customer_id: services.customer_update(customer_id=customer_id, city="Rome"))
    with pytest.raises(StaleEdit):
        services.customer_delete(customer_id=customer.customer_id)
    assert selectors.customer_get(customer_id=customer.customer_id).city == "Rome"


def test_staff_password_changes_are_conditional_and_unknown_staff_are_refused():
    import pytest
    from pynamodb.exceptions import DoesNotExist

    from accounts import services as account_services
    from shopsite.transactions import StaleEdit
    from tests.factories import PASSWORD, make_staff

    staff = make_staff()
    with pytest.raises(DoesNotExist):
        account_services.staff_set_password(email="nobody@example.com", password="x" * 12)
    with pytest.raises(StaleEdit):  # the link's hash is not the stored one any more: the second use of a link
        account_services.staff_set_password(email=staff.email, password="a-new-passphrase-1", expected_hash="stale")
    account_services.staff_set_password(email=staff.email, password="a-new-passphrase-1", expected_hash=staff.password)
    assert account_services.staff_authenticate(email=staff.email, password="a-new-passphrase-1") is not None
    assert account_services.staff_authenticate(email=staff.email, password=PASSWORD) is None
    assert account_services.staff_authenticate(email="nobody@example.com", password=PASSWORD) is None
    with pytest.raises(ValueError):
        account_services.api_key_create(name="x", scopes={"everything"})


def test_staff_invites_create_once_and_return_the_existing_account_after():
    import pytest

    from accounts import services as account_services

    staff, created = account_services.staff_invite(email="Invited@Example.com", name="Ivy")
    assert created and staff.email == "invited@example.com"
    again, created_again = account_services.staff_invite(email="invited@example.com")
    assert not created_again and again.name == "Ivy"
    with pytest.raises(account_services.StaffExists):
        account_services.staff_create(email="invited@example.com", password=None)
