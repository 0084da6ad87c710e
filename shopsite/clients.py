"""Who is asking: the one place that decides a request's client address.

Under Lambda, shopsite.lambda_handler has already made ``REMOTE_ADDR`` the
address API Gateway saw the connection come from (``requestContext``'s
``sourceIp``), never a header the client wrote; locally it is the socket's
peer, as runserver sets it. Behind CloudFront that address is an edge
server's: then, and only then, the viewer's address comes from CloudFront's
``CloudFront-Viewer-Address`` header — trusted only on a request that also
carries ``X-Shopsite-Edge`` equal to EDGE_SECRET, the secret CloudFront adds
at its origin and no client knows. No other header (``X-Forwarded-For``,
``X-Real-IP``, ...) is ever read. Sign-in, password resets, GraphQL and the
API all ask this.
"""
from django.conf import settings
from django.utils.crypto import constant_time_compare


def _viewer_address(value: str) -> str | None:
    """The address of a CloudFront-Viewer-Address value (``203.0.113.9:4711`` or ``[2001:db8::1]:4711``)."""
    host = value.rsplit(":", 1)[0] if value.count(":") == 1 or value.startswith("[") else value
    host = host.strip("[]")
    return host or None


def client_address(request) -> str:
    """The client address to throttle and log by."""
    secret = settings.EDGE_SECRET
    if secret and constant_time_compare(request.META.get("HTTP_X_SHOPSITE_EDGE", ""), secret):
        viewer = _viewer_address(request.META.get("HTTP_CLOUDFRONT_VIEWER_ADDRESS", ""))
        if viewer:
            return viewer[:64]
    return (request.META.get("REMOTE_ADDR") or "unknown")[:64]
