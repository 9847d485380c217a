"""Canonical JSON, digests, the seed and the HMAC numbers of the draw protocol.

The canonical form is exactly
``json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")``.
:func:`iter_canonical` yields that text chunk by chunk so that a large document
is hashed without ever holding its whole serialisation in memory.

>>> canonical_json({"b": [1, 2], "a": "福"})
b'{"a":"\\xe7\\xa6\\x8f","b":[1,2]}'
>>> input_digest({"secret": "ff", "a": 1}).hex() == sha256(b'{"a":1}').hexdigest()
True
>>> commitment(bytes(32)).hex()[:16]
'66687aadf862bd77'
>>> u_value(bytes(32), "91350181MA2Y0XXXXX") == int.from_bytes(
...     hmac.digest(bytes(32), b"entity:91350181MA2Y0XXXXX", "sha256")[:8], "big")
True
"""

from __future__ import annotations

import hmac
import json
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from hashlib import sha256

import numpy as np
import orjson

from solver.forking import bytes_forked

CHUNK = 2048  # list elements serialised per json.dumps call when streaming

_dumps = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


def canonical_json(doc: object) -> bytes:
    """The canonical bytes of a JSON value (no trailing newline)."""
    return _dumps(doc).encode("utf-8")


def iter_canonical(value: object, chunk: int = CHUNK) -> Iterator[str]:
    """Yield the canonical text of ``value`` in pieces whose concatenation is
    ``json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)``.

    Objects are walked key by key in sorted order (the order ``sort_keys``
    uses: Python string order, i.e. by code point), long arrays ``chunk``
    elements at a time.

    >>> "".join(iter_canonical({"z": list(range(5)), "a": {"y": None, "x": 1.5}}, chunk=2))
    '{"a":{"x":1.5,"y":null},"z":[0,1,2,3,4]}'
    """
    if isinstance(value, dict):
        yield "{"
        for n, key in enumerate(sorted(value)):
            yield ("," if n else "") + _dumps(key) + ":"
            yield from iter_canonical(value[key], chunk)
        yield "}"
    elif isinstance(value, list) and len(value) > chunk:
        yield "["
        for start in range(0, len(value), chunk):
            yield ("," if start else "") + _dumps(value[start:start + chunk])[1:-1]
        yield "]"
    else:
        yield _dumps(value)


_FLOATISH = re.compile(rb"[0-9](?:\.|e[-+])").search  # a float in orjson's output (or "2.5")
# orjson writes only what json.dumps would: anything else (a date, a dataclass, a
# subclass) goes to the standard library, which writes or refuses it
_ORJSON_OPTIONS = (orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
                   | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_SUBCLASS)


def _orjson_agrees() -> bool:
    """orjson writes strings, integers and sorted keys exactly as the canonical
    ``json.dumps`` does (the test suite checks every code point; this re-checks
    the delicate ones on the installed build before :func:`encode_canonical`
    relies on it)."""
    sample = "".join(map(chr, range(0x80))) + "\u2028\u2029\ufeff\ud7ff\ue000\uffff\U0001f600福"
    value = {"b": [sample, 0, -1, 2**63 - 1, -2**63, 2**64 - 1, True, False, None], "a": {}, "": [{}]}
    try:
        return orjson.dumps(value, option=_ORJSON_OPTIONS) == _dumps(value).encode("utf-8")
    except orjson.JSONEncodeError:  # pragma: no cover
        return False


_ORJSON_AGREES = _orjson_agrees()


def encode_canonical(value: object) -> bytes:
    """The canonical bytes of ``value`` (as :func:`canonical_json`), written by
    orjson where that gives the same bytes — strings, integers, keys sorted by
    code point (UTF-8 byte order is code-point order) — and by the standard
    library for anything that holds a float (orjson writes ``0.00001`` for
    ``1e-05``; a digit followed by ``.`` or ``e``, which also catches strings
    such as ``"2.5"``) or that orjson does not write (an integer beyond 64
    bits, a lone surrogate, which then raises :class:`UnicodeEncodeError`).

    >>> encode_canonical([{"b": 1e-05, "a": "福"}]) == canonical_json([{"b": 1e-05, "a": "福"}])
    True
    """
    if _ORJSON_AGREES:
        try:
            text = orjson.dumps(value, option=_ORJSON_OPTIONS)
        except orjson.JSONEncodeError:
            pass
        else:
            if not ((b"." in text or b"e+" in text or b"e-" in text) and _FLOATISH(text)):
                return text
    return _dumps(value).encode("utf-8")


