"""A deterministic synthetic instance of any size, for timing the solver core.

``python tests/solver/synthetic.py 1000000 /tmp/big.json`` writes a document of
one million entities. Values come from a fixed numpy generator so that two runs
write the same file.
"""

from __future__ import annotations

import json
import sys

import numpy as np

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
DEPARTMENTS = ["SCJG", "YJGL", "SWJ", "CGJ", "WJW", "HBJ"]
QUALIFICATIONS = ["food", "safety", "tax", "urban", "health", "env"]


def make_instance(n_entities: int, n_inspectors: int | None = None, seed: int = 1) -> dict:
    rng = np.random.default_rng(seed)
    n_inspectors = n_inspectors or max(20, n_entities // 400)
    counties = [f"3501{c:02d}" for c in range(1, 41)]
    districts = [f"{c}{s:03d}" for c in counties for s in range(1, 26)]
    tags = ["restaurant", "retail", "factory", "clinic", "school", "hotel", "warehouse"]
    risks = "ABCD"
    risk_p = [0.30, 0.45, 0.18, 0.07]
    letters = np.array(list(USCC_ALPHABET))
    codes = rng.integers(0, len(USCC_ALPHABET), size=(n_entities, 10))
    uscc_tail = ["".join(row) for row in letters[codes]]
    district_ix = rng.integers(0, len(districts), size=n_entities)
    risk_ix = rng.choice(4, size=n_entities, p=risk_p)
    tag_ix = rng.integers(0, len(tags), size=n_entities)
    status_inactive = rng.random(n_entities) < 0.02
    abnormal = rng.random(n_entities) < 0.01
    checks = rng.integers(0, 6, size=n_entities) * (rng.random(n_entities) < 0.1)
    has_last = rng.random(n_entities) < 0.2
    last_dept = rng.integers(0, len(DEPARTMENTS), size=n_entities)
    last_day = rng.integers(1, 28, size=n_entities)
    last_month = rng.integers(1, 13, size=n_entities)
    entities = []
    for i in range(n_entities):
        district = districts[district_ix[i]]
        entity = {
            "uscc": f"91{district[:6]}{uscc_tail[i]}",
            "name": f"福州某某{i}有限公司",
            "district": district,
            "risk": risks[risk_ix[i]],
            "status": "deregistered" if status_inactive[i] else "active",
            "tags": [tags[tag_ix[i]]],
            "lists": ["abnormal"] if abnormal[i] else [],
            "checks_this_year": int(checks[i]),
            "last_checks": [],
        }
        if has_last[i]:
            entity["last_checks"] = [{
                "department": DEPARTMENTS[last_dept[i]],
                "date": f"2026-{last_month[i]:02d}-{last_day[i]:02d}",
                "inspectors": [f"E{(i * 7) % n_inspectors + 1:05d}"],
            }]
        entities.append(entity)
    inspectors = []
    for k in range(n_inspectors):
        d = k % len(DEPARTMENTS)
        inspectors.append({
            "id": f"E{k + 1:05d}", "name": f"检查员{k + 1}", "department": DEPARTMENTS[d],
            "district": counties[k % len(counties)] + "001",
            "qualifications": [QUALIFICATIONS[d]], "certificate_expires": "2029-12-31",
            "active": True, "unavailable": [], "max_visits": 30,
        })
    ratio = {"A": 0.01, "B": 0.03, "C": 0.1, "D": 0.3}
    tasks = []
    for d, dept in enumerate(DEPARTMENTS):
        task = {"id": f"T{d + 1}", "department": dept, "items": [f"{dept}-01"],
                "ratio": ratio, "list_ratio": {"abnormal": 0.5}, "inspectors_per_visit": 2}
        if d % 2:
            task["filter"] = {"tags_any": tags[d % len(tags):d % len(tags) + 3]}
        tasks.append(task)
    tasks.append({"id": "TJ", "department": "SCJG", "participating": ["CGJ"],
                  "items": ["SCJG-01", "CGJ-01"], "count": max(1, n_entities // 2000),
                  "filter": {"districts": ["350101", "350102"]}, "inspectors_per_visit": 2})
    return {
        "format": "inspect-draw/1",
        "draw_id": f"SYN-{n_entities}",
        "secret": "00" * 31 + "01",
        "external_entropy": "314159",
        "window": {"start": "2027-03-01", "end": "2027-05-31"},
        "calendar": {"holidays": ["2027-04-05", "2027-05-03", "2027-05-04", "2027-05-05"],
                     "workdays": ["2027-04-25"]},
        "policy": {"coordinated_sampling": True, "min_team_size": 2, "rotation": True,
                   "exclude_recent_days": 365, "exclude_recent_risk": ["A", "B"],
                   "frequency_cap": 4, "daily_visits_per_inspector": 3},
        "departments": [{"id": d, "name": d} for d in DEPARTMENTS],
        "items": [{"id": f"{d}-01", "department": d, "name": f"{d} item",
                   "qualification": QUALIFICATIONS[k]} for k, d in enumerate(DEPARTMENTS)],
        "inspectors": inspectors,
        "conflicts": [{"inspector": "E00001", "uscc": entities[0]["uscc"], "reason": "relative"}],
        "pair_conflicts": [{"a": "E00001", "b": "E00007"}],
        "tasks": tasks,
        "entities": entities,  # last, as the app and the benchmark write them
    }


if __name__ == "__main__":
    n = int(sys.argv[1])
    with open(sys.argv[2], "w", encoding="utf-8") as out:
        json.dump(make_instance(n), out, ensure_ascii=False)
