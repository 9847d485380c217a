"""Parsing and validating instance documents."""

import json
from datetime import date
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings

from solver.canonical import input_digest
from solver.errors import InputError
from solver.instance import load_document, load_instance, parse_instance
from solver.instance.entities import EntityReader
from solver.instance.entities import entity as entity_rules
from solver.instance.fields import Interner
from tests.solver.examples import document, entity, inspector, uscc
from tests.solver.strategies import instance_documents


def error_of(doc) -> str:
    with pytest.raises(InputError) as caught:
        parse_instance(doc)
    return str(caught.value)


def test_example_document_parses_into_the_model():
    doc = document(entities=3, inspectors=2)
    doc["entities"][0]["last_checks"] = [{"department": "SCJG", "date": "2026-05-01",
                                          "inspectors": ["E001"]}]
    doc["conflicts"] = [{"inspector": "E001", "uscc": doc["entities"][1]["uscc"], "reason": "x"}]
    doc["pair_conflicts"] = [{"a": "E001", "b": "E002"}]
    instance = parse_instance(doc)
    assert instance.draw_id == "2027-Q1-01"
    assert instance.secret == bytes.fromhex("5a" * 32)
    assert instance.window_start == date(2027, 3, 1) and instance.window_end == date(2027, 3, 31)
    assert instance.holidays == {date(2027, 3, 8)} and instance.workdays == {date(2027, 3, 13)}
    assert instance.tasks[0].ratio["B"] == Fraction(3, 100)
    assert instance.entities[0].last_checks[0].date == date(2026, 5, 1)
    assert instance.conflicts == {("E001", doc["entities"][1]["uscc"])}
    assert instance.pair_conflicts == {frozenset({"E001", "E002"})}
    assert instance.input_digest == input_digest(doc)
    assert instance.policy.exclude_recent_risk == {"A", "B"}


def test_policy_defaults_and_absent_secret():
    doc = document()
    del doc["policy"], doc["secret"]
    instance = parse_instance(doc)
    assert instance.secret is None
    assert instance.policy.coordinated_sampling and instance.policy.frequency_cap == 4


def test_equal_tag_sets_are_shared():
    doc = document(entities=3)
    for e in doc["entities"]:
        e["tags"] = ["restaurant", "retail"]
    first, second, _ = parse_instance(doc).entities
    assert first.tags is second.tags


@pytest.mark.parametrize(("change", "expected"), [
    (lambda d: d.update(format="inspect-draw/2"), "$.format: unknown format version inspect-draw/2"),
    (lambda d: d.pop("format"), "$.format: required field is missing"),
    (lambda d: d.pop("draw_id"), "$.draw_id: required field is missing"),
    (lambda d: d["window"].update(start="2027-3-1"), "$.window.start: expected a date"),
    (lambda d: d["window"].update(end="2027-02-28"), "$.window: the window ends"),
    (lambda d: d.update(window={"start": "2027-03-06", "end": "2027-03-07"}),
     "$.window: no working day between 2027-03-06 and 2027-03-07"),
    (lambda d: d["tasks"][0]["ratio"].update(B=1.5), "$.tasks[0].ratio.B: ratio 1.5 is outside [0, 1]"),
    (lambda d: d["tasks"][0]["ratio"].update(B=-0.1), "$.tasks[0].ratio.B: ratio -0.1 is outside"),
    (lambda d: d["tasks"][0]["ratio"].update(B="0.1"), "$.tasks[0].ratio.B: expected a number"),
    (lambda d: d["tasks"][0]["ratio"].update(E=0.1), "$.tasks[0].ratio.E: unknown risk class E"),
    (lambda d: d["tasks"][0].update(department="SWJ"), "$.tasks[0].department: unknown department 'SWJ'"),
    (lambda d: d["tasks"][0].update(items=["SCJG-99"]), "$.tasks[0].items[0]: unknown check item 'SCJG-99'"),
    (lambda d: d["tasks"][0].update(items=["CGJ-01"]), "$.tasks[0].items[0]: item 'CGJ-01' belongs to"),
    (lambda d: d["tasks"][0].update(participating=["XX"]), "$.tasks[0].participating[0]: unknown department"),
    (lambda d: d["tasks"][0].update(count=3), "$.tasks[0]: a task has either 'ratio' or 'count'"),
    (lambda d: d["tasks"][0].pop("ratio"), "$.tasks[0]: a task needs 'ratio' (per risk class) or 'count'"),
    (lambda d: d["tasks"][0].update(ratio=None, count=2, list_ratio={"abnormal": 1}),
     "$.tasks[0].list_ratio: 'list_ratio' needs a 'ratio' task"),
    (lambda d: d["tasks"][0].update(list_ratio={"abnormal": 2}), "$.tasks[0].list_ratio.abnormal: ratio 2"),
    (lambda d: d["tasks"][0].update(filter={"district": ["3501"]}), "$.tasks[0].filter: unknown field 'district'"),
    (lambda d: d["tasks"].append(dict(d["tasks"][0])), "$.tasks[1].id: duplicate task 'T1'"),
    (lambda d: d["policy"].update(coordinated=True), "$.policy: unknown field 'coordinated'"),
    (lambda d: d["policy"].update(frequency_cap=0), "$.policy.frequency_cap: 0 must be at least 1"),
    (lambda d: d["policy"].update(jurisdiction_digits=-1), "$.policy.jurisdiction_digits: -1 must not be negative"),
    (lambda d: d["policy"].update(jurisdiction_digits="6"), "$.policy.jurisdiction_digits: expected an integer"),
    (lambda d: d["items"][0].update(department="XX"), "$.items[0].department: unknown department 'XX'"),
    (lambda d: d.update(secret="AB" * 32), "$.secret: the secret must be 64 lower-case hex digits"),
    (lambda d: d["entities"].append(entity(0)), "$.entities[1].uscc: duplicate entity"),
    (lambda d: d["entities"][0].update(uscc="91350181MA2Y0OOOOO"), "$.entities[0].uscc: 91350181MA2Y0OOOOO is not"),
    (lambda d: d["entities"][0].update(risk="E"), "$.entities[0].risk: unknown risk class E"),
    (lambda d: d["entities"][0].pop("status"), "$.entities[0].status: required field is missing"),
    (lambda d: d["entities"][0].update(checks_this_year=True), "$.entities[0].checks_this_year: expected an integer"),
    (lambda d: d["entities"][0].update(tags="restaurant"), "$.entities[0].tags: expected an array"),
    (lambda d: d["entities"][0].update(last_checks=[{"department": "SCJG"}]),
     "$.entities[0].last_checks[0].date: required field is missing"),
    (lambda d: d["inspectors"].append(inspector(2, "XX")), "$.inspectors[1].department: unknown department"),
    (lambda d: d["inspectors"].append(inspector(1)), "$.inspectors[1].id: duplicate inspector 'E001'"),
    (lambda d: d["inspectors"][0].update(max_visits=-1), "$.inspectors[0].max_visits: -1 must not be negative"),
    (lambda d: d.update(pair_conflicts=[{"a": "E001", "b": "E001"}]), "$.pair_conflicts[0]: inspector 'E001'"),
])
def test_invalid_documents_name_path_and_reason(change, expected):
    doc = document(entities=1, inspectors=1)
    change(doc)
    assert error_of(doc).startswith(expected)


