"""Strict JSON reading: no duplicate object keys, at most :data:`MAX_DEPTH`
levels of nesting.

Python's ``json`` (and orjson) keep the last of two equal keys; a document
could then say one thing to this verifier and another to a reader that keeps
the first. Every reader of the solver refuses such a document instead, naming
the JSON path of the object:

>>> try:
...     loads_strict('{"entities": [{"uscc": "A"}, {"uscc": "B", "uscc": "C"}]}', "i.json")
... except InputError as error:
...     print(error)
i.json: $.entities[1]: duplicate key "uscc"

A document nested deeper than :data:`MAX_DEPTH` levels (each array or object
is one level; an instance needs 6) is refused before it is parsed, instead of
running the parser into Python's recursion limit:

>>> nested_deeper_than(b'{"a": [[1], {"b": "]]]"}]}', 2), nested_deeper_than(b'[[[]]]', 3)
(True, False)
"""

from __future__ import annotations

import json
import re

import numpy as np

from solver import messages
from solver.errors import InputError

MAX_DEPTH = 64  # levels of nested arrays and objects a document may have

_DELETE = bytes(range(256)).translate(None, b'"[]{}')  # every byte but these five
_PARENS = bytes.maketrans(b"[]{}", b"()()")
_STRING = re.compile(rb'"[^"]*"')


def count_byte(data: bytes | memoryview, byte: bytes, start: int = 0, end: int | None = None) -> int:
    """``data[start:end].count(byte)`` for one byte, without a copy: numpy
    compares a whole buffer at a time (about six times faster than
    ``bytes.count`` on a megabyte of JSON).

    >>> count_byte(b'{"a": 1, "b": ":"}', b":"), count_byte(b"[[x]]", b"[", 1, 4)
    (3, 1)
    """
    size = len(data)
    end = size if end is None else max(0, min(end, size))
    start = max(0, min(start, end))
    return int(np.count_nonzero(np.frombuffer(data, np.uint8, end - start, start) == byte[0]))


def nested_deeper_than(data: bytes, limit: int = MAX_DEPTH) -> bool:
    """Whether the JSON text ``data`` nests arrays/objects more than ``limit``
    levels deep (brackets inside strings do not count).

    Escaped backslashes and quotes are removed first (left to right, as a JSON
    reader pairs them), so that every remaining ``"`` opens or closes a string;
    then everything but quotes and brackets is deleted, strings are removed,
    and matched bracket pairs are removed one level per pass: the number of
    passes that empties the text is its depth. Every step is a C-level bytes
    operation.

    Text whose brackets do not pair up is not JSON, but the parser recurses
    into its opening brackets before it says so (100,000 ``[`` ran it into
    Python's recursion limit: a traceback). There every level that can
    still enclose a bracket is a pair an earlier pass removed or an opening
    bracket left unmatched, and the text is "deeper" when those can add up
    to more than ``limit``; shallower broken text is left to the parser.

    >>> nested_deeper_than(b"[" * 100_000 + b"]" * 100_000)
    True
    >>> nested_deeper_than(b"[" * 100_000), nested_deeper_than(b'{"a":' * 2_000)
    (True, True)
    >>> nested_deeper_than(b"[[1]", 2), nested_deeper_than(b"[[[1]", 2), nested_deeper_than(b'["]"', 1)
    (False, True, False)
    """
    if b"\\" in data:
        data = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    rest = data.translate(_PARENS, _DELETE).replace(b'""', b"")
    if b'"' in rest:
        rest = _STRING.sub(b"", rest)
    for passes in range(limit):
        if not rest:
            return False
        shorter = rest.replace(b"()", b"")
        if len(shorter) == len(rest):  # unbalanced: not JSON, yet the parser recurses first
            return passes + rest.count(b"(") > limit
        rest = shorter
    return bool(rest)


def check_depth(data: bytes, name: str) -> None:
    """Raise :class:`InputError` if ``data`` nests deeper than :data:`MAX_DEPTH`."""
    if nested_deeper_than(data, MAX_DEPTH):
        raise InputError(messages.too_deep(name, MAX_DEPTH))


class DuplicateKey(ValueError):
    """An object of the text has the same key twice (raised by :func:`unique_pairs`)."""


def unique_pairs(pairs: list) -> dict:
    """``object_pairs_hook`` that refuses a duplicate key."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise DuplicateKey(_first_repeated(pairs))
    return obj


def _first_repeated(pairs: list) -> str:
    seen = set()
    for key, _ in pairs:
        if key in seen:
            return key
        seen.add(key)
    raise AssertionError("no repeated key")  # pragma: no cover


class _Marked(dict):
    """A decoded object that had a duplicate key (which one: ``repeated``)."""

    __slots__ = ("repeated",)
    repeated: str


def _marking_hook(found: list):
    def hook(pairs: list) -> dict:
        obj = dict(pairs)
        if len(obj) != len(pairs):
            obj = _Marked(obj)
            obj.repeated = _first_repeated(pairs)
            found.append(obj)
        return obj
    return hook


def duplicate_path(value: object) -> tuple[str, str] | None:
    """(JSON path, key) of the first object, in document order, that was
    decoded by :func:`loads_strict`'s hook with a duplicate key."""
    stack = [("$", value)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, _Marked):
            return path, node.repeated
        if isinstance(node, dict):
            stack.extend(reversed([(f"{path}.{key}", child) for key, child in node.items()]))
        elif isinstance(node, list):
            stack.extend(reversed([(f"{path}[{n}]", child) for n, child in enumerate(node)]))
    return None


def _reject_constant(constant: str) -> object:
    raise ValueError(constant)


def loads_strict(text: str, name: str) -> object:
    """``json.loads`` refusing ``NaN``/``Infinity`` and duplicate keys (the
    message names the path of the object). Syntax errors raise
    :class:`json.JSONDecodeError`, constants :class:`ValueError`, as with
    ``json.loads``; check the depth (:func:`check_depth`) first."""
    found: list = []
    value = json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_marking_hook(found))
    if found:
        path, key = duplicate_path(value) or ("$", found[0].repeated)
        raise InputError(messages.duplicate_key(name, path, key), path)
    return value


# digits to "0"; what may come before a number token ("[", ":", ",", white space, "-") to " "
_NUMBER_SHAPES = bytes.maketrans(b"0123456789[:,\t\n\r-", b"0000000000" + b" " * 7)
_LONG_RUN = b" " + b"0" * 19


def long_number(data: bytes) -> bool:
    """Whether ``data`` may hold a number token of 19 digits or more (which
    orjson would decode as a float if it does not fit 64 bits): a run of 19
    digits after one of ``[ : , -`` or white space. Such a run inside a
    string (rare: a USCC has 18 characters, a hex secret has letters between
    its digits, or else the run follows a letter or quote) only costs the
    slower decoder, never a different result.

    >>> long_number(b'{"a": [1, -12345678901234567890]}'), long_number(b'{"a": "x1234567890123456789"}')
    (True, False)
    """
    return _LONG_RUN in data.translate(_NUMBER_SHAPES)
