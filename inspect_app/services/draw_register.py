"""The public draw register (摇号公示): what anyone may see of each draw, and
when.

* from the commitment on: draw id, plan and tasks, window, the named source
  of external entropy, the frozen input digest and the commitment;
* once the entropy is entered: its value and the witnesses' names;
* once drawn: the input digest the draw ran on and the result digest (the
  outcome itself stays confidential), marked as awaiting review until sealed;
* for a sealed draw not yet revealed: when it will be — not before the day
  after its window (``reveal_from``), once every visit is completed — and
  the draws whose visits its instance shows that are not revealed yet
  (``waiting``: it waits for them, services/draw_reveal.py);
* once revealed (by the system after the window once every visit is
  completed or reported, or earlier after the window by a planner with a
  reason — services/draw_reveal.py; a redraw only with its root draw): the
  instance with its secret, the secret, and the outcome, so that anyone can
  run ``python -m solver verify``;
* a formal cancellation (when, reason) as soon as it is made; a cancelled
  draw's documents follow the same reveal rules.

Published plans (and their superseded versions) are listed here too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlmodel import Session, select

from ..models import Draw, DrawWitness, Plan, Task
from . import draw_store
from .draw_runs import draw_instance, secret_of
from .draw_reveal import first_reveal_day, waiting_for
from .draws import is_revealed, reveal_after

DOCUMENTS = ("instance.json", "secret.txt", "outcome.json")


@dataclass
class RegisterEntry:
    draw: Draw
    plan: Plan
    witnesses: list[DrawWitness]
    sealed: bool
    revealed: bool
    # sealed, not revealed: the first day it may be revealed (its visits
    # must be done too); None otherwise
    reveal_from: date | None = None
    # sealed, not revealed: the codes of the draws it waits for
    # (:func:`.draw_reveal.waiting_for`)
    waiting: list[str] = field(default_factory=list)


def public_draws(session: Session) -> list[RegisterEntry]:
    """Every draw that has a commitment, newest first."""
    rows = session.exec(select(Draw).where(Draw.commitment.is_not(None)).order_by(Draw.id.desc())).all()
    plans = {p.id: p for p in session.exec(select(Plan))}
    starts = _reveal_from(rows)
    waits = _waiting(rows)
    people: dict[int, list[DrawWitness]] = {}
    for w in session.exec(select(DrawWitness).order_by(DrawWitness.draw_id, DrawWitness.sort)):
        people.setdefault(w.draw_id, []).append(w)
    by_id = {d.id: d for d in rows}

    def revealed(d: Draw) -> bool:  # draws.is_revealed, from the rows at hand
        if d.state != "sealed" or d.revealed_at is None:
            return False
        root = d
        while root.parent_id is not None:
            if root.parent_id not in by_id:
                return is_revealed(d, session)
            root = by_id[root.parent_id]
        return root.state == "sealed" and root.revealed_at is not None

    return [_entry(session, d, plans[d.plan_id], starts.get(d.id), waits.get(d.id, []), people.get(d.id, []),
                   revealed(d)) for d in rows]


def public_draw(session: Session, code: str) -> RegisterEntry | None:
    draw = session.exec(select(Draw).where(Draw.code == code, Draw.commitment.is_not(None))).first()
    if draw is None:
        return None
    pending = draw.state == "sealed" and draw.revealed_at is None
    start = first_reveal_day(session, draw) if pending else None
    waits = [d.code for d in waiting_for(session, draw)] if pending else []
    return _entry(session, draw, session.get(Plan, draw.plan_id), start, waits)


def _reveal_from(rows: list[Draw]) -> dict[int, date]:
    """Draw id → :func:`.draw_reveal.first_reveal_day` for the sealed,
    unrevealed draws among ``rows`` (every draw with a commitment, so every
    chain is complete), without a query per draw."""
    by_id = {d.id: d for d in rows}

    def root(d: Draw) -> Draw:
        while d.parent_id is not None and d.parent_id in by_id:
            d = by_id[d.parent_id]
        return d

    last: dict[int, date] = {}
    for d in rows:
        if d.state == "sealed" or d.parent_id is None:
            r = root(d).id
            last[r] = max(last.get(r, reveal_after(d)), reveal_after(d))
    return {d.id: last[root(d).id] + timedelta(days=1) for d in rows
            if d.state == "sealed" and d.revealed_at is None}


def _waiting(rows: list[Draw]) -> dict[int, list[str]]:
    """Draw id → the codes of the draws it waits for
    (:func:`.draw_reveal.waiting_for`), for the sealed, unrevealed draws
    among ``rows`` (every draw with a commitment: every source is there),
    without a query per draw."""
    by_id = {d.id: d for d in rows}

    def root(d: Draw) -> Draw:
        while d.parent_id is not None and d.parent_id in by_id:
            d = by_id[d.parent_id]
        return d

    def revealed(d: Draw) -> bool:
        return d.state == "sealed" and d.revealed_at is not None and (d.parent_id not in by_id or revealed(by_id[d.parent_id]))

    chains: dict[int, list[Draw]] = {}
    for d in rows:
        r = root(d)
        if d.id == r.id or d.state == "sealed":
            chains.setdefault(r.id, []).append(d)
    out = {}
    for members in chains.values():
        ids = {i for d in members for i in (d.history_sources or [])} - {d.id for d in members}
        codes = [by_id[i].code for i in sorted(ids) if i in by_id and not revealed(by_id[i])]
        for d in members:
            if codes and d.state == "sealed" and d.revealed_at is None:
                out[d.id] = codes
    return out


def _entry(session: Session, draw: Draw, plan: Plan, reveal_from: date | None,
           waiting: list[str] | None = None, people: list[DrawWitness] | None = None,
           revealed: bool | None = None) -> RegisterEntry:
    if people is None:
        people = list(session.exec(select(DrawWitness).where(DrawWitness.draw_id == draw.id)
                                   .order_by(DrawWitness.sort)))
    if revealed is None:
        revealed = is_revealed(draw, session)
    return RegisterEntry(draw, plan, people, draw.state == "sealed", revealed, None if revealed else reveal_from,
                         [] if revealed else list(waiting or []))


def document(entry: RegisterEntry, name: str) -> bytes | None:
    """A revealed draw's verification document, or None if not (yet) public."""
    if not entry.revealed or name not in DOCUMENTS:
        return None
    draw = entry.draw
    if name == "secret.txt":
        return (secret_of(draw).hex() + "\n").encode()
    if name == "outcome.json":
        return draw_store.read_bytes(draw.outcome_path)
    doc = draw_instance(draw)
    doc["secret"] = secret_of(draw).hex()
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def published_plans(session: Session) -> list[Plan]:
    return list(session.exec(select(Plan).where(Plan.status != "draft").order_by(Plan.year.desc(), Plan.number,
                                                                                  Plan.version.desc())))


def plan_tasks(session: Session, plan: Plan) -> list[Task]:
    return list(session.exec(select(Task).where(Task.plan_id == plan.id).order_by(Task.id)))
