"""certificate.js's check of the potential levels (draw protocol 7.5) gives
the same verdict and message as solver.certificate on the forced-tie flows of
tests/solver/test_certificate.py: a tie refused at level 0, broken at level 1,
and tampered potentials and members."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from solver import certificate
from solver.certificate import Place, break_ties, check
from tests.solver.test_certificate import CAPS, tie_places, with_levels

ROOT = Path(__file__).resolve().parents[2]
RUNNER = ROOT / "tests" / "verifier" / "js" / "certificate_levels.mjs"
NODE = shutil.which("node")


def _verify_js(tmp_path: Path, instance_path: Path, name: str, outcome: dict) -> subprocess.CompletedProcess:
    """verify_js.mjs on the instance file and ``outcome`` (written as ``name``.json)."""
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(outcome, ensure_ascii=False), encoding="utf-8")
    return subprocess.run([NODE, str(ROOT / "tests" / "verifier" / "verify_js.mjs"), str(instance_path), str(path)],
                          capture_output=True, text=True, timeout=120, check=False)


def _js_place(place: Place, levels: int) -> dict:
    costs = [list(c) for c in place.costs] + [[0] * len(place.eligible)] * (levels - len(place.costs))
    return {"name": place.name, "eligible": list(place.eligible), "members": list(place.members), "costs": costs}


def cases() -> list[tuple[str, list[Place], dict[str, int], list[dict[str, int]]]]:
    solved = with_levels(tie_places("a"), 1)
    pi = certificate.shortest_potentials(["a", "b", certificate.SINK], certificate.moves(solved, CAPS, 0))
    assert isinstance(pi, dict)
    levels = break_ties(solved, CAPS, pi, with_levels)
    other = with_levels(tie_places("a"), 1)
    raised = [dict(levels[0], a=levels[0]["a"] + 1), levels[1]]
    return [
        ("broken tie", solved, CAPS, levels),
        ("tie with level 0 only", tie_places("a"), CAPS, [pi]),
        ("the other optimum", other, CAPS, levels),
        ("raised potential", solved, CAPS, raised),
        ("dropped potential", solved, CAPS, [{"b": levels[0]["b"]}, levels[1]]),
        ("one level too many", solved, CAPS, [*levels, {}]),
        ("members swapped for a costlier one", [Place("P1", "U1", ("a", "b"), ("b",), ((5, 9),))],
         {"a": 1, "b": 1}, [{"a": -certificate.BIG, "b": -certificate.BIG + 4}]),
    ]


def test_javascript_and_python_agree_on_the_levels(tmp_path):
    chosen = cases()
    path = tmp_path / "levels.json"
    path.write_text(json.dumps([{"places": [_js_place(p, len(levels)) for p in places], "caps": caps, "levels": levels}
                                for _, places, caps, levels in chosen]))
    done = subprocess.run([NODE, str(RUNNER), str(path)], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    verdicts = {}
    for (name, places, caps, levels), js in zip(chosen, results, strict=True):
        python = check(places, caps, levels)
        assert (js and js["message"]) == python, name
        verdicts[name] = python
    assert verdicts["broken tie"] is None
    assert verdicts["tie with level 0 only"].startswith("certificate.levels[1]: the optimum of level 0 is not unique")
    assert all(verdicts[name] for name in verdicts if name != "broken tie")


def test_tampered_certificates_and_teams_are_named_by_both_verifiers(tmp_path):
    """A raised or dropped potential, a removed certificate and a rule-abiding
    swap on the verify tests' joint draw: the JS verifier fails its teams check
    with the CLI's message."""
    import copy

    from solver.draw import draw
    from solver.errors import VerificationFailed
    from solver.instance import parse_instance
    from solver.verify import verify_outcome
    from tests.solver.examples import joint_document

    doc = joint_document()
    instance = parse_instance(copy.deepcopy(doc))
    outcome = draw(instance).outcome()
    member = outcome["visits"][0]["team"][0]
    tampered = {}
    raised = copy.deepcopy(outcome)
    raised["certificate"]["levels"][0][member] += 2**41
    tampered["raised"] = raised
    dropped = copy.deepcopy(outcome)
    del dropped["certificate"]["levels"][0][member]
    tampered["dropped"] = dropped
    removed = copy.deepcopy(outcome)
    del removed["certificate"]
    tampered["removed"] = removed
    department = {i.id: i.department for i in instance.inspectors}
    for n, entry in enumerate(outcome["visits"]):
        for other in sorted(i.id for i in instance.inspectors if department[i.id] == department[entry["team"][0]]):
            if other in entry["team"]:
                continue
            swapped = copy.deepcopy(outcome)
            swapped["visits"][n]["team"] = sorted([other] + entry["team"][1:])
            try:
                verify_outcome(instance, swapped)
            except VerificationFailed as failure:
                if str(failure).startswith("certificate."):
                    tampered["swap"] = swapped
                    break
        if "swap" in tampered:
            break
    assert set(tampered) == {"raised", "dropped", "removed", "swap"}
    instance_path = tmp_path / "instance.json"
    instance_path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    runner = ROOT / "tests" / "verifier" / "verify_js.mjs"
    for name, mutated in tampered.items():
        with pytest.raises(VerificationFailed) as caught:
            verify_outcome(instance, mutated)
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(mutated, ensure_ascii=False), encoding="utf-8")
        done = subprocess.run([NODE, str(runner), str(instance_path), str(path)], capture_output=True, text=True,
                              timeout=120, check=False)
        assert done.returncode == 1, (name, done.stderr)
        report = json.loads(done.stdout)
        assert report["first"]["message"] == str(caught.value), name
        assert report["first"]["message"].startswith("certificate"), name
        assert {c["id"]: c["status"] for c in report["checks"]}["teams"] == "failed", name


