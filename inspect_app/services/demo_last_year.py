"""The demo's last year: one finished batch, so that the public side has
something to show — published results, results bulletins, an entity's
history, the year in figures, and a revealed draw anyone can verify in the
browser.

A plan of ``as_of``'s previous year with three tasks of fixed sample sizes
(so the batch stays small whatever ``DEMO_ENTITIES`` is): a joint
"综合查一次" of restaurants (市场监管 with 城管), individual businesses'
signboards (个体工商户: their records show how personal data is masked) and
enterprise publicity information. Its window closed weeks before ``as_of``;
the ceremony runs through the real services (``demo_year.run_ceremony``),
every visit's result is recorded, submitted and approved through the
results and review services (approval publishes), and the draw is then
revealed by the same rule the job worker applies every minute (window closed
and every visit completed: ``draw_reveal.reveal_due``).

Loaded before the year in progress: that draw's instance then shows these
visits as the entities' history (rotation, frequency cap), as a real second
year would.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from typing import Callable

from sqlmodel import Session, select

from ..models import CheckItem, Draw, DrawVisit, User
from . import calendar as calendar_service
from . import demo_year, plans

PLAN_NUMBER = "榕双随机〔{year}〕1号"
PLAN_NAME = "{year}年度福州市市场监管领域部门联合“双随机、一公开”抽查计划"
# (name, lead, participating, item codes, filter, fixed sample size)
TASKS = [
    ("餐饮服务单位“综合查一次”联合检查", "SCJG", ["CGJ"], ["SCJG-01", "CGJ-02"], {"tags_any": ["restaurant"]}, 24),
    ("个体工商户户外招牌设置检查", "CGJ", [], ["CGJ-01"], {"types": ["个体工商户"]}, 20),
    ("企业公示信息抽查", "SCJG", [], ["SCJG-04"], {"types": demo_year.ENTERPRISE_TYPES}, 30),
]
WINDOW = ((10, 13), (11, 28))  # (month, day) of the window's first and last day


@dataclass
class LastYear:
    plan_id: int
    draw_id: int
    visits: int
    revealed: bool


def load_last_year(session: Session, seed: int, as_of: date, planner: User | None,
                   say: Callable[[str], None] | None = None) -> LastYear | None:
    """Plan, ceremony, every result approved (and so published), reveal.
    None when the previous year's calendar is unknown."""
    say = say or (lambda _msg: None)
    year = as_of.year - 1
    if year not in calendar_service.known_years(session):
        say(f"last year's batch skipped: no working-day calendar for {year}")
        return None
    start = calendar_service.working_days(session, date(year, *WINDOW[0]), date(year, 12, 31))[0]
    end = date(year, *WINDOW[1])
    ceremony = calendar_service.working_days(session, date(year, 9, 1), start)[-demo_year.CEREMONY_WORKING_DAYS - 1]
    rnd = random.Random(f"demo-last-year:{seed}:{year}")
    items = {code: item_id for code, item_id in session.exec(
        select(CheckItem.code, CheckItem.id).where(CheckItem.current.is_(True)))}
    try:
        plan = plans.create_plan(session, PLAN_NUMBER.format(year=year), PLAN_NAME.format(year=year), year,
                                 actor=planner.username if planner else None, user=planner)
        tasks = [plans.add_task(session, plan, plans.TaskInput(
            name=name, department=lead, participating=participating, items=[items[c] for c in codes],
            window_start=start, window_end=end, filter=flt, count=count))
            for name, lead, participating, codes, flt, count in TASKS]
        plans.publish_plan(session, plan, user=planner)
        draw = demo_year.run_ceremony(session, plan, tasks, seed, ceremony,
                                      demo_year.demo_secret(seed, date(year, 1, 1)), rnd)
    except (plans.PlanError, demo_year.draws.DrawError) as error:
        session.rollback()
        raise demo_year.DemoYearError(f"demo last year: {error}") from error
    batch = demo_year.DemoYear(plan_id=plan.id, draw_id=draw.id, window=(start, end), ceremony=ceremony,
                               visits=0, past=0, upcoming=0)
    demo_year.record_demo_results(session, batch, as_of, seed, planner=planner, say=say, limit=None,
                                  approve_all=True)
    from . import draw_reveal

    draw_reveal.reveal_due(session, today=as_of)
    draw = session.get(Draw, draw.id)
    session.refresh(draw)
    visits = len(session.exec(select(DrawVisit.id).where(DrawVisit.draw_id == draw.id)).all())
    say(f"last year: plan {plan.number}, draw {draw.code}: {visits} visits, "
        f"{'revealed' if draw.revealed_at else 'NOT revealed'}")
    return LastYear(plan_id=plan.id, draw_id=draw.id, visits=visits, revealed=draw.revealed_at is not None)
