"""Published records for tests (issue 10), written
directly (:class:`Published`), as the publication service will write them —
a ``published_result`` row with its tasks and :func:`public_index.index_entity`
— on top of a minimal plan, draw, visit and approved result. Also the helpers
that make two pages comparable (the CSRF token of the language switch
differs from one request to the next)."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

from sqlmodel import Session, select

from draw_fixtures import uscc
from inspect_app.models import (Department, District, Draw, DrawVisit, Entity, Plan, PublishedResult,
                                PublishedResultTask, Task)
from inspect_app.services import public_index
from inspect_app.visit_models import VisitResult

CSRF = re.compile(r'name="csrf_token" value="[^"]*"')
MAIN = re.compile(r"<main>.*</main>", re.S)


def comparable(body: bytes | str) -> str:
    """A page without its CSRF tokens."""
    text = body.decode() if isinstance(body, bytes) else body
    return CSRF.sub('name="csrf_token" value=""', text)


def main_part(body: bytes | str) -> str:
    """The page's ``<main>`` (what differs between audiences is the header:
    the user's name and menu)."""
    return MAIN.search(comparable(body)).group(0)


class Published:
    """A plan with two tasks (SCJG; WJW with a participating SCJG), a draw
    ``D-PUB-1`` with a commitment, and helpers to add entities, visits,
    approved results and published records."""

    def __init__(self, session: Session) -> None:
        self.session = session
        s = session
        s.add_all([Department(id="SCJG", name="市场监督管理局", name_en="Market Regulation"),
                   Department(id="WJW", name="卫生健康委员会", name_en="Health Commission")])
        s.add_all([District(code="350100", name="福州市", level=2),
                   District(code="350102", name="鼓楼区", parent_code="350100", level=3)])
        s.flush()
        self.plan = Plan(number="榕市监〔2030〕1号", name="2030年度抽查计划", year=2030, status="published")
        s.add(self.plan)
        s.flush()
        self.tasks = [Task(plan_id=self.plan.id, code="T1", name="食品经营抽查", department="SCJG",
                           window_start=date(2030, 1, 1), window_end=date(2030, 12, 31)),
                      Task(plan_id=self.plan.id, code="T2", name="医疗机构联合抽查", department="WJW",
                           participating=["SCJG"], directed=True,
                           window_start=date(2030, 1, 1), window_end=date(2030, 12, 31))]
        s.add_all(self.tasks)
        s.flush()
        self.draw = Draw(code="D-PUB-1", plan_id=self.plan.id, state="sealed", window_start=date(2030, 1, 1),
                         window_end=date(2030, 12, 31), task_codes=["T1", "T2"], entropy_source="test",
                         commitment="c" * 64)
        s.add(self.draw)
        s.flush()
        self.n = 0

    def entity(self, n: int, name: str, district: str = "350102") -> str:
        code = uscc(n)
        self.session.add(Entity(uscc=code, name=name, district=district))
        self.session.flush()
        return code

    def visit(self, code: str, name: str, day: date = date(2030, 5, 6), tasks=("T1",),
              state: str = "approved") -> tuple[DrawVisit, VisitResult]:
        """A drawn visit with its result (approved by default): not published."""
        self.n += 1
        depts = sorted({t.department for t in self.tasks if t.code in tasks}
                       | {d for t in self.tasks if t.code in tasks for d in t.participating})
        v = DrawVisit(draw_id=self.draw.id, visit_id=f"V{self.n:05d}", uscc=code, entity_name=name,
                      district="350102", tasks=list(tasks), departments=depts, team=["E1", "E2"], day=day)
        self.session.add(v)
        self.session.flush()
        r = VisitResult(visit_pk=v.id, state=state, code_version=1, completed_on=day)
        self.session.add(r)
        self.session.flush()
        return v, r

    def publish(self, code: str, name: str, day: date = date(2030, 5, 6), tasks=("T1",),
                codes=("01",), revision: int = 1, reason: str | None = None,
                visit: tuple[DrawVisit, VisitResult] | None = None) -> PublishedResult:
        """Publish a visit (a new one unless ``visit``) of ``code``: revision
        1 is a first publication, a higher one a correction that replaces the
        current row."""
        v, r = visit or self.visit(code, name, day, tasks)
        task_rows = [t for t in self.tasks if t.code in tasks]
        depts = v.departments
        items = [{"item": k + 1, "task": task_rows[0].id, "department": task_rows[0].department,
                  "name": f"检查事项{k + 1}", "code": c} for k, c in enumerate(codes)]
        if revision > 1:
            for old in self.session.exec(select(PublishedResult).where(PublishedResult.visit_pk == v.id,
                                                                      PublishedResult.current.is_(True))):
                old.current = False
                self.session.add(old)
        p = PublishedResult(visit_pk=v.id, result_id=r.id, draw_id=self.draw.id, revision=revision,
                            correction_reason=reason, published_at=datetime(2030, 6, 1, tzinfo=timezone.utc),
                            uscc=code, entity_name=name, district="350102", plan_id=self.plan.id, year=2030,
                            directed=any(t.directed for t in task_rows), departments=depts,
                            lead_department=task_rows[0].department, joint=len(depts) > 1, completed_on=day,
                            items=items, code_version=1)
        self.session.add(p)
        self.session.flush()
        self.session.add_all([PublishedResultTask(published_id=p.id, task_id=t.id, completed_on=day, uscc=code)
                              for t in task_rows])
        public_index.index_entity(self.session, code, name, "350102", day, records_delta=1 if revision == 1 else 0)
        self.session.commit()
        return p
