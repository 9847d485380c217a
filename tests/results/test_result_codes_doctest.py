"""The examples in services/result_codes.py hold."""

import doctest

from inspect_app.services import result_codes


def test_result_code_doctests():
    outcome = doctest.testmod(result_codes)
    assert outcome.attempted >= 4 and outcome.failed == 0
