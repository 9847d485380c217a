"""The typed fast path of the entity reader (:mod:`solver.instance.typed`):
whatever it takes, it takes exactly as the JSON objects would be read, and
it writes the canonical bytes."""

import json
import sys

import msgspec
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from solver.canonical import canonical_json
from solver.errors import InputError
from solver.instance import load_instance, parse_instance, slices, typed
from solver.instance.entities import EntityReader
from solver.model import RISK_CLASSES
from solver.registry import RISK_INDEX
from tests.solver.examples import document, uscc

BASE = {"uscc": uscc(1), "name": "福清市某某餐饮有限公司", "district": "350181001", "risk": "B",
        "status": "active"}

# strings a date parser might take and the rules do not (or the other way round)
ODD_DATES = ["2026-05-01T00:00:00", "2026-05-01Z", " 2026-05-01", "2026-05-01 ", "\u0662\u0660\u0662\u0666-\u0660\u0665-\u0660\u0661",
             "0000-01-01", "+2026-05-01", "20260501", "2026-W18-5", "2026-121", "9999-12-31", "0001-01-01"]

# members as the format allows them, and as it does not
VALUES = {
    "uscc": st.one_of(st.builds(uscc, st.integers(0, 5)), st.sampled_from(["91350181MA2Y0XXXXI", "", 5])),
    "name": st.one_of(st.text(max_size=4), st.none()),
    "district": st.sampled_from(["350181001", "350102001", "", None, ["x"]]),
    "risk": st.sampled_from(["A", "B", "D", "E", "", ["B"]]),
    "status": st.sampled_from(["active", "closed", "", 3]),
    "tags": st.one_of(st.lists(st.sampled_from(["restaurant", "retail", "新", ""]), max_size=3),
                      st.sampled_from([None, "restaurant", 0, [1]])),
    "lists": st.one_of(st.lists(st.sampled_from(["abnormal", "serious"]), max_size=2), st.none()),
    "checks_this_year": st.one_of(st.integers(-1, 3), st.sampled_from([2**64, 2**70, 1.0, True, None])),
    "industry": st.sampled_from(["G54", "", None, 7]),
    "type": st.sampled_from(["个体工商户", "", None]),
    "last_checks": st.one_of(
        st.lists(st.fixed_dictionaries(
            {"department": st.sampled_from(["SCJG", "YJGL", ""]),
             "date": st.sampled_from(["2026-05-01", "2026-02-30", "2026-5-1", "2026-06-11", *ODD_DATES])},
            optional={"inspectors": st.lists(st.sampled_from(["E001", "E002", ""]), max_size=2),
                      "note": st.just(1)}), max_size=2),
        st.sampled_from([None, {}, "x"])),
    "note": st.just("a key the format does not define"),
}


# members as the format allows them
VALID = {
    "tags": st.one_of(st.lists(st.sampled_from(["restaurant", "retail", "新"]), max_size=3), st.none()),
    "lists": VALUES["lists"],
    "checks_this_year": st.one_of(st.integers(0, 3), st.just(2**64)),
    "industry": st.sampled_from(["G54", "H61", None]),
    "last_checks": st.lists(st.fixed_dictionaries(
        {"department": st.sampled_from(["SCJG", "YJGL"]), "date": st.sampled_from(["2026-05-01", "2026-06-11"])},
        optional={"inspectors": st.lists(st.sampled_from(["E001", "E002"]), max_size=2)}), max_size=2),
}


@st.composite
def entity_runs(draw, valid: bool = False) -> list:
    values = VALID if valid or draw(st.booleans()) else VALUES
    run = []
    for n in range(draw(st.integers(1, 5))):
        entity = dict(BASE, uscc=uscc(100 + n if valid else draw(st.integers(0, 6))))
        for key in draw(st.lists(st.sampled_from(sorted(values)), max_size=4, unique=True)):
            if draw(st.booleans()) or key == "note":
                entity[key] = draw(values[key])
            else:
                entity.pop(key, None)
        run.append(entity)
    return run


def _state(reader: EntityReader) -> tuple:
    b = reader.builder
    return (tuple(reader.builder.rows()), list(b.usccs), b.status, b.district, b.tags, b.lists, b.industry,
            b.type, b.statuses.values, b.districts.values, b.tagsets.values, b.listsets.values,
            b.industries.values, b.types.values, dict(b.last))


def _each(first: list, run: list) -> tuple | None:
    """The state after ``first`` and ``run`` an entity at a time, or None if they are refused."""
    reader = EntityReader()
    try:
        reader.parse(first)
        reader.parse(run)
    except InputError:
        return None
    return _state(reader)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entity_runs(valid=True), entity_runs(), st.booleans())
def test_a_typed_run_is_read_as_one_entity_at_a_time(first, run, ascii_only):
    """If the typed decoder takes a run, its canonical bytes are the run's and
    :func:`~solver.instance.typed.append_typed` either declines (nothing
    changed) or appends exactly what the entity-at-a-time rules would."""
    text = json.dumps(run, ensure_ascii=ascii_only).encode("utf-8")
    found = typed.decode(text)
    if found is None:
        event("not typed")
        return
    assert typed.encode(found) == canonical_json(json.loads(text))
    assert typed.as_objects(found) == json.loads(text)
    expected = _each(first, json.loads(text))
    reader = EntityReader()
    try:
        reader.parse(first)
    except InputError:
        return
    before = _state(reader)
    if typed.append_typed(reader, found):
        event("appended")
        assert expected is not None and _state(reader) == expected
    else:
        event("declined")
        assert _state(reader) == before


