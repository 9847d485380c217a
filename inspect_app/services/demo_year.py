"""The demo's year in progress: a published plan of ``as_of``'s year and a
sealed draw whose window opened a few working days before ``as_of`` and
closes some weeks after it, so that the demo shows visits done and visits to
come (services/demo.py calls this after the registries, the calendar and the
planner's account).

The ceremony runs through the real services, as a planner would run it:
:func:`plans.create_plan` / :func:`plans.add_task` / :func:`plans.publish_plan`,
:func:`draws.start_draw`, the freeze job, :func:`draws.enter_entropy` with
named witnesses, the draw job (:func:`jobs.runner.run_job`, in this process),
:func:`draws.seal`. The ceremony is dated ``CEREMONY_WORKING_DAYS`` working
days before the window opens: that date is passed as ``today`` to the steps
that check the clock, and written into the entropy source; the rows' own
timestamps are the moment the demo was loaded.

Deterministic for a seed and ``as_of``: the tasks' sample sizes follow from
the registry (ratios, so the draw scales with ``DEMO_ENTITIES``: a few
hundred visits at 20,000 entities, about 15,000 at 500,000 — nearly as many
as 1,250 inspectors can staff), the external entropy comes from the seed, and so
does the draw's secret (passed to :func:`draw_runs.freeze`; a real draw's
secret is random). A demo draw is reproducible, not confidential.

The plan is owned by the demo planner's department (SCJG, which convenes
the joint plan); tasks of other departments and the draw are the system's
doing (``user=None``), recorded without an actor (shown as 系统).

:func:`demo_inspector` picks the inspector for the demo account after the
draw: on teams of past and upcoming visits, preferably leading a visit
today. :func:`record_demo_results` fills in the past visits' results
through ``services/results.py`` and ``services/review.py`` when those
modules are present (see its docstring).
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Callable

from flask import current_app, has_app_context
from sqlmodel import Session, select

from ..models import CheckItem, Draw, DrawJob, DrawVisit, Inspector, Task, User
from . import calendar as calendar_service
from . import draw_runs, draws, plans

PAST_WORKING_DAYS = 5  # the window opened this many working days before as_of
WINDOW_WEEKS = 6  # and closes this many weeks after as_of (at the latest on 31 December)
CEREMONY_WORKING_DAYS = 5  # the draw was made this many working days before the window opened
PLAN_NUMBER = "榕双随机〔{year}〕1号"
PLAN_NAME = "{year}年度福州市市场监管领域部门联合“双随机、一公开”抽查计划"
WITNESSES = [("陈立新", "福州市公证处公证员"), ("林晓燕", "社会监督员")]
ENTERPRISE_TYPES = ["有限责任公司（自然人投资或控股）", "有限责任公司（自然人独资）", "有限责任公司（法人独资）",
                    "股份有限公司（非上市、自然人投资或控股）", "个人独资企业", "有限合伙企业", "外商投资企业"]


def _r(a: str, b: str, c: str, d: str) -> dict[str, str]:
    return {"A": a, "B": b, "C": c, "D": d}


# (name, lead, participating, item codes, filter, ratio per risk class, list ratio).
# Populations are kept apart (coordinated sampling gives tasks over the same
# entities the same entities, which merges them into fewer visits); the
# ratios are sized to what each department's inspectors can staff.
TASKS = [
    ("食品销售和生产企业监督检查", "SCJG", [], ["SCJG-01"],
     {"industries": ["食品销售", "食品生产"]}, _r("0.008", "0.015", "0.04", "0.1"), {}),
    ("餐饮服务单位“综合查一次”联合检查", "SCJG", ["CGJ"], ["SCJG-01", "CGJ-02"],
     {"tags_any": ["restaurant"]}, _r("0.01", "0.02", "0.04", "0.1"), {"abnormal": "0.05"}),
    ("企业公示信息抽查", "SCJG", [], ["SCJG-04"],
     {"types": ENTERPRISE_TYPES, "industries": ["批发和零售业", "信息技术服务", "商务服务", "建筑施工"]},
     _r("0.03", "0.06", "0.12", "0.2"), {"abnormal": "0.15"}),
    ("个体工商户户外招牌设置检查", "CGJ", [], ["CGJ-01"],
     {"types": ["个体工商户"], "industries": ["批发和零售业", "美容美发", "机动车维修"]},
     _r("0.0065", "0.013", "0.026", "0.05"), {}),
    ("住宿和美容美发场所卫生检查", "WJW", [], ["WJW-01"],
     {"industries": ["住宿服务", "美容美发"]}, _r("0.025", "0.04", "0.08", "0.15"), {}),
    ("医疗机构执业活动检查", "WJW", [], ["WJW-02"],
     {"industries": ["诊所"]}, _r("0.05", "0.08", "0.15", "0.3"), {}),
    ("排污许可执行情况检查", "STHJ", [], ["STHJ-01"],
     {"industries": ["制造业", "机动车维修"]}, _r("0.03", "0.04", "0.08", "0.2"), {}),
    ("物流企业安全生产检查", "YJGL", [], ["YJGL-02"],
     {"industries": ["物流运输"]}, _r("0.035", "0.06", "0.1", "0.2"), {}),
    ("危险化学品经营单位安全检查", "YJGL", [], ["YJGL-01"],
     {"industries": ["危险化学品经营", "加油站"]}, _r("0.1", "0.15", "0.3", "0.5"), {}),
    ("娱乐场所和上网服务场所检查", "WHLY", [], ["WHLY-01", "WHLY-03"],
     {"industries": ["娱乐场所", "互联网上网服务"]}, _r("0.06", "0.13", "0.25", "0.5"), {}),
    ("旅行社经营行为检查", "WHLY", [], ["WHLY-02"],
     {"industries": ["旅行社"]}, _r("0.1", "0.2", "0.3", "0.5"), {}),
]


class DemoYearError(RuntimeError):
    pass


@dataclass
class DemoYear:
    plan_id: int
    draw_id: int
    window: tuple[date, date]
    ceremony: date
    visits: int
    past: int
    upcoming: int


def year_dates(session: Session, as_of: date) -> tuple[date, date, date] | None:
    """(window start, window end, ceremony date) for ``as_of``, or None when
    the working-day calendar of ``as_of``'s year is unknown."""
    year = as_of.year
    if year not in calendar_service.known_years(session):
        return None
    first, last = date(year, 1, 1), date(year, 12, 31)
    before = []
    if as_of > first:
        before = calendar_service.working_days(session, max(first, as_of - timedelta(days=60)),
                                               as_of - timedelta(days=1))
    start = before[-PAST_WORKING_DAYS] if len(before) >= PAST_WORKING_DAYS else (before[0] if before else as_of)
    end = min(last, as_of + timedelta(weeks=WINDOW_WEEKS))
    try:
        earlier = calendar_service.working_days(session, start - timedelta(days=40), start - timedelta(days=1))
    except calendar_service.CalendarUnknown:  # the window opens in early January
        earlier = [d for d in (start - timedelta(days=n) for n in range(40, 0, -1)) if d.weekday() < 5]
    ceremony = earlier[-CEREMONY_WORKING_DAYS]
    return start, end, ceremony


