"""Read and validate instance documents (``inspect-draw/1``) into
:class:`solver.model.Instance`.

Every problem is reported as an :class:`~solver.errors.InputError` whose message
names the JSON path of the offending value:

>>> doc = {"format": "inspect-draw/2"}
>>> try:
...     parse_instance(doc)
... except InputError as error:
...     print(error)
$.format: unknown format version inspect-draw/2; this solver reads 'inspect-draw/1'

Fields the solver does not know are ignored, except inside ``policy`` and a
task's ``filter``, where a misspelt key would silently change the draw and is
therefore refused.
"""

from __future__ import annotations

import json
import math
import os
import re
import signal
from dataclasses import fields
from datetime import date
from fractions import Fraction
from hashlib import sha256
from pathlib import Path

from solver import messages
from solver.calendar import working_days_between
from solver.canonical import (CHUNK, _dumps, _u_bytes, derive_seed, finish_digests,
                              input_and_frozen_digest, iter_canonical)
from solver.canonical import input_digest as compute_input_digest
from solver.errors import InputError
from solver.jsontext import (MAX_DEPTH, check_depth, loads_strict,
                             nested_deeper_than, unique_pairs)
from solver.model import (RISK_CLASSES, Department, Entity, Inspector, Instance, Item, LastCheck,
                          Policy, Task, TaskFilter)
from solver.progress import NullProgress, Progress
from solver.registry import RISK_INDEX, EntityRows, RowsBuilder

try:
    import orjson
except ImportError:  # the standard-library readers below give the same result, slower
    orjson = None

FORMAT = "inspect-draw/1"

_USCC = re.compile(r"[0-9A-HJ-NP-RTUW-Y]{18}").fullmatch
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}").fullmatch
_HEX64 = re.compile(r"[0-9a-f]{64}").fullmatch

POLICY_KEYS = frozenset(f.name for f in fields(Policy))
FILTER_KEYS = frozenset(f.name for f in fields(TaskFilter))


# --- reading files ---

def _reject_constant(constant: str) -> object:
    raise ValueError(constant)


# decodes one JSON value at an index; raises DuplicateKey (a ValueError) on a duplicate key
_STRICT_SCAN = json.JSONDecoder(parse_constant=_reject_constant, object_pairs_hook=unique_pairs).scan_once


def load_document(path: str | Path, name: str | None = None) -> dict:
    """Read a JSON document that must be an object.

    ``NaN`` and ``Infinity`` are refused (they are not JSON), and so are an
    object with a duplicate key (the message names its JSON path) and nesting
    deeper than :data:`~solver.jsontext.MAX_DEPTH` levels; a syntax error is
    reported with its line and column.
    """
    name = name or str(path)
    data = _read_bytes(path, name)
    check_depth(data, name)
    text = _decode(data, name)
    del data
    try:
        doc = loads_strict(text, name)
    except json.JSONDecodeError as error:
        raise InputError(messages.json_syntax(name, error.lineno, error.colno, error.msg)) from None
    except ValueError as error:
        raise InputError(messages.json_constant(name, str(error))) from None
    if not isinstance(doc, dict):
        raise InputError(messages.not_an_object(name))
    return doc


