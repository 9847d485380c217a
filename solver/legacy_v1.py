"""The reason texts of outcome format ``inspect-draw-outcome/1``, frozen.

Format /1 wrote an unfilled visit's reason as English text, and its
verification compares that text byte for byte. The draws the app sealed in
format /1 must stay verifiable, so these texts must never change again: this
module renders a :class:`solver.reasons.Reason` exactly as the solver of
format /1 wrote it (tests/solver/fixtures/ holds outcomes that solver wrote).
Format /2 writes the code and its parameters instead (:mod:`solver.reasons`);
its texts live in :mod:`solver.reason_text` and may be reworded freely.

>>> from solver import reasons as r
>>> render(r.capacity("CGJ", 2, 3, at_capacity=3), {"CGJ": "城管局"})
'城管局: 3 eligible inspectors, all at capacity with higher-priority visits'
>>> render(r.too_few_eligible([r.Shortage("CGJ", 1, (), 2, 0, (("declared conflict", 2),))]), {"CGJ": "城管局"})
'both qualified inspectors of 城管局 have declared conflicts with the entity'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from solver import reasons
from solver.reasons import Reason, Shortage

FORMAT = "inspect-draw-outcome/1"


def render(reason: Reason, names: Mapping[str, str]) -> str:
    """The format /1 text of ``reason``; ``names`` maps department ids to the
    instance's department names (an id without a name stands for itself)."""
    p = reason.params
    if reason.code == reasons.TOO_FEW_ELIGIBLE:
        return "; ".join(_shortage(s, names) for s in reason.shortages)
    if reason.code == reasons.CAPACITY:
        department = str(p["department"])
        return capacity_exhausted(names.get(department, department), _int(p["needed"]), _int(p["eligible"]),
                                  _int(reason.legacy["at_capacity"]))
    if reason.code == reasons.PAIR_CONFLICT:
        a, b = _strs(p["inspectors"])
        return pair_conflict_unresolvable(a, b)
    if reason.code == reasons.NO_COMMON_DAY:
        return no_common_day(_strs(p["team"]))
    if reason.code == reasons.DAYS_FULLY_BOOKED:
        return days_fully_booked(_strs(p["team"]), _int(p["days"]), _int(p["limit"]))
    if reason.code == reasons.NOT_STAFFED:
        return unstaffed_without_reason()
    if reason.code == reasons.NOT_SCHEDULED:
        return unscheduled_without_reason()
    raise ValueError(f"no format /1 text for reason code {reason.code!r}")


def _int(value: object) -> int:
    if not isinstance(value, int):
        raise TypeError(f"a reason parameter should be an integer, found {value!r}")
    return value


def _strs(value: object) -> list[str]:
    if not isinstance(value, list):
        raise TypeError(f"a reason parameter should be a list, found {value!r}")
    return [str(v) for v in value]


def _shortage(s: Shortage, names: Mapping[str, str]) -> str:
    return too_few_eligible(names.get(s.department, s.department), s.needed, s.qualifications, s.members,
                            s.dropped, s.eligible)



def unstaffed_without_reason() -> str:
    return "no team could be formed"


def unscheduled_without_reason() -> str:
    return "no working day could be found for the team"


# --- the texts, as format /1 wrote them ---

_SHORT_RULES = {
    "outside jurisdiction": "outside the entity's jurisdiction",
    "inactive": "inactive",
    "no certificate": "without an enforcement certificate",
    "certificate expired": "certificate expired before the window ends",
    "not qualified": "not qualified",
    "no available day": "on leave on every working day",
    "no capacity": "no visit capacity",
    "declared conflict": "declared conflict with the entity",
    "checked last time": "on the entity's last check (rotation)",
    "local supervisor": "local supervisor of the entity",
}

