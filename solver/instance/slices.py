"""The entity array of an instance file read a slice at a time, wherever it is
in the file and whatever the key order and white space.

Decoding a whole city's registry at once holds the JSON objects of every
entity in memory (about 0.9 KB each, five times the file); this reader holds a
slice of about :data:`SLICE_BYTES` at a time and builds the registry's columns
as it goes. Every step is proved by a decoder, never guessed:

* the top-level ``"entities"`` key: the file's bytes before an occurrence of
  ``"entities"``, followed by ``"entities":0}``, decode only if the occurrence
  is a key of the top-level object (inside a string, a nested object or a
  value position the text cannot decode);
* a cut between two elements: ``"[" + bytes + "]"`` decodes only if the bytes
  are whole elements of the array (a cut inside an element leaves a string,
  object or array open; a cut past the array's ``]`` leaves text after the
  value). Each slice is decoded first as typed entities
  (:mod:`solver.instance.typed`: msgspec checks the format's types as it
  decodes, and the columns are taken without a check per value), else by
  orjson as JSON objects; such a slice, and the rest of the document, are
  then scanned as :func:`solver.instance.reader.decode` scans a whole text
  (nesting, long numbers), which a typed slice cannot hold. A count of
  brackets picks the cuts to try first (:func:`_cuts`);
* the rest of the document: the file with the entity array replaced by
  ``[]`` is decoded whole.

Duplicate keys are excluded as in :func:`solver.instance.reader._no_duplicate_key`:
each piece has as many ``:`` bytes as its serialisation (the file holds no
``\\u003a`` escape, checked first). The canonical bytes of each slice
(:func:`~solver.canonical.encode_canonical`, or :func:`solver.instance.typed.encode`) are kept — a tenth of the
objects' size — and hashed in canonical member order at the end.

:func:`read` returns None when it cannot vouch for the file — no top-level
entity array of objects, a syntax error, a possible duplicate key, an element
so large or nested that no cut is found in :data:`TRIES` attempts — and the
whole document is then decoded at once (:func:`solver.instance.reader.decode`),
which gives the same instance or names the problem. Which path a file takes
depends on its content, never on its layout: the tests check that every
layout of a valid instance is read here.

With two workers, a large array is read by two processes at once
(:func:`_read_array`): this one up to a proved cut near the middle, a forked
child from there to the end (:mod:`solver.instance.halves`); the result is
the same as with one.
"""

from __future__ import annotations

import os
import re
import threading
from functools import partial
from hashlib import sha256

import orjson

from solver.canonical import _dumps, encode_canonical, finish_digests, iter_canonical_bytes
from solver.errors import InputError
from solver.forking import run_forked
from solver.instance import halves, typed
from solver.instance.entities import EntityReader
from solver.jsontext import MAX_DEPTH, count_byte, long_number, nested_deeper_than
from solver.progress import NullProgress, Progress
from solver.registry import EntityRows

SLICE_BYTES = 1 << 20  # bytes of entity text decoded at a time, roughly
SMALLEST_STEP = 1 << 12  # near the array's end, cuts are tried ever closer
TRIES = 64  # failed cuts tolerated per slice before the whole document is decoded
BALANCE_TRIES = 16  # unbalanced cuts passed over per slice before any cut is tried
PARALLEL_BYTES = 32 << 20  # smaller files are read in one process
SHARE = 0.55  # the part of the array (from its start, in bytes) that the parent reads when two do: the
# child also packs its columns (about 1.4 s at the province) while the parent reads on, then the parent merges
# them (own province-open, reading alone: 13.8-14.7 s at 0.53-0.56, 15.0-16.3 s at 0.5, 14.6-15.0 s at 0.6)
ROOM = 2  # memory shared with the child, per byte of its part: its canonical text and columns
# took 1.6 bytes per byte of the bench's province (more goes through a pipe)
KEY = "entities"
_OBJECTS = {dict}
_SPACE = re.compile(rb"[ \t\n\r]*").match
_CUT = re.compile(rb"\}[ \t\n\r]*,[ \t\n\r]*\{")  # "}" "," "{": between two objects, perhaps
_END = re.compile(rb"\}[ \t\n\r]*\]")  # "}" "]": the last object of the array, perhaps


