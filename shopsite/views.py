"""Project-level pages: the health check, the error pages and local media."""
import mimetypes
import sys

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, JsonResponse

from shopsite.compat.django import safe_join
from shopsite.errors import is_unavailable
from shopsite.middleware import error_page, error_response, unavailable_response


def health(request):
    """Answer 200 without touching DynamoDB: the check Zappa runs right after a deploy.

    The tables do not exist yet on a first deploy, so a page that reads them
    would fail the deploy; this one only shows that the code loaded.
    """
    return JsonResponse({"status": "ok"})


def csrf_failure(request, reason=""):
    """Explain a refused form post without leaking the technical reason."""
    return error_page("403_csrf.html", status=403)


def bad_request(request, exception=None):
    return error_response(request, "400.html", status=400, code="bad_request", message="The request was not valid.")


def permission_denied(request, exception=None):
    return error_response(request, "403.html", status=403, code="forbidden", message="Not allowed.")


def page_not_found(request, exception=None):
    return error_response(request, "404.html", status=404, code="not_found", message="No such resource.")


def server_error(request):
    """Render the 500 page, or the 503 page when DynamoDB was unreachable.

    Errors raised outside views (a session save in middleware, say) arrive
    here rather than at the middleware's process_exception.
    """
    error = sys.exc_info()[1]
    if is_unavailable(error):
        return unavailable_response(request, error)
    return error_response(request, "500.html", status=500, code="server_error", message="Something went wrong on our side.")


def media(request, path):
    """Serve an uploaded file from the default storage (local runs and tests only)."""
    try:
        safe_join("/", path)
        handle = default_storage.open(path)
    except (OSError, ValueError, SuspiciousFileOperation):  # ValueError: a NUL byte in the path
        raise Http404("No such file.") from None
    return FileResponse(handle, content_type=mimetypes.guess_type(path)[0] or "application/octet-stream")
