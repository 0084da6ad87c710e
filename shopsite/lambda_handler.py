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
"""


def _unique(values):
    return list(dict.fromkeys(value.strip() for value in values))


def _is_stream_batch(event) -> bool:
    records = event.get("Records") if isinstance(event, dict) else None
    return bool(records) and isinstance(records[0], dict) and records[0].get("eventSource") == "aws:dynamodb"


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
