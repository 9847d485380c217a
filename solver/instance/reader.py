"""Reading instance files: one reader whose cost does not depend on key order
or white space.

An instance file's entity array is read a slice at a time wherever it is in
the file (:mod:`solver.instance.slices`: msgspec decodes a slice of entities
of the format's types, orjson any other slice, and a decode proves every cut);
the rest of the document is decoded whole. The scans below (depth, long
numbers) then cover the slices read as JSON objects and the rest, not the
typed slices, which can hold neither. :func:`decode` reads a
whole document at once — every other file (outcomes, registers), and an
instance :mod:`~solver.instance.slices` does not vouch for (an invalid one,
mostly: it then names the problem). orjson decodes the document; the only
other decoder is the standard library's (:func:`solver.jsontext.loads_strict`,
the reference), and it is used for exactly three kinds of document, decided by
their content and never by their layout:

* a document orjson refuses: the reference names the problem (line and
  column of a syntax error, ``NaN``, a duplicate key, …) — or decodes the two
  kinds of value orjson cannot hold, a lone surrogate escape (refused later,
  when the digest needs its UTF-8 form) and a number beyond the range of a
  double;
* a document with a number of 19 digits or more (:func:`~solver.jsontext.long_number`), which
  orjson would turn into a float if it does not fit 64 bits, while the
  protocol's integers are unbounded;
* a document in which a key might be duplicated (orjson keeps the last of two
  equal keys; the format refuses them): see :func:`_no_duplicate_key`.

Every document is first checked for nesting deeper than
:data:`~solver.jsontext.MAX_DEPTH` levels.

>>> doc = decode(b'{"b": [1, {"c": "x"}], "a": 2.5}', "i.json")
>>> doc == {"a": 2.5, "b": [1, {"c": "x"}]}
True
>>> try:
...     decode(b'{"a": {"b": 1, "b": 2}}', "i.json")
... except InputError as error:
...     print(error)
i.json: $.a: duplicate key "b"
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import orjson

from solver import messages
from solver.errors import InputError
from solver.instance import slices
from solver.instance.document import document_digests, parse_instance
from solver.instance.gcpause import paused_gc
from solver.jsontext import check_depth, loads_strict, long_number
from solver.model import Instance
from solver.progress import NullProgress, Progress

_ESCAPED_COLON = re.compile(rb"\\u003[aA]").search


def _no_duplicate_key(data: bytes, doc: object) -> bool:
    """Whether the JSON text ``data``, which orjson decoded to ``doc``, has no
    duplicate key.

    A colon outside strings separates a member, so the colons of ``data`` are
    its members plus the colons inside its strings, and those of
    ``orjson.dumps(doc)`` the members that survived decoding plus the colons of
    the strings that survived. A duplicate drops a member (with its colon) from
    the second; only a ``\\u003a`` escape in ``data`` could make up for that,
    so equal counts without such an escape prove that no key is duplicated.

    >>> text = b'{"a": "x:y", "b": {"c": 1}}'
    >>> _no_duplicate_key(text, orjson.loads(text))
    True
    >>> text = b'{"a": 1, "a": 2}'
    >>> _no_duplicate_key(text, orjson.loads(text))
    False
    """
    if b"\\u003" in data and _ESCAPED_COLON(data):
        return False
    return data.count(b":") == orjson.dumps(doc).count(b":")


def _reference(data: bytes, name: str) -> object:
    """The document decoded by the standard library, or the error that names
    what is wrong with it."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(messages.not_utf8(name)) from None
    try:
        return loads_strict(text, name)
    except json.JSONDecodeError as error:
        raise InputError(messages.json_syntax(name, error.lineno, error.colno, error.msg)) from None
    except ValueError as error:
        raise InputError(messages.json_constant(name, str(error))) from None


def decode(data: bytes, name: str) -> dict:
    """The JSON document ``data``, which must be an object (see the module
    docstring for the rules)."""
    check_depth(data, name)
    doc = None
    if not long_number(data):
        try:
            doc = orjson.loads(data)
        except orjson.JSONDecodeError:
            doc = None
        else:
            if not _no_duplicate_key(data, doc):
                doc = None
    if doc is None:
        doc = _reference(data, name)
    if not isinstance(doc, dict):
        raise InputError(messages.not_an_object(name))
    return doc


def _read_bytes(path: str | Path, name: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise InputError(messages.file_unreadable(name, error.strerror or str(error))) from None


def load_document(path: str | Path, name: str | None = None) -> dict:
    """Read a JSON document that must be an object.

    ``NaN`` and ``Infinity`` are refused (they are not JSON), and so are an
    object with a duplicate key (the message names its JSON path) and nesting
    deeper than :data:`~solver.jsontext.MAX_DEPTH` levels; a syntax error is
    reported with its line and column.
    """
    name = name or str(path)
    return decode(_read_bytes(path, name), name)


def load_instance(path: str | Path, progress: Progress | None = None,
                  workers: int = 1) -> Instance:
    """Read, digest and parse an instance file: the entity array a slice at a
    time into the registry's columns, with the digests
    (:func:`solver.instance.slices.read`), or else the whole document
    (:func:`decode`, :func:`~solver.instance.document.document_digests`);
    then :func:`~solver.instance.document.parse_instance`. Both give the same
    instance, or the same first error. With ``workers`` > 1 a large entity
    array is read by two processes at once (same result)."""
    progress = progress or NullProgress()
    name = str(path)
    progress.stage("read")
    data = _read_bytes(path, name)
    with paused_gc():
        found = slices.read(data, progress, workers)
        if found is not None:
            del data
            progress.stage("parse")
            instance = parse_instance(found.doc, digest=found.digest, progress=progress, frozen=found.frozen,
                                      entities=found.entities)
        else:
            doc = decode(data, name)
            del data
            progress.stage("digest")
            digest, frozen = document_digests(doc, name)
            progress.stage("parse")
            instance = parse_instance(doc, digest=digest, progress=progress, consume=True, frozen=frozen)
    progress.done()
    return instance
