"""Django internals: the CSRF check run on one request, a token generator's clock, a safe path join."""
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.middleware.csrf import CsrfViewMiddleware
from django.utils._os import safe_join  # noqa: F401  (re-exported: serving local media)

WRITTEN_FOR = "5.2"
INTERNALS = (
    (PasswordResetTokenGenerator, "_num_seconds"),
    (PasswordResetTokenGenerator, "_now"),
    (CsrfViewMiddleware, "process_view"),
)


def csrf_passes(request) -> bool:
    """Django's CSRF check for a view that is csrf_exempt because API keys need none (the middleware's
    process_view is the check; it answers None when the request passes)."""
    return CsrfViewMiddleware(lambda _request: None).process_view(request, None, (), {}) is None


def token_age_seconds(generator: PasswordResetTokenGenerator, issued: int) -> int:
    """Seconds since *issued* on *generator*'s own clock (tests move it)."""
    return generator._num_seconds(generator._now()) - issued
