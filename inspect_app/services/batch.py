"""Reading and building large batches of rows (registry imports, instances,
a draw's schedule and review): JSON list columns decoded once per distinct
text, and the cyclic garbage collector kept out of the way."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TypeVar

# The cyclic collector paused for a block that builds many objects and no
# reference cycles: the solver's helper, one for both.
from solver.instance.gcpause import paused_gc as gc_paused  # noqa: F401  (re-exported)

T = TypeVar("T")


def json_lists(convert: Callable[[list], T] = list) -> Callable[[str | None], T]:
    """A decoder for a JSON list column read as text: each distinct text is
    decoded (and passed through ``convert``) once, and equal texts share the
    result, so it must not be mutated. NULL and empty text give ``convert([])``.

    >>> decode = json_lists(tuple)
    >>> decode('["E1", "E2"]'), decode(None), decode('["E1", "E2"]') is decode('["E1", "E2"]')
    (('E1', 'E2'), (), True)
    """
    decoded: dict[str | None, T] = {}

    def decode(text: str | None) -> T:
        found = decoded.get(text)
        if found is None:
            found = decoded[text] = convert(json.loads(text) or [] if text else [])
        return found

    return decode