def test_load_document_reports_line_and_column(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{\n  "format": "inspect-draw/1",\n  "draw_id": ,\n}', encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_document(path)
    assert str(caught.value).startswith(f"{path}: malformed JSON at line 3, column 14:")


def test_load_document_refuses_nan_non_objects_and_missing_files(tmp_path):
    path = tmp_path / "nan.json"
    path.write_text('{"ratio": NaN}', encoding="utf-8")
    with pytest.raises(InputError, match="NaN is not a JSON number"):
        load_document(path)
    path.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(InputError, match="must be a JSON object"):
        load_document(path)
    with pytest.raises(InputError, match="cannot read the file"):
        load_document(tmp_path / "absent.json")
    path.write_bytes('{"name": "福"}'.encode("gbk"))
    with pytest.raises(InputError, match="not UTF-8"):
        load_document(path)


def test_load_document_round_trips(tmp_path):
    path = tmp_path / "ok.json"
    doc = document(entities=2)
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    assert load_document(path) == doc


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instance_documents(max_entities=8))
def test_inlined_and_checked_entity_rules_agree(doc):
    """The reader's inlined rules (the columns) accept what :func:`entity` accepts
    and build the same entities, whether or not the checked path saw them first."""
    interner = Interner()
    checked = [entity_rules(raw, n, interner) for n, raw in enumerate(doc["entities"])]
    reader = EntityReader()
    reader.parse(doc["entities"])
    assert tuple(reader.entity_rows()) == tuple(checked)
    twice = [dict(e, uscc=uscc(10**6 + n)) for n, e in enumerate(doc["entities"])]
    again = EntityReader()  # the second run of equal objects takes the inlined path
    again.parse(doc["entities"] + twice)
    assert tuple(again.entity_rows()) == tuple(checked) + tuple(
        entity_rules(raw, n, interner) for n, raw in enumerate(twice))


@pytest.mark.parametrize("change", [
    lambda e: e.update(tags="restaurant"), lambda e: e.update(tags=[1]), lambda e: e.update(lists=[None]),
    lambda e: e.update(risk=["B"]), lambda e: e.update(uscc=5), lambda e: e.update(checks_this_year=-1),
    lambda e: e.update(checks_this_year=1.0), lambda e: e.update(industry=""), lambda e: e.update(type=3),
    lambda e: e.update(last_checks=[{"department": "SCJG", "date": "2026-13-01"}]),
    lambda e: e.update(last_checks=[{"department": "SCJG", "date": "2026-05-01", "inspectors": [1]}]),
    lambda e: e.update(last_checks={"department": "SCJG"}), lambda e: e.update(name=None),
])
def test_a_bad_entity_after_good_ones_is_still_refused(change):
    doc = document(entities=3)
    for e in doc["entities"]:
        e["tags"], e["lists"] = ["restaurant"], ["abnormal"]
        e["last_checks"] = [{"department": "SCJG", "date": "2026-05-01", "inspectors": ["E001"]}]
    change(doc["entities"][2])
    assert error_of(doc).startswith("$.entities[2].")


def test_load_instance_equals_parse_instance(tmp_path):
    doc = document(entities=40, inspectors=3)
    path = tmp_path / "i.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    assert load_instance(path) == parse_instance(doc)


@pytest.mark.parametrize("order", ["entities first", "entities last"])
def test_load_instance_same_result_either_way(tmp_path, order):
    doc = document(entities=30, inspectors=3)
    entities = doc.pop("entities")
    doc = {"entities": entities, **doc} if order == "entities first" else {**doc, "entities": entities}
    path = tmp_path / "i.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    assert load_instance(path) == parse_instance(doc)


def test_load_instance_reports_the_plain_first_error(tmp_path):
    doc = document(entities=3, inspectors=1)
    doc["entities"][1]["risk"] = "Z"
    doc["format"] = "inspect-draw/2"
    path = tmp_path / "i.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(InputError, match=r"^\$\.format: unknown format version"):
        load_instance(path)
    doc["format"] = "inspect-draw/1"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(InputError, match=r"^\$\.entities\[1\]\.risk: unknown risk class Z"):
        load_instance(path)
