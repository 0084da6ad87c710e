"""Who is asking: the one place that decides a request's client address.

Under Lambda, shopsite.lambda_handler has already made ``REMOTE_ADDR`` the
address API Gateway saw the connection come from (``requestContext``'s
``sourceIp``), never a header the client wrote; locally it is the socket's
peer, as runserver sets it. No header (``X-Forwarded-For``,
``X-Real-IP``, ...) is read here: none of them is trustworthy behind API
Gateway. Sign-in, password resets, GraphQL and the API all ask this.
"""


def client_address(request) -> str:
    """The client address to throttle and log by."""
    return (request.META.get("REMOTE_ADDR") or "unknown")[:64]
