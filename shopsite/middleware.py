"""Project-wide middleware: request logs and the friendly 'try again' page."""
import logging
import time

from django.http import JsonResponse
from django.shortcuts import render

from shopsite import dynamodb
from shopsite.errors import is_unavailable

log = logging.getLogger("shopsite.requests")
RETRY_AFTER_SECONDS = "5"


class RequestLogMiddleware:
    """Log one line per request: id, method, path, status, duration, DynamoDB calls."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        with dynamodb.count_calls() as calls:
            response = self.get_response(request)
        request.dynamodb_calls = len(calls)
        context = request.META.get("lambda.context")
        log.info(
            "request",
            extra={
                "request_id": getattr(context, "aws_request_id", None) or request.META.get("HTTP_X_REQUEST_ID"),
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "dynamodb_calls": len(calls),
            },
        )
        return response


class DynamoDBUnavailableMiddleware:
    """Turn a DynamoDB outage into a 503 page (or JSON for the API) instead of a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_unavailable(exception):
            return None
        return unavailable_response(request, exception)


def unavailable_response(request, exception):
    """Return the 503 page (JSON for the API) with Retry-After."""
    logging.getLogger("shopsite").warning("DynamoDB unavailable: %r", exception)
    if request.path_info.startswith("/api/"):
        response = JsonResponse(
            {"error": {"code": "unavailable", "message": "The service is busy; try again shortly.", "fields": {}}},
            status=503,
        )
    else:
        response = render(request, "503.html", status=503)
    response["Retry-After"] = RETRY_AFTER_SECONDS
    return response