def demo_secret(seed: int, as_of: date) -> bytes:
    return hashlib.sha256(f"inspect demo draw secret:{seed}:{as_of.isoformat()}".encode()).digest()


def load_year(session: Session, seed: int, as_of: date, planner: User | None,
              say: Callable[[str], None] | None = None) -> DemoYear | None:
    """Plan, tasks, publication, the draw ceremony and the seal. None (and
    nothing written) when the year cannot be shown: no application context
    (the draw store and the jobs need one) or no known calendar."""
    say = say or (lambda _msg: None)
    if not has_app_context():
        say("demo year skipped: no application context (the draw store needs one)")
        return None
    dates = year_dates(session, as_of)
    if dates is None:
        say(f"demo year skipped: no working-day calendar for {as_of.year}")
        return None
    start, end, ceremony = dates
    rnd = random.Random(f"demo-year:{seed}:{as_of.isoformat()}")
    year = as_of.year
    items = {code: item_id for code, item_id in session.exec(
        select(CheckItem.code, CheckItem.id).where(CheckItem.current.is_(True)))}
    try:
        plan = plans.create_plan(session, PLAN_NUMBER.format(year=year), PLAN_NAME.format(year=year), year,
                                 actor=planner.username if planner else None, user=planner)
        tasks = []
        for name, lead, participating, codes, flt, ratio, list_ratio in TASKS:
            tasks.append(plans.add_task(session, plan, plans.TaskInput(
                name=name, department=lead, participating=participating, items=[items[c] for c in codes],
                window_start=start, window_end=end, filter=flt, ratio=ratio, list_ratio=list_ratio)))
        plans.publish_plan(session, plan, user=planner)
        say(f"plan {plan.number}: {len(tasks)} tasks, window {start}–{end}")
        draw = run_ceremony(session, plan, tasks, seed, ceremony, demo_secret(seed, as_of), rnd)
    except (plans.PlanError, draws.DrawError) as error:
        session.rollback()
        raise DemoYearError(f"demo year: {error}") from error
    rows = session.exec(select(DrawVisit.day).where(DrawVisit.draw_id == draw.id)).all()
    past = sum(1 for d in rows if d < as_of)
    say(f"draw {draw.code} sealed: {len(rows):,} visits ({past:,} before {as_of})")
    return DemoYear(plan_id=plan.id, draw_id=draw.id, window=(start, end), ceremony=ceremony, visits=len(rows),
                    past=past, upcoming=sum(1 for d in rows if d > as_of))