def test_flow_teams_of_repaired_and_undated_visits_are_checked_by_both(tmp_path):
    """The scheduling fixture (pair conflicts and visits without a common day):
    the certificate lists their flow teams (7.5), both verifiers accept the
    draw and name a flow team changed to an ineligible one."""
    import copy

    from solver.draw import draw
    from solver.errors import VerificationFailed
    from solver.instance import load_document, parse_instance
    from solver.verify import verify_outcome

    source = ROOT / "tests" / "solver" / "fixtures" / "v1-sched.instance.json"
    instance = parse_instance(load_document(str(source)))
    outcome = draw(instance).outcome()
    flow_teams = outcome["certificate"]["flow_teams"]
    unfilled = {u["id"]: u["reason"]["code"] for u in outcome["unfilled"]}
    assert flow_teams and {unfilled.get(v) for v in flow_teams} >= {"pair_conflict", "no_common_day"}
    visit = sorted(flow_teams)[0]
    changed = copy.deepcopy(outcome)
    changed["certificate"]["flow_teams"][visit] = ["E001"]
    with pytest.raises(VerificationFailed) as caught:
        verify_outcome(instance, changed)
    assert str(caught.value).startswith(f"certificate.flow_teams.{visit}: not 2 candidates of ")
    for name, document, code in (("drawn", outcome, 0), ("changed", changed, 1)):
        done = _verify_js(tmp_path, source, name, document)
        assert done.returncode == code, (name, done.stdout[-2000:])
        if code:
            assert json.loads(done.stdout)["first"]["message"] == str(caught.value)


def test_bounded_candidate_sets_are_derived_alike_by_both_verifiers(tmp_path):
    """Pools of 40 and 24 inspectors (tests/solver/fixtures/v2-wide): format /3
    offers each place 16 candidates drawn from the seed (7.3). Both verifiers
    accept the /3 draw and the sealed /2 outcome (every eligible inspector a
    candidate), and name a team member who is eligible but not a candidate,
    and a widened bound that is no power-of-two multiple of 16."""
    import copy

    from solver.assign import RandomCost
    from solver.draw import draw
    from solver.errors import VerificationFailed
    from solver.instance import load_document, parse_instance
    from solver.sampling import sample
    from solver.teams import build_requests
    from solver.verify import verify_outcome
    from solver.visits import merge_samples

    fixtures = ROOT / "tests" / "solver" / "fixtures"
    source = fixtures / "v2-wide.instance.json"
    instance = parse_instance(load_document(str(source)))
    sealed = json.loads((fixtures / "v2-wide.outcome.json").read_text(encoding="utf-8"))
    outcome = draw(instance).outcome()
    assert outcome["format"] == "inspect-draw-outcome/3" and outcome["certificate"]["widened"] == {}
    seed = bytes.fromhex(outcome["seed"])
    by_id = {v.id: v for v in merge_samples(instance, sample(instance, seed))}
    entry = outcome["visits"][0]
    request = build_requests(instance, [by_id[entry["id"]]])[0]
    slot = next(s for s in request.slots if len(s.eligible) > 16)
    offered = RandomCost(seed).candidates(entry["uscc"], slot.department, slot.eligible, 16)
    outsider = next(i for i in slot.eligible if i not in offered)
    member = next(i for i in entry["team"] if i in offered)
    changed = copy.deepcopy(outcome)
    changed["visits"][0]["team"] = sorted({outsider} | set(entry["team"]) - {member})
    widened = copy.deepcopy(outcome)
    widened["certificate"]["widened"] = {f"{entry['id']} {slot.department}": 24}
    for name, document, code in (("drawn", outcome, 0), ("sealed /2", sealed, 0), ("outsider", changed, 1),
                                 ("widened", widened, 1)):
        if code:
            with pytest.raises(VerificationFailed) as caught:
                verify_outcome(instance, document)
            message = str(caught.value)
            assert message.startswith("certificate"), (name, message)
        else:
            verify_outcome(instance, document)
        _js_agrees_on_the_teams(tmp_path, source, name, document, message if code else None)


