"""USCC validation: stdnum's check plus the letter registration authorities."""

from __future__ import annotations

import doctest

from hypothesis import given, strategies as st
from stdnum.cn import uscc as stdnum_uscc

from inspect_app.services import uscc

DIGIT_FIRST17 = st.tuples(
    st.sampled_from("123456789"), st.text("0123456789", min_size=7, max_size=7),
    st.text(uscc.ALPHABET, min_size=9, max_size=9),
).map("".join)


def test_doctests():
    result = doctest.testmod(uscc)
    assert result.attempted >= 8 and result.failed == 0


@given(DIGIT_FIRST17, st.sampled_from(uscc.ALPHABET))
def test_agrees_with_stdnum_for_digit_authorities(first17, last):
    code = first17 + last
    assert uscc.is_valid(code) == stdnum_uscc.is_valid(code)
    assert uscc.calc_check_character(first17) == stdnum_uscc.calc_check_digit(first17)


@given(st.sampled_from("ANY"), DIGIT_FIRST17)
def test_letter_authorities_accepted_and_checked(authority, rest):
    first17 = authority + rest[1:]
    code = uscc.with_check_character(first17)
    assert uscc.check(code) is None
    assert not stdnum_uscc.is_valid(code)  # the gap this module fills
    wrong = uscc.ALPHABET[(uscc.ALPHABET.index(code[-1]) + 1) % len(uscc.ALPHABET)]
    assert uscc.check(first17 + wrong) == f"wrong check character (expected {code[-1]})"


def test_reasons():
    assert uscc.check("91110000600037341X") == "wrong check character (expected L)"
    assert uscc.check("B1110000600037341L").startswith("position 1 must be")
    assert uscc.check("9A110000600037341L").startswith("positions 2-8 must be digits")
    assert uscc.check("91110000O00037341L") == "character 'O' at position 9 is not allowed"
    assert uscc.check("91110000600037341") == "must be 18 characters, got 17"
    assert uscc.is_valid(" 91110000-600037341l ")