def run_ceremony(session: Session, plan, tasks: list[Task], seed: int, ceremony: date, secret: bytes,
                 rnd: random.Random) -> Draw:
    """Start, freeze (with the demo's ``secret``), enter the entropy before
    the witnesses, draw and seal, dated ``ceremony``; returns the sealed
    draw. Raises the services' own errors."""
    source = (f"演示数据：抽取仪式视为于 {ceremony.isoformat()} 举行；外部随机数由演示数据的随机种子 {seed} 生成"
              "（代替公证员现场掷骰）")
    draw, job = draws.start_draw(session, plan, [t.id for t in tasks], source, today=ceremony)
    _freeze(session, draw, job, secret)
    entropy = "".join(str(rnd.randint(1, 6)) for _ in range(12))
    job = draws.enter_entropy(session, draw, entropy, WITNESSES, today=ceremony)
    _run(session, draw, job)
    return draws.seal(session, session.get(Draw, draw.id), today=ceremony)


def _freeze(session: Session, draw: Draw, job: DrawJob, secret: bytes) -> None:
    """The freeze job, claimed and run here as the worker would
    (jobs/runner.py), with the demo's secret."""
    from ..jobs.runner import claim

    if not claim(session.get_bind(), job.id):
        raise DemoYearError(f"freeze job {job.id} was claimed by someone else")
    draw, job = session.get(Draw, draw.id), session.get(DrawJob, job.id)
    session.refresh(draw)
    session.refresh(job)
    from ..jobs.runner import INPUT_ERRORS

    try:
        draw_runs.freeze(session, draw, job, secret=secret)
        session.commit()
    except INPUT_ERRORS as error:
        session.rollback()
        raise DemoYearError(f"draw {draw.code}: {error}") from error
    except Exception:
        session.rollback()
        raise
    if draw.state != "committed":
        raise DemoYearError(f"draw {draw.code}: freeze ended in state {draw.state}")


def _run(session: Session, draw: Draw, job: DrawJob) -> None:
    """The draw job, run in this process by the worker's own code."""
    from ..jobs.runner import run_job

    if not run_job(current_app._get_current_object(), job.id):
        raise DemoYearError(f"draw job {job.id} was claimed by someone else")
    session.expire_all()
    draw = session.get(Draw, draw.id)
    if draw.state != "drawn":
        raise DemoYearError(f"draw {draw.code} ended in state {draw.state}: {draw.error}")


# --- the demo inspector ---

def _visits(session: Session, draw_id: int) -> list[DrawVisit]:
    return list(session.exec(select(DrawVisit).where(DrawVisit.draw_id == draw_id, DrawVisit.current.is_(True))
                             .order_by(DrawVisit.day, DrawVisit.visit_id)))


def team_leads(session: Session, draw: Draw, visits: list[DrawVisit]) -> dict[int, str]:
    """Visit pk → its team's lead (services/visit_access.lead_inspector,
    computed for many visits with two queries)."""
    lead_of_task = dict(session.exec(select(Task.code, Task.department).where(Task.plan_id == draw.plan_id)).all())
    department = dict(session.exec(select(Inspector.id, Inspector.department)).all())
    out = {}
    for v in visits:
        lead = lead_of_task.get((v.tasks or [None])[0]) or (v.departments or [None])[0]
        team = list(v.team or [])
        out[v.id] = next((m for m in team if department.get(m) == lead), team[0] if team else None)
    return out


def demo_inspector(session: Session, year: DemoYear | None, as_of: date, department: str | None = None) -> str | None:
    """The inspector for the demo account: on teams of past and upcoming
    visits, preferably of ``department`` (the demo planner's, who reviews
    the visits that department leads), leading a visit on the first visit
    day from ``as_of`` on (so that "today's visit" is theirs to submit);
    then the most visits, then the lowest id. None without a draw."""
    if year is None:
        return None
    draw = session.get(Draw, year.draw_id)
    visits = _visits(session, draw.id)
    if not visits:
        return None
    leads = team_leads(session, draw, visits)
    next_day = min((v.day for v in visits if v.day >= as_of), default=None)
    past, upcoming, total, leads_next = Counter(), Counter(), Counter(), Counter()
    for v in visits:
        for member in v.team or []:
            total[member] += 1
            if v.day < as_of:
                past[member] += 1
            elif v.day > as_of:
                upcoming[member] += 1
        if v.day == next_day and leads.get(v.id):
            leads_next[leads[v.id]] += 1
    depts = dict(session.exec(select(Inspector.id, Inspector.department)).all())

    def score(member: str) -> tuple:
        return (bool(past[member] and upcoming[member]), department is None or depts.get(member) == department,
                leads_next[member] > 0, total[member])

    best = max(sorted(total), key=score)  # max keeps the first (lowest id) of equals
    return best


