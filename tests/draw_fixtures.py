"""Registry data and helpers shared by the plan and draw tests.

The window lies in 2030, whose working-day arrangement the tests declare
(a ``calendar_year`` row with no exceptions: plain Monday–Friday), so the
tests do not depend on today's date or on the calendar package's coverage.
"""

from __future__ import annotations

import threading
from datetime import date

from sqlmodel import Session

from inspect_app.models import (CalendarYear, CheckItem, Conflict, Department, District, Entity, Inspector,
                                InspectorLeave)
from inspect_app.services import draws, plans
from inspect_app.services.uscc import with_check_character

YEAR = 2030
WINDOW = (date(2030, 3, 1), date(2030, 3, 29))


def uscc(n: int) -> str:
    return with_check_character(f"91350181MA{n:07d}")


def seed_registries(session: Session, entities: int = 120, inspectors_per_dept: int = 8) -> None:
    """Two departments, two streets, ``entities`` entities, inspectors with
    the qualifications the items need, one conflict and one leave."""
    session.add(CalendarYear(year=YEAR, source="test: Monday to Friday"))
    session.add_all([Department(id="SCJG", name="市场监督管理局"), Department(id="CGJ", name="城市管理局")])
    session.add_all([District(code="350181", name="福清市", level=3),
                     District(code="350181001", name="玉屏街道", parent_code="350181", level=4),
                     District(code="350181002", name="龙山街道", parent_code="350181", level=4)])
    session.flush()
    session.add_all([
        CheckItem(code="SCJG-01", department="SCJG", name="食品经营许可", qualification="food", published=True),
        CheckItem(code="SCJG-02", department="SCJG", name="企业公示信息", published=True),
        CheckItem(code="CGJ-01", department="CGJ", name="门前三包", published=True),
        CheckItem(code="SCJG-99", department="SCJG", name="未公布事项", published=False),
    ])
    risks = "AABBBBBCCD"
    for n in range(entities):
        session.add(Entity(uscc=uscc(n), name=f"福清市测试{n}号有限公司", district=f"35018100{1 + n % 2}",
                           risk=risks[n % len(risks)], status="存续" if n % 17 else "注销",
                           tags=["restaurant"] if n % 3 == 0 else ["shop"],
                           lists=["abnormal"] if n % 29 == 0 else [], industry="餐饮业" if n % 3 == 0 else "零售业",
                           type="有限责任公司"))
    for dept in ("SCJG", "CGJ"):
        for k in range(inspectors_per_dept):
            session.add(Inspector(id=f"{dept}{k:02d}", name=f"{dept}检查员{k}", department=dept,
                                  district=f"35018100{1 + k % 2}", certificate_no=f"C{dept}{k}",
                                  certificate_expires=date(2031, 12, 31),
                                  qualifications=["food"] if dept == "SCJG" else [], max_visits=30))
    session.flush()
    session.add(Conflict(inspector="SCJG00", uscc=uscc(0), reason="亲属", declared_on=date(2029, 1, 1)))
    session.add(InspectorLeave(inspector="SCJG01", start=date(2030, 3, 4), end=date(2030, 3, 8), reason="年假"))
    session.commit()


def item_id(session: Session, code: str) -> int:
    from sqlmodel import select

    return session.exec(select(CheckItem.id).where(CheckItem.code == code)).one()


def published_plan(session: Session, joint: bool = True):
    """A published plan with a single-department task T1 and a joint task T2."""
    plan = plans.create_plan(session, "榕市监〔2030〕1号", "2030年度双随机抽查计划", YEAR, actor="planner")
    t1 = plans.add_task(session, plan, plans.TaskInput(
        name="食品经营抽查", department="SCJG", items=[item_id(session, "SCJG-01")],
        window_start=WINDOW[0], window_end=WINDOW[1], filter={"tags_any": ["restaurant"]},
        ratio={"A": "0.1", "B": "0.2", "C": "0.3", "D": "0.5"}, list_ratio={"abnormal": "1"}))
    tasks = [t1]
    if joint:
        tasks.append(plans.add_task(session, plan, plans.TaskInput(
            name="市场与城管联合抽查", department="SCJG", participating=["CGJ"],
            items=[item_id(session, "SCJG-02"), item_id(session, "CGJ-01")],
            window_start=WINDOW[0], window_end=WINDOW[1], count=6)))
    plans.publish_plan(session, plan)
    return plan, tasks


def run_ceremony(session: Session, plan, tasks, app, entropy: str = "314159"):
    """Start, freeze, enter entropy and draw, with the jobs run inline."""
    from inspect_app.jobs.runner import run_job

    draw, job = draws.start_draw(session, plan, [t.id for t in tasks], "公证员现场掷骰六次的点数", actor="planner")
    assert run_job(app, job.id)
    session.expire_all()
    draw = session.get(type(draw), draw.id)
    assert draw.state == "committed", draw.error
    job = draws.enter_entropy(session, draw, entropy, [("王公证", "公证员"), ("李见证", "见证人")], actor="planner")
    assert run_job(app, job.id)
    session.expire_all()
    draw = session.get(type(draw), draw.id)
    assert draw.state == "drawn", draw.error
    return draw


def inline_jobs(app, tmp_path, **config):
    """The app with the draw documents in the test's own folder and draw
    jobs run inline (in the request), so that a test can walk a whole
    ceremony; ``config``: further settings."""
    app.config.update(DRAW_STORE=str(tmp_path / "store"), DRAW_RUNNER="inline", **config)
    return app


def sealed_draw(session: Session, app, today: date | None = None):
    """A sealed draw of the two-task plan (:func:`published_plan`), sealed
    on ``today`` (default: the services' clock): (session, plan, tasks, draw)."""
    seed_registries(session)
    plan, tasks = published_plan(session)
    draw = run_ceremony(session, plan, tasks, app)
    draws.seal(session, draw, today=today)
    return session, plan, tasks, draw


def in_threads(app, engine, n, action, prepare=None):
    """Run ``action(session, k)`` in ``n`` threads released together, each on
    its own connection; return the results or exceptions. With ``prepare``,
    each thread first reads ``prepare(session)`` (before the others are
    released) and the action is ``action(session, prepared, k)``."""
    barrier = threading.Barrier(n)
    results = [None] * n

    def work(k):
        with app.app_context(), Session(engine, expire_on_commit=False) as session:
            prepared = prepare(session) if prepare is not None else None
            barrier.wait()
            try:
                results[k] = action(session, k) if prepare is None else action(session, prepared, k)
            except Exception as error:  # noqa: BLE001  (collected for the assertions)
                results[k] = error

    threads = [threading.Thread(target=work, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results
