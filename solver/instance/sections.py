"""The sections of an instance other than its entities: policy, departments,
check items, inspectors, conflicts and tasks, each checked with the JSON path
of the first value that breaks a rule.

Fields the solver does not know are ignored, except inside ``policy`` and a
task's ``filter``, where a misspelt key would silently change the draw and is
therefore refused:

>>> try:
...     policy({"frequency_cap": 3, "coordinated": True})
... except InputError as error:
...     print(str(error).split(" (")[0])
$.policy: unknown field 'coordinated'
"""

from __future__ import annotations

from dataclasses import fields

from solver import messages
from solver.errors import InputError
from solver.instance.fields import (
    HEX64,
    Interner,
    _bool,
    _date,
    _dates,
    _field,
    _int,
    _known_keys,
    _list,
    _object,
    _ratio,
    _risk,
    _str,
    _strings,
    _unique,
)
from solver.model import Department, Inspector, Item, Policy, Task, TaskFilter

POLICY_KEYS = frozenset(f.name for f in fields(Policy))
FILTER_KEYS = frozenset(f.name for f in fields(TaskFilter))


def policy(raw: object) -> Policy:
    if raw is None:
        return Policy()
    obj = _object(raw, "$.policy")
    _known_keys(obj, POLICY_KEYS, "$.policy")
    default = Policy()
    p = "$.policy."
    return Policy(
        coordinated_sampling=_bool(obj.get("coordinated_sampling", default.coordinated_sampling),
                                   p + "coordinated_sampling"),
        min_team_size=_int(obj.get("min_team_size", default.min_team_size), p + "min_team_size", 1),
        rotation=_bool(obj.get("rotation", default.rotation), p + "rotation"),
        exclude_recent_days=_int(obj.get("exclude_recent_days", default.exclude_recent_days),
                                 p + "exclude_recent_days"),
        exclude_recent_risk=frozenset(
            _risk(r, f"{p}exclude_recent_risk[{n}]")
            for n, r in enumerate(_list(obj.get("exclude_recent_risk",
                                                sorted(default.exclude_recent_risk)),
                                        p + "exclude_recent_risk"))),
        frequency_cap=_int(obj.get("frequency_cap", default.frequency_cap), p + "frequency_cap", 1),
        daily_visits_per_inspector=_int(
            obj.get("daily_visits_per_inspector", default.daily_visits_per_inspector),
            p + "daily_visits_per_inspector", 1),
        exclude_local_supervisor=_bool(
            obj.get("exclude_local_supervisor", default.exclude_local_supervisor),
            p + "exclude_local_supervisor"),
        jurisdiction_digits=_int(obj.get("jurisdiction_digits", default.jurisdiction_digits),
                                 p + "jurisdiction_digits"),
    )


def departments(raw: object) -> tuple[Department, ...]:
    result = []
    for n, obj in enumerate(_list(raw, "$.departments")):
        path = f"$.departments[{n}]"
        obj = _object(obj, path)
        result.append(Department(id=_str(_field(obj, "id", path), path + ".id"),
                                 name=_str(obj.get("name", ""), path + ".name", empty=True)))
    _unique([d.id for d in result], "department", "$.departments")
    return tuple(result)


def items(raw: object, departments: set[str]) -> tuple[Item, ...]:
    result = []
    for n, obj in enumerate(_list(raw, "$.items")):
        path = f"$.items[{n}]"
        obj = _object(obj, path)
        department = _str(_field(obj, "department", path), path + ".department")
        if department not in departments:
            raise InputError(messages.unknown_reference(path + ".department", "department",
                                                        department), path + ".department")
        qualification = obj.get("qualification")
        result.append(Item(
            id=_str(_field(obj, "id", path), path + ".id"),
            department=department,
            name=_str(obj.get("name", ""), path + ".name", empty=True),
            qualification=None if qualification is None else _str(qualification,
                                                                   path + ".qualification"),
        ))
    _unique([i.id for i in result], "item", "$.items")
    return tuple(result)


def inspectors(raw: object, departments: set[str]) -> tuple[Inspector, ...]:
    result = []
    interner = Interner()
    for n, obj in enumerate(_list(raw, "$.inspectors")):
        path = f"$.inspectors[{n}]"
        obj = _object(obj, path)
        department = _str(_field(obj, "department", path), path + ".department")
        if department not in departments:
            raise InputError(messages.unknown_reference(path + ".department", "department",
                                                        department), path + ".department")
        expires = obj.get("certificate_expires")
        result.append(Inspector(
            id=_str(_field(obj, "id", path), path + ".id"),
            name=_str(obj.get("name", ""), path + ".name", empty=True),
            department=department,
            district=_str(obj.get("district", ""), path + ".district", empty=True),
            qualifications=interner.set(obj.get("qualifications", []), path + ".qualifications"),
            certificate_expires=None if expires is None else _date(expires,
                                                                  path + ".certificate_expires"),
            active=_bool(obj.get("active", True), path + ".active"),
            unavailable=_dates(obj.get("unavailable", []), path + ".unavailable"),
            max_visits=_int(obj.get("max_visits", 30), path + ".max_visits"),
        ))
    _unique([i.id for i in result], "inspector", "$.inspectors")
    return tuple(result)


