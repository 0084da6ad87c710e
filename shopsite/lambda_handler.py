"""The Lambda entry point: Zappa's handler, with its response headers made right, and the change streams.

Zappa 0.63's WSGI middleware keeps every ``Set-Cookie`` header and appends a
lower-cased copy of each (its filter tests ``isinstance(name, str) or ...``),
so every cookie would reach the browser twice. For REST (payload 1.0) events
it also fills both ``headers`` and ``multiValueHeaders``, which API Gateway
merges. This wrapper sends each header, and each cookie, exactly once.

Records from a DynamoDB Stream (the orders and stock-bucket tables') go
straight to :mod:`shopsite.streams`: Zappa 0.63 routes them only by the
exact stream ARN written into ``zappa_settings.json``, which changes whenever
a stream is re-created; the stack owns the streams, so the function takes
whatever stream its event source mappings name.

Zappa 0.63 also builds ``REMOTE_ADDR`` from the ``X-Forwarded-For`` header,
which the client writes; API Gateway reports the address the connection
came from in ``requestContext`` (``http.sourceIp`` for HTTP APIs,
``identity.sourceIp`` for REST APIs). The wrapper replaces the header with
that address before Zappa reads it, so ``REMOTE_ADDR`` is the one address no
client can choose (see shopsite.clients).

Headers and cookies reach Zappa as text; a WSGI server passes them as bytes
read as Latin-1, and Django's WSGI layer encodes them back that way — so a
cookie holding a character outside Latin-1 raised UnicodeEncodeError (a 500)
before any view ran. The wrapper writes each such value as its UTF-8 bytes
read as Latin-1, exactly what a WSGI server would hand over.

A crash inside Zappa's own handler comes back as a JSON dump of the error;
the wrapper answers the shop's plain 500 page instead (Zappa's ``debug`` is
off in every stage, so no traceback is in it either way).
"""
import logging

log = logging.getLogger("shopsite.lambda")
CRASH_PAGE = (
    "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
    "content=\"width=device-width, initial-scale=1\"><title>Something went wrong</title></head><body>"
    "<main><h1>Something went wrong on our side</h1><p>Please try again in a moment.</p></main></body></html>")


def _unique(values):
    return list(dict.fromkeys(value.strip() for value in values))


def _is_stream_batch(event) -> bool:
    records = event.get("Records") if isinstance(event, dict) else None
    return bool(records) and isinstance(records[0], dict) and records[0].get("eventSource") == "aws:dynamodb"


def _source_ip(event) -> str | None:
    context = event.get("requestContext")
    if not isinstance(context, dict):
        return None
    source = (context.get("http") or {}).get("sourceIp") or (context.get("identity") or {}).get("sourceIp")
    return source if isinstance(source, str) and source else None


def _trust_source_ip(event) -> None:
    """Make the event's X-Forwarded-For exactly the address API Gateway saw (Zappa turns it into REMOTE_ADDR)."""
    source = _source_ip(event)
    if source is None:
        return
    for field in ("headers", "multiValueHeaders"):
        headers = event.get(field)
        if isinstance(headers, dict):
            for name in [name for name in headers if name.lower() == "x-forwarded-for"]:
                del headers[name]
    headers = event.get("headers")
    if not isinstance(headers, dict):
        headers = event["headers"] = {}
    headers["X-Forwarded-For"] = source
    if isinstance(event.get("multiValueHeaders"), dict):
        event["multiValueHeaders"]["X-Forwarded-For"] = [source]


def _wsgi_text(value):
    """*value* as a WSGI server would pass it: its UTF-8 bytes read as Latin-1 (a no-op for Latin-1 text)."""
    if not isinstance(value, str):
        return value
    try:
        value.encode("latin-1")
        return value
    except UnicodeEncodeError:
        return value.encode("utf-8", "surrogatepass").decode("latin-1")


def _wsgi_safe(event) -> None:
    for field in ("headers", "multiValueHeaders"):
        headers = event.get(field)
        if isinstance(headers, dict):
            for name, value in list(headers.items()):
                headers[name] = [_wsgi_text(v) for v in value] if isinstance(value, list) else _wsgi_text(value)
    if isinstance(event.get("cookies"), list):
        event["cookies"] = [_wsgi_text(cookie) for cookie in event["cookies"]]


def _crash_response(event) -> dict:
    response = {"statusCode": 500, "body": CRASH_PAGE, "isBase64Encoded": False}
    headers = {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}
    if event.get("version") == "2.0":
        response["headers"] = headers
    else:
        response["multiValueHeaders"] = {name: [value] for name, value in headers.items()}
    return response


def handler(event, context):
    """Run Zappa's handler (``handler.py`` at the package root) and tidy its response; hand stream batches
    to shopsite.streams."""
    if _is_stream_batch(event):
        import django  # lazy, all three: a stream batch sets Django up itself; Zappa's handler does it for HTTP
        from django.apps import apps

        if not apps.ready:
            django.setup()
        from shopsite.streams import lambda_event

        return lambda_event(event, context)
    from handler import lambda_handler  # lazy: Zappa's module at the package root sets Django up on import

    http = isinstance(event, dict) and isinstance(event.get("requestContext"), dict)
    if http:
        _trust_source_ip(event)
        _wsgi_safe(event)
    try:
        response = lambda_handler(event, context)
    except Exception:
        if not http:
            raise
        log.exception("Zappa's handler raised")
        return _crash_response(event)
    if not isinstance(response, dict):
        return response
    if http and response.get("statusCode") == 500 and not response.get("headers") and not response.get("multiValueHeaders"):
        log.error("Zappa's handler answered a crash: %s", str(response.get("body"))[:200])
        return _crash_response(event)
    if "cookies" in response:
        response["cookies"] = _unique(response["cookies"])
    multi = response.get("multiValueHeaders")
    if multi:
        merged: dict[str, list[str]] = {}
        names: dict[str, str] = {}
        for name, values in multi.items():
            key = name.lower()
            names.setdefault(key, "Set-Cookie" if key == "set-cookie" else name)
            merged.setdefault(key, []).extend(values)
        response["multiValueHeaders"] = {
            names[key]: _unique(values) if key == "set-cookie" else values for key, values in merged.items()
        }
        response["headers"] = {
            name: value for name, value in (response.get("headers") or {}).items() if name.lower() not in merged
        }
    return response
