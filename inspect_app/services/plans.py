"""Annual plans and their tasks (batches).

A plan is drafted, then published: publishing puts it on the public site and
freezes it. A later change is a new *version* of the plan (same number,
``version + 1``, ``previous_id`` pointing at the old row, which is marked
``superseded`` but kept and stays public). Tasks are copied into the new
version with their ``lineage`` (the task's identity: renaming a task's code
in a new version does not make it a new batch); draws already made keep
pointing at the tasks they drew.

Every refusal is a :class:`PlanError` naming the field and the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from sqlmodel import Session, select

from ..models import RISK_CLASSES, CheckItem, Department, Plan, Task, utcnow
from . import audit, plan_preview, scope
from .messages import _

FILTER_KEYS = ("tags_any", "districts", "industries", "types", "risks", "lists_any")


class PlanError(ValueError):
    """A refused plan or task change; ``field`` names the offending input."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


@dataclass
class TaskInput:
    """What a planner enters for a task; all values plain (strings for
    decimals, lists of strings)."""

    name: str
    department: str
    items: list[int]
    window_start: date
    window_end: date
    code: str = ""
    participating: list[str] = field(default_factory=list)
    filter: dict[str, list[str]] = field(default_factory=dict)
    ratio: dict[str, str] | None = None
    count: int | None = None
    list_ratio: dict[str, str] = field(default_factory=dict)
    inspectors_per_visit: int = 2


# --- plans ---

def create_plan(session: Session, number: str, name: str, year: int, actor: str | None = None,
                user=None) -> Plan:
    owner = scope.plan_owner_for_new(user)  # the plan's owner department (services/scope.py)
    number, name = (number or "").strip(), (name or "").strip()
    if not number:
        raise PlanError(_("请填写计划编号"), "number")
    if not name:
        raise PlanError(_("请填写计划名称"), "name")
    if not 2000 <= int(year) <= 2100:
        raise PlanError(_("年度 %(year)s 无效", year=year), "year")
    if session.exec(select(Plan).where(Plan.number == number)).first() is not None:
        raise PlanError(_("计划编号 %(number)s 已存在", number=number), "number")
    plan = Plan(number=number, name=name, year=int(year), created_by=actor, department=owner)
    session.add(plan)
    session.flush()
    _audit_plan(session, plan, "plan.created", actor)
    session.commit()
    return plan


def _audit_plan(session: Session, plan: Plan, action: str, actor: str | None = None, **extra) -> None:
    audit.record(session, actor=actor, action=action, object_type="plan", object_id=plan.id,
                 details=dict(number=plan.number, version=plan.version, name=plan.name, year=plan.year,
                              department=plan.department, **extra))


def _audit_task(session: Session, task: Task, action: str) -> None:
    audit.record(session, action=action, object_type="task", object_id=task.id,
                 details={"plan": task.plan_id, "code": task.code, "name": task.name,
                          "department": task.department, "items": list(task.items or []),
                          "window": [str(task.window_start), str(task.window_end)]})


def get_plan(session: Session, plan_id: int) -> Plan | None:
    return session.get(Plan, plan_id)


def list_plans(session: Session, published_only: bool = False) -> list[Plan]:
    query = select(Plan).order_by(Plan.year.desc(), Plan.number, Plan.version.desc())
    if published_only:
        query = query.where(Plan.status != "draft")
    return list(session.exec(query))


def plan_versions(session: Session, plan: Plan) -> list[Plan]:
    return list(session.exec(select(Plan).where(Plan.number == plan.number).order_by(Plan.version)))


def plan_tasks(session: Session, plan_id: int) -> list[Task]:
    return list(session.exec(select(Task).where(Task.plan_id == plan_id).order_by(Task.id)))


def _require_draft(plan: Plan) -> None:
    if plan.status != "draft":
        raise PlanError(_("计划已公布，不能再修改；请创建新版本"), "plan")


