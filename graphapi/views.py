"""POST /graphql: who is asking (API key or browser session), then one GraphQL operation.

- An API key (``Authorization: Bearer <key>``) brings its scopes, e.g.
  ``catalog:read``; it is rate-limited per key and needs no CSRF token.
- A browser session (cookie) must send the CSRF token (``X-CSRFToken``), as
  any form post does; it may read the catalog, and a signed-in shopper may
  use their cart and orders.

Errors are GraphQL errors with a stable ``extensions.code``. Only a DynamoDB
outage changes the HTTP status (503); a bad query or bad variables is 400.
"""
import logging
import re

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from accounts import gate
from shopsite.errors import is_unavailable

log = logging.getLogger("shopsite.graphql")
MAX_BODY_BYTES = 32 * 1024


def _error(status: int, code: str, message: str, **headers) -> JsonResponse:
    response = JsonResponse({"errors": [{"message": message, "extensions": {"code": code}}]}, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


# The front door's refusals (accounts.gate) as GraphQL error codes.
_CODES = {"unauthorized": "UNAUTHENTICATED", "rate_limited": "RATE_LIMITED", "csrf_failed": "CSRF_FAILED",
          "unsupported_media_type": "UNSUPPORTED_MEDIA_TYPE", "too_large": "TOO_LARGE"}


def _refused(refused: gate.Refused) -> JsonResponse:
    headers = {"Retry_After": str(refused.retry_after)} if refused.retry_after else {}
    return _error(refused.status, _CODES.get(refused.code, "BAD_REQUEST"), refused.message, **headers)


def _caller(request) -> tuple:
    """(api_key or None, scopes) through the shared front door; a shopper token signs the request in as that
    shopper. A browser session (or a shopper token) may read the catalog; staff add their own scope."""
    caller = gate.caller_identify(request, shopper_tokens=True)
    if caller.api_key is not None:
        return caller.api_key, caller.scopes
    return None, {"catalog:read", *caller.scopes}


def _decode(request):
    body = gate.json_body(request, max_bytes=MAX_BODY_BYTES)
    if (not isinstance(body.get("query"), str) or not body["query"].strip()
            or not isinstance(body.get("variables") or {}, dict)):
        raise gate.Refused(400, "bad_request", "Send an object with 'query' (text) and optional 'variables' (an object).")
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


@csrf_exempt  # checked by the front door (accounts.gate) for cookie-authenticated requests; API keys need none
def graphql(request):
    if request.method != "POST":
        response = _error(405, "METHOD_NOT_ALLOWED", "Send operations with POST.")
        response["Allow"] = "POST"
        return response
    try:
        key, scopes = _caller(request)
        query, variables, operation = _decode(request)
    except gate.Refused as refused:
        return _refused(refused)
    from graphapi.schema import categories_loader, schema_get  # strawberry's import: paid by the first GraphQL request only

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
