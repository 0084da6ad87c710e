"""Test fixtures: one DynamoDB Local (in memory) per test session, emptied before each test."""
import os
import uuid

import pytest

from tests.factories import customer_client, staff_client  # noqa: F401  (fixtures)


@pytest.fixture(scope="session", autouse=True)
def dynamodb_local(django_test_environment):
    """Start DynamoDB Local in memory on a free port and create every table once."""
    from django.conf import settings

    from shopsite import dynamodb, localdb

    external = os.environ.get("TEST_DYNAMODB_HOST")
    process = None
    if external:
        settings.DYNAMODB_HOST = external
    else:
        port = localdb.free_port()
        process = localdb.start(port=port)
        settings.DYNAMODB_HOST = f"http://127.0.0.1:{port}"
    try:
        settings.DYNAMODB_TABLE_PREFIX = f"t{uuid.uuid4().hex[:6]}-"
        dynamodb.configure()
        list(dynamodb.tables_converge())
        yield settings.DYNAMODB_HOST
    finally:
        if process is not None:
            localdb.stop(process)


@pytest.fixture(autouse=True)
def clean_state(dynamodb_local):
    """Give each test empty tables and an empty cache."""
    from django.core.cache import cache

    from shopsite import dynamodb

    dynamodb.tables_empty()
    cache.clear()
    yield


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