_ALL_RULES = {  # (verb phrase for one inspector, for several)
    "outside jurisdiction": ("serves outside the entity's jurisdiction", "serve outside the entity's jurisdiction"),
    "inactive": ("is inactive", "are inactive"),
    "no certificate": ("has no enforcement certificate", "have no enforcement certificate"),
    "certificate expired": ("has a certificate that expires before the window ends",
                            "have certificates that expire before the window ends"),
    "not qualified": ("lacks the qualification {q}", "lack the qualification {q}"),
    "no available day": ("is on leave on every working day of the window",
                         "are on leave on every working day of the window"),
    "no capacity": ("has no visit capacity", "have no visit capacity"),
    "declared conflict": ("has declared a conflict with the entity", "have declared conflicts with the entity"),
    "checked last time": ("checked the entity last time (rotation)", "checked the entity last time (rotation)"),
    "local supervisor": ("is the entity's local supervisor", "are the entity's local supervisors"),
}

_VISIT_RULES = ("declared conflict", "checked last time", "local supervisor")


def _inspectors(n: int) -> str:
    return "1 inspector" if n == 1 else f"{n} inspectors"


def no_inspectors(department: str) -> str:
    return f"{department} has no inspectors in the instance"


def too_few_eligible(department: str, need: int, qualifications: Iterable[str], members: int,
                     dropped: Iterable[tuple[str, int]], eligible: int) -> str:
    """Why a department cannot field ``need`` inspectors on a visit.

    ``dropped`` lists (rule, count) in rule order, as in :mod:`solver.team_rules`.

    >>> too_few_eligible("城管局", 1, [], 2, [("declared conflict", 2)], 0)
    'both qualified inspectors of 城管局 have declared conflicts with the entity'
    >>> too_few_eligible("市场监督管理局", 2, ["food"], 5, [("not qualified", 3), ("checked last time", 1)], 1)
    "市场监督管理局: 2 inspectors needed, 1 of 5 eligible (3 not qualified (food); 1 on the entity's last check (rotation))"
    """
    if members == 0:
        return no_inspectors(department)
    quals = ", ".join(sorted(qualifications)) or "-"
    dropped = [(rule, n) for rule, n in dropped if n]
    if eligible == 0 and len(dropped) == 1:
        rule, n = dropped[0]
        who = "qualified inspector" if rule in _VISIT_RULES else "inspector"
        subject = f"the only {who}" if n == 1 else f"both {who}s" if n == 2 else f"all {n} {who}s"
        verb = _ALL_RULES[rule][0 if n == 1 else 1].format(q=quals)
        return f"{subject} of {department} {verb}"
    details = "; ".join(f"{n} {_SHORT_RULES[rule]}" + (f" ({quals})" if rule == "not qualified" else "")
                        for rule, n in dropped)
    return f"{department}: {_inspectors(need)} needed, {eligible} of {members} eligible ({details})"


def capacity_exhausted(department: str, need: int, eligible: int, at_capacity: int) -> str:
    """The eligible inspectors' capacity is taken by visits of higher priority.

    >>> capacity_exhausted("城管局", 2, 3, 3)
    '城管局: 3 eligible inspectors, all at capacity with higher-priority visits'
    >>> capacity_exhausted("城管局", 2, 3, 2)
    '城管局: 2 inspectors needed, 3 eligible, 2 at capacity with higher-priority visits that cannot be reassigned'
    """
    if at_capacity >= eligible:
        noun = "eligible inspector" if eligible == 1 else "eligible inspectors"
        state = "at capacity" if eligible == 1 else "all at capacity"
        return f"{department}: {eligible} {noun}, {state} with higher-priority visits"
    return (f"{department}: {_inspectors(need)} needed, {eligible} eligible, {at_capacity} at capacity "
            "with higher-priority visits that cannot be reassigned")


def pair_conflict_unresolvable(a: str, b: str) -> str:
    return (f"inspectors {a} and {b} must not serve on one team, and no eligible replacement "
            "with spare capacity resolves it")


def no_common_day(team: Iterable[str]) -> str:
    return f"no working day of the window on which the whole team ({', '.join(team)}) is available"


def days_fully_booked(team: Iterable[str], days: int, limit: int) -> str:
    return (f"the team ({', '.join(team)}) is fully booked on all {days} working days on which all of them "
            f"are available (at most {limit} visits per inspector and day)")