def conflicts(raw: object) -> frozenset[tuple[str, str]]:
    result = set()
    for n, obj in enumerate(_list(raw, "$.conflicts")):
        path = f"$.conflicts[{n}]"
        obj = _object(obj, path)
        result.add((_str(_field(obj, "inspector", path), path + ".inspector"),
                    _str(_field(obj, "uscc", path), path + ".uscc")))
    return frozenset(result)


def pair_conflicts(raw: object) -> frozenset[frozenset[str]]:
    result = set()
    for n, obj in enumerate(_list(raw, "$.pair_conflicts")):
        path = f"$.pair_conflicts[{n}]"
        obj = _object(obj, path)
        a = _str(_field(obj, "a", path), path + ".a")
        b = _str(_field(obj, "b", path), path + ".b")
        if a == b:
            raise InputError(messages.pair_conflict_self(path, a), path)
        result.add(frozenset((a, b)))
    return frozenset(result)


def _filter(raw: object, path: str) -> TaskFilter | None:
    if raw is None:
        return None
    obj = _object(raw, path)
    _known_keys(obj, FILTER_KEYS, path)
    return TaskFilter(
        tags_any=frozenset(_strings(obj.get("tags_any", []), path + ".tags_any")),
        districts=tuple(sorted(set(_strings(obj.get("districts", []), path + ".districts")))),
        industries=frozenset(_strings(obj.get("industries", []), path + ".industries")),
        types=frozenset(_strings(obj.get("types", []), path + ".types")),
        risks=frozenset(_risk(r, f"{path}.risks[{n}]")
                        for n, r in enumerate(_list(obj.get("risks", []), path + ".risks"))),
        lists_any=frozenset(_strings(obj.get("lists_any", []), path + ".lists_any")),
    )


def task(obj: object, n: int, departments: set[str], items: dict[str, Item]) -> Task:
    path = f"$.tasks[{n}]"
    obj = _object(obj, path)
    lead = _str(_field(obj, "department", path), path + ".department")
    if lead not in departments:
        raise InputError(messages.unknown_reference(path + ".department", "department", lead),
                         path + ".department")
    participating = _strings(obj.get("participating", []), path + ".participating")
    for k, department in enumerate(participating):
        if department not in departments:
            raise InputError(messages.unknown_reference(f"{path}.participating[{k}]",
                                                        "department", department),
                             f"{path}.participating[{k}]")
    task_departments = {lead, *participating}
    item_ids = _strings(_field(obj, "items", path), path + ".items")
    if not item_ids:
        raise InputError(messages.empty_items(path + ".items"), path + ".items")
    for k, item_id in enumerate(item_ids):
        at = f"{path}.items[{k}]"
        if item_id not in items:
            raise InputError(messages.unknown_reference(at, "check item", item_id), at)
        if items[item_id].department not in task_departments:
            raise InputError(messages.item_outside_task(at, item_id, items[item_id].department), at)
    has_ratio, has_count = obj.get("ratio") is not None, obj.get("count") is not None
    if has_ratio and has_count:
        raise InputError(messages.ratio_and_count(path), path)
    if not has_ratio and not has_count:
        raise InputError(messages.ratio_or_count_missing(path), path)
    ratio = None
    if has_ratio:
        raw_ratio = _object(obj["ratio"], path + ".ratio")
        for risk in sorted(raw_ratio):
            _risk(risk, f"{path}.ratio.{risk}")
        ratio = {risk: _ratio(raw_ratio[risk], f"{path}.ratio.{risk}") for risk in sorted(raw_ratio)}
    raw_lists = _object(obj.get("list_ratio") or {}, path + ".list_ratio")
    if raw_lists and has_count:
        raise InputError(messages.list_ratio_with_count(path + ".list_ratio"), path + ".list_ratio")
    return Task(
        id=_str(_field(obj, "id", path), path + ".id"),
        department=lead,
        items=item_ids,
        participating=participating,
        filter=_filter(obj.get("filter"), path + ".filter"),
        ratio=ratio,
        count=_int(obj["count"], path + ".count") if has_count else None,
        list_ratio={name: _ratio(raw_lists[name], f"{path}.list_ratio.{name}")
                    for name in sorted(raw_lists)},
        inspectors_per_visit=_int(obj.get("inspectors_per_visit", 2),
                                  path + ".inspectors_per_visit", 1),
    )


def secret(raw: object) -> bytes | None:
    if raw is None:
        return None
    if type(raw) is not str or not HEX64(raw):
        raise InputError(messages.bad_secret("$.secret"), "$.secret")
    return bytes.fromhex(raw)


