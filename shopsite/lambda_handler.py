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
"""


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


def handler(event, context):
    """Run Zappa's handler (``handler.py`` at the package root) and tidy its response; hand stream batches
    to shopsite.streams."""
    if _is_stream_batch(event):
        import django
        from django.apps import apps

        if not apps.ready:
            django.setup()
        from shopsite.streams import lambda_event

        return lambda_event(event, context)
    from handler import lambda_handler

    if isinstance(event, dict):
        _trust_source_ip(event)
    response = lambda_handler(event, context)
    if not isinstance(response, dict):
        return response
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
