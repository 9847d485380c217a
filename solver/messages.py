"""Every user-facing text of the solver, in one place.

Messages name the JSON path of the value they are about (``$.tasks[0].ratio.B``)
so that a user can find it in the document.

>>> wrong_type("$.window.start", "a date (YYYY-MM-DD)", 5)
'$.window.start: expected a date (YYYY-MM-DD), found 5'
>>> ratio_out_of_range("$.tasks[0].ratio.B", 1.5)
'$.tasks[0].ratio.B: ratio 1.5 is outside [0, 1]'
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date


def show(value: object) -> str:
    """A short rendering of a JSON value for a message.

    >>> show(["E003", "E019"])
    '[E003, E019]'
    >>> show("2027-03-04")
    '2027-03-04'
    >>> show({"a": 1})
    '{"a":1}'
    >>> show(None)
    'null'
    """
    if isinstance(value, list | tuple):
        return "[" + ", ".join(show(v) for v in value) + "]"
    if isinstance(value, str):
        return value
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return text if len(text) <= 200 else text[:197] + "..."


# --- reading documents ---

def file_unreadable(name: str, reason: str) -> str:
    return f"{name}: cannot read the file ({reason})"


def file_unwritable(name: str, reason: str) -> str:
    return f"{name}: cannot write the file ({reason})"


def json_syntax(name: str, line: int, column: int, reason: str) -> str:
    return f"{name}: malformed JSON at line {line}, column {column}: {reason}"


def json_constant(name: str, constant: str) -> str:
    return f"{name}: malformed JSON: {constant} is not a JSON number"


def not_utf8(name: str) -> str:
    return f"{name}: the file is not UTF-8 text"


def lone_surrogate(name: str) -> str:
    return f"{name}: a string holds an unpaired UTF-16 surrogate escape, which has no UTF-8 form"


def not_an_object(name: str) -> str:
    return f"{name}: the document must be a JSON object"


def duplicate_key(name: str, path: str, key: str) -> str:
    return f"{name}: {path}: duplicate key {json.dumps(key, ensure_ascii=False)}"


def too_deep(name: str, limit: int) -> str:
    return f"{name}: the document is nested deeper than {limit} levels"


# --- instance validation ---

def unknown_format(path: str, found: object, expected: str) -> str:
    return f"{path}: unknown format version {show(found)}; this solver reads {expected!r}"


def missing_field(path: str) -> str:
    return f"{path}: required field is missing"


def wrong_type(path: str, expected: str, found: object) -> str:
    return f"{path}: expected {expected}, found {show(found)}"


def unknown_key(path: str, key: str, allowed: Iterable[str]) -> str:
    return f"{path}: unknown field {key!r} (known fields: {', '.join(sorted(allowed))})"


def duplicate_id(path: str, kind: str, value: str) -> str:
    return f"{path}: duplicate {kind} {value!r}"


def unknown_reference(path: str, kind: str, value: str) -> str:
    return f"{path}: unknown {kind} {value!r}"


def bad_secret(path: str) -> str:
    return f"{path}: the secret must be 64 lower-case hex digits (32 bytes)"


def bad_uscc(path: str, value: object) -> str:
    return (f"{path}: {show(value)} is not a unified social credit code "
            "(18 characters from 0-9 A-H J-N P-R T U W-Y)")


def bad_risk(path: str, value: object, classes: Iterable[str]) -> str:
    return f"{path}: unknown risk class {show(value)} (expected one of {', '.join(classes)})"


def ratio_out_of_range(path: str, value: object) -> str:
    return f"{path}: ratio {show(value)} is outside [0, 1]"


def negative(path: str, value: object) -> str:
    return f"{path}: {show(value)} must not be negative"


def not_positive(path: str, value: object) -> str:
    return f"{path}: {show(value)} must be at least 1"


def window_reversed(start: date, end: date) -> str:
    return f"$.window: the window ends ({end}) before it starts ({start})"


def no_working_day(start: date, end: date) -> str:
    return (f"$.window: no working day between {start} and {end} "
            "(Monday to Friday, minus calendar.holidays, plus calendar.workdays)")


def ratio_and_count(path: str) -> str:
    return f"{path}: a task has either 'ratio' or 'count', not both"


def ratio_or_count_missing(path: str) -> str:
    return f"{path}: a task needs 'ratio' (per risk class) or 'count'"


def list_ratio_with_count(path: str) -> str:
    return (f"{path}: 'list_ratio' needs a 'ratio' task; a 'count' task draws from its whole "
            "eligible population and has no strata")


def item_outside_task(path: str, item: str, department: str) -> str:
    return (f"{path}: item {item!r} belongs to department {department!r}, "
            "which is neither the lead nor a participating department of the task")


def empty_items(path: str) -> str:
    return f"{path}: a task needs at least one check item"


def pair_conflict_self(path: str, inspector: str) -> str:
    return f"{path}: inspector {inspector!r} cannot be in conflict with themself"


def secret_missing() -> str:
    return ("$.secret: the instance has no secret; a draw and its verification need the "
            "32-byte secret (revealed after the checks)")


# --- verification ---

def mismatch(path: str, expected: object, found: object) -> str:
    return f"{path}: expected {show(expected)}, found {show(found)}"


def missing_entry(path: str, expected: object) -> str:
    return f"{path}: missing, expected {show(expected)}"


def unexpected_entry(path: str, found: object) -> str:
    return f"{path}: unexpected {show(found)}"


def rule_violation(path: str, violation: str) -> str:
    return f"{path}: {violation}"


def not_a_working_day(day: date) -> str:
    return f"{day} is not a working day of the window"


def capacity_exceeded(inspector: str, load: int, capacity: int) -> str:
    return f"inspector {inspector} has {load} visits, more than their capacity of {capacity}"


def daily_limit_exceeded(inspector: str, day: date, load: int, limit: int) -> str:
    return f"inspector {inspector} has {load} visits on {day}, more than the daily limit of {limit}"


def entity_twice(uscc: str) -> str:
    return f"entity {uscc} appears more than once among visits and unfilled"


def entity_not_drawn(uscc: str) -> str:
    return f"entity {uscc} was not drawn by any task"


def entity_missing(uscc: str, visit_id: str) -> str:
    return f"drawn entity {uscc} ({visit_id}) is neither a visit nor unfilled"


def outcome_not_object() -> str:
    return "outcome: expected a JSON object"


def verified(draw_id: str, visits: int, unfilled: int) -> str:
    return f"verified: draw {draw_id}, {visits} visits, {unfilled} unfilled"


def not_verified(discrepancy: str) -> str:
    return f"NOT verified: {discrepancy}"


# --- comparing with the register (solver/published.py) ---

REGISTER = "the register"


def in_file(name: str, message: str) -> str:
    return f"{name}: {message}"


def bad_hex_option(option: str, value: str) -> str:
    return f"{option}: expected 64 hex digits, found {value!r}"


def published_differs(name: str, source: str, published: str, document: str, found: str) -> str:
    """``frozen_digest: the register published 3fa… but the instance gives 91c…``"""
    if source == REGISTER:
        return f"{name}: the register published {published} but {document} gives {found}"
    return f"{name}: {source} gives {published} but {document} gives {found}"


def compared_with_register(names: Iterable[str]) -> str:
    return f"matches the published values: {', '.join(names)}"


def not_compared_with_register() -> str:
    return ("warning: not compared with the published register (give --register REGISTER.json "
            "or --frozen-digest/--commitment/--input-digest/--result-digest): this proves only "
            "that the outcome is the one this instance produces, not that they are the "
            "documents the register published before the draw")


def not_in_register(names: Iterable[str]) -> str:
    return f"warning: the register gives no {', '.join(names)} (not published yet); not compared"


# --- CLI summary ---

def summary_header(draw_id: str, policy: str) -> str:
    return f"draw {draw_id} ({policy} sampling)"


def summary_visits(visits: int, joint: int, unfilled: int) -> str:
    return f"visits: {visits} ({joint} joint), unfilled: {unfilled}"


def summary_sampling(tasks: int, sampled: int, entities: int) -> str:
    return (f"sampled {sampled} entity-task pairs in {tasks} tasks -> {entities} entities to visit "
            f"({sampled - entities} checks share a visit with another task)")


def summary_expected_independent(expected: float, entities: int) -> str:
    return (f"independent sampling would give about {expected:.1f} entities to visit "
            f"(coordination saves about {expected - entities:.1f})")


def summary_compared(independent_entities: int, independent_joint: int, entities: int) -> str:
    return (f"independent sampling of the same instance: {independent_entities} entities "
            f"({independent_joint} joint); coordination saves {independent_entities - entities}")


def summary_empty_task(task: str) -> str:
    return f"task {task}: empty sample (no eligible entity, or a ratio of 0)"


def summary_unfilled_reason(count: int, reason: str) -> str:
    return f"  {count:6d}  {reason}"


def summary_unfilled_header() -> str:
    return "unfilled visits by reason:"


def summary_loads(low: int, high: int, inspectors: int) -> str:
    return f"inspector load: min {low}, max {high} over {inspectors} inspectors"


def summary_timings(timings: Iterable[tuple[str, float]]) -> str:
    return "time: " + ", ".join(f"{name} {seconds:.2f}s" for name, seconds in timings)


def summary_written(path: str) -> str:
    return f"outcome written to {path}"


def digest_lines(input_digest: str, commitment: str | None) -> str:
    lines = [f"input_digest {input_digest}"]
    if commitment is not None:
        lines.append(f"commitment   {commitment}")
    return "\n".join(lines)


# --- the optimality certificate (draw protocol 7.5) ---

def certificate_missing() -> str:
    return "certificate: missing: the outcome carries no optimality certificate (section 7.5)"


def certificate_no_potential(path: str, inspector: str) -> str:
    return f"{path}: no potential for {inspector}"


def certificate_negative_move(path: str, tail: str, head: str, place: str, reduced: int) -> str:
    via = f"via place {place}" if place else "via the sink"
    return f"{path}: the move {tail or 'sink'} -> {head or 'sink'} {via} has reduced cost {reduced}, so the teams are not optimal"


def certificate_level_count(found: int, expected: int) -> str:
    return f"certificate.levels: {found} levels, expected {expected}"


def certificate_tie(path: str, level: int, nodes: Iterable[str]) -> str:
    shown = ", ".join(n or "sink" for n in sorted(nodes)[:SHOWN])
    return f"{path}: the optimum of level {level} is not unique (tight moves form a cycle through {shown})"


def certificate_not_unique() -> str:
    return "certificate.levels: the optimum is not unique after every tie-break level"


def certificate_flow_team(path: str, problem: str) -> str:
    return f"{path}: {problem}"


def visit_accepted(path: str, visit_id: str) -> str:
    return (f"{path}: {visit_id} is accepted (section 7.2): its places can all be filled together with those of "
            f"the visits accepted before it")


def flow_team_of_refused(visit_id: str) -> str:
    return (f"certificate.flow_teams.{visit_id}: {visit_id} is not accepted (section 7.2), so it has no flow team "
            f"(section 7.5)")


def visit_without_team(path: str, visit_id: str) -> str:
    return (f"{path}: {visit_id} is accepted (section 7.2), but the outcome gives it no team: it is neither "
            f"staffed nor in certificate.flow_teams")


def visit_short(path: str, visit_id: str, department: str, eligible: int, needed: int) -> str:
    return (f"{path}: {visit_id} is not accepted (section 7.2): {department} has fewer eligible inspectors "
            f"({eligible}) than places ({needed})")


def visit_over_capacity(path: str, visit_id: str, department: str) -> str:
    return (f"{path}: {visit_id} is not accepted (section 7.2): the places of {department} cannot all be filled "
            f"together with those of the visits accepted before it")


def certificate_should_widen(part: str, bound: int, place: str, member: str, member_load: int, member_cap: int,
                             other: str, other_load: int, other_cap: int) -> str:
    return (f"certificate.widened.{part}: the part should have widened beyond {bound} candidates: place {place} "
            f"could go from {member} (load {member_load}, capacity {member_cap}) to {other} (load {other_load}, "
            f"capacity {other_cap}), who is eligible but not a candidate")


SHOWN = 6
