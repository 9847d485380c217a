"""acceptance.js decides which visits team assignment accepts (draw protocol
7.2) with a maximum flow, as ``python -m solver verify`` decides it by
re-solving: on a draw with visits unfilled for capacity, both verifiers accept
the outcome, and name alike a refused visit passed off as accepted, an
accepted visit passed off as refused, and a capacity reason naming another
department."""

from __future__ import annotations

import copy
import itertools
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from solver.draw import draw
from solver.errors import VerificationFailed
from solver.instance import parse_instance
from solver.verify import verify_outcome
from tests.solver.examples import joint_document

ROOT = Path(__file__).resolve().parents[2]
RUNNER = ROOT / "tests" / "verifier" / "verify_js.mjs"
NODE = shutil.which("node")


def _short_handed() -> dict:
    """The joint instance with six CGJ inspectors of capacity 1: CGJ cannot
    staff every visit, SCJG can."""
    doc = joint_document()
    for inspector in doc["inspectors"]:
        if inspector["department"] == "CGJ":
            inspector["max_visits"] = 1
    for inspector in doc["inspectors"][-2:]:
        inspector["active"] = False
    return doc


def _rejection(instance, outcome: dict) -> str:
    try:
        verify_outcome(instance, outcome)
    except VerificationFailed as failure:
        return str(failure)
    return ""


def _js(tmp_path: Path, doc: dict, outcome: dict, name: str) -> tuple[int, dict]:
    instance_path, outcome_path = tmp_path / "instance.json", tmp_path / f"{name}.json"
    instance_path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    outcome_path.write_text(json.dumps(outcome, ensure_ascii=False), encoding="utf-8")
    done = subprocess.run([NODE, str(RUNNER), str(instance_path), str(outcome_path)], capture_output=True, text=True,
                          timeout=120, check=False)
    return done.returncode, json.loads(done.stdout)


def test_both_verifiers_decide_acceptance_alike(tmp_path):
    doc = _short_handed()
    instance = parse_instance(copy.deepcopy(doc))
    outcome = draw(instance).outcome()
    over = [n for n, u in enumerate(outcome["unfilled"]) if u["reason"]["code"] == "capacity"]
    assert over and outcome["visits"], outcome["stats"]
    code, report = _js(tmp_path, doc, outcome, "drawn")
    status = {c["id"]: c["status"] for c in report["checks"]}
    assert code == 0 and status["acceptance"] == "passed" and status["unfilled_reasons"] == "passed", report

    first = outcome["unfilled"][over[0]]
    called_staffed = copy.deepcopy(outcome)
    called_staffed["unfilled"][over[0]]["reason"] = {"code": "no_common_day", "team": ["E001", "E009"]}
    staffed = outcome["visits"][-1]
    called_refused = copy.deepcopy(outcome)
    called_refused["visits"].remove(staffed)
    refusal = {"code": "capacity", "department": staffed["departments"][0], "needed": 2, "eligible": 8}
    called_refused["unfilled"] = sorted(called_refused["unfilled"] + [
        {"id": staffed["id"], "uscc": staffed["uscc"], "tasks": staffed["tasks"], "reason": refusal}],
        key=lambda u: u["id"])
    called_refused["certificate"]["flow_teams"][staffed["id"]] = staffed["team"]  # the certificate still holds
    other_department = copy.deepcopy(outcome)
    other_department["unfilled"][over[0]]["reason"]["department"] = "SCJG"
    cases = {
        "called staffed": (called_staffed, "acceptance",
                           f"unfilled[{over[0]}].reason: {first['id']} is not accepted (section 7.2): the places of "
                           f"{first['reason']['department']} cannot all be filled together with those of the visits "
                           "accepted before it"),
        "called refused": (called_refused, "acceptance",
                           f"unfilled[{[u['id'] for u in called_refused['unfilled']].index(staffed['id'])}].reason: "
                           f"{staffed['id']} is accepted "
                           "(section 7.2): its places can all be filled together with those of the visits accepted "
                           "before it"),
        "other department": (other_department, "unfilled_reasons",
                             f"unfilled[{over[0]}].reason.department: expected "
                             f"{first['reason']['department']}, found SCJG"),
    }
    for name, (mutated, check, message) in cases.items():
        with pytest.raises(VerificationFailed) as caught:
            verify_outcome(instance, mutated)
        code, report = _js(tmp_path, doc, mutated, name.replace(" ", "-"))
        assert code == 1 and report["first"]["message"] == str(caught.value), (name, report["first"], caught.value)
        assert str(caught.value) == message, name
        assert {c["id"]: c["status"] for c in report["checks"]}[check] == "failed", name


