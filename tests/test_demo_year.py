"""The demo's year in progress (services/demo_year.py): a published plan of
``as_of``'s year, a sealed draw with visits before and after ``as_of`` that
verifies with the solver, the demo inspector on teams of both, the same draw
for the same seed, and the results of past visits through the results and
review services' contract."""

from __future__ import annotations

import json
import sys
import types
from collections import Counter
from datetime import date
from hashlib import sha256

import pytest
from sqlmodel import select

import inspect_app.services as services_pkg
from inspect_app.models import CheckItem, Draw, DrawVisit, Inspector, Plan, Task, User
from inspect_app.services import demo, demo_year, draw_runs, draw_store, draws, solver_adapter, visit_access
from inspect_app.visit_models import ItemResult, VisitResult

AS_OF = date(2026, 11, 18)  # a Wednesday
ENTITIES = 2000


@pytest.fixture
def app(app, tmp_path):
    app.config.update(DRAW_STORE=str(tmp_path / "store"))
    return app


def _load(session, seed=5, as_of=AS_OF, **kw):
    return demo.load_demo(session, entities=ENTITIES, seed=seed, as_of=as_of, **kw)


def _draw(session, year: int = AS_OF.year) -> Draw:
    """The draw of ``year``'s plan (the demo has last year's too)."""
    return session.exec(select(Draw).join(Plan, Plan.id == Draw.plan_id).where(Plan.year == year)).one()


def _visits(session, draw) -> list[DrawVisit]:
    return list(session.exec(select(DrawVisit).where(DrawVisit.draw_id == draw.id).order_by(DrawVisit.visit_id)))


def _user(session, name) -> User:
    return session.exec(select(User).where(User.username == name)).one()


def test_published_plan_and_sealed_draw_of_the_year_in_progress(db_session):
    s = db_session
    result = _load(s)
    plan = s.exec(select(Plan).where(Plan.year == AS_OF.year)).one()
    assert plan.status == "published" and plan.year == AS_OF.year
    assert plan.department == _user(s, "planner").department == "SCJG"
    tasks = list(s.exec(select(Task).where(Task.plan_id == plan.id).order_by(Task.id)))
    assert len(tasks) == len(demo_year.TASKS)
    assert any(not t.participating for t in tasks)
    assert any(t.participating == ["CGJ"] and t.department == "SCJG" for t in tasks)  # 综合查一次
    demo_items = {i.id: i for i in s.exec(select(CheckItem))}
    for t in tasks:
        assert t.items and all(demo_items[i].published for i in t.items)
        assert t.ratio and all(0 < float(r) <= 1 for r in t.ratio.values())
        assert AS_OF.year == t.window_start.year == t.window_end.year

    draw = _draw(s)
    assert draw.state == "sealed" and draw.cancelled_at is None
    assert draw.window_start < AS_OF < draw.window_end
    assert draw.window_start == date(2026, 11, 11)  # five working days before as_of
    assert draw.window_end == date(2026, 12, 30)  # six weeks after
    visits = _visits(s, draw)
    past = [v for v in visits if v.day < AS_OF]
    upcoming = [v for v in visits if v.day > AS_OF]
    assert past and upcoming and len(visits) == result.counts["draw_visits"]
    assert result.counts["draw_visits_past"] == len(past)
    assert any(len(v.departments) > 1 for v in visits)  # joint visits
    assert not draws.is_revealed(draw, s)  # the window is still open: the list stays confidential
    # The ceremony: witnesses named, the date it stands for in the entropy source.
    assert [w.name for w in draws.witnesses(s, draw)] == [n for n, _ in demo_year.WITNESSES]
    assert [e.action for e in draws.events(s, draw)] == ["created", "committed", "entropy", "drawn", "sealed"]
    assert "2026-11-04" in draw.entropy_source and "种子 5" in draw.entropy_source
    assert draw.external_entropy.isdigit()


