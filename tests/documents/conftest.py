"""Fixtures of the document tests (issue 11, documents): the app with the
draw documents in the test's own folder, draw jobs and document jobs run
inline, a fixed check-code key; a sealed draw whose entity names hold rare
characters; published results of its task T1 for the bulletin."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlmodel import select

from checkcode.helpers import KEY
from draw_fixtures import inline_jobs
from inspect_app.models import CheckItem, DrawVisit, Entity, PublishedResult, PublishedResultTask
from inspect_app.services import draws
from inspect_app.visit_models import VisitResult

# A name with rare characters (CJK Extension A and B, and two the generic
# fallback fonts often miss): the documents must print every one.
RARE_NAME = "福清市䶮龑堃喆𬌗餐饮有限公司"
INDIVIDUAL_NAME = "福清市＊＊小吃店"  # a 个体工商户, stored masked by the publication
LEGAL_BASIS = {"SCJG-01": "《中华人民共和国食品安全法》第一百一十条", "SCJG-02": "《企业信息公示暂行条例》第十四条",
               "CGJ-01": "《城市市容和环境卫生管理条例》第二十一条"}
OLD_NAME = "更正前的旧名称有限公司"  # a superseded published revision: never shown


@pytest.fixture
def app(app, tmp_path):
    return inline_jobs(app, tmp_path, CHECK_CODE_KEY=KEY, OFFICE_PHONE="0591-00000000",
                       OFFICE_PHONES={"CGJ": "0591-11111111"})


@pytest.fixture
def today(monkeypatch):
    def set_today(day: date) -> date:
        monkeypatch.setattr(draws, "_today", lambda: day)
        return day

    set_today(date(2030, 2, 1))
    return set_today


@pytest.fixture
def sealed(app, db_session, today):
    """A sealed draw of the two-task plan, the first entity renamed with rare
    characters before the draw: (session, plan, tasks, draw)."""
    from draw_fixtures import published_plan, run_ceremony, seed_registries

    s = db_session
    seed_registries(s)
    first = s.exec(select(Entity).where(Entity.tags.is_not(None)).order_by(Entity.id)).all()
    for e in first[:40]:
        if e.status == "存续" and "restaurant" in e.tags:
            e.name = RARE_NAME.replace("福清市", f"福清市{e.id}")
            s.add(e)
    for item in s.exec(select(CheckItem)).all():
        item.legal_basis, item.method = LEGAL_BASIS.get(item.code, ""), "现场检查"
        s.add(item)
    s.commit()
    plan, tasks = published_plan(s)
    draw = run_ceremony(s, plan, tasks, app)
    draws.seal(s, draw, today=date(2030, 2, 1))
    return s, plan, tasks, draw


def visits_of(session, draw) -> list[DrawVisit]:
    return list(session.exec(select(DrawVisit).where(DrawVisit.draw_id == draw.id).order_by(DrawVisit.id)))


def publish(session, draw, task, rows: int | None = None, start: int = 0) -> list[PublishedResult]:
    """Published records of ``task``'s visits (as the publication service
    writes them): the first visit under a rare name, the second as a
    个体工商户, the third corrected once (revision 1 no longer current)."""
    visits = [v for v in visits_of(session, draw) if task.code in (v.tasks or [])]
    visits = visits[start:start + rows] if rows is not None else visits[start:]
    out = []
    for n, visit in enumerate(visits):
        result = VisitResult(visit_pk=visit.id, state="approved", code_version=1, completed_on=date(2030, 3, 10),
                             submitted_at=datetime(2030, 3, 10, tzinfo=timezone.utc), submitted_by="x")
        session.add(result)
        session.flush()
        name = {0: RARE_NAME, 1: INDIVIDUAL_NAME}.get(n, visit.entity_name)
        items = [{"item": i, "task": task.id, "department": task.department, "name": "食品经营许可",
                  "code": "0301" if n == 0 else "01"} for i in task.items]
        revisions = [(1, True, None)] if n != 2 else [(1, False, None), (2, True, "更正完成日期")]
        for revision, current, reason in revisions:
            row = PublishedResult(
                visit_pk=visit.id, result_id=result.id, draw_id=draw.id, revision=revision, current=current,
                correction_reason=reason, uscc=visit.uscc,
                entity_name=OLD_NAME if not current else name, entity_type="个体工商户" if n == 1 else "有限责任公司",
                individual=n == 1, district=visit.district, plan_id=draw.plan_id, year=2030,
                directed=task.directed, departments=[task.department], lead_department=task.department,
                completed_on=date(2030, 3, 10 + n % 5), items=items, code_version=1)
            session.add(row)
            session.flush()
            session.add(PublishedResultTask(published_id=row.id, task_id=task.id, completed_on=row.completed_on,
                                            uscc=row.uscc))
            out.append(row)
    session.commit()
    return out
