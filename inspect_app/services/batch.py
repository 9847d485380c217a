"""Reading and building large batches of rows (registry imports, instances,
a draw's schedule and review): JSON list columns decoded once per distinct
text, and the cyclic garbage collector kept out of the way."""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

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


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic collector for the block; restore its state afterwards,
    also when the block raises. Only for code that creates no reference cycles.

    >>> with gc_paused():
    ...     gc.isenabled()
    False
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
