"""Staff customer pages and shopper accounts, through the browser-facing views."""
import re

import pytest
from django.test import Client

from customers import selectors, services
from tests.factories import PASSWORD, make_customer, signup_confirmed


@pytest.mark.usefixtures("tables")
def test_staff_can_create_view_edit_and_delete_a_customer(staff_client):
    response = staff_client.post("/staff/customers/new/", {"email": "Bea@Example.com", "first_name": "Bea", "status": "active"})
    assert response.status_code == 302
    customer = selectors.customer_get_by_email(email="bea@example.com")
    assert response["Location"] == f"/staff/customers/{customer.customer_id}/"
    assert "Bea" in staff_client.get(response["Location"]).content.decode()
    edit = f"/staff/customers/{customer.customer_id}/edit/"
    assert staff_client.post(edit, {"email": "bea@example.com", "first_name": "Beatrice", "status": "active", "version": 1}).status_code == 302
    assert selectors.customer_get(customer_id=customer.customer_id).first_name == "Beatrice"
    delete = f"/staff/customers/{customer.customer_id}/delete/"
    assert "Delete bea@example.com?" in staff_client.get(delete).content.decode()
    assert selectors.customer_find(customer_id=customer.customer_id) is not None  # GET deletes nothing
    assert staff_client.post(delete).status_code == 302
    assert selectors.customer_find(customer_id=customer.customer_id) is None


@pytest.mark.usefixtures("tables")
def test_duplicate_email_is_a_form_error(staff_client):
    make_customer(email="dup@example.com")
    response = staff_client.post("/staff/customers/new/", {"email": "dup@example.com", "status": "active"})
    assert response.status_code == 400
    assert "Another customer already uses this email." in response.content.decode()


