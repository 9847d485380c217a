"""Property tests over random small instances (see strategies.py)."""

import copy
import json
from collections import Counter
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver import reasons
from solver.calendar import working_days
from solver.canonical import canonical_json
from solver.draw import draw
from solver.errors import VerificationFailed
from solver.instance import parse_instance
from solver.teams import check_visit
from solver.verify import verify_outcome
from tests.solver.strategies import instance_documents

SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@SETTINGS
@given(instance_documents())
def test_no_outcome_breaks_a_rule_and_verify_accepts_it(doc):
    instance = parse_instance(doc)
    result = draw(instance)
    outcome = result.outcome()
    assert json.loads(canonical_json(outcome)) == outcome
    drawn = {u for sample in outcome["samples"].values() for u in sample}
    listed = [e["uscc"] for e in outcome["visits"]] + [e["uscc"] for e in outcome["unfilled"]]
    assert sorted(listed) == sorted(drawn)  # each drawn entity exactly once
    workdays = working_days(instance)
    visits = {v.id: v for v in result.visits}
    load, daily = Counter(), Counter()
    for entry in outcome["visits"]:
        day = date.fromisoformat(entry["date"])
        assert check_visit(instance, visits[entry["id"]], entry["team"], day, workdays) == []
        assert len(entry["team"]) >= min(2, instance.policy.min_team_size)
        for inspector in entry["team"]:
            load[inspector] += 1
            daily[inspector, day] += 1
    capacity = {i.id: i.max_visits for i in instance.inspectors}
    assert all(load[i] <= capacity[i] for i in load)
    assert all(n <= instance.policy.daily_visits_per_inspector for n in daily.values())
    for entry in outcome["unfilled"]:
        assert entry["reason"]["code"] in reasons.CODES
    stats = outcome["stats"]
    assert stats["visits"] + stats["unfilled"] == stats["entities"] == len(drawn)
    assert stats["sampled"] == sum(len(s) for s in outcome["samples"].values())
    verify_outcome(instance, outcome)


def _mutations(instance, outcome):
    """(name, mutate) pairs applicable to this outcome."""
    found = []
    ids = sorted(i.id for i in instance.inspectors)
    drawn = {u for sample in outcome["samples"].values() for u in sample}
    strangers = [e.uscc for e in instance.entities if e.uscc not in drawn]
    for n, entry in enumerate(outcome["visits"]):
        spare = [i for i in ids if i not in entry["team"]]
        if spare:
            def swap(o, n=n, new=spare[0]):
                o["visits"][n]["team"] = sorted(o["visits"][n]["team"][1:] + [new])
            found.append(("swap inspector", swap))

        def move(o, n=n):
            day = date.fromisoformat(o["visits"][n]["date"])
            o["visits"][n]["date"] = (day + timedelta(days=1)).isoformat()
        found.append(("move date", move))

        def drop(o, n=n):
            del o["visits"][n]
        found.append(("drop visit", drop))
    for n in range(len(outcome["unfilled"])):
        def drop_unfilled(o, n=n):
            del o["unfilled"][n]
        found.append(("drop unfilled", drop_unfilled))
    if strangers and outcome["visits"]:
        def add(o, uscc=strangers[0]):
            o["visits"].append(dict(o["visits"][0], id="V99999", uscc=uscc))
        found.append(("add visit", add))
    for task, sample in outcome["samples"].items():
        if sample:
            def shorten(o, task=task):
                o["samples"][task].pop()
            found.append(("drop sampled entity", shorten))
        if strangers:
            def extend(o, task=task, uscc=strangers[0]):
                o["samples"][task].append(uscc)
            found.append(("add sampled entity", extend))
    for key in ("input_digest", "commitment", "seed"):
        def change(o, key=key):
            o[key] = ("0" if o[key][0] != "0" else "1") + o[key][1:]
        found.append((f"change {key}", change))
    return found


@SETTINGS
@given(instance_documents(), st.data())
def test_verify_rejects_any_single_mutation(doc, data):
    instance = parse_instance(doc)
    outcome = draw(instance).outcome()
    name, mutate = data.draw(st.sampled_from(_mutations(instance, outcome)))
    mutated = copy.deepcopy(outcome)
    mutate(mutated)
    with pytest.raises(VerificationFailed):
        verify_outcome(instance, mutated)
