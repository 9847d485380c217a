"""The independent instance generator (bench/other_instances.py): its ``small`` size is a
valid instance that draws and verifies, with valid USCCs, and it is deterministic."""

import hashlib
import json

from bench import other_instances
from solver import draw, load_instance, verify_outcome
from solver.canonical import canonical_json


def test_small_draws_verifies_and_is_deterministic(tmp_path):
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    meta = other_instances.write(str(first), "small", 7)
    other_instances.write(str(second), "small", 7)
    assert hashlib.sha256(first.read_bytes()).digest() == hashlib.sha256(second.read_bytes()).digest()
    assert meta["entities"] == 20_000 and meta["inspectors"] == 150
    raw = first.read_bytes()
    assert raw.isascii() and raw.startswith(b'{"entities": [') and raw.rstrip().endswith(b"}")
    doc = json.loads(raw)
    assert list(doc)[-1] == "policy" and doc["policy"]["jurisdiction_digits"] == 6
    usccs = [e["uscc"] for e in doc["entities"]]
    assert len(set(usccs)) == len(usccs)
    assert all(uscc[17] == check_character(uscc) and uscc[:8].isdigit() for uscc in usccs[:2000])
    assert doc["conflicts"] and doc["pair_conflicts"] and any("participating" in t for t in doc["tasks"])
    assert {"count", "ratio"} <= {k for t in doc["tasks"] for k in t}

    instance = load_instance(first)
    result = draw(instance)
    outcome = result.outcome()
    verify_outcome(instance, json.loads(canonical_json(outcome)))
    assert len(outcome["visits"]) > 400 and len(outcome["visits"]) > 10 * len(outcome["unfilled"])
    assert outcome["stats"]["joint_visits"] > 0


def check_character(uscc: str) -> str:
    """GB 32100 check character, written independently of the generator."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = [3 ** k % 31 for k in range(17)]  # 1, 3, 9, 27, 19, 26, ...
    return alphabet[-sum(alphabet.index(c) * w for c, w in zip(uscc, weights)) % 31]
