"""Project-level error pages."""
from django.shortcuts import render

from shopsite.decorators import staff_required


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
    return render(request, "500.html", status=500)


@staff_required
def staff_dashboard(request):
    """The staff console's landing page: links to each section."""
    return render(request, "staff/dashboard.html")
