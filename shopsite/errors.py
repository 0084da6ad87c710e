"""Errors shared by every app's services."""
from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.exceptions import PynamoDBConnectionError, TransactGetError, TransactWriteError

from shopsite.transactions import TransactionCancelled

# What DynamoDB raises when it did not do what we asked through no fault of the
# request: throttling, timeouts, an unreachable endpoint, a server error.
UNAVAILABLE_ERRORS = (PynamoDBConnectionError, TransactWriteError, TransactGetError, BotoCoreError, ClientError)
_NOT_AVAILABILITY = {"ConditionalCheckFailedException", "ValidationException", "ResourceNotFoundException"}


def is_unavailable(exception: BaseException | None) -> bool:
    """Return True for errors that mean DynamoDB could not serve us right now.

    A failed condition or a malformed request is a bug, not an outage, and is
    left to the 500 page.
    """
    if isinstance(exception, TransactionCancelled):
        return exception.retryable  # conflicts and throttling that outlasted the retries
    if not isinstance(exception, UNAVAILABLE_ERRORS):
        return False
    code = getattr(exception, "cause_response_code", None)
    if code is None and isinstance(exception, ClientError):
        code = exception.response.get("Error", {}).get("Code")
    return code not in _NOT_AVAILABILITY