def publish_plan(session: Session, plan: Plan, user=None) -> Plan:
    """Publish a draft: it becomes public and frozen; the version it replaces
    (if any) is marked superseded."""
    scope.require_plan(session, user, plan)
    _require_draft(plan)
    if not plan_tasks(session, plan.id):
        raise PlanError(_("计划还没有任务，不能公布"), "plan")
    plan.status, plan.published_at = "published", utcnow()
    if plan.previous_id is not None:
        previous = session.get(Plan, plan.previous_id)
        if previous is not None and previous.status == "published":
            previous.status = "superseded"
            session.add(previous)
    session.add(plan)
    _audit_plan(session, plan, "plan.published", superseded=plan.previous_id)
    session.commit()
    return plan


def new_version(session: Session, plan: Plan, note: str, actor: str | None = None, user=None) -> Plan:
    """A new draft version of a published plan, with copies of its tasks."""
    scope.require_plan(session, user, plan)
    if plan.status != "published":
        raise PlanError(_("只有已公布的现行计划才能创建新版本"), "plan")
    note = (note or "").strip()
    if not note:
        raise PlanError(_("请说明修改原因"), "change_note")
    pending = session.exec(select(Plan).where(Plan.number == plan.number, Plan.status == "draft")).first()
    if pending is not None:
        raise PlanError(_("该计划已有未公布的新版本（第 %(v)s 版）", v=pending.version), "plan")
    latest = max(p.version for p in plan_versions(session, plan))
    copy = Plan(number=plan.number, version=latest + 1, name=plan.name, year=plan.year,
                previous_id=plan.id, change_note=note, created_by=actor, department=plan.department)
    session.add(copy)
    session.flush()
    for task in plan_tasks(session, plan.id):
        data = task.model_dump(exclude={"id", "plan_id", "created_at"})  # keeps ``lineage``
        session.add(Task(plan_id=copy.id, **data))
    _audit_plan(session, copy, "plan.new_version", actor, previous=plan.id, note=note)
    session.commit()
    return copy


# --- tasks ---

def _decimal(text: object, fieldname: str) -> str:
    try:
        value = Decimal(str(text).strip())
    except (InvalidOperation, ValueError):
        raise PlanError(_("比例 %(v)s 不是数字", v=text), fieldname) from None
    if not value.is_finite() or value < 0 or value > 1:
        raise PlanError(_("比例 %(v)s 须在 0 到 1 之间", v=text), fieldname)
    return format(value.normalize(), "f") if value != 0 else "0"


