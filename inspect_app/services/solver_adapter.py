"""The web app's only door to the solver library (``solver/``).

Views never import the solver; services call these functions, which use the
solver's public API on the instance/outcome documents of DRAW-PROTOCOL.md.
:func:`verify_cli` runs ``python -m solver verify`` in a subprocess, exactly
as a member of the public would after the reveal.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from solver.canonical import canonical_json, commitment, result_digest
from solver.draw import draw
from solver.errors import InputError, SolverError, VerificationFailed
from solver.instance import document_digest, parse_instance
from solver.progress import NullProgress, Progress
from solver.verify import verify_outcome

__all__ = ["InputError", "SolverError", "VerificationFailed", "canonical_json", "commitment_hex",
           "digest_hex", "result_digest_hex", "run_draw", "verify", "verify_cli"]

REPO_ROOT = Path(__file__).resolve().parents[2]


def digest_hex(instance_doc: dict) -> str:
    """The instance's input digest (``secret`` left out), lower-case hex."""
    return document_digest(instance_doc).hex()


def commitment_hex(secret: bytes) -> str:
    return commitment(secret).hex()


def result_digest_hex(outcome: dict) -> str:
    return result_digest(outcome).hex()


def run_draw(instance_doc: dict, progress: Progress | None = None, digest: str | None = None) -> dict:
    """The outcome document of an instance that holds its secret. ``digest``
    is its input digest if the caller has computed it already."""
    progress = progress or NullProgress()
    progress.stage("parse")
    instance = parse_instance(instance_doc, digest=bytes.fromhex(digest) if digest else None, progress=progress)
    return draw(instance, progress=progress).outcome()


def verify(instance_doc: dict, outcome: dict, progress: Progress | None = None) -> None:
    """Raise :class:`VerificationFailed` unless ``outcome`` is exactly what
    ``instance_doc`` (with its secret) produces."""
    verify_outcome(parse_instance(instance_doc), outcome, progress)


def verify_cli(instance_path: str | Path, outcome_path: str | Path) -> subprocess.CompletedProcess:
    """``python -m solver verify INSTANCE OUTCOME`` (exit 0 = verified)."""
    return subprocess.run([sys.executable, "-m", "solver", "verify", str(instance_path), str(outcome_path)],
                          capture_output=True, text=True, cwd=REPO_ROOT)
