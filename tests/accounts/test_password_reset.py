"""Forgot password and claiming an account: one-time, expiring links that reveal nothing."""
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client

from customers import services
from accounts.tokens import customer_password_tokens
from shopsite.emails import outbox_send
from tests.factories import PASSWORD, make_customer

NEW_PASSWORD = "a-brand-new-passphrase-42"


def reset_link(message) -> str:
    match = re.search(r"http://testserver(/account/password/set/[^/\s]+/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def ask(client, email):
    """Ask for a link, then run the outbox job that decides whether one goes out (as the schedule does)."""
    response = client.post("/account/password/forgot/", {"email": email}, follow=True)
    outbox_send()
    return response


@pytest.mark.usefixtures("tables")
def test_known_and_unknown_emails_get_the_same_answer_and_only_the_known_one_gets_mail():
    customer = make_customer(email="known@example.com")
    known, unknown = ask(Client(), "known@example.com"), ask(Client(), "nobody@example.com")
    assert known.status_code == unknown.status_code == 200
    assert known.redirect_chain == unknown.redirect_chain == [("/account/login/", 302)]
    said = [str(m) for m in known.context["messages"]]
    assert said == [str(m) for m in unknown.context["messages"]] and "If an account uses that email" in said[0]
    assert [m.to for m in mail.outbox] == [[customer.email]]
    assert "Choose a password" in mail.outbox[0].alternatives[0][0] and "reset the password" in mail.outbox[0].body


@pytest.mark.usefixtures("tables")
def test_forgot_password_does_the_same_work_for_a_known_and_an_unknown_email(count_calls, settings):
    """The answer cannot tell by its timing: the same DynamoDB requests, and no email sent within it."""
    make_customer(email="known@example.com")
    settings.SHOP_BASE_URL = "https://shop.example.com/dev"
    calls = {}
    for n, email in enumerate(("known@example.com", "nobody@example.com")):
        client = Client(REMOTE_ADDR=f"192.0.2.{n + 1}")
        client.get("/account/password/forgot/")
        with count_calls() as seen:
            response = client.post("/account/password/forgot/", {"email": email})
        assert response.status_code == 302
        calls[email] = list(seen)
    assert calls["known@example.com"] == calls["nobody@example.com"], calls
    assert mail.outbox == []  # decided and sent by the job, not inside the request
    outbox_send()
    assert [m.to for m in mail.outbox] == [["known@example.com"]]
    assert "https://shop.example.com/dev/account/password/set/" in mail.outbox[0].body  # the configured address


@pytest.mark.usefixtures("tables")
def test_the_reset_link_ignores_the_requests_host_and_port(settings):
    customer = make_customer()
    settings.ALLOWED_HOSTS = ["testserver", "evil.example"]
    Client().post("/account/password/forgot/", {"email": customer.email}, HTTP_HOST="evil.example:8666")
    outbox_send()
    assert "evil.example" not in mail.outbox[0].body and "http://testserver/account/password/set/" in mail.outbox[0].body


@pytest.mark.usefixtures("tables")
def test_a_link_sets_the_password_signs_in_and_works_once():
    customer = make_customer()
    ask(Client(), customer.email)
    link = reset_link(mail.outbox[0])
    browser = Client()
    response = browser.get(link)
    assert response.status_code == 302 and response["Location"].endswith("/set/")  # the token left the address bar
    page = browser.get(response["Location"])
    assert page.status_code == 200 and "Choose your password" in page.content.decode()
    weak = browser.post(response["Location"], {"new_password": "short", "new_password_confirm": "short"})
    assert weak.status_code == 400
    done = browser.post(response["Location"], {"new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == "/account/"
    assert browser.get("/account/").status_code == 200  # signed in
    assert services.customer_authenticate(email=customer.email, password=NEW_PASSWORD) is not None
    assert services.customer_authenticate(email=customer.email, password=PASSWORD) is None
    again = Client().get(link)
    assert again.status_code == 400 and "expired or has already been used" in again.content.decode()


@pytest.mark.usefixtures("tables")
def test_a_link_expires_and_dies_when_the_password_changes(monkeypatch, settings):
    customer = make_customer()
    token = customer_password_tokens.make_token(customer)
    assert customer_password_tokens.check_token(customer, token)
    later = customer_password_tokens._now() + timedelta(seconds=settings.PASSWORD_RESET_SECONDS + 5)
    monkeypatch.setattr(customer_password_tokens, "_now", lambda: later)
    assert not customer_password_tokens.check_token(customer, token)
    monkeypatch.undo()
    changed = services.customer_update(customer_id=customer.customer_id, password=NEW_PASSWORD)
    assert not customer_password_tokens.check_token(changed, token)
    for forged in ("", "x", "1-2", "zzzzzz-" + "0" * 20):
        assert not customer_password_tokens.check_token(customer, forged)


@pytest.mark.usefixtures("tables")
def test_a_customer_created_by_staff_claims_the_account():
    customer = services.customer_create(email="offline@example.com", first_name="Olga")  # no password
    signup = Client().post("/account/signup/", {"email": "offline@example.com", "password": NEW_PASSWORD,
                                                "password_confirm": NEW_PASSWORD})
    assert signup.status_code == 200 and "Check your inbox" in signup.content.decode()
    assert "/account/password/forgot/" in mail.outbox[-1].body  # the owner is told how to set a password
    ask(Client(), "offline@example.com")
    assert "set the password" in mail.outbox[-1].body
    browser = Client()
    landing = browser.get(reset_link(mail.outbox[-1]))
    browser.post(landing["Location"], {"new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD})
    assert browser.get("/account/").status_code == 200
    signed_in = Client().post("/account/login/", {"email": "offline@example.com", "password": NEW_PASSWORD})
    assert signed_in.status_code == 302 and customer.customer_id


@pytest.mark.usefixtures("tables")
def test_requests_are_rate_limited_per_email_and_per_client(settings):
    customer = make_customer()
    for _ in range(settings.PASSWORD_RESET_EMAIL_LIMIT + 3):
        response = ask(Client(REMOTE_ADDR=f"10.0.0.{_ + 1}"), customer.email)
        assert "If an account uses that email" in response.content.decode()  # the same answer, always
    assert len(mail.outbox) == settings.PASSWORD_RESET_EMAIL_LIMIT
    settings.LOGIN_CLIENT_LIMIT = 2
    spray = Client(REMOTE_ADDR="10.0.0.9")
    answers = [spray.post("/account/password/forgot/", {"email": f"guess{n}@example.com"}).status_code for n in range(4)]
    assert answers[:2] == [302, 302] and answers[2:] == [400, 400]
    assert "Too many requests" in spray.post("/account/password/forgot/", {"email": "x@example.com"}).content.decode()


@pytest.mark.parametrize("email", ["", "not-an-email", "a" * 300 + "@example.com"])
def test_bad_input_re_renders_the_form(email):
    response = Client().post("/account/password/forgot/", {"email": email})
    assert response.status_code == 400 and "Email me a link" in response.content.decode()
    assert mail.outbox == []
