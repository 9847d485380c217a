"""The instance reader (solver.instance.reader): one decoder, whatever the key
order and white space; duplicate keys refused with their JSON path."""

import json
import os
import random
import struct

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver import instance as si
from solver.canonical import (canonical_json, encode_canonical, input_and_frozen_digest, input_digest,
                              iter_canonical_bytes)
from solver.draw import draw
from solver.errors import InputError
from solver.instance import halves, load_document, load_instance, parse_instance, reader, slices
from solver.registry import EntityRows
from bench.solver_instances import shuffled
from tests.solver.examples import document
from tests.solver.strategies import instance_documents
from tests.solver.synthetic import make_instance


def layouts(doc: dict) -> dict[str, str]:
    """One document written in many ways that mean the same."""
    rng = random.Random(13)
    mixed = shuffled(doc, rng)
    return {
        "canonical": json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False),
        "shuffled": json.dumps(mixed, ensure_ascii=False),
        "shuffled ascii": json.dumps(shuffled(doc, rng), ensure_ascii=True),
        "indented ascii": json.dumps(mixed, indent=2, ensure_ascii=True),
        "tabs and CRLF": json.dumps(shuffled(doc, rng), indent="\t", ensure_ascii=False).replace("\n", "\r\n"),
        "spaces everywhere": " \n" + json.dumps(shuffled(doc, rng), separators=(" , ", " : "),
                                                ensure_ascii=False) + " \n\t",
        "reversed": json.dumps(_reversed(doc), ensure_ascii=False, separators=(",", ":")),
    }


