"""The customers JSON API: every success and error path, with its JSON body."""
import json

import pytest
from django.core.management import call_command
from django.test import Client

from accounts import services as account_services
from tests.factories import make_customer

pytestmark = pytest.mark.usefixtures("tables")


@pytest.fixture
def api_key():
    _, key = account_services.api_key_create(name="tests")
    return key


@pytest.fixture
def api(api_key):
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_key}")


def post(client, path, data, **extra):
    body = data if isinstance(data, (str, bytes)) else json.dumps(data)
    return client.post(path, body, content_type="application/json", **extra)


def put(client, path, data, **extra):
    body = data if isinstance(data, (str, bytes)) else json.dumps(data)
    return client.put(path, body, content_type="application/json", **extra)


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    assert isinstance(body["error"]["fields"], dict)
    return body["error"]


def test_create_returns_201_with_location_and_no_secrets(api):
    response = post(api, "/api/customers", {"email": " Ann@Example.com ", "first_name": "Ann", "city": "Oslo"})
    assert response.status_code == 201
    body = response.json()
    assert body["email"] == "ann@example.com"
    assert response["Location"].endswith(f"/api/customers/{body['customer_id']}")
    assert "password" not in body and "notes" not in body
    fetched = api.get(f"/api/customers/{body['customer_id']}")
    assert fetched.status_code == 200 and fetched.json()["first_name"] == "Ann"
    assert fetched["ETag"] == '"1"'


def test_password_hash_and_notes_never_appear_in_output(api):
    customer = make_customer(notes="VIP, do not share")
    text = api.get(f"/api/customers/{customer.customer_id}").content.decode()
    assert "VIP" not in text and "md5$" not in text and "password" not in text
    listing = api.get("/api/customers").content.decode()
    assert "VIP" not in listing and "password" not in listing


def test_duplicate_email_is_409(api):
    make_customer(email="taken@example.com")
    error = assert_error(post(api, "/api/customers", {"email": "TAKEN@example.com"}), 409, "email_taken")
    assert "email" in error["fields"]


def test_malformed_json_is_400(api):
    assert_error(post(api, "/api/customers", "{not json"), 400, "malformed_json")
    assert_error(post(api, "/api/customers", "[1, 2]"), 400, "malformed_json")
    assert_error(post(api, "/api/customers", b"\xff\xfe"), 400, "malformed_json")


def test_wrong_types_are_400(api):
    error = assert_error(post(api, "/api/customers", {"email": "a@example.com", "first_name": 5}), 400, "invalid_type")
    assert "first_name" in error["fields"]


def test_invalid_fields_are_400(api):
    error = assert_error(post(api, "/api/customers", {"email": "not-an-email"}), 400, "invalid")
    assert "email" in error["fields"]
    error = assert_error(post(api, "/api/customers", {"first_name": "No email"}), 400, "invalid")
    assert "email" in error["fields"]
    error = assert_error(post(api, "/api/customers", {"email": "a@example.com", "status": "vip"}), 400, "invalid")
    assert "status" in error["fields"]


def test_unknown_fields_are_400(api):
    error = assert_error(post(api, "/api/customers", {"email": "a@example.com", "password": "x", "notes": "y"}), 400, "unknown_fields")
    assert set(error["fields"]) == {"password", "notes"}


def test_body_over_64kb_is_413(api):
    assert_error(post(api, "/api/customers", {"email": "a@example.com", "first_name": "x" * 70000}), 413, "too_large")


def test_no_credentials_is_401():
    assert_error(Client().get("/api/customers"), 401, "unauthorized")
    assert_error(Client(HTTP_AUTHORIZATION="Bearer wrong").get("/api/customers"), 401, "unauthorized")
    assert_error(Client(HTTP_AUTHORIZATION="Basic abc").get("/api/customers"), 401, "unauthorized")


def test_unknown_customer_is_404(api):
    assert_error(api.get("/api/customers/nope"), 404, "not_found")
    assert_error(put(api, "/api/customers/nope", {"email": "a@example.com"}), 404, "not_found")
    assert_error(api.delete("/api/customers/nope"), 404, "not_found")
    # A path under /api/ that no route matches answers in the API's JSON shape too.
    assert_error(api.get("/api/customers//"), 404, "not_found")
    assert_error(api.get("/api/products"), 404, "not_found")


def test_wrong_method_is_405(api):
    response = api.patch("/api/customers", "{}", content_type="application/json")
    assert_error(response, 405, "method_not_allowed")
    assert "POST" in response["Allow"]
    customer = make_customer()
    assert_error(api.post(f"/api/customers/{customer.customer_id}"), 405, "method_not_allowed")


