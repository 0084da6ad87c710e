"""DynamoDB transactions whose failures are read by label, never by position.

PynamoDB sends a transaction's actions grouped by kind (condition checks,
deletes, puts, updates), not in the order they were added, and DynamoDB's
cancellation reasons follow the order sent. Each action added here carries a
label and the item it touches; when DynamoDB cancels the transaction, the
reasons are matched to the actions through the items of the request really
sent (no two actions of one transaction may touch the same item), so the
caller asks ``cancelled.failed("email-guard")`` and never counts.

The shared domain errors live here too, so that every service raises the same
``StaleEdit`` and views handle it one way.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Callable, Iterator

from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from shopsite import dynamodb

CONDITION_FAILED = "ConditionalCheckFailed"
RETRYABLE = frozenset({"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"})
_sent = threading.local()


class StaleEdit(Exception):
    """The record changed since the editor loaded it; ``current`` holds what is stored now (or None)."""

    def __init__(self, current=None):
        super().__init__("The record was changed by someone else in the meantime.")
        self.current = current


class ConditionFailed(Exception):
    """A write's condition did not hold (the generic case no domain error names)."""


@contextmanager
def condition_checked() -> Iterator[None]:
    """Around one conditional PynamoDB write: a condition that did not hold raises ConditionFailed; any other
    failure (an outage, a bad request) goes on as it was. The one place that reads DynamoDB's error code."""
    try:
        yield
    except PynamoDBException as error:
        if getattr(error, "cause_response_code", None) == "ConditionalCheckFailedException":
            raise ConditionFailed() from error
        raise


class TransactionCancelled(Exception):
    """DynamoDB cancelled the transaction; ``codes`` maps each action's label to its reason code (or None)."""

    def __init__(self, codes: dict[str, str | None], items: dict[str, dict] | None = None):
        failed = ", ".join(f"{label}: {code}" for label, code in codes.items() if code)
        super().__init__(f"Transaction cancelled ({failed or 'no reason given'}).")
        self.codes = codes
        self.items = items or {}

    def stored(self, label: str) -> dict | None:
        """The item as stored when *label*'s condition failed (raw DynamoDB form), for an action added
        with ``return_stored=True``; None otherwise."""
        return self.items.get(label)

    def failed(self, *labels: str) -> bool:
        """Return True if the condition of any of *labels* failed."""
        return any(self.codes.get(label) == CONDITION_FAILED for label in labels)

    @property
    def retryable(self) -> bool:
        """True when DynamoDB cancelled for a conflict or throttling, and no condition failed."""
        codes = set(self.codes.values())
        return bool(codes & RETRYABLE) and CONDITION_FAILED not in codes


def _key_of(model_class: type[Model], hash_key, range_key=None) -> dict[str, str]:
    """The item's key as DynamoDB names it, each value in its serialized text form."""
    key = {}
    for attribute in model_class.get_attributes().values():
        if attribute.is_hash_key:
            key[attribute.attr_name] = str(attribute.serialize(hash_key))
        elif attribute.is_range_key:
            key[attribute.attr_name] = str(attribute.serialize(range_key))
    return key


def _instance_key(model: Model) -> dict[str, str]:
    hash_name = next(name for name, a in model.get_attributes().items() if a.is_hash_key)
    range_name = next((name for name, a in model.get_attributes().items() if a.is_range_key), None)
    return _key_of(type(model), getattr(model, hash_name), getattr(model, range_name) if range_name else None)


def _remember_request(params: dict, **kwargs) -> None:
    """botocore hook: keep the TransactItems this thread is about to send."""
    _sent.items = params.get("TransactItems", [])


def _sent_identity(item: dict) -> tuple[str, dict[str, str]]:
    (kind, body), = item.items()
    values = body["Item"] if kind == "Put" else body["Key"]
    return body["TableName"], {name: str(next(iter(value.values()))) for name, value in values.items()}


