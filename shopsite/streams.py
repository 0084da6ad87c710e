"""Work that follows a write, read from the table's DynamoDB Stream instead of done in the request.

A table whose model sets ``Meta.stream_view_type`` gets a stream. Apps register
consumers for a table with :func:`stream_consumer`; each receives batches of
records in the shape Lambda delivers them (``eventID``, ``eventName``,
``dynamodb.Keys/NewImage/OldImage``). Three ways in, one dispatch:

- on Lambda, an event source mapping invokes the function with the batch;
  ``shopsite.lambda_handler`` hands it to :func:`records_dispatch`;
- locally, ``manage.py runlocal`` polls DynamoDB Local's stream
  (:class:`StreamReader`) in a thread;
- tests drain the stream when they want its effects (``streams`` fixture).

Streams deliver at least once and Lambda retries a failed batch whole, so a
consumer is idempotent by itself (it sets values, it delivers with an id) or
writes a :func:`stream_mark` in the same transaction as its effect.
"""
from __future__ import annotations

import logging
import time
from collections import defaultdict
from datetime import timedelta
from typing import Callable, Iterable

from django.conf import settings
from django.utils import timezone

from shopsite import dynamodb
from shopsite.dynamodb import retry_pause
from shopsite.models import StreamMark
from shopsite.transactions import Transaction, TransactionCancelled

log = logging.getLogger(__name__)
Consumer = Callable[[list[dict]], None]
_consumers: dict[str, list[tuple[str, Consumer]]] = defaultdict(list)
MARK_DAYS = 2  # records live 24 hours in a stream; a mark outlives any redelivery


def stream_consumer(table: str, *, name: str) -> Callable[[Consumer], Consumer]:
    """Register the decorated function as consumer *name* of *table*'s stream (the base name, no prefix)."""

    def decorator(function: Consumer) -> Consumer:
        entries = _consumers[table]
        if all(existing != name for existing, _ in entries):
            entries.append((name, function))
        return function

    return decorator


def stream_mark(tx: Transaction, *, consumer: str, record: dict, label: str) -> None:
    """Inside *tx*, record that *consumer* applied *record*; *tx* is cancelled (with *label* failed) if it did before."""
    mark = StreamMark(f"{consumer}#{record['eventID']}", expires_at=timezone.now() + timedelta(days=MARK_DAYS))
    tx.save(mark, label=label, condition=StreamMark.key.does_not_exist())


def records_apply_once(records: list[dict], *, size: int, apply: Callable[[list[dict]], None], retries: int = 12,
                       condition_retries: int = 0) -> None:
    """Apply *records* in chunks of *size*, each by *apply(chunk)*: one transaction holding a
    :func:`stream_mark` per record, labelled ``mark:<position in the chunk>``. A record applied before
    (a redelivery) fails its mark: it is dropped and the rest tried again. Conflicts are retried with
    backoff up to *retries* times; a failed condition of the consumer's own, *condition_retries* times
    (it read something that changed meanwhile)."""
    pending = list(records)
    attempt = 0
    while pending:
        chunk = pending[:size]
        try:
            apply(chunk)
        except TransactionCancelled as cancelled:
            seen = [record for position, record in enumerate(chunk) if cancelled.failed(f"mark:{position}")]
            if seen:
                pending = [record for record in pending if record not in seen]
                continue
            if attempt >= retries or (not cancelled.retryable and attempt >= condition_retries):
                raise
            attempt += 1
            time.sleep(retry_pause(attempt))
            continue
        pending = pending[size:]
        attempt = 0


def table_of(record: dict) -> str:
    """The base table name a record comes from (its ARN names the prefixed table)."""
    table = record["eventSourceARN"].split(":table/", 1)[1].split("/", 1)[0]
    prefix = settings.DYNAMODB_TABLE_PREFIX
    return table[len(prefix):] if table.startswith(prefix) else table


def records_dispatch(*, records: list[dict]) -> None:
    """Hand *records* to every consumer of their table, in stream order. A consumer's error propagates,
    so Lambda retries the batch (consumers that already ran skip what they applied)."""
    by_table: dict[str, list[dict]] = defaultdict(list)
    for record in records:
        by_table[table_of(record)].append(record)
    for table, batch in by_table.items():
        for name, consumer in _consumers.get(table, []):
            consumer(batch)


