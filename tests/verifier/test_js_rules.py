"""The JavaScript verifier's rules, schedule and stats checks (inspect_app/static/verify/
rules.js, schedule.js, stats.js; docs/draw-protocol.md section 10 steps 4-6) agree with
``python -m solver verify``: silent on the outcomes the Python solver draws, and naming
the same first discrepancy, in the same words, on tampered ones.

The checks run in Node 20 (tests/verifier/js/run_checks.mjs; see conftest.py for a
machine without ``node``)."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import tempfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from solver.calendar import working_days
from solver.draw import draw
from solver.errors import InputError, VerificationFailed
from solver.instance import parse_instance
from solver.sampling import sample
from solver.draw import instance_seed
from solver.verify import verify_outcome
from solver.visits import merge_samples
from tests.solver.examples import entity, inspector, joint_document
from tests.solver.strategies import instance_documents

ROOT = Path(__file__).resolve().parents[2]
RUNNER = ROOT / "tests" / "verifier" / "js" / "run_checks.mjs"
NODE = shutil.which("node")



def expected_visits(instance) -> list[dict]:
    visits = merge_samples(instance, sample(instance, instance_seed(instance)))
    return [{"id": v.id, "uscc": v.uscc, "tasks": list(v.tasks), "departments": list(v.departments)}
            for v in visits]


def run_js(cases: list[tuple[dict, dict, dict]], tmp_path: Path) -> list[dict]:
    """[(instance document, parsed instance, outcome)] -> the JS results, in order."""
    path = tmp_path / "cases.json"
    path.write_text(json.dumps([{"instance": doc, "outcome": outcome, "visitsExpected": expected_visits(inst)}
                                for doc, inst, outcome in cases], ensure_ascii=False), encoding="utf-8")
    done = subprocess.run([NODE, str(RUNNER), str(path)], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def python_says(instance, outcome) -> str | None:
    try:
        verify_outcome(instance, outcome)
    except VerificationFailed as failure:
        return str(failure)
    return None


def fixture_document() -> dict:
    doc = joint_document()
    for record in doc["inspectors"][8:]:
        record["max_visits"] = 1  # too few 城管局 places: some visits stay unfilled
    doc["inspectors"][0]["unavailable"] = ["2027-03-02", "2027-03-03"]
    doc["inspectors"].append(inspector(40, "SCJG", qualifications=[]))  # not qualified
    doc["inspectors"].append(inspector(41, "SCJG", certificate_expires="2027-03-15"))  # expires in the window
    doc["entities"].append(entity(999, status="closed"))
    doc["pair_conflicts"] = [{"a": "E001", "b": "E009"}]  # SCJG and CGJ
    return doc


@pytest.fixture(scope="module")
def drawn():
    doc = fixture_document()
    instance = parse_instance(doc)
    outcome = draw(instance).outcome()
    assert outcome["visits"] and outcome["unfilled"]
    return doc, instance, outcome


def test_the_drawn_outcome_passes(drawn, tmp_path):
    doc, instance, outcome = drawn
    assert python_says(instance, outcome) is None
    assert run_js([(doc, instance, outcome)], tmp_path) == [{"first": None, "check": None}]


def tampered(drawn) -> list[tuple[str, dict]]:
    """(what, outcome) pairs, each with one change the CLI finds in steps 4-6."""
    doc, instance, outcome = drawn
    days = [d.isoformat() for d in working_days(instance)]
    out = []
    for n, entry in enumerate(outcome["visits"][:6]):
        for outsider in ("E040", "E041", "E009"):  # not qualified, certificate expired, other department
            mutated = copy.deepcopy(outcome)
            mutated["visits"][n]["team"] = sorted([outsider] + entry["team"][1:])
            out.append((f"visits[{n}] swapped to {outsider}", mutated))
        for day in (days[(days.index(entry["date"]) + 1) % len(days)], "2027-03-06", "2027-03-08", "2027-03-02"):
            if day == entry["date"]:
                continue
            mutated = copy.deepcopy(outcome)
            mutated["visits"][n]["date"] = day
            out.append((f"visits[{n}] moved to {day}", mutated))
        mutated = copy.deepcopy(outcome)
        mutated["visits"][n]["team"] = list(reversed(entry["team"]))
        out.append((f"visits[{n}] team out of order", mutated))
    # Over capacity: a CGJ inspector of capacity 1 on a second visit.
    cgj = [v for v in outcome["visits"] if "CGJ" in v["departments"]]
    if len(cgj) >= 2:
        first_member = next(i for i in cgj[0]["team"] if int(i[1:]) >= 9)
        mutated = copy.deepcopy(outcome)
        target = next(v for v in mutated["visits"] if v["id"] == cgj[1]["id"])
        target["team"] = sorted([first_member] + [i for i in target["team"] if int(i[1:]) < 9 or i == first_member][:0]
                                + [i for i in target["team"] if int(i[1:]) < 9])
        out.append(("over capacity", mutated))
    # E001 on a day of leave; E001 with E002 (a pair conflict).
    for n, entry in enumerate(outcome["visits"]):
        if "E001" in entry["team"]:
            mutated = copy.deepcopy(outcome)
            mutated["visits"][n]["date"] = "2027-03-03" if entry["date"] != "2027-03-03" else "2027-03-02"
            out.append(("on leave", mutated))
            break
    for n, entry in enumerate(outcome["visits"]):  # E001's CGJ partner replaced by E009
        if "E001" in entry["team"] and "E009" not in entry["team"] and entry["departments"] == ["CGJ", "SCJG"]:
            mutated = copy.deepcopy(outcome)
            mutated["visits"][n]["team"] = ["E001", "E009"]
            out.append(("pair conflict", mutated))
            break
    # Stats, an extra member, no stats, a changed reason.
    mutated = copy.deepcopy(outcome)
    mutated["stats"]["load_max"] += 1
    out.append(("stats", mutated))
    mutated = copy.deepcopy(outcome)
    mutated["note"] = "hello"
    out.append(("extra member", mutated))
    mutated = copy.deepcopy(outcome)
    del mutated["stats"]
    out.append(("no stats", mutated))
    if outcome["unfilled"]:
        mutated = copy.deepcopy(outcome)
        mutated["unfilled"][0]["reason"] = "something else"
        out.append(("unfilled reason", mutated))
    return out


def test_tampered_outcomes_are_named_as_the_cli_names_them(drawn, tmp_path):
    doc, instance, outcome = drawn
    cases = tampered(drawn)
    results = run_js([(doc, instance, mutated) for _, mutated in cases], tmp_path)
    compared, seen = 0, set()
    for (what, mutated), result in zip(cases, results, strict=True):
        cli = python_says(instance, mutated)
        assert cli is not None, what
        if cli.split(":")[0].split(".")[-1] == "team" and not what.endswith("out of order"):
            # The CLI's step 5 re-runs team assignment; the JS verifier does not (the
            # optimality certificate will), so it may not see an eligible swap.
            continue
        if what == "unfilled reason":
            # A team-assignment reason is not re-derived by the JS checks.
            assert result["first"] is None or result["first"]["message"] == cli, what
            continue
        assert result["first"] is not None, f"{what}: the CLI says {cli!r}, the JS checks pass"
        assert result["first"]["message"] == cli, what
        assert cli.startswith(result["first"]["path"]), what
        compared += 1
        seen.add(what.split(" ")[-1] if what.startswith("visits[") else what)
    assert compared >= 20
    assert {"E040", "E041", "E009", "order", "over capacity", "on leave", "pair conflict", "stats",
            "extra member", "no stats"} <= seen, seen


def window_has_a_working_day(doc: dict) -> bool:
    try:
        parse_instance(doc)
    except InputError:
        return False
    return True


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(instance_documents())
def test_generated_draws_pass_and_a_moved_date_is_named(doc):
    assume(window_has_a_working_day(doc))
    instance = parse_instance(doc)
    outcome = draw(instance).outcome()
    cases = [(doc, instance, outcome)]
    if outcome["visits"]:
        days = [d.isoformat() for d in working_days(instance)]
        mutated = copy.deepcopy(outcome)
        entry = mutated["visits"][-1]
        entry["date"] = (date.fromisoformat(instance.window_end.isoformat()) + timedelta(days=1)).isoformat() \
            if len(days) == 1 else days[(days.index(entry["date"]) + 1) % len(days)]
        cases.append((doc, instance, mutated))
    with tempfile.TemporaryDirectory() as tmp:
        results = run_js(cases, Path(tmp))
    assert results[0] == {"first": None, "check": None}
    for (_, _, mutated), result in zip(cases[1:], results[1:], strict=True):
        cli = python_says(instance, mutated)
        assert cli is not None
        assert result["first"] is not None and result["first"]["message"] == cli


def test_scheduling_reasons_are_re_derived(tmp_path):
    """Teams whose members share too few days: visits unfilled by scheduling, and the JS
    checks name a changed scheduling reason as the CLI does, in format /2 (codes) and in
    format /1 (texts)."""
    doc = joint_document()
    doc["window"] = {"start": "2027-03-01", "end": "2027-03-05"}
    doc["calendar"] = {"holidays": [], "workdays": []}
    doc["policy"]["daily_visits_per_inspector"] = 1
    doc["inspectors"] = [inspector(1, unavailable=["2027-03-03", "2027-03-04", "2027-03-05"]),
                         inspector(2, unavailable=["2027-03-01", "2027-03-04", "2027-03-05"]),
                         inspector(3, unavailable=["2027-03-01", "2027-03-02"])]
    doc["tasks"] = doc["tasks"][:1]
    instance = parse_instance(doc)
    honest, changed = [], []
    for outcome_format in ("inspect-draw-outcome/3", "inspect-draw-outcome/2", "inspect-draw-outcome/1"):
        outcome = draw(instance, outcome_format=outcome_format).outcome()
        honest.append(outcome)
        reasons = [u["reason"] for u in outcome["unfilled"]]
        scheduling = [k for k, r in enumerate(reasons) if "team (" in str(r)
                      or isinstance(r, dict) and r["code"] in ("no_common_day", "days_fully_booked")]
        assert scheduling, reasons
        n = scheduling[0]
        mutated = copy.deepcopy(outcome)
        # The team stays (the JS checks read it from the reason); the kind of reason changes.
        if isinstance(reasons[n], dict):
            team = reasons[n]["team"]
            mutated["unfilled"][n]["reason"] = (
                {"code": "days_fully_booked", "team": team, "days": 1, "limit": 1}
                if reasons[n]["code"] == "no_common_day" else {"code": "no_common_day", "team": team})
            extra = copy.deepcopy(outcome)
            extra["unfilled"][n]["reason"]["extra"] = 1
            changed.append(extra)
        else:
            team = reasons[n].split("(")[1].split(")")[0]
            mutated["unfilled"][n]["reason"] = (
                f"the team ({team}) is fully booked on all 1 working days on which all of them are available "
                "(at most 1 visits per inspector and day)" if reasons[n].startswith("no working day")
                else f"no working day of the window on which the whole team ({team}) is available")
        changed.append(mutated)
        if outcome["visits"]:
            mutated = copy.deepcopy(outcome)
            mutated["visits"][0]["date"] = ("2027-03-02" if outcome["visits"][0]["date"] != "2027-03-02"
                                            else "2027-03-01")
            changed.append(mutated)
    results = run_js([(doc, instance, o) for o in honest + changed], tmp_path)
    assert [r["first"] for r in results[:len(honest)]] == [None] * len(honest)
    for outcome, js in zip(changed, results[len(honest):], strict=True):
        assert js["first"] is not None and js["first"]["message"] == python_says(instance, outcome)


def test_the_daily_limit_across_visits(tmp_path):
    """One visit a day per inspector: two visits of one inspector moved onto one day are named
    as the CLI names them."""
    doc = joint_document()
    doc["policy"]["daily_visits_per_inspector"] = 1
    doc["tasks"] = doc["tasks"][:1]
    instance = parse_instance(doc)
    outcome = draw(instance).outcome()
    counts: dict[str, list[int]] = {}
    for n, v in enumerate(outcome["visits"]):
        for i in v["team"]:
            counts.setdefault(i, []).append(n)
    inspector_id, visits = next((i, ns) for i, ns in sorted(counts.items()) if len(ns) >= 2)
    mutated = copy.deepcopy(outcome)
    for n in visits[:2]:
        mutated["visits"][n]["date"] = outcome["visits"][visits[0]]["date"]
    cli = python_says(instance, mutated)
    assert "more than the daily limit of 1" in cli
    assert run_js([(doc, instance, outcome), (doc, instance, mutated)], tmp_path) == [
        {"first": None, "check": None}, {"first": {"path": "visits", "message": cli}, "check": "rules"}]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(instance_documents(max_entities=60), st.randoms(use_true_random=False))
def test_crowded_schedules_agree_with_the_solver(doc, rnd):
    """Short windows, one or two visits per inspector and day, much leave: many visits are
    unfilled by scheduling; the JS checks accept the draw and name a moved date as the CLI does."""
    doc["policy"]["daily_visits_per_inspector"] = rnd.choice([1, 1, 2])
    start, end = date.fromisoformat(doc["window"]["start"]), date.fromisoformat(doc["window"]["end"])
    days = [(start + timedelta(days=k)).isoformat() for k in range((end - start).days + 1)]
    for record in doc["inspectors"]:
        record["unavailable"] = sorted(rnd.sample(days, rnd.randint(0, len(days) - 1)))
        record["max_visits"] = rnd.choice([3, 5, 8, 30])
    assume(window_has_a_working_day(doc))
    instance = parse_instance(doc)
    outcome = draw(instance).outcome()
    cases = [(doc, instance, outcome)]
    working = [d.isoformat() for d in working_days(instance)]
    for n, entry in enumerate(outcome["visits"][:2]):
        mutated = copy.deepcopy(outcome)
        mutated["visits"][n]["date"] = working[(working.index(entry["date"]) + 1) % len(working)]
        if mutated != outcome:
            cases.append((doc, instance, mutated))
    with tempfile.TemporaryDirectory() as tmp:
        results = run_js(cases, Path(tmp))
    for (_, _, found), result in zip(cases, results, strict=True):
        cli = python_says(instance, found)
        assert (result["first"] and result["first"]["message"]) == cli


def test_too_few_eligible_reasons_are_recomputed(tmp_path):
    """Format /2: the JS checks recompute every too_few_eligible reason (counts per rule of
    7.1) and name a changed one as the CLI does; a format /1 text is not checked."""
    fixtures = Path(__file__).resolve().parents[1] / "solver" / "fixtures"
    doc = json.loads((fixtures / "v1-joint.instance.json").read_text(encoding="utf-8"))
    doc["inspectors"].append(inspector(50, "CGJ", active=False))
    instance = parse_instance(doc)
    result = draw(instance)
    outcome = result.outcome()
    short = [n for n, u in enumerate(outcome["unfilled"]) if u["reason"]["code"] == "too_few_eligible"]
    assert short, outcome["unfilled"]
    n = short[0]
    reason = outcome["unfilled"][n]["reason"]
    assert sum(reason["departments"][0]["dropped"].values()) >= 5  # several rules at once

    def changed(change) -> dict:
        mutated = copy.deepcopy(outcome)
        change(mutated["unfilled"][n]["reason"])
        return mutated

    first_rule = next(iter(reason["departments"][0]["dropped"]))
    mutations = [
        changed(lambda r: r["departments"][0]["dropped"].update({first_rule: r["departments"][0]["dropped"][first_rule] + 1})),
        changed(lambda r: r["departments"][0]["dropped"].update({"local_supervisor": 1})),
        changed(lambda r: r["departments"][0].update(eligible=r["departments"][0]["eligible"] + 1)),
        changed(lambda r: r["departments"][0].update(qualifications=[])),
        changed(lambda r: r.update(code="capacity")),
        changed(lambda r: r.update(departments=[])),
        changed(lambda r: r["departments"][0].update(members=99)),
    ]
    cases = [(doc, instance, outcome), (doc, instance, draw(instance, outcome_format="inspect-draw-outcome/1").outcome())]
    cases += [(doc, instance, m) for m in mutations]
    results = run_js(cases, tmp_path)
    assert results[0] == results[1] == {"first": None, "check": None}
    for mutated, js in zip(mutations, results[2:], strict=True):
        cli = python_says(instance, mutated)
        assert cli is not None and cli.startswith(f"unfilled[{n}].reason")
        assert js == {"first": {"path": cli.split(": ", 1)[0], "message": cli}, "check": "unfilled_reasons"}, (cli, js)
