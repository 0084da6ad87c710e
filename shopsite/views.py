"""Project-level error pages and the staff dashboard."""
import sys

from django.shortcuts import render

from shopsite.decorators import staff_required
from shopsite.middleware import is_unavailable, unavailable_response


def csrf_failure(request, reason=""):
    """Explain a refused form post without leaking the technical reason."""
    return render(request, "403_csrf.html", status=403)


def bad_request(request, exception=None):
    return render(request, "400.html", status=400)


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    """Render the 500 page, or the 503 page when DynamoDB was unreachable.

    Errors raised outside views (a session save in middleware, say) arrive
    here rather than at the middleware's process_exception.
    """
    error = sys.exc_info()[1]
    if is_unavailable(error):
        return unavailable_response(request, error)
    return render(request, "500.html", status=500)


@staff_required
def staff_dashboard(request):
    """The staff console's landing page: links to each section."""
    return render(request, "staff/dashboard.html")
