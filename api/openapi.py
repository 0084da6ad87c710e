"""The customers API's OpenAPI 3.1 document, built from the code that validates requests.

The request fields, their lengths and choices come from ``CustomerForm`` and ``API_FIELDS``; the error
codes from ``api.customers.ERROR_CODES``; the limits from the same constants the views use. So the document cannot
drift from the behaviour: a test compares it with the checked-in ``docs/api/openapi.json`` and Schemathesis
checks every answer against it.
"""
from __future__ import annotations

from django import forms

from api import customers as rest
from customers.forms import CustomerForm

_ERROR = {"$ref": "#/components/schemas/Error"}
NO_NUL = "^[^\\u0000]*$"
EMAIL_DOMAIN = "@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z0-9-]{1,62}[A-Za-z0-9]$"
# RFC 9110's If-Match as the API parses it: "*", or entity tags separated by commas (empty elements allowed;
# HTTP strips the spaces around a field value).
_TAG = '(?:W/)?"[!#-~]*"'
IF_MATCH_PATTERN = f"^(?:\\*|,*{_TAG}(?:[ \\t]*,[ \\t,]*{_TAG})*,*)$"


def _field_schema(field: forms.Field) -> dict:
    schema: dict = {"type": "string"}
    if isinstance(field, forms.EmailField):
        schema["format"] = "email"
        schema["pattern"] = EMAIL_DOMAIN  # Django's validator also wants a dotted domain, its last label 2+ long
    if isinstance(field, forms.ChoiceField):
        schema["enum"] = [value for value, _ in field.choices]
    elif getattr(field, "max_length", None):
        schema["maxLength"] = field.max_length
    if field.label:
        schema["title"] = str(field.label)
    return schema


def _customer_input() -> dict:
    form = CustomerForm()
    properties = {name: _field_schema(form.fields[name]) for name in rest.API_FIELDS}
    for name, schema in properties.items():
        if "enum" not in schema and "pattern" not in schema:
            schema["pattern"] = NO_NUL  # Django's CharField refuses NUL (ProhibitNullCharactersValidator)
    return {
        "type": "object", "additionalProperties": False, "required": ["email"], "properties": properties,
        "description": "Every field is a string. Surrounding spaces are stripped; text holding a NUL character "
                       "(U+0000) or a lone UTF-16 surrogate is refused with 400. `status` defaults to `active`; "
                       "on PUT, fields left out become empty.",
    }


def _customer_output() -> dict:
    form = CustomerForm()
    fields = {name: _field_schema(form.fields[name]) for name in rest.API_FIELDS}
    for schema in fields.values():
        schema.pop("maxLength", None)  # stored values may predate a shorter limit
    fields["status"] = {**fields["status"], "enum": [*fields["status"]["enum"], "guest"],
                        "description": "`guest`: a buyer without an account, recorded from their orders (read-only)."}
    properties = {"customer_id": {"type": "string"}, **fields,
                  "created_at": {"type": "string", "format": "date-time"},
                  "updated_at": {"type": "string", "format": "date-time"},
                  "version": {"type": "integer", "minimum": 0,
                              "description": "Counts edits (0 for a guest's record); the ETag is this number in quotes."},
                  "order_count": {"type": "integer", "minimum": 0, "description": "Orders placed, kept from the orders."},
                  "spent_cents": {"type": "integer", "minimum": 0,
                                  "description": "The total of those orders not cancelled or refunded, in cents."}}
    return {"type": "object", "required": list(properties), "properties": properties}


def _answer(description: str, codes: list[str] | None = None, headers: dict | None = None, schema=_ERROR) -> dict:
    answer: dict = {"description": description}
    if codes:
        answer["description"] += " Error codes: " + ", ".join(f"`{code}`" for code in codes) + "."
    if schema is not None:
        answer["content"] = {"application/json": {"schema": schema}}
    if headers:
        answer["headers"] = headers
    return answer


def _errors(*statuses: int) -> dict:
    """The error answers of an operation: each status with the codes the views raise with it."""
    by_status: dict[int, list[str]] = {}
    for code, status in rest.ERROR_CODES.items():
        by_status.setdefault(status, []).append(code)
    answers = {}
    for status in statuses:
        headers = {"Retry-After": {"$ref": "#/components/headers/RetryAfter"}} if status in (429, 503) else None
        answers[str(status)] = _answer(_STATUS_TEXT[status], by_status.get(status), headers)
    return answers


_STATUS_TEXT = {
    400: "The request is not valid (see `error.code` and `error.fields`).",
    401: "No API key, or an unknown or revoked one.",
    403: "The key lacks the `customers` scope, or a session write lacks its CSRF token.",
    404: "No customer with that id.",
    405: "The method is not allowed here (see `Allow`).",
    409: "The email is taken, or the customer changed during a delete.",
    412: "`If-Match` does not match the customer's current version.",
    413: f"The body is over {rest.MAX_BODY_BYTES} bytes.",
    415: "The body is not `application/json`.",
    429: "The key's rate limit is spent for this minute.",
    503: "The database is unreachable for a moment; try again after `Retry-After` seconds.",
}


