"""A DynamoDB that refuses what real DynamoDB refuses: an HTTP proxy in front of DynamoDB Local.

DynamoDB Local applies every transaction at once and never cancels one for a
conflict; DynamoDB does. This proxy forwards every request to DynamoDB Local
and applies DynamoDB's documented conflict rule on the way
(developerguide/transaction-apis.html, "Transaction conflict handling"):

- while a ``TransactWriteItems`` is in flight, its items are held;
- another ``TransactWriteItems`` touching a held item is cancelled:
  ``TransactionCanceledException`` with reason ``TransactionConflict`` for each
  held item and ``None`` for the others, nothing written;
- a ``PutItem``, ``UpdateItem`` or ``DeleteItem`` on a held item fails with
  ``TransactionConflictException``;
- a ``TransactGetItems`` touching an item that any write (transactional or
  single) has in flight is cancelled with ``TransactionConflict``.

An item stays held for as long as DynamoDB Local takes to apply the
transaction, and at least ``hold_ms`` (default 10 ms: DynamoDB's own
transactions take tens of milliseconds, DynamoDB Local's a few), so the window
in which two buyers collide is no narrower than on AWS.

Not emulated (say so wherever results are quoted): per-partition throughput
(1,000 WCU and 3,000 RCU per second) and throttling, adaptive capacity,
BatchWriteItem conflicts, the 10-minute idempotency window's own conflicts
(``TransactionInProgressException``), GSI lag, and latency between client and
service beyond ``hold_ms``.

Run it as a process (the test fixtures and the bench do):
``python -m tests.dynamodb_conflicts --upstream http://127.0.0.1:8001 --port 8002``.
``GET /stats`` answers with counts of forwarded requests and conflicts;
``PUT /config`` with ``{"hold_ms": 10}`` changes the hold while it runs.
"""
from __future__ import annotations

import argparse
import http.client
import json
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

SINGLE_WRITES = {"PutItem", "UpdateItem", "DeleteItem"}
Identity = tuple[str, str]  # (table, canonical JSON of the key)


class _Server(ThreadingHTTPServer):
    # The standard library listens with a backlog of 5: a rush of a few hundred threads connecting at once
    # then has its SYNs dropped and waits a second per retry, past botocore's 1 s connect timeout, on a
    # busy machine. DynamoDB's endpoint takes them all, so the stand-in in front of it must too.
    request_queue_size = 1024


class Holds:
    """Which items in-flight writes hold; every method is atomic under one lock."""

    def __init__(self):
        self._lock = threading.Lock()
        self._transactions: set[Identity] = set()
        self._singles: Counter[Identity] = Counter()
        self.stats: Counter[str] = Counter()

    def transact_write_begin(self, items: list[Identity]) -> list[bool]:
        """Hold *items* for a transaction; return, per item, whether it conflicts (then nothing is held)."""
        with self._lock:
            conflicts = [item in self._transactions for item in items]
            if not any(conflicts):
                self._transactions.update(items)
            return conflicts

    def transactions_held(self) -> int:
        """How many items transactions hold now."""
        with self._lock:
            return len(self._transactions)

    def transact_write_end(self, items: list[Identity]) -> None:
        with self._lock:
            self._transactions.difference_update(items)

    def single_write_begin(self, item: Identity) -> bool:
        """Start a single write; False when a transaction holds the item."""
        with self._lock:
            if item in self._transactions:
                return False
            self._singles[item] += 1
            return True

    def single_write_end(self, item: Identity) -> None:
        with self._lock:
            self._singles[item] -= 1
            if self._singles[item] <= 0:
                del self._singles[item]

    def transact_get_conflicts(self, items: list[Identity]) -> list[bool]:
        with self._lock:
            return [item in self._transactions or item in self._singles for item in items]


class KeySchemas:
    """Each table's key attribute names, asked of the upstream once (a Put names its key only inside the item)."""

    def __init__(self, forward):
        self._forward = forward
        self._known: dict[str, list[str]] = {}
        self._lock = threading.Lock()

    def key_names(self, table: str, headers: dict[str, str]) -> list[str]:
        with self._lock:
            if table in self._known:
                return self._known[table]
        body = json.dumps({"TableName": table}).encode()
        status, _, answer = self._forward(body, {**headers, "X-Amz-Target": "DynamoDB_20120810.DescribeTable"})
        names = [key["AttributeName"] for key in json.loads(answer)["Table"]["KeySchema"]] if status == 200 else []
        with self._lock:
            self._known[table] = names
        return names


def _identity(table: str, key: dict) -> Identity:
    return table, json.dumps(key, sort_keys=True)


def _error(code: str, message: str, **extra) -> tuple[int, bytes]:
    body = {"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": message, **extra}
    return 400, json.dumps(body).encode()


def _cancelled(conflicts: list[bool]) -> tuple[int, bytes]:
    reasons = [{"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"} if hit
               else {"Code": "None"} for hit in conflicts]
    summary = ", ".join("TransactionConflict" if hit else "None" for hit in conflicts)
    return _error("TransactionCanceledException",
                  f"Transaction cancelled, please refer cancellation reasons for specific reasons [{summary}]",
                  CancellationReasons=reasons)


