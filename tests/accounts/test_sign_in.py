"""Sign-in: sessions, staff-only pages, the throttle (per client and per account, locks that double), createstaff links."""
import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accounts.models import Session
from tests.factories import PASSWORD, make_customer, make_staff


@pytest.mark.usefixtures("tables")
def test_session_survives_across_requests(client):
    client.post("/cart/update/", {"line": "x", "quantity": "0"})  # any POST that touches the session
    staff = make_staff()
    client.post("/staff/login/", {"email": staff.email, "password": PASSWORD})
    key = client.cookies["sessionid"].value
    assert Session.get(key).data
    assert client.get("/staff/").status_code == 200
    assert client.get("/staff/").status_code == 200


@pytest.mark.usefixtures("tables")
def test_expired_session_does_not_load(client):
    staff = make_staff()
    client.post("/staff/login/", {"email": staff.email, "password": PASSWORD})
    key = client.cookies["sessionid"].value
    item = Session.get(key)
    item.expires_at = timezone.now() - timedelta(seconds=1)
    item.save()
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/")


@pytest.mark.usefixtures("tables")
def test_staff_login_rotates_session_key_and_logout_flushes(client):
    staff = make_staff()
    client.get("/staff/login/")
    client.session["probe"] = 1
    session = client.session
    session["probe"] = 1
    session.save()
    before = session.session_key
    response = client.post("/staff/login/", {"email": staff.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/staff/"
    after = client.cookies["sessionid"].value
    assert after != before
    assert client.get("/staff/").status_code == 200
    assert client.post("/staff/logout/").status_code == 302
    with pytest.raises(Exception):
        Session.get(after)
    assert client.get("/staff/").status_code == 302


def test_staff_required_redirects_anonymous_with_next(client):
    response = client.get("/staff/customers/")
    assert response.status_code == 302
    assert response["Location"] == "/staff/login/?next=%2Fstaff%2Fcustomers%2F"


@pytest.mark.usefixtures("tables")
def test_staff_required_refuses_signed_in_shopper(customer_client):
    for path in ("/staff/", "/staff/customers/", "/staff/products/", "/staff/categories/", "/staff/orders/"):
        response = customer_client.get(path)
        assert response.status_code == 403, path
        assert "You can't open this page" in response.content.decode()


@pytest.mark.usefixtures("tables")
def test_wrong_password_is_refused_with_a_message(client):
    staff = make_staff()
    response = client.post("/staff/login/", {"email": staff.email, "password": "nope-nope-nope"})
    assert response.status_code == 400
    assert "do not match" in response.content.decode()
    assert client.get("/staff/").status_code == 302


@pytest.mark.usefixtures("tables")
def test_five_failures_lock_this_client_even_with_the_right_password(client):
    staff = make_staff()
    for _ in range(5):
        client.post("/staff/login/", {"email": staff.email, "password": "wrong-password-1"})
    response = client.post("/staff/login/", {"email": staff.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "Too many failed attempts" in response.content.decode()
    # Another copy of the app (a fresh client, as another Lambda) sees the same lock for that address.
    other = Client()
    assert "Too many failed attempts" in other.post("/staff/login/", {"email": staff.email, "password": PASSWORD}).content.decode()


@pytest.mark.usefixtures("tables")
def test_a_stranger_cannot_keep_the_owner_out():
    """Locks are per account *and* client: failures from one address never lock the owner at another."""
    staff = make_staff()
    stranger = Client(REMOTE_ADDR="198.51.100.66")
    for _ in range(12):
        stranger.post("/staff/login/", {"email": staff.email, "password": "guess-guess-guess"})
    assert "Too many failed attempts" in stranger.post("/staff/login/", {"email": staff.email, "password": PASSWORD}).content.decode()
    owner = Client(REMOTE_ADDR="203.0.113.7")
    assert owner.post("/staff/login/", {"email": staff.email, "password": PASSWORD}).status_code == 302


@pytest.mark.usefixtures("tables")
def test_thirty_concurrent_guesses_check_at_most_the_limit(monkeypatch, conflict_hold):
    from concurrent.futures import ThreadPoolExecutor

    from accounts import services
    from accounts.services import throttle

    staff = make_staff()
    checked = []
    real = services.staff_authenticate

    def counting(**kwargs):
        checked.append(kwargs["password"])
        return real(**kwargs)

    monkeypatch.setattr(throttle, "staff_authenticate", counting)
    passwords = ["wrong-guess-%02d" % i for i in range(29)] + [PASSWORD]

    def attempt(password):
        try:
            services.login_attempt(scope="staff", email=staff.email, password=password, client="192.0.2.1")
            return "in"
        except services.LoginLocked:
            return "locked"
        except services.InvalidCredentials:
            return "wrong"

    with ThreadPoolExecutor(max_workers=30) as pool:
        results = list(pool.map(attempt, passwords))
    assert len(checked) <= 5, len(checked)
    assert results.count("locked") >= 25
    if "in" in results:  # only if the right password happened to take one of the five slots
        assert PASSWORD in checked


@pytest.mark.usefixtures("tables")
def test_one_client_spraying_many_accounts_is_stopped(settings):
    from accounts import services

    settings.LOGIN_CLIENT_LIMIT = 10
    outcomes = []
    for i in range(15):
        try:
            services.login_attempt(scope="customer", email=f"victim{i}@example.com", password="Spring2026!", client="198.51.100.9")
        except services.LoginLocked:
            outcomes.append("locked")
        except services.InvalidCredentials:
            outcomes.append("wrong")
    assert outcomes.count("wrong") == 10 and outcomes.count("locked") == 5
    with pytest.raises(services.InvalidCredentials):  # other clients are unaffected
        services.login_attempt(scope="customer", email="victim0@example.com", password="x", client="203.0.113.1")


@pytest.mark.usefixtures("tables")
def test_successful_sign_ins_from_one_office_never_spend_its_budget(settings):
    """31 colleagues behind one NAT sign in within the window: only failures count, and shoppers' failures
    never spend the staff budget of that address."""
    from accounts import services

    settings.LOGIN_CLIENT_LIMIT = 30
    office = "198.51.100.77"
    colleagues = [make_customer() for _ in range(31)]
    for colleague in colleagues:
        assert services.login_attempt(scope="customer", email=colleague.email, password=PASSWORD, client=office)
    for i in range(30):  # then the shoppers' budget of this address is spent by failures
        with pytest.raises(services.InvalidCredentials):
            services.login_attempt(scope="customer", email=f"nobody{i}@example.com", password="x", client=office)
    with pytest.raises(services.LoginLocked):
        services.login_attempt(scope="customer", email=colleagues[0].email, password=PASSWORD, client=office)
    owner = make_staff()
    assert services.login_attempt(scope="staff", email=owner.email, password=PASSWORD, client=office)


@pytest.mark.usefixtures("tables")
def test_each_lock_lasts_twice_as_long_as_the_last_and_then_clears(client, settings):
    from accounts import services
    from accounts.models import LoginAttempt

    staff = make_staff()
    key = f"staff#{staff.email}#127.0.0.1"
    locks = []
    for _ in range(2):
        for _ in range(5):
            client.post("/staff/login/", {"email": staff.email, "password": "wrong-password-1"})
        attempt = LoginAttempt.get(key)
        locks.append(attempt.locked_until - attempt.window_start)
        attempt.locked_until, attempt.window_start = 0, 0  # time passes: the lock and the window are over
        attempt.save()
    assert locks[1] >= 2 * settings.LOGIN_LOCK_SECONDS > locks[0] - 5
    response = client.post("/staff/login/", {"email": staff.email, "password": PASSWORD})
    assert response.status_code == 302
    assert LoginAttempt.count(key) == 0  # a success clears the pair
    assert services.LoginLocked(90).seconds == 90


@pytest.mark.usefixtures("tables")
def test_a_password_change_goes_through_the_throttle(customer_client):
    for _ in range(5):
        customer_client.post("/account/password/", {"current_password": "not-it-at-all", "new_password": "a-new-long-password",
                                                     "new_password_confirm": "a-new-long-password"})
    response = customer_client.post("/account/password/", {"current_password": PASSWORD, "new_password": "a-new-long-password",
                                                           "new_password_confirm": "a-new-long-password"})
    assert response.status_code == 400 and "Too many failed attempts" in response.content.decode()


@pytest.mark.usefixtures("tables")
def test_login_rotates_csrf_token():
    staff = make_staff()
    client = Client(enforce_csrf_checks=True)
    page = client.get("/staff/login/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    before = client.cookies["csrftoken"].value
    client.post("/staff/login/", {"email": staff.email, "password": PASSWORD, "csrfmiddlewaretoken": token})
    assert client.cookies["csrftoken"].value != before


@pytest.mark.usefixtures("tables")
def test_login_next_is_not_an_open_redirect(client):
    staff = make_staff()
    response = client.post("/staff/login/?next=https://evil.example/", {"email": staff.email, "password": PASSWORD})
    assert response["Location"] == "/staff/"


def _link_from(out: str) -> str:
    return re.search(r"(/staff/set-password/\S+)", out).group(1)


@pytest.mark.usefixtures("tables")
def test_createstaff_prints_a_one_time_link_that_sets_the_password(client, capsys):
    call_command("createstaff", "--email=Admin@Example.com")
    out = capsys.readouterr().out
    assert "Created staff account admin@example.com" in out
    link = _link_from(out)
    # No password works before the link is used.
    assert client.post("/staff/login/", {"email": "admin@example.com", "password": ""}).status_code == 400

    landing = client.get(link)
    assert landing.status_code == 302 and landing["Location"].endswith("/set/")  # the token leaves the URL
    form_page = client.get(landing["Location"])
    assert form_page.status_code == 200 and "Set your password" in form_page.content.decode()
    weak = client.post(landing["Location"], {"new_password": "123", "new_password_confirm": "123"})
    assert weak.status_code == 400 and "too short" in weak.content.decode()
    done = client.post(landing["Location"], {"new_password": "a-long-enough-password", "new_password_confirm": "a-long-enough-password"})
    assert done.status_code == 302 and done["Location"] == "/staff/login/"

    response = client.post("/staff/login/", {"email": "admin@example.com", "password": "a-long-enough-password"})
    assert response.status_code == 302 and response["Location"] == "/staff/"
    # Used once, the link is dead, in this browser and any other.
    assert Client().get(link).status_code == 400


@pytest.mark.usefixtures("tables")
def test_createstaff_link_expires_and_rejects_tampering(client, capsys, settings):
    call_command("createstaff", "--email=ops@example.com", "--base-url=https://shop.example.com/dev/")
    out = capsys.readouterr().out
    assert "https://shop.example.com/dev/staff/set-password/" in out
    link = _link_from(out)
    assert client.get(link[:-3] + "xx/").status_code == 400
    assert client.get("/staff/set-password/%%%/abc-def/").status_code == 400
    settings.STAFF_PASSWORD_LINK_SECONDS = -1
    assert client.get(link).status_code == 400


@pytest.mark.usefixtures("tables")
def test_createstaff_for_an_existing_account_gives_a_new_link_and_keeps_the_password(client, capsys):
    staff = make_staff()
    call_command("createstaff", f"--email={staff.email}")
    assert f"Found staff account {staff.email}" in capsys.readouterr().out
    assert client.post("/staff/login/", {"email": staff.email, "password": PASSWORD}).status_code == 302


def test_createstaff_refuses_a_bad_email():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="valid email"):
        call_command("createstaff", "--email=not-an-email")
