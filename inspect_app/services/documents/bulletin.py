"""A task's results bulletin (结果公告): "XX局YYYY年度第N号抽查任务检查结果
公告", per entity its name, USCC, completion date and per-item results —
the content of the task's public results page, built directly from the
published record (``published_result`` and ``published_result_task``,
current revisions only). Names are as published (a 个体工商户's name is
stored masked; no operator's data is ever in these rows); remarks are never
published.

A city draw's bulletin runs to hundreds of pages (about 0.5 s a page), so
it is rendered by a worker job (``inspect_app/jobs/documents.py``)."""

from __future__ import annotations

import re

from sqlmodel import Session, select

from ...models import Plan, PublishedResult, PublishedResultTask, Task
from ..result_codes import code_set
from .common import day, department_names


def key(task: Task) -> str:
    return f"task:{task.id}"


def published_rows(session: Session, task: Task) -> list[PublishedResult]:
    """The task's current published records, by completion date and name."""
    return list(session.exec(
        select(PublishedResult).join(PublishedResultTask, PublishedResultTask.published_id == PublishedResult.id)
        .where(PublishedResultTask.task_id == task.id, PublishedResult.current.is_(True))
        .order_by(PublishedResult.completed_on, PublishedResult.entity_name, PublishedResult.id)))


def is_public(session: Session, task: Task | None) -> bool:
    """A bulletin exists: the task's plan is published (or superseded) and
    at least one of its records is published."""
    if task is None:
        return False
    plan = session.get(Plan, task.plan_id)
    if plan is None or plan.status == "draft":
        return False
    return session.exec(select(PublishedResultTask.published_id)
                        .join(PublishedResult, PublishedResult.id == PublishedResultTask.published_id)
                        .where(PublishedResultTask.task_id == task.id, PublishedResult.current.is_(True))
                        .limit(1)).first() is not None


def result_text(codes: dict, version: int, code: str) -> str:
    """The public wording of a result code (a sub-code with its parent)."""
    table = codes.get(version)
    found = table.by_code.get(code) if table else None
    if found is None:
        return code
    if found.parent and found.parent in table.by_code:
        return f"{table.by_code[found.parent].name_zh}：{found.name_zh}"
    return found.name_zh


def number_of(task: Task) -> str:
    """The task's number in the title: the digits of its code (T3 → 3)."""
    digits = re.sub(r"^\D+", "", task.code or "")
    return digits or task.code


def data(session: Session, task: Task) -> dict:
    plan = session.get(Plan, task.plan_id)
    depts = department_names(session)
    rows = published_rows(session, task)
    codes = {v: code_set(session, v) for v in {r.code_version for r in rows}}
    lead = depts.get(task.department, task.department)
    entries = []
    for n, r in enumerate(rows, 1):
        mine = [i for i in r.items or [] if i.get("task") == task.id] or list(r.items or [])
        entries.append({
            "n": n, "name": r.entity_name, "uscc": r.uscc, "completed_on": r.completed_on.isoformat(),
            "items": [{"name": i.get("name", ""), "result": result_text(codes, r.code_version, i.get("code", ""))}
                      for i in mine],
            "correction": r.correction_reason or "" if r.revision > 1 else "",
            "revision": r.revision,
        })
    return {
        "title": f"{lead}{plan.year}年度第{number_of(task)}号抽查任务检查结果公告",
        "number": f"{plan.number} · {task.code}",
        "task": {"code": task.code, "name": task.name, "type": "定向抽查" if task.directed else "不定向抽查"},
        "plan": {"number": plan.number, "name": plan.name, "year": plan.year},
        "authority": "、".join([lead, *(depts.get(p, p) for p in task.participating or [])]),
        "window": f"{day(task.window_start)}至{day(task.window_end)}",
        "count": len(entries),
        "last_completed": day(max((r.completed_on for r in rows), default=None)),
        "rows": entries,
    }


def filename(task: Task) -> str:
    return f"bulletin-task-{task.id}.pdf"