def _read_bytes(path: str | Path, name: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise InputError(messages.file_unreadable(name, error.strerror or str(error))) from None


def _read_text(path: str | Path, name: str) -> str:
    return _decode(_read_bytes(path, name), name)


def _decode(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(messages.not_utf8(name)) from None


def document_digest(doc: dict, name: str = "instance") -> bytes:
    """The input digest of an instance document, with a clear error for text
    that has no UTF-8 form."""
    try:
        return compute_input_digest(doc)
    except UnicodeEncodeError:
        raise InputError(messages.lone_surrogate(name)) from None


def document_digests(doc: dict, name: str = "instance") -> tuple[bytes, bytes]:
    """(input digest, frozen digest) of an instance document."""
    try:
        return input_and_frozen_digest(doc)
    except UnicodeEncodeError:
        raise InputError(messages.lone_surrogate(name)) from None


def load_instance(path: str | Path, progress: Progress | None = None,
                  workers: int = 1) -> Instance:
    """Read, digest and parse an instance file (its input digest and its
    frozen digest, see :func:`~solver.canonical.finish_digests`).

    Every path refuses a duplicate object key and nesting deeper than
    :data:`~solver.jsontext.MAX_DEPTH` levels (:mod:`solver.jsontext`): the
    fast ones by falling back, the plain one by naming the problem.

    With ``workers`` > 1 (POSIX only), a forked process computes the input
    digest from the same text while this one parses it.

    The entity list is read, digested and parsed a slice at a time
    (:class:`_StreamingReader`), so that the JSON objects of millions of
    entities never exist all at once. Any irregularity (a syntax error, an
    invalid value, an unusual key order) sends the file through the plain
    path instead — :func:`load_document`, :func:`document_digest`,
    :func:`parse_instance` — which gives the same instance, or the same first
    error, at a higher cost in memory.
    """
    progress = progress or NullProgress()
    progress.stage("read")
    data = _read_bytes(path, str(path))
    if orjson is not None:
        child = _bytes_digest_in_child(data) if workers > 1 and hasattr(os, "fork") else None
        try:
            return _BytesReader(data, progress, digest=child is None).instance(child)
        except (_Slow, InputError, ValueError, StopIteration, IndexError, KeyError, TypeError,
                UnicodeError, RecursionError):
            pass
        finally:
            if child is not None:  # the reader gave up: so does the child
                child.stop()
        progress.stage("read")
    check_depth(data, str(path))  # before any recursive parser meets the text
    text = _decode(data, str(path))
    del data
    child = _digest_in_child(text) if workers > 1 and hasattr(os, "fork") else None
    try:
        if child is None:
            return _StreamingReader(text, progress).instance()
        return _StreamingReader(text, progress, digest=False).instance(child)
    except (_Slow, InputError, ValueError, StopIteration, IndexError, KeyError, TypeError,
            UnicodeEncodeError, RecursionError):
        pass
    finally:
        if child is not None:  # the reader gave up: so does the child
            child.stop()
    del text
    progress.stage("read")
    doc = load_document(path)
    progress.stage("digest")
    digest, frozen = document_digests(doc, str(path))
    progress.stage("parse")
    instance = parse_instance(doc, digest=digest, consume=True, frozen=frozen)
    progress.done()
    return instance


class _DigestChild:
    """A forked process computing the input digest of an instance text."""

    def __init__(self, pid: int, source: int) -> None:
        self.pid, self.source, self.finished = pid, source, False
        self.u_hint: tuple[bytes, bytes] | None = None
        self.frozen: bytes | None = None

    def digest(self) -> bytes:
        """The child's digest; raises :class:`_Slow` if it did not give one
        (it also fails on a duplicate key or too deep a nesting).

        The frozen digest follows in ``frozen``. A child that also computed
        the coordinated u-values (see :func:`_bytes_digest_in_child`) leaves
        them in ``u_hint`` as (seed, 8 bytes per entity in file order)."""
        self.finished = True
        with os.fdopen(self.source, "rb") as source:
            answer = source.read()
        _, status = os.waitpid(self.pid, 0)
        if status != 0 or len(answer) < 64:
            raise _Slow
        if len(answer) >= 96:
            self.u_hint = (answer[64:96], answer[96:])
        elif len(answer) != 64:
            raise _Slow
        self.frozen = answer[32:64]
        return answer[:32]

    def stop(self) -> None:
        """End the child (if it has not been waited for yet)."""
        if not self.finished:
            self.finished = True
            os.close(self.source)
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)


def _bytes_digest_in_child(data: bytes) -> _DigestChild:
    """A forked process computing the input digest with :class:`_BytesReader`."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: digest, write its answer, leave without clean-up
        status = 1
        try:
            os.close(read_end)
            reader = _BytesReader(data, NullProgress(), parse=False, collect_usccs=True)
            reader.read()
            digest = reader.digest
            with os.fdopen(write_end, "wb") as out:
                out.write(digest + reader.frozen + _coordinated_u_hint(reader, digest))
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    return _DigestChild(pid, read_end)


def _coordinated_u_hint(reader: "_BytesReader", digest: bytes) -> bytes:
    """Seed and coordinated u(e) of every entity in file order, which a digest
    child computes while the parent is still parsing (the draw then needs not
    hash the registry again); empty if the instance has no valid secret or an
    entity no string USCC (the parent's checks will name the problem)."""
    secret, entropy = reader.members.get("secret"), reader.members.get("external_entropy")
    usccs = reader.usccs
    if (type(secret) is not str or not _HEX64(secret) or type(entropy) is not str or usccs is None
            or not all(type(u) is str for u in usccs)):
        return b""
    seed = derive_seed(bytes.fromhex(secret), digest, entropy)
    return seed + _u_bytes(seed, usccs, None)


def _digest_in_child(text: str) -> _DigestChild:
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: digest, write 32 bytes, leave without clean-up
        status = 1
        try:
            os.close(read_end)
            reader = _StreamingReader(text, NullProgress(), parse=False)
            reader.read()
            os.write(write_end, reader.digest + reader.frozen)
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    return _DigestChild(pid, read_end)


class _NoHash:
    def update(self, data: bytes) -> None:
        pass


_SPACE = re.compile(r"[ \t\n\r]*").match
_STREAM_KEY = "entities"


class _StreamingReader:
    """One pass over the text of an instance: the top-level members other than
    ``entities`` are decoded whole; the entities are decoded, serialised
    canonically into the digest and parsed into :class:`Entity` objects
    :data:`~solver.canonical.CHUNK` at a time.

    The canonical digest hashes members in key order, so the entity slice can
    go into the hash as it is read only if every member whose key sorts before
    ``"entities"`` came before it in the file; otherwise (and on any other
    irregularity) the reader raises and :func:`load_instance` falls back.
    """

    def __init__(self, text: str, progress: Progress, parse: bool = True,
                 digest: bool = True) -> None:
        self.text = text
        self.progress = progress
        self.scan = _STRICT_SCAN
        self.members: dict[str, object] = {}
        self.parse = parse
        self.digesting = digest
        self.hasher = sha256() if digest else _NoHash()
        self.digest = self.frozen = b""
        self.colons = 0  # in the canonical text of the entities decoded
        self.entities: list[Entity] | None = None

    def _space(self, at: int) -> int:
        return _SPACE(self.text, at).end()

    def _expect(self, at: int, char: str) -> int:
        if self.text[at] != char:
            raise _Slow
        return self._space(at + 1)

    def instance(self, child: _DigestChild | None = None) -> Instance:
        """The instance; its digest comes from ``child`` if there is one."""
        self.read()
        self.progress.stage("parse")
        digest = child.digest() if child is not None else self.digest
        doc = dict(self.members)
        doc[_STREAM_KEY] = []
        instance = parse_instance(doc, digest=digest, progress=self.progress,
                                  entities=tuple(self.entities),
                                  frozen=child.frozen if child is not None else self.frozen)
        self.progress.done()
        return instance

    def read(self) -> None:
        """Decode the text, hash it (unless told not to) and parse the entities
        (unless told not to)."""
        text = self.text
        at = self._expect(self._space(0), "{")
        while text[at] != "}":
            if text[at] != '"':
                raise _Slow
            key, at = self.scan(text, at)
            at = self._expect(self._space(at), ":")
            if key in self.members or (key == _STREAM_KEY and self.entities is not None):
                raise _Slow  # a duplicate key: leave it to the plain path
            if key == _STREAM_KEY and text[at] == "[":
                at = self._stream_entities(at)
            else:
                if self.entities is not None and key < _STREAM_KEY and key != "secret":
                    raise _Slow  # it should have been hashed before the entities
                self.members[key], at = self.scan(text, at)
            at = self._space(at)
            if text[at] == ",":
                at = self._space(at + 1)
                if text[at] == "}":
                    raise _Slow
            elif text[at] != "}":
                raise _Slow
        if self._space(at + 1) != len(text) or self.entities is None:
            raise _Slow
        self.text = text = ""
        if not self.digesting:
            return
        rest = sorted(k for k in self.members if k > _STREAM_KEY and k != "secret")
        self.digest, self.frozen = finish_digests(self.hasher, self.members, rest, first=False)

    def _hash_head(self) -> None:
        if not self.digesting:
            return
        head = sorted(k for k in self.members if k < _STREAM_KEY and k != "secret")
        self.hasher.update(b"{")
        for key in head:
            self.hasher.update((_dumps(key) + ":").encode("utf-8"))
            for piece in iter_canonical(self.members[key]):
                self.hasher.update(piece.encode("utf-8"))
            self.hasher.update(b",")
        self.hasher.update(b'"entities":[')

    def _stream_entities(self, at: int) -> int:
        """Decode the entity array in one scanner call (so that the decoder
        shares the key strings of all entities), handing each entity object
        to :meth:`_flush` in slices through an ``object_hook`` that leaves a
        placeholder behind. Objects nested in an entity (its last checks) carry
        no ``uscc`` and pass through; if the guess ever goes wrong, a
        placeholder lands where JSON is expected and the reader fails.

        Where the digest is computed, duplicate keys are excluded as in
        :func:`_no_duplicate`: the array's text has as many colons as the
        canonical text of what it decoded to (and no ``\\u003`` escape)."""
        self.progress.stage("read, digest and parse entities")
        self._hash_head()
        self.entities = []
        state = _EntityState()
        batch: list = []
        placeholder = _Placeholder()

        def hook(obj: dict) -> object:
            if "uscc" not in obj:
                return obj
            batch.append(obj)
            if len(batch) == CHUNK:
                self._flush(batch, state)
                batch.clear()
            return placeholder

        scan = json.JSONDecoder(object_hook=hook, parse_constant=_reject_constant).scan_once
        begin = at
        array, at = scan(self.text, at)
        self._flush(batch, state)
        if type(array) is not list or len(array) != state.count or \
                array.count(placeholder) != len(array):
            raise _Slow
        text = self.text
        if self.digesting and ((text.find("\\", begin, at) >= 0 and text.find("\\u003", begin, at) >= 0)
                               or text.count(":", begin, at) != self.colons):
            raise _Slow  # a duplicate key, perhaps: the plain path decides
        self.hasher.update(b"]")
        return at

    def _flush(self, batch: list, state: "_EntityState") -> None:
        if not batch:
            return
        if self.digesting:
            text = _dumps(batch)
            self.colons += text.count(":")
            self.hasher.update((("," if state.count else "") + text[1:-1]).encode("utf-8"))
        if self.parse:
            self.entities.extend(state.parse(batch))
        else:
            state.count += len(batch)
        self.progress.advance(len(batch))


_BYTE_SPACE = re.compile(rb"[ \t\n\r]*").match
_FLOATISH = re.compile(rb"[0-9](?:\.|e[-+])").search  # a float in orjson's output (or "2.5")
_BYTES_CHUNK = 1 << 19  # bytes of entity text decoded per orjson call, roughly
_HEAD_TRIES = 4  # '"entities"' occurrences tried as the top-level key


def _no_duplicate(framed: bytes, text: bytes) -> bool:
    """Whether the JSON text ``framed`` (which decodes) has no duplicate key,
    given ``text``: orjson's serialisation of what it decodes to.

    A colon outside strings separates a member, so the colons of ``framed``
    are its members plus the colons inside its strings, and those of ``text``
    the members that survived decoding plus the colons of the strings that
    survived. A duplicate drops a member (and its strings) from ``text``; only
    a ``\\u003a`` escape in ``framed`` could make up for that, so equal
    counts without a ``\\u003`` prove that no key is duplicated."""
    if framed == text:
        return True
    if b"\\" in framed and b"\\u003" in framed:
        return False
    return framed.count(b":") == text.count(b":")


def _orjson_agrees() -> bool:
    """orjson writes strings exactly as the canonical ``json.dumps`` does (the
    test suite checks every code point; this re-checks the delicate ones on the
    installed build before the fast reader relies on it)."""
    sample = "".join(map(chr, range(0x80))) + "\u2028\u2029\ufeff\ud7ff\ue000\uffff\U0001f600福"
    value = {"b": [sample, 0, -1, 2**63 - 1, -2**63, 2**64 - 1, True, False, None], "a": {}}
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS) == _dumps(value).encode("utf-8")


class _BytesReader:
    """The instance from the file's bytes, with orjson decoding the entities.

    The top-level members other than ``entities`` are decoded with the standard
    library, as by :class:`_StreamingReader`. The entity array is cut into
    slices of whole elements and each slice is decoded by ``orjson.loads``; a
    cut is only accepted if ``"[" + slice + "]"`` decodes, which proves it lies
    between two elements (a cut inside an element leaves a string or an object
    open, so the text cannot decode).

    The digest of a slice is ``orjson.dumps(slice, OPT_SORT_KEYS)`` — the same
    bytes as the canonical ``json.dumps``: strings are escaped alike (checked
    for every code point by the tests), keys sort alike (UTF-8 byte order is
    code-point order), integers are written alike. Floats are not (orjson
    writes ``0.00001`` for ``1e-05``) and orjson decodes integers beyond 64 bits
    as floats; so a slice whose orjson text holds anything that looks like a
    float (a digit followed by ``.`` or ``e``, which also catches strings such
    as ``"2.5"``) is decoded again and serialised by the standard library, the
    reference path. Any other irregularity raises and :func:`load_instance`
    falls back to the standard-library readers; so does a duplicate key
    (:func:`_no_duplicate`, else a checking parse of the slice) and nesting
    deeper than :data:`~solver.jsontext.MAX_DEPTH`, both checked where the
    digest is computed (in the digest child when there is one).
    """

    def __init__(self, data: bytes, progress: Progress, parse: bool = True,
                 digest: bool = True, collect_usccs: bool = False) -> None:
        if digest and not _orjson_agrees():
            raise _Slow
        self.usccs: list | None = [] if collect_usccs else None
        self.data = data
        self.progress = progress
        self.scan = _STRICT_SCAN
        self.members: dict[str, object] = {}
        self.parse, self.digesting = parse, digest
        self.hasher = sha256() if digest else _NoHash()
        self.digest = self.frozen = b""
        self.state = _RowsState()

    def instance(self, child: _DigestChild | None = None) -> Instance:
        """The instance; its digest comes from ``child`` if there is one."""
        self.read()
        self.progress.stage("parse")
        digest = child.digest() if child is not None else self.digest
        doc = dict(self.members)
        doc[_STREAM_KEY] = []
        rows = self.state.entity_rows()
        if child is not None and child.u_hint is not None and len(child.u_hint[1]) == 8 * len(rows):
            rows.u_hint = child.u_hint
        instance = parse_instance(doc, digest=digest, progress=self.progress, entities=rows,
                                  frozen=child.frozen if child is not None else self.frozen)
        self.progress.done()
        return instance

    def read(self) -> None:
        data = self.data
        at = self._head()
        if nested_deeper_than(data[:at] + b"}"):  # the members before the entities
            raise _Slow
        at = _BYTE_SPACE(data, at + len(b'"entities"')).end()
        if data[at:at + 1] != b":":
            raise _Slow
        at = _BYTE_SPACE(data, at + 1).end()
        if data[at:at + 1] != b"[":
            raise _Slow
        self._hash_head()
        at = self._entities(at)
        self._tail(at)
        self.data = data = b""
        if not self.digesting:
            return
        rest = sorted(k for k in self.members if k > _STREAM_KEY and k != "secret")
        self.digest, self.frozen = finish_digests(self.hasher, self.members, rest, first=False)

    def _walk(self, text: str, at: int) -> tuple[int, bool]:
        """Read ``key: value`` members of the top-level object from ``at``
        until the text ends where a key is expected (returns ``(len(text),
        False)``) or the object closes (returns the index after ``}`` and
        True)."""
        scan, space = self.scan, (lambda i: _SPACE(text, i).end())
        at = space(at)
        while True:
            if at == len(text):
                return at, False
            if text[at] == "}":
                return at + 1, True
            if text[at] != '"':
                raise _Slow
            key, at = scan(text, at)
            at = space(at)
            if text[at] != ":":
                raise _Slow
            if key in self.members or key == _STREAM_KEY:
                raise _Slow
            value, at = scan(text, space(at + 1))
            self.members[key] = value
            at = space(at)
            if at < len(text) and text[at] == ",":
                at = space(at + 1)
                if at < len(text) and text[at] == "}":
                    raise _Slow
            elif at == len(text) or text[at] != "}":
                raise _Slow

    def _head(self) -> int:
        """The byte index of the top-level ``"entities"`` key; the members
        before it are decoded into ``self.members``."""
        data = self.data
        found = -1
        for _ in range(_HEAD_TRIES):
            found = data.find(b'"entities"', found + 1)
            if found < 0:
                break
            self.members = {}
            try:
                text = data[:found].decode("utf-8")
                at = _SPACE(text, 0).end()
                if text[at:at + 1] != "{":
                    raise _Slow
                if self._walk(text, at + 1) == (len(text), False) and (
                        text.rstrip(" \t\n\r")[-1:] in ("{", ",")):
                    return found
            except (_Slow, ValueError, StopIteration, IndexError):
                pass
        raise _Slow

    def _tail(self, at: int) -> None:
        """Decode the members after the entity array (``at``: after its ``]``)."""
        if nested_deeper_than(b"{" + self.data[at:]):
            raise _Slow
        text = self.data[at:].decode("utf-8")
        at = _SPACE(text, 0).end()
        if text[at:at + 1] == ",":
            at += 1
        elif text[at:at + 1] != "}":
            raise _Slow
        head_keys = set(self.members)
        end, closed = self._walk(text, at)
        if not closed or _SPACE(text, end).end() != len(text):
            raise _Slow
        for key in self.members:
            if key not in head_keys and key < _STREAM_KEY and key != "secret":
                raise _Slow  # it should have been hashed before the entities

    def _hash_head(self) -> None:
        if not self.digesting:
            return
        head = sorted(k for k in self.members if k < _STREAM_KEY and k != "secret")
        self.hasher.update(b"{")
        for key in head:
            self.hasher.update((_dumps(key) + ":").encode("utf-8"))
            for piece in iter_canonical(self.members[key]):
                self.hasher.update(piece.encode("utf-8"))
            self.hasher.update(b",")
        self.hasher.update(b'"entities":[')

    def _entities(self, at: int) -> int:
        """Decode, digest and parse the entity array whose ``[`` is at ``at``;
        returns the index after its ``]``."""
        data, dumps = self.data, orjson.dumps
        sort_keys = orjson.OPT_SORT_KEYS
        self.progress.stage("read, digest and parse entities")
        state, done = self.state, 0
        start = _BYTE_SPACE(data, at + 1).end()
        if data[start:start + 1] == b"]":
            self.hasher.update(b"]")
            return start + 1
        small, small_run = False, 0
        while True:
            end, framed, decoded = self._slice(start, small)
            if decoded is None:  # the remaining elements are fewer than a slice
                if small:
                    raise _Slow
                small, small_run = True, 0
                continue
            if small:
                small_run += 1
                if small_run >= 64:
                    small = False
            if type(decoded) is not list or not decoded:
                raise _Slow
            if self.digesting:
                text = dumps(decoded, option=sort_keys)
                if (b"." in text or b"e+" in text or b"e-" in text) and _FLOATISH(text):
                    # the reference decoder and serialiser for this slice (which
                    # refuses a duplicate key)
                    decoded = json.loads(framed.decode("utf-8"), parse_constant=_reject_constant,
                                         object_pairs_hook=unique_pairs)
                    text = _dumps(decoded).encode("utf-8")
                elif not _no_duplicate(framed, text):
                    json.loads(framed.decode("utf-8"), parse_constant=_reject_constant,
                               object_pairs_hook=unique_pairs)
                # the slice is the entity array (level 2 of the instance)
                if nested_deeper_than(text, MAX_DEPTH - 1):
                    raise _Slow  # the plain path names it
                self.hasher.update((b"," if done else b"") + text[1:-1])
            # Without the digest, orjson's floats (for integers beyond 64 bits too) are
            # parsed as they are: every entity field the solver reads must be a string
            # or a small integer, so such a value fails the parse and the reference
            # path decides.
            if self.parse:
                state.parse(decoded)
            elif self.usccs is not None:
                self.usccs += [obj.get("uscc") if type(obj) is dict else None for obj in decoded]
            done += len(decoded)
            self.progress.advance(len(decoded))
            after = _BYTE_SPACE(data, end).end()
            separator = data[after:after + 1]
            if separator == b"]":
                self.hasher.update(b"]")
                return after + 1
            if separator != b",":
                raise _Slow
            start = _BYTE_SPACE(data, after + 1).end()

    def _slice(self, start: int, small: bool) -> tuple[int, bytes, object]:
        """(end, "[" + data[start:end] + "]", its decoded list) for a cut after
        a ``}`` at about :data:`_BYTES_CHUNK` bytes on (at the first element
        that ends if ``small``); (0, b"", None) if no cut worked."""
        data, loads = self.data, orjson.loads
        find = data.find
        if not small:  # cut before an element that starts like this one
            opening = data[start:data.find(b":", start, start + 256) + 1]
            pos = start + _BYTES_CHUNK
            for tries in range(4):
                begin = find(opening, pos) if len(opening) > 1 else -1
                if begin < 0:
                    break
                pos = begin + 1
                comma = data.rfind(b",", start, begin)
                close = data.rfind(b"}", start, comma) if comma > 0 else -1
                if close < 0 or _BYTE_SPACE(data, close + 1).end() != comma or \
                        _BYTE_SPACE(data, comma + 1).end() != begin:
                    continue
                framed = b"[" + data[start:close + 1] + b"]"
                try:
                    return close + 1, framed, loads(framed)
                except orjson.JSONDecodeError:
                    pass
            return 0, b"", None
        pos = start
        while True:
            close = find(b"}", pos)
            if close < 0:
                return 0, b"", None
            after = _BYTE_SPACE(data, close + 1).end()
            if data[after:after + 1] in (b",", b"]"):
                framed = b"[" + data[start:close + 1] + b"]"
                try:
                    return close + 1, framed, loads(framed)
                except orjson.JSONDecodeError:
                    pass
            pos = close + 1


class _Placeholder:
    """Stands in the decoded entity array for an entity already handled."""

    __slots__ = ()


# --- small typed readers; `path` is the JSON path of `value` ---

def _field(obj: dict, key: str, path: str) -> object:
    try:
        return obj[key]
    except KeyError:
        raise InputError(messages.missing_field(f"{path}.{key}"), f"{path}.{key}") from None


def _fail(path: str, expected: str, value: object) -> InputError:
    return InputError(messages.wrong_type(path, expected, value), path)


def _object(value: object, path: str) -> dict:
    if type(value) is not dict:
        raise _fail(path, "an object", value)
    return value


def _list(value: object, path: str) -> list:
    if type(value) is not list:
        raise _fail(path, "an array", value)
    return value


def _str(value: object, path: str, empty: bool = False) -> str:
    if type(value) is not str or (not empty and not value):
        raise _fail(path, "a string" if empty else "a non-empty string", value)
    return value


def _int(value: object, path: str, minimum: int = 0) -> int:
    if type(value) is not int:
        raise _fail(path, "an integer", value)
    if value < minimum:
        message = messages.negative if minimum == 0 else messages.not_positive
        raise InputError(message(path, value), path)
    return value


def _bool(value: object, path: str) -> bool:
    if type(value) is not bool:
        raise _fail(path, "true or false", value)
    return value


def _date(value: object, path: str) -> date:
    if type(value) is str and _DATE(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise _fail(path, "a date (YYYY-MM-DD)", value)


def _strings(value: object, path: str) -> tuple[str, ...]:
    items = _list(value, path)
    for n, item in enumerate(items):
        _str(item, f"{path}[{n}]")
    return tuple(items)


def _dates(value: object, path: str) -> frozenset[date]:
    return frozenset(_date(v, f"{path}[{n}]") for n, v in enumerate(_list(value, path)))


def _risk(value: object, path: str) -> str:
    if value not in RISK_CLASSES or type(value) is not str:
        raise InputError(messages.bad_risk(path, value, RISK_CLASSES), path)
    return value


def _ratio(value: object, path: str) -> Fraction:
    """An exact ratio from a JSON number, via its decimal text.

    >>> _ratio(0.03, "$") * 100
    Fraction(3, 1)
    """
    if type(value) not in (int, float) or not math.isfinite(value):
        raise _fail(path, "a number", value)
    if not 0 <= value <= 1:
        raise InputError(messages.ratio_out_of_range(path, value), path)
    return Fraction(str(value))


def _known_keys(obj: dict, allowed: frozenset[str], path: str) -> None:
    for key in sorted(obj):
        if key not in allowed:
            raise InputError(messages.unknown_key(path, key, allowed), f"{path}.{key}")


def _unique(ids: list[str], kind: str, path: str) -> None:
    seen: set[str] = set()
    for n, value in enumerate(ids):
        if value in seen:
            raise InputError(messages.duplicate_id(f"{path}[{n}].id", kind, value), f"{path}[{n}]")
        seen.add(value)


# --- sections ---

def _policy(raw: object) -> Policy:
    if raw is None:
        return Policy()
    obj = _object(raw, "$.policy")
    _known_keys(obj, POLICY_KEYS, "$.policy")
    default = Policy()
    p = "$.policy."
    return Policy(
        coordinated_sampling=_bool(obj.get("coordinated_sampling", default.coordinated_sampling),
                                   p + "coordinated_sampling"),
        min_team_size=_int(obj.get("min_team_size", default.min_team_size), p + "min_team_size", 1),
        rotation=_bool(obj.get("rotation", default.rotation), p + "rotation"),
        exclude_recent_days=_int(obj.get("exclude_recent_days", default.exclude_recent_days),
                                 p + "exclude_recent_days"),
        exclude_recent_risk=frozenset(
            _risk(r, f"{p}exclude_recent_risk[{n}]")
            for n, r in enumerate(_list(obj.get("exclude_recent_risk",
                                                sorted(default.exclude_recent_risk)),
                                        p + "exclude_recent_risk"))),
        frequency_cap=_int(obj.get("frequency_cap", default.frequency_cap), p + "frequency_cap", 1),
        daily_visits_per_inspector=_int(
            obj.get("daily_visits_per_inspector", default.daily_visits_per_inspector),
            p + "daily_visits_per_inspector", 1),
        exclude_local_supervisor=_bool(
            obj.get("exclude_local_supervisor", default.exclude_local_supervisor),
            p + "exclude_local_supervisor"),
        jurisdiction_digits=_int(obj.get("jurisdiction_digits", default.jurisdiction_digits),
                                 p + "jurisdiction_digits"),
    )


def _departments(raw: object) -> tuple[Department, ...]:
    result = []
    for n, obj in enumerate(_list(raw, "$.departments")):
        path = f"$.departments[{n}]"
        obj = _object(obj, path)
        result.append(Department(id=_str(_field(obj, "id", path), path + ".id"),
                                 name=_str(obj.get("name", ""), path + ".name", empty=True)))
    _unique([d.id for d in result], "department", "$.departments")
    return tuple(result)


def _items(raw: object, departments: set[str]) -> tuple[Item, ...]:
    result = []
    for n, obj in enumerate(_list(raw, "$.items")):
        path = f"$.items[{n}]"
        obj = _object(obj, path)
        department = _str(_field(obj, "department", path), path + ".department")
        if department not in departments:
            raise InputError(messages.unknown_reference(path + ".department", "department",
                                                        department), path + ".department")
        qualification = obj.get("qualification")
        result.append(Item(
            id=_str(_field(obj, "id", path), path + ".id"),
            department=department,
            name=_str(obj.get("name", ""), path + ".name", empty=True),
            qualification=None if qualification is None else _str(qualification,
                                                                   path + ".qualification"),
        ))
    _unique([i.id for i in result], "item", "$.items")
    return tuple(result)


class _Interner:
    """Shares equal strings, dates and sets between entities (one per parse)."""

    def __init__(self) -> None:
        self.strings: dict[str, str] = {}
        self.sets: dict[tuple[str, ...], frozenset[str]] = {}
        self.dates: dict[str, date] = {}

    def string(self, value: str) -> str:
        return self.strings.setdefault(value, value)

    def set(self, values: object, path: str) -> frozenset[str]:
        key = _strings(values, path)
        found = self.sets.get(key)
        if found is None:
            found = self.sets[key] = frozenset(self.string(v) for v in key)
        return found

    def date(self, value: object, path: str) -> date:
        found = self.dates.get(value) if type(value) is str else None
        if found is None:
            found = self.dates[value] = _date(value, path)
        return found


def _last_checks(raw: object, path: str, interner: _Interner) -> tuple[LastCheck, ...]:
    result = []
    for n, obj in enumerate(_list(raw, path)):
        at = f"{path}[{n}]"
        obj = _object(obj, at)
        result.append(LastCheck(
            department=interner.string(_str(_field(obj, "department", at), at + ".department")),
            date=interner.date(_field(obj, "date", at), at + ".date"),
            inspectors=tuple(interner.string(i) for i in _strings(obj.get("inspectors", []),
                                                                  at + ".inspectors")),
        ))
    return tuple(result)


def _entity(obj: object, n: int, interner: _Interner) -> Entity:
    path = f"$.entities[{n}]"
    obj = _object(obj, path)
    uscc = _field(obj, "uscc", path)
    if type(uscc) is not str or not _USCC(uscc):
        raise InputError(messages.bad_uscc(path + ".uscc", uscc), path + ".uscc")
    status = _str(_field(obj, "status", path), path + ".status")
    district = _str(_field(obj, "district", path), path + ".district")
    industry = obj.get("industry")
    kind = obj.get("type")
    tags = obj.get("tags", ())
    lists = obj.get("lists", ())
    last = obj.get("last_checks", ())
    return Entity(
        uscc=uscc,
        name=_str(_field(obj, "name", path), path + ".name", empty=True),
        district=interner.string(district),
        risk=_risk(_field(obj, "risk", path), path + ".risk"),
        status=interner.string(status),
        tags=interner.set(tags, path + ".tags") if tags else frozenset(),
        lists=interner.set(lists, path + ".lists") if lists else frozenset(),
        checks_this_year=_int(obj.get("checks_this_year", 0), path + ".checks_this_year"),
        last_checks=_last_checks(last, path + ".last_checks", interner) if last else (),
        industry=None if industry is None else interner.string(_str(industry, path + ".industry")),
        type=None if kind is None else interner.string(_str(kind, path + ".type")),
    )


class _Slow(Exception):
    """The fast path met something it does not vouch for; the checked path decides."""


_RISK_SET = frozenset(RISK_CLASSES)


def _last_checks_fast(last: object, strings: dict[str, str], dates: dict[str, date]) -> tuple[LastCheck, ...]:
    """A non-empty ``last_checks`` value of well-formed checks whose department
    and date were seen before; anything else raises :class:`_Slow` (or
    ``KeyError``/``TypeError``) for the checked path."""
    if type(last) is not list:
        raise _Slow
    built = []
    for check in last:
        if type(check) is not dict:
            raise _Slow
        department = check["department"]
        inspectors = check.get("inspectors", ())
        if type(department) is not str or not department or type(inspectors) not in (list, tuple):
            raise _Slow
        for inspector in inspectors:
            if type(inspector) is not str:
                raise _Slow
        built.append(_new_last_check(strings[department], dates[check["date"]],
                                     tuple([strings.setdefault(i, i) for i in inspectors])))
    return tuple(built)


def _entity_fast(obj: object, interner: _Interner) -> Entity:
    """:func:`_entity` for well-formed entities, without building JSON paths.

    It accepts only what :func:`_entity` accepts and raises :class:`_Slow` (or
    ``KeyError``/``TypeError``) on anything else, including a tag set, date or
    string not yet seen, so that :func:`_entity` validates it and reports it.
    """
    if type(obj) is not dict:
        raise _Slow
    uscc, name, district = obj["uscc"], obj["name"], obj["district"]
    risk, status = obj["risk"], obj["status"]
    if (type(uscc) is not str or not _USCC(uscc) or type(name) is not str
            or type(district) is not str or not district or type(status) is not str or not status
            or type(risk) is not str or risk not in _RISK_SET):
        raise _Slow
    strings, sets = interner.strings, interner.sets
    tags = obj.get("tags")
    if tags:
        if type(tags) is not list:
            raise _Slow
        tags = sets[tuple(tags)]
    else:
        tags = frozenset()
    lists = obj.get("lists")
    if lists:
        if type(lists) is not list:
            raise _Slow
        lists = sets[tuple(lists)]
    else:
        lists = frozenset()
    checks = obj.get("checks_this_year", 0)
    if type(checks) is not int or checks < 0:
        raise _Slow
    last = obj.get("last_checks")
    last = _last_checks_fast(last, strings, interner.dates) if last else ()
    industry, kind = obj.get("industry"), obj.get("type")
    if industry is not None:
        if type(industry) is not str or not industry:
            raise _Slow
        industry = strings.setdefault(industry, industry)
    if kind is not None:
        if type(kind) is not str or not kind:
            raise _Slow
        kind = strings.setdefault(kind, kind)
    return _new_entity(uscc, name, strings.setdefault(district, district), risk,
                       strings.setdefault(status, status), tags, lists, checks, last, industry,
                       kind)


def _fast_constructor(cls):
    """A function building the same object as ``cls(...)`` with all fields
    given positionally, about three times faster: a frozen dataclass's
    ``__init__`` goes through ``object.__setattr__`` for every field, this one
    calls the slot descriptors directly (millions of entities per draw)."""
    names = [f.name for f in fields(cls)]
    scope = {"_new": object.__new__, "_cls": cls}
    scope.update({f"_set_{n}": getattr(cls, n).__set__ for n in names})
    body = "\n".join(f"    _set_{n}(e, {n})" for n in names)
    exec(f"def make({', '.join(names)}):\n    e = _new(_cls)\n{body}\n    return e\n", scope)
    return scope["make"]


_new_entity = _fast_constructor(Entity)
_new_last_check = _fast_constructor(LastCheck)


class _RowsState:
    """What reading runs of entities into columns (:class:`~solver.registry.RowsBuilder`)
    carries from one slice to the next. Entities that the inlined fast path
    does not vouch for go through :func:`_entity`, which validates them and
    names the first error."""

    def __init__(self) -> None:
        self.builder = RowsBuilder()
        self.interner = _Interner()
        self.rows: dict[str, int] = {}  # USCC -> row
        self.tag_tuples: dict[tuple, int] = {(): self.builder.tagsets.code(frozenset())}
        self.list_tuples: dict[tuple, int] = {(): self.builder.listsets.code(frozenset())}

    def parse(self, raw: list) -> None:
        b = self.builder
        rows = self.rows
        statuses, districts = b.statuses, b.districts
        status_index, district_index = statuses.index, districts.index
        industry_index, type_index = b.industries.index, b.types.index
        tag_tuples, list_tuples = self.tag_tuples, self.list_tuples
        strings, dates = self.interner.strings, self.interner.dates
        risk_index, usccs, names = RISK_INDEX, b.usccs, b.names
        empty_tags, empty_lists = tag_tuples[()], list_tuples[()]
        for obj in raw:
            row = len(usccs)
            try:
                if type(obj) is not dict:
                    raise _Slow
                uscc, name, district = obj["uscc"], obj["name"], obj["district"]
                status = obj["status"]
                if (type(uscc) is not str or not _USCC(uscc) or type(name) is not str
                        or type(district) is not str or not district or type(status) is not str
                        or not status):
                    raise _Slow
                risk = risk_index[obj["risk"]]
                tags = obj.get("tags")
                if tags:
                    if type(tags) is not list:
                        raise _Slow
                    tags = tag_tuples[tuple(tags)]
                else:
                    tags = empty_tags
                lists = obj.get("lists")
                if lists:
                    if type(lists) is not list:
                        raise _Slow
                    lists = list_tuples[tuple(lists)]
                else:
                    lists = empty_lists
                checks = obj.get("checks_this_year", 0)
                if type(checks) is not int or checks < 0:
                    raise _Slow
                industry, kind = obj.get("industry"), obj.get("type")
                if industry is not None and (type(industry) is not str or not industry):
                    raise _Slow
                if kind is not None and (type(kind) is not str or not kind):
                    raise _Slow
                last = obj.get("last_checks")
                if last:
                    b.last[row] = _last_checks_fast(last, strings, dates)
                if uscc in rows:
                    raise _Slow  # the checked path names the duplicate
            except (_Slow, KeyError, TypeError):
                b.last.pop(row, None)
                self._slow(obj, row)
                continue
            rows[uscc] = row
            usccs.append(uscc)
            names.append(name)
            b.risk.append(risk)
            b.checks.append(checks)
            code = status_index.get(status)
            b.status.append(statuses.code(status) if code is None else code)
            code = district_index.get(district)
            b.district.append(districts.code(district) if code is None else code)
            b.tags.append(tags)
            b.lists.append(lists)
            code = industry_index.get(industry)
            b.industry.append(b.industries.code(industry) if code is None else code)
            code = type_index.get(kind)
            b.type.append(b.types.code(kind) if code is None else code)

    def _slow(self, obj: object, n: int) -> None:
        entity = _entity(obj, n, self.interner)
        if entity.uscc in self.rows:
            at = f"$.entities[{n}].uscc"
            raise InputError(messages.duplicate_id(at, "entity", entity.uscc), at)
        b = self.builder
        self.rows[entity.uscc] = len(b.usccs)
        b.add(entity)
        for key, known, code in (("tags", self.tag_tuples, b.tags[-1]), ("lists", self.list_tuples, b.lists[-1])):
            raw = obj.get(key)
            if type(raw) is list and raw:
                known[tuple(raw)] = code

    def entity_rows(self) -> EntityRows:
        return self.builder.rows(self.rows)


class _EntityState:
    """What checking a run of entities carries from one slice to the next."""

    def __init__(self) -> None:
        self.interner = _Interner()
        self.seen: set[str] = set()
        self.count = 0

    def parse(self, raw: list, consume: bool = False) -> list[Entity]:
        """The entities of ``raw``, numbered on from the slices before it."""
        interner, seen = self.interner, self.seen
        add = seen.add
        result = []
        append = result.append
        for k, obj in enumerate(raw):
            try:
                entity = _entity_fast(obj, interner)
            except (_Slow, KeyError, TypeError):
                entity = _entity(obj, self.count + k, interner)
            if entity.uscc in seen:
                at = f"$.entities[{self.count + k}].uscc"
                raise InputError(messages.duplicate_id(at, "entity", entity.uscc), at)
            add(entity.uscc)
            append(entity)
            if consume:
                raw[k] = None
        self.count += len(raw)
        return result


def _entities(raw: object, progress: Progress, consume: bool = False) -> tuple[Entity, ...]:
    """Every entity, checked; with ``consume`` the raw list is emptied as it
    is read, so that the parsed objects replace the JSON ones in memory."""
    raw = _list(raw, "$.entities")
    progress.stage("entities", len(raw))
    entities = _EntityState().parse(raw, consume)
    if consume:
        raw.clear()
    progress.advance(len(entities))
    return tuple(entities)


def _inspectors(raw: object, departments: set[str]) -> tuple[Inspector, ...]:
    result = []
    interner = _Interner()
    for n, obj in enumerate(_list(raw, "$.inspectors")):
        path = f"$.inspectors[{n}]"
        obj = _object(obj, path)
        department = _str(_field(obj, "department", path), path + ".department")
        if department not in departments:
            raise InputError(messages.unknown_reference(path + ".department", "department",
                                                        department), path + ".department")
        expires = obj.get("certificate_expires")
        result.append(Inspector(
            id=_str(_field(obj, "id", path), path + ".id"),
            name=_str(obj.get("name", ""), path + ".name", empty=True),
            department=department,
            district=_str(obj.get("district", ""), path + ".district", empty=True),
            qualifications=interner.set(obj.get("qualifications", []), path + ".qualifications"),
            certificate_expires=None if expires is None else _date(expires,
                                                                  path + ".certificate_expires"),
            active=_bool(obj.get("active", True), path + ".active"),
            unavailable=_dates(obj.get("unavailable", []), path + ".unavailable"),
            max_visits=_int(obj.get("max_visits", 30), path + ".max_visits"),
        ))
    _unique([i.id for i in result], "inspector", "$.inspectors")
    return tuple(result)


def _conflicts(raw: object) -> frozenset[tuple[str, str]]:
    result = set()
    for n, obj in enumerate(_list(raw, "$.conflicts")):
        path = f"$.conflicts[{n}]"
        obj = _object(obj, path)
        result.add((_str(_field(obj, "inspector", path), path + ".inspector"),
                    _str(_field(obj, "uscc", path), path + ".uscc")))
    return frozenset(result)


def _pair_conflicts(raw: object) -> frozenset[frozenset[str]]:
    result = set()
    for n, obj in enumerate(_list(raw, "$.pair_conflicts")):
        path = f"$.pair_conflicts[{n}]"
        obj = _object(obj, path)
        a = _str(_field(obj, "a", path), path + ".a")
        b = _str(_field(obj, "b", path), path + ".b")
        if a == b:
            raise InputError(messages.pair_conflict_self(path, a), path)
        result.add(frozenset((a, b)))
    return frozenset(result)


def _filter(raw: object, path: str) -> TaskFilter | None:
    if raw is None:
        return None
    obj = _object(raw, path)
    _known_keys(obj, FILTER_KEYS, path)
    return TaskFilter(
        tags_any=frozenset(_strings(obj.get("tags_any", []), path + ".tags_any")),
        districts=tuple(sorted(set(_strings(obj.get("districts", []), path + ".districts")))),
        industries=frozenset(_strings(obj.get("industries", []), path + ".industries")),
        types=frozenset(_strings(obj.get("types", []), path + ".types")),
        risks=frozenset(_risk(r, f"{path}.risks[{n}]")
                        for n, r in enumerate(_list(obj.get("risks", []), path + ".risks"))),
        lists_any=frozenset(_strings(obj.get("lists_any", []), path + ".lists_any")),
    )


def _task(obj: object, n: int, departments: set[str], items: dict[str, Item]) -> Task:
    path = f"$.tasks[{n}]"
    obj = _object(obj, path)
    lead = _str(_field(obj, "department", path), path + ".department")
    if lead not in departments:
        raise InputError(messages.unknown_reference(path + ".department", "department", lead),
                         path + ".department")
    participating = _strings(obj.get("participating", []), path + ".participating")
    for k, department in enumerate(participating):
        if department not in departments:
            raise InputError(messages.unknown_reference(f"{path}.participating[{k}]",
                                                        "department", department),
                             f"{path}.participating[{k}]")
    task_departments = {lead, *participating}
    item_ids = _strings(_field(obj, "items", path), path + ".items")
    if not item_ids:
        raise InputError(messages.empty_items(path + ".items"), path + ".items")
    for k, item_id in enumerate(item_ids):
        at = f"{path}.items[{k}]"
        if item_id not in items:
            raise InputError(messages.unknown_reference(at, "check item", item_id), at)
        if items[item_id].department not in task_departments:
            raise InputError(messages.item_outside_task(at, item_id, items[item_id].department), at)
    has_ratio, has_count = obj.get("ratio") is not None, obj.get("count") is not None
    if has_ratio and has_count:
        raise InputError(messages.ratio_and_count(path), path)
    if not has_ratio and not has_count:
        raise InputError(messages.ratio_or_count_missing(path), path)
    ratio = None
    if has_ratio:
        raw_ratio = _object(obj["ratio"], path + ".ratio")
        for risk in sorted(raw_ratio):
            _risk(risk, f"{path}.ratio.{risk}")
        ratio = {risk: _ratio(raw_ratio[risk], f"{path}.ratio.{risk}") for risk in sorted(raw_ratio)}
    raw_lists = _object(obj.get("list_ratio") or {}, path + ".list_ratio")
    if raw_lists and has_count:
        raise InputError(messages.list_ratio_with_count(path + ".list_ratio"), path + ".list_ratio")
    return Task(
        id=_str(_field(obj, "id", path), path + ".id"),
        department=lead,
        items=item_ids,
        participating=participating,
        filter=_filter(obj.get("filter"), path + ".filter"),
        ratio=ratio,
        count=_int(obj["count"], path + ".count") if has_count else None,
        list_ratio={name: _ratio(raw_lists[name], f"{path}.list_ratio.{name}")
                    for name in sorted(raw_lists)},
        inspectors_per_visit=_int(obj.get("inspectors_per_visit", 2),
                                  path + ".inspectors_per_visit", 1),
    )


def _secret(raw: object) -> bytes | None:
    if raw is None:
        return None
    if type(raw) is not str or not _HEX64(raw):
        raise InputError(messages.bad_secret("$.secret"), "$.secret")
    return bytes.fromhex(raw)


def parse_instance(doc: dict, digest: bytes | None = None, progress: Progress | None = None,
                   consume: bool = False, entities: tuple[Entity, ...] | None = None,
                   frozen: bytes | None = None) -> Instance:
    """Validate an instance document and build the typed model.

    ``digest`` is the document's input digest if the caller already computed
    it (see :func:`document_digest`); otherwise it is computed here (before
    anything else), together with the frozen digest. ``frozen`` is the frozen
    digest if the caller has it (``Instance.frozen_digest`` is None if neither
    gives it). With ``consume``, the document's entity list is emptied
    while it is parsed, to save memory; the caller must not use it afterwards.
    """
    if digest is None and isinstance(doc, dict):
        digest, frozen = document_digests(doc)
    progress = progress or NullProgress()
    if not isinstance(doc, dict):
        raise InputError(messages.not_an_object("instance"))
    found = doc.get("format")
    if found != FORMAT:
        if found is None:
            raise InputError(messages.missing_field("$.format"), "$.format")
        raise InputError(messages.unknown_format("$.format", found, FORMAT), "$.format")
    window = _object(_field(doc, "window", "$"), "$.window")
    start = _date(_field(window, "start", "$.window"), "$.window.start")
    end = _date(_field(window, "end", "$.window"), "$.window.end")
    if end < start:
        raise InputError(messages.window_reversed(start, end), "$.window")
    calendar = _object(doc.get("calendar") or {}, "$.calendar")
    holidays = _dates(calendar.get("holidays", []), "$.calendar.holidays")
    workdays = _dates(calendar.get("workdays", []), "$.calendar.workdays")
    if not working_days_between(start, end, holidays, workdays):
        raise InputError(messages.no_working_day(start, end), "$.window")
    departments = _departments(_field(doc, "departments", "$"))
    department_ids = {d.id for d in departments}
    items = _items(_field(doc, "items", "$"), department_ids)
    items_by_id = {i.id: i for i in items}
    tasks = tuple(_task(obj, n, department_ids, items_by_id)
                  for n, obj in enumerate(_list(_field(doc, "tasks", "$"), "$.tasks")))
    _unique([t.id for t in tasks], "task", "$.tasks")
    instance = Instance(
        format=FORMAT,
        draw_id=_str(_field(doc, "draw_id", "$"), "$.draw_id"),
        secret=_secret(doc.get("secret")),
        external_entropy=_str(_field(doc, "external_entropy", "$"), "$.external_entropy",
                              empty=True),
        window_start=start,
        window_end=end,
        holidays=holidays,
        workdays=workdays,
        policy=_policy(doc.get("policy")),
        departments=departments,
        items=items,
        entities=entities if entities is not None else _entities(_field(doc, "entities", "$"),
                                                                 progress, consume),
        inspectors=_inspectors(_field(doc, "inspectors", "$"), department_ids),
        conflicts=_conflicts(doc.get("conflicts", [])),
        pair_conflicts=_pair_conflicts(doc.get("pair_conflicts", [])),
        tasks=tasks,
        input_digest=digest,
        frozen_digest=frozen,
    )
    return instance
