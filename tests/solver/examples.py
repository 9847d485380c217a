"""Small hand-written instance documents for the solver tests."""

from __future__ import annotations

import copy

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def uscc(n: int) -> str:
    """A distinct well-formed USCC per number (check character not computed)."""
    tail = ""
    for _ in range(8):
        n, digit = divmod(n, len(USCC_ALPHABET))
        tail = USCC_ALPHABET[digit] + tail
    return "9135018100" + tail


def entity(n: int, **fields) -> dict:
    doc = {"uscc": uscc(n), "name": f"某某公司{n}", "district": "350181001", "risk": "B",
           "status": "active", "tags": [], "lists": [], "checks_this_year": 0, "last_checks": []}
    doc.update(fields)
    return doc


def inspector(n: int, department: str = "SCJG", **fields) -> dict:
    qualification = {"SCJG": "food", "CGJ": "urban"}.get(department, "general")
    doc = {"id": f"E{n:03d}", "name": f"检查员{n}", "department": department,
           "district": "350181001", "qualifications": [qualification],
           "certificate_expires": "2028-12-31", "active": True, "unavailable": [],
           "max_visits": 30}
    doc.update(fields)
    return doc


BASE = {
    "format": "inspect-draw/1",
    "draw_id": "2027-Q1-01",
    "secret": "5a" * 32,
    "external_entropy": "314159",
    "window": {"start": "2027-03-01", "end": "2027-03-31"},
    "calendar": {"holidays": ["2027-03-08"], "workdays": ["2027-03-13"]},
    "policy": {"coordinated_sampling": True, "min_team_size": 2, "rotation": True,
               "exclude_recent_days": 365, "exclude_recent_risk": ["A", "B"],
               "frequency_cap": 4, "daily_visits_per_inspector": 3},
    "departments": [{"id": "SCJG", "name": "市场监督管理局"}, {"id": "CGJ", "name": "城管局"}],
    "items": [{"id": "SCJG-01", "department": "SCJG", "name": "食品经营许可", "qualification": "food"},
              {"id": "CGJ-01", "department": "CGJ", "name": "门前三包", "qualification": "urban"}],
    "entities": [],
    "inspectors": [],
    "conflicts": [],
    "pair_conflicts": [],
    "tasks": [{"id": "T1", "department": "SCJG", "items": ["SCJG-01"],
               "ratio": {"A": 0.01, "B": 0.03, "C": 0.1, "D": 0.3}, "inspectors_per_visit": 2}],
}


def document(entities: int = 0, inspectors: int = 0, **top) -> dict:
    """BASE with ``entities`` plain B-class entities and ``inspectors`` SCJG
    inspectors, then the given top-level fields replaced."""
    doc = copy.deepcopy(BASE)
    doc["entities"] = [entity(n) for n in range(entities)]
    doc["inspectors"] = [inspector(n + 1) for n in range(inspectors)]
    doc.update(copy.deepcopy(top))
    return doc


def joint_document() -> dict:
    """Two departments, two overlapping tasks and enough inspectors to staff them."""
    doc = document()
    doc["entities"] = [entity(n, risk="ABCD"[n % 4], tags=["restaurant"] if n % 2 else [])
                       for n in range(60)]
    doc["inspectors"] = ([inspector(n, "SCJG") for n in range(1, 9)]
                         + [inspector(n, "CGJ") for n in range(9, 17)])
    doc["tasks"] = [
        {"id": "T1", "department": "SCJG", "items": ["SCJG-01"],
         "ratio": {"A": 0.1, "B": 0.2, "C": 0.3, "D": 0.5}, "inspectors_per_visit": 2},
        {"id": "T2", "department": "CGJ", "items": ["CGJ-01"],
         "ratio": {"A": 0.1, "B": 0.2, "C": 0.3, "D": 0.5}, "inspectors_per_visit": 2},
        {"id": "T3", "department": "SCJG", "participating": ["CGJ"], "items": ["SCJG-01", "CGJ-01"],
         "count": 3, "filter": {"tags_any": ["restaurant"]}, "inspectors_per_visit": 2},
    ]
    return doc
