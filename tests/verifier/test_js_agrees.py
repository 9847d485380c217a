"""The JavaScript verifier (inspect_app/static/verify/) and ``python -m solver
verify`` agree on every outcome of a deterministic corpus and on tampered
copies of each: the same verdict (exit 0 / 1 / 2) and, for a rejection, the
same first discrepancy (path and message).

The corpus: instances from the property tests' generator (tests/solver/
strategies.py, derandomised), the hand-written joint instance of the verify
tests and a synthetic registry. Each is drawn by the Python solver, then
checked as drawn (with and without its register file) and tampered with: the
mutations of tests/solver/test_properties.py, a same-department inspector
swap, a changed sample entity, register values that differ, a consistent
forgery (an entity deleted and the instance redrawn, caught only by the
register's frozen digest), and unreadable documents.

Where Python's first discrepancy lies in a check the JavaScript verifier does
not make (the teams are checked from the optimality certificate of 7.5, the
pair-conflict repairs of 7.4 made again from its flow teams, which visits are
accepted decided with a maximum flow; whether a widened candidate bound was
needed is not checked), the JavaScript report must say that check was not made,
and its own first discrepancy, if any, must come from a later check. Those
cases are counted and printed, not hidden.
"""

from __future__ import annotations

import contextlib
import copy
import gc
import io
import json
import shutil
import subprocess
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings

import solver.cli as cli
import solver.verify as pyverify
from solver.canonical import canonical_json, commitment, input_and_frozen_digest, result_digest
from solver.draw import draw
from solver.instance import parse_instance
from tests.solver.examples import entity, joint_document
from tests.solver.strategies import instance_documents
from tests.solver.synthetic import make_instance
from tests.solver.test_properties import _mutations

NODE = shutil.which("node")
RUNNER = Path(__file__).with_name("verify_js.mjs")
GENERATED = 36  # instances from the property tests' generator
CHECKS = ["register", "header", "samples", "visits", "rules", "teams", "acceptance", "schedule",
          "unfilled_reasons", "stats"]
# Python's step 5 compares the visits (teams and dates) and unfilled entries in one
# pass, visit by visit: the JS checks of teams, dates and unfilled reasons share a rank.
RANK = {check: n for n, check in enumerate(CHECKS)} | {"acceptance": 5, "schedule": 5, "unfilled_reasons": 5}
HEADER = ("format", "draw_id", "input_digest", "commitment", "seed")
VERDICT = {0: "verified", 1: "not_verified", 2: "unreadable"}



