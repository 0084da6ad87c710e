"""shopsite.transactions: cancellation reasons are read by label, whatever order PynamoDB sends actions in."""
import pytest

from catalog.models import SlugGuard
from shopsite.transactions import TransactionCancelled, transaction


@pytest.fixture
def guards():
    for key in ("t#updated", "t#deleted"):
        SlugGuard(key, owner_id="owner").save()


@pytest.mark.usefixtures("tables")
def test_a_failed_update_added_first_is_reported_by_its_label(guards):
    """PynamoDB sends deletes, then puts, then updates: by position the update would read the delete's reason."""
    with pytest.raises(TransactionCancelled) as raised:
        with transaction() as tx:
            tx.update(SlugGuard("t#updated"), label="update-added-first",
                      actions=[SlugGuard.owner_id.set("someone")], condition=SlugGuard.owner_id == "not-the-owner")
            tx.save(SlugGuard("t#new", owner_id="owner"), label="put-added-second", condition=SlugGuard.key.does_not_exist())
            tx.delete(SlugGuard("t#deleted"), label="delete-added-third", condition=SlugGuard.owner_id == "owner")
    cancelled = raised.value
    assert cancelled.failed("update-added-first")
    assert not cancelled.failed("put-added-second") and not cancelled.failed("delete-added-third")
    assert set(cancelled.codes) == {"update-added-first", "put-added-second", "delete-added-third"}
    assert not cancelled.retryable
    # Nothing was written.
    assert SlugGuard.get("t#updated").owner_id == "owner" and SlugGuard.get("t#deleted")
    assert SlugGuard.count("t#new") == 0


@pytest.mark.usefixtures("tables")
def test_a_failed_put_among_deletes_and_condition_checks(guards):
    with pytest.raises(TransactionCancelled) as raised:
        with transaction() as tx:
            tx.condition_check(SlugGuard, "t#updated", label="check", condition=SlugGuard.owner_id == "owner")
            tx.save(SlugGuard("t#deleted", owner_id="x"), label="put-on-existing", condition=SlugGuard.key.does_not_exist())
            tx.delete(SlugGuard("t#updated-2"), label="delete-missing")
    assert raised.value.failed("put-on-existing")
    assert not raised.value.failed("check", "delete-missing")


@pytest.mark.usefixtures("tables")
def test_commit_runs_on_commit_callbacks_only_after_success(guards):
    ran = []
    with transaction() as tx:
        tx.save(SlugGuard("t#ok", owner_id="o"), label="put", condition=SlugGuard.key.does_not_exist())
        tx.on_commit(lambda: ran.append("after"))
    assert ran == ["after"]
    with pytest.raises(TransactionCancelled):
        with transaction() as tx:
            tx.save(SlugGuard("t#ok", owner_id="o"), label="put", condition=SlugGuard.key.does_not_exist())
            tx.on_commit(lambda: ran.append("never"))
    assert ran == ["after"]


def test_a_label_may_be_used_once():
    with pytest.raises(ValueError):
        with transaction() as tx:
            tx.save(SlugGuard("t#a", owner_id="o"), label="same")
            tx.save(SlugGuard("t#b", owner_id="o"), label="same")