def test_put_replaces_editable_fields_and_honours_if_match(api):
    customer = make_customer(first_name="Old", city="Paris")
    path = f"/api/customers/{customer.customer_id}"
    response = put(api, path, {"email": customer.email, "first_name": "New"}, HTTP_IF_MATCH='"1"')
    assert response.status_code == 200
    body = response.json()
    assert body["first_name"] == "New" and body["city"] == "" and body["version"] == 2
    assert_error(put(api, path, {"email": customer.email}, HTTP_IF_MATCH='"1"'), 412, "precondition_failed")
    assert_error(put(api, path, {"email": customer.email}, HTTP_IF_MATCH="abc"), 400, "invalid_if_match")
    assert put(api, path, {"email": "changed@example.com"}).status_code == 200


def test_if_match_compares_strongly_takes_a_list_and_a_star_as_rfc_9110_says(api):
    customer = make_customer()
    path = f"/api/customers/{customer.customer_id}"
    body = {"email": customer.email}
    assert_error(put(api, path, body, HTTP_IF_MATCH='W/"1"'), 412, "precondition_failed")  # weak never matches
    assert_error(put(api, path, body, HTTP_IF_MATCH='"abc"'), 412, "precondition_failed")  # not one of our tags
    assert put(api, path, body, HTTP_IF_MATCH='"7", "1"').status_code == 200  # a list: any strong match
    assert put(api, path, body, HTTP_IF_MATCH='W/"2",  "2" ,"9"').status_code == 200
    assert_error(put(api, path, body, HTTP_IF_MATCH='"1", W/"3"'), 412, "precondition_failed")
    assert put(api, path, body, HTTP_IF_MATCH="*").status_code == 200
    assert put(api, path, body, HTTP_IF_MATCH=', "4",').status_code == 200  # empty list elements are ignored
    for malformed in ('"1" "2"', ",", "", "3", '"1', 'W/ "1"', '"1"x'):
        assert_error(put(api, path, body, HTTP_IF_MATCH=malformed), 400, "invalid_if_match")
    assert_error(put(api, "/api/customers/nobody", body, HTTP_IF_MATCH="*"), 412, "precondition_failed")
    assert_error(api.delete(path, HTTP_IF_MATCH='"1"'), 412, "precondition_failed")
    assert api.get(path).status_code == 200  # still there
    assert api.delete(path, HTTP_IF_MATCH='"5", "4"').status_code == 204


def test_put_to_a_taken_email_is_409(api):
    make_customer(email="one@example.com")
    other = make_customer(email="two@example.com")
    assert_error(put(api, f"/api/customers/{other.customer_id}", {"email": "one@example.com"}), 409, "email_taken")


def test_delete_is_204_and_frees_the_email(api):
    customer = make_customer(email="bye@example.com")
    assert api.delete(f"/api/customers/{customer.customer_id}").status_code == 204
    assert api.get(f"/api/customers/{customer.customer_id}").status_code == 404
    assert post(api, "/api/customers", {"email": "bye@example.com"}).status_code == 201


def test_bad_limit_and_cursor_are_400(api):
    assert_error(api.get("/api/customers?limit=0"), 400, "invalid_limit")
    assert_error(api.get("/api/customers?limit=abc"), 400, "invalid_limit")
    assert_error(api.get("/api/customers?cursor=tampered"), 400, "invalid_cursor")


