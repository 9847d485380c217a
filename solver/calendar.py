"""Working days, read from the instance alone.

A day of the window is a working day if it is Monday to Friday and not in
``calendar.holidays``, or if it is in ``calendar.workdays`` (a make-up working
weekend, 调休). No installed calendar package is consulted, so that every
verifier gets the same answer.

>>> from datetime import date
>>> is_working_day(date(2027, 3, 6), frozenset(), frozenset())   # a Saturday
False
>>> is_working_day(date(2027, 3, 6), frozenset(), frozenset({date(2027, 3, 6)}))
True
>>> is_working_day(date(2027, 4, 5), frozenset({date(2027, 4, 5)}), frozenset())
False
"""

from __future__ import annotations

from collections.abc import Set
from datetime import date, timedelta

from solver.model import Instance


def is_working_day(day: date, holidays: Set[date], workdays: Set[date]) -> bool:
    """Whether ``day`` is a working day; a date listed as both a holiday and a
    make-up working day is a working day."""
    if day in workdays:
        return True
    return day.weekday() < 5 and day not in holidays


def working_days_between(start: date, end: date, holidays: Set[date],
                         workdays: Set[date]) -> tuple[date, ...]:
    """The working days from ``start`` to ``end`` inclusive, in order.

    >>> [d.isoformat() for d in working_days_between(date(2027, 3, 5), date(2027, 3, 8),
    ...                                              frozenset(), frozenset())]
    ['2027-03-05', '2027-03-08']
    """
    days = []
    day = start
    while day <= end:
        if is_working_day(day, holidays, workdays):
            days.append(day)
        day += timedelta(days=1)
    return tuple(days)


def working_days(instance: Instance) -> tuple[date, ...]:
    """The working days of the instance's window, sorted."""
    return working_days_between(instance.window_start, instance.window_end,
                                instance.holidays, instance.workdays)