@pytest.mark.usefixtures("tables")
def test_stale_edit_re_renders_with_what_the_user_typed(staff_client):
    customer = make_customer(first_name="Orig")
    services.customer_update(customer_id=customer.customer_id, first_name="Someone else")
    response = staff_client.post(
        f"/staff/customers/{customer.customer_id}/edit/",
        {"email": customer.email, "first_name": "Mine", "status": "active", "version": customer.version},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Someone else saved this customer" in html
    assert 'value="Mine"' in html
    assert 'name="version" value="2"' in html
    assert selectors.customer_get(customer_id=customer.customer_id).first_name == "Someone else"


@pytest.mark.usefixtures("tables")
def test_staff_list_pages_60_customers_each_once_in_order(staff_client):
    created = [make_customer().customer_id for _ in range(60)]
    seen, url = [], "/staff/customers/"
    for _ in range(5):
        html = staff_client.get(url).content.decode()
        seen += re.findall(r'href="/staff/customers/([0-9a-f-]{36})/"', html)
        match = re.search(r'href="\?cursor=([^"]+)" rel="next"', html)
        if not match:
            break
        url = f"/staff/customers/?cursor={match.group(1)}"
    assert seen == list(reversed(created))


@pytest.mark.usefixtures("tables")
def test_staff_list_page_is_one_query(staff_client, count_calls):
    for _ in range(3):
        make_customer()
    staff_client.get("/staff/customers/")  # warm the staff lookup path
    with count_calls() as calls:
        staff_client.get("/staff/customers/")
    # session load + staff record + the page's Query
    assert calls.count("Query") == 1 and "Scan" not in calls


@pytest.mark.usefixtures("tables")
def test_tampered_cursor_gives_page_one(staff_client):
    make_customer()
    response = staff_client.get("/staff/customers/?cursor=abc.def")
    assert response.status_code == 200
    assert "not valid" in response.content.decode()


@pytest.mark.usefixtures("tables")
def test_find_by_exact_email(staff_client):
    customer = make_customer(email="findme@example.com")
    response = staff_client.get("/staff/customers/?email=FindMe@example.com")
    assert response["Location"] == f"/staff/customers/{customer.customer_id}/"
    assert "No customer uses" in staff_client.get("/staff/customers/?email=none@example.com", follow=True).content.decode()


@pytest.mark.usefixtures("tables")
def test_signup_confirms_the_email_and_a_taken_one_gets_the_same_answer(client):
    from django.core import mail

    response = signup_confirmed(client, {"email": "new@example.com", "password": PASSWORD, "password_confirm": PASSWORD})
    assert response.status_code == 302 and client.get("/account/").status_code == 200
    assert [m.subject for m in mail.outbox][-1] == "Shopsite: Welcome"
    mail.outbox.clear()
    other = Client()
    different = "a-different-passphrase"
    taken = other.post("/account/signup/", {"email": "NEW@example.com", "password": different, "password_confirm": different})
    fresh = Client().post("/account/signup/", {"email": "fresh@example.com", "password": different,
                                               "password_confirm": different})
    assert taken.status_code == fresh.status_code == 200
    assert "already" not in taken.content.decode()
    strip = lambda html: re.sub(r"<strong>[^<]*</strong>|csrfmiddlewaretoken\" value=\"[^\"]+\"", "", html)  # noqa: E731
    assert strip(taken.content.decode()) == strip(fresh.content.decode())
    owner, newcomer = mail.outbox
    assert owner.to == ["new@example.com"] and "already has one" in owner.body
    assert newcomer.to == ["fresh@example.com"] and "/account/signup/confirm/" in newcomer.body
    assert other.get("/account/").status_code == 302  # nobody was signed in to the existing account


@pytest.mark.usefixtures("tables")
def test_a_signup_link_works_once_and_only_a_post_creates_the_account():
    from django.core import mail

    Client().post("/account/signup/", {"email": "once@example.com", "password": PASSWORD, "password_confirm": PASSWORD})
    link = re.search(r"http://testserver(/account/signup/confirm/[^/\s]+/)", mail.outbox[-1].body).group(1)
    assert Client().get(link).status_code == 200  # a mail scanner opening it creates nothing
    with pytest.raises(selectors.CustomerNotFound):
        selectors.customer_get_by_email(email="once@example.com")
    assert Client().post(link).status_code == 302
    assert Client().post(link).status_code == 400
    assert Client().get("/account/signup/confirm/forged-token/").status_code == 400


def test_signup_validates_passwords(client):
    response = client.post("/account/signup/", {"email": "x@example.com", "password": "123", "password_confirm": "123"})
    assert response.status_code == 400
    assert "too short" in response.content.decode()
    response = client.post("/account/signup/", {"email": "x@example.com", "password": PASSWORD, "password_confirm": "other-password-1"})
    assert "do not match" in response.content.decode()


@pytest.mark.usefixtures("tables")
def test_changing_the_email_needs_the_password_and_a_link_to_the_new_address(customer_client):
    from django.core import mail

    old = customer_client.customer.email
    data = {"first_name": "Ada", "email": "sneaky@example.com", "version": customer_client.customer.version}
    assert customer_client.post("/account/", data).status_code == 302  # the profile form carries no email any more
    assert selectors.customer_find(customer_id=customer_client.customer.customer_id).email == old
    wrong = customer_client.post("/account/email/", {"new_email": "ada@example.com", "current_password": "not-it-at-all"})
    assert wrong.status_code == 400 and "That is not your current password." in wrong.content.decode()
    assert mail.outbox == []
    asked = customer_client.post("/account/email/", {"new_email": "Ada@Example.com", "current_password": PASSWORD})
    assert asked.status_code == 302
    assert selectors.customer_find(customer_id=customer_client.customer.customer_id).email == old  # not yet
    confirm, notice = mail.outbox
    assert confirm.to == ["ada@example.com"] and notice.to == [old] and "ada@example.com" in notice.body
    link = re.search(r"http://testserver(/account/email/confirm/[^/\s]+/)", confirm.body).group(1)
    stranger = Client()
    page = stranger.get(link)  # a mail scanner opening the link changes nothing
    assert page.status_code == 200 and "Yes, use this email" in page.content.decode()
    assert selectors.customer_find(customer_id=customer_client.customer.customer_id).email == old
    assert stranger.post(link).status_code == 302
    assert selectors.customer_get_by_email(email="ada@example.com").customer_id == customer_client.customer.customer_id
    assert mail.outbox[-1].to == [old] and "is now ada@example.com" in mail.outbox[-1].body
    assert Client().post(link).status_code == 400  # once only: the account's email is no longer the old one


@pytest.mark.usefixtures("tables")
def test_an_email_change_to_a_taken_address_is_refused_only_to_its_owner(customer_client):
    from django.core import mail

    make_customer(email="other@example.com")
    asked = customer_client.post("/account/email/", {"new_email": "other@example.com", "current_password": PASSWORD})
    assert asked.status_code == 302  # the same answer as for a free address
    link = re.search(r"http://testserver(/account/email/confirm/[^/\s]+/)", mail.outbox[0].body).group(1)
    refused = Client().post(link)
    assert refused.status_code == 409 and "Another account already uses" in refused.content.decode()
    assert selectors.customer_find(customer_id=customer_client.customer.customer_id).email != "other@example.com"
    assert Client().get("/account/email/confirm/forged/").status_code == 400


@pytest.mark.usefixtures("tables")
def test_password_change_ends_other_sessions(customer_client):
    email = customer_client.customer.email
    other = Client()
    other.post("/account/login/", {"email": email, "password": PASSWORD})
    assert other.get("/account/").status_code == 200
    response = customer_client.post("/account/password/", {
        "current_password": PASSWORD, "new_password": "a-brand-new-secret", "new_password_confirm": "a-brand-new-secret",
    })
    assert response.status_code == 302
    assert customer_client.get("/account/").status_code == 200
    assert other.get("/account/").status_code == 302


@pytest.mark.usefixtures("tables")
def test_shopper_login_lockout_and_logout(client):
    customer = make_customer()
    for _ in range(5):
        client.post("/account/login/", {"email": customer.email, "password": "bad-password-99"})
    response = client.post("/account/login/", {"email": customer.email, "password": PASSWORD})
    assert "Too many failed attempts" in response.content.decode()
    fresh = Client()
    other = make_customer()
    assert fresh.post("/account/login/", {"email": other.email, "password": PASSWORD}).status_code == 302
    assert fresh.post("/account/logout/").status_code == 302
    assert fresh.get("/account/").status_code == 302


@pytest.mark.usefixtures("tables")
def test_shopper_cannot_open_staff_pages_and_anonymous_api_is_401(customer_client):
    assert customer_client.get("/staff/customers/").status_code == 403
    assert customer_client.get("/api/customers").status_code == 401
    assert Client().get("/api/customers").status_code == 401


@pytest.mark.usefixtures("tables")
def test_a_signup_repeated_after_its_first_try_committed_still_gets_its_account(client):
    """The first confirm committed during an outage but its answer was a 503: the link then says the account
    exists, and signing in works."""
    from django.core import mail

    from customers import services

    client.post("/account/signup/", {"email": "again@example.com", "password": PASSWORD, "password_confirm": PASSWORD})
    link = re.search(r"http://testserver(/account/signup/confirm/[^/\s]+/)", mail.outbox[-1].body).group(1)
    token = link.rstrip("/").split("/")[-1]
    services.customer_create(email="again@example.com", password=PASSWORD)  # someone confirmed first
    refused = client.post(link)
    assert refused.status_code == 409 and "already has an account" in refused.content.decode()
    assert services.signup_pending(token=token)
    assert client.post("/account/login/", {"email": "again@example.com", "password": PASSWORD}).status_code == 302


@pytest.mark.usefixtures("tables")
def test_signing_up_from_the_header_with_a_full_cart_comes_back_to_the_cart(client):
    from tests.factories import PASSWORD, make_product, signup_confirmed

    client.post("/cart/add/", {"product_id": make_product(stock=5).product_id, "quantity": 2})
    cart = client.get("/cart/").content.decode()
    signup_link = re.search(r'href="(/account/signup/[^"]*)"', cart).group(1)
    assert signup_link == "/account/signup/?next=/cart/"
    assert 'href="/account/login/?next=/cart/"' in cart
    form = client.get(signup_link).content.decode()
    carried = re.search(r'name="next" value="([^"]*)"', form).group(1)  # the form carries it on
    done = signup_confirmed(client, {"email": "new.buyer@example.com", "password": PASSWORD,
                                     "password_confirm": PASSWORD, "next": carried}, path=signup_link)
    assert done["Location"] == "/cart/"