def openapi_document() -> dict:
    """The document served at ``/api/openapi.json``."""
    customer = {"$ref": "#/components/schemas/Customer"}
    customer_input = {"$ref": "#/components/schemas/CustomerInput"}
    etag = {"ETag": {"$ref": "#/components/headers/ETag"}}
    id_parameter = {"name": "customer_id", "in": "path", "required": True, "schema": {"type": "string"}}
    if_match = {"$ref": "#/components/parameters/IfMatch"}
    body = {"required": True, "content": {"application/json": {"schema": customer_input}}}
    common = (400, 401, 403, 429, 503)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Shopsite customers API", "version": "1",
            "description": (
                "Customers for integrators (a CRM sync, a mailing tool). Authenticate with an API key of scope "
                "`customers` (`Authorization: Bearer <key>`; staff make keys in the console). Each key may make "
                "its own or the shop's per-minute number of requests; past it, 429 with `Retry-After`. Every "
                "error is JSON: `{\"error\": {\"code\", \"message\", \"fields\"}}`.\n\n"
                "**Cursors** are opaque, signed and tied to their listing: pass `next_cursor` back unchanged; "
                "any other value is 400 `invalid_cursor` (start again without it).\n\n"
                "**If-Match** (RFC 9110) on PUT and DELETE: `*` or a list of entity tags compared strongly "
                "(`W/\"3\"` never matches); no match is 412, a value that is not an entity-tag list is 400. "
                "Without it a write is unconditional."),
        },
        # The shop's own host; on a raw API Gateway URL the stage (e.g. /dev) comes first: prepend it.
        "servers": [{"url": "/", "description": "The shop's address (behind a raw API Gateway URL, add the stage: /dev)."}],
        "security": [{"apiKey": []}],
        "paths": {
            "/api/customers": {
                "get": {
                    "operationId": "listCustomers", "summary": "A page of customers, newest first",
                    "parameters": [
                        {"name": "limit", "in": "query", "required": False,
                         "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 25}},
                        {"name": "cursor", "in": "query", "required": False, "schema": {"type": "string", "minLength": 1},
                         "description": "`next_cursor` of the page before."},
                    ],
                    "responses": {"200": _answer("One page.", schema={"$ref": "#/components/schemas/CustomerPage"}),
                                  **_errors(*common)},
                },
                "post": {
                    "operationId": "createCustomer", "summary": "Add a customer", "requestBody": body,
                    "responses": {
                        "201": _answer("Created.", headers={
                            **etag, "Location": {"description": "The new customer's URL.", "schema": {"type": "string"}}},
                            schema=customer) | {"links": {
                                "GetCustomer": {"operationId": "getCustomer",
                                                "parameters": {"customer_id": "$response.body#/customer_id"}},
                                "ReplaceCustomer": {"operationId": "replaceCustomer",
                                                    "parameters": {"customer_id": "$response.body#/customer_id"}},
                                "DeleteCustomer": {"operationId": "deleteCustomer",
                                                   "parameters": {"customer_id": "$response.body#/customer_id"}}}},
                        **_errors(*common, 409, 413, 415)},
                },
            },
            "/api/customers/{customer_id}": {
                "parameters": [id_parameter],
                "get": {"operationId": "getCustomer", "summary": "One customer",
                        "responses": {"200": _answer("The customer.", headers=etag, schema=customer),
                                      **_errors(*common, 404)}},
                "put": {"operationId": "replaceCustomer", "summary": "Replace a customer's fields",
                        "parameters": [if_match], "requestBody": body,
                        "responses": {"200": _answer("Replaced.", headers=etag, schema=customer),
                                      **_errors(*common, 404, 409, 412, 413, 415)}},
                "delete": {"operationId": "deleteCustomer", "summary": "Delete a customer",
                           "parameters": [if_match],
                           "responses": {"204": {"description": "Deleted."}, **_errors(*common, 404, 409, 412)}},
            },
        },
        "components": {
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer",
                                           "description": "An API key with the `customers` scope."}},
            "headers": {
                "ETag": {"description": "The customer's version in quotes, for If-Match.", "schema": {"type": "string"}},
                "RetryAfter": {"description": "Seconds to wait.", "schema": {"type": "integer"}},
            },
            "parameters": {"IfMatch": {
                "name": "If-Match", "in": "header", "required": False,
                "schema": {"type": "string", "pattern": IF_MATCH_PATTERN, "examples": ['"3"', "*"]}, "example": '"3"',

                "description": "`*`, or entity tags such as `\"3\"` (comma-separated), compared strongly."}},
            "schemas": {
                "CustomerInput": _customer_input(),
                "Customer": _customer_output(),
                "CustomerPage": {"type": "object", "required": ["items", "next_cursor"], "properties": {
                    "items": {"type": "array", "items": customer},
                    "next_cursor": {"type": ["string", "null"], "description": "null on the last page."}}},
                "Error": {"type": "object", "required": ["error"], "properties": {"error": {
                    "type": "object", "required": ["code", "message", "fields"], "properties": {
                        "code": {"type": "string", "enum": sorted(rest.ERROR_CODES)},
                        "message": {"type": "string"},
                        "fields": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}},
                                   "description": "Per field, what is wrong with it."}}}}},
            },
        },
    }
