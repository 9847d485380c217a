import doctest

from inspect_app.services import masking


def test_doctests():
    assert doctest.testmod(masking).failed == 0
