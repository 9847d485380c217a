"""Redraw of one visit of a sealed draw (an inspector fell ill, the entity
turned out deregistered): never an edit, always a new linked draw with its
own reason, commitment and entropy, run through the same ceremony.

* ``cause="inspector"``: the instance holds only the visit's entity and its
  tasks (``count: 1`` each, filters dropped), the ill inspector is unavailable
  for the whole window, and every inspector's capacity and daily limit are
  reduced by the visits already scheduled **in the draw's own chain** (the
  replaced visit not counted); the solver staffs a new team.
* ``cause="entity"``: the instance holds the tasks' populations minus every
  entity sampled by the chain's root and its sealed redraws; each task draws
  ``count: 1``.

Exclusions carry along the chain: every inspector declared unavailable by any
redraw of the chain stays unavailable in later redraws (recorded in the
``created`` event as ``unavailable``). A visit is redrawn at most
``REDRAW_LIMIT`` times (app config, default 2) along its line of
replacements; each redraw needs a reason, kept in the trail. A redraw of a
cancelled chain is refused. The redraw's documents are revealed only with (or
after) its root draw (:func:`draws.is_revealed`), and encode nothing beyond
the chain, whose outcomes the root's reveal makes public.

When the redraw is sealed, the replaced visit stops being current and points
at its replacement; both rows stay (see :func:`draws.seal`).
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import current_app, has_app_context

from sqlmodel import Session, select

from ..models import Draw, DrawJob, DrawVisit
from . import calendar, scope
from .draws import (ENTROPY_SOURCE_MAX, REASON_MAX, DrawError, _today, checked_text, event, events, history,
                    root_of)
from .messages import _

CAUSES = ("inspector", "entity")
REDRAW_LIMIT = 2  # default of the REDRAW_LIMIT setting: redraws of one visit


def redraw_limit() -> int:
    value = current_app.config.get("REDRAW_LIMIT", REDRAW_LIMIT) if has_app_context() else REDRAW_LIMIT
    return int(value)


def depth(session: Session, draw: Draw) -> int:
    """How many redraws lie between ``draw`` and its root (0 for the root):
    a visit of ``draw`` has been replaced that many times."""
    n = 0
    while draw.parent_id is not None:
        n += 1
        draw = session.get(Draw, draw.parent_id)
    return n


def chain_unavailable(session: Session, draw: Draw) -> set[str]:
    """Every inspector a redraw of ``draw``'s chain declared unavailable
    (the ill inspector and those carried along)."""
    people: set[str] = set()
    for member in history(session, draw):
        if member.parent_id is None:
            continue
        created = next((e for e in events(session, member) if e.action == "created"), None)
        if created is None:
            continue
        detail = created.detail or {}
        if detail.get("cause") == "inspector" and detail.get("inspector"):
            people.add(detail["inspector"])
        people.update(detail.get("unavailable") or [])
    return people


def open_redraw(session: Session, visit: DrawVisit) -> Draw | None:
    """An unfinished redraw of this visit, if any."""
    return session.exec(select(Draw).where(Draw.parent_id == visit.draw_id, Draw.redraw_visit == visit.visit_id,
                                           Draw.state.not_in(("sealed", "failed")))).first()


def request_redraw(session: Session, parent: Draw, visit_id: str, cause: str, reason: str,
                   entropy_source: str, inspector: str | None = None, actor: str | None = None,
                   today: date | None = None, user=None) -> tuple[Draw, DrawJob]:
    scope.require_draw(session, user, parent)
    today = today or _today()
    if parent.state != "sealed":
        raise DrawError(_("只能对已封存的抽取结果申请重抽"))
    if parent.cancelled_at is not None:
        raise DrawError(_("抽取 %(c)s 已作废，不能重抽", c=parent.code))
    # Row lock (PostgreSQL): two planners redrawing one visit at once queue up
    # here, and the second sees the first one's open redraw.
    visit = session.exec(select(DrawVisit).where(DrawVisit.draw_id == parent.id,
                                                 DrawVisit.visit_id == visit_id).with_for_update()).first()
    if visit is None:
        raise DrawError(_("抽取 %(c)s 中没有检查 %(v)s", c=parent.code, v=visit_id))
    if not visit.current:
        raise DrawError(_("检查 %(v)s 已被替换，不能再次重抽", v=visit_id))
    if cause not in CAUSES:
        raise DrawError(_("请选择重抽原因类型（检查人员或检查对象）"))
    reason = checked_text(reason, "reason", _("重抽原因"), REASON_MAX, required=_("请填写重抽原因"))
    entropy_source = checked_text(entropy_source, "entropy_source", _("外部随机数来源"), ENTROPY_SOURCE_MAX,
                                  required=_("请写明将使用的外部随机数来源"))
    if cause == "inspector" and inspector not in visit.team:
        raise DrawError(_("检查人员 %(i)s 不在检查 %(v)s 的检查组中", i=inspector or "", v=visit_id))
    if open_redraw(session, visit) is not None:
        raise DrawError(_("检查 %(v)s 已有一次进行中的重抽", v=visit_id))
    limit = redraw_limit()
    number = depth(session, parent) + 1
    if number > limit:
        raise DrawError(_("该检查已重抽 %(n)s 次，已达上限（每项检查最多重抽 %(m)s 次）", n=number - 1, m=limit))
    unavailable = chain_unavailable(session, parent) | ({inspector} if cause == "inspector" else set())
    start = max(parent.window_start, today)
    end = parent.window_end
    if start > end:
        raise DrawError(_("检查时段已于 %(d)s 结束，不能重抽", d=end))
    try:
        if not calendar.working_days(session, start, end):
            raise DrawError(_("%(a)s–%(b)s 已没有工作日，不能重抽", a=start, b=end))
    except calendar.CalendarUnknown as error:
        raise DrawError(_("检查时段没有已知的工作日安排，不能抽取：%(e)s", e=error)) from None
    draw = Draw(plan_id=parent.plan_id, parent_id=parent.id, redraw_visit=visit_id, redraw_reason=reason,
                window_start=start, window_end=end, task_codes=list(visit.tasks),
                entropy_source=entropy_source, created_by=actor)
    session.add(draw)
    try:  # the unique index ux_draw_redraw_of_visit: one unfailed redraw per visit, also on SQLite
        session.flush()
    except sa.exc.IntegrityError:
        session.rollback()
        raise DrawError(_("检查 %(v)s 已有一次进行中的重抽", v=visit_id)) from None
    draw.code = f"{parent.code}-R{draw.id}"
    job = DrawJob(draw_id=draw.id, kind="freeze")
    session.add(job)
    event(session, draw, "created", actor, cause=cause, inspector=inspector, visit=visit_id, uscc=visit.uscc,
          reason=reason, parent=parent.code, root=root_of(session, parent).code, tasks=draw.task_codes,
          window=[str(start), str(end)], entropy_source=entropy_source, unavailable=sorted(unavailable),
          number=number)
    event(session, parent, "redraw_requested", actor, redraw=draw.code, visit=visit_id, cause=cause, reason=reason)
    session.commit()
    return draw, job
