"""A signed-in session is read with its account in one BatchGetItem; the key's hint is never trusted alone."""
import pytest
from django.test import Client

from customers import services as customer_services
from accounts.sessions import SessionStore, _account_of
from tests.factories import PASSWORD, make_category, make_customer, make_product, make_staff


def _key(client) -> str:
    return client.cookies["sessionid"].value


@pytest.mark.usefixtures("tables")
def test_sign_in_gives_a_key_naming_the_account_and_sign_out_drops_it(customer_client):
    key = _key(customer_client)
    assert _account_of(key)[1] == customer_client.customer.customer_id
    customer_client.post("/account/logout/")
    assert _account_of(_key(customer_client)) is None


@pytest.mark.usefixtures("tables")
def test_a_signed_in_shopper_page_reads_session_and_shopper_in_one_request(customer_client, count_calls):
    product = make_product(category=make_category(), stock=5)
    customer_client.post("/cart/add/", {"product_id": product.product_id, "quantity": 1})
    customer_client.get("/cart/")
    with count_calls() as calls:
        response = customer_client.get("/cart/")
    assert response.status_code == 200 and "Sign out" in response.content.decode()
    assert calls == ["BatchGetItem", "Query", "BatchGetItem"], calls  # session+shopper, cart lines, products


@pytest.mark.usefixtures("tables")
def test_the_staff_customer_list_is_one_request_beyond_the_session(staff_client, count_calls):
    make_customer(first_name="Grace")
    assert "1 customer" in staff_client.get("/staff/customers/").content.decode()  # the total, read once
    with count_calls() as calls:
        response = staff_client.get("/staff/customers/")
    assert response.status_code == 200 and "Grace" in response.content.decode()
    assert calls == ["BatchGetItem", "Query"], calls  # session+staff account, the page; the total is this process's copy


@pytest.mark.usefixtures("tables")
def test_a_hint_edited_to_name_someone_else_names_no_session():
    victim = make_customer()
    mine = Client()
    attacker = make_customer()
    mine.post("/account/login/", {"email": attacker.email, "password": PASSWORD})
    random_part = _key(mine).partition(".")[0]
    forged = SessionStore(random_part + ".c" + __import__("base64").urlsafe_b64encode(victim.customer_id.encode())
                          .decode().rstrip("="))
    assert forged.load() == {} and forged.session_key is None
    mine.cookies["sessionid"] = forged._session_key or random_part + ".cXXXX"
    assert "Sign in" in mine.get("/cart/").content.decode()


@pytest.mark.usefixtures("tables")
def test_a_session_whose_data_names_another_account_than_its_hint_reads_that_account():
    shopper, other = make_customer(), make_customer()
    store = SessionStore()
    store["_customer_id"] = shopper.customer_id
    store.create()
    assert _account_of(store.session_key)[1] == shopper.customer_id
    reread = SessionStore(store.session_key)
    reread.load()
    assert reread.account_read(type(shopper), shopper.customer_id)[0] is True
    assert reread.account_read(type(other), other.customer_id) == (False, None)


@pytest.mark.usefixtures("tables")
def test_deactivation_and_password_changes_still_end_hinted_sessions():
    staff = make_staff(role="staff")
    clerk = Client()
    clerk.post("/staff/login/", {"email": staff.email, "password": PASSWORD})
    assert clerk.get("/staff/").status_code == 200 and _account_of(_key(clerk))[1] == staff.email
    make_staff(email="owner@example.com")
    owner = Client()
    owner.post("/staff/login/", {"email": "owner@example.com", "password": PASSWORD})
    owner.post(f"/staff/people/{staff.email}/change/", {"change": "deactivate"})
    assert clerk.get("/staff/").status_code == 302
    shopper = make_customer()
    browser = Client()
    browser.post("/account/login/", {"email": shopper.email, "password": PASSWORD})
    assert "Sign out" in browser.get("/cart/").content.decode()
    customer_services.customer_update(customer_id=shopper.customer_id, status="inactive")
    assert "Sign in" in browser.get("/cart/").content.decode()


def test_broken_hints_fall_back_to_a_plain_read():
    for key in ("abc", "abc.", "abc.x123", "abc.s!!!", "abc.c"):
        assert _account_of(key) is None


@pytest.mark.usefixtures("tables")
def test_the_staff_key_carries_no_email_yet_still_reads_the_account_in_one_request(staff_client, count_calls):
    key = _key(staff_client)
    email = staff_client.staff.email
    assert key.partition(".")[2].startswith("s") and "@" not in key
    sealed = __import__("base64").urlsafe_b64decode(key.partition(".")[2][1:] + "==")
    for text in (email, email.partition("@")[0], "example.com"):
        assert text not in key and text.encode() not in sealed
    assert _account_of(key)[0].__name__ == "Staff"
    with count_calls() as calls:
        assert staff_client.get("/staff/customers/").status_code == 200
    assert calls[0] == "BatchGetItem"
    nonce, _, hint = key.partition(".")
    assert _account_of(("b" if nonce[0] == "a" else "a") + nonce[1:] + "." + hint) is None  # sealed for this key only


@pytest.mark.parametrize("value", ["a" * 2049, "a" * 5000, "x" * 32 + ".s" + "A" * 3000, "é" * 40, "a b;c", "\x7f" * 10,
                                   "../../" * 10, "0" * 32 + ".c" + "%%%%"])
@pytest.mark.usefixtures("tables")
def test_any_session_cookie_gives_a_page_never_a_500(value):
    browser = Client()
    browser.cookies["sessionid"] = value
    assert browser.get("/").status_code == 200
    assert browser.get("/cart/").status_code == 200
    assert browser.get("/staff/").status_code == 302


@pytest.mark.usefixtures("tables")
def test_exists_answers_false_for_no_key_and_for_keys_this_engine_never_issues():
    store = SessionStore()
    assert store.exists(None) is False and store.exists("") is False and store.exists("a" * 3000) is False
    store["x"] = 1
    store.create()
    assert store.exists(store.session_key) is True
