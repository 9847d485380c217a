"""English texts of the unfilled reasons of outcome format /2, rendered from
the code and its parameters (:mod:`solver.reasons`) where they are shown.

Outcomes hold only the code and the parameters, so these texts may be reworded
at will: no outcome changes and no verification breaks. The web app renders
the same codes in Chinese and English (``inspect_app/services/unfilled_reasons.py``),
the browser verifier in ``inspect_app/static/verify/reason_text.js``.

>>> render({"code": "capacity", "department": "CGJ", "needed": 2, "eligible": 3}, {"CGJ": "城管局"})
'城管局: 2 inspectors needed, 3 eligible, but no assignment of the higher-priority visits leaves 2 of them with spare capacity'
>>> render({"code": "too_few_eligible", "departments": [{"department": "CGJ", "needed": 2,
...     "qualifications": ["urban"], "members": 5, "eligible": 1,
...     "dropped": {"inactive": 1, "not_qualified": 3}}]}, {})
'CGJ: 2 inspectors needed, 1 of 5 eligible (1 inactive; 3 not qualified (urban))'
>>> render({"code": "pair_conflict", "inspectors": ["E1", "E2"]}, {})
'inspectors E1 and E2 must not serve on one team, and no eligible replacement with spare capacity resolves it'
>>> render({"code": "what"}, {})
'unknown reason code what'
"""

from __future__ import annotations

from collections.abc import Mapping

from solver.reasons import RULE_CODES

RULE_TEXTS = {
    "outside_jurisdiction": "outside the entity's jurisdiction",
    "inactive": "inactive",
    "no_certificate": "without an enforcement certificate",
    "certificate_expired": "certificate expired before the window ends",
    "not_qualified": "not qualified",
    "no_available_day": "on leave on every working day",
    "no_capacity": "no visit capacity",
    "declared_conflict": "declared conflict with the entity",
    "checked_last_time": "on the entity's last check (rotation)",
    "local_supervisor": "local supervisor of the entity",
}
assert tuple(RULE_TEXTS) == RULE_CODES


def _inspectors(n: object) -> str:
    return "1 inspector" if n == 1 else f"{n} inspectors"


def _team(team: object) -> str:
    return ", ".join(map(str, team)) if isinstance(team, list) else str(team)


def shortage(entry: Mapping, names: Mapping[str, str]) -> str:
    """One department of a ``too_few_eligible`` reason."""
    department = str(entry.get("department"))
    name = names.get(department, department)
    if entry.get("members") == 0:
        return f"{name} has no inspectors in the instance"
    quals = ", ".join(map(str, entry.get("qualifications") or [])) or "-"
    dropped = entry.get("dropped") or {}
    details = "; ".join(f"{dropped[code]} {RULE_TEXTS[code]}" + (f" ({quals})" if code == "not_qualified" else "")
                        for code in RULE_CODES if code in dropped)
    return (f"{name}: {_inspectors(entry.get('needed'))} needed, {entry.get('eligible')} of "
            f"{entry.get('members')} eligible ({details})")


def render(reason: object, names: Mapping[str, str]) -> str:
    """The English text of a format /2 ``reason`` object; ``names`` maps
    department ids to names (an id without a name stands for itself)."""
    if not isinstance(reason, Mapping):
        return str(reason)  # a format /1 reason is its own text
    code = reason.get("code")
    if code == "too_few_eligible":
        return "; ".join(shortage(entry, names) for entry in reason.get("departments", ()))
    if code == "capacity":
        department = str(reason.get("department"))
        return (f"{names.get(department, department)}: {_inspectors(reason.get('needed'))} needed, "
                f"{reason.get('eligible')} eligible, but no assignment of the higher-priority visits leaves "
                f"{reason.get('needed')} of them with spare capacity")
    if code == "pair_conflict":
        a, b = (list(reason.get("inspectors", [])) + ["?", "?"])[:2]
        return (f"inspectors {a} and {b} must not serve on one team, and no eligible replacement with spare "
                "capacity resolves it")
    if code == "no_common_day":
        return f"no working day of the window on which the whole team ({_team(reason.get('team'))}) is available"
    if code == "days_fully_booked":
        return (f"the team ({_team(reason.get('team'))}) is fully booked on all {reason.get('days')} working days "
                f"on which all of them are available (at most {reason.get('limit')} visits per inspector and day)")
    if code == "not_staffed":
        return "no team could be formed"
    if code == "not_scheduled":
        return "no working day could be found for the team"
    return f"unknown reason code {code}"