def test_demo_inspector_has_past_and_upcoming_visits(db_session):
    s = db_session
    _load(s)
    user = _user(s, "inspector")
    me = s.get(Inspector, user.inspector)
    assert user.department == me.department
    draw = _draw(s)
    mine = [v for v in _visits(s, draw) if me.id in v.team]
    assert any(v.day < AS_OF for v in mine) and any(v.day > AS_OF for v in mine)
    # Of the demo planner's department, so that the planner reviews their results.
    assert me.department == "SCJG"
    # Among the department's inspectors with visits before and after as_of:
    # one who leads a visit on the first visit day from as_of on ("today's
    # visit", theirs to submit) if there is one, and then the most visits.
    visits = _visits(s, draw)
    depts = dict(s.exec(select(Inspector.id, Inspector.department)).all())
    both = ({m for v in visits if v.day < AS_OF for m in v.team}
            & {m for v in visits if v.day > AS_OF for m in v.team})
    candidates = {m for m in both if depts[m] == "SCJG"}
    first = min(v.day for v in visits if v.day >= AS_OF)
    leading = {visit_access.lead_inspector(s, draw, v) for v in visits if v.day == first} & candidates
    counts = Counter(m for v in visits for m in v.team)
    pool = leading or candidates
    assert me.id in pool and counts[me.id] == max(counts[m] for m in pool)
    assert user.role == "inspector" and me.active and me.certificate_expires > AS_OF


def _fingerprint(session) -> tuple:
    draw = _draw(session)
    return (draw.commitment, draw.external_entropy, draw.result_digest,
            [(v.visit_id, v.uscc, v.team, v.day, v.tasks) for v in _visits(session, draw)],
            _user(session, "inspector").inspector)


def test_same_seed_same_draw(db_session):
    _load(db_session, seed=9)
    first = _fingerprint(db_session)
    _load(db_session, seed=9, reset_first=True)
    assert _fingerprint(db_session) == first
    _load(db_session, seed=10, reset_first=True)
    other = _fingerprint(db_session)
    assert other[0] != first[0] and other[3] != first[3]


