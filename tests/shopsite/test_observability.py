"""Request log lines, Embedded Metric Format lines and the secret-scrubbing filter."""
import json
import logging
import uuid

import pytest

from orders import services
from shopsite.logging import RedactSecrets, redact
from shopsite.metrics import metric_add, metrics_scope
from tests.factories import make_customer, make_product

ADDRESS = {"name": "Ada", "line1": "1 Main St", "line2": "", "city": "Springfield", "postal_code": "12345", "country": "US"}


class Capture(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def captured():
    """Records of the shopsite.metrics and shopsite.requests loggers."""
    handler = Capture()
    loggers = [logging.getLogger(name) for name in ("shopsite.metrics", "shopsite.requests")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    yield handler.records
    for logger, level in zip(loggers, levels):
        logger.removeHandler(handler)
        logger.setLevel(level)


def emf_lines(records):
    return [json.loads(r.getMessage()) for r in records if r.name == "shopsite.metrics"]


def metric_values(blob):
    names = [m["Name"] for m in blob["_aws"]["CloudWatchMetrics"][0]["Metrics"]]
    # EMF allows a list of values per metric; add them up.
    return {name: sum(blob[name]) if isinstance(blob[name], list) else blob[name] for name in names}


def test_one_emf_line_per_scope_with_namespace_and_values(captured):
    with metrics_scope():
        metric_add(name="OrdersPlaced")
        metric_add(name="OrderValueCents", value=2599, unit="None")
    [blob] = emf_lines(captured)
    assert blob["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Shopsite"
    assert metric_values(blob) == {"OrdersPlaced": 1.0, "OrderValueCents": 2599.0}


@pytest.mark.usefixtures("tables")
def test_placing_and_refusing_orders_are_counted(captured):
    product = make_product(stock=1, price_cents=1500)
    shopper, other = make_customer(), make_customer()
    for who in (shopper, other):
        services.cart_add(cart_id=services.cart_id_for_customer(who.customer_id), product_id=product.product_id, quantity=1)
    with metrics_scope():
        services.order_place(customer=shopper, cart_id=services.cart_id_for_customer(shopper.customer_id),
                             token=str(uuid.uuid4()), address=ADDRESS)
        with pytest.raises(services.OutOfStock):
            services.order_place(customer=other, cart_id=services.cart_id_for_customer(other.customer_id),
                                 token=str(uuid.uuid4()), address=ADDRESS)
    values = metric_values(emf_lines(captured)[-1])
    assert values["OrdersPlaced"] == 1.0 and values["OrderValueCents"] == 2000.0  # 15.00 + 5.00 shipping
    assert values["CheckoutRefusedOutOfStock"] == 1.0


@pytest.mark.usefixtures("tables")
def test_each_request_logs_its_route_status_and_calls(client, captured):
    response = client.get("/products/?token=secret-in-query")
    assert response.status_code == 200
    [line] = [r for r in captured if r.name == "shopsite.requests"]
    assert line.route == "catalog:product_list" and line.status == 200 and line.dynamodb_calls >= 1
    assert line.levelname == "DEBUG"  # a fast 200: nothing at production's INFO
    assert "secret-in-query" not in json.dumps(vars(line), default=str)
    assert not emf_lines(captured)  # no metric either: API Gateway and Lambda count requests and latency


@pytest.mark.parametrize("status, duration_ms, level", [
    (200, 5.0, "DEBUG"), (302, 5.0, "DEBUG"), (404, 5.0, "INFO"), (400, 5.0, "INFO"),
    (503, 5.0, "WARNING"), (200, 1000.0, "WARNING"), (200, 999.9, "DEBUG"),
])
def test_request_lines_are_quiet_when_all_went_well(status, duration_ms, level):
    from shopsite.middleware import request_log_level

    assert logging.getLevelName(request_log_level(status=status, duration_ms=duration_ms)) == level


@pytest.mark.usefixtures("tables")
def test_a_missing_page_logs_at_info(client, captured, settings):
    settings.SLOW_REQUEST_MS = 600_000  # the level must not depend on how busy the machine is
    response = client.get("/products/no-such-product/")
    assert response.status_code == 404
    [line] = [r for r in captured if r.name == "shopsite.requests"]
    assert line.levelname == "INFO" and line.status == 404


def test_server_errors_and_dynamodb_throttles_are_counted(client, captured):
    from tests.fault_injection import dynamodb_fault

    with dynamodb_fault("throttle"):
        response = client.get("/products/")
    assert response.status_code == 503
    values = metric_values(emf_lines(captured)[-1])
    assert values["DynamoDBThrottles"] >= 1 and values["ServerErrors"] == 1.0


@pytest.mark.parametrize("text, secret", [
    ("POST body email=a%40b.c&password=hunter2-very-secret&next=/", "hunter2-very-secret"),
    ('{"password": "hunter2-very-secret"}', "hunter2-very-secret"),
    ("Cookie: sessionid=abcdef0123456789; csrftoken=zyxw98765", "abcdef0123456789"),
    ("Cookie: sessionid=abcdef0123456789; csrftoken=zyxw98765", "zyxw98765"),
    ("{'Authorization': 'Bearer sk_abcdefghijklmnopqrstuvwxyz'}", "sk_abcdefghijklmnopqrstuvwxyz"),
    ("headers: authorization: Basic dXNlcjpwYXNz", "dXNlcjpwYXNz"),
    ("stored pbkdf2_sha256$1000000$salt$hashvalue=", "hashvalue"),
    ("new_password1=another-secret-pass", "another-secret-pass"),
])
def test_redaction_removes_secrets(text, secret):
    assert secret not in redact(text)


def test_the_filter_scrubs_arguments_extras_and_tracebacks():
    record = logging.LogRecord("botocore", logging.DEBUG, __file__, 1, "body: %s", ("password=letmein-now",), None)
    record.body = "sessionid=abc123abc123"
    try:
        raise ValueError("csrftoken=deadbeef42")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    RedactSecrets().filter(record)
    rendered = logging.Formatter().format(record) + record.body
    for secret in ("letmein-now", "abc123abc123", "deadbeef42"):
        assert secret not in rendered
