"""The team's results of a visit (检查结果): opened as a draft, autosaved as
the inspector types, submitted by the team's lead, corrected after
submission by a new revision.

States of a :class:`~inspect_app.visit_models.VisitResult` row and who moves
them (the review service, ``services/review.py``, owns the review steps)::

    draft ──submit (lead)──▶ submitted ──approve (review)──▶ approved
      ▲                        │   ▲                            │
      │                 return (review)  └─submit (lead)─ returned
      │                        ▼
      │                     returned  (edited by the team, same revision)
      └── revise (lead, from submitted or approved): a new row, revision
          n + 1, state draft; the old row stays as it was, current=False.

* Only ``draft`` and ``returned`` results take saves; a submitted or
  approved one is locked for the team (:class:`ResultLocked`), and the
  database refuses any change to its items (migration 0014).
* Saves are idempotent: each carries an increasing ``seq``; a save whose
  ``seq`` is not above the stored ``saved_seq`` changes nothing and answers
  with the stored state. The stored ``saved_seq`` moves with a conditional
  UPDATE, so of two concurrent saves with the same ``seq`` one wins.
* ``user=None`` is the system (demo, CLI): no team, visibility or lead check,
  but the visit must still be live.

The trail (``ResultEvent``): ``opened``, ``saved`` (the first save of a
result in a minute), ``submitted``, ``revised``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from ..models import CheckItem, Draw, DrawVisit, User, utcnow
from ..visit_models import ItemResult, ResultEvent, VisitResult
from . import audit, result_codes, visit_access
from .messages import _
from .result_checks import (FieldError, ResultError, ResultInvalid, check_complete, check_item, check_remark,
                            parse_changes, parse_seq)

__all__ = ["EDITABLE", "REVISABLE", "FieldError", "NotLead", "ResultError", "ResultInvalid", "ResultLocked", "SaveOutcome",
           "StalePage",
           "current_result", "history", "is_lead", "items_of", "open_result", "revise", "save_draft", "submit",
           "visit_items"]

EDITABLE = ("draft", "returned")
REVISABLE = ("submitted", "approved")
SAVED_EVENT_EVERY = timedelta(minutes=1)


class ResultLocked(ResultError):
    """The result is not (or no longer) in a state that allows this step."""

    status = 409


class NotLead(ResultError):
    """Only the team's lead may do this."""

    status = 403


@dataclass
class SaveOutcome:
    saved: int  # the stored saved_seq after the call
    state: str
    changed: bool  # False: an old or repeated seq, nothing written
    result: VisitResult
    errors: list[FieldError] = field(default_factory=list)


def _today() -> date:
    from . import draws

    return draws._today()


def _actor(user: User | None) -> str | None:
    return user.username if user is not None else None


def _visit(session: Session, user: User | None, visit_pk: int, today: date | None) -> tuple[DrawVisit, Draw]:
    if user is not None:
        return visit_access.team_visit(session, user, visit_pk, today)
    visit = session.get(DrawVisit, visit_pk)
    draw = session.get(Draw, visit.draw_id) if visit is not None else None
    if visit is None or not visit_access.is_live(draw, visit):
        raise visit_access.VisitNotFound()
    return visit, draw


def is_lead(session: Session, user: User | None, draw: Draw, visit: DrawVisit) -> bool:
    if user is None:
        return True
    me = visit_access.inspector_of(user)
    return me is not None and me == visit_access.lead_inspector(session, draw, visit)


def visit_items(session: Session, draw: Draw, visit: DrawVisit) -> list[CheckItem]:
    """The check items of the visit's tasks, in task order, each once."""
    ids: list[int] = []
    for task in visit_access.visit_tasks(session, draw, visit):
        ids.extend(i for i in task.items or [] if i not in ids)
    rows = {c.id: c for c in session.exec(select(CheckItem).where(CheckItem.id.in_(ids)))} if ids else {}
    return [rows[i] for i in ids if i in rows]