def _skip(data: bytes, at: int) -> int:
    """The index of the first byte at or after ``at`` that is not white space."""
    found = _SPACE(data, at)
    return found.end() if found else at


class Sliced:
    """What :func:`read` found: the document without its entities (``doc``,
    whose ``entities`` is ``[]``), the registry (or the first entity error,
    raised where the checks of the document reach the entities), the digests."""

    __slots__ = ("doc", "entities", "digest", "frozen")

    def __init__(self, doc: dict, entities: EntityRows | InputError, digest: bytes, frozen: bytes) -> None:
        self.doc, self.entities, self.digest, self.frozen = doc, entities, digest, frozen


def _array_start(data: bytes) -> tuple[int, dict] | None:
    """The index of the ``[`` of the top-level entity array, and the
    top-level members written before it; or None."""
    found = -1
    for _ in range(4):
        found = data.find(b'"entities"', found + 1)
        if found < 0:
            return None
        try:
            before = orjson.loads(data[:found] + b'"entities":0}')
        except orjson.JSONDecodeError:
            continue
        at = _skip(data, found + len(b'"entities"'))
        if data[at:at + 1] != b":":
            return None
        at = _skip(data, at + 1)
        return (at, before) if data[at:at + 1] == b"[" else None
    return None


def _decoded(data: bytes, start: int, close: int) -> list | None:
    """``data[start:close + 1]`` as whole elements of an array, or None."""
    try:
        value = orjson.loads(b"[" + data[start:close + 1] + b"]")
    except orjson.JSONDecodeError:
        return None
    return value


def _typed(data: bytes, start: int, close: int) -> list | None:
    """``data[start:close + 1]`` as whole typed entities (:mod:`solver.instance.typed`), or None."""
    return typed.decode(b"[" + data[start:close + 1] + b"]")


def _cuts(data: bytes, start: int, pattern: re.Pattern, at: int):
    """The matches of ``pattern`` from ``at`` on, those that close a slice
    from ``start`` with as many ``[`` as ``]`` first: whole elements have as
    many, unless a string holds a bracket, while a ``},{`` between the
    objects of an array inside an element (``last_checks``) never has.
    After :data:`BALANCE_TRIES` unbalanced ones every match is yielded,
    whatever its balance (a decoder, not this count, proves a cut)."""
    balance, scanned, skipped = 0, start, 0
    for match in pattern.finditer(data, at):
        close = match.start()
        balance += count_byte(data, b"[", scanned, close) - count_byte(data, b"]", scanned, close)
        scanned = close
        if balance == 0 or skipped >= BALANCE_TRIES:
            yield match
        else:
            skipped += 1


def _next_slice(data: bytes, start: int, stop: int | None = None, decode=_decoded,
                tries: int = TRIES) -> tuple[list, int, int, bool] | None:
    """(elements, index of the last one's ``}``, index after them, whether
    the array ends there) for a slice from ``start`` (an element's first
    byte), decoded by ``decode``; None after ``tries`` failed decodes. With
    ``stop`` (the ``}`` of a cut further on) the slice ends there once it is
    within reach, if that cut is proved; else the slice is as without ``stop``."""
    failed = 0
    step = SLICE_BYTES
    if stop is not None and start + step >= stop:
        found = decode(data, start, stop)
        if found is not None:
            return found, stop, stop + 1, False
        failed += 1
    while failed < tries:
        if start + step < len(data):
            for n, match in enumerate(_cuts(data, start, _CUT, start + step)):
                if n == 2 or failed >= tries:
                    break
                found = decode(data, start, match.start())
                if found is not None:
                    return found, match.start(), match.start() + 1, False
                failed += 1
        if step == 0:
            break
        step = step // 2 if step > SMALLEST_STEP else 0
    for match in _cuts(data, start, _END, start):  # the last elements: the array's end
        if failed >= tries:
            return None
        found = decode(data, start, match.start())
        if found is not None:
            return found, match.start(), match.end(), True
        failed += 1
    return None


