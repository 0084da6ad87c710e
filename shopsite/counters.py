"""Atomic counters: one DynamoDB item per name, incremented in one UpdateItem.

Order numbers come from here. A number is taken before the order's
transaction; if that transaction then fails, the number is never used:
numbers are unique and increasing, not gapless.
"""
from shopsite.models import Counter


def counter_next(*, name: str, start: int = 0) -> int:
    """Return the counter's next value (start + 1 the first time), atomically under any concurrency."""
    item = Counter(name)
    item.update(actions=[Counter.value.set((Counter.value | start) + 1)])
    return int(item.value)
