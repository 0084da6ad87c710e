"""Errors shared by every app's services."""
from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.exceptions import PynamoDBException

# Anything that means "DynamoDB did not do what we asked, through no fault of
# the request": throttling, timeouts, an unreachable endpoint, a server error.
UNAVAILABLE_ERRORS = (PynamoDBException, BotoCoreError, ClientError)


class ServiceUnavailable(Exception):
    """DynamoDB could not be reached or refused the request for now."""


def transaction_reasons(error: Exception) -> list[str | None]:
    """Return the cancellation reason codes of a failed TransactWrite, in request order."""
    reasons = getattr(error, "cancellation_reasons", None) or []
    return [reason.code if reason is not None else None for reason in reasons]
