"""The Lambda entry point: Zappa's handler, with its response made right for API Gateway.

Zappa 0.63 answers a REST (payload 1.0) event with both ``headers`` and
``multiValueHeaders``, and puts every header in both. API Gateway merges the
two, so a header could reach the browser twice (each Set-Cookie among them).
Keeping the multi-value form alone sends each header exactly once. HTTP API
(payload 2.0) responses carry cookies in their own list and pass unchanged.
"""


def handler(event, context):
    """Run Zappa's handler (``handler.py`` at the package root) and tidy its response."""
    from handler import lambda_handler

    response = lambda_handler(event, context)
    if isinstance(response, dict) and response.get("multiValueHeaders") and "headers" in response:
        multi = {key.lower() for key in response["multiValueHeaders"]}
        response["headers"] = {key: value for key, value in response["headers"].items() if key.lower() not in multi}
    return response
