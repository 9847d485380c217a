"""Where a draw's documents live, and how its secret is kept sealed.

Documents are files under ``DRAW_STORE`` (default ``<instance>/draws``), one
directory per draw code: ``instance.json`` (the frozen instance, canonical
JSON, ``external_entropy`` empty, no secret) and ``outcome.json``. The
instance the solver ran on is the frozen one with the witnesses' entropy
(stored in the database) filled in. Each is written atomically
(temporary file, fsync, rename), owner-only (files 0600, directories
0700), and its digest is stored in the database, so
a file that was tampered with is detected on every read.

The 32-byte secret is stored *sealed* in the database: XOR-ed with
HMAC-SHA256(seal key, "draw-secret:" + draw code), a one-time pad per draw.
The seal key is ``DRAW_SEAL_KEY`` or, by default, the app's ``SECRET_KEY``
(keep it: without it unrevealed draws cannot be run or revealed). Unsealing
checks the result against the published commitment.
"""

from __future__ import annotations

import hmac
import json
import os
from hashlib import sha256
from pathlib import Path

from flask import current_app

from solver.canonical import canonical_json


class StoreError(RuntimeError):
    """A stored document is missing or does not match its digest."""


def store_root() -> Path:
    root = current_app.config.get("DRAW_STORE") or os.environ.get("INSPECT_DRAW_STORE") \
        or os.path.join(current_app.instance_path, "draws")
    path = Path(root)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def draw_dir(code: str) -> Path:
    if not code or "/" in code or code.startswith("."):
        raise StoreError(f"bad draw code {code!r}")
    path = store_root() / code
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def write_document(code: str, name: str, doc: dict) -> tuple[str, bytes]:
    """Write ``doc`` as canonical JSON atomically; return (relative path, bytes)."""
    data = canonical_json(doc)
    write_bytes(code, name, data)
    return f"{code}/{name}", data


def write_bytes(code: str, name: str, data: bytes) -> None:
    target = draw_dir(code) / name
    tmp = target.with_name(f".{name}.{os.getpid()}.tmp")
    # Owner-only (0600): an unrevealed outcome must not be readable by
    # other local users.
    with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as f:
        os.fchmod(f.fileno(), 0o600)  # also if a stale temporary file was left behind
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, target)
    fd = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_bytes(relative: str) -> bytes:
    try:
        return (store_root() / relative).read_bytes()
    except FileNotFoundError:
        raise StoreError(f"document {relative} is missing from the draw store") from None


def read_document(relative: str) -> dict:
    return json.loads(read_bytes(relative))


def _pad(code: str) -> bytes:
    key = (current_app.config.get("DRAW_SEAL_KEY") or os.environ.get("DRAW_SEAL_KEY")
           or current_app.config["SECRET_KEY"])
    return hmac.digest(key.encode("utf-8"), ("draw-secret:" + code).encode("utf-8"), "sha256")


def seal_secret(code: str, secret: bytes) -> str:
    return bytes(a ^ b for a, b in zip(secret, _pad(code))).hex()


def unseal_secret(code: str, sealed: str, commitment: str) -> bytes:
    secret = bytes(a ^ b for a, b in zip(bytes.fromhex(sealed), _pad(code)))
    if sha256(secret).hexdigest() != commitment:
        raise StoreError(f"draw {code}: the sealed secret does not match the commitment "
                         "(was DRAW_SEAL_KEY / SECRET_KEY changed?)")
    return secret