def current_result(session: Session, visit_pk: int) -> VisitResult | None:
    return session.exec(select(VisitResult).where(VisitResult.visit_pk == visit_pk, VisitResult.current.is_(True))
                        .order_by(VisitResult.revision.desc())).first()


def history(session: Session, visit_pk: int) -> list[VisitResult]:
    """Every revision of the visit's results, oldest first."""
    return list(session.exec(select(VisitResult).where(VisitResult.visit_pk == visit_pk)
                             .order_by(VisitResult.revision)))


def items_of(session: Session, result: VisitResult) -> list[ItemResult]:
    return list(session.exec(select(ItemResult).where(ItemResult.result_id == result.id).order_by(ItemResult.id)))


def _event(session: Session, result: VisitResult, actor: str | None, action: str, **detail) -> None:
    """A step of the result's trail and its audit row (``result.<action>``)."""
    session.add(ResultEvent(visit_pk=result.visit_pk, result_id=result.id, actor=actor, action=action,
                            detail=detail))
    audit.record(session, actor=actor, action=f"result.{action}", object_type="visit",
                 object_id=result.visit_pk, details=dict(detail, result=result.id))


def open_result(session: Session, user: User | None, visit_pk: int, today: date | None = None) -> VisitResult:
    """The visit's current result; revision 1 (a draft, 未发现问题 on every
    item) is created on first use."""
    visit, draw = _visit(session, user, visit_pk, today)
    return _open(session, user, visit, draw, today)


def _open(session: Session, user: User | None, visit: DrawVisit, draw: Draw, today: date | None) -> VisitResult:
    result = current_result(session, visit.id)
    if result is not None:
        return result
    actor = _actor(user)
    version = result_codes.current_version(session, today or _today())
    items = visit_items(session, draw, visit)
    try:
        result = VisitResult(visit_pk=visit.id, revision=1, state="draft", code_version=version,
                             created_by=actor, updated_by=actor)
        session.add(result)
        session.flush()
        session.add_all([ItemResult(result_id=result.id, item_id=i.id, department=i.department,
                                    code=result_codes.PRESELECTED) for i in items])
        _event(session, result, actor, "opened", revision=1, items=len(items), code_version=version)
        session.commit()
    except sa.exc.IntegrityError:  # opened at the same moment by a teammate
        session.rollback()
        result = current_result(session, visit.id)
        if result is None:
            raise
    return result


def _editable(result: VisitResult) -> None:
    if result.state not in EDITABLE:
        raise ResultLocked(_("检查结果已提交，不能再修改；如需更正，请由组长发起更正"))


def save_draft(session: Session, user: User | None, visit_pk: int, data, seq,
               today: date | None = None) -> SaveOutcome:
    """Autosave ``data`` ({completed_on, items: {item_id: {code, remark,
    rectify_by}}}; only the keys present change) as save number ``seq``.
    A save not newer than the stored one changes nothing. Invalid data:
    :class:`ResultInvalid` (nothing written; ``error.saved``/``error.state``
    tell the stored state)."""
    seq = parse_seq(seq)
    today = today or _today()
    visit, draw = _visit(session, user, visit_pk, today)
    result = _open(session, user, visit, draw, today)
    if seq <= result.saved_seq:
        return SaveOutcome(result.saved_seq, result.state, False, result)
    _editable(result)
    codes = result_codes.code_set(session, result.code_version)
    rows = {r.item_id: r for r in items_of(session, result)}
    visit_fields, changes, errors = parse_changes(data, set(rows), codes, draw.window_start, today)
    completed_on = visit_fields.get("completed_on", result.completed_on)
    new = {i: {"code": r.code, "remark": r.remark, "rectify_by": r.rectify_by} for i, r in rows.items()}
    explicit_deadline = set()
    for change in changes:
        new[change.item].update(change.fields)
        if change.fields.get("rectify_by") is not None:
            explicit_deadline.add(change.item)
    entity = [c.fields["code"] for c in changes if result_codes.whole_visit(c.fields.get("code"))]
    if entity:  # the entity is closed or gone: the code holds for every item
        for values in new.values():
            values["code"] = entity[0]
    for item, values in new.items():
        if result_codes.deadline_rule(values["code"]) is None and item not in explicit_deadline:
            values["rectify_by"] = None  # the code takes no deadline: a stale one goes
        errors.extend(check_item(item, values["code"], values["remark"], values["rectify_by"], completed_on,
                                 today, codes, complete=False))
    if errors:
        error = ResultInvalid(_dedupe(errors))
        error.saved, error.state = result.saved_seq, result.state
        session.rollback()
        raise error
    previous = result.saved_seq
    values = {"saved_seq": seq, "updated_at": utcnow(), "updated_by": _actor(user), **visit_fields}
    won = session.execute(sa.update(VisitResult).where(VisitResult.id == result.id, VisitResult.saved_seq < seq,
                                                       VisitResult.state.in_(EDITABLE)).values(**values)).rowcount
    if won != 1:  # a newer save or a submission came first
        session.rollback()
        result = session.get(VisitResult, result.id)
        session.refresh(result)
        if seq > result.saved_seq:
            _editable(result)
        return SaveOutcome(result.saved_seq, result.state, False, result)
    changed_items = 0
    for item, values in new.items():
        row = rows[item]
        if (row.code, row.remark, row.rectify_by) != (values["code"], values["remark"], values["rectify_by"]):
            row.code, row.remark, row.rectify_by = values["code"], values["remark"], values["rectify_by"]
            session.add(row)
            changed_items += 1
    _saved_event(session, result, _actor(user), previous, seq, changed_items)
    session.commit()
    session.refresh(result)
    return SaveOutcome(result.saved_seq, result.state, True, result)