def generated_documents(n: int = GENERATED) -> list[dict]:
    found: list[dict] = []

    @settings(max_examples=n, derandomize=True, database=None, deadline=None,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(instance_documents())
    def collect(doc):
        found.append(copy.deepcopy(doc))

    collect()
    return found


def corpus() -> list[tuple[str, dict]]:
    docs = [(f"generated-{n}", doc) for n, doc in enumerate(generated_documents())]
    joint = joint_document()
    for inspector in joint["inspectors"][8:]:
        inspector["max_visits"] = 1  # some visits stay unfilled
    joint["entities"].append(entity(999, status="closed"))
    docs.append(("joint", joint))
    independent = copy.deepcopy(joint)
    independent["policy"]["coordinated_sampling"] = False
    docs.append(("joint-independent", independent))
    docs.append(("synthetic-1500", make_instance(1500, seed=7)))
    edges = edge_document()
    docs.append(("edges", edges))
    edges_independent = copy.deepcopy(edges)
    edges_independent["policy"]["coordinated_sampling"] = False
    docs.append(("edges-independent", edges_independent))
    proto = copy.deepcopy(edges)  # names that are special to JavaScript objects
    proto["tasks"][0]["id"] = "__proto__"
    proto["tasks"][1]["list_ratio"] = {"__proto__": 0.5, "constructor": 0.3}
    proto["entities"][105]["lists"] = ["__proto__", "constructor"]
    proto["entities"][104]["lists"] = ["constructor", "toString"]
    docs.append(("edges-proto", proto))
    return docs


def edge_document() -> dict:
    """Exact decimal sample sizes (ceil(0.07 x 100) = 7), a recent check on the
    boundary day, tied list ratios, a float 1.0 and an integer 0 ratio, a
    non-ASCII task id, draw id and entropy."""
    doc = joint_document()
    doc["draw_id"] = "2027-😀-01"
    doc["external_entropy"] = "公证员 ⚀⚁"
    doc["entities"] = [entity(n, risk="B") for n in range(100)] + [
        entity(100 + n, risk="A", lists=["serious", "abnormal"][: 1 + n % 2]) for n in range(12)]
    doc["entities"][0]["last_checks"] = [{"department": "SCJG", "date": "2026-03-01"}]  # 365 days
    doc["entities"][1]["last_checks"] = [{"department": "SCJG", "date": "2026-02-28"}]
    doc["tasks"] = [
        {"id": "T1", "department": "SCJG", "items": ["SCJG-01"], "ratio": {"B": 0.07}},
        {"id": "任务二", "department": "CGJ", "items": ["CGJ-01"], "ratio": {"A": 1.0, "B": 0},
         "list_ratio": {"abnormal": 0.25, "serious": 0.25}},
        {"id": "T3", "department": "SCJG", "participating": ["CGJ"], "items": ["SCJG-01", "CGJ-01"],
         "count": 5, "filter": {"risks": ["A"]}},
    ]
    return doc


def register_doc(doc: dict, outcome: dict | None) -> dict:
    """The register file of a drawn instance (result_digest null before sealing)."""
    digest, frozen = input_and_frozen_digest(doc)
    return {"format": "inspect-register/1", "code": doc["draw_id"], "parent_code": None,
            "frozen_digest": frozen.hex(), "commitment": commitment(bytes.fromhex(doc["secret"])).hex(),
            "external_entropy": doc["external_entropy"], "input_digest": digest.hex(),
            "result_digest": None if outcome is None else result_digest(outcome).hex(),
            "state": "sealed" if outcome is not None else "drawn", "revealed": True}


class Jobs:
    """The files of every run, written under one directory."""

    def __init__(self, root: Path) -> None:
        self.root, self.jobs, self.count = root, [], 0

    def file(self, content: object, raw: bool = False) -> str:
        self.count += 1
        path = self.root / f"{self.count:05d}.json"
        if raw:
            path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        elif isinstance(content, dict) and str(content.get("format")).startswith("inspect-draw-outcome/"):
            path.write_bytes(canonical_json(content) + b"\n")  # as `solver draw` writes it
        else:  # instance and register files in an ordinary layout
            path.write_text(json.dumps(content, ensure_ascii=False, indent=1), encoding="utf-8")
        return str(path)

    def add(self, name: str, kind: str, instance: str, outcome: object, register: object = None,
            honest: dict | None = None, raw: bool = False) -> None:
        out = self.file(outcome, raw) if not isinstance(outcome, str) or raw else outcome
        reg = None if register is None else register if isinstance(register, str) else self.file(register)
        self.jobs.append({"name": name, "kind": kind, "instance": instance, "outcome": out,
                          "register": reg, "honest": honest, "mutated": None if raw else outcome})


def changed_outcomes(instance, outcome: dict):
    """(what, tampered copy) of an outcome: the property tests' mutations, a
    same-department swap, a changed sample entity, changed unfilled entries
    and values of the wrong type or shape."""
    seen = set()
    for kind, mutate in _mutations(instance, outcome):
        if kind not in seen or kind in ("swap inspector", "move date"):
            seen.add(kind)
            yield kind, _changed(outcome, mutate)
    departments = {i.id: i.department for i in instance.inspectors}
    for n, visit in enumerate(outcome["visits"][:3]):  # a colleague of the same department
        spare = [i.id for i in instance.inspectors if departments[i.id] == departments[visit["team"][0]]
                 and i.id not in visit["team"]]
        if spare:
            yield "swap within department", _changed(outcome, _set(("visits", n, "team"),
                                                                   sorted(visit["team"][1:] + [spare[-1]])))
    sampled = {u for s in outcome["samples"].values() for u in s}
    strangers = [e.uscc for e in instance.entities if e.uscc not in sampled]
    task = next((t for t, sample in outcome["samples"].items() if sample), None)
    if task and strangers:
        yield "changed sample entity", _changed(outcome, _set(("samples", task, 0), strangers[0]))
    if outcome["unfilled"]:
        yield "changed unfilled reason", _changed(outcome, _set(("unfilled", 0, "reason"), "no inspectors were free"))
    short = [n for n, u in enumerate(outcome["unfilled"])
             if isinstance(u["reason"], dict) and u["reason"]["code"] == "too_few_eligible"]
    if short:  # counts the JS verifier recomputes (9.1)
        entry = outcome["unfilled"][short[0]]["reason"]["departments"][0]
        yield "changed eligible count", _changed(outcome, _set(("unfilled", short[0], "reason", "departments", 0,
                                                                 "eligible"), entry["eligible"] + 1))
        yield "shortage called capacity", _changed(outcome, _set(("unfilled", short[-1], "reason", "code"), "capacity"))
    if outcome["visits"]:
        yield "staffed visit declared unfilled", _changed(outcome, _declare_unfilled)
        yield "staffed visit declared over capacity", _changed(outcome, _declare_over_capacity)
    over = [n for n, u in enumerate(outcome["unfilled"])
            if isinstance(u["reason"], dict) and u["reason"]["code"] == "capacity"]
    if over:  # which visits 7.2 accepts, and their reasons, decided by the JS verifier with a maximum flow
        yield "capacity reason of another department", _changed(outcome, _set(
            ("unfilled", over[0], "reason", "department"), outcome["unfilled"][over[0]]["reason"]["department"] + "X"))
        yield "capacity called a pair conflict", _changed(outcome, _set(
            ("unfilled", over[-1], "reason"), {"code": "pair_conflict", "inspectors": ["E001", "E002"]}))
    yield from certificate_tampers(outcome)
    for kind, change in STRUCTURAL:
        try:
            yield kind, _changed(outcome, change)
        except (IndexError, KeyError, StopIteration):
            continue  # not applicable to this outcome


def certificate_tampers(outcome: dict):
    """The optimality certificate (7.5) removed, a potential changed or
    dropped, a bogus flow team."""
    if "certificate" not in outcome:
        return
    yield "certificate removed", _changed(outcome, lambda doc: doc.pop("certificate"))
    level = outcome["certificate"]["levels"][0]
    busy = sorted({i for v in outcome["visits"] for i in v["team"]} & set(level))
    if busy:  # a member's potential raised past its balance bound: a sink move turns negative
        yield "potential raised", _changed(outcome, _set(("certificate", "levels", 0, busy[0]), level[busy[0]] + 2**41))
        yield "potential dropped", _changed(outcome, lambda doc: doc["certificate"]["levels"][0].pop(busy[0]))
    if outcome["visits"]:
        yield "bogus flow team", _changed(outcome, _set(("certificate", "flow_teams", outcome["visits"][0]["id"]), ["NOPE"]))
    yield "extra level", _changed(outcome, lambda doc: doc["certificate"]["levels"].append({}))


def _changed(outcome: dict, change) -> dict:
    mutated = copy.deepcopy(outcome)
    change(mutated)
    return mutated


def _declare_unfilled(outcome: dict) -> None:
    visit = outcome["visits"].pop(0)
    unfilled = {k: visit[k] for k in ("id", "uscc", "tasks")} | {"reason": "no team could be formed"}
    outcome["unfilled"] = sorted(outcome["unfilled"] + [unfilled], key=lambda v: v["id"])


def _declare_over_capacity(outcome: dict) -> None:
    """The last visit staffed declared unfilled for capacity, in a well-formed reason."""
    visit = max(outcome["visits"], key=lambda v: v["id"])
    outcome["visits"].remove(visit)
    reason = {"code": "capacity", "department": visit["departments"][0], "needed": 1, "eligible": 1}
    unfilled = {k: visit[k] for k in ("id", "uscc", "tasks")} | {"reason": reason}
    outcome["unfilled"] = sorted(outcome["unfilled"] + [unfilled], key=lambda v: v["id"])


def tampers(name: str, doc: dict, jobs: Jobs) -> None:
    """The runs of one instance: as drawn, tampered outcomes, register values
    that differ, a consistent forgery and unreadable documents."""
    instance = parse_instance(copy.deepcopy(doc))
    outcome = draw(instance).outcome()
    inst = jobs.file(doc)
    drawn_register = register_doc(doc, None)  # what was public while the outcome was under review
    sealed = jobs.file(register_doc(doc, outcome))
    jobs.add(name, "as drawn, sealed register", inst, outcome, sealed, outcome)
    jobs.add(name, "as drawn, no register", inst, outcome, None, outcome)
    jobs.add(name, "as drawn, register before sealing", inst, outcome, drawn_register, outcome)
    for kind, mutated in changed_outcomes(instance, outcome):
        jobs.add(name, kind, inst, mutated, drawn_register, outcome)
    tampered = _changed(outcome, _set(("stats", "sampled"), outcome["stats"]["sampled"] + 1))
    jobs.add(name, "changed stats, sealed register", inst, tampered, sealed, outcome)
    for key, value in (("frozen_digest", "ab" * 32), ("commitment", "cd" * 32), ("code", "X-1"),
                       ("external_entropy", doc["external_entropy"] + "7"),
                       ("input_digest", "0" * 64), ("result_digest", "f" * 64)):
        register = register_doc(doc, outcome)
        register[key] = value
        jobs.add(name, f"register {key} differs", inst, outcome, register, outcome)
    sampled = sorted({u for s in outcome["samples"].values() for u in s})
    if sampled:  # a consistent forgery: delete a drawn entity and draw again
        forged = copy.deepcopy(doc)
        forged["entities"] = [e for e in forged["entities"] if e["uscc"] != sampled[0]]
        forged_outcome = draw(parse_instance(copy.deepcopy(forged))).outcome()
        forged_inst = jobs.file(forged)
        jobs.add(name, "consistent forgery, sealed register", forged_inst, forged_outcome, sealed,
                 forged_outcome)
        jobs.add(name, "consistent forgery, no register", forged_inst, forged_outcome, None,
                 forged_outcome)
    if name in UNREADABLE_FOR:
        unreadable(name, doc, outcome, inst, jobs)


UNREADABLE_FOR = {"generated-0", "generated-1", "joint", "edges-proto"}  # reading is not per instance


def unreadable(name: str, doc: dict, outcome: dict, inst: str, jobs: Jobs) -> None:
    """Documents the CLI refuses (exit 2), with the message it prints."""
    text = (canonical_json(outcome) + b"\n").decode("utf-8")
    jobs.add(name, "unreadable: duplicate key", inst, text.replace('{"commitment"', '{"seed":"0","commitment"', 1),
             None, raw=True)
    jobs.add(name, "unreadable: truncated outcome", inst, text[: len(text) // 2], None, raw=True)
    jobs.add(name, "unreadable: instance not an object", jobs.file("[]", raw=True), outcome, None, outcome)
    for kind, register in BROKEN_REGISTERS:
        jobs.add(name, f"unreadable register: {kind}", inst, outcome, jobs.file(register, raw=True), outcome)
    for kind, break_it in INVALID_INSTANCES:
        jobs.add(name, f"invalid instance: {kind}", jobs.file(_changed(doc, break_it)), outcome, None, outcome)


def _set(path: tuple, value: object):
    def change(doc):
        for key in path[:-1]:
            doc = doc[key]
        doc[path[-1]] = value
    return change


def _first_task(outcome: dict) -> str:
    return next(iter(outcome["samples"]))


STRUCTURAL = [  # (what, change): values of the wrong type or shape in the outcome
    ("format missing", lambda o: o.pop("format")),
    ("seed an integer", _set(("seed",), 5)),
    ("draw_id a float", _set(("draw_id",), 1.0)),
    ("samples a list", _set(("samples",), [])),
    ("samples missing", lambda o: o.pop("samples")),
    ("a sample null", lambda o: o["samples"].__setitem__(_first_task(o), None)),
    ("an extra task", lambda o: o["samples"].__setitem__("T99", [])),
    ("excluded count a float", lambda o: o["excluded"][_first_task(o)].__setitem__("inactive", 0.0)),
    ("excluded count true", lambda o: o["excluded"][_first_task(o)].__setitem__("frequency_cap", True)),
    ("visits an object", _set(("visits",), {})),
    ("unfilled missing", lambda o: o.pop("unfilled")),
    ("a visit a string", _set(("visits", 0), "V00001")),
    ("a visit's uscc null", _set(("visits", 0, "uscc"), None)),
    ("a visit's uscc a number", _set(("visits", 0, "uscc"), 91350181)),
    ("a visit's tasks a string", lambda o: o["visits"][0].__setitem__("tasks", o["visits"][0]["tasks"][0])),
    ("a visit's id missing", lambda o: o["visits"][0].pop("id")),
    ("a visit's departments reversed", lambda o: o["visits"][0]["departments"].reverse()
     if len(o["visits"][0]["departments"]) > 1 else o["visits"][0]["departments"].append("X")),
    ("an unfilled entry twice", lambda o: o["unfilled"].append(o["unfilled"][0])),
    ("a visit also unfilled", lambda o: o["unfilled"].append(dict(o["visits"][0], reason="x"))),
]


BROKEN_REGISTERS = [  # (what, text): register files the CLI refuses
    ("not an object", "[1]"),
    ("no format", '{"code": "X"}'),
    ("other format", '{"format": "inspect-register/2"}'),
    ("code a number", '{"format": "inspect-register/1", "code": 5}'),
    ("upper-case digest", '{"format": "inspect-register/1", "commitment": "' + "AB" * 32 + '"}'),
    ("short digest", '{"format": "inspect-register/1", "input_digest": "abc"}'),
    ("duplicate key", '{"format": "inspect-register/1", "code": "A", "code": "B"}'),
]


INVALID_INSTANCES = [  # (what, change): documents the CLI refuses with exit 2
    ("team size 0", _set(("tasks", 0, "inspectors_per_visit"), 0)),
    ("ratio 1.5", _set(("tasks", 0, "ratio"), {"A": 1.5})),
    ("unknown department", _set(("tasks", 0, "department"), "NOPE")),
    ("no secret", lambda doc: doc.pop("secret")),
    ("bad date", _set(("window", "end"), "2027-02-30")),
    ("unknown policy key", _set(("policy", "speed"), 1)),
    ("float integer", _set(("policy", "frequency_cap"), 2.0)),
    ("entities not a list", _set(("entities",), {})),
]


class Stage:
    """Which part of the Python verification raised (patched into solver.verify)."""

    def __init__(self, monkeypatch) -> None:
        self.name = "register"
        for module, function, stage in ((cli, "verify_outcome", "header"),
                                        (pyverify, "_check_entries", "visits"),
                                        (pyverify, "_check_rules", "rules"),
                                        (pyverify, "_check_certificate", "teams"),
                                        (pyverify, "staff", "staff")):
            original = getattr(module, function)

            def wrapper(*args, original=original, stage=stage, **kwargs):
                self.name = stage
                return original(*args, **kwargs)
            monkeypatch.setattr(module, function, wrapper)


def python_verify(job: dict, stage: Stage) -> tuple[int, str]:
    argv = ["verify", job["instance"], job["outcome"], "--workers", "1"]
    if job["register"]:
        argv += ["--register", job["register"]]
    stage.name = "register"
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(argv)
    gc.enable()  # cli.main disables it for a batch run
    return code, (out.getvalue() if code == 1 else err.getvalue()).rstrip("\n")


def check_of(stage: str, message: str, job: dict) -> str:
    """The JavaScript check that corresponds to where Python found the discrepancy."""
    path = message.split(": ", 1)[0]
    if stage == "header":
        return "header" if path in HEADER else "samples"
    if path.startswith("certificate"):
        return "teams"
    if " accepted (section 7.2)" in message:
        return "acceptance"
    if stage == "teams":  # the certificate passed; Python's step 6 compares with the re-solved outcome
        stage = "staff"
    if stage != "staff":
        return stage
    if path.startswith("unfilled"):
        return "unfilled_reasons"
    if not path.startswith("visits"):
        return "stats"
    honest, mutated = job["honest"]["visits"], job["mutated"]["visits"]
    if [v["id"] for v in honest] != [v["id"] for v in mutated]:
        return "unfilled_reasons"  # which visits are staffed (7.2)
    if any(h["team"] != m["team"] for h, m in zip(honest, mutated, strict=True)):
        return "teams"
    return "schedule"


def test_javascript_and_python_verifiers_agree(tmp_path, monkeypatch, capsys):
    jobs = Jobs(tmp_path)
    documents = corpus()
    for name, doc in documents:
        tampers(name, doc, jobs)
    listing = tmp_path / "jobs.json"
    listing.write_text(json.dumps([{k: j[k] for k in ("instance", "outcome", "register")}
                                   for j in jobs.jobs]))
    run = subprocess.run([NODE, str(RUNNER), "--batch", str(listing)], capture_output=True,
                         text=True, timeout=600, check=False)
    assert run.returncode == 0, run.stderr
    reports = json.loads(run.stdout)
    assert len(reports) == len(jobs.jobs)

    stage = Stage(monkeypatch)
    counts, not_checked = Counter(), Counter()
    problems = []
    for job, report in zip(jobs.jobs, reports, strict=True):
        code, message = python_verify(job, stage)
        counts[VERDICT[code]] += 1
        outcome, problem = compare(job, report, code, message, stage.name)
        if problem:
            problems.append(f"{job['name']} / {job['kind']}: {problem}")
        elif outcome == "agree":
            counts["agree"] += 1
        else:
            not_checked[outcome] += 1
    with capsys.disabled():  # the counts are shown even when output is captured
        print(f"\nagreement: {len(documents)} instances, {len(jobs.jobs)} runs ({counts['verified']} verified, "
              f"{counts['not_verified']} not verified, {counts['unreadable']} unreadable by Python); "
              f"{counts['agree']} with the same verdict and the same first discrepancy (or message), "
              f"{sum(not_checked.values())} where Python's first discrepancy lies in a check the JS "
              f"verifier reports as not made: {dict(sorted(not_checked.items()))}")
    assert not problems, f"{len(problems)} disagreements:\n" + "\n".join(problems[:30])


def compare(job: dict, report: dict, code: int, message: str, stage: str) -> tuple[str, str | None]:
    """("agree" or the id of the check the JS verifier did not make, problem or None)."""
    if code == 1:  # where Python found it, and whether the JS verifier made that check
        message = message.removeprefix("NOT verified: ")
        check = check_of(stage, message, job)
        status = {c["id"]: c["status"] for c in report["checks"]}
        if status.get(check) == "not_checked" and report["verdict"] != "unreadable":
            failed = [c["id"] for c in report["checks"] if c["status"] == "failed"]
            if failed and RANK[failed[0]] < RANK[check]:
                return check, f"Python failed in {check} ({message}), JS earlier: {report['first']}"
            return check, None
    if report["verdict"] != VERDICT[code]:
        return "", f"Python {VERDICT[code]} ({message}), JS {report['verdict']} ({report['first']})"
    if code == 0:
        return "agree", None
    first = report["first"]  # code 2: the same words as on the CLI's stderr
    if first["message"] != message or (code == 1 and not message.startswith(first["path"] + ": ")):
        return "", f"Python: {message}\n    JS: {first}"
    return "agree", None


def test_runner_exit_status(tmp_path):
    """verify_js.mjs exits 0 verified, 1 not verified, 2 unreadable, with the report on stdout."""
    doc = joint_document()
    outcome = draw(parse_instance(copy.deepcopy(doc))).outcome()
    jobs = Jobs(tmp_path)
    inst, register = jobs.file(doc), jobs.file(register_doc(doc, outcome))
    moved = copy.deepcopy(outcome)
    moved["samples"]["T1"].reverse()
    for out, expected, first in ((jobs.file(outcome), 0, None), (jobs.file(moved), 1, "result_digest"),
                                 (jobs.file("{", raw=True), 2, None)):
        done = subprocess.run([NODE, str(RUNNER), inst, out, register], capture_output=True, text=True,
                              timeout=120, check=False)
        assert done.returncode == expected, done.stderr
        report = json.loads(done.stdout)
        assert report["verdict"] == VERDICT[expected]
        if first:
            assert report["first"]["path"] == first
    usage = subprocess.run([NODE, str(RUNNER)], capture_output=True, text=True, timeout=60, check=False)
    assert usage.returncode == 2 and "usage" in usage.stderr