def iter_canonical_bytes(value: object, chunk: int = CHUNK) -> Iterator[bytes]:
    """The UTF-8 bytes of :func:`iter_canonical`, with each run of ``chunk``
    array elements written by :func:`encode_canonical` (same bytes, faster).

    >>> doc = {"z": [{"b": n, "a": 0.5 * n} for n in range(7)], "a": "福"}
    >>> b"".join(iter_canonical_bytes(doc, chunk=3)) == canonical_json(doc)
    True
    """
    if isinstance(value, dict):
        yield b"{"
        for n, key in enumerate(sorted(value)):
            yield (("," if n else "") + _dumps(key) + ":").encode("utf-8")
            yield from iter_canonical_bytes(value[key], chunk)
        yield b"}"
    elif isinstance(value, list) and len(value) > chunk:
        yield b"["
        for start in range(0, len(value), chunk):
            yield (b"," if start else b"") + encode_canonical(value[start:start + chunk])[1:-1]
        yield b"]"
    else:
        yield encode_canonical(value)


def digest_chunks(chunks: Iterable[str]) -> bytes:
    """SHA-256 of the UTF-8 encoding of the concatenated ``chunks``."""
    hasher = sha256()
    for piece in chunks:
        hasher.update(piece.encode("utf-8"))
    return hasher.digest()


def input_digest(doc: dict) -> bytes:
    """SHA-256 of the canonical JSON of an instance document without its
    ``secret`` key, computed by streaming."""
    return digest_chunks(iter_canonical({k: v for k, v in doc.items() if k != "secret"}))


FROZEN_KEY = "external_entropy"  # the member that is "" in the frozen instance
_FROZEN_MEMBER = b'"external_entropy":""'


def finish_digests(hasher, members: dict, keys: Sequence[str], first: bool) -> tuple[bytes, bytes]:
    """Hash the members ``keys`` of ``members`` (sorted, each after everything
    ``hasher`` holds; ``first``: no member came before) and the closing ``}``.

    Returns ``(digest, frozen digest)``: the second is the digest of the same
    document with ``external_entropy`` set to ``""`` (added if it is absent),
    the digest the register publishes at the commitment. The two share every
    byte before that member, so the hasher is copied there, not run twice.

    >>> doc = {"a": 1, "external_entropy": "42", "z": [2]}
    >>> finish_digests(sha256(b"{"), doc, sorted(doc), True) == (
    ...     input_digest(doc), input_digest(dict(doc, external_entropy="")))
    True
    """
    frozen, frozen_first = None, first
    for key in keys:
        if frozen is None and key >= FROZEN_KEY:
            frozen, frozen_first = hasher.copy(), first
            if key != FROZEN_KEY:
                frozen.update((b"" if frozen_first else b",") + _FROZEN_MEMBER)
                frozen_first = False
        head = (("" if first else ",") + _dumps(key) + ":").encode("utf-8")
        if key == FROZEN_KEY:
            assert frozen is not None  # copied just above
            hasher.update(head)
            for piece in iter_canonical_bytes(members[key]):
                hasher.update(piece)
            frozen.update((b"" if frozen_first else b",") + _FROZEN_MEMBER)
        else:
            if frozen is not None and frozen_first != first:
                frozen.update((("" if frozen_first else ",") + _dumps(key) + ":").encode("utf-8"))
                hasher.update(head)
            else:
                hasher.update(head)
                if frozen is not None:
                    frozen.update(head)
            for data in iter_canonical_bytes(members[key]):
                hasher.update(data)
                if frozen is not None:
                    frozen.update(data)
        first = frozen_first = False
    if frozen is None:  # every member sorts before external_entropy
        frozen = hasher.copy()
        frozen.update((b"" if first else b",") + _FROZEN_MEMBER)
    hasher.update(b"}")
    frozen.update(b"}")
    return hasher.digest(), frozen.digest()


def input_and_frozen_digest(doc: dict) -> tuple[bytes, bytes]:
    """:func:`input_digest` and the frozen digest (``external_entropy`` "")
    of an instance document, in one pass (:func:`finish_digests`)."""
    return finish_digests(sha256(b"{"), doc, sorted(k for k in doc if k != "secret"), True)


def result_digest(outcome: dict) -> bytes:
    """SHA-256 of the canonical JSON of an outcome document."""
    return sha256(canonical_json(outcome)).digest()


def commitment(secret: bytes) -> bytes:
    """SHA-256 of the raw secret bytes."""
    return sha256(secret).digest()


