"""The conflict-emulating proxy refuses exactly what DynamoDB's transaction conflict rule refuses."""
import threading
import time

import boto3
import pytest
from botocore.config import Config
from django.conf import settings

from shopsite.models import Counter
from tests.dynamodb_conflicts import ConflictProxy


@pytest.fixture
def slow_proxy(dynamodb_local):
    """A second proxy in front of the same DynamoDB Local whose transactions hold their items for 2 s (long enough
    for the test's own calls to land inside the hold on a busy machine)."""
    from tests.conftest import upstream_url

    proxy = ConflictProxy(upstream_url(), hold_ms=2000)
    proxy.start()
    client = boto3.client("dynamodb", endpoint_url=proxy.url, region_name=settings.AWS_REGION,
                          aws_access_key_id="local", aws_secret_access_key="local",
                          config=Config(retries={"total_max_attempts": 1}))  # see each refusal, no retries
    yield proxy, client
    proxy.stop()


def wait_for_hold(proxy) -> None:
    """Return once the proxy holds a transaction's items (a started thread may take a while on a busy machine)."""
    deadline = time.monotonic() + 10
    while not proxy.holds.transactions_held():
        assert time.monotonic() < deadline, "the first transaction never reached the proxy"
        time.sleep(0.005)


def update(name, amount=1):
    return {"Update": {"TableName": Counter.Meta.table_name, "Key": {"name": {"S": name}},
                       "UpdateExpression": "ADD #v :n", "ExpressionAttributeNames": {"#v": "value"},
                       "ExpressionAttributeValues": {":n": {"N": str(amount)}}}}


@pytest.mark.usefixtures("tables")
def test_a_transaction_touching_a_held_item_is_cancelled_and_others_go_through(slow_proxy):
    proxy, client = slow_proxy
    holder = threading.Thread(target=client.transact_write_items, kwargs={"TransactItems": [update("a"), update("b")]})
    holder.start()
    wait_for_hold(proxy)  # the first transaction now holds a and b
    with pytest.raises(client.exceptions.TransactionCanceledException) as cancelled:
        client.transact_write_items(TransactItems=[update("c"), update("b")])
    reasons = [reason["Code"] for reason in cancelled.value.response["CancellationReasons"]]
    assert reasons == ["None", "TransactionConflict"]
    with pytest.raises(client.exceptions.TransactionConflictException):
        client.update_item(TableName=Counter.Meta.table_name, Key={"name": {"S": "a"}},
                           UpdateExpression="ADD #v :n", ExpressionAttributeNames={"#v": "value"},
                           ExpressionAttributeValues={":n": {"N": "5"}})
    with pytest.raises(client.exceptions.TransactionCanceledException):
        client.transact_get_items(TransactItems=[{"Get": {"TableName": Counter.Meta.table_name, "Key": {"name": {"S": "a"}}}}])
    client.transact_write_items(TransactItems=[update("c")])  # an item nobody holds
    holder.join()
    client.transact_write_items(TransactItems=[update("b")])  # released once the first one finished
    values = {item.name: int(item.value) for item in Counter.batch_get(["a", "b", "c"])}
    assert values == {"a": 1, "b": 2, "c": 1}  # nothing refused was written
    assert proxy.holds.stats["conflicts:TransactWriteItems"] == 1
    assert proxy.holds.stats["conflicts:UpdateItem"] == 1


def test_a_put_is_held_by_the_key_inside_its_item(slow_proxy):
    proxy, client = slow_proxy
    put = {"Put": {"TableName": Counter.Meta.table_name, "Item": {"name": {"S": "p"}, "value": {"N": "1"}}}}
    holder = threading.Thread(target=client.transact_write_items, kwargs={"TransactItems": [put]})
    holder.start()
    wait_for_hold(proxy)
    with pytest.raises(client.exceptions.TransactionCanceledException):
        client.transact_write_items(TransactItems=[update("p")])
    holder.join()


@pytest.mark.usefixtures("tables")
def test_the_app_retries_a_conflict_with_backoff_and_succeeds(conflict_hold):
    """Through the suite's own proxy: a transaction the emulation cancels is sent again by botocore
    (shopsite.dynamodb._retry_conflicts) and lands once the holder is done."""
    from shopsite.transactions import transaction
    from tests.conftest import conflict_stats

    before = conflict_stats().get("conflicts:TransactWriteItems", 0)
    barrier = threading.Barrier(8)

    def bump(_):
        barrier.wait()
        with transaction() as tx:
            tx.update(Counter("shared"), label="shared", actions=[Counter.value.add(1)], add_version_condition=False)

    threads = [threading.Thread(target=bump, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert int(Counter.get("shared", consistent_read=True).value) == 8
    assert conflict_stats().get("conflicts:TransactWriteItems", 0) > before  # they did collide, and were retried
