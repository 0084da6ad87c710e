"""The Lambda entry point: Zappa's handler, with its response headers made right.

Zappa 0.63's WSGI middleware keeps every ``Set-Cookie`` header and appends a
lower-cased copy of each (its filter tests ``isinstance(name, str) or ...``),
so every cookie would reach the browser twice. For REST (payload 1.0) events
it also fills both ``headers`` and ``multiValueHeaders``, which API Gateway
merges. This wrapper sends each header, and each cookie, exactly once.
"""


def _unique(values):
    return list(dict.fromkeys(value.strip() for value in values))


def handler(event, context):
    """Run Zappa's handler (``handler.py`` at the package root) and tidy its response."""
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