def test_draw_verifies_with_the_solver(db_session, tmp_path):
    s = db_session
    _load(s)
    draw = _draw(s)
    instance = draw_runs.draw_instance(draw)
    instance["secret"] = draw_runs.secret_of(draw).hex()
    outcome = draw_store.read_document(draw.outcome_path)
    solver_adapter.verify(instance, outcome)
    assert draw.commitment == sha256(bytes.fromhex(instance["secret"])).hexdigest()
    assert bytes.fromhex(instance["secret"]) == demo_year.demo_secret(5, AS_OF)
    assert solver_adapter.result_digest_hex(outcome) == draw.result_digest
    assert [(v["id"], v["team"], v["date"]) for v in outcome["visits"]] == \
        [(v.visit_id, v.team, v.day.isoformat()) for v in _visits(s, draw)]
    (tmp_path / "i.json").write_text(json.dumps(instance, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "o.json").write_bytes(draw_store.read_bytes(draw.outcome_path))
    check = solver_adapter.verify_cli(tmp_path / "i.json", tmp_path / "o.json")
    assert check.returncode == 0, check.stdout + check.stderr


def test_year_without_calendar_is_skipped_and_the_account_still_linked(db_session):
    s = db_session
    result = _load(s, as_of=date(2031, 3, 3))
    assert s.exec(select(Plan)).first() is None and s.exec(select(Draw)).first() is None
    assert "draw_visits" not in result.counts
    first = s.exec(select(Inspector.id).order_by(Inspector.id)).first()
    assert _user(s, "inspector").inspector == first


def test_window_dates_at_the_end_and_start_of_the_year(db_session):
    s = db_session
    from inspect_app.services import calendar as calendar_service

    calendar_service.seed_from_package(s, [2025, 2026])
    start, end, ceremony = demo_year.year_dates(s, date(2026, 12, 28))
    assert end == date(2026, 12, 31) and start == date(2026, 12, 21) and ceremony < start
    start, end, ceremony = demo_year.year_dates(s, date(2026, 1, 5))  # 1–3 January holidays, 4 January worked
    assert start == date(2026, 1, 4) and end == date(2026, 2, 16) and ceremony.year == 2025
    assert demo_year.year_dates(s, date(2031, 1, 5)) is None


# --- results of the past visits, against the services' contract ---

class FakeServices:
    """services/results.py and services/review.py as their contract states
    them, recording every call (the real modules are other helpers' work)."""

    def __init__(self, session):
        self.session, self.calls = session, []

    def open_result(self, session, user, visit_pk, today=None):
        self.calls.append(("open", visit_pk, user.username if user else None, today))
        visit = session.get(DrawVisit, visit_pk)
        draw = session.get(Draw, visit.draw_id)
        result = VisitResult(visit_pk=visit_pk, code_version=1, state="draft")
        session.add(result)
        session.flush()
        for task in visit_access.visit_tasks(session, draw, visit):
            for item_id in task.items:
                item = session.get(CheckItem, item_id)
                session.add(ItemResult(result_id=result.id, item_id=item_id, department=item.department))
        session.commit()
        return result

    def save_draft(self, session, user, visit_pk, data, seq, today=None):
        self.calls.append(("save", visit_pk, user.username if user else None, today, data, seq))

    def submit(self, session, user, visit_pk, today=None):
        self.calls.append(("submit", visit_pk, user.username if user else None, today))

    def approve(self, session, user, visit_pk, today=None):
        self.calls.append(("approve", visit_pk, user.username if user else None, today))

    def return_result(self, session, user, visit_pk, reason):
        self.calls.append(("return", visit_pk, user.username if user else None, reason))


@pytest.fixture
def fake_services(monkeypatch, db_session):
    fake = FakeServices(db_session)
    results = types.ModuleType("inspect_app.services.results")
    review = types.ModuleType("inspect_app.services.review")
    for name in ("open_result", "save_draft", "submit"):
        setattr(results, name, getattr(fake, name))
    for name in ("approve", "return_result"):
        setattr(review, name, getattr(fake, name))
    for module in (results, review):
        monkeypatch.setitem(sys.modules, module.__name__, module)
        monkeypatch.setattr(services_pkg, module.__name__.rsplit(".", 1)[1], module, raising=False)
    return fake


def test_results_of_past_visits_through_the_services(db_session, fake_services):
    s = db_session
    counts = _load(s).counts
    draw = _draw(s)
    past = {v.id: v for v in _visits(s, draw) if v.day < AS_OF}
    me = _user(s, "inspector").inspector
    ours = {v.id for v in _visits(s, draw)}  # last year's batch went through the services too
    calls = [c for c in fake_services.calls if c[1] in ours]
    opened = [c[1] for c in calls if c[0] == "open"]
    assert sorted(opened) == sorted(past)  # every past visit, none of the others
    mine = [pk for pk in opened if me in past[pk].team]
    assert mine and opened[:len(mine)] == mine  # the demo inspector's first
    for kind, pk, user, *rest in calls:
        visit = past[pk]
        if kind in ("open", "save"):
            assert user == ("inspector" if me in visit.team else None)
            assert rest[0] == visit.day
        if kind == "submit":  # by the team's lead: the demo account only where it leads
            lead = visit_access.lead_inspector(s, draw, visit)
            assert user == ("inspector" if lead == me else None) and rest[0] > visit.day
        if kind in ("approve", "return"):
            lead_dept = visit_access.lead_department(s, draw, visit)
            assert user == ("planner" if lead_dept == "SCJG" else None)
    saves = [c for c in calls if c[0] == "save"]
    codes = Counter()
    for _kind, pk, _user_name, _today, data, seq in saves:
        assert seq == 1 and data["completed_on"] == past[pk].day.isoformat()
        result = s.exec(select(VisitResult).where(VisitResult.visit_pk == pk)).one()
        assert set(data["items"]) == {i.item_id for i in s.exec(select(ItemResult).where(
            ItemResult.result_id == result.id))}
        for entry in data["items"].values():
            codes[entry["code"]] += 1
            if entry["code"] == "02":
                assert date.fromisoformat(entry["rectify_by"]) > past[pk].day
            if entry["code"] in ("02", "0304"):
                assert entry["remark"]
    assert codes["01"] > codes["02"] + codes["0304"] and codes["02"] and codes["0304"]
    kinds = Counter(c[0] for c in calls)
    assert kinds["submit"] == len(past) and kinds["return"] == 1
    assert kinds["approve"] > kinds["submit"] / 2 and kinds["approve"] + 1 < kinds["submit"]  # a few left waiting
    returned = next(c[1] for c in calls if c[0] == "return")
    assert visit_access.lead_inspector(s, draw, past[returned]) == me  # the demo inspector corrects it
    assert counts["results_approved"] == kinds["approve"] and counts["results_returned"] == 1


def test_results_skipped_without_the_services(db_session, monkeypatch):
    for name in ("results", "review"):
        monkeypatch.setitem(sys.modules, f"inspect_app.services.{name}", None)  # import fails
        monkeypatch.delattr(services_pkg, name, raising=False)
    counts = _load(db_session).counts
    assert not any(k.startswith("results_") for k in counts)
    assert db_session.exec(select(VisitResult)).first() is None


def test_cli_reports_the_draw(app, runner, tmp_path):
    app.config["DEMO_LOGINS_FILE"] = str(tmp_path / "logins.txt")
    r = runner.invoke(args=["demo", "load", "--entities", str(ENTITIES), "--seed", "5", "--as-of", "2026-11-18"])
    assert r.exit_code == 0, r.output
    assert "a published plan and a sealed draw of" in r.output and "before" in r.output


def test_demo_results_are_published_through_the_review(db_session, app):
    """The demo's approved results are public (review.approve publishes
    them), individual businesses' operators masked, and a bulletin shows."""
    from inspect_app.models import Entity, PublishedResult, PublishedResultTask

    s = db_session
    counts = _load(s).counts
    draw = _draw(s)  # this year's (last year's batch is published too: test_last_years_batch_…)
    ours = [v.id for v in _visits(s, draw)]
    approved = s.exec(select(VisitResult).where(VisitResult.state == "approved",
                                                VisitResult.visit_pk.in_(ours))).all()
    records = s.exec(select(PublishedResult).where(PublishedResult.draw_id == draw.id)).all()
    assert counts["results_approved"] == len(approved) == len(records) > 0
    assert {r.result_id for r in records} == {r.id for r in approved} and all(r.current for r in records)
    assert all(r.on_time for r in records)  # approved the day after the submission
    operators = {e.uscc: e.legal_rep for e in s.exec(select(Entity).where(Entity.uscc.in_([r.uscc for r in records])))}
    assert any(r.individual for r in records)
    for r in records:
        assert not operators.get(r.uscc) or operators[r.uscc] not in r.entity_name
    task_id = s.exec(select(PublishedResultTask.task_id)).first()
    page = app.test_client().get(f"/results/tasks/{task_id}")
    assert page.status_code == 200 and "检查结果公告" in page.get_data(as_text=True)


def test_last_years_batch_is_published_and_revealed(db_session):
    """The public side's demo: last year's plan, its draw revealed by the
    reveal-due rule (every visit done), every visit's result published."""
    from inspect_app.models import PublishedResult
    from inspect_app.services import draw_reveal

    s = db_session
    result = _load(s)
    last = _draw(s, AS_OF.year - 1)
    assert last.revealed_at is not None and last.revealed_by == draw_reveal.SYSTEM
    visits = _visits(s, last)
    assert result.counts["last_year_visits"] == len(visits) > 0
    published = s.exec(select(PublishedResult).where(PublishedResult.draw_id == last.id,
                                                     PublishedResult.current.is_(True))).all()
    assert sorted(p.visit_pk for p in published) == sorted(v.id for v in visits)
    assert all(p.published_at.date() < AS_OF for p in published)  # dated on the approval day
    assert any(p.joint for p in published) and any(p.individual for p in published)
    this_year = _draw(s)
    assert last.id in (this_year.history_sources or [])  # this year's draw waits for it: revealed already
    assert draw_reveal.waiting_for(s, this_year) == []