def _reversed(value):
    if isinstance(value, dict):
        return {k: _reversed(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [_reversed(v) for v in value]
    return value


@pytest.fixture(scope="module")
def realistic() -> dict:
    doc = make_instance(3000, 40, seed=5)
    doc["secret"] = "3c" * 32
    doc["entities"][7]["name"] = "福清市\"某某\"餐饮\\有限公司 \u2028 😀"
    doc["entities"][9]["note"] = {"score": 1e-05, "big": 1e16, "neg": -0.0, "z": [0.1, 2.5]}
    doc["entities"][2500]["score"] = 1e-05  # alone in its slice: orjson would write 0.00001
    doc["entities"][1500]["last_checks"] = [{"department": "HBJ", "date": "2026-05-15", "inspectors": []}]
    doc["zzz"] = [1e22, "福"]
    doc["aaa"] = {"ratio": 0.03, "tiny": 5e-324}
    return doc


def test_every_layout_gives_the_same_outcome_bytes_and_digests(realistic, tmp_path):
    """Shuffled keys at every level, other white space, ensure_ascii on and
    off: the same input digest, frozen digest, instance and outcome bytes."""
    expected_digest, expected_frozen = input_and_frozen_digest(realistic)
    assert expected_digest == input_digest(realistic)  # the streaming reference
    outcomes = {}
    for label, text in layouts(realistic).items():
        path = tmp_path / f"{label}.json"
        path.write_text(text, encoding="utf-8")
        loaded = load_instance(path)
        assert loaded.input_digest == expected_digest, label
        assert loaded.frozen_digest == expected_frozen, label
        outcomes[label] = canonical_json(draw(loaded).outcome())
    assert len(set(outcomes.values())) == 1
    in_memory = draw(parse_instance(json.loads(json.dumps(realistic)))).outcome()
    assert canonical_json(in_memory) == outcomes["canonical"]  # the app's path (a dict)
    assert json.loads(outcomes["canonical"])["visits"]  # a draw that staffs visits


def test_no_layout_needs_the_reference_decoder(realistic, monkeypatch):
    """Key order and white space never send a document to the slower decoder."""
    def refuse(data, name):
        raise AssertionError("the reference decoder was used")

    monkeypatch.setattr(reader, "_reference", refuse)
    for label, text in layouts(realistic).items():
        assert reader.decode(text.encode("utf-8"), label) == realistic, label


@pytest.fixture
def small_slices(monkeypatch):
    """Slices of a few entities, cut at many places, ends found close by."""
    monkeypatch.setattr(slices, "SLICE_BYTES", 700)
    monkeypatch.setattr(slices, "SMALLEST_STEP", 64)


@pytest.mark.parametrize("sized", ["small slices", "default slices"])
def test_every_layout_is_read_a_slice_at_a_time(realistic, tmp_path, monkeypatch, request, sized):
    """No layout of a valid instance needs the whole-document decoder."""
    if sized == "small slices":
        request.getfixturevalue("small_slices")
    expected = parse_instance(json.loads(json.dumps(realistic)))

    def refuse(data, name):
        raise AssertionError("the whole document was decoded")

    monkeypatch.setattr(reader, "decode", refuse)
    for label, text in layouts(realistic).items():
        path = tmp_path / f"{label}.json"
        path.write_text(text, encoding="utf-8")
        loaded = load_instance(path)
        assert loaded == expected, label
        assert (loaded.input_digest, loaded.frozen_digest) == input_and_frozen_digest(realistic), label


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(instance_documents(max_entities=12), st.randoms(use_true_random=False))
def test_sliced_reading_equals_the_plain_parse(tmp_path, small_slices, doc, rng):
    expected = parse_instance(doc)
    for text in (json.dumps(shuffled(doc, rng), ensure_ascii=False),
                 json.dumps(shuffled(doc, rng), indent=1, ensure_ascii=True)):
        path = tmp_path / "i.json"
        path.write_text(text, encoding="utf-8")
        assert load_instance(path) == expected


def test_an_invalid_entity_is_reported_after_the_sections_before_it(tmp_path, small_slices):
    doc = document(entities=30, inspectors=2)
    doc["entities"][21]["risk"] = "Z"
    path = tmp_path / "i.json"
    for text, message in ((json.dumps(shuffled(doc, random.Random(2))), r"^\$\.entities\[21\]\.risk"),
                          (json.dumps(dict(doc, policy={"frequency_cap": 0})), r"^\$\.policy\.frequency_cap")):
        path.write_text(text, encoding="utf-8")
        with pytest.raises(InputError, match=message):
            load_instance(path)


def duplicated(text: str, anchor: str, extra: str) -> str:
    at = text.index(anchor) + len(anchor)
    return text[:at] + extra + text[at:]


@pytest.mark.parametrize("layout", ["canonical", "shuffled", "indented ascii"])
@pytest.mark.parametrize("sized", ["small slices", "default slices"])
def test_a_duplicate_key_is_refused_with_its_path(tmp_path, layout, sized, request):
    if sized == "small slices":
        request.getfixturevalue("small_slices")
    doc = document(entities=8, inspectors=3)
    doc["entities"][5]["last_checks"] = [{"department": "SCJG", "date": "2026-01-05"}]
    text = layouts(doc)[layout]
    uscc5 = json.dumps(doc["entities"][5]["uscc"])
    after = text.index(uscc5) + len(uscc5)  # inside entity 5, after its USCC
    cases = {
        "entity": (text[:after] + ',"status":"active"' + text[after:],
                   '$.entities[5]: duplicate key "status"'),
        "escaped colon": (text[:after] + ',"risk":"A","\\u003a":1' + text[after:],
                          '$.entities[5]: duplicate key "risk"'),
        "nested": (text.replace('"date": "2026-01-05"', '"date": "2026-01-05", "date": "2026-01-06"')
                   .replace('"date":"2026-01-05"', '"date":"2026-01-05","date":"2026-01-06"'),
                   '$.entities[5].last_checks[0]: duplicate key "date"'),
        "top": (duplicated(text, "{", '"draw_id":"other",'), '$: duplicate key "draw_id"'),
    }
    if layout != "indented ascii":  # (indent puts the ratio's members on lines of their own)
        cases["ratio"] = (text.replace('"A": 0.01', '"A": 0.01, "A": 0.5').replace('"A":0.01', '"A":0.01,"A":0.5'),
                          '$.tasks[0].ratio: duplicate key "A"')
    for label, (forged, message) in cases.items():
        assert forged != text, label
        path = tmp_path / f"{label}.json"
        path.write_text(forged, encoding="utf-8")
        with pytest.raises(InputError) as caught:
            load_instance(path)
        assert str(caught.value) == f"{path}: {message}", label
        with pytest.raises(InputError):
            load_document(path)


def test_an_escaped_colon_without_a_duplicate_is_read(tmp_path):
    doc = document(entities=4, inspectors=2)
    doc["entities"][1]["name"] = "a:b"
    text = json.dumps(doc, ensure_ascii=False).replace("a:b", "a\\u003Ab")
    path = tmp_path / "i.json"
    path.write_text(text, encoding="utf-8")
    assert load_instance(path) == parse_instance(doc)


def test_integers_beyond_64_bits_stay_integers(tmp_path):
    doc = document(entities=30, inspectors=3)
    doc["entities"][4]["checks_this_year"] = 2**64  # orjson alone would decode a float
    doc["entities"][5]["extra"] = -2**70
    doc["entities"][6]["name"] = "1234567890123456789012"  # a long digit run in a string
    for label, text in layouts(doc).items():
        path = tmp_path / "i.json"
        path.write_text(text, encoding="utf-8")
        loaded = load_instance(path)
        assert loaded == parse_instance(doc), label
        assert loaded.entities[4].checks_this_year == 2**64


@pytest.mark.parametrize(("text", "message"), [
    ('{\n  "format": "inspect-draw/1",\n  "draw_id": ,\n}', "malformed JSON at line 3, column 14:"),
    ('{"a": NaN}', "NaN is not a JSON number"),
    ('{"a": [1,]}', "malformed JSON at line 1, column 10:"),
    ("[1, 2]", "the document must be a JSON object"),
    ('{"a": "\\ud800", "format": "inspect-draw/1"}', "unpaired UTF-16 surrogate"),
    ('{"a": ' + "[" * 70 + "]" * 70 + "}", "nested deeper than 64 levels"),
])
def test_errors_name_the_file_and_the_problem(tmp_path, text, message):
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_instance(path)
    assert str(caught.value).startswith(f"{path}: ") and message in str(caught.value)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.floats(allow_nan=False, allow_infinity=False),
                 st.integers(0, 2**64 - 1).map(lambda b: struct.unpack("<d", b.to_bytes(8, "little"))[0])
                 .filter(lambda f: f == f and abs(f) != float("inf"))))