def test_both_verifiers_remake_the_pair_conflict_repairs(tmp_path):
    """The scheduling fixture (pair conflicts, repaired and given-up teams,
    capacity and no-common-day reasons): the JS verifier makes the swaps of 7.4
    again from the certified flow teams and checks every team, date and
    reason; a repaired team replaced by another that keeps the rules, and a
    pair-conflict reason naming another pair, are named as the CLI names them."""
    from solver.instance import load_document

    source = ROOT / "tests" / "solver" / "fixtures" / "v1-sched.instance.json"
    doc = load_document(str(source))
    instance = parse_instance(copy.deepcopy(doc))
    outcome = draw(instance).outcome()
    flow_teams = outcome["certificate"]["flow_teams"]
    repaired = next(n for n, v in enumerate(outcome["visits"]) if v["id"] in flow_teams)
    given_up = next(n for n, u in enumerate(outcome["unfilled"]) if u["reason"]["code"] == "pair_conflict")
    code, report = _js(tmp_path, doc, outcome, "drawn")
    status = {c["id"]: c["status"] for c in report["checks"]}
    assert code == 0 and status["schedule"] == status["unfilled_reasons"] == "passed", report
    team = outcome["visits"][repaired]["team"]
    other_team = None
    for a, b in itertools.combinations(sorted(i.id for i in instance.inspectors), 2):
        changed = copy.deepcopy(outcome)
        changed["visits"][repaired]["team"] = [a, b]
        if [a, b] != team and _rejection(instance, changed).startswith(f"visits[{repaired}].team: "):
            other_team = changed  # another team that keeps every rule (7.1, 7.4, dates)
            break
    assert other_team is not None
    found = ", ".join(other_team["visits"][repaired]["team"])
    other_pair = copy.deepcopy(outcome)
    other_pair["unfilled"][given_up]["reason"]["inspectors"] = ["E001", "E003"]
    for name, mutated, check, message in (
            ("other team", other_team, "schedule",
             f"visits[{repaired}].team: expected [{', '.join(team)}], found [{found}]"),
            ("other pair", other_pair, "unfilled_reasons",
             f"unfilled[{given_up}].reason.inspectors: expected [E001, E002], found [E001, E003]")):
        with pytest.raises(VerificationFailed) as caught:
            verify_outcome(instance, mutated)
        assert str(caught.value) == message, name
        code, report = _js(tmp_path, doc, mutated, name.replace(" ", "-"))
        assert code == 1 and report["first"]["message"] == message, (name, report["first"])
        assert {c["id"]: c["status"] for c in report["checks"]}[check] == "failed", name


def test_a_flow_team_for_a_refused_visit_is_named_by_both(tmp_path):
    """A flow team given to a visit 7.2 refuses would add its place to the flow
    the certificate proves (section 7.5): step 7 of both verifiers names it,
    as run on its own (the certificate check of a whole verification usually
    fails first, with the same words in both)."""
    from solver.draw import instance_seed
    from solver.sampling import sample
    from solver.verify import _check_acceptance
    from solver.visits import merge_samples

    doc = _short_handed()
    instance = parse_instance(copy.deepcopy(doc))
    outcome = draw(instance).outcome()
    refused = next(u for u in outcome["unfilled"] if u["reason"]["code"] == "capacity")
    forged = copy.deepcopy(outcome)
    forged["certificate"]["flow_teams"][refused["id"]] = ["E001", "E009"]
    visits = merge_samples(instance, sample(instance, instance_seed(instance)))
    message = (f"certificate.flow_teams.{refused['id']}: {refused['id']} is not accepted (section 7.2), so it has "
               "no flow team (section 7.5)")
    _check_acceptance(outcome, outcome, visits)
    with pytest.raises(VerificationFailed) as caught:
        _check_acceptance(outcome, forged, visits)
    assert str(caught.value) == message
    expected = [{"id": v.id, "uscc": v.uscc, "tasks": list(v.tasks), "departments": list(v.departments),
                 "priority": [v.priority >> 32, v.priority & 0xFFFFFFFF]} for v in visits]
    path = tmp_path / "cases.json"
    path.write_text(json.dumps([{"instance": doc, "outcome": o, "visitsExpected": expected}
                                for o in (outcome, forged)], ensure_ascii=False), encoding="utf-8")
    done = subprocess.run([NODE, str(ROOT / "tests" / "verifier" / "js" / "run_acceptance.mjs"), str(path)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    honest, caught_js = json.loads(done.stdout)
    assert honest is None and caught_js["message"] == message, (honest, caught_js)
