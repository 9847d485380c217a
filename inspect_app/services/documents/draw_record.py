"""A draw's record (抽取记录): commitment, entropy, witnesses, digests, the
counts, the trail and how to verify.

Two audiences, two keys:

* ``full`` (the planner's page): everything the planner's draw page shows,
  with the trail in words (``draws.describe``);
* ``public`` (the register): exactly what the public register shows at this
  moment (``services/draw_register.py``): from the commitment on; the
  entropy and witnesses once entered; the digests once drawn; the counts of
  the outcome only once the draw is revealed. No trail (its events carry
  counts of the confidential outcome).

The record is built anew on every request; its digest changes when what it
may show changes (e.g. at the reveal), and only then is it rendered again.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from ...models import Draw, DrawSummary, Plan, Task
from .. import draw_reveal, draws
from .common import day, moment

STATES = {"freezing": "正在冻结输入", "committed": "已公示承诺值，待输入外部随机数", "queued": "正在抽取",
          "drawn": "已抽取，待确认封存", "sealed": "已确认封存", "failed": "抽取失败"}
AUDIENCES = ("full", "public")


def key(draw: Draw, audience: str) -> str:
    return f"draw:{draw.id}:{audience}"


def _counts(session: Session, draw: Draw) -> list[dict]:
    stats = draw.stats or {}
    rows = []
    if "instance_entities" in stats:
        rows.append({"label": "冻结输入中的检查对象", "value": stats["instance_entities"]})
    if "instance_inspectors" in stats:
        rows.append({"label": "冻结输入中的检查人员", "value": stats["instance_inspectors"]})
    if draw.result_digest:
        summary = session.get(DrawSummary, draw.id)
        if "sampled" in stats:
            rows.append({"label": "抽中的检查对象与任务（户次）", "value": stats["sampled"]})
        visits = summary.visits if summary is not None else stats.get("visits")
        if visits is not None:
            rows.append({"label": "安排的检查（次）", "value": visits})
        joint = summary.joint if summary is not None else stats.get("joint_visits")
        if joint is not None:
            rows.append({"label": "其中综合查一次（次）", "value": joint})
        if "unfilled" in stats:
            rows.append({"label": "未能派员的检查（次）", "value": stats["unfilled"]})
    return rows


def data(session: Session, draw: Draw, audience: str = "full", today: date | None = None) -> dict:
    if audience not in AUDIENCES:
        raise ValueError(audience)
    public = audience == "public"
    plan = session.get(Plan, draw.plan_id)
    tasks = {t.code: t for t in session.exec(select(Task).where(Task.plan_id == draw.plan_id,
                                                                Task.code.in_(draw.task_codes or [])))}
    revealed = draws.is_revealed(draw, session)
    witnesses = draws.witnesses(session, draw) if draw.external_entropy else []
    drawn = bool(draw.result_digest)
    out = {
        "title": "抽取记录", "audience": audience, "code": draw.code,
        "number": f"{draw.code}（{'公示版' if public else '内部版'}）",
        "plan": {"number": plan.number, "name": plan.name, "year": plan.year} if plan else None,
        "tasks": [{"code": c, "name": tasks[c].name if c in tasks else ""} for c in draw.task_codes or []],
        "window": f"{day(draw.window_start)}至{day(draw.window_end)}",
        "redraw": {"visit": draw.redraw_visit, "reason": draw.redraw_reason or ""} if draw.parent_id else None,
        "state": STATES.get(draw.state, draw.state),
        "entropy_source": draw.entropy_source,
        "frozen_digest": draw.frozen_digest or "", "commitment": draw.commitment or "",
        "committed_at": moment(draw.committed_at),
        "entropy": draw.external_entropy or "", "entropy_at": moment(draw.entropy_at),
        "witnesses": [{"name": w.name, "role": w.role or ""} for w in witnesses],
        "input_digest": draw.input_digest if drawn else "",
        "result_digest": draw.result_digest or "",
        "sealed_at": moment(draw.sealed_at) if draw.state == "sealed" else "",
        "revealed": revealed,
        "revealed_at": moment(draw.revealed_at), "reveal_reason": draw_reveal.reveal_reason_text(draw),
        "reveal_after": day(draw_reveal.first_reveal_day(session, draw)),
        "cancelled": {"at": moment(draw.cancelled_at), "reason": draw.cancel_reason or ""} if draw.cancelled_at else None,
        "counts": _counts(session, draw) if (revealed or not public) else [],
        "trail": [] if public else [
            {"at": moment(e.at), "actor": e.actor or "系统", "action": draws.action_label(e.action),
             "text": draws.describe(e)} for e in draws.events(session, draw)],
        "error": (draw.error or "") if not public else "",
    }
    if not public:
        out["created"] = {"at": moment(draw.created_at), "by": draw.created_by or ""}
    return out


def filename(draw: Draw, audience: str) -> str:
    return f"{draw.code}-record{'' if audience == 'full' else '-public'}.pdf"
