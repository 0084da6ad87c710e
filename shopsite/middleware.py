"""Project-wide middleware: request logs and the friendly 'try again' page."""
import logging
import time

from django.http import HttpResponse, JsonResponse
from django.conf import settings
from django.template.loader import render_to_string

from shopsite import dynamodb
from shopsite.errors import is_unavailable
from shopsite.metrics import metric_add, metrics_scope

log = logging.getLogger("shopsite.requests")
RETRY_AFTER_SECONDS = "5"


class RequestLogMiddleware:
    """Log one JSON line per request (at the level its outcome deserves) and write its metrics.

    The line holds the request id, method, route name (never the raw path or
    query string, which may carry tokens), status, duration and DynamoDB calls.
    Its level follows what the request says about the shop: a fast answer
    below 400 at DEBUG, a 4xx at INFO, a 5xx or a slow answer at WARNING. At
    production's INFO the everyday request writes nothing, because every log
    byte is billed; API Gateway's and Lambda's own metrics count requests,
    latency and errors for free, and ``LOG_LEVEL=DEBUG`` brings every line back.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        with metrics_scope(), dynamodb.count_calls() as calls:
            response = self.get_response(request)
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            status = response.status_code
            if status >= 500:
                metric_add(name="ServerErrors")
        level = request_log_level(status=status, duration_ms=duration_ms)
        if not log.isEnabledFor(level):
            return response
        match = getattr(request, "resolver_match", None)
        context = request.META.get("lambda.context")
        log.log(
            level,
            "request",
            extra={
                "request_id": getattr(context, "aws_request_id", None) or request.META.get("HTTP_X_REQUEST_ID"),
                "method": request.method,
                "route": match.view_name if match else None,
                "status": status,
                "duration_ms": duration_ms,
                "dynamodb_calls": len(calls),
            },
        )
        return response


def request_log_level(*, status: int, duration_ms: float) -> int:
    """The level of a request's log line: quiet when all went well, louder when it did not."""
    if status >= 500 or duration_ms >= settings.SLOW_REQUEST_MS:
        return logging.WARNING
    if status >= 400:
        return logging.INFO
    return logging.DEBUG


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


def error_page(template: str, *, status: int) -> HttpResponse:
    """Render an error page without the request: no context processor runs, so no session,
    account or cart is read. An error page must work when DynamoDB does not."""
    context = {"error_page": True, "SHOP_NAME": settings.SHOP_NAME, "SHOP_CURRENCY": settings.SHOP_CURRENCY}
    return HttpResponse(render_to_string(template, context), status=status)


def error_response(request, template: str, *, status: int, code: str, message: str) -> HttpResponse:
    """Return an error page, or the API's JSON error body for a path under /api/."""
    if request.path_info.startswith("/api/"):
        return JsonResponse({"error": {"code": code, "message": message, "fields": {}}}, status=status)
    return error_page(template, status=status)


def unavailable_response(request, exception):
    """Return the 503 page (JSON for the API) with Retry-After."""
    logging.getLogger("shopsite").warning("DynamoDB unavailable: %r", exception)
    response = error_response(request, "503.html", status=503, code="unavailable",
                              message="The service is busy; try again shortly.")
    response["Retry-After"] = RETRY_AFTER_SECONDS
    return response