def lambda_event(event: dict, context=None) -> dict:
    """The function the stream's event source mapping invokes (through shopsite.lambda_handler)."""
    records = event.get("Records") or []
    records_dispatch(records=records)
    return {"records": len(records)}


def streamed_tables() -> list[str]:
    """Base names of the tables that have a stream."""
    return [model.Meta.base_table_name for model in dynamodb.models() if getattr(model.Meta, "stream_view_type", None)]


class StreamReader:
    """Read DynamoDB Local's streams (the Streams API) and dispatch their records, as Lambda does on AWS.

    *start* is ``TRIM_HORIZON`` (everything the stream still holds: consumers
    skip what they applied) or ``LATEST`` (only what is written from now on).
    Shards are followed as DynamoDB opens new ones.
    """

    def __init__(self, *, tables: Iterable[str] | None = None, start: str = "TRIM_HORIZON", batch_size: int = 100):
        import boto3  # the Streams client is only needed off Lambda

        self.client = boto3.client(
            "dynamodbstreams", endpoint_url=dynamodb.host(), region_name=settings.AWS_REGION,
            aws_access_key_id=settings.AWS_ACCESS_KEY_ID or "local",
            aws_secret_access_key=settings.AWS_SECRET_ACCESS_KEY or "local",
        )
        self.tables = list(tables) if tables is not None else streamed_tables()
        self.batch_size = batch_size
        # shard id -> [stream ARN, next iterator (None once a closed shard is read), last sequence number seen]
        self._shards: dict[str, list] = {}
        self._arns = [self._stream_arn(table) for table in self.tables]
        for arn in self._arns:
            self._discover(arn)
        if start == "LATEST":
            self._read(dispatch=False)

    def _stream_arn(self, table: str) -> str:
        streams = self.client.list_streams(TableName=dynamodb.table_name(table))["Streams"]
        if not streams:
            raise RuntimeError(f"Table {dynamodb.table_name(table)} has no stream: run create_tables.")
        return streams[-1]["StreamArn"]

    def _discover(self, arn: str) -> None:
        """Start reading the stream's shards not seen yet, from their oldest record."""
        for shard in self.client.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
            if shard["ShardId"] not in self._shards:
                self._shards[shard["ShardId"]] = [arn, self._iterator(arn, shard["ShardId"]), 0]

    def _iterator(self, arn: str, shard_id: str) -> str:
        return self.client.get_shard_iterator(StreamArn=arn, ShardId=shard_id,
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]

    def poll(self) -> int:
        """Read every record written since the last poll and dispatch it, shard by shard in order; return how many."""
        for arn in self._arns:
            self._discover(arn)
        return self._read(dispatch=True)

    def _read(self, *, dispatch: bool) -> int:
        done = 0
        for shard_id, state in self._shards.items():
            arn, iterator, last = state
            while iterator:
                try:
                    answer = self.client.get_records(ShardIterator=iterator, Limit=self.batch_size)
                except (self.client.exceptions.TrimmedDataAccessException,
                        self.client.exceptions.ExpiredIteratorException):
                    # DynamoDB Local sometimes places a fresh stream's first iterator before its first record;
                    # start over from the oldest record and skip what was seen (by sequence number).
                    iterator = self._iterator(arn, shard_id)
                    continue
                records = [record for record in answer.get("Records", [])
                           if int(record["dynamodb"]["SequenceNumber"]) > last]
                for record in records:
                    record["eventSourceARN"] = arn  # Lambda adds it; the Streams API leaves it out
                if records and dispatch:
                    records_dispatch(records=records)
                    done += len(records)
                if records:
                    last = int(records[-1]["dynamodb"]["SequenceNumber"])
                iterator = answer.get("NextShardIterator")
                state[1], state[2] = iterator, last
                if not answer.get("Records"):
                    break
        return done

    def drain(self, *, rounds: int = 20, pause: float = 0.05) -> int:
        """Poll until a round finds nothing new (DynamoDB Local publishes within milliseconds); return the total."""
        total = 0
        for _ in range(rounds):
            found = self.poll()
            total += found
            if not found:
                break
            time.sleep(pause)
        return total

    def follow(self, *, interval: float = 1.0, stop=None) -> None:
        """Poll forever (or until *stop* is set), logging errors instead of stopping: the local runner's loop."""
        while stop is None or not stop.is_set():
            try:
                self.poll()
            except Exception:  # noqa: BLE001 - keep following; the next poll retries from the same iterators
                log.exception("Reading the change streams failed; trying again")
            time.sleep(interval)