def test_paging_60_customers_visits_each_once_in_order(api):
    created = [make_customer().customer_id for _ in range(60)]
    seen, cursor = [], None
    for _ in range(10):
        response = api.get("/api/customers", {"limit": 25, **({"cursor": cursor} if cursor else {})})
        body = response.json()
        seen += [item["customer_id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == list(reversed(created))


def test_staff_session_can_read_but_needs_csrf_to_write(staff_client):
    assert staff_client.get("/api/customers").status_code == 200
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.cookies = staff_client.cookies
    assert_error(post(csrf_client, "/api/customers", {"email": "x@example.com"}), 403, "csrf_failed")


def test_cors_preflight_and_headers(api, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://crm.example.com"]
    response = api.options("/api/customers", HTTP_ORIGIN="https://crm.example.com", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    assert response.status_code in (200, 204)
    assert response["Access-Control-Allow-Origin"] == "https://crm.example.com"
    assert "POST" in response["Access-Control-Allow-Methods"]
    assert "authorization" in response["Access-Control-Allow-Headers"].lower()
    assert api.get("/api/customers", HTTP_ORIGIN="https://crm.example.com")["Access-Control-Allow-Origin"] == "https://crm.example.com"
    refused = api.options("/api/customers", HTTP_ORIGIN="https://evil.example.com", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    assert "Access-Control-Allow-Origin" not in refused
    assert "Access-Control-Allow-Origin" not in api.get("/products/", HTTP_ORIGIN="https://crm.example.com")  # API only
    exposed = api.get("/api/customers", HTTP_ORIGIN="https://crm.example.com")["Access-Control-Expose-Headers"]
    assert "Location" in exposed and "ETag" in exposed


def test_createapikey_prints_the_key_once(capsys):
    call_command("createapikey", name="crm")
    key = capsys.readouterr().out.strip().splitlines()[-1]
    assert key.startswith("sk_")
    assert Client(HTTP_AUTHORIZATION=f"Bearer {key}").get("/api/customers").status_code == 200


def test_bodies_a_careful_server_refuses_are_4xx_with_json(api):
    assert_error(api.post("/api/customers", '{"email": "a@example.com"}', content_type="text/plain"), 415, "unsupported_media_type")
    assert_error(post(api, "/api/customers", '{"email": "a@example.com", "email": "b@example.com"}'), 400, "duplicate_keys")
    deep = "[" * 1500 + "]" * 1500  # 3 KB of nesting
    assert_error(post(api, "/api/customers", deep), 400, "too_deep")
    assert_error(post(api, "/api/customers", '{"email": "a@example.com", "first_name": "\\ud800"}'), 400, "invalid_text")
    assert_error(post(api, "/api/customers", '{"email": "a@example.com", "\\udfff": "x"}'), 400, "invalid_text")
    customer = json.loads(post(api, "/api/customers", {"email": "ok@example.com"}).content)
    response = api.put(f"/api/customers/{customer['customer_id']}", '{"email": "ok@example.com", "city": "\\ud83d"}',
                       content_type="application/json", HTTP_IF_MATCH='"1"')
    assert_error(response, 400, "invalid_text")
    # A real astral character (a surrogate pair in JSON) is fine.
    created = post(api, "/api/customers", '{"email": "emoji@example.com", "first_name": "\\ud83d\\ude00 Ann"}')
    assert created.status_code == 201 and json.loads(created.content)["first_name"] == "\U0001F600 Ann"
    assert api.get("/api/customers").status_code == 200


def test_each_key_has_a_rate_limit_per_minute(settings, monkeypatch, conflict_hold):
    import types
    from concurrent.futures import ThreadPoolExecutor

    from accounts.services import api_keys as throttle
    from accounts.models import ApiKey

    monkeypatch.setattr(throttle, "time", types.SimpleNamespace(time=lambda: 1_800_000_010.0))  # one fixed minute
    settings.API_RATE_LIMIT_PER_MINUTE = 8
    record, key = account_services.api_key_create(name="busy")
    busy = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(lambda _: busy.get("/api/customers").status_code, range(12)))
    assert statuses.count(200) == 8 and statuses.count(429) == 4, statuses
    limited = busy.get("/api/customers")
    assert_error(limited, 429, "rate_limited")
    assert limited["Retry-After"] == "50"
    _, other = account_services.api_key_create(name="quiet")  # limits are per key
    assert Client(HTTP_AUTHORIZATION=f"Bearer {other}").get("/api/customers").status_code == 200
    ApiKey(record.key_hash).update(actions=[ApiKey.rate_limit.set(1000)])  # a key's own, higher limit
    assert busy.get("/api/customers").status_code == 200


def test_staff_create_list_and_revoke_keys_in_the_console(staff_client):
    import re

    page = staff_client.post("/staff/api-keys/", {"name": "Phone app", "scopes": ["catalog:read", "customers"]})
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    key = re.search(r'<code class="secret">(sk_[^<]+)</code>', page.content.decode()).group(1)
    listing = staff_client.get("/staff/api-keys/").content.decode()
    assert "Phone app" in listing and key[:8] in listing and key not in listing  # shown once, then only its prefix
    api = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert api.get("/api/customers").status_code == 200
    assert staff_client.post("/staff/api-keys/", {"name": "", "scopes": ["everything"]}).status_code == 400
    key_hash = re.search(r'/staff/api-keys/([0-9a-f]{64})/revoke/', listing).group(1)
    assert "Revoke key" in staff_client.get(f"/staff/api-keys/{key_hash}/revoke/").content.decode()
    assert api.get("/api/customers").status_code == 200  # asking is not revoking
    staff_client.post(f"/staff/api-keys/{key_hash}/revoke/")
    assert api.get("/api/customers").status_code == 401
    assert "Revoked" in staff_client.get("/staff/api-keys/").content.decode()
    assert staff_client.get("/staff/api-keys/nope/revoke/", follow=True).status_code == 200
    shopper = Client()
    shopper.post("/account/login/", {"email": make_customer().email, "password": "correct-horse-battery-staple"})
    assert shopper.get("/staff/api-keys/").status_code == 403
    assert Client().get("/staff/api-keys/")["Location"].startswith("/staff/login/")


def test_check_integrity_puts_keys_from_before_the_console_on_its_list(staff_client):
    import io

    from accounts.models import ApiKey

    record, key = account_services.api_key_create(name="old key")
    ApiKey(record.key_hash).update(actions=[ApiKey.listing.remove()])  # as a key made before listing existed
    assert "old key" not in staff_client.get("/staff/api-keys/").content.decode()
    report = io.StringIO()
    call_command("check_integrity", "--fix", stdout=report)
    assert "missing from the console's list" in report.getvalue()
    assert "old key" in staff_client.get("/staff/api-keys/").content.decode()
    assert Client(HTTP_AUTHORIZATION=f"Bearer {key}").get("/api/customers").status_code == 200