def test_orjson_decodes_every_float_like_the_standard_library(number):
    for text in (repr(number), f"{number:.17e}", f"{number:.25g}", f"{number:.3e}"):
        if abs(json.loads(text)) == float("inf"):  # rounded beyond a double: orjson refuses it
            continue
        assert struct.pack("<d", orjson.loads(text)) == struct.pack("<d", json.loads(text)), text


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from([1e-05, 5.5e-05, 1e-04, 1e15, 1e16, 1e22, 1e-07, 0.1, -0.0, 5e-324])
    | st.text(st.characters(exclude_categories=("Cs",))),
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(st.text(max_size=4), inner, max_size=6),
    max_leaves=40)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_the_fast_canonical_bytes_are_the_reference_bytes(value):
    expected = canonical_json(value)
    assert encode_canonical(value) == expected
    assert b"".join(iter_canonical_bytes(value, chunk=2)) == expected
    assert b"".join(iter_canonical_bytes({"a": [value] * 5, "b": value}, chunk=2)) == \
        canonical_json({"a": [value] * 5, "b": value})


def test_orjson_escapes_every_code_point_like_canonical_json():
    # escaping is per character, so one string holding every code point (bar
    # the surrogates, which have no UTF-8 form) covers each of them
    text = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
    assert orjson.dumps(text) == json.dumps(text, ensure_ascii=False).encode("utf-8")
    for c in range(0x800):
        assert orjson.dumps(chr(c)) == json.dumps(chr(c), ensure_ascii=False).encode("utf-8")


def test_orjson_sorts_keys_in_code_point_order():
    keys = ["a", "B", "é", "z", "ｚ", "\U0001F600", "\u2028", "", "aa", "a\x00", "福", "\x7f", "\uffff"]
    value = {k: n for n, k in enumerate(keys)}
    assert orjson.dumps(value, option=orjson.OPT_SORT_KEYS) == \
        json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def test_one_representation_of_the_registry(tmp_path):
    """Read from a file or parsed from a dict in memory, the registry is the
    same columns; an instance built from a tuple of entities converts it."""
    from dataclasses import replace

    doc = document(entities=12, inspectors=2)
    path = tmp_path / "i.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    loaded, parsed = load_instance(path), parse_instance(doc)
    assert type(loaded.entities) is EntityRows and type(parsed.entities) is EntityRows
    rebuilt = replace(parsed, entities=tuple(parsed.entities))
    assert type(rebuilt.entities) is EntityRows and rebuilt == parsed


