"""Atomic counters: one DynamoDB item per name, moved only inside transactions.

Order numbers come from here, taken inside the order's own transaction
(:func:`counter_take`): a number is used exactly when its order is written, so
numbers are unique, gapless and in the order the orders were placed.
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


def counter_take(tx, *, name: str, stored: int | None, start: int = 0, label: str) -> int:
    """Inside transaction *tx*, move the counter from *stored* (None: no item yet) to the next value; return it.

    The update holds only if the counter still is *stored*; when another
    transaction moved it first, *tx* is cancelled with *label* failed and
    ``counter_stored(cancelled, label=label)`` tells the value to try next, with
    no read. The first value is ``start + 1``.
    """
    value = max(stored or 0, start) + 1
    condition = Counter.value.does_not_exist() if stored is None else Counter.value == stored
    tx.update(Counter(name), label=label, actions=[Counter.value.set(value)], condition=condition,
              add_version_condition=False, return_stored=True)
    return value


def counter_stored(cancelled, *, label: str) -> int | None:
    """The counter's value as the cancelled transaction found it (None if it had no item)."""
    raw = cancelled.stored(label)
    return int(raw["value"]["N"]) if raw and "value" in raw else None


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