def validate_task(session: Session, plan: Plan, data: TaskInput, task_id: int | None = None) -> dict:
    """Check a task input against the registries; return the column values."""
    name = (data.name or "").strip()
    if not name:
        raise PlanError(_("请填写任务名称"), "name")
    if session.get(Department, data.department) is None:
        raise PlanError(_("部门 %(d)s 不存在", d=data.department), "department")
    participating = []
    for d in data.participating:
        d = d.strip()
        if not d or d == data.department or d in participating:
            continue
        if session.get(Department, d) is None:
            raise PlanError(_("参与部门 %(d)s 不存在", d=d), "participating")
        participating.append(d)
    departments = {data.department, *participating}
    if not data.items:
        raise PlanError(_("请至少选择一个抽查事项"), "items")
    for item_id in data.items:
        item = session.get(CheckItem, int(item_id))
        if item is None:
            raise PlanError(_("抽查事项 %(i)s 不存在", i=item_id), "items")
        if not item.published:
            raise PlanError(_("抽查事项 %(c)s（%(n)s）尚未公布，未经公布的事项不得实施", c=item.code, n=item.name), "items")
        if not item.current:
            raise PlanError(_("抽查事项 %(c)s 第 %(v)s 版已被新版本取代", c=item.code, v=item.version), "items")
        if item.department not in departments:
            raise PlanError(_("抽查事项 %(c)s 属于 %(d)s，不是本任务的部门", c=item.code, d=item.department), "items")
    if data.window_end < data.window_start:
        raise PlanError(_("检查时段结束日期早于开始日期"), "window_end")
    if data.window_start.year != plan.year or data.window_end.year != plan.year:
        raise PlanError(_("检查时段须在计划年度 %(y)s 内", y=plan.year), "window_start")
    if (data.ratio is None) == (data.count is None):
        raise PlanError(_("请填写按风险等级的抽查比例或固定抽取数量（二者选一）"), "ratio")
    ratio = None
    if data.ratio is not None:
        ratio = {}
        for risk, value in sorted(data.ratio.items()):
            if risk not in RISK_CLASSES:
                raise PlanError(_("风险等级 %(r)s 无效", r=risk), "ratio")
            if value is None or str(value).strip() == "":
                continue
            ratio[risk] = _decimal(value, f"ratio_{risk}")
        if not ratio:
            raise PlanError(_("请至少为一个风险等级填写抽查比例"), "ratio")
    count = None
    if data.count is not None:
        count = int(data.count)
        if count < 1:
            raise PlanError(_("抽取数量须为正整数"), "count")
    list_ratio = {}
    for name_, value in sorted((data.list_ratio or {}).items()):
        if name_.strip() and str(value).strip():
            list_ratio[name_.strip()] = _decimal(value, "list_ratio")
    if list_ratio and count is not None:
        raise PlanError(_("固定数量的任务不能设置名单抽查比例"), "list_ratio")
    flt = {}
    for key in FILTER_KEYS:
        values = sorted({v.strip() for v in (data.filter or {}).get(key, []) if v and v.strip()})
        if key == "risks":
            for r in values:
                if r not in RISK_CLASSES:
                    raise PlanError(_("风险等级 %(r)s 无效", r=r), "filter_risks")
        if values:
            flt[key] = values
    ipv = int(data.inspectors_per_visit)
    if ipv < 1 or ipv > 20:
        raise PlanError(_("每次检查的检查人员数须在 1 到 20 之间"), "inspectors_per_visit")
    code = (data.code or "").strip() or _next_code(session, plan.id)
    clash = session.exec(select(Task).where(Task.plan_id == plan.id, Task.code == code)).first()
    if clash is not None and clash.id != task_id:
        raise PlanError(_("任务编号 %(c)s 已存在", c=code), "code")
    return dict(code=code, name=name, department=data.department, participating=participating,
                items=sorted({int(i) for i in data.items}), directed=bool(flt), filter=flt,
                ratio=ratio, count=count, list_ratio=list_ratio, window_start=data.window_start,
                window_end=data.window_end, inspectors_per_visit=ipv)


def _next_code(session: Session, plan_id: int) -> str:
    codes = {t.code for t in plan_tasks(session, plan_id)}
    n = 1
    while f"T{n}" in codes:
        n += 1
    return f"T{n}"


def add_task(session: Session, plan: Plan, data: TaskInput, user=None) -> Task:
    scope.require_task(session, user, None, data.department)
    _require_draft(plan)
    task = Task(plan_id=plan.id, **validate_task(session, plan, data))
    plan_preview.recount(session, task)
    session.add(task)
    session.flush()
    _audit_task(session, task, "task.added")
    session.commit()
    return task


def update_task(session: Session, task: Task, data: TaskInput, user=None) -> Task:
    scope.require_task(session, user, task, data.department)
    plan = session.get(Plan, task.plan_id)
    _require_draft(plan)
    for key, value in validate_task(session, plan, data, task_id=task.id).items():
        setattr(task, key, value)
    plan_preview.recount(session, task)
    session.add(task)
    _audit_task(session, task, "task.updated")
    session.commit()
    return task


def remove_task(session: Session, task: Task, user=None) -> None:
    scope.require_task(session, user, task)
    plan = session.get(Plan, task.plan_id)
    _require_draft(plan)
    _audit_task(session, task, "task.removed")
    session.delete(task)
    session.commit()


def task_items(session: Session, task: Task) -> list[CheckItem]:
    return [i for i in (session.get(CheckItem, n) for n in task.items) if i is not None]


def publishable_items(session: Session) -> list[CheckItem]:
    """The published, current check items a task may use."""
    return list(session.exec(select(CheckItem).where(CheckItem.published, CheckItem.current)
                             .order_by(CheckItem.department, CheckItem.code)))


def task_key(plan: Plan, task: Task) -> str:
    """Stable across plan versions and renames (the task's lineage, copied by
    :func:`new_version`): a task is drawn once."""
    return f"{plan.number}/{task.lineage or task.code}"
