"""The register file of a draw (``inspect-register/1``, docs/draw-protocol.md
section 12): the values the public register has published about it, as one
small JSON document that ``python -m solver verify --register`` compares with
the revealed instance and outcome.

Without it, ``verify`` only proves that an outcome is the one its instance
produces: an instance with an entity deleted and drawn again is just as
consistent. What the forger cannot change is what the register published
before the draw — the frozen digest and the commitment at the commitment, the
input digest once drawn, the result digest once sealed.

The document holds only values that are already public (what
:mod:`.draw_register` shows on the draw's page): never the secret, the
instance or the outcome, which are published separately at the reveal. It is
served from the commitment on; before that the draw is not in the register.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

from sqlmodel import Session

from ..models import Draw
from . import draw_register

FORMAT = "inspect-register/1"


def _time(value: datetime | None) -> str | None:
    """ISO 8601 in UTC, to the second (``2030-03-01T09:30:00Z``)."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value.isoformat(timespec="seconds") + "Z"


def register_document(session: Session, code: str) -> dict | None:
    """The register file of the draw ``code``, or None if the register does
    not list it (unknown, or not committed yet)."""
    entry = draw_register.public_draw(session, code)
    if entry is None:
        return None
    draw = entry.draw
    parent = session.get(Draw, draw.parent_id) if draw.parent_id is not None else None
    drawn = draw.drawn_at is not None and draw.input_digest is not None
    sealed = entry.sealed and draw.sealed_at is not None
    return {
        "format": FORMAT,
        "code": draw.code,
        "parent_code": parent.code if parent is not None else None,
        "redraw_visit": draw.redraw_visit,
        "redraw_reason": draw.redraw_reason,
        "plan": {"number": entry.plan.number, "name": entry.plan.name},
        "tasks": list(draw.task_codes),
        "window": {"start": draw.window_start.isoformat(), "end": draw.window_end.isoformat()},
        "entropy_source": draw.entropy_source,
        "external_entropy": draw.external_entropy,
        "frozen_digest": draw.frozen_digest,
        "commitment": draw.commitment,
        "input_digest": draw.input_digest if drawn else None,
        "result_digest": draw.result_digest if sealed else None,
        "state": draw.state,
        "revealed": entry.revealed,
        "committed_at": _time(draw.committed_at),
        "sealed_at": _time(draw.sealed_at) if sealed else None,
        "revealed_at": _time(draw.revealed_at) if entry.revealed else None,
    }


def register_bytes(session: Session, code: str) -> bytes | None:
    """The register file as served: canonical JSON and a newline."""
    doc = register_document(session, code)
    if doc is None:
        return None
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8") + b"\n"