def test_entities_built_a_column_at_a_time_are_those_of_the_document(realistic):
    """``EntityRows.entities_at`` (a draw's visits, prefetched; one row,
    iteration) gives the entities the entity-at-a-time rules make of the
    document's objects, and the lookup by USCC gives the same entity whether
    prefetched, found before or not."""
    from solver.instance.entities import entity
    from solver.instance.fields import Interner
    from solver.registry import entity_lookup

    raw = json.loads(json.dumps(realistic))["entities"]
    expected = [entity(obj, n, Interner()) for n, obj in enumerate(raw)]
    rows = parse_instance(realistic).entities
    picked = random.Random(3).sample(range(len(rows)), 400) + [7, 9, 1500, 1500]
    assert rows.entities_at(picked) == [expected[row] for row in picked]
    assert list(rows) == expected and rows[1500] == expected[1500] and rows[10:14] == tuple(expected[10:14])
    lookup = entity_lookup(rows)
    lookup.prefetch([rows.usccs[row] for row in picked[:200]] + ["no such USCC"])
    for row in picked + [0, len(rows) - 1]:
        assert lookup[rows.usccs[row]] == expected[row] and rows.usccs[row] in lookup
    assert "no such USCC" not in lookup and rows.rows_of(["no such USCC", rows.usccs[3]]) == [None, 3]


def test_the_public_import_paths_stay():
    from solver import load_document as a, load_instance as b, parse_instance as c

    assert (a, b, c) == (si.load_document, si.load_instance, si.parse_instance)
    assert si.FORMAT == "inspect-draw/1" and "jurisdiction_digits" in si.POLICY_KEYS
    assert si.document_digest(document()) == input_digest(document())


@pytest.fixture
def two_halves(monkeypatch, small_slices):
    """Any entity array read by two processes, each in small slices; counts
    the child's parts that were taken."""
    if not hasattr(os, "fork"):
        pytest.skip("POSIX fork")
    monkeypatch.setattr(slices, "PARALLEL_BYTES", 0)
    taken = []
    merge = halves.merge

    def counted(reader, packed):
        found = merge(reader, packed)
        taken.append(found)
        return found

    monkeypatch.setattr(halves, "merge", counted)
    return taken


@pytest.mark.parametrize("share", [0.1, 0.5, 0.9])
def test_two_processes_read_what_one_reads(realistic, tmp_path, monkeypatch, two_halves, share):
    """The second half read by a forked child: the same instance and digests,
    whatever the layout and wherever the cut."""
    monkeypatch.setattr(slices, "SHARE", share)
    expected = parse_instance(json.loads(json.dumps(realistic)))
    digests = input_and_frozen_digest(realistic)
    for label, text in layouts(realistic).items():
        path = tmp_path / f"{label}.json"
        path.write_text(text, encoding="utf-8")
        two_halves.clear()
        loaded = load_instance(path, workers=2)
        assert loaded == expected, label
        assert loaded.entities.usccs == expected.entities.usccs and loaded.entities.last == expected.entities.last
        assert _check_columns(loaded) == _check_columns(expected), label
        assert (loaded.input_digest, loaded.frozen_digest) == digests, label
        if label != "reversed":  # (there, the cut may fall after the array: one process reads it)
            assert two_halves and all(n for n in two_halves), label


def _check_columns(instance) -> list[tuple[int, str, int]]:
    """The sampling's columns of every last check: (entity row, department, day)."""
    from solver.sampling import EntityTable

    table = EntityTable(instance.entities)
    departments = [table.check_departments[c] for c in table.check_department.tolist()]
    return sorted(zip(table.check_entity.tolist(), departments, table.check_day.tolist(), strict=True))


def _first_error(path, workers: int) -> str:
    with pytest.raises(InputError) as caught:
        load_instance(path, workers=workers)
    return str(caught.value)


@pytest.mark.parametrize("change", [
    lambda es: es[25].update(risk="Z"),  # an error in the second half
    lambda es: es[25].update(uscc=es[3]["uscc"]),  # a USCC of the first half again
    lambda es: es[27].update(uscc=es[25]["uscc"]),  # twice in the second half
    lambda es: (es[3].update(risk="Z"), es[25].update(name=None)),  # errors in both: the first
    lambda es: es[5].update(status=""),  # in the first half only
    lambda es: es[24].update(tags=["new tag"], lists="x"),
])
def test_two_processes_report_the_first_error_as_one_does(tmp_path, two_halves, change):
    doc = document(entities=30, inspectors=2)
    change(doc["entities"])
    path = tmp_path / "i.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    assert _first_error(path, 2) == _first_error(path, 1)
    assert _first_error(path, 2).startswith("$.entities[")


