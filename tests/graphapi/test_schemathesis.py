"""The GraphQL API under Schemathesis: queries and mutations generated from the schema, with a key of each scope.

Every answer must be a GraphQL answer and never a server error (Schemathesis's GraphQL checks). The schema is
loaded by introspection from the running app and must equal the checked-in docs/api/schema.graphql (tested in
tests/api/test_openapi.py with the other documents); example counts keep it to seconds.
"""
import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.config import SchemathesisConfig

from accounts import services as account_services
from graphapi.errors import ERROR_CODES
from tests.factories import make_product

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("tables")]

APP = get_wsgi_application()


@pytest.fixture(params=["catalog:read", "staff", "customers"])
def graphql_schema(request, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 100_000  # the generated requests would spend an integrator's minute
    make_product(name="Lamp", stock=3)  # something to find, so resolvers run past "not found"
    _, key = account_services.api_key_create(name=f"schemathesis-{request.param}", scopes={request.param})
    headers = {"Authorization": f"Bearer {key}"}
    config = SchemathesisConfig.from_dict({"headers": headers})
    return schemathesis.graphql.from_wsgi("/graphql", APP, config=config, headers=headers)


schema = schemathesis.pytest.from_fixture("graphql_schema")


@schema.parametrize()
@hypothesis_settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_every_field_answers_without_a_server_error(case):
    """Schemathesis's own GraphQL check counts every error in `errors[]` as a client or a server error, so an
    out-of-range argument ('first: -1000000' → BAD_USER_INPUT) or a cart asked for by a key without a shopper
    (UNAUTHENTICATED) fails it, though they are the documented answers. These checks ask what it means: no 5xx,
    no INTERNAL_SERVER_ERROR, a GraphQL-shaped JSON answer, and every error with a documented code."""
    case.call_and_validate(checks=[no_server_error, errors_carry_a_documented_code])


def no_server_error(ctx, response, case):
    body = response.json()
    assert response.status_code < 500, response.text
    assert isinstance(body, dict) and ("data" in body or body.get("errors")), response.text
    codes = [(error.get("extensions") or {}).get("code") for error in body.get("errors") or []]
    assert "INTERNAL_SERVER_ERROR" not in codes, response.text
    return True


def errors_carry_a_documented_code(ctx, response, case):
    """Each error in the answer has extensions.code, one of those schema.graphql lists (graphapi.errors)."""
    errors = response.json().get("errors") or []
    codes = [(error.get("extensions") or {}).get("code") for error in errors]
    undocumented = [code for code in codes if code not in ERROR_CODES]
    assert not undocumented, f"undocumented error codes {undocumented} in {errors}"
    return True
