"""When a sealed draw's list becomes public (the draw's own 一公开).

A sealed draw's instance, secret and outcome are published (``revealed_at``
set) in one of two ways, both only once the draw is *revealable* — its
window has closed and so has ``history_until`` (:func:`.draws.revealable`)
— and no longer *waits* for another draw (:func:`waiting_for`):

* :func:`reveal_due` — by the system, once every visit of the draw is
  **done** (below); ``revealed_by = "system"``, ``reveal_reason`` the fixed
  code :data:`CHECKS_DONE` (rendered in words by
  :func:`reveal_reason_text`);
* :func:`.draws.reveal` — by a planner's explicit action with a reason and a
  confirmation, for instance when a visit will never be reported.

Nothing else reveals a draw: before the window closes no route, API call or
command does, and the date alone reveals nothing (:func:`.draws.is_revealed`
reads ``revealed_at``). An original draw's sealed redraws are revealed with
it, by either path (:func:`reveal_redraws`); every reveal leaves a
``revealed`` trail event.

**Done** ("completed or reported"): a visit is done when its current result
(``visit_result.current``) is ``submitted`` (the team has carried out the
check and reported it; the review may still be pending) or ``approved``.
A visit with no result, a draft or a result returned by the reviewer is not
done. The visits that count are the current staffed visits
(``draw_visit.current``) of the draw and of its sealed redraws: a visit
replaced by a redraw no longer counts, its replacement does; a cancelled
draw has no current visit left, so it is revealed once revealable, as any
draw whose checks are all done. Unfilled visits (no team could be formed)
are not draw visits and do not count.

**Sources**: a draw's instance shows, as its entities' history, the current
visits of the other sealed draws its freeze found (``draw.history_sources``,
set at freeze, the draw's own chain excluded): revealing it would publish
their lists. So a draw (any member of its chain) waits until every source
draw is revealed (:func:`waiting_for`), whatever the dates. A source
cancelled after the freeze was in the history all the same, so it is waited
for too; having no current visit left, it is revealed by :func:`reveal_due`
once revealable. A draw cancelled before the freeze had no current visit
then, so it is no source. Draws frozen before migration 0021 have
``history_sources`` NULL — their sources are unknown — and only the date
rule (``history_until``) holds them back.

**Upgrade**: before migration 0021 a sealed draw was public by date alone;
the migration marked the draws that rule had made public as revealed by the
system with the reason code :data:`BY_DATE_BEFORE_UPGRADE`.

Who calls :func:`reveal_due`: the scheduler's ``reveal-due`` job
(``inspect_app/scheduler/jobs.py``, every 10 minutes) and
``flask --app wsgi draws reveal-due`` (an operator, or cron where no
scheduler runs); any number of callers at once reveal each draw once.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from ..models import Draw, DrawVisit, utcnow
from ..visit_models import VisitResult
from . import draws
from .messages import _

DONE_STATES = ("submitted", "approved")

# The system's reveal (:func:`reveal_due`) records
# ``revealed_by = SYSTEM`` and a fixed reason code, rendered in words by
# :func:`reason_words`; a planner's reason is free text, shown as written.
SYSTEM = "system"
CHECKS_DONE = "checks_done"
BY_DATE_BEFORE_UPGRADE = "by_date_before_upgrade"  # migration 0021


def reason_words(code: str | None) -> str:
    """A system reveal reason code in the page's language."""
    if code == CHECKS_DONE:
        return _("检查时段已结束，全部检查均已完成（结果已提交或已审核）")
    if code == BY_DATE_BEFORE_UPGRADE:
        return _("检查时段在系统升级前已结束，按当时的规则已自动公开（升级时补记）")
    return code or "—"


def reveal_reason_text(draw: Draw) -> str:
    """The draw's recorded reveal reason in words ("—" for none)."""
    if draw.revealed_by == SYSTEM:
        return reason_words(draw.reveal_reason)
    return draw.reveal_reason or "—"


def describe_revealed(d: dict) -> str:
    """A ``revealed`` trail event's detail in words (:func:`.draws.describe`)."""
    reason = reason_words(d["reason_code"]) if d.get("reason_code") else d.get("reason")
    if d.get("root"):
        return _("随原始抽取 %(c)s 一并公开输入、密钥和结果，原因：%(r)s", c=d["root"], r=reason or "—")
    if d.get("reason_code") == BY_DATE_BEFORE_UPGRADE:
        return _("由系统公开输入、密钥和结果，原因：%(r)s", r=reason)
    if d.get("reason_code"):
        return _("全部检查完成后由系统公开输入、密钥和结果（%(n)s 次检查），原因：%(r)s",
                 n=d.get("visits", "?"), r=reason)
    if d.get("reason"):
        return _("公开输入、密钥和结果，原因：%(r)s", r=d["reason"])
    return _("公开输入、密钥和结果（未记录原因）")


def waiting_for(session: Session, draw: Draw) -> list[Draw]:
    """The source draws (``history_sources`` of the draw's chain, the chain
    itself excluded) not revealed yet, by id: until each is revealed the
    draw is not (see the module's docstring). [] for draws frozen before
    migration 0021 (sources unknown: the date rule alone)."""
    root = draws.root_of(session, draw) if draw.parent_id is not None else draw
    members = chain(session, root)
    ids = {i for d in members for i in (d.history_sources or [])} - {d.id for d in members}
    if not ids:
        return []
    sources = session.exec(select(Draw).where(Draw.id.in_(sorted(ids))).order_by(Draw.id)).all()
    return [d for d in sources if not draws.is_revealed(d, session)]


