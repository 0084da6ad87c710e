"""The customers JSON API: ``/api/customers`` and ``/api/customers/<id>``.

Integrators authenticate with ``Authorization: Bearer <key>``; a signed-in
staff session works too (and then CSRF applies to writes).
"""
from __future__ import annotations

import re
from functools import wraps

from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from accounts import gate
from customers import selectors, services
from customers.forms import CustomerForm
from shopsite.cursors import InvalidCursor

MAX_BODY_BYTES = 64 * 1024
API_FIELDS = ("email", "first_name", "last_name", "phone", "line1", "line2", "city", "postal_code", "country", "status")
OUTPUT_FIELDS = ("customer_id",) + API_FIELDS


# Every error code the API answers with, and its status; the OpenAPI document lists them from here.
ERROR_CODES = {
    "malformed_json": 400, "duplicate_keys": 400, "too_deep": 400, "invalid_text": 400, "invalid_type": 400,
    "unknown_fields": 400, "unknown_parameters": 400, "invalid": 400, "invalid_limit": 400, "invalid_cursor": 400, "invalid_if_match": 400,
    "unauthorized": 401, "forbidden": 403, "csrf_failed": 403, "not_found": 404, "method_not_allowed": 405,
    "email_taken": 409, "guest_record": 409, "conflict": 409, "precondition_failed": 412, "too_large": 413,
    "unsupported_media_type": 415, "rate_limited": 429, "unavailable": 503,
}


GUEST_REFUSAL = "A guest's record follows their orders; it cannot be changed or deleted."