def test_a_widened_part_is_read_alike_by_both_verifiers(tmp_path):
    """The saturated instance of tests/solver/test_candidates.py: its one part
    widens to 32 candidates. Both verifiers accept the draw and name the same
    problem when `widened` is dropped."""
    import copy

    from test_candidates import _saturated

    from solver.draw import draw
    from solver.errors import VerificationFailed
    from solver.instance import parse_instance
    from solver.verify import verify_outcome

    doc = _saturated()
    instance = parse_instance(copy.deepcopy(doc))
    outcome = draw(instance).outcome()
    assert outcome["certificate"]["widened"] == {"V00001 SCJG": 32}
    dropped = copy.deepcopy(outcome)
    dropped["certificate"]["widened"] = {}
    with pytest.raises(VerificationFailed) as caught:
        verify_outcome(instance, dropped)
    source = tmp_path / "instance.json"
    source.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    _js_agrees_on_the_teams(tmp_path, source, "drawn", outcome, None)
    _js_agrees_on_the_teams(tmp_path, source, "dropped", dropped, str(caught.value))


def _js_agrees_on_the_teams(tmp_path, source, name: str, document: dict, message: str | None) -> None:
    """The JS verifier passes the teams check of ``document`` (``message`` None)
    or fails it first with ``message``, the CLI's."""
    path = tmp_path / f"{name.replace(' ', '-').replace('/', '')}.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    runner = ROOT / "tests" / "verifier" / "verify_js.mjs"
    done = subprocess.run([NODE, str(runner), str(source), str(path)], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == (0 if message is None else 1), (name, done.stdout[-2000:])
    report = json.loads(done.stdout)
    assert {c["id"]: c["status"] for c in report["checks"]}["teams"] == ("passed" if message is None else "failed")
    if message is not None:
        assert report["first"]["message"] == message, name


def test_a_part_that_should_have_widened_is_named_by_both_verifiers(tmp_path, monkeypatch):
    """A draw whose part stopped at K = 16 though a trade with an eligible
    non-candidate would balance it better (7.3): its certificate holds, and
    both verifiers name the part, the place and the trade without solving;
    the honest draw (widened to 64) passes both."""
    from solver.draw import draw
    from solver.errors import VerificationFailed
    from solver.instance import parse_instance
    from solver.verify import verify_outcome
    from tests.solver.test_candidates import _one_big_inspector, unwidened_outcome

    doc = _one_big_inspector()
    instance = parse_instance(doc)
    outcome = draw(instance).outcome()
    unwidened = unwidened_outcome(instance, monkeypatch)
    with pytest.raises(VerificationFailed) as caught:
        verify_outcome(instance, unwidened)
    assert str(caught.value).startswith("certificate.widened.V00001 SCJG: the part should have widened")
    instance_path = tmp_path / "instance.json"
    instance_path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    for name, document, code in (("drawn", outcome, 0), ("unwidened", unwidened, 1)):
        done = _verify_js(tmp_path, instance_path, name, document)
        assert done.returncode == code, (name, done.stdout[-2000:], done.stderr[-2000:])
        report = json.loads(done.stdout)
        assert {c["id"]: c["status"] for c in report["checks"]}["teams"] == ("failed" if code else "passed"), name
        if code:
            assert report["first"]["message"] == str(caught.value)
