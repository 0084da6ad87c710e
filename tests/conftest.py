"""Test fixtures: one DynamoDB Local (in memory) per test worker, behind the conflict-emulating proxy
(tests/dynamodb_conflicts.py). A test that uses DynamoDB opts in with the ``tables`` fixture (a module:
``pytestmark = pytest.mark.usefixtures("tables")``) and gets them empty; a pure test asks for nothing, and any
DynamoDB call it makes fails at once (``pure_tests_touch_no_table``)."""
import json
import os
import subprocess
import sys
import urllib.request
import uuid

import pytest

from tests.factories import customer_client, staff_client  # noqa: F401  (fixtures)


@pytest.fixture(scope="session")
def dynamodb_local(django_test_environment):
    """Start DynamoDB Local in memory on a free port and create every table once."""
    from django.conf import settings

    from shopsite import dynamodb, localdb
    from shopsite.tables import tables_converge

    external = os.environ.get("TEST_DYNAMODB_HOST")
    process = proxy = None
    if external:
        upstream = external
    else:
        port = localdb.free_port()
        process = localdb.start(port=port)
        upstream = f"http://127.0.0.1:{port}"
    _upstream.append(upstream)
    try:
        # Every test talks to DynamoDB Local through the proxy that applies DynamoDB's transaction-conflict rule.
        # Items are held only while DynamoDB Local applies the transaction; race tests widen that (conflict_hold).
        proxy = subprocess.Popen([sys.executable, "-m", "tests.dynamodb_conflicts", "--upstream", upstream, "--hold-ms", "0"],
                                 stdout=subprocess.PIPE, text=True, cwd=str(settings.BASE_DIR))
        settings.DYNAMODB_HOST = proxy.stdout.readline().strip()
        settings.DYNAMODB_TABLE_PREFIX = f"t{uuid.uuid4().hex[:6]}-"
        dynamodb.configure()
        list(tables_converge())
        yield settings.DYNAMODB_HOST
    finally:
        if proxy is not None:
            proxy.terminate()
            proxy.wait()
        if process is not None:
            localdb.stop(process)


_upstream: list[str] = []


def upstream_url() -> str:
    """DynamoDB Local's own address, behind the session's proxy."""
    return _upstream[-1]


@pytest.fixture
def conflict_hold(dynamodb_local):
    """Hold each transaction's items for at least 10 ms in this test, as long as DynamoDB's own transactions
    take (tests/dynamodb_conflicts.py), so racing shoppers collide as often as on AWS."""
    _proxy_config(hold_ms=10)
    yield 10
    _proxy_config(hold_ms=0)


def _proxy_config(**values) -> None:
    from django.conf import settings

    request = urllib.request.Request(f"{settings.DYNAMODB_HOST}/config", data=json.dumps(values).encode(), method="PUT")
    with urllib.request.urlopen(request, timeout=10):
        pass


def conflict_stats() -> dict[str, int]:
    """What the conflict-emulating proxy has counted so far in this test session (requests, conflicts)."""
    from django.conf import settings

    with urllib.request.urlopen(f"{settings.DYNAMODB_HOST}/stats", timeout=10) as answer:
        return json.loads(answer.read())


@pytest.fixture
def tables(dynamodb_local):
    """Give the test empty tables and an empty cache (the opt-in for every test that uses DynamoDB)."""
    from django.core.cache import cache

    from shopsite.tables import tables_empty
    from shopsite.counters import number_blocks_forget

    tables_empty()
    number_blocks_forget()
    cache.clear()
    yield


NOWHERE = "http://127.0.0.1:9"  # the discard port: nothing listens, so a call is refused at once


@pytest.fixture(autouse=True)
def pure_tests_touch_no_table(request):
    """A test that did not ask for DynamoDB (``tables`` or ``dynamodb_local``) talks to an endpoint where
    nothing listens: should it reach for a table after all, it fails instead of reading another test's data."""
    if "dynamodb_local" in request.fixturenames:
        yield
        return
    from django.conf import settings

    from shopsite import dynamodb

    host = settings.DYNAMODB_HOST
    settings.DYNAMODB_HOST = NOWHERE
    dynamodb.configure()
    try:
        yield
    finally:
        settings.DYNAMODB_HOST = host
        dynamodb.configure()


@pytest.fixture
def streams(dynamodb_local):
    """The tables' change streams from this test's start: ``streams.drain()`` applies what was written since
    (the dashboard's tallies, spread stock shown), as the stream's Lambda consumer does on AWS."""
    from shopsite.streams import StreamReader

    return StreamReader(start="LATEST")


@pytest.fixture
def count_calls():
    """Return a context manager that lists the DynamoDB operations made inside it."""
    from shopsite import dynamodb

    return dynamodb.count_calls


@pytest.fixture(scope="session")
def site_url(dynamodb_local):
    """Serve the real site (WSGI app + static files) from a thread on a free port."""
    import threading

    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
    from django.core.wsgi import get_wsgi_application

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    server = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler)
    server.set_app(StaticFilesHandler(get_wsgi_application()))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
