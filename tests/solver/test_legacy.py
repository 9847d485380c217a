"""Outcome formats: /1 outcomes sealed before the reasons became codes and /2
outcomes sealed before teams came from bounded candidate sets stay verifiable
(tests/solver/fixtures/, written by the solver of that format), and the texts
of the reason codes can be reworded without breaking any verification."""

import copy
import json
from pathlib import Path

import pytest

from solver import legacy_v1, reason_text
from solver.draw import FORMAT_2, OUTCOME_FORMAT, draw
from solver.errors import VerificationFailed
from solver.instance import parse_instance
from solver.verify import verify_outcome

FIXTURES = Path(__file__).parent / "fixtures"
NAMES = ["v1-joint", "v1-small", "v1-sched"]


def load(name):
    instance = parse_instance(json.loads((FIXTURES / f"{name}.instance.json").read_text(encoding="utf-8")))
    outcome = json.loads((FIXTURES / f"{name}.outcome.json").read_text(encoding="utf-8"))
    return instance, outcome


def rejection(instance, outcome):
    with pytest.raises(VerificationFailed) as caught:
        verify_outcome(instance, outcome)
    return str(caught.value)


@pytest.mark.parametrize("name", NAMES)
def test_a_format_1_outcome_still_verifies(name):
    instance, outcome = load(name)
    assert outcome["format"] == legacy_v1.FORMAT and outcome["unfilled"]
    assert all(isinstance(u["reason"], str) for u in outcome["unfilled"])
    verify_outcome(instance, outcome)


def test_the_fixtures_hold_every_kind_of_format_1_reason():
    texts = " | ".join(u["reason"] for name in NAMES for u in load(name)[1]["unfilled"])
    for fragment in ("all at capacity", "that cannot be reassigned", "must not serve on one team",
                     "no working day of the window", "0 of 8 eligible (1 inactive; 1 without an enforcement"):
        assert fragment in texts


@pytest.mark.parametrize("name", NAMES)
def test_a_changed_format_1_reason_is_caught(name):
    instance, outcome = load(name)
    mutated = copy.deepcopy(outcome)
    mutated["unfilled"][0]["reason"] += "."
    assert rejection(instance, mutated).startswith("unfilled[0].reason: expected ")


def test_the_same_draw_in_format_2_holds_codes():
    instance, v1 = load("v1-joint")
    outcome = draw(instance, outcome_format=FORMAT_2).outcome()
    assert outcome["format"] == FORMAT_2 == "inspect-draw-outcome/2"
    assert [u["id"] for u in outcome["unfilled"]] == [u["id"] for u in v1["unfilled"]]
    assert {u["reason"]["code"] for u in outcome["unfilled"]} == {"capacity", "too_few_eligible"}
    for key in ("samples", "visits", "excluded", "stats"):
        assert outcome[key] == v1[key]
    verify_outcome(instance, outcome)


def test_a_changed_reason_code_is_caught_and_named():
    instance, _ = load("v1-sched")
    outcome = draw(instance).outcome()
    n = next(k for k, u in enumerate(outcome["unfilled"]) if u["reason"]["code"] == "no_common_day")
    mutated = copy.deepcopy(outcome)
    mutated["unfilled"][n]["reason"]["code"] = "days_fully_booked"
    assert rejection(instance, mutated) == (
        f"unfilled[{n}].reason.code: expected no_common_day, found days_fully_booked")
    mutated = copy.deepcopy(outcome)
    mutated["unfilled"][n]["reason"]["team"] = ["E001", "E002"]
    assert rejection(instance, mutated).startswith(f"unfilled[{n}].reason.team: expected [E001, E003]")
    mutated = copy.deepcopy(outcome)
    mutated["unfilled"][n]["reason"] = reason_text.render(outcome["unfilled"][n]["reason"], {})
    assert rejection(instance, mutated).startswith(f"unfilled[{n}].reason: expected ")


def test_rewording_a_format_2_message_breaks_no_verification(monkeypatch):
    instance, _ = load("v1-joint")
    outcome = draw(instance).outcome()
    before = [reason_text.render(u["reason"], {}) for u in outcome["unfilled"]]
    monkeypatch.setitem(reason_text.RULE_TEXTS, "inactive", "no longer in service")
    monkeypatch.setattr(reason_text, "render", lambda reason, names: "reworded")
    after = draw(instance).outcome()
    assert after == outcome
    verify_outcome(instance, outcome)
    assert any("1 inactive" in text for text in before)


def test_a_format_2_outcome_still_verifies_with_every_eligible_inspector_a_candidate():
    instance, outcome = load("v2-wide")
    assert outcome["format"] == FORMAT_2 and "widened" not in outcome["certificate"]
    verify_outcome(instance, outcome)
    now = draw(instance).outcome()  # pools of 40 and 24: format /3 offers 16 of them
    assert now["format"] == OUTCOME_FORMAT == "inspect-draw-outcome/3"
    assert now["samples"] == outcome["samples"]
    assert [v["team"] for v in now["visits"]] != [v["team"] for v in outcome["visits"]]
    verify_outcome(instance, now)


def test_a_format_2_outcome_relabelled_as_format_3_is_refused():
    instance, outcome = load("v2-wide")
    relabelled = copy.deepcopy(outcome)
    relabelled["format"] = OUTCOME_FORMAT
    relabelled["certificate"]["widened"] = {}
    assert rejection(instance, relabelled).startswith("certificate")


def test_a_draw_cannot_be_written_in_a_format_of_another_team_rule():
    instance, _ = load("v2-wide")
    with pytest.raises(ValueError, match="cannot be written"):
        draw(instance).outcome(FORMAT_2)