# --- results of the past visits ---

def record_demo_results(session: Session, year: DemoYear | None, as_of: date, seed: int,
                        inspector: User | None = None, planner: User | None = None,
                        say: Callable[[str], None] | None = None, limit: int | None = 400,
                        approve_all: bool = False) -> dict[str, int]:
    """Results of the visits before ``as_of``, through the results and
    review services (``services/results.py``, ``services/review.py``;
    skipped, returning ``{}``, while either module is missing). Per visit:
    ``open_result``, ``save_draft`` (completed on the visit's day; about one
    item in ten a problem: code 02 with a rectification deadline, or 0304
    违反其他规定 with a remark), ``submit`` by the team's lead; then the
    review: most approved, about one in eight left submitted (awaiting
    review), one returned with a reason. The demo inspector's own past
    visits come first; at most ``limit`` visits (a city-sized demo leaves
    the rest unrecorded: overdue, as real teams are; None: every one).
    ``approve_all``: every result approved (a batch whose checks are all
    done and reviewed, none returned or waiting). ``user`` is the demo
    inspector's account on their visits (when they lead it, for the
    submission) and the demo planner's for reviews of their department;
    else None (the system). Approving publishes the result
    (``review.approve`` calls ``services/publication.py``), so the demo's
    results bulletins (``/results/``) show the approved visits. Returns
    counts per outcome."""
    try:
        from . import results, review
    except ImportError:
        return {}
    say = say or (lambda _msg: None)
    if year is None:
        return {}
    draw = session.get(Draw, year.draw_id)
    visits = [v for v in _visits(session, draw.id) if v.day < as_of]
    if not visits:
        return {}
    leads = team_leads(session, draw, visits)
    me = inspector.inspector if inspector is not None else None
    mine = [v for v in visits if me in (v.team or [])]
    others = [v for v in visits if me not in (v.team or [])]
    chosen = (mine + others)[:limit] if limit is not None else mine + others
    lead_dept = dict(session.exec(select(Task.code, Task.department).where(Task.plan_id == draw.plan_id)).all())
    rnd = random.Random(f"demo-results:{seed}:{as_of.isoformat()}")
    returned = next((v for v in mine if leads.get(v.id) == me), chosen[0])
    counts: Counter = Counter()
    from ..visit_models import ItemResult

    for visit in chosen:
        on_team = me in (visit.team or [])
        member = inspector if on_team else None
        lead = inspector if leads.get(visit.id) == me else None
        day, after = visit.day, visit.day + timedelta(days=1)
        result = results.open_result(session, member, visit.id, today=day)
        data_items = {}
        for item in session.exec(select(ItemResult).where(ItemResult.result_id == result.id)
                                 .order_by(ItemResult.item_id)):
            roll = rnd.random()
            if roll < 0.06:
                data_items[item.item_id] = {"code": "02", "remark": "现场发现问题，已当场责令限期改正",
                                            "rectify_by": (day + timedelta(days=rnd.choice((15, 20, 30)))).isoformat()}
                counts["problems_rectify"] += 1
            elif roll < 0.09:
                data_items[item.item_id] = {"code": "0304", "remark": "存在其他违反规定的情形，移交后续处理",
                                            "rectify_by": None}
                counts["problems_follow_up"] += 1
            else:
                data_items[item.item_id] = {"code": "01", "remark": "", "rectify_by": None}
        results.save_draft(session, member, visit.id, {"completed_on": day.isoformat(), "items": data_items}, 1,
                           today=day)
        results.submit(session, lead, visit.id, today=after)
        lead_department = lead_dept.get((visit.tasks or [None])[0])
        reviewer = planner if planner is not None and planner.department == lead_department else None
        if visit.id == returned.id and not approve_all:
            review.return_result(session, reviewer, visit.id, "请补充现场检查照片和整改通知书编号后重新提交")
            counts["returned"] += 1
        elif rnd.random() < 0.125 and not approve_all:
            counts["submitted"] += 1
        else:
            review.approve(session, reviewer, visit.id, today=after + timedelta(days=1))
            counts["approved"] += 1
    say(f"results of {len(chosen):,} past visits: {dict(counts)}")
    return dict(counts)

