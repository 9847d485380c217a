"""Why a visit is unfilled, as a code and its parameters (outcome format /2).

An unfilled visit's ``reason`` in the outcome is a JSON object: ``code`` and
the parameters of that code, nothing else. Texts are rendered from it where it
is shown (:mod:`solver.reason_text` in English for the command line; the web
app and the browser verifier in Chinese and English), so rewording a message
never changes an outcome. Every parameter is defined from the instance and the
rules of docs/draw-protocol.md alone (section 9.1), never from the state of a
particular solver: a department's counts per eligibility rule, and for a
capacity shortage only the department, the count needed and the eligible
inspectors — not how many of them a given maximum flow happens to hold at
capacity.

>>> too_few_eligible([Shortage("CGJ", 2, ("urban",), 2, 0, (("declared conflict", 2),))]).document()
{'code': 'too_few_eligible', 'departments': [{'department': 'CGJ', 'needed': 2, 'qualifications': ['urban'], 'members': 2, 'eligible': 0, 'dropped': {'declared_conflict': 2}}]}
>>> capacity("SCJG", 2, 3, at_capacity=2).document()
{'code': 'capacity', 'department': 'SCJG', 'needed': 2, 'eligible': 3}
>>> rule_code("checked last time")
'checked_last_time'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from solver.team_rules import DEPARTMENT_REASONS, VISIT_REASONS

TOO_FEW_ELIGIBLE = "too_few_eligible"
CAPACITY = "capacity"
PAIR_CONFLICT = "pair_conflict"
NO_COMMON_DAY = "no_common_day"
DAYS_FULLY_BOOKED = "days_fully_booked"
NOT_STAFFED = "not_staffed"  # a team stage that gives no reason (tests replace the stages)
NOT_SCHEDULED = "not_scheduled"  # likewise for scheduling

CODES = (TOO_FEW_ELIGIBLE, CAPACITY, PAIR_CONFLICT, NO_COMMON_DAY, DAYS_FULLY_BOOKED, NOT_STAFFED,
         NOT_SCHEDULED)

# The eligibility rules of section 7.1 in rule order, as solver.team_rules names them, and their codes.
RULES = DEPARTMENT_REASONS + VISIT_REASONS


def rule_code(rule: str) -> str:
    """The code of an eligibility rule of :mod:`solver.team_rules` (spaces become ``_``)."""
    return rule.replace(" ", "_")


RULE_CODES = tuple(rule_code(r) for r in RULES)


@dataclass(frozen=True, slots=True)
class Shortage:
    """One department of a visit with fewer eligible inspectors than it needs."""

    department: str  # id
    needed: int  # places of the department on the visit
    qualifications: tuple[str, ...]  # sorted: what each of its inspectors must hold on the visit
    members: int  # inspectors of the department in the instance
    eligible: int  # of them passing every rule of 7.1 for this visit
    dropped: tuple[tuple[str, int], ...]  # (rule of solver.team_rules, count > 0), in rule order

    def document(self) -> dict:
        return {"department": self.department, "needed": self.needed,
                "qualifications": list(self.qualifications), "members": self.members,
                "eligible": self.eligible,
                "dropped": {rule_code(rule): n for rule, n in self.dropped if n}}


@dataclass(frozen=True, slots=True)
class Reason:
    """A reason code, its parameters (JSON values) and, apart, what the frozen
    format /1 texts also said (:mod:`solver.legacy_v1`); ``legacy`` is never
    written to a format /2 outcome."""

    code: str
    params: Mapping[str, object]
    legacy: Mapping[str, object] = field(default_factory=dict)
    shortages: tuple[Shortage, ...] = ()

    def document(self) -> dict:
        """The ``reason`` member of an unfilled visit (format /2)."""
        doc: dict = {"code": self.code}
        if self.shortages:
            doc["departments"] = [s.document() for s in self.shortages]
        doc.update(self.params)
        return doc


def too_few_eligible(shortages: Sequence[Shortage]) -> Reason:
    """Every department of the visit with fewer eligible inspectors than places,
    in the visit's department order (ascending id)."""
    return Reason(TOO_FEW_ELIGIBLE, {}, shortages=tuple(shortages))


def capacity(department: str, needed: int, eligible: int, at_capacity: int) -> Reason:
    """The first department of the visit (ascending id) whose place cannot be
    filled together with the places of the visits accepted before it.
    ``at_capacity`` (how many of the eligible a particular flow holds at
    capacity) is kept only for the format /1 text."""
    return Reason(CAPACITY, {"department": department, "needed": needed, "eligible": eligible},
                  legacy={"at_capacity": at_capacity})


def pair_conflict(a: str, b: str) -> Reason:
    return Reason(PAIR_CONFLICT, {"inspectors": sorted((a, b))})


def no_common_day(team: Iterable[str]) -> Reason:
    return Reason(NO_COMMON_DAY, {"team": list(team)})


def days_fully_booked(team: Iterable[str], days: int, limit: int) -> Reason:
    return Reason(DAYS_FULLY_BOOKED, {"team": list(team), "days": days, "limit": limit})


def not_staffed() -> Reason:
    return Reason(NOT_STAFFED, {})


def not_scheduled() -> Reason:
    return Reason(NOT_SCHEDULED, {})
