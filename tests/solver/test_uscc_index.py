"""The USCC index (:mod:`solver.uscc_index`) against a dictionary, and the
reader's check that USCCs are distinct."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solver import uscc_index
from solver.errors import InputError
from solver.instance import parse_instance
from solver.uscc_index import UsccIndex
from tests.solver.examples import document

# few distinct USCCs, so that lists repeat them
usccs = st.lists(st.sampled_from([f"91350181MA2Y0XX{n:03d}" for n in range(12)] + ["x", "福" * 18]), max_size=30)


def _first_repeat(values: list[str]) -> int | None:
    seen = set()
    for row, value in enumerate(values):
        if value in seen:
            return row
        seen.add(value)
    return None


def _agrees(values: list[str], queries: list[str]) -> None:
    index = UsccIndex(values)
    assert index.first_repeat() == _first_repeat(values)
    for query, row in zip(queries, index.rows_of(queries), strict=True):
        if query in values:
            assert row is not None and values[row] == query
        else:
            assert row is None
        assert index.row_of(query) == row


@settings(max_examples=200, deadline=None)
@given(usccs, usccs)
def test_the_index_finds_what_a_dictionary_finds(values, queries):
    _agrees(values, queries)


def test_equal_keys_of_different_usccs_cost_a_comparison_not_a_wrong_row(monkeypatch):
    monkeypatch.setattr(uscc_index, "_MIX", (0, 0, 0))  # every USCC has key 0

    @settings(max_examples=100, deadline=None)
    @given(usccs, usccs)
    def check(values, queries):
        _agrees(values, queries)

    check()


def _error(doc) -> str:
    with pytest.raises(InputError) as caught:
        parse_instance(json.loads(json.dumps(doc)))
    return str(caught.value)


def test_the_first_error_in_document_order_is_named():
    """A repeated USCC is found after reading, yet named only if no error in
    another entity comes before it."""
    doc = document(entities=12, inspectors=2)
    es = doc["entities"]
    es[7]["uscc"] = es[2]["uscc"]
    assert _error(doc) == f"$.entities[7].uscc: duplicate entity '{es[2]['uscc']}'"
    es[9]["risk"] = "Z"  # after the repeat
    assert _error(doc).startswith("$.entities[7].uscc: duplicate entity")
    es[5]["risk"] = "Z"  # before it
    assert _error(doc).startswith("$.entities[5].risk")
    es[5]["risk"], es[9]["risk"] = "B", "B"
    es[10]["uscc"] = es[1]["uscc"]  # a second repeat, later
    assert _error(doc).startswith("$.entities[7].uscc")


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=18, max_size=18), max_size=20))
def test_the_keys_of_a_block_are_each_strings_key(values):
    text = "".join(values).encode("ascii")
    assert uscc_index._keys(text, len(values)).tolist() == [uscc_index._key(v.encode("ascii")) for v in values]
