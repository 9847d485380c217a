"""Fixtures of the year-in-figures tests (issue 10): published records
inserted directly (the publication service is another part of the issue),
on draws, visits and results inserted directly too, so that a test states
exactly what is public."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from itertools import count

import pytest
from sqlmodel import Session, select

from inspect_app.models import (CreditMark, Department, Draw, DrawTask, DrawVisit, Plan, PublishedResult,
                                Rectification, ResultCodeSet, Task, utcnow)
from inspect_app.visit_models import VisitResult

YEAR = 2030


@dataclass
class World:
    """What the tests build on: a published plan of ``YEAR`` with tasks of
    SCJG (joint with CGJ) and of WJW, and helpers that add draws, visits and
    records."""

    session: Session
    plan: Plan
    tasks: dict[str, Task]
    version: int
    _n = count(1)

    def draw(self, task_codes=("T1",), state="sealed", parent: Draw | None = None, cancelled=False,
             plan: Plan | None = None) -> Draw:
        s, k = self.session, next(self._n)
        plan = plan or self.plan
        d = Draw(plan_id=plan.id, code=f"D{plan.year}-{k:04d}", window_start=date(plan.year, 3, 1),
                 window_end=date(plan.year, 3, 29), entropy_source="骰子", task_codes=list(task_codes),
                 state=state, commitment="c" * 64, frozen_digest="f" * 64,
                 parent_id=parent.id if parent else None, redraw_visit="V00001" if parent else None,
                 cancel_reason="作废" if cancelled else None, cancelled_at=utcnow() if cancelled else None)
        s.add(d)
        s.flush()
        if parent is None:
            for code in task_codes:
                s.add(DrawTask(draw_id=d.id, task_id=self.tasks[code].id, task_key=f"k{d.id}-{code}"))
        s.commit()
        return d

    def visit(self, draw: Draw, uscc: str, departments=("SCJG",), day=date(YEAR, 3, 10)) -> DrawVisit:
        s, k = self.session, next(self._n)
        v = DrawVisit(draw_id=draw.id, visit_id=f"V{k:05d}", uscc=uscc, entity_name=f"测试{uscc[-4:]}有限公司",
                      district="350181001", tasks=["T1"], departments=list(departments), team=["A", "B"], day=day)
        s.add(v)
        s.commit()
        return v

    def result(self, visit: DrawVisit, state="approved", revision=1, current=True) -> VisitResult:
        r = VisitResult(visit_pk=visit.id, state=state, code_version=self.version, revision=revision,
                        current=current, completed_on=visit.day)
        self.session.add(r)
        self.session.commit()
        return r

    def publish(self, visit: DrawVisit, *, problems=0, ordered=0, on_time: bool | None = True, revision=1,
                current=True, completed_on: date | None = None, year: int = YEAR) -> PublishedResult:
        """A published record of ``visit`` (with an approved result)."""
        result = self.result(visit, revision=revision)
        departments = list(visit.departments)
        record = PublishedResult(
            visit_pk=visit.id, result_id=result.id, draw_id=visit.draw_id, revision=revision, current=current,
            uscc=visit.uscc, entity_name=visit.entity_name, district=visit.district, plan_id=self.plan.id,
            year=year, departments=departments, lead_department=departments[0], joint=len(departments) > 1,
            completed_on=completed_on or visit.day, on_time=on_time, code_version=self.version,
            problems=problems, ordered=ordered, items=[])
        self.session.add(record)
        self.session.commit()
        return record

    def rectification(self, visit: DrawVisit, item: int = 1, state="rectified") -> None:
        from inspect_app.models import CheckItem

        item_id = self.session.exec(select(CheckItem.id).order_by(CheckItem.id)).all()[item - 1]
        self.session.add(Rectification(visit_pk=visit.id, item_id=item_id, uscc=visit.uscc, department="SCJG",
                                       deadline=date(YEAR, 4, 30), state=state))
        self.session.commit()

    def credit(self, visit: DrawVisit, reason_code="refused") -> None:
        self.session.add(CreditMark(visit_pk=visit.id, uscc=visit.uscc, department="SCJG", reason_code=reason_code,
                                    reason="拒绝检查"))
        self.session.commit()


@pytest.fixture
def world(db_session) -> World:
    return build_world(db_session)


def build_world(s: Session) -> World:
    """The departments, items, plan and tasks of :class:`World`."""
    from inspect_app.models import CheckItem

    s.add_all([Department(id="SCJG", name="市场监督管理局"), Department(id="CGJ", name="城市管理局"),
               Department(id="WJW", name="卫生健康委员会")])
    s.flush()
    s.add_all([CheckItem(code="SCJG-01", department="SCJG", name="食品经营许可", published=True),
               CheckItem(code="CGJ-01", department="CGJ", name="门前三包", published=True)])
    plan = Plan(number="榕市监〔2030〕1号", name="2030年度双随机抽查计划", year=YEAR, status="published",
                department="SCJG")
    s.add(plan)
    s.flush()
    tasks = {"T1": Task(plan_id=plan.id, code="T1", name="联合抽查", department="SCJG", participating=["CGJ"],
                        window_start=date(YEAR, 3, 1), window_end=date(YEAR, 3, 29), count=5),
             "T2": Task(plan_id=plan.id, code="T2", name="卫生检查", department="WJW",
                        window_start=date(YEAR, 3, 1), window_end=date(YEAR, 3, 29), count=5)}
    s.add_all(tasks.values())
    s.commit()
    version = s.exec(select(ResultCodeSet.version)).first()
    return World(s, plan, tasks, version)
