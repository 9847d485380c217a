"""The annual plan (年度抽查工作计划): its tasks with their items, legal
basis, windows and responsible departments. The same data for the planner's
and the public's PDF (a draft is marked as such; only planners reach it)."""

from __future__ import annotations

from sqlmodel import Session, select

from ...models import CheckItem, Plan, Task
from .common import day, department_names, filter_text, sample_text

STATUS = {"draft": "草稿（未公布）", "published": "现行版本", "superseded": "已被新版本取代"}


def key(plan: Plan) -> str:
    return f"plan:{plan.id}"


def data(session: Session, plan: Plan) -> dict:
    depts = department_names(session)
    tasks = list(session.exec(select(Task).where(Task.plan_id == plan.id).order_by(Task.id)))
    ids = {i for t in tasks for i in t.items or []}
    items = {i.id: i for i in session.exec(select(CheckItem).where(CheckItem.id.in_(ids)))} if ids else {}
    task_rows = []
    for t in tasks:
        task_rows.append({
            "code": t.code, "name": t.name, "type": "定向抽查" if t.directed else "不定向抽查",
            "department": depts.get(t.department, t.department),
            "participating": [depts.get(p, p) for p in t.participating or []],
            "window": f"{day(t.window_start)}至{day(t.window_end)}",
            "sample": sample_text(t.ratio, t.count, t.list_ratio),
            "conditions": filter_text(t.filter),
            "inspectors_per_visit": t.inspectors_per_visit,
            "items": [{"code": items[i].code, "name": items[i].name,
                       "department": depts.get(items[i].department, items[i].department),
                       "legal_basis": items[i].legal_basis or "", "content": items[i].content or "",
                       "method": items[i].method or "", "frequency": items[i].frequency or ""}
                      for i in t.items or [] if i in items],
        })
    return {
        "title": plan.name, "number": plan.number, "year": plan.year, "version": plan.version,
        "status": plan.status, "status_text": STATUS.get(plan.status, plan.status),
        "draft": plan.status == "draft",
        "department": depts.get(plan.department, plan.department or ""),
        "published_on": day(plan.published_at), "change_note": plan.change_note or "",
        "tasks": task_rows,
    }


def filename(plan: Plan) -> str:
    return f"plan-{plan.year}-{plan.id}-v{plan.version}.pdf"