def _plain(text: bytes, around: int = 2) -> bool:
    """Whether text read as JSON objects holds nothing the whole-text scans
    of :func:`solver.instance.reader.decode` would act on: nesting deeper
    than the document allows (``around``: the levels that enclose the text;
    two for elements of the entity array) or a number of 19 digits or more."""
    return not nested_deeper_than(text, MAX_DEPTH - around) and not long_number(text)


class Run:
    """The elements of the array from one element on, read a slice at a
    time into a reader's columns and canonical pieces (:meth:`read`)."""

    __slots__ = ("reader", "error", "pieces")

    def __init__(self) -> None:
        self.reader = EntityReader()
        self.error: InputError | None = None
        self.pieces: list[bytes | memoryview] = []

    def read(self, data: bytes, at: int, progress: Progress, stop: int | None = None) -> int | None:
        """Read from ``at`` (an element's first byte) to the array's end, or
        to the cut ``stop`` (the ``}`` of the last element) if it is met and
        proved: the index after the array's ``]``, or -1 at ``stop``; None
        if the elements cannot be vouched for.

        Each slice is first decoded as typed entities (one attempt; see
        :mod:`solver.instance.typed`), else (or if their canonical text has
        fewer members than the slice) as JSON objects, which are then
        scanned for what the whole document's reader would act on."""
        while True:
            found = _next_slice(data, at, stop, _typed, 1)
            if found is not None:
                elements, close, after, last = found
                text = typed.encode(elements)
                if count_byte(data, b":", at, after) != count_byte(text, b":"):
                    found = None  # a duplicate key: read as JSON objects (which then name it)
            if found is not None:
                if self.error is None and not typed.append_typed(self.reader, elements):
                    self._parse(typed.as_objects(elements))
            else:
                found = _next_slice(data, at, stop)
                if found is None:
                    return None
                elements, close, after, last = found
                if not _plain(data[at:close + 1]):
                    return None
                text = encode_canonical(elements)
                if count_byte(data, b":", at, after) != count_byte(text, b":") or set(map(type, elements)) != _OBJECTS:
                    return None
                if self.error is None:
                    self._parse(elements)
            self.pieces.append(text[1:-1])
            progress.advance(len(elements))
            if last:
                return after
            if stop is not None and after > stop:
                if after == stop + 1:
                    return -1
                stop = None  # went past it: read on to the end
            at = _skip(data, _skip(data, after) + 1)  # past the ","

    def _parse(self, elements: list) -> None:
        try:
            self.reader.parse(elements)
        except InputError as caught:  # raised in document order, after the other sections
            self.error = caught


class _Digest:
    """SHA-256 of the canonical document as far as it is known: ``head``
    (see :func:`_head_bytes`), then the entity pieces added so far."""

    __slots__ = ("head", "hasher", "pieces")

    def __init__(self, head: bytes) -> None:
        self.head, self.hasher, self.pieces = head, sha256(head), 0

    def add(self, pieces: list[bytes | memoryview]) -> None:
        """Add the pieces from the first one not added yet."""
        for piece in pieces[self.pieces:]:
            if self.pieces:
                self.hasher.update(b",")
            self.hasher.update(piece)
            self.pieces += 1


def _second_half(data: bytes, at: int) -> list[bytes | memoryview]:
    """What a forked child reads: the elements from ``at`` to the array's end,
    as the index after the array, the canonical text of the elements and the
    packed columns; nothing if they cannot be vouched for or hold an error
    (the parent then reads them)."""
    run = Run()
    end = run.read(data, at, NullProgress())
    if end is None or end < 0 or run.error is not None:
        return []
    pieces: list[bytes | memoryview] = [b","] * (2 * len(run.pieces) - 1)
    pieces[::2] = run.pieces
    size = sum(map(len, pieces))
    return [end.to_bytes(8, "big"), size.to_bytes(8, "big"), *pieces, halves.pack(run.reader)]


