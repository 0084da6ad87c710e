"""Inject DynamoDB failures at the HTTP level, underneath botocore, so its retries really run."""
from contextlib import contextmanager

from botocore.awsrequest import AWSResponse
from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError

from shopsite import dynamodb


class _Raw:
    def __init__(self, body: bytes):
        self._body = body

    def stream(self, **kwargs):
        yield self._body


def _error_response(request, status: int, code: str) -> AWSResponse:
    body = ('{"__type":"com.amazonaws.dynamodb.v20120810#%s","message":"injected"}' % code).encode()
    return AWSResponse(request.url, status, {"Content-Type": "application/x-amz-json-1.0"}, _Raw(body))


@contextmanager
def dynamodb_fault(kind: str, *, operations: set[str] | None = None):
    """Make matching DynamoDB requests fail with *kind*: throttle, server_error, conflict (TransactWriteItems only),
    timeout or unreachable.

    Yields a list that records every intercepted HTTP attempt (retries included).
    """
    attempts: list[str] = []

    def before_send(request, **kwargs):
        target = request.headers.get("X-Amz-Target", b"")
        operation = (target.decode() if isinstance(target, bytes) else target).split(".")[-1]
        if operations is not None and operation not in operations:
            return None
        attempts.append(operation)
        if kind == "throttle":
            return _error_response(request, 400, "ProvisionedThroughputExceededException")
        if kind == "server_error":
            return _error_response(request, 500, "InternalServerError")
        if kind == "conflict":  # another transaction holds one of the items: DynamoDB cancels with TransactionConflict
            import json

            items = json.loads(request.body)["TransactItems"]
            reasons = [{"Code": "TransactionConflict", "Message": "injected"}] + [{"Code": "None"}] * (len(items) - 1)
            body = json.dumps({"__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
                               "message": "Transaction cancelled [TransactionConflict]", "CancellationReasons": reasons})
            return AWSResponse(request.url, 400, {"Content-Type": "application/x-amz-json-1.0"}, _Raw(body.encode()))
        if kind == "timeout":
            raise ReadTimeoutError(endpoint_url=request.url)
        if kind == "connect_timeout":
            raise ConnectTimeoutError(endpoint_url=request.url)
        raise EndpointConnectionError(endpoint_url=request.url)

    client = dynamodb.connection().client
    client.meta.events.register_first("before-send.dynamodb", before_send, unique_id="shopsite-fault")
    try:
        yield attempts
    finally:
        client.meta.events.unregister("before-send.dynamodb", unique_id="shopsite-fault")
