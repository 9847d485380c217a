"""``python -m solver`` in a subprocess: exit codes, messages, determinism."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from solver.canonical import canonical_json, commitment, input_digest
from tests.solver.examples import document, joint_document

ROOT = Path(__file__).resolve().parents[2]


def run(*args, env=None):
    return subprocess.run([sys.executable, "-m", "solver", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, env=env, timeout=120)


def write(path, doc):
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def drawn(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    doc = joint_document()
    for item in doc["inspectors"][8:]:
        item["max_visits"] = 1
    instance = write(folder / "instance.json", doc)
    outcome = folder / "outcome.json"
    result = run("draw", instance, "-o", outcome)
    return doc, instance, outcome, result


def test_draw_writes_canonical_outcome_and_summary(drawn):
    doc, _, outcome, result = drawn
    assert result.returncode == 0, result.stderr
    data = outcome.read_bytes()
    assert data.endswith(b"\n") and not data.endswith(b"\n\n")
    parsed = json.loads(data)
    assert data == canonical_json(parsed) + b"\n"
    assert parsed["input_digest"] == input_digest(doc).hex()
    out = result.stdout
    assert "draw 2027-Q1-01 (coordinated sampling)" in out
    assert f"visits: {parsed['stats']['visits']} ({parsed['stats']['joint_visits']} joint), " \
           f"unfilled: {parsed['stats']['unfilled']}" in out
    assert "unfilled visits by reason:" in out
    assert "independent sampling would give about" in out
    assert "inspector load: min" in out and "time: read" in out
    assert "Traceback" not in result.stderr


def test_verify_accepts_and_names_first_discrepancy(drawn, tmp_path):
    _, instance, outcome, _ = drawn
    result = run("verify", instance, outcome)
    assert result.returncode == 0 and result.stdout.startswith("verified: draw 2027-Q1-01"), result
    mutated = json.loads(outcome.read_text(encoding="utf-8"))
    mutated["seed"] = "0" * 64
    result = run("verify", instance, write(tmp_path / "bad.json", mutated))
    assert result.returncode == 1
    assert result.stdout.startswith("NOT verified: seed: expected ")


def test_compare_reports_independent_sampling(drawn, tmp_path):
    _, instance, _, _ = drawn
    result = run("draw", instance, "-o", tmp_path / "o.json", "--compare")
    assert result.returncode == 0 and "independent sampling of the same instance:" in result.stdout


def test_digest_prints_digest_and_commitment(tmp_path):
    doc = document(entities=3)
    result = run("digest", write(tmp_path / "i.json", doc))
    assert result.returncode == 0
    assert result.stdout.splitlines() == [f"input_digest {input_digest(doc).hex()}",
                                          f"commitment   {commitment(bytes.fromhex(doc['secret'])).hex()}"]
    del doc["secret"]
    result = run("digest", write(tmp_path / "i.json", doc))
    assert result.stdout.splitlines() == [f"input_digest {input_digest(doc).hex()}"]


def test_same_instance_gives_identical_bytes_under_different_hash_seeds(drawn, tmp_path):
    _, instance, _, _ = drawn
    outputs = []
    for hash_seed in ("1", "987654"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        target = tmp_path / f"o{hash_seed}.json"
        assert run("draw", instance, "-o", target, env=env).returncode == 0
        outputs.append(target.read_bytes())
    assert outputs[0] == outputs[1]
    assert json.loads(outputs[0])["visits"]


def test_candidate_sets_and_a_widened_bound_are_the_same_under_different_hash_seeds(tmp_path):
    """Pools of 40 and 24 (16 candidates a place) and a department that widens
    to 32: the outcome bytes do not depend on Python's hash seed."""
    from test_candidates import _saturated

    wide = Path(__file__).parent / "fixtures" / "v2-wide.instance.json"
    for name, instance in (("wide", wide), ("saturated", write(tmp_path / "s.json", _saturated()))):
        outputs = []
        for hash_seed in ("0", "1", "987654"):
            target = tmp_path / f"{name}-{hash_seed}.json"
            done = run("draw", instance, "-o", target, env={**os.environ, "PYTHONHASHSEED": hash_seed})
            assert done.returncode == 0, done.stderr
            outputs.append(target.read_bytes())
        assert outputs[0] == outputs[1] == outputs[2], name
        outcome = json.loads(outputs[0])
        assert outcome["format"] == "inspect-draw-outcome/3"
        assert outcome["certificate"]["widened"] == ({"V00001 SCJG": 32} if name == "saturated" else {})


def bad(tmp_path, doc):
    return run("draw", write(tmp_path / "i.json", doc), "-o", tmp_path / "o.json")


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.update(format="inspect-draw/9"),
     "$.format: unknown format version inspect-draw/9; this solver reads 'inspect-draw/1'"),
    (lambda d: d.pop("window"), "$.window: required field is missing"),
    (lambda d: d["tasks"][0].pop("items"), "$.tasks[0].items: required field is missing"),
    (lambda d: d["tasks"][0]["ratio"].update(C=3), "$.tasks[0].ratio.C: ratio 3 is outside [0, 1]"),
    (lambda d: d.update(window={"start": "2027-03-06", "end": "2027-03-07"}),
     "$.window: no working day between 2027-03-06 and 2027-03-07"),
    (lambda d: d["tasks"][0].update(department="GAJ"), "$.tasks[0].department: unknown department 'GAJ'"),
    (lambda d: d["tasks"][0].update(items=["GAJ-01"]), "$.tasks[0].items[0]: unknown check item 'GAJ-01'"),
    (lambda d: d.pop("secret"), "$.secret: the instance has no secret"),
])
def test_bad_instances_exit_2_with_a_clear_message(tmp_path, change, message):
    doc = document(entities=5, inspectors=2)
    change(doc)
    result = bad(tmp_path, doc)
    assert result.returncode == 2
    assert result.stderr.strip() == message or result.stderr.startswith(message), result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "o.json").exists()


def test_malformed_json_names_line_and_column(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"format": "inspect-draw/1",\n "draw_id": "x",\n "window": {,}}', encoding="utf-8")
    result = run("draw", path, "-o", tmp_path / "o.json")
    assert result.returncode == 2
    assert result.stderr.startswith(f"{path}: malformed JSON at line 3, column 13: ")
    result = run("verify", path, path)
    assert result.returncode == 2 and "malformed JSON at line 3" in result.stderr


def test_missing_file_and_bad_outcome_file(drawn, tmp_path):
    _, instance, _, _ = drawn
    result = run("draw", tmp_path / "absent.json", "-o", tmp_path / "o.json")
    assert result.returncode == 2 and "cannot read the file" in result.stderr
    (tmp_path / "o.json").write_text("[", encoding="utf-8")
    result = run("verify", instance, tmp_path / "o.json")
    assert result.returncode == 2 and "malformed JSON at line 1" in result.stderr


def test_empty_population_is_not_an_error(tmp_path):
    doc = document(entities=5, inspectors=2)
    doc["tasks"][0]["filter"] = {"districts": ["110101"]}
    result = bad(tmp_path, doc)
    assert result.returncode == 0, result.stderr
    assert "task T1: empty sample" in result.stdout
    assert "visits: 0 (0 joint), unfilled: 0" in result.stdout
    outcome = json.loads((tmp_path / "o.json").read_text(encoding="utf-8"))
    assert outcome["samples"] == {"T1": []} and outcome["visits"] == []
    assert run("verify", tmp_path / "i.json", tmp_path / "o.json").returncode == 0


def test_usage_errors_exit_2():
    result = run("draw")
    assert result.returncode == 2 and "usage:" in result.stderr