def _read_array(data: bytes, at: int, progress: Progress, workers: int,
                before: dict) -> tuple[Run, int, _Digest | None] | None:
    """The elements from ``at`` (the first one's first byte) to the array's
    end, and the index after the array; None if they cannot be vouched for.

    With two ``workers`` and a large file, a forked child reads from a cut
    a little past the middle (:data:`SHARE`) to the end while this process reads up to
    that cut, then takes the child's columns (:func:`solver.instance.halves.merge`).
    If this process cannot prove that cut, or the child's part cannot be
    taken as it is (an error in it, a failed child), this process reads that
    part itself: the same result as one process, always (a USCC in both
    parts is found after the merge, as in one process)."""
    run = Run()
    middle = None
    if workers > 1 and hasattr(os, "fork") and len(data) - at >= PARALLEL_BYTES:
        middle = _CUT.search(data, at + int((len(data) - at) * SHARE))
    if middle is None:
        end = run.read(data, at, progress)
        return None if end is None else (run, end, None)
    start = middle.end() - 1  # the "{" of the child's first element

    def first_half() -> tuple[int | None, _Digest | None]:
        end = run.read(data, at, progress, middle.start())
        if end != -1:
            return end, None
        try:  # while the child reads on, hash this half after the head it most likely has
            running = _Digest(_head_bytes(before))
        except (TypeError, ValueError, RecursionError):  # the whole document's reader names it
            return end, None
        running.add(run.pieces)
        return end, running

    (end, running), (packed,) = run_forked(first_half, [partial(_second_half, data, start)],
                                           ROOM * (len(data) - start) + (64 << 20))
    if end is None or end >= 0:  # the array ended before the cut (or is not vouched for)
        return None if end is None else (run, end, running)
    if packed:
        size = int.from_bytes(packed[8:16], "big")
        view = memoryview(packed)
        run.pieces.append(view[16:16 + size])
        hashing = None
        if running is not None:  # hashlib lets go of the GIL for large buffers: hash while merging
            hashing = threading.Thread(target=running.add, args=(list(run.pieces),))
            hashing.start()
        try:
            if run.error is None:
                progress.advance(halves.merge(run.reader, view[16 + size:]))
        finally:
            if hashing is not None:
                hashing.join()
        return run, int.from_bytes(packed[:8], "big"), running
    end = run.read(data, start, progress)
    return None if end is None else (run, end, running)


def _head_bytes(members: dict) -> bytes:
    """``{`` and the canonical members sorting before ``"entities"``, then ``"entities":[``."""
    parts = [b"{"]
    for key in sorted(k for k in members if k < KEY and k != "secret"):
        parts.append((_dumps(key) + ":").encode("utf-8"))
        parts.extend(iter_canonical_bytes(members[key]))
        parts.append(b",")
    parts.append(b'"entities":[')
    return b"".join(parts)


def read(data: bytes, progress: Progress, workers: int = 1) -> Sliced | None:
    """The instance file ``data`` (depth and long numbers already checked by
    the caller), or None (see the module docstring). With ``workers`` > 1 a
    large array is read in two halves at once (:func:`_read_array`)."""
    if b"\\u003" in data and re.search(rb"\\u003[aA]", data):
        return None
    found_start = _array_start(data)
    if found_start is None:
        return None
    begin, before = found_start
    progress.stage("entities")
    at = _skip(data, begin + 1)
    running: _Digest | None = None  # the digest so far, if the reading began it
    if data[at:at + 1] == b"]":
        run, end = Run(), at + 1
    else:
        found = _read_array(data, at, progress, workers, before)
        if found is None:
            return None
        run, end, running = found
    rest = data[:begin] + b"[]" + data[end:]
    if not _plain(rest, 0):
        return None
    try:
        doc = orjson.loads(rest)
    except orjson.JSONDecodeError:
        return None
    if type(doc) is not dict or rest.count(b":") != orjson.dumps(doc).count(b":") or doc.get(KEY) != []:
        return None
    head = _head_bytes(doc)
    if running is None or running.head != head:  # (a member after the array sorts before "entities")
        running = _Digest(head)
    running.add(run.pieces)
    run.pieces.clear()
    hasher = running.hasher
    hasher.update(b"]")
    try:
        digest, frozen = finish_digests(hasher, doc, sorted(k for k in doc if k > KEY and k != "secret"), False)
    except UnicodeEncodeError:
        return None  # the whole document's reader names it
    try:
        entities: EntityRows | InputError = run.reader.entity_rows(run.error)
    except InputError as error:
        entities = error
    return Sliced(doc, entities, digest, frozen)
