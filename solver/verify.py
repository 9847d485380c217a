"""Checking an outcome against the instance that should have produced it.

:func:`verify_outcome` raises :class:`~solver.errors.VerificationFailed` naming
the first discrepancy, in this order:

1. the header: ``format`` (``inspect-draw-outcome/3``, or /2 or /1 for the
   outcomes sealed in those formats: their teams offer every eligible
   inspector to the flow, and /1's reasons are the frozen texts of
   :mod:`solver.legacy_v1`), ``draw_id``, ``input_digest``, ``commitment``,
   ``seed`` (re-derived from the instance and its secret);
2. ``samples`` and ``excluded`` (re-drawn);
3. the visits: every drawn entity exactly once, either in ``visits`` or in
   ``unfilled``, with its id, tasks and departments;
4. the rules, on every staffed visit (:func:`solver.teams.check_visit`), and
   across visits: no inspector above ``max_visits`` in the window, nor above
   ``policy.daily_visits_per_inspector`` on one day;
5. the optimality certificate (formats /2 and /3, :mod:`solver.certificate`): the
   teams of 7.3 are the unique optimum and (format /3) no part should have
   widened further, checked without solving;
6. which visits 7.2 accepts (formats /2 and /3: :func:`_check_acceptance`);
7. teams, dates, reasons and the certificate itself, by re-running team
   assignment and scheduling;
8. ``stats``, then anything else (e.g. a field that does not belong).

>>> first_difference({"team": ["E1", "E2"]}, {"team": ["E1", "E3"]}, "visits[0]")
'visits[0].team: expected [E1, E2], found [E1, E3]'
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING, NoReturn

import orjson

from solver import certificate, messages, reasons
from solver.calendar import working_days
from solver.canonical import commitment as compute_commitment
from solver.draw import (
    CERTIFIED_FORMATS,
    OUTCOME_FORMAT,
    OUTCOME_FORMATS,
    Staffing,
    Stages,
    candidate_bound,
    default_stages,
    instance_seed,
    outcome_document,
    require_secret,
    staff,
)
from solver.errors import VerificationFailed
from solver.forking import run_forked
from solver.model import Instance, Visit
from solver.progress import NullProgress, Progress
from solver.sampling import EntityTable, sample
from solver.visits import merge_samples

if TYPE_CHECKING:
    from solver.teams import Rules, SlotRequest

    Placed = tuple[int, str, tuple[str, SlotRequest], tuple[str, ...]]  # see _check_widening

SHORT_LIST = 8  # scalar lists up to this length are shown whole in a message


def _join(path: str, key: object) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


_LARGE = 64  # values with this many entries are first compared whole


def _same_scalar(a: object, b: object) -> bool:
    return type(a) is type(b) and a == b


def _identical(expected: dict | list, found: object) -> bool:
    """Whether two large JSON values are the same, by their serialisations
    (orjson tells 1 from 1.0 and true, as :func:`_same_scalar` does); False
    when in doubt, and the walk below decides."""
    try:
        return orjson.dumps(expected, option=orjson.OPT_SORT_KEYS) == orjson.dumps(found, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # a value orjson does not write (e.g. an integer beyond 64 bits)
        return False


def first_difference(expected: object, found: object, path: str = "") -> str | None:
    """The first place where ``found`` differs from ``expected``, or None."""
    if isinstance(expected, dict | list) and len(expected) >= _LARGE and _identical(expected, found):
        return None
    if isinstance(expected, dict):
        if not isinstance(found, dict):
            return messages.mismatch(path or "outcome", expected, found)
        return _dict_difference(expected, found, path)
    if isinstance(expected, list):
        if not isinstance(found, list):
            return messages.mismatch(path, expected, found)
        return _list_difference(expected, found, path)
    if not _same_scalar(expected, found):
        return messages.mismatch(path, expected, found)
    return None


def _dict_difference(expected: dict, found: dict, path: str) -> str | None:
    for key in sorted(expected):
        if key not in found:
            return messages.missing_entry(_join(path, key), expected[key])
        difference = first_difference(expected[key], found[key], _join(path, key))
        if difference:
            return difference
    for key in sorted(found):
        if key not in expected:
            return messages.unexpected_entry(_join(path, key), found[key])
    return None


def _list_difference(expected: list, found: list, path: str) -> str | None:
    scalars = all(not isinstance(v, dict | list) for v in expected)
    if scalars and len(expected) <= SHORT_LIST and len(found) <= SHORT_LIST:
        if len(expected) != len(found) or not all(map(_same_scalar, expected, found)):
            return messages.mismatch(path, expected, found)
        return None
    for n, (want, have) in enumerate(zip(expected, found, strict=False)):  # the common length
        difference = first_difference(want, have, _join(path, n))
        if difference:
            return difference
    if len(expected) > len(found):
        return messages.missing_entry(_join(path, len(found)), expected[len(found)])
    if len(found) > len(expected):
        return messages.unexpected_entry(_join(path, len(expected)), found[len(expected)])
    return None


def _fail(discrepancy: str | None) -> None:
    if discrepancy:
        raise VerificationFailed(discrepancy)


def _stop(discrepancy: str) -> NoReturn:
    raise VerificationFailed(discrepancy)


def _checker(instance: Instance, workdays: Sequence[date], usccs: Sequence[str] = ()) -> Callable:
    """``check(visit, team, day) -> violations`` of :mod:`solver.teams`
    (the entities of ``usccs`` found at once)."""
    from solver import teams

    if hasattr(teams, "VisitChecker"):  # indexes the instance once
        checker = teams.VisitChecker(instance, workdays)
        checker.rules.entities.prefetch(usccs)
        return checker.check
    return lambda visit, team, day: teams.check_visit(instance, visit, team, day, workdays)


def _day(value: object) -> date | None:
    if type(value) is not str:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _check_entries(outcome: dict, visits: Sequence[Visit]) -> None:
    """Every drawn entity exactly once, with the right id, tasks, departments."""
    by_uscc = {v.uscc: v for v in visits}
    seen: set[str] = set()
    for section, fields in (("visits", ("id", "uscc", "tasks", "departments")),
                            ("unfilled", ("id", "uscc", "tasks"))):
        entries = outcome.get(section)
        if not isinstance(entries, list):
            _stop(messages.mismatch(section, [], entries))
        for n, entry in enumerate(entries):
            at = f"{section}[{n}]"
            if not isinstance(entry, dict):
                _stop(messages.mismatch(at, {}, entry))
            uscc = entry.get("uscc")
            if not isinstance(uscc, str) or uscc not in by_uscc:
                _stop(messages.rule_violation(at + ".uscc", messages.entity_not_drawn(str(uscc))))
            if uscc in seen:
                _stop(messages.rule_violation(at + ".uscc", messages.entity_twice(uscc)))
            seen.add(uscc)
            visit = by_uscc[uscc]
            tasks, departments = list(visit.tasks), list(visit.departments)
            if (entry.get("id") == visit.id and entry.get("tasks") == tasks  # the common case, at once: the
                    and (len(fields) == 3 or entry.get("departments") == departments)):  # values are strings
                continue
            expected = {"id": visit.id, "uscc": uscc, "tasks": tasks, "departments": departments}
            for key in fields:
                if key not in entry:
                    _stop(messages.missing_entry(f"{at}.{key}", expected[key]))
                _fail(first_difference(expected[key], entry[key], f"{at}.{key}"))
    for visit in visits:
        if visit.uscc not in seen:
            _stop(messages.rule_violation("visits", messages.entity_missing(visit.uscc, visit.id)))


def _check_rules(instance: Instance, outcome: dict, visits: Sequence[Visit],
                 workdays: Sequence[date]) -> None:
    """Every rule on every staffed visit, then capacity and daily limits."""
    by_uscc = {v.uscc: v for v in visits}
    check = _checker(instance, workdays, list(by_uscc))
    working = set(workdays)
    load: dict[str, int] = {}
    daily: dict[tuple[str, date], int] = {}
    for n, entry in enumerate(outcome["visits"]):
        at = f"visits[{n}]"
        team, day = entry.get("team"), _day(entry.get("date"))
        if not isinstance(team, list) or not all(isinstance(i, str) for i in team):
            _stop(messages.mismatch(at + ".team", ["inspector ids"], team))
        if day is None:
            _stop(messages.mismatch(at + ".date", "YYYY-MM-DD", entry.get("date")))
        if day not in working:
            _stop(messages.rule_violation(at + ".date", messages.not_a_working_day(day)))
        violations = check(by_uscc[entry["uscc"]], tuple(team), day)
        if violations:
            _stop(messages.rule_violation(at, violations[0]))
        for inspector in team:
            load[inspector] = load.get(inspector, 0) + 1
            daily[(inspector, day)] = daily.get((inspector, day), 0) + 1
    capacity = {i.id: i.max_visits for i in instance.inspectors}
    for inspector in sorted(load):
        if load[inspector] > capacity.get(inspector, 0):
            _stop(messages.rule_violation("visits", messages.capacity_exceeded(
                inspector, load[inspector], capacity.get(inspector, 0))))
    limit = instance.policy.daily_visits_per_inspector
    for inspector, day in sorted(daily):
        if daily[(inspector, day)] > limit:
            _stop(messages.rule_violation("visits", messages.daily_limit_exceeded(
                inspector, day, daily[(inspector, day)], limit)))


def _part_names(requests: Sequence) -> dict[tuple[str, str], str]:
    """(visit id, department) -> the name of its part (7.3: places whose pools
    connect, named by their first place in (priority, visit id) order)."""
    from solver.assign import connected_parts, part_names, places_by_department

    by_department, visits_of = places_by_department(sorted(requests, key=lambda r: (r.visit.priority, r.visit.id)))
    parts = {d: connected_parts(places) for d, places in by_department.items()}
    names = part_names(parts, visits_of)
    return {(visits_of[d][p], d): name for d in parts for part, name in zip(parts[d], names[d], strict=True)
            for p in part}


def _takes_claims(stages: Stages) -> bool:
    """Whether the team stage is the real one (a test's stand-in takes no claim)."""
    from solver import assign

    function = stages.assign_teams
    return function is assign.assign_teams or getattr(function, "func", None) is assign.assign_teams


def _claimed_flow(outcome: dict, outcome_format: str) -> object | None:
    """The flow the outcome claims (team of every visit, flow_teams entries
    instead where given; level-0 potentials; widened bounds), for team forming
    to take where it proves itself (:class:`solver.assign.ClaimedFlow`); None
    if the certificate is not even well formed (then everything is re-solved
    and the certificate check names the problem)."""
    from solver.assign import ClaimedFlow

    document = outcome.get("certificate")
    try:
        levels, flow_teams = _certificate_levels(document)
        widened = _certificate_widened(document, outcome_format)  # type: ignore[arg-type]
    except VerificationFailed:
        return None
    teams: dict[str, Sequence[str]] = {}
    for entry in outcome.get("visits", []):
        if isinstance(entry, dict) and isinstance(entry.get("id"), str) and isinstance(entry.get("team"), list):
            teams[entry["id"]] = [i for i in entry["team"] if isinstance(i, str)]
    teams.update(flow_teams)
    return ClaimedFlow(teams, levels[0], widened)


def _certificate_widened(document: dict, outcome_format: str) -> dict[str, int]:
    """``certificate.widened`` (format /3, 7.3): part name -> a candidate
    bound above the default, the default doubled some times."""
    if outcome_format != OUTCOME_FORMAT:
        return {}
    widened = document.get("widened")
    default = candidate_bound(outcome_format) or 0
    if not isinstance(widened, dict):
        _stop(messages.mismatch("certificate.widened", {"V00001 SCJG": default * 2}, widened))
    for part, bound in widened.items():
        if type(bound) is not int or bound <= default or bound % default or (bound // default) & (bound // default - 1):
            _stop(messages.mismatch(f"certificate.widened.{part}",
                                    f"{default} doubled one or more times", bound))
    return widened


def _certificate_levels(document: object) -> tuple[list[dict[str, int]], dict[str, list[str]]]:
    """The certificate's members, checked for shape (7.5)."""
    if not isinstance(document, dict):
        _stop(messages.mismatch("certificate", {"levels": [], "flow_teams": {}}, document))
    levels, flow_teams = document.get("levels"), document.get("flow_teams")
    if (not isinstance(levels, list) or not 1 <= len(levels) <= certificate.MAX_LEVELS
            or not all(isinstance(level, dict) for level in levels)):
        _stop(messages.mismatch("certificate.levels", ["potentials by inspector id"], levels))
    for n, level in enumerate(levels):
        for key, value in level.items():
            if type(value) is not int:
                _stop(messages.mismatch(f"certificate.levels[{n}].{key}", "an integer", value))
    if not isinstance(flow_teams, dict) or not all(
            isinstance(team, list) and all(isinstance(i, str) for i in team) for team in flow_teams.values()):
        _stop(messages.mismatch("certificate.flow_teams", {"visit id": ["inspector ids"]}, flow_teams))
    return levels, flow_teams


def _check_certificate(instance: Instance, outcome: dict, visits: Sequence[Visit], workdays: Sequence[date],
                       seed: bytes, stages: Stages, outcome_format: str = OUTCOME_FORMAT) -> None:
    """The teams of 7.3 are the protocol's unique optimum over the places'
    candidates, by the certificate alone (7.5): no re-solving."""
    from solver.assign import RandomCost
    from solver.teams import Rules

    levels, flow_teams = _certificate_levels(outcome["certificate"])
    widened = _certificate_widened(outcome["certificate"], outcome_format)
    default = candidate_bound(outcome_format)
    requests = {r.visit.id: r for r in stages.build_requests(instance, visits)}
    rules = Rules(instance, workdays)
    teams = {entry["id"]: entry["team"] for entry in outcome["visits"]}
    for visit_id in sorted(flow_teams):
        if visit_id not in requests:
            _stop(messages.certificate_flow_team(f"certificate.flow_teams.{visit_id}", "no such visit"))
        teams[visit_id] = flow_teams[visit_id]
    tied = {i for level in levels[1:] for i in level}
    cost = RandomCost(seed)
    part_of = _part_names([requests[v] for v in teams])
    places: list[certificate.Place] = []
    parts: dict[str, list[Placed]] = {}  # the places of each part, with their position in ``places``
    for visit_id in sorted(teams):
        for slot in sorted(requests[visit_id].slots, key=lambda s: s.department):
            members = tuple(sorted(i for i in teams[visit_id] if i in rules.inspectors
                                   and rules.inspectors[i].department == slot.department))
            uscc = requests[visit_id].visit.uscc
            part = part_of[(visit_id, slot.department)]
            parts.setdefault(part, []).append((len(places), f"{visit_id} {slot.department}", (uscc, slot), members))
            bound = widened.get(part, default)
            offered = cost.candidates(uscc, slot.department, slot.eligible, bound)
            if len(members) != slot.count or not set(members) <= set(offered):
                what = "eligible inspectors" if default is None else "candidates"
                _stop(messages.certificate_flow_team(
                    f"certificate.flow_teams.{visit_id}",
                    f"not {slot.count} {what} of {slot.department}: {messages.show(list(members))}"))
            if tied & set(offered):
                costs = cost.levels(uscc, offered, len(levels))
            else:
                costs = (tuple(cost.costs(uscc, offered)),) + ((0,) * len(offered),) * (len(levels) - 1)
            places.append(certificate.Place(f"{visit_id} {slot.department}", uscc, offered, members, costs))
    _fail(certificate.check(places, rules.capacity, levels))
    if default is not None:
        _check_widening(parts, widened, default, rules)


def _check_widening(parts: dict[str, list[Placed]], widened: dict[str, int], default: int, rules: Rules) -> None:
    """No part should have widened beyond its K (7.3): a part whose K is below
    its largest eligible count has no improving trade with an eligible
    inspector who is not a candidate (:func:`solver.assign.improving_trade`),
    by the certified teams alone. ``parts``: each part's places (position in
    the certificate check's (visit id, department) order, name, (USCC, slot),
    members). Reported: the first such place in that order."""
    from solver.assign import improving_trade

    found = []
    for part, places in parts.items():
        bound = widened.get(part, default)
        if bound >= max(len(slot.eligible) for _, _, (_, slot), _ in places):  # every eligible one a candidate
            continue
        part_teams = [members for _, _, _, members in places]
        trade = improving_trade([place for _, _, place, _ in places], part_teams, rules)
        if trade is not None:
            position, name, _, _ = places[trade.place]
            found.append((position, name, part, bound, trade, part_teams))
    if not found:
        return
    _, place, part, bound, trade, part_teams = min(found, key=lambda f: f[0])
    load = {i: sum(i in team for team in part_teams) for i in (trade.member, trade.other)}
    cap = rules.capacity
    _stop(messages.certificate_should_widen(part, bound, place, trade.member, load[trade.member],
                                            cap[trade.member], trade.other, load[trade.other], cap[trade.other]))


# the codes of visits that 7.2 accepted and that were left unfilled later (7.4, 8)
AFTER_ACCEPTANCE = (reasons.PAIR_CONFLICT, reasons.NO_COMMON_DAY, reasons.DAYS_FULLY_BOOKED)


def _accepted(document: dict) -> tuple[dict[str, str], set[str]]:
    """The visits a document (its entries checked by step 3) has 7.2 accept
    (staffed, or unfilled with a code of :data:`AFTER_ACCEPTANCE`), by id,
    with where each is; and the unfilled visits whose reason is no object
    with a code of 9.1 (neither accepted nor refused: the comparison of the
    reasons names them)."""
    found = {entry["id"]: f"visits[{n}]" for n, entry in enumerate(document["visits"])}
    unknown = set()
    for n, entry in enumerate(document["unfilled"]):
        reason = entry.get("reason")
        code = reason.get("code") if isinstance(reason, dict) else None
        if code in AFTER_ACCEPTANCE:
            found[entry["id"]] = f"unfilled[{n}].reason"
        elif code not in (reasons.TOO_FEW_ELIGIBLE, reasons.CAPACITY):
            unknown.add(entry["id"])
    return found, unknown


def _check_acceptance(expected: dict, outcome: dict, visits: Sequence[Visit]) -> None:
    """Which visits 7.2 accepts (formats /2 and /3): the first visit in
    (priority, id) order that 7.2 refuses while ``certificate.flow_teams``
    gives it a flow team, that 7.2 accepts while the outcome gives it no team
    (it is not staffed and not in ``certificate.flow_teams``), or that the
    outcome accepts and 7.2 does not, or the other way round. A verifier
    without a min-cost flow decides it with a maximum flow (section 13)."""
    known = (reasons.TOO_FEW_ELIGIBLE, reasons.CAPACITY, *AFTER_ACCEPTANCE)
    if any(entry["reason"]["code"] not in known for entry in expected["unfilled"]):
        return  # stages of a test that give no reason: the comparison below names any difference
    want, _ = _accepted(expected)
    found, unknown = _accepted(outcome)
    certificate_doc = outcome.get("certificate")
    flow_teams = certificate_doc.get("flow_teams") if isinstance(certificate_doc, dict) else None
    flowed = set(flow_teams if isinstance(flow_teams, dict) else ())
    teamed = {entry["id"] for entry in outcome["visits"]} | flowed
    if want.keys() == found.keys() and want.keys() <= teamed and flowed <= want.keys():
        return
    where = {entry["id"]: f"unfilled[{n}].reason" for n, entry in enumerate(outcome["unfilled"])} | found
    why = {entry["id"]: entry["reason"] for entry in expected["unfilled"]}
    for visit in sorted(visits, key=lambda v: (v.priority, v.id)):
        if visit.id in flowed and visit.id not in want:  # its place would change the certified flow
            _stop(messages.flow_team_of_refused(visit.id))
        if visit.id in want and visit.id not in teamed and visit.id in unknown | found.keys():
            _stop(messages.visit_without_team(where[visit.id], visit.id))
        if (visit.id in want) == (visit.id in found) or visit.id in unknown:
            continue
        if visit.id in want:
            _stop(messages.visit_accepted(where[visit.id], visit.id))
        reason = why[visit.id]
        if reason["code"] == reasons.TOO_FEW_ELIGIBLE:
            short = reason["departments"][0]
            _stop(messages.visit_short(where[visit.id], visit.id, short["department"], short["eligible"],
                                       short["needed"]))
        _stop(messages.visit_over_capacity(where[visit.id], visit.id, reason["department"]))


def _rules_then_staffing(instance: Instance, outcome: dict, visits: Sequence[Visit], workdays: Sequence[date],
                         workers: int, staffed: Callable[[], Staffing], progress: Progress) -> Staffing:
    """Step 4 (the rules; its first violation is reported before anything the
    re-staffing would find), and the re-staffing of step 5. With ``workers``
    > 1 (POSIX) a forked child checks the rules while this process re-staffs;
    a child that fails is replaced by checking here."""
    def rules_verdict() -> str:
        try:
            _check_rules(instance, outcome, visits, workdays)
        except VerificationFailed as failure:
            return str(failure)
        return ""

    if workers > 1 and hasattr(os, "fork"):
        progress.stage("verify: rules and teams")
        staffing, (verdict,) = run_forked(staffed, [lambda: rules_verdict().encode()])
        _fail(bytes(verdict).decode() if verdict is not None else rules_verdict() or None)
        return staffing
    progress.stage("verify: rules", len(outcome["visits"]))
    _fail(rules_verdict() or None)
    return staffed()


def verify_outcome(instance: Instance, outcome: object, progress: Progress | None = None,
                   stages: Stages | None = None, table: EntityTable | None = None,
                   workers: int = 1) -> None:
    """Raise :class:`VerificationFailed` at the first discrepancy; return None
    if ``outcome`` is exactly the outcome of ``instance``."""
    progress = progress or NullProgress()
    stages = stages or default_stages(workers)
    if not isinstance(outcome, dict):
        raise VerificationFailed(messages.outcome_not_object())
    seed = instance_seed(instance)
    found_format = outcome.get("format")
    outcome_format = found_format if found_format in OUTCOME_FORMATS else OUTCOME_FORMAT
    header = {"format": outcome_format, "draw_id": instance.draw_id,
              "input_digest": instance.input_digest.hex(),
              "commitment": compute_commitment(require_secret(instance)).hex(), "seed": seed.hex()}
    for key in header:
        if key not in outcome:
            _stop(messages.missing_entry(key, header[key]))
        _fail(first_difference(header[key], outcome[key], key))
    sampling = sample(instance, seed, progress=progress, table=table, workers=workers)
    for key, expected in (("samples", sampling.samples()), ("excluded", sampling.excluded())):
        if key not in outcome:
            _stop(messages.missing_entry(key, expected))
        _fail(first_difference(expected, outcome[key], key))
    progress.stage("verify: visits")
    visits = merge_samples(instance, sampling)
    _check_entries(outcome, visits)
    workdays = working_days(instance)
    certified = outcome_format in CERTIFIED_FORMATS
    if certified and "certificate" in outcome and _takes_claims(stages):
        claimed = _claimed_flow(outcome, str(outcome_format))
    else:
        claimed = None
    instance.entities.prefetch([v.uscc for v in visits])  # built once, for both processes of the next step
    staffing = _rules_then_staffing(instance, outcome, visits, workdays, workers, lambda: staff(
        instance, seed, visits, workdays, progress, stages, str(outcome_format), claimed), progress)
    expected = outcome_document(instance, compute_commitment(require_secret(instance)), seed, sampling,
                                visits, staffing, str(outcome_format))
    if certified and (staffing.certificate is not None or "certificate" in outcome):
        if "certificate" not in outcome:
            _stop(messages.certificate_missing())
        if any(expected.get(key) != outcome.get(key) for key in ("certificate", "visits", "unfilled")):
            progress.stage("verify: certificate")  # name what is wrong with it, by the certificate alone
            _check_certificate(instance, outcome, visits, workdays, seed, stages, str(outcome_format))
    if certified:
        _check_acceptance(expected, outcome, visits)
    for key in ("visits", "unfilled", "stats"):
        if key not in outcome:
            _stop(messages.missing_entry(key, expected[key]))
        _fail(first_difference(expected[key], outcome[key], key))
    _fail(first_difference(expected, outcome))
    progress.done()