def test_the_typed_decoder_refuses_what_the_rules_would_question():
    for change in ({"note": 1}, {"tags": "restaurant"}, {"tags": [""]}, {"checks_this_year": -1},
                   {"checks_this_year": 1.0}, {"checks_this_year": True}, {"risk": "E"}, {"status": ""},
                   {"industry": ""}, {"name": None}, {"last_checks": {}},
                   {"last_checks": [{"department": "SCJG"}]},
                   {"last_checks": [{"department": "SCJG", "date": "2026-05-01", "inspectors": [""]}]},
                   {"last_checks": [{"department": "SCJG", "date": "2026-05-01", "inspectors": None}]}):
        assert typed.decode(json.dumps([dict(BASE, **change)]).encode()) is None, change
    missing = dict(BASE)
    del missing["district"]
    assert typed.decode(json.dumps([missing]).encode()) is None
    assert typed.decode(b'[{"uscc": "x"}') is None and typed.decode(b'[{"name": "\\ud800"}]') is None


def test_the_typed_risk_classes_are_the_models():
    taken = [r for r in RISK_CLASSES + ("E", "a") if typed.decode(json.dumps([dict(BASE, risk=r)]).encode())]
    assert tuple(taken) == RISK_CLASSES == tuple(RISK_INDEX)


def test_an_empty_inspector_id_is_refused_whichever_path_reads_it():
    """(Before, the column-wise path took ``inspectors: [""]`` once the date was known.)"""
    good = dict(BASE, last_checks=[{"department": "SCJG", "date": "2026-05-01", "inspectors": ["E001"]}])
    bad = dict(BASE, uscc=uscc(2), last_checks=[{"department": "SCJG", "date": "2026-05-01", "inspectors": [""]}])
    for run in ([good, bad], [bad]):
        reader = EntityReader()
        with pytest.raises(InputError, match=r"inspectors\[0\]: expected a non-empty string"):
            reader.parse(run)


def test_every_code_point_is_escaped_as_canonical_json():
    """msgspec writes strings as ``json.dumps(ensure_ascii=False)`` does, for
    every code point but the surrogates (which the decoder refuses)."""
    points = [p for p in range(sys.maxunicode + 1) if not 0xD800 <= p < 0xE000]
    for start in range(0, len(points), 4096):
        names = ["".join(map(chr, points[start:start + 4096])), "\\\"/" + chr(points[start])]
        entities = [dict(BASE, name=name) for name in names]
        found = typed.decode(json.dumps(entities).encode())
        assert found is not None and typed.encode(found) == canonical_json(entities), hex(points[start])


def test_a_realistic_registry_is_read_by_the_typed_decoder_alone(monkeypatch, tmp_path):
    doc = document(entities=400, inspectors=6)
    for n, e in enumerate(doc["entities"]):
        e["tags"] = [["restaurant"], ["retail", "restaurant"], []][n % 3]
        e["last_checks"] = [{"department": "SCJG", "date": f"2026-05-{1 + n % 28:02d}", "inspectors": ["E001"]}]
        e["checks_this_year"] = n % 4
    monkeypatch.setattr(slices, "SLICE_BYTES", 4096)

    def refuse(*args):
        raise AssertionError("a slice was read as JSON objects")

    monkeypatch.setattr(slices, "_decoded", refuse)
    path = tmp_path / "i.json"
    path.write_text(json.dumps(doc, ensure_ascii=True, indent=1), encoding="utf-8")
    assert load_instance(path) == parse_instance(doc)


@pytest.mark.parametrize("day", ["2026-05-01", *ODD_DATES])
def test_a_check_date_is_typed_only_if_the_rules_take_it(day):
    """msgspec parses a check's date itself: it must take no string the
    rules refuse (what it refuses, the rules then decide)."""
    run = [dict(BASE, last_checks=[{"department": "SCJG", "date": day}])]
    try:
        EntityReader().parse(run)
        taken = True
    except InputError:
        taken = False
    found = typed.decode(json.dumps(run).encode())
    assert found is None or taken
    if found is not None:
        assert found[0].last_checks[0].date.isoformat() == day


def test_an_empty_inspectors_stays_typed_and_distinct_from_an_absent_one():
    """``"inspectors": []`` and no ``inspectors`` mean the same to the rules
    but are different text: both stay typed and are written back as they came."""
    run = [dict(BASE, uscc=uscc(n), last_checks=[dict({"department": "SCJG", "date": "2026-05-01"}, **extra)])
           for n, extra in enumerate([{}, {"inspectors": []}, {"inspectors": ["E001"]}])]
    found = typed.decode(json.dumps(run).encode())
    assert found is not None and typed.encode(found) == canonical_json(run)
    reader = EntityReader()
    assert typed.append_typed(reader, found)
    assert [c.inspectors for (c,) in reader.builder.last.values()] == [msgspec.UNSET, (), ("E001",)]
    each = EntityReader()
    each.parse(run)
    assert each.builder.last == reader.builder.last