def test_a_failed_child_leaves_the_reading_to_this_process(realistic, tmp_path, monkeypatch, two_halves):
    def fail(data, at):
        raise RuntimeError("lost")

    monkeypatch.setattr(slices, "_second_half", fail)
    path = tmp_path / "i.json"
    path.write_text(json.dumps(realistic, ensure_ascii=False), encoding="utf-8")
    assert load_instance(path, workers=2) == load_instance(path, workers=1)
    assert not two_halves


def test_what_the_scans_act_on_is_found_in_a_slice_or_in_the_rest(tmp_path):
    """No whole-text scan before reading: a slice read as JSON objects (here:
    an entity with a key the format does not define) and the rest of the
    document are scanned. An integer beyond 64 bits there still reaches the
    exact decoder (orjson alone would decode a float), in a typed slice it is
    exact anyway; nesting too deep is refused with the whole reader's message."""
    doc = document(entities=30, inspectors=3)
    doc["entities"][4]["checks_this_year"] = 2**64  # a typed slice: msgspec's integers are exact
    doc["entities"][7]["note"] = [2**70]  # a slice of JSON objects
    doc["note"] = -(2**66)  # the rest
    path = tmp_path / "long.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert load_instance(str(path), workers=1) == parse_instance(doc)
    assert load_instance(str(path), workers=1).input_digest == parse_instance(doc).input_digest
    deep_value = json.loads("[" * 70 + "]" * 70)
    for where in ("entity", "rest"):
        deep = document(entities=30, inspectors=3)
        if where == "entity":
            deep["entities"][3]["note"] = deep_value
        else:
            deep["note"] = deep_value
        path = tmp_path / f"deep-{where}.json"
        path.write_text(json.dumps(deep), encoding="utf-8")
        with pytest.raises(InputError) as caught:
            load_instance(str(path))
        with pytest.raises(InputError) as whole:
            reader.load_document(str(path))
        assert str(caught.value) == str(whole.value) and "64" in str(caught.value), where


def test_empty_inspectors_need_no_json_objects(realistic, tmp_path, monkeypatch):
    """A file whose checks write ``"inspectors": []`` (as another generator
    does) is read by the typed decoder alone, slice after slice."""
    def refuse(*args, **kwargs):
        raise AssertionError("a slice was read as JSON objects")

    doc = json.loads(json.dumps(realistic))
    doc["entities"] = [e for e in doc["entities"] if set(e) <= {"uscc", "name", "district", "risk", "status",
                                                                 "tags", "lists", "checks_this_year",
                                                                 "industry", "type", "last_checks"}]
    for n, entity in enumerate(doc["entities"][::50]):
        entity["last_checks"] = [{"department": "HBJ", "date": "2026-05-15", "inspectors": [] if n % 2 else ["E1"]}]
    path = tmp_path / "empty.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setattr(slices, "_decoded", refuse)
    loaded = load_instance(path)
    assert loaded.input_digest == input_digest(doc)


def test_the_first_half_is_hashed_after_the_head_it_guessed(realistic, tmp_path, monkeypatch, two_halves):
    """With two processes, this one hashes its half while the child reads,
    after the members written before the array; if a member written after
    it sorts before ``entities``, the digest starts over: the same digests."""
    made = []
    digest_class = slices._Digest

    def counted(head):
        made.append(head)
        return digest_class(head)

    monkeypatch.setattr(slices, "_Digest", counted)
    digests = input_and_frozen_digest(realistic)
    others = {k: v for k, v in realistic.items() if k != "entities"}
    for label, doc, guesses in (("sorted", realistic, 1), ("entities first", {"entities": realistic["entities"], **others}, 2)):
        path = tmp_path / f"{label}.json"
        path.write_text(json.dumps(doc, sort_keys=label == "sorted", ensure_ascii=False), encoding="utf-8")
        made.clear()
        loaded = load_instance(path, workers=2)
        assert (loaded.input_digest, loaded.frozen_digest) == digests, label
        assert len(made) == guesses, label
