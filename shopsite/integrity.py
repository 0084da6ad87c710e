"""Integrity checks of derived data (guards, counters, indexes), contributed by each app.

DynamoDB has no foreign keys or triggers: uniqueness guards, counters and
search terms are kept by our own writes. Where a write's follow-up work runs
after its transaction (search terms, image clean-up), a failure can leave
them behind; ``manage.py check_integrity`` finds every such mismatch and,
with ``--fix``, repairs it. Apps register their checks in ``AppConfig.ready``
so that this module imports no app. These checks scan whole tables: they are
for operators, never for a request.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

from shopsite.counters import tallies_get
from shopsite.models import Tally


@dataclass
class Finding:
    """One mismatch: what is wrong, in words, and how to repair it."""

    check: str
    problem: str
    repair: Callable[[], None]


_checks: list[Callable[[], Iterator[Finding]]] = []


def register(check: Callable[[], Iterator[Finding]]) -> Callable[[], Iterator[Finding]]:
    if check not in _checks:
        _checks.append(check)
    return check


def findings() -> Iterator[Finding]:
    """Run every registered check."""
    for check in _checks:
        yield from check()


def tally_findings(check: str, expected: dict[str, dict[str, int]]) -> Iterator[Finding]:
    """Compare tallies with counts the caller made by scanning; the repair sets each number to the count.

    The repair is a plain SET: run it while the shop is quiet, as a write
    between the scan and the repair would be lost from the tally.
    """
    stored = tallies_get(names=list(expected))
    for name, numbers in expected.items():
        for attribute, count in numbers.items():
            have = int(getattr(stored[name], attribute) or 0)
            if have != count:
                yield Finding(check, f"{name} {attribute} says {have}, the records say {count}",
                              repair=lambda name=name, attribute=attribute, count=count: Tally(name).update(
                                  actions=[getattr(Tally, attribute).set(count)]))
