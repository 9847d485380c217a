"""The reveal and publication jobs with a frozen clock across a window's
end and a publication deadline: the draw is revealed once, approved
results are published once, overdue checks are flagged once — also with
two scheduler processes running the same jobs at the same moment.

The jobs are thin wrappers (inspect_app/scheduler/jobs.py) around
``services.draw_reveal.reveal_due`` and ``services.publication.publish_due``."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlmodel import select

from draw_fixtures import WINDOW, inline_jobs, sealed_draw
from scheduler_fixtures import run_in_processes

from inspect_app.models import Draw, DrawEvent, DrawVisit, Notice, PublishedResult
from inspect_app.scheduler.runs import run

SEALED_ON = WINDOW[0] - timedelta(days=3)  # before the window opens
LAST_DAY = WINDOW[1]  # 29 March 2030: the window's last day
AFTER = LAST_DAY + timedelta(days=1)
# 20 working days (Monday–Friday in 2030) after the last visits: every deadline passed
LATE = date(2030, 5, 10)


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 2, 0, tzinfo=timezone.utc)


def complete_every_visit(session, draw: Draw, unapproved: int = 1) -> list[int]:
    """Every current visit's lead submits a problem-free result on the
    visit's day; all but the last ``unapproved`` are then marked approved
    directly, as results approved before publication existed (or whose
    publication failed): what ``publish_due`` is for. Returns the approved
    visits' ids."""
    from inspect_app.models import User
    from inspect_app.services import accounts, results, visit_access
    from inspect_app.visit_models import VisitResult

    visits = session.exec(select(DrawVisit).where(DrawVisit.draw_id == draw.id, DrawVisit.current.is_(True))
                          .order_by(DrawVisit.day, DrawVisit.id)).all()
    approved = []
    for n, visit in enumerate(visits):
        lead = visit_access.lead_inspector(session, draw, visit)
        user = session.exec(select(User).where(User.inspector == lead)).first() or \
            accounts.create_account(session, f"u{lead.lower()}", "correct-horse", "inspector", inspector=lead)
        items = {str(i.id): {"code": "01"} for i in results.visit_items(session, draw, visit)}
        results.submit(session, user, visit.id, today=visit.day,
                       data={"completed_on": visit.day.isoformat(), "items": items}, seq=1)
        if n < len(visits) - unapproved:
            session.execute(sa.update(VisitResult).where(VisitResult.visit_pk == visit.id,
                                                         VisitResult.current.is_(True))
                            .values(state="approved", reviewed_by="system", reviewed_at=at(visit.day)))
            session.commit()
            approved.append(visit.id)
    return approved


@pytest.fixture
def completed(app, db_session, tmp_path):
    inline_jobs(app, tmp_path)
    session, plan, tasks, draw = sealed_draw(db_session, app, today=SEALED_ON)
    approved = complete_every_visit(session, draw)
    return session, draw, approved


def reveals(session, draw) -> int:
    session.expire_all()
    return session.execute(sa.select(sa.func.count()).select_from(DrawEvent)
                           .where(DrawEvent.draw_id == draw.id, DrawEvent.action == "revealed")).scalar()


def test_reveal_once_after_the_window_closes(app, completed):
    session, draw, _ = completed
    before = run(app, "reveal-due", today=LAST_DAY, now=at(LAST_DAY))
    assert before.state == "ok", before.error
    assert before.summary == {"revealed": []}  # the window's last day: still confidential
    first = run(app, "reveal-due", today=AFTER, now=at(AFTER))
    assert first.summary == {"revealed": [draw.code]}
    again = run(app, "reveal-due", today=AFTER + timedelta(days=1), now=at(AFTER + timedelta(days=1)))
    assert again.summary == {"revealed": []}
    assert reveals(session, draw) == 1 and session.get(Draw, draw.id).revealed_at is not None


def test_publish_and_flag_overdue_results_once(app, completed):
    session, draw, approved = completed
    first = run(app, "publish-due", today=LATE, now=at(LATE))
    assert first.state == "ok", first.error
    assert first.summary["published"] == len(approved) and first.summary["failed"] == []
    assert first.summary["notices_past"] == 1  # the one submitted, unapproved check is past its deadline
    again = run(app, "publish-due", today=LATE + timedelta(days=1), now=at(LATE + timedelta(days=1)))
    assert again.summary["published"] == 0 and again.summary["notices_past"] == 0
    session.expire_all()
    published = session.exec(select(PublishedResult.visit_pk)).all()
    assert sorted(published) == sorted(approved)
    [notice] = session.exec(select(Notice).where(Notice.kind == "publication_past")).all()
    assert notice.due is not None and notice.due < LATE


def test_two_processes_reveal_and_publish_once(app, database, backend, completed):
    session, draw, approved = completed
    out = run_in_processes(database, backend, ["reveal-due", "publish-due"], today=LATE, now=at(LATE))
    assert all(state == "ok" for _, state, _, _ in out), out
    revealed = [c for job, _, s, _ in out if job == "reveal-due" for c in s["revealed"]]
    assert revealed == [draw.code]
    # publish() returns the record another process just wrote, so both
    # summaries may count it: the table is what must hold each one once
    assert sum(s["published"] for job, _, s, _ in out if job == "publish-due") >= len(approved)
    assert sum(s["notices_past"] for job, _, s, _ in out if job == "publish-due") == 1
    assert reveals(session, draw) == 1
    assert sorted(session.exec(select(PublishedResult.visit_pk)).all()) == sorted(approved)
    assert len(session.exec(select(Notice).where(Notice.kind == "publication_past")).all()) == 1
