"""The foundation: tables, CSRF, error pages, no ORM, the health check."""
import re
import uuid

import pytest
from django.core.management import call_command
from django.test import Client

from shopsite import dynamodb, tables
from tests.factories import PASSWORD, make_staff


@pytest.mark.usefixtures("tables")
def test_create_tables_twice_changes_nothing(capsys):
    call_command("create_tables")
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-1].startswith("point-in-time recovery not supported")  # DynamoDB Local: said once, at the end
    lines = lines[:-1]
    assert len(lines) == len(dynamodb.models())
    assert not any("created" in line or "switched on" in line for line in lines), lines


@pytest.fixture
def fresh_prefix(settings):
    """Point the models at a DynamoDB Local of this test's own, with no tables.

    Its own process, not the session's: after a long run with streams and TTL
    tables, DynamoDB Local (2026-05-28) has been seen to leave an index it adds
    in CREATING for good, which is its state, not what create_tables does.
    """
    from shopsite import localdb

    original = settings.DYNAMODB_HOST, settings.DYNAMODB_TABLE_PREFIX
    port = localdb.free_port()
    process = localdb.start(port=port)
    settings.DYNAMODB_HOST = f"http://127.0.0.1:{port}"
    settings.DYNAMODB_TABLE_PREFIX = f"fresh{uuid.uuid4().hex[:4]}-"
    dynamodb.configure()
    try:
        yield settings.DYNAMODB_TABLE_PREFIX
    finally:
        localdb.stop(process)
        settings.DYNAMODB_HOST, settings.DYNAMODB_TABLE_PREFIX = original
        dynamodb.configure()


@pytest.mark.usefixtures("dynamodb_local")  # a DynamoDB Local of its own (fresh_prefix)
def test_create_tables_creates_missing_tables_with_indexes_and_ttl(fresh_prefix, capsys):
    call_command("create_tables")
    out = capsys.readouterr().out
    assert f"{fresh_prefix}sessions: created, TTL on expires_at switched on" in out
    assert out.count("point-in-time recovery not supported by this endpoint") == 1  # once, not per table
    call_command("create_tables")
    again = capsys.readouterr().out
    assert f"{fresh_prefix}customers: already as configured" in again and again.count("point-in-time") == 1
    client = dynamodb.connection().client
    described = client.describe_table(TableName=f"{fresh_prefix}customers")["Table"]
    from customers.models import Customer

    assert {i["IndexName"] for i in described["GlobalSecondaryIndexes"]} == set(Customer._indexes) == {
        "listing-index", "email-index", "name-index", "phone-index"}
    assert described["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    ttl = client.describe_time_to_live(TableName=f"{fresh_prefix}sessions")["TimeToLiveDescription"]
    assert ttl["AttributeName"] == "expires_at" and ttl["TimeToLiveStatus"] == "ENABLED"


@pytest.mark.usefixtures("dynamodb_local")  # a DynamoDB Local of its own (fresh_prefix)
def test_create_tables_switches_on_ttl_for_a_table_that_has_it_off(fresh_prefix, capsys):
    """A table made without TTL (by hand, or by an older release) gets it on the next run."""
    from accounts.models import Session as SessionModel

    client = dynamodb.connection().client
    client.create_table(**tables.table_request(SessionModel))
    call_command("create_tables")
    out = capsys.readouterr().out
    assert f"{fresh_prefix}sessions: TTL on expires_at switched on" in out
    assert f"{fresh_prefix}customers: created" in out
    ttl = client.describe_time_to_live(TableName=f"{fresh_prefix}sessions")["TimeToLiveDescription"]
    assert ttl["TimeToLiveStatus"] == "ENABLED"
    call_command("create_tables")
    assert "switched on" not in capsys.readouterr().out


@pytest.mark.usefixtures("tables")
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


def test_404_page_uses_the_base_template(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "We couldn't find that page" in html
    assert '<main id="main"' in html and "site-header" in html


def test_no_orm_anywhere():
    from django.conf import settings

    # DATABASES = {} in settings; Django fills in its no-op "dummy" backend.
    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.dummy"
    for app in ("django.contrib.auth", "django.contrib.admin", "django.contrib.contenttypes", "django.contrib.sessions"):
        assert app not in settings.INSTALLED_APPS


def test_health_answers_without_dynamodb(client, count_calls):
    with count_calls() as calls:
        response = client.get("/healthz/")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert calls == []


@pytest.mark.usefixtures("dynamodb_local")  # a DynamoDB Local of its own (fresh_prefix)
def test_create_tables_adds_an_index_an_older_table_lacks(fresh_prefix, capsys):
    from customers.models import Customer
    from shopsite.tables import table_request

    client = dynamodb.connection().client
    request = table_request(Customer)
    request["GlobalSecondaryIndexes"] = [i for i in request["GlobalSecondaryIndexes"] if i["IndexName"] == "listing-index"]
    request["AttributeDefinitions"] = [d for d in request["AttributeDefinitions"]
                                       if d["AttributeName"] in ("customer_id", "listing", "created_at")]
    client.create_table(**request)
    client.get_waiter("table_exists").wait(TableName=request["TableName"])
    call_command("create_tables")
    out = capsys.readouterr().out
    assert "index email-index added" in out and "index phone-index added" in out
    described = client.describe_table(TableName=request["TableName"])["Table"]
    assert {i["IndexName"] for i in described["GlobalSecondaryIndexes"]} == set(Customer._indexes)
    call_command("create_tables")
    assert "index" not in capsys.readouterr().out.split(f"{request['TableName']}:")[1].split("\n")[0]