def _dedupe(errors: list[FieldError]) -> list[FieldError]:
    seen, out = set(), []
    for e in errors:
        if (e.item, e.field) not in seen:
            seen.add((e.item, e.field))
            out.append(e)
    return out


def _saved_event(session: Session, result: VisitResult, actor: str | None, previous: int, seq: int,
                 items: int) -> None:
    """A ``saved`` event for the first save of a result in a minute (the
    trail is append-only: later saves within the minute add nothing; the
    ``submitted`` event names the final seq)."""
    last = session.exec(select(ResultEvent).where(ResultEvent.result_id == result.id,
                                                  ResultEvent.action == "saved")
                        .order_by(ResultEvent.id.desc())).first()
    now = utcnow()
    at = last.at if last is not None else None
    if at is not None and at.tzinfo is None:
        at = at.replace(tzinfo=now.tzinfo)
    if at is not None and now - at < SAVED_EVENT_EVERY:
        return
    _event(session, result, actor, "saved", from_seq=previous, seq=seq, items=items)


class StalePage(ResultLocked):
    """The values came with an old ``seq``: someone saved since the page
    was loaded; submitting them would submit other values than shown."""

    def __init__(self) -> None:
        super().__init__(_("没有保存：页面已过期（其他组员刚保存过），请核对下面的内容后再保存或提交"))


KEY_MAX = 64  # characters of a client's idempotency key


def submitted_with_key(session: Session, visit_pk: int, key: str) -> VisitResult | None:
    """The result an earlier submission with idempotency ``key`` submitted
    (its ``submitted`` event carries the key), or None."""
    for event in session.exec(select(ResultEvent).where(ResultEvent.visit_pk == visit_pk,
                                                        ResultEvent.action == "submitted")):
        if (event.detail or {}).get("key") == key:
            return session.get(VisitResult, event.result_id)
    return None


