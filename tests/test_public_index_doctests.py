import doctest

from inspect_app.services import public_index


def test_doctests():
    assert doctest.testmod(public_index).failed == 0
