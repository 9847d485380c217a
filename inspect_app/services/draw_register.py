"""The public draw register (摇号公示): what anyone may see of each draw, and
when.

* from the commitment on: draw id, plan and tasks, window, the named source
  of external entropy, the frozen input digest and the commitment;
* once the entropy is entered: its value and the witnesses' names;
* once drawn: the input digest the draw ran on and the result digest (the
  outcome itself stays confidential), marked as awaiting review until sealed;
* once revealed (automatically when the window has closed, or recorded by the
  planner with a reason after that; a redraw only with its root draw): the
  instance with its secret, the secret, and the outcome, so that anyone can
  run ``python -m solver verify``;
* a formal cancellation (when, reason) as soon as it is made; a cancelled
  draw's documents follow the same reveal rules.

Published plans (and their superseded versions) are listed here too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from ..models import Draw, DrawWitness, Plan, Task
from . import draw_store
from .draw_runs import draw_instance, secret_of
from .draws import is_revealed

DOCUMENTS = ("instance.json", "secret.txt", "outcome.json")


@dataclass
class RegisterEntry:
    draw: Draw
    plan: Plan
    witnesses: list[DrawWitness]
    sealed: bool
    revealed: bool


def public_draws(session: Session, today: date | None = None) -> list[RegisterEntry]:
    """Every draw that has a commitment, newest first."""
    rows = session.exec(select(Draw).where(Draw.commitment.is_not(None)).order_by(Draw.id.desc())).all()
    plans = {p.id: p for p in session.exec(select(Plan))}
    return [_entry(session, d, plans[d.plan_id], today) for d in rows]


def public_draw(session: Session, code: str, today: date | None = None) -> RegisterEntry | None:
    draw = session.exec(select(Draw).where(Draw.code == code, Draw.commitment.is_not(None))).first()
    if draw is None:
        return None
    return _entry(session, draw, session.get(Plan, draw.plan_id), today)


def _entry(session: Session, draw: Draw, plan: Plan, today: date | None) -> RegisterEntry:
    people = list(session.exec(select(DrawWitness).where(DrawWitness.draw_id == draw.id).order_by(DrawWitness.sort)))
    return RegisterEntry(draw, plan, people, draw.state == "sealed", is_revealed(draw, today, session))


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
