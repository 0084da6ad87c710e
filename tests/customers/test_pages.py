"""Staff customer pages and shopper accounts, through the browser-facing views."""
import re

from django.test import Client

from customers import selectors, services
from tests.factories import PASSWORD, make_customer


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


def test_duplicate_email_is_a_form_error(staff_client):
    make_customer(email="dup@example.com")
    response = staff_client.post("/staff/customers/new/", {"email": "dup@example.com", "status": "active"})
    assert response.status_code == 400
    assert "Another customer already uses this email." in response.content.decode()


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


def test_staff_list_page_is_one_query(staff_client, count_calls):
    for _ in range(3):
        make_customer()
    staff_client.get("/staff/customers/")  # warm the staff lookup path
    with count_calls() as calls:
        staff_client.get("/staff/customers/")
    # session load + staff record + the page's Query
    assert calls.count("Query") == 1 and "Scan" not in calls


def test_tampered_cursor_gives_page_one(staff_client):
    make_customer()
    response = staff_client.get("/staff/customers/?cursor=abc.def")
    assert response.status_code == 200
    assert "not valid" in response.content.decode()


def test_find_by_exact_email(staff_client):
    customer = make_customer(email="findme@example.com")
    response = staff_client.get("/staff/customers/?email=FindMe@example.com")
    assert response["Location"] == f"/staff/customers/{customer.customer_id}/"
    assert "No customer uses" in staff_client.get("/staff/customers/?email=none@example.com", follow=True).content.decode()


def test_signup_signs_in_and_rejects_duplicates(client):
    response = client.post("/account/signup/", {"email": "new@example.com", "password": PASSWORD, "password_confirm": PASSWORD})
    assert response.status_code == 302
    assert client.get("/account/").status_code == 200
    other = Client()
    different = "a-different-passphrase"
    response = other.post("/account/signup/", {"email": "NEW@example.com", "password": different, "password_confirm": different})
    assert response.status_code == 400
    assert "already exists" in response.content.decode()


def test_signup_validates_passwords(client):
    response = client.post("/account/signup/", {"email": "x@example.com", "password": "123", "password_confirm": "123"})
    assert response.status_code == 400
    assert "too short" in response.content.decode()
    response = client.post("/account/signup/", {"email": "x@example.com", "password": PASSWORD, "password_confirm": "other-password-1"})
    assert "do not match" in response.content.decode()


def test_profile_email_change_goes_through_the_guard(customer_client):
    make_customer(email="other@example.com")
    data = {"email": "other@example.com", "first_name": "Ada", "version": customer_client.customer.version}
    response = customer_client.post("/account/", data)
    assert response.status_code == 400
    assert "Another account already uses this email." in response.content.decode()
    data["email"] = "ada@example.com"
    assert customer_client.post("/account/", data).status_code == 302
    assert selectors.customer_get_by_email(email="ada@example.com").customer_id == customer_client.customer.customer_id


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


def test_shopper_cannot_open_staff_pages_and_anonymous_api_is_401(customer_client):
    assert customer_client.get("/staff/customers/").status_code == 403
    assert customer_client.get("/api/customers").status_code == 401
    assert Client().get("/api/customers").status_code == 401


def test_a_signup_repeated_after_its_first_try_committed_signs_the_person_in(client):
    """The first submit committed during an outage but its answer was a 503; the second must not say "exists"."""
    from customers import services
    from tests.factories import PASSWORD

    services.customer_create(email="again@example.com", password=PASSWORD)  # the lost first try
    response = client.post("/account/signup/", {"email": "again@example.com", "password": PASSWORD, "password_confirm": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/account/"
    other = client.__class__()
    refused = other.post("/account/signup/", {"email": "again@example.com", "password": "another-long-password",
                                              "password_confirm": "another-long-password"})
    assert refused.status_code == 400 and "already exists" in refused.content.decode()