def _refusal(status: int, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
    return status, [("Content-Type", "application/x-amz-json-1.0")], body


class ConflictProxy:
    """The proxy itself: ``start()`` serves on a free port (or *port*) and returns its URL."""

    def __init__(self, upstream: str, *, hold_ms: float = 10.0, port: int = 0):
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname, parts.port or 80)
        self.hold = hold_ms / 1000
        self.holds = Holds()
        self.schemas = KeySchemas(self._forward)
        self._local = threading.local()
        self.server = _Server(("127.0.0.1", port), self._handler_class())
        self.server.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> str:
        threading.Thread(target=self.server.serve_forever, daemon=True, name="conflict-proxy").start()
        return self.url

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _forward(self, body: bytes, headers: dict[str, str]) -> tuple[int, list[tuple[str, str]], bytes]:
        """Send one request upstream on this thread's keep-alive connection (reconnecting once if it dropped)."""
        for attempt in (1, 2):
            connection = getattr(self._local, "connection", None)
            if connection is None:
                connection = self._local.connection = http.client.HTTPConnection(*self.upstream, timeout=60)
            try:
                connection.request("POST", "/", body=body, headers=headers)
                response = connection.getresponse()
                return response.status, response.getheaders(), response.read()
            except (ConnectionError, http.client.HTTPException, OSError):
                connection.close()
                self._local.connection = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _items_written(self, request: dict, headers: dict[str, str]) -> list[Identity]:
        items = []
        for action in request.get("TransactItems", []):
            (kind, body), = action.items()
            if kind == "Put":
                names = self.schemas.key_names(body["TableName"], headers)
                key = {name: body["Item"][name] for name in names if name in body["Item"]}
            else:
                key = body["Key"]
            items.append(_identity(body["TableName"], key))
        return items

    def _single_item(self, request: dict, operation: str, headers: dict[str, str]) -> Identity:
        if operation == "PutItem":
            names = self.schemas.key_names(request["TableName"], headers)
            return _identity(request["TableName"], {name: request["Item"][name] for name in names if name in request["Item"]})
        return _identity(request["TableName"], request["Key"])

    def handle(self, operation: str, body: bytes, headers: dict[str, str]):
        """Apply the conflict rule to one request; forward it when it may go on."""
        stats = self.holds.stats
        stats[f"requests:{operation}"] += 1
        if operation == "TransactWriteItems":
            request = json.loads(body)
            items = self._items_written(request, headers)
            conflicts = self.holds.transact_write_begin(items)
            if any(conflicts):
                stats["conflicts:TransactWriteItems"] += 1
                return _refusal(*_cancelled(conflicts))
            started = time.monotonic()
            try:
                return self._forward(body, headers)
            finally:
                remaining = self.hold - (time.monotonic() - started)
                if remaining > 0:
                    time.sleep(remaining)
                self.holds.transact_write_end(items)
        if operation in SINGLE_WRITES:
            item = self._single_item(json.loads(body), operation, headers)
            if not self.holds.single_write_begin(item):
                stats[f"conflicts:{operation}"] += 1
                return _refusal(*_error("TransactionConflictException", "Transaction is ongoing for the item"))
            try:
                return self._forward(body, headers)
            finally:
                self.holds.single_write_end(item)
        if operation == "TransactGetItems":
            request = json.loads(body)
            items = [_identity(action["Get"]["TableName"], action["Get"]["Key"]) for action in request["TransactItems"]]
            conflicts = self.holds.transact_get_conflicts(items)
            if any(conflicts):
                stats["conflicts:TransactGetItems"] += 1
                return _refusal(*_cancelled(conflicts))
        return self._forward(body, headers)

    def _handler_class(self):
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # small replies must not wait for the client's delayed ACK (40 ms each)

            def log_message(self, *args):
                pass

            def do_GET(self):  # noqa: N802 - http.server's naming
                body = json.dumps(dict(proxy.holds.stats)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_PUT(self):  # noqa: N802 - PUT /config {"hold_ms": 10}: change the hold while running
                settings = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                if "hold_ms" in settings:
                    proxy.hold = float(settings["hold_ms"]) / 1000
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {name: value for name, value in self.headers.items() if name.lower() != "content-length"}
                operation = (self.headers.get("X-Amz-Target") or "").rsplit(".", 1)[-1]
                try:
                    answer = proxy.handle(operation, body, headers)
                except Exception as error:  # noqa: BLE001 - the client sees a 500, as from a broken service
                    answer = (500, [("Content-Type", "application/x-amz-json-1.0")], json.dumps({"__type": "InternalServerError", "message": repr(error)}).encode())
                status, upstream_headers, payload = answer
                self.send_response(status)
                sent = {"content-length", "connection", "transfer-encoding", "date", "server"}
                for name, value in upstream_headers:
                    if name.lower() not in sent:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        return Handler


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", required=True, help="DynamoDB Local's URL")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--hold-ms", type=float, default=10.0)
    args = parser.parse_args(argv)
    proxy = ConflictProxy(args.upstream, hold_ms=args.hold_ms, port=args.port)
    print(proxy.url, flush=True)
    try:
        proxy.server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main(sys.argv[1:])