class Transaction:
    """A TransactWrite whose actions carry labels. Use through :func:`transaction`."""

    def __init__(self, *, client_request_token: str | None = None):
        self.client_request_token = client_request_token  # may be set until the block ends
        self._actions: list[tuple[str, str, dict[str, str]]] = []  # (label, table, key)
        self._operations: list[Callable[[TransactWrite], None]] = []
        self._on_commit: list[Callable[[], None]] = []

    def _add(self, label: str, model_class: type[Model], key: dict[str, str]) -> None:
        if any(existing == label for existing, _, _ in self._actions):
            raise ValueError(f"Label {label!r} is used twice in one transaction.")
        self._actions.append((label, model_class.Meta.table_name, key))

    def save(self, model: Model, *, label: str, condition=None) -> None:
        self._add(label, type(model), _instance_key(model))
        self._operations.append(lambda write: write.save(model, condition=condition))

    def update(self, model: Model, *, label: str, actions: list, condition=None, add_version_condition: bool = True,
               return_stored: bool = False) -> None:
        """Update *model*; with *return_stored*, a failed condition hands back the stored item
        (``TransactionCancelled.stored(label)``) at no extra read."""
        self._add(label, type(model), _instance_key(model))
        return_values = "ALL_OLD" if return_stored else None
        self._operations.append(
            lambda write: write.update(model, actions=actions, condition=condition, add_version_condition=add_version_condition,
                                       return_values=return_values)
        )

    def delete(self, model: Model, *, label: str, condition=None, add_version_condition: bool = True) -> None:
        self._add(label, type(model), _instance_key(model))
        self._operations.append(lambda write: write.delete(model, condition=condition, add_version_condition=add_version_condition))

    def condition_check(self, model_class: type[Model], hash_key, range_key=None, *, label: str, condition) -> None:
        self._add(label, model_class, _key_of(model_class, hash_key, range_key))
        self._operations.append(lambda write: write.condition_check(model_class, hash_key, range_key, condition=condition))

    def on_commit(self, callback: Callable[[], None]) -> None:
        """Run *callback* once the transaction has committed (cache invalidation, say); once however often added."""
        if callback not in self._on_commit:
            self._on_commit.append(callback)

    def __len__(self) -> int:
        return len(self._actions)

    def _reasons(self, error: TransactWriteError) -> tuple[dict[str, str | None], dict[str, dict]]:
        """Each label's cancellation code, and the stored items DynamoDB returned with failed conditions."""
        reasons = getattr(error, "cancellation_reasons", None) or []
        codes: dict[str, str | None] = {label: None for label, _, _ in self._actions}
        items: dict[str, dict] = {}
        for item, reason in zip(getattr(_sent, "items", []), reasons):
            if reason is None:
                continue
            table, values = _sent_identity(item)
            for label, action_table, key in self._actions:
                if action_table == table and all(values.get(name) == value for name, value in key.items()):
                    codes[label] = reason.code
                    if reason.raw_item:
                        items[label] = reason.raw_item
                    break
        return codes, items

    def commit(self) -> None:
        if not self._actions:
            return
        client = dynamodb.connection().client
        client.meta.events.register(
            "before-parameter-build.dynamodb.TransactWriteItems", _remember_request, unique_id="shopsite-transactions"
        )
        _sent.items = []
        try:
            with TransactWrite(connection=dynamodb.connection(), client_request_token=self.client_request_token) as write:
                for operation in self._operations:
                    operation(write)
        except TransactWriteError as error:
            if getattr(error, "cause_response_code", None) == "TransactionCanceledException":
                raise TransactionCancelled(*self._reasons(error)) from error
            raise
        finally:
            _sent.items = []
        for callback in self._on_commit:
            callback()


@contextmanager
def transaction(*, client_request_token: str | None = None) -> Iterator[Transaction]:
    """Collect labelled actions inside the block; commit them as one TransactWrite on exit.

    Raises TransactionCancelled (read it by label) when DynamoDB cancels, and
    lets other errors (an outage, an idempotency mismatch) through unchanged.
    """
    tx = Transaction(client_request_token=client_request_token)
    yield tx
    tx.commit()
