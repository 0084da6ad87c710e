"""POST /graphql: who is asking (API key or browser session), then one GraphQL operation.

- An API key (``Authorization: Bearer <key>``) brings its scopes, e.g.
  ``catalog:read``; it is rate-limited per key and needs no CSRF token.
- A browser session (cookie) must send the CSRF token (``X-CSRFToken``), as
  any form post does; it may read the catalog, and a signed-in shopper may
  use their cart and orders.

Errors are GraphQL errors with a stable ``extensions.code``. Only a DynamoDB
outage changes the HTTP status (503); a bad query or bad variables is 400.
"""
import json
import logging
import re

from django.conf import settings
from django.http import JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.views.decorators.csrf import csrf_exempt

from customers import selectors as customer_selectors
from customers.accounts import selectors as account_selectors
from customers.accounts import services as account_services
from customers.accounts.tokens import shopper_token_customer
from shopsite.errors import is_unavailable

log = logging.getLogger("shopsite.graphql")
MAX_BODY_BYTES = 32 * 1024


def _error(status: int, code: str, message: str, **headers) -> JsonResponse:
    response = JsonResponse({"errors": [{"message": message, "extensions": {"code": code}}]}, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _caller(request):
    """Return (api_key or None, scopes), or an error response. A shopper token signs the request in as that shopper."""
    header = request.headers.get("Authorization", "")
    if header[:8].lower() == "shopper ":
        customer = shopper_token_customer(header[8:].strip(),
                                          customer_of=lambda customer_id: customer_selectors.customer_find(customer_id=customer_id))
        if customer is None:
            return _error(401, "UNAUTHENTICATED", "The shopper token is unknown, expired or revoked (password changed).")
        wait = account_services.shopper_token_rate_check(customer_id=customer.customer_id)
        if wait:
            return _error(429, "RATE_LIMITED", f"Too many requests for this shopper; try again in {wait} seconds.",
                          Retry_After=str(wait))
        request.customer = customer
        request.shopper_token = True
        return None, {"catalog:read"}
    if header:
        scheme, _, key = header.partition(" ")
        api_key = account_selectors.api_key_find(key=key.strip()) if scheme.lower() == "bearer" else None
        if api_key is None:
            return _error(401, "UNAUTHENTICATED", "The API key is missing, unknown or revoked.")
        wait = account_services.api_key_rate_check(api_key=api_key)
        if wait:
            return _error(429, "RATE_LIMITED", f"Too many requests for this key; try again in {wait} seconds.",
                          Retry_After=str(wait))
        return api_key, api_key.scope_set
    if CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {}) is not None:
        return _error(403, "CSRF_FAILED", "A browser request needs the CSRF token in X-CSRFToken, or use an API key.")
    scopes = {"catalog:read"}
    if request.staff.is_authenticated:
        scopes.add("staff")
    return None, scopes


def _decode(request):
    if request.content_type != "application/json":
        return _error(415, "UNSUPPORTED_MEDIA_TYPE", "Send the operation as application/json.")
    if len(request.body) > MAX_BODY_BYTES:
        return _error(413, "TOO_LARGE", f"The request body is over {MAX_BODY_BYTES // 1024} KB.")
    try:
        body = json.loads(request.body)
        json.dumps(body, ensure_ascii=False).encode("utf-8")  # lone surrogates from \\u escapes fail here
    except (ValueError, RecursionError, UnicodeEncodeError):
        return _error(400, "BAD_REQUEST", "The body is not valid JSON.")
    if (not isinstance(body, dict) or not isinstance(body.get("query"), str) or not body["query"].strip()
            or not isinstance(body.get("variables") or {}, dict)):
        return _error(400, "BAD_REQUEST", "Send an object with 'query' (text) and optional 'variables' (an object).")
    operation = body.get("operationName")
    return body["query"], body.get("variables") or {}, operation if isinstance(operation, str) else None


_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


def _client_error(formatted: dict, code: str) -> dict:
    """A client's error, logged as one INFO line (its code and message, never the document or a trace);
    with introspection off, graphql-core's "Did you mean ...?" suggestions are cut, as they spell out the schema."""
    message = formatted.get("message", "")
    if not settings.GRAPHQL_INTROSPECTION:
        message = _SUGGESTION.sub("", message)
    log.info("GraphQL client error %s: %s", code, message[:200])
    return {**formatted, "message": message, "extensions": {**(formatted.get("extensions") or {}), "code": code}}


def _error_json(error) -> tuple[dict, bool]:
    """An error as the client sees it, and whether it means DynamoDB is unavailable."""
    code = (error.extensions or {}).get("code")
    if code:
        return _client_error(error.formatted, code), False
    original = error.original_error
    if original is None or not error.path:  # a syntax, validation or variable error: the client's request
        return _client_error(error.formatted, "GRAPHQL_VALIDATION_FAILED"), False
    if is_unavailable(original):
        return {"message": "The service is busy; try again shortly.", "extensions": {"code": "UNAVAILABLE"}}, True
    log.error("GraphQL resolver failed", exc_info=original)
    return {"message": "Unexpected error.", "path": error.path, "extensions": {"code": "INTERNAL_SERVER_ERROR"}}, False


GRAPHQL_RESPONSE = "application/graphql-response+json"


def _media_type(request) -> str:
    """application/graphql-response+json when the client accepts it (GraphQL over HTTP), else application/json."""
    return GRAPHQL_RESPONSE if GRAPHQL_RESPONSE in request.headers.get("Accept", "") else "application/json"


@csrf_exempt  # checked in _caller for cookie-authenticated requests; API keys need none
def graphql(request):
    if request.method != "POST":
        response = _error(405, "METHOD_NOT_ALLOWED", "Send operations with POST.")
        response["Allow"] = "POST"
        return response
    caller = _caller(request)
    if isinstance(caller, JsonResponse):
        return caller
    decoded = _decode(request)
    if isinstance(decoded, JsonResponse):
        return decoded
    query, variables, operation = decoded
    from graphapi.schema import categories_loader, schema_get  # strawberry's import: paid by the first GraphQL request only

    key, scopes = caller
    result = schema_get().execute_sync(query, variable_values=variables, operation_name=operation, context_value={
        "request": request, "key": key, "scopes": scopes, "categories": categories_loader()})
    body, status = {}, 200
    if result.errors:
        errors = [_error_json(error) for error in result.errors]
        body["errors"] = [error for error, _ in errors]
        if any(unavailable for _, unavailable in errors):
            status = 503
        elif result.data is None:
            status = 400
    if result.data is not None or any(error.path for error in result.errors or ()):
        body["data"] = result.data  # null when execution failed; absent only when the request never executed
    response = JsonResponse(body, status=status, content_type=_media_type(request))
    if status == 503:
        response["Retry-After"] = "5"
    return response