class ApiError(Exception):
    """An answer other than success: *code* (one of ERROR_CODES, which gives the status) and a message."""

    def __init__(self, code: str, message: str, fields: dict | None = None, retry_after: int | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = ERROR_CODES[code], code, message, fields or {}
        self.retry_after = retry_after


def error_json(status: int, code: str, message: str, fields: dict | None = None) -> JsonResponse:
    body = {"error": {"code": code, "message": message, "fields": fields or {}}}
    return JsonResponse(body, status=status)


def customer_json(customer) -> dict:
    """Return the public view of a customer: never the password hash or staff notes."""
    data = {name: getattr(customer, name) for name in OUTPUT_FIELDS}
    data["created_at"] = customer.created_at.isoformat()
    data["updated_at"] = customer.updated_at.isoformat()
    data["version"] = customer.version or 0  # a guest's record is never edited: version 0
    data["order_count"] = int(customer.order_count or 0)
    data["spent_cents"] = int(customer.spent_cents or 0)
    return data


def _actor(request) -> str:
    """Who an API write is recorded as in the audit trail: the key's name, or the signed-in staff member."""
    return request.api_caller.actor


def _authenticate(request) -> None:
    """The shared front door (accounts.gate), then this API's own rule: a key needs the 'customers' scope."""
    try:
        caller = gate.caller_identify(request, staff_session=True)
    except gate.Refused as refused:
        raise ApiError(refused.code, refused.message, retry_after=refused.retry_after) from None
    if caller.api_key is not None and "customers" not in caller.scopes:
        raise ApiError("forbidden", "This API key has no 'customers' scope.")
    request.api_caller = caller


def api_view(methods: list[str], *, query: tuple[str, ...] = ()):
    """Wrap an API view: 405, authentication, query parameters other than *query* refused, JSON errors (CORS is
    django-cors-headers' middleware)."""

    def decorator(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method == "OPTIONS":
                response = HttpResponse(status=204)
                response["Allow"] = ", ".join(methods + ["OPTIONS"])
                return response
            if request.method not in methods:
                response = error_json(ERROR_CODES["method_not_allowed"], "method_not_allowed", f"Use {', '.join(methods)}.")
                response["Allow"] = ", ".join(methods + ["OPTIONS"])
                return response
            try:
                _authenticate(request)
                unknown = sorted(set(request.GET) - set(query))
                if unknown:
                    raise ApiError("unknown_parameters", "Unknown query parameters.",
                                   {name[:100]: ["Unknown parameter."] for name in unknown[:20]})
                return view(request, *args, **kwargs)
            except ApiError as error:
                response = error_json(error.status, error.code, error.message, error.fields)
                if error.retry_after:
                    response["Retry-After"] = str(error.retry_after)
                return response

        return wrapper

    return decorator


def _body(request) -> dict:
    try:
        return gate.json_body(request, max_bytes=MAX_BODY_BYTES)
    except gate.Refused as refused:
        raise ApiError(refused.code, refused.message) from None


def _validated(data: dict) -> dict:
    unknown = sorted(set(data) - set(API_FIELDS))
    if unknown:
        raise ApiError("unknown_fields", "Unknown fields.", {name: ["Unknown field."] for name in unknown[:20]})
    wrong = sorted(name for name, value in data.items() if not isinstance(value, str))
    if wrong:
        raise ApiError("invalid_type", "Fields must be strings.", {name: ["Must be a string."] for name in wrong})
    form = CustomerForm({"status": "active", **data})
    if not form.is_valid():
        fields = {name: [str(message) for message in messages] for name, messages in form.errors.items()}
        raise ApiError("invalid", "Some fields are not valid.", fields)
    return {name: form.cleaned_data[name] for name in API_FIELDS}


def _customer(customer_id: str):
    try:
        return selectors.customer_get(customer_id=customer_id)
    except selectors.CustomerNotFound:
        raise ApiError("not_found", "No customer with that id.") from None


_ENTITY_TAG = re.compile(r'(W/)?"([\x21\x23-\x7e\x80-\xff]*)"[ \t]*')


def _if_match(request) -> str | set[int] | None:
    """RFC 9110's If-Match: None when absent, "*", or the versions its strong entity tags name.

    Weak tags (``W/"3"``) never match under the strong comparison If-Match uses, and a tag that is not one of
    our versions cannot match either: both leave the set without them (an empty set matches nothing).
    """
    header = request.headers.get("If-Match")
    if header is None:
        return None
    if header.strip() == "*":
        return "*"
    refused = ApiError("invalid_if_match", 'If-Match must be "*" or entity tags such as "3" (a comma-separated list).')
    versions, rest, tags = set(), header, 0
    while rest := rest.lstrip(" \t,"):  # empty list elements are allowed and ignored (RFC 9110, 5.6.1)
        tag = _ENTITY_TAG.match(rest)
        if tag is None:
            raise refused
        weak, opaque = tag.groups()
        if not weak and opaque.isascii() and opaque.isdigit() and len(opaque) < 17:
            versions.add(int(opaque))
        rest, tags = rest[tag.end():], tags + 1
        if rest and not rest.startswith(","):
            raise refused
    if not tags:
        raise refused
    return versions


def _expected_version(request, customer_id: str) -> int | None:
    """The version a conditional write must find (None: unconditional); 412 when If-Match cannot hold."""
    condition = _if_match(request)
    if condition is None:
        return None
    stale = ApiError("precondition_failed", "The customer was changed since that version.")
    try:
        current = selectors.customer_get(customer_id=customer_id).version
    except selectors.CustomerNotFound:
        if condition == "*":
            raise stale from None  # "*" holds only when there is a current representation
        raise ApiError("not_found", "No customer with that id.") from None
    if condition != "*" and current not in condition:
        raise stale
    return current


def _with_etag(response, customer):
    response["ETag"] = f'"{customer.version or 0}"'
    return response


@api_view(["GET", "POST"], query=("limit", "cursor"))
def customer_collection(request):
    if request.method == "POST":
        data = _validated(_body(request))
        try:
            customer = services.customer_create(actor=_actor(request), **data)
        except services.EmailTaken:
            raise ApiError("email_taken", "Another customer already uses this email.", {"email": ["Already in use."]}) from None
        response = JsonResponse(customer_json(customer), status=201)
        response["Location"] = request.build_absolute_uri(reverse("api:customer_detail", args=[customer.customer_id]))
        return _with_etag(response, customer)

    try:
        limit = int(request.GET.get("limit", "25"))
    except ValueError:
        limit = 0
    if not 1 <= limit <= 100:
        raise ApiError("invalid_limit", "limit must be a whole number from 1 to 100.", {"limit": ["1 to 100."]})
    try:
        cursor = request.GET.get("cursor")
        if cursor == "":
            raise InvalidCursor("empty")  # a client that sends the parameter means a page; "" names none
        page = selectors.customer_list(limit=limit, cursor=cursor)
    except InvalidCursor:
        raise ApiError("invalid_cursor", "The cursor is not valid; start again without it.") from None
    return JsonResponse({"items": [customer_json(c) for c in page.items], "next_cursor": page.next_cursor})


@api_view(["GET", "PUT", "DELETE"])
def customer_detail(request, customer_id):
    if request.method == "GET":
        customer = _customer(customer_id)
        return _with_etag(JsonResponse(customer_json(customer)), customer)
    if request.method == "DELETE":
        expected = _expected_version(request, customer_id)
        try:
            services.customer_delete(customer_id=customer_id, expected_version=expected, actor=_actor(request))
        except selectors.CustomerNotFound:
            raise ApiError("not_found", "No customer with that id.") from None
        except services.GuestRecord:
            raise ApiError("guest_record", GUEST_REFUSAL) from None
        except services.StaleEdit:
            if expected is not None:
                raise ApiError("precondition_failed", "The customer was changed since that version.") from None
            raise ApiError("conflict", "The customer changed while deleting; try again.") from None
        return HttpResponse(status=204)

    data = _validated(_body(request))
    expected = _expected_version(request, customer_id)
    if "email" not in data:
        raise ApiError("invalid", "Some fields are not valid.", {"email": ["This field is required."]})
    replacement = {name: data.get(name, "") for name in API_FIELDS}
    replacement["status"] = data.get("status") or "active"
    try:
        customer = services.customer_update(customer_id=customer_id, expected_version=expected, actor=_actor(request),
                                            **replacement)
    except services.StaleEdit:
        raise ApiError("precondition_failed", "The customer was changed since that version.") from None
    except services.GuestRecord:
        raise ApiError("guest_record", GUEST_REFUSAL) from None
    except services.EmailTaken:
        raise ApiError("email_taken", "Another customer already uses this email.", {"email": ["Already in use."]}) from None
    except selectors.CustomerNotFound:
        raise ApiError("not_found", "No customer with that id.") from None
    return _with_etag(JsonResponse(customer_json(customer)), customer)
