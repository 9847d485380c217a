"""Who may change which department's data: the one place of the rule.

* An **admin** acts for every department.
* A **planner** acts for their own department (``User.department``): the
  check items of that department, the tasks it leads (a joint task is edited
  by its lead department only; the participating departments see it), the
  plans it owns (``Plan.department``, set when the plan is created) and the
  draws over tasks it leads. Everything else stays visible, read-only.
* A planner **without a department** changes nothing until an admin sets
  one (the refusal says so).
* ``user=None`` is the system: the CLI, the demo loader, background jobs and
  service-level tests. Views always pass the logged-in user.

Every refusal is a :class:`ScopeError`; the planner blueprint turns it into
a 403 page carrying the message.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, select

from ..models import Department, Draw, Plan, Task, User
from .messages import _


class ScopeError(PermissionError):
    """An action outside the acting user's department(s)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


def _department_name(session: Session | None, department: str | None) -> str:
    if not department:
        return _("（未指定部门）")
    row = session.get(Department, department) if session is not None else None
    return f"{row.name}（{department}）" if row is not None else department


def acts_for_all(user: User | None) -> bool:
    return user is None or user.role == "admin"


def can_act_for(user: User | None, department: str | None) -> bool:
    """Whether ``user`` may change data owned by ``department``. Data owned
    by no department (``None``) only admins and the system may change."""
    if acts_for_all(user):
        return True
    if user.role != "planner" or not user.department:
        return False
    return department is not None and department == user.department


def require_member(user: User | None) -> None:
    """Refuse any change by a planner who belongs to no department (or by a
    role that changes nothing)."""
    if acts_for_all(user):
        return
    if user.role != "planner":
        raise ScopeError(_("您的账号没有修改权限"))
    if not user.department:
        raise ScopeError(_("您的账号尚未设置所属部门，只能查看；请联系管理员设置部门后再操作"))


def require_department(user: User | None, department: str | None, session: Session | None = None) -> None:
    """Refuse unless ``user`` may act for ``department``."""
    require_member(user)
    if not can_act_for(user, department):
        raise ScopeError(_("该数据属于%(d)s，您只能修改本部门（%(own)s）的数据",
                           d=_department_name(session, department), own=user.department))


def require_departments(user: User | None, departments: Iterable[str | None], session: Session | None = None) -> None:
    """Refuse unless ``user`` may act for every one of ``departments``."""
    require_member(user)
    for department in sorted(set(departments), key=lambda d: d or ""):
        require_department(user, department, session)


# --- plans ---

def plan_owner_for_new(user: User | None) -> str | None:
    """The owner department of a plan ``user`` creates: the creator's own
    department (an admin or the system without one: no owner, so only
    admins publish and version it)."""
    require_member(user)
    return user.department if user is not None else None


def require_plan(session: Session, user: User | None, plan: Plan) -> None:
    """Publish or version ``plan``: a planner of its owner department. A plan
    without an owner (made before owners existed, by the system, or by an
    admin without a department) only admins may publish or version."""
    require_department(user, plan.department, session)


def can_act_for_plan(user: User | None, plan: Plan) -> bool:
    return can_act_for(user, plan.department)


# --- tasks ---

def require_task(session: Session, user: User | None, task: Task | None, new_department: str | None = None) -> None:
    """Add (``task`` None), change or remove a task: the task's lead
    department, before and after the change (a planner cannot hand a task
    over to another department)."""
    require_member(user)
    departments = []
    if task is not None:
        departments.append(task.department)
    if new_department:  # a missing department is the task validation's to refuse
        departments.append(new_department)
    require_departments(user, departments, session)


# --- draws ---

def draw_departments(session: Session, draw: Draw) -> set[str]:
    """The lead departments of the tasks a draw (or redraw) covers."""
    if not draw.task_codes:
        return set()
    return set(session.exec(select(Task.department).where(Task.plan_id == draw.plan_id,
                                                          Task.code.in_(list(draw.task_codes)))))


def can_act_for_draw(session: Session, user: User | None, draw: Draw) -> bool:
    if acts_for_all(user):
        return True
    return any(can_act_for(user, d) for d in draw_departments(session, draw))


def require_draw(session: Session, user: User | None, draw: Draw) -> None:
    """Seal, reveal, redraw, retry or enter the entropy of a draw: a planner
    of a department leading one of its tasks."""
    require_member(user)
    if not can_act_for_draw(session, user, draw):
        names = "、".join(_department_name(session, d) for d in sorted(draw_departments(session, draw)))
        raise ScopeError(_("抽取 %(c)s 的任务由%(d)s牵头，您的部门（%(own)s）不能操作该抽取",
                           c=draw.code or draw.id, d=names or _("（未指定部门）"), own=user.department))


def require_draw_tasks(session: Session, user: User | None, tasks: Iterable[Task]) -> None:
    """Start a draw over ``tasks``: the lead department of every task."""
    require_departments(user, [t.department for t in tasks if t is not None], session)


# --- registries ---

ITEM_KINDS = ("items",)


def check_import(session: Session, user: User | None, kind: str, stream, filename: str,
                 encoding: str | None = None, mapping: dict[str, str] | None = None) -> None:
    """Import a registry file: a planner with a department; for check items
    every row's department, and the stored department of every code the
    file changes, must be the planner's. The file is read once here (check
    item lists are small) and the stream rewound for the import, which
    reports the file's own problems."""
    require_member(user)
    if kind not in ITEM_KINDS or acts_for_all(user):
        return
    from ..models import CheckItem
    from .registry_io.readers import FileProblem, read_rows
    from .registry_io.report import ImportReport
    from .registry_io.specs import REGISTRIES
    from .registry_io.validate import parse_file

    spec = REGISTRIES[kind]
    start = stream.tell()
    try:
        parsed = parse_file(spec, read_rows(stream, filename, encoding), ImportReport(kind, filename), chosen=mapping)
    except FileProblem:
        parsed = None
    finally:
        stream.seek(start)
    if parsed is None:
        return
    names = [c.key for c in parsed.columns]
    rows = [(n, dict(zip(names, r))) for n, r in zip(parsed.numbers, parsed.rows)]
    codes = sorted({r.get("code") for _n, r in rows if r.get("code")})
    stored: dict[str, str] = {}
    for at in range(0, len(codes), 500):
        stored.update(session.exec(select(CheckItem.code, CheckItem.department).where(
            CheckItem.code.in_(codes[at:at + 500]), CheckItem.current)).all())
    for number, row in rows:
        for department in (row.get("department"), stored.get(row.get("code"))):
            if department is not None and not can_act_for(user, department):
                raise ScopeError(_("第 %(n)s 行：抽查事项 %(c)s 属于%(d)s，您只能导入本部门（%(own)s）的抽查事项",
                                   n=number, c=row.get("code") or "", d=_department_name(session, department),
                                   own=user.department))


# --- accounts ---

def set_department(session: Session, user_id: int, department: str | None) -> User:
    """An admin sets (or clears, with an empty value) the department an
    account acts for. Refusals are :class:`..accounts.AccountError` on the
    ``department`` field, like the other account changes."""
    from .accounts import N_, AccountError, get_user

    user = get_user(session, user_id)
    department = (department or "").strip() or None
    if department is not None and session.get(Department, department) is None:
        raise AccountError("department", N_("部门不存在：%(value)s"), value=department)
    user.department = department
    session.add(user)
    from . import audit

    audit.record(session, action="account.department_set", object_type="account", object_id=user.username,
                 details={"department": department})
    session.commit()
    return user
