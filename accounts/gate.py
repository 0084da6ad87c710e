"""The front door both APIs share: who is calling, and the JSON body, read with the same rules.

A caller is an API key (``Authorization: Bearer <key>``, with its scopes and
its per-minute limit), a shopper token (``Authorization: Shopper <token>``,
where the API takes them), or a browser session, which must carry its CSRF
token on any write as a form post does. The body is one JSON object under a
size limit, with no duplicate keys, no nesting deep enough to exhaust the
parser and no text DynamoDB cannot store. A refusal is a :class:`Refused`
with its HTTP status and a stable lower-case code; each API words it in its
own envelope (REST's ``{"error": …}``, GraphQL's ``{"errors": […]}``), so
the rules live here once and the protocols stay what their clients expect.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from accounts import selectors, services
from accounts.models import ApiKey
from accounts.tokens import shopper_token_customer
from customers import selectors as customer_selectors
from shopsite.compat.django import csrf_passes

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class Refused(Exception):
    """The request stops at the door: *status*, a stable *code*, a message for people, maybe Retry-After."""

    def __init__(self, status: int, code: str, message: str, *, retry_after: int | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.retry_after = status, code, message, retry_after


@dataclass
class Caller:
    """Who is calling: ``api_key`` (None for a session or a shopper token), its ``scopes``, and the name the
    audit trail records for their writes."""

    api_key: ApiKey | None = None
    scopes: set[str] = field(default_factory=set)
    actor: str = ""


def caller_identify(request, *, shopper_tokens: bool = False, staff_session: bool = False) -> Caller:
    """Identify the caller of an API request, or raise Refused (401 unknown key or token, 429 over the
    limit, 403 a session's write without its CSRF token). With *staff_session*, a session must be a signed-in
    staff member's (else 401). Sets ``request.customer`` for a shopper token."""
    header = request.headers.get("Authorization", "")
    scheme, _, credential = header.partition(" ")
    if shopper_tokens and scheme.lower() == "shopper":
        return _shopper(request, credential.strip())
    if header:
        api_key = selectors.api_key_find(key=credential.strip()) if scheme.lower() == "bearer" else None
        if api_key is None:
            raise Refused(401, "unauthorized", "The API key is missing, unknown or revoked.")
        _limit(services.api_key_rate_check(api_key=api_key), what="this key")
        return Caller(api_key=api_key, scopes=set(api_key.scope_set), actor=f"api key {api_key.name}")
    if staff_session and not request.staff.is_authenticated:
        raise Refused(401, "unauthorized", "Send an API key as 'Authorization: Bearer <key>'.")
    if request.method not in SAFE_METHODS and not csrf_passes(request):
        raise Refused(403, "csrf_failed", "A browser request needs the CSRF token (X-CSRFToken), or use an API key.")
    staff = request.staff
    return Caller(scopes={"staff"} if staff.is_authenticated else set(),
                  actor=staff.email if staff.is_authenticated else "")


def _shopper(request, token: str) -> Caller:
    customer = shopper_token_customer(token, customer_of=lambda customer_id: customer_selectors.customer_find(
        customer_id=customer_id))
    if customer is None:
        raise Refused(401, "unauthorized", "The shopper token is unknown, expired or revoked (password changed).")
    _limit(services.shopper_token_rate_check(customer_id=customer.customer_id), what="this shopper")
    request.customer = customer
    request.shopper_token = True  # the GraphQL schema tells a token's shopper from a browser session's
    return Caller(actor=customer.email)


def _limit(wait: int, *, what: str) -> None:
    if wait:
        raise Refused(429, "rate_limited", f"Too many requests for {what}; try again in {wait} seconds.",
                      retry_after=wait)


def json_body(request, *, max_bytes: int) -> dict:
    """The request's JSON object, or Refused: 415 not application/json, 413 over *max_bytes*, 400
    malformed_json, duplicate_keys, too_deep or invalid_text."""
    if (request.content_type or "") != "application/json":
        raise Refused(415, "unsupported_media_type", "Send the body as application/json.")
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > max_bytes or len(request.body) > max_bytes:
        raise Refused(413, "too_large", f"The body must be at most {max_bytes} bytes.")
    try:
        data = json.loads(request.body.decode("utf-8"), object_pairs_hook=_no_duplicate_keys)
    except RecursionError:
        raise Refused(400, "too_deep", "The JSON is nested too deeply.") from None
    except (UnicodeDecodeError, ValueError):
        raise Refused(400, "malformed_json", "The body is not valid UTF-8 JSON.") from None
    if not isinstance(data, dict):
        raise Refused(400, "malformed_json", "The body must be a JSON object.")
    _encodable(data)
    return data


def _no_duplicate_keys(pairs: list) -> dict:
    keys = [key for key, _ in pairs]
    if len(keys) != len(set(keys)):
        raise Refused(400, "duplicate_keys", "A JSON object names the same key twice.")
    return dict(pairs)


def _encodable(value) -> None:
    """Refuse text that cannot be stored: lone UTF-16 surrogates arrive through JSON escapes."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise Refused(400, "invalid_text", "The body holds text that is not valid Unicode.") from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _encodable(key)
            _encodable(item)
    elif isinstance(value, list):
        for item in value:
            _encodable(item)
