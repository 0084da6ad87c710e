"""Atomic counters: one DynamoDB item per name, incremented in one UpdateItem.

Order numbers come from here. A number is taken before the order's
transaction; if that transaction then fails, the number is never used:
numbers are unique and increasing, not gapless.
"""
from django.core.cache import cache

from shopsite.models import Counter, Tally


def counter_value(*, name: str) -> int:
    """The counter's current value (0 if it was never bumped): one strongly consistent GetItem."""
    try:
        return int(Counter.get(name, consistent_read=True).value)
    except Counter.DoesNotExist:
        return 0


def counter_bump(tx, *, name: str) -> None:
    """Add 1 to the counter inside transaction *tx*: it moves exactly when the rest of *tx* commits."""
    tally_add(tx, name=name, label=f"counter:{name}", value=1)


def counter_next(*, name: str, start: int = 0) -> int:
    """Return the counter's next value (start + 1 the first time), atomically under any concurrency."""
    item = Counter(name)
    item.update(actions=[Counter.value.set((Counter.value | start) + 1)])
    return int(item.value)


def tally_add(tx, *, name: str, label: str | None = None, condition=None, **deltas: int) -> None:
    """Add each of *deltas* (attribute=amount) to tally *name* inside transaction *tx* (if *condition* holds)."""
    actions = [getattr(Tally, attribute).add(amount) for attribute, amount in deltas.items() if amount]
    if actions:
        tx.update(Tally(name), label=label or f"tally:{name}", actions=actions, condition=condition,
                  add_version_condition=False)


LIST_TOTAL_MAX_AGE = 30  # seconds a console list's total may lag behind writes made by other processes


def tally_value(*, name: str, max_age: int = 0) -> int:
    """One tally's value; with *max_age*, this process's copy when it is younger than that (no read)."""
    if not max_age:
        return int(tallies_get(names=[name])[name].value or 0)
    return cache.get_or_set(f"tally:{name}", lambda: tally_value(name=name), max_age)


def tallies_get(*, names: list[str]) -> dict[str, Tally]:
    """The tallies named, missing ones as empty tallies: one BatchGetItem per 100 names."""
    found = {tally.name: tally for tally in Tally.batch_get(list(dict.fromkeys(names)))} if names else {}
    return {name: found.get(name) or Tally(name) for name in names}
