"""Counters and tallies: numbers kept in DynamoDB items of the ``counters`` table.

Order numbers come from blocks (:class:`NumberBlocks`): a process reserves
``size`` numbers with one atomic ADD on the counter, outside any transaction,
and hands them out one by one. No checkout transaction touches the counter,
so it never becomes the item every order waits for; the price is that numbers
are unique and roughly increasing but not gapless (a process that stops leaves
the rest of its block unused). See ARCHITECTURE.md for the arithmetic.
"""
import threading

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


def counter_reserve(*, name: str, count: int) -> int:
    """Add *count* to the counter with one atomic ADD (no transaction, no condition); return its new value.

    The caller owns the values ``new - count + 1`` to ``new``: ADD is applied
    once per request, so two processes never get overlapping ranges.
    """
    item = Counter(name)
    item.update(actions=[Counter.value.add(count)])
    return int(item.value)


_blocks: list["NumberBlocks"] = []


def number_blocks_forget() -> None:
    """Make every NumberBlocks of this process reserve afresh (tests empty the counters between tests)."""
    for blocks in _blocks:
        blocks.forget()


class NumberBlocks:
    """Unique numbers for one counter, handed out from blocks this process reserves.

    ``take()`` costs nothing while the block lasts and one ADD
    (:func:`counter_reserve`) when it runs out. The first number is
    ``start + 1``. Thread-safe: concurrent requests of one process share a block.
    """

    def __init__(self, name: str):
        self.name = name
        self._lock = threading.Lock()
        self._next = self._end = 0
        _blocks.append(self)

    def take(self, *, size: int, start: int = 0) -> int:
        with self._lock:
            if self._next > self._end or self._end == 0:
                last = counter_reserve(name=self.name, count=size)
                self._next, self._end = last - size + 1, last
            number = self._next
            self._next += 1
        return start + number

    def forget(self) -> None:
        """Drop the rest of the block (tests that empty the tables call this)."""
        with self._lock:
            self._next = self._end = 0


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