def submit(session: Session, user: User | None, visit_pk: int, today: date | None = None, data=None,
           seq=None, key: str | None = None) -> VisitResult:
    """The lead submits the current result (draft or returned → submitted)
    after the full check; the visit is then locked for the team. With
    ``data`` and ``seq`` (the plain form), they are saved first, and an old
    ``seq`` is refused (:class:`StalePage`). With an idempotency ``key``
    (the API's clients), a repeated submission with the same key answers
    with the result that submission submitted and changes nothing."""
    today = today or _today()
    visit, draw = _visit(session, user, visit_pk, today)
    if not is_lead(session, user, draw, visit):
        raise NotLead(_("只有检查组组长可以提交检查结果"))
    if key is not None:
        if not isinstance(key, str) or not 1 <= len(key) <= KEY_MAX or not key.isprintable():
            raise ResultInvalid([FieldError(None, "key", _("幂等键应为 1 到 %(n)s 个可打印字符", n=KEY_MAX))])
        earlier = submitted_with_key(session, visit.id, key)
        if earlier is not None:
            return earlier
    result = _open(session, user, visit, draw, today)
    _editable(result)
    if seq is not None and data is not None:
        if not save_draft(session, user, visit_pk, data, seq, today).changed:
            raise StalePage()
        result = _open(session, user, visit, draw, today)
    codes = result_codes.code_set(session, result.code_version)
    items = items_of(session, result)
    errors = check_complete(result.completed_on, items, draw.window_start, today, codes)
    if errors:
        errors = _dedupe(errors)
        error = ResultInvalid(errors, _("检查结果还不完整：%(n)s 处需要修改", n=len(errors)))
        error.saved, error.state = result.saved_seq, result.state
        session.rollback()
        raise error
    actor, now = _actor(user), utcnow()
    previous = result.state
    won = session.execute(sa.update(VisitResult).where(VisitResult.id == result.id, VisitResult.current.is_(True),
                                                       VisitResult.state.in_(EDITABLE))
                          .values(state="submitted", submitted_at=now, submitted_by=actor)).rowcount
    if won != 1:
        session.rollback()
        raise ResultLocked(_("检查结果已被提交或更正，请刷新页面"))
    _event(session, result, actor, "submitted", revision=result.revision, previous=previous, seq=result.saved_seq,
           problems=sum(1 for i in items if result_codes.is_problem(i.code)),
           **({"key": key} if key is not None else {}))
    session.commit()
    session.refresh(result)
    return result


def revise(session: Session, user: User | None, visit_pk: int, reason: str, today: date | None = None) -> VisitResult:
    """A correction after submission (submitted or approved): a new draft,
    revision n + 1, with the items copied and ``reason``; the earlier row
    is kept unchanged except ``current`` = False. The lead revises."""
    today = today or _today()
    reason, problem = check_remark(reason if isinstance(reason, str) else "", _("更正原因"))
    if problem or not reason:
        raise ResultInvalid([FieldError(None, "reason", problem or _("请填写更正原因"))])
    visit, draw = _visit(session, user, visit_pk, today)
    if not is_lead(session, user, draw, visit):
        raise NotLead(_("只有检查组组长可以更正检查结果"))
    old = current_result(session, visit.id)
    if old is None or old.state not in REVISABLE:
        raise ResultLocked(_("只有已提交或已审核通过的检查结果可以更正；草稿可以直接修改"))
    items = items_of(session, old)
    actor = _actor(user)
    try:
        won = session.execute(sa.update(VisitResult).where(VisitResult.id == old.id, VisitResult.current.is_(True),
                                                           VisitResult.state.in_(REVISABLE))
                              .values(current=False)).rowcount
        if won != 1:
            raise ResultLocked(_("检查结果刚被更正或审核，请刷新页面"))
        new = VisitResult(visit_pk=visit.id, revision=old.revision + 1, state="draft", code_version=old.code_version,
                          completed_on=old.completed_on, revision_reason=reason, saved_seq=old.saved_seq,
                          created_by=actor, updated_by=actor)
        session.add(new)
        session.flush()
        session.add_all([ItemResult(result_id=new.id, item_id=i.item_id, department=i.department, code=i.code,
                                    remark=i.remark, rectify_by=i.rectify_by) for i in items])
        _event(session, new, actor, "revised", revision=new.revision, previous=old.revision,
               previous_state=old.state, reason=reason)
        session.commit()
    except sa.exc.IntegrityError:  # a concurrent revision took the number
        session.rollback()
        raise ResultLocked(_("检查结果刚被更正或审核，请刷新页面")) from None
    except ResultLocked:
        session.rollback()
        raise
    session.refresh(new)
    return new
