"""Hypothesis strategies for small random ``inspect-draw/1`` instance documents.

``instance_documents()`` draws a valid document (it always parses) of a few
departments, entities, inspectors and tasks, with conflicts, leave, expired
certificates, lists, filters and holidays mixed in. The windows start on
Monday 2027-03-01, which is never a holiday, so every window has a working day.
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import strategies as st

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
DEPARTMENTS = ("SCJG", "YJGL", "SWJ")
QUALIFICATIONS = ("food", "safety", "tax")
DISTRICTS = ("350181001", "350181002", "350102001", "350103005")
TAGS = ("restaurant", "retail", "factory")
LISTS = ("abnormal", "serious")
WINDOW_START = date(2027, 3, 1)  # a Monday

usccs = st.text(USCC_ALPHABET, min_size=18, max_size=18)
ratios = st.sampled_from([0, 0.03, 0.1, 0.25, 0.3, 0.5, 1, 1])


def _iso(day: date) -> str:
    return day.isoformat()


@st.composite
def entity_documents(draw, uscc: str, inspector_ids: list[str]) -> dict:
    entity = {
        "uscc": uscc,
        "name": draw(st.sampled_from(["福清市某某餐饮有限公司", "某某超市", "Acme Ltd"])),
        "district": draw(st.sampled_from(DISTRICTS)),
        "risk": draw(st.sampled_from("ABCD")),
        "status": draw(st.sampled_from(["active", "active", "active", "active", "closed"])),
        "tags": draw(st.lists(st.sampled_from(TAGS), unique=True, max_size=2)),
        "lists": draw(st.lists(st.sampled_from(LISTS), unique=True, max_size=2)),
        "checks_this_year": draw(st.integers(0, 5)),
        "last_checks": [],
    }
    for _ in range(draw(st.integers(0, 2))):
        entity["last_checks"].append({
            "department": draw(st.sampled_from(DEPARTMENTS)),
            "date": _iso(WINDOW_START - timedelta(days=draw(st.integers(1, 500)))),
            "inspectors": draw(st.lists(st.sampled_from(inspector_ids), unique=True, max_size=2)),
        })
    if draw(st.booleans()):
        entity["industry"] = draw(st.sampled_from(["catering", "retail"]))
    if draw(st.booleans()):
        entity["type"] = draw(st.sampled_from(["enterprise", "individual"]))
    return entity


@st.composite
def task_documents(draw, n: int, departments: list[str]) -> dict:
    lead = draw(st.sampled_from(departments))
    others = [d for d in departments if d != lead]
    participating = draw(st.lists(st.sampled_from(others), unique=True, max_size=len(others))) \
        if others else []
    task = {"id": f"T{n + 1}", "department": lead,
            "items": [f"{d}-01" for d in [lead, *participating]],
            "inspectors_per_visit": draw(st.integers(1, 3))}
    if participating:
        task["participating"] = participating
    if draw(st.booleans()):
        task["count"] = draw(st.integers(0, 6))
    else:
        task["ratio"] = {risk: draw(ratios) for risk in draw(
            st.lists(st.sampled_from("ABCD"), unique=True, min_size=1, max_size=4))}
        if draw(st.booleans()):
            task["list_ratio"] = {name: draw(ratios) for name in draw(
                st.lists(st.sampled_from(LISTS), unique=True, min_size=1, max_size=2))}
    if draw(st.booleans()):
        conditions = {}
        for key, values in (("tags_any", TAGS), ("districts", ("350181", "350102", "3501")),
                            ("risks", tuple("ABCD")), ("lists_any", LISTS),
                            ("industries", ("catering", "retail")),
                            ("types", ("enterprise", "individual"))):
            if draw(st.integers(0, 3)) == 0:
                conditions[key] = draw(st.lists(st.sampled_from(values), unique=True, min_size=1,
                                                max_size=2))
        task["filter"] = conditions
    return task


@st.composite
def instance_documents(draw, max_entities: int = 25, max_inspectors: int = 12) -> dict:
    """A valid instance document with its secret."""
    departments = list(DEPARTMENTS[:draw(st.integers(1, len(DEPARTMENTS)))])
    days = draw(st.integers(0, 20))
    window_end = WINDOW_START + timedelta(days=days)
    window_days = [WINDOW_START + timedelta(days=k) for k in range(1, days + 1)]
    holidays = draw(st.lists(st.sampled_from(window_days), unique=True, max_size=3)) \
        if window_days else []
    weekends = [d for d in window_days if d.weekday() >= 5]
    workdays = draw(st.lists(st.sampled_from(weekends), unique=True, max_size=1)) if weekends else []
    n_inspectors = draw(st.integers(min(4, max_inspectors), max_inspectors))
    inspector_ids = [f"E{k + 1:03d}" for k in range(n_inspectors)]
    inspectors = []
    for k, inspector_id in enumerate(inspector_ids):
        department = departments[k % len(departments)] if k < 2 * len(departments) else \
            draw(st.sampled_from(departments))
        qualification = QUALIFICATIONS[DEPARTMENTS.index(department)]
        inspectors.append({
            "id": inspector_id, "name": f"检查员{k + 1}", "department": department,
            "district": draw(st.sampled_from(DISTRICTS)),
            "qualifications": [qualification] if draw(st.integers(0, 7)) else [],
            "certificate_expires": draw(st.sampled_from(["2029-12-31"] * 5 + ["2027-03-02"])),
            "active": draw(st.integers(0, 7)) > 0,
            "unavailable": [_iso(d) for d in draw(st.lists(
                st.sampled_from([WINDOW_START, *window_days]), unique=True, max_size=2))],
            "max_visits": draw(st.sampled_from([0, 1, 2, 3, 5, 8, 8])),
        })
    entity_usccs = draw(st.lists(usccs, unique=True, min_size=min(3, max_entities),
                                 max_size=max_entities))
    entities = [draw(entity_documents(u, inspector_ids)) for u in entity_usccs]
    conflicts = []
    if entity_usccs:
        for _ in range(draw(st.integers(0, 3))):
            conflicts.append({"inspector": draw(st.sampled_from(inspector_ids)),
                              "uscc": draw(st.sampled_from(entity_usccs)), "reason": "relative"})
    pairs = draw(st.lists(st.tuples(st.sampled_from(inspector_ids), st.sampled_from(inspector_ids))
                          .filter(lambda p: p[0] != p[1]), max_size=2))
    tasks = [draw(task_documents(n, departments)) for n in range(draw(st.integers(1, 3)))]
    return {
        "format": "inspect-draw/1",
        "draw_id": "H-" + draw(st.text("0123456789", min_size=1, max_size=4)),
        "secret": draw(st.binary(min_size=32, max_size=32)).hex(),
        "external_entropy": draw(st.text(max_size=8).filter(
            lambda s: not any(0xD800 <= ord(c) <= 0xDFFF for c in s))),
        "window": {"start": _iso(WINDOW_START), "end": _iso(window_end)},
        "calendar": {"holidays": [_iso(d) for d in holidays], "workdays": [_iso(d) for d in workdays]},
        "policy": {"coordinated_sampling": draw(st.booleans()),
                   "min_team_size": draw(st.integers(1, 3)), "rotation": draw(st.booleans()),
                   "exclude_recent_days": draw(st.sampled_from([0, 90, 365])),
                   "exclude_recent_risk": draw(st.lists(st.sampled_from("ABCD"), unique=True,
                                                        max_size=2)),
                   "frequency_cap": draw(st.integers(1, 5)),
                   "daily_visits_per_inspector": draw(st.integers(1, 3)),
                   "exclude_local_supervisor": draw(st.integers(0, 4)) == 0,
                   "jurisdiction_digits": draw(st.sampled_from([0, 0, 0, 4, 6, 9]))},
        "departments": [{"id": d, "name": f"{d} 局"} for d in departments],
        "items": [{"id": f"{d}-01", "department": d, "name": f"{d} item",
                   "qualification": QUALIFICATIONS[DEPARTMENTS.index(d)]} for d in departments],
        "entities": entities,
        "inspectors": inspectors,
        "conflicts": conflicts,
        "pair_conflicts": [{"a": a, "b": b} for a, b in pairs],
        "tasks": tasks,
    }
