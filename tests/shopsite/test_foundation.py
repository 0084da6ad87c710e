"""The foundation: tables, sessions, staff sign-in, throttling, CSRF, error pages."""
import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from customers.models import Session
from shopsite import dynamodb
from tests.factories import PASSWORD, make_staff


def test_create_tables_twice_is_harmless(capsys):
    call_command("create_tables")
    out = capsys.readouterr().out
    lines = out.strip().splitlines()
    assert len(lines) == len(dynamodb.models())
    assert all(line.endswith("already there") for line in lines)


def test_create_tables_creates_missing_tables_with_indexes_and_ttl(settings, capsys):
    original = settings.DYNAMODB_TABLE_PREFIX
    settings.DYNAMODB_TABLE_PREFIX = "fresh-"
    dynamodb.configure()
    try:
        call_command("create_tables")
        out = capsys.readouterr().out
        assert "fresh-sessions: created" in out
        assert "point-in-time recovery not supported by this endpoint" in out
        client = dynamodb.connection().client
        described = client.describe_table(TableName="fresh-customers")["Table"]
        assert {i["IndexName"] for i in described["GlobalSecondaryIndexes"]} == {"email-index", "listing-index"}
        assert described["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
        ttl = client.describe_time_to_live(TableName="fresh-sessions")["TimeToLiveDescription"]
        assert ttl["AttributeName"] == "expires_at"
        call_command("create_tables")
        assert "fresh-sessions: already there" in capsys.readouterr().out
    finally:
        for model in dynamodb.models():
            dynamodb.connection().client.delete_table(TableName=model.Meta.table_name)
        settings.DYNAMODB_TABLE_PREFIX = original
        dynamodb.configure()


def test_session_survives_across_requests(client):
    client.post("/cart/update/", {"product_id": "x", "quantity": "0"})  # any POST that touches the session
    staff = make_staff()
    client.post("/staff/login/", {"email": staff.email, "password": PASSWORD})
    key = client.cookies["sessionid"].value
    assert Session.get(key).data
    assert client.get("/staff/").status_code == 200
    assert client.get("/staff/").status_code == 200


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


def test_staff_required_refuses_signed_in_shopper(customer_client):
    for path in ("/staff/", "/staff/customers/", "/staff/products/", "/staff/categories/", "/staff/orders/"):
        response = customer_client.get(path)
        assert response.status_code == 403, path
        assert "You can't open this page" in response.content.decode()


def test_wrong_password_is_refused_with_a_message(client):
    staff = make_staff()
    response = client.post("/staff/login/", {"email": staff.email, "password": "nope-nope-nope"})
    assert response.status_code == 400
    assert "do not match" in response.content.decode()
    assert client.get("/staff/").status_code == 302


def test_five_failures_lock_the_account_even_with_the_right_password(client):
    staff = make_staff()
    for _ in range(5):
        client.post("/staff/login/", {"email": staff.email, "password": "wrong-password-1"})
    response = client.post("/staff/login/", {"email": staff.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "Too many failed attempts" in response.content.decode()
    # Another copy of the app (a fresh client, as another Lambda) sees the same lock.
    other = Client()
    assert "Too many failed attempts" in other.post("/staff/login/", {"email": staff.email, "password": PASSWORD}).content.decode()


def test_lock_expires_after_the_window(client, settings):
    from customers.models import LoginAttempt

    staff = make_staff()
    for _ in range(5):
        client.post("/staff/login/", {"email": staff.email, "password": "wrong-password-1"})
    attempt = LoginAttempt.get(f"staff#{staff.email}")
    attempt.locked_until = 0
    attempt.save()
    response = client.post("/staff/login/", {"email": staff.email, "password": PASSWORD})
    assert response.status_code == 302


def test_csrf_is_enforced_on_post():
    staff = make_staff()
    client = Client(enforce_csrf_checks=True)
    response = client.post("/staff/login/", {"email": staff.email, "password": PASSWORD})
    assert response.status_code == 403
    assert "That form has expired" in response.content.decode()
    page = client.get("/staff/login/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post("/staff/login/", {"email": staff.email, "password": PASSWORD, "csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_login_rotates_csrf_token():
    staff = make_staff()
    client = Client(enforce_csrf_checks=True)
    page = client.get("/staff/login/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    before = client.cookies["csrftoken"].value
    client.post("/staff/login/", {"email": staff.email, "password": PASSWORD, "csrfmiddlewaretoken": token})
    assert client.cookies["csrftoken"].value != before


def test_404_page_uses_the_base_template(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "We couldn't find that page" in html
    assert '<main id="main"' in html and "site-header" in html


def test_login_next_is_not_an_open_redirect(client):
    staff = make_staff()
    response = client.post("/staff/login/?next=https://evil.example/", {"email": staff.email, "password": PASSWORD})
    assert response["Location"] == "/staff/"


def test_createstaff_command_then_login(client, capsys):
    call_command("createstaff", email="Admin@Example.com", password="a-long-enough-password")
    assert "Created staff account admin@example.com" in capsys.readouterr().out
    response = client.post("/staff/login/", {"email": "admin@example.com", "password": "a-long-enough-password"})
    assert response.status_code == 302


def test_createstaff_refuses_weak_password():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="too short|too common"):
        call_command("createstaff", email="a@example.com", password="123")


def test_no_orm_anywhere():
    from django.conf import settings

    # DATABASES = {} in settings; Django fills in its no-op "dummy" backend.
    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.dummy"
    for app in ("django.contrib.auth", "django.contrib.admin", "django.contrib.contenttypes", "django.contrib.sessions"):
        assert app not in settings.INSTALLED_APPS