def derive_seed(secret: bytes, digest: bytes, external_entropy: str) -> bytes:
    """``SHA-256(secret ‖ input_digest ‖ UTF-8 external_entropy)``, all raw bytes.

    >>> derive_seed(b"s", b"d", "e") == sha256(b"sde").digest()
    True
    """
    return sha256(secret + digest + external_entropy.encode("utf-8")).digest()


def hmac_u64(seed: bytes, message: str) -> int:
    """First 8 bytes, big-endian, of HMAC-SHA256(key=seed, msg=UTF-8 message)."""
    return int.from_bytes(hmac.digest(seed, message.encode("utf-8"), "sha256")[:8], "big")


def entity_message_prefix(task_id: str | None = None) -> str:
    """``"entity:"`` (coordinated) or ``"entity:" + task_id + ":"`` (independent).

    >>> entity_message_prefix(), entity_message_prefix("T1")
    ('entity:', 'entity:T1:')
    """
    return "entity:" if task_id is None else "entity:" + task_id + ":"


def u_value(seed: bytes, uscc: str, task_id: str | None = None) -> int:
    """The permanent random number u(e) of one entity."""
    return hmac_u64(seed, entity_message_prefix(task_id) + uscc)


class FastHmac:
    """HMAC-SHA256 with one key, its key schedule computed once (RFC 2104:
    the SHA-256 states after the inner and outer key blocks), so that each
    message costs two compressions and no key set-up: the same bytes as
    :func:`hmac.digest`. The u-values of entities and the random costs of
    team forming (:class:`solver.assign.RandomCost`) both hash this way.

    >>> key = FastHmac(b"k")
    >>> key.truncated(b"entity:", [b"A", b"B"], 8) == b"".join(
    ...     hmac.digest(b"k", b"entity:" + m, "sha256")[:8] for m in (b"A", b"B"))
    True
    """

    __slots__ = ("_inner", "_outer")

    def __init__(self, key: bytes) -> None:
        if len(key) > 64:
            key = sha256(key).digest()
        key = key.ljust(64, b"\0")
        self._inner = sha256(bytes(b ^ 0x36 for b in key))
        self._outer = sha256(bytes(b ^ 0x5C for b in key))

    def truncated(self, prefix: bytes, suffixes: Iterable[bytes], size: int) -> bytes:
        """The first ``size`` bytes of HMAC(key, ``prefix`` + suffix) for
        each of ``suffixes``, concatenated."""
        inner = self._inner.copy()
        inner.update(prefix)
        inner_copy, outer_copy = inner.copy, self._outer.copy
        pieces: list[bytes] = []
        append = pieces.append
        for suffix in suffixes:
            state = inner_copy()
            state.update(suffix)
            final = outer_copy()
            final.update(state.digest())
            append(final.digest()[:size])
        return b"".join(pieces)


def _u_bytes(seed: bytes, usccs: Sequence[str], task_id: str | None) -> bytes:
    """The 8-byte big-endian u of each USCC, concatenated."""
    return FastHmac(seed).truncated(entity_message_prefix(task_id).encode("utf-8"),
                                    [uscc.encode("utf-8") for uscc in usccs], 8)


def _u_bytes_forked(seed: bytes, usccs: Sequence[str], task_id: str | None, workers: int) -> bytes:
    """:func:`_u_bytes` with the list cut into ``workers`` slices, all but the
    first computed by forked children (:func:`solver.forking.bytes_forked`)."""
    bounds = [len(usccs) * k // workers for k in range(workers + 1)]
    runs = [usccs[bounds[k]:bounds[k + 1]] for k in range(workers)]
    return bytes_forked(runs, lambda run: _u_bytes(seed, run, task_id), lambda run: 8 * len(run))


PARALLEL_MINIMUM = 100_000  # fewer entities are hashed in-process


def u_values(seed: bytes, usccs: Sequence[str], task_id: str | None = None,
             workers: int = 1) -> np.ndarray:
    """u(e) for many entities at once, as a ``uint64`` array in the order given.

    The bytes are those of :func:`hmac.digest`; the HMAC key schedule is just
    computed once instead of once per entity. With ``workers`` > 1 (POSIX
    only) large lists are split between forked processes; the result is the
    same.

    >>> int(u_values(bytes(32), ["91350181MA2Y0XXXXX"], "T1")[0]) == u_value(
    ...     bytes(32), "91350181MA2Y0XXXXX", "T1")
    True
    """
    if workers > 1 and len(usccs) >= PARALLEL_MINIMUM and hasattr(os, "fork"):
        raw = _u_bytes_forked(seed, usccs, task_id, workers)
    else:
        raw = _u_bytes(seed, usccs, task_id)
    return np.frombuffer(raw, dtype=">u8").astype(np.uint64)