def refuse_waiting(session: Session, draw: Draw) -> None:
    """The planner's reveal (:func:`.draws.reveal`): refused while the draw
    waits for a source draw, naming them."""
    waiting = waiting_for(session, draw)
    if waiting:
        raise draws.DrawError(_("本次抽取的输入含有抽取 %(c)s 的检查安排，须等待抽取 %(c)s 公开后才能公开",
                                c="、".join(d.code for d in waiting)))


def first_reveal_day(session: Session, draw: Draw) -> date:
    """The first day the draw (a redraw: its chain) may be revealed: the day
    after its window (and ``history_until``) — "not before" on the
    register; the visits must also be done."""
    root = draws.root_of(session, draw) if draw.parent_id is not None else draw
    last = max(draws.reveal_after(d) for d in chain(session, root))
    return last + timedelta(days=1)


def chain(session: Session, root: Draw) -> list[Draw]:
    """The original draw and its sealed redraws: what is revealed together."""
    return [d for d in draws.history(session, root) if d.id == root.id or d.state == "sealed"]


def open_visits(session: Session, draw_ids: list[int]) -> int:
    """How many current staffed visits of ``draw_ids`` are not done (no
    current result submitted or approved)."""
    done = (select(VisitResult.id).where(VisitResult.visit_pk == DrawVisit.id, VisitResult.current.is_(True),
                                         VisitResult.state.in_(DONE_STATES)).exists())
    query = (select(sa.func.count()).select_from(DrawVisit)
             .where(DrawVisit.draw_id.in_(draw_ids), DrawVisit.current.is_(True), ~done))
    return session.exec(query).one()


def current_visits(session: Session, draw_ids: list[int]) -> int:
    query = (select(sa.func.count()).select_from(DrawVisit)
             .where(DrawVisit.draw_id.in_(draw_ids), DrawVisit.current.is_(True)))
    return session.exec(query).one()


def pending_chain_visits(session: Session, draw: Draw) -> int:
    """Not-done visits of the draw's chain (the planner's page shows them)."""
    root = draws.root_of(session, draw) if draw.parent_id is not None else draw
    return open_visits(session, [d.id for d in chain(session, root)])


def due(session: Session, today: date | None = None) -> list[Draw]:
    """The sealed, unrevealed original draws that :func:`reveal_due` would
    reveal ``today``: revealable (every member of the chain), every visit
    done, waiting for no other draw (:func:`waiting_for`). Reads only."""
    today = today or draws._today()
    candidates = session.exec(select(Draw).where(
        Draw.state == "sealed", Draw.revealed_at.is_(None), Draw.parent_id.is_(None), Draw.window_end < today,
        sa.or_(Draw.history_until.is_(None), Draw.history_until < today)).order_by(Draw.id)).all()
    out = []
    for root in candidates:
        members = chain(session, root)
        if (all(draws.revealable(d, today) for d in members) and not open_visits(session, [d.id for d in members])
                and not waiting_for(session, root)):
            out.append(root)
    return out


def reveal_due(session: Session, today: date | None = None) -> list[Draw]:
    """Reveal every draw that is due (:func:`due`), each chain in a
    transaction of its own; return the draws revealed (originals and their
    redraws, in that order). The reveal is the conditional update of
    :func:`.draws.reveal` (``WHERE revealed_at IS NULL``): of two calls
    running at once each draw is revealed by one, the other skips it, and
    the trail gets one event. A draw that waited for one revealed here is
    revealed in the same call (the draws are looked at again until none is
    revealed)."""
    today = today or draws._today()
    revealed: list[Draw] = []
    while _reveal_due_once(session, today, revealed):
        pass
    for d in revealed:
        session.refresh(d)
    return revealed


def _reveal_due_once(session: Session, today: date, revealed: list[Draw]) -> bool:
    """One pass of :func:`reveal_due`: whether it revealed any draw."""
    won_any = False
    for root in due(session, today):
        members = chain(session, root)
        visits = current_visits(session, [d.id for d in members])
        won = session.execute(sa.update(Draw).where(Draw.id == root.id, Draw.state == "sealed",
                                                    Draw.revealed_at.is_(None))
                              .values(revealed_at=utcnow(), revealed_by=SYSTEM, reveal_reason=CHECKS_DONE)).rowcount
        if won != 1:  # another call (or a planner) was first
            session.rollback()
            continue
        draws.event(session, root, "revealed", SYSTEM, reason_code=CHECKS_DONE, visits=visits)
        redraws = reveal_redraws(session, root, SYSTEM, CHECKS_DONE)
        session.commit()
        revealed.append(root)
        revealed.extend(redraws)
        won_any = True
    return won_any


def reveal_redraws(session: Session, root: Draw, actor: str | None, reason: str) -> list[Draw]:
    """Reveal the sealed, unrevealed redraws of ``root`` with it, in the
    caller's transaction (the caller has just revealed ``root``); each gets
    a ``revealed`` event naming the root."""
    out = []
    system = actor == SYSTEM
    for redraw in chain(session, root):
        if redraw.id == root.id or redraw.revealed_at is not None:
            continue
        won = session.execute(sa.update(Draw).where(Draw.id == redraw.id, Draw.state == "sealed",
                                                    Draw.revealed_at.is_(None))
                              .values(revealed_at=utcnow(), revealed_by=actor, reveal_reason=reason)).rowcount
        if won == 1:
            detail = {"reason_code": reason} if system else {"reason": reason}
            draws.event(session, redraw, "revealed", actor, root=root.code, **detail)
            out.append(redraw)
    return out
