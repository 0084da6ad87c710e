"""Secrets in SSM: every one fetched with a single signed request, and never written to a log."""
import logging

import boto3
import pytest

from shopsite import secrets

KEY_NAME, STRIPE_NAME = "/shopsite/test/django-secret-key", "/shopsite/test/stripe-secret-key"


@pytest.fixture
def ssm(aws_endpoint, monkeypatch):
    for name, value in {"AWS_ENDPOINT_URL": aws_endpoint, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    client = boto3.client("ssm", endpoint_url=aws_endpoint, region_name="us-east-1")
    client.put_parameter(Name=KEY_NAME, Value="django-key-from-ssm-0123456789", Type="SecureString", Overwrite=True)
    client.put_parameter(Name=STRIPE_NAME, Value="sk_test_from_ssm_9876543210", Type="SecureString", Overwrite=True)
    return client


def test_every_parameter_in_one_request_and_variables_win(ssm, monkeypatch):
    sent = []
    real = secrets.ssm_parameters
    monkeypatch.setattr(secrets, "ssm_parameters", lambda names: sent.append(list(names)) or real(names))
    monkeypatch.setenv("DJANGO_SECRET_KEY_PARAMETER", KEY_NAME)
    monkeypatch.setenv("STRIPE_SECRET_KEY_PARAMETER", STRIPE_NAME)
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", "whsec_from_the_variable")
    monkeypatch.delenv("DJANGO_SECRET_KEY", raising=False)
    monkeypatch.delenv("STRIPE_SECRET_KEY", raising=False)
    values = secrets.secrets_from_environment(["DJANGO_SECRET_KEY", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "UNSET"])
    assert values == {"DJANGO_SECRET_KEY": "django-key-from-ssm-0123456789", "STRIPE_SECRET_KEY": "sk_test_from_ssm_9876543210",
                      "STRIPE_WEBHOOK_SECRET": "whsec_from_the_variable", "UNSET": ""}
    assert sent == [[KEY_NAME, STRIPE_NAME]]


def test_a_missing_parameter_is_a_clear_error_and_nothing_is_logged_at_any_level(ssm, caplog):
    caplog.set_level(logging.DEBUG)
    assert secrets.ssm_parameters([KEY_NAME]) == {KEY_NAME: "django-key-from-ssm-0123456789"}
    with pytest.raises(secrets.SecretUnavailable, match="No such SSM parameter: /shopsite/test/nope"):
        secrets.ssm_parameters(["/shopsite/test/nope"])
    assert "django-key-from-ssm" not in caplog.text


def test_an_unreachable_ssm_fails_the_cold_start_quickly_without_the_request(monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setattr(secrets.time, "sleep", lambda seconds: None)
    with pytest.raises(secrets.SecretUnavailable, match="SSM unreachable"):
        secrets.ssm_parameters(["/shopsite/test/anything"])
