"""The planners' publication page (/planner/publication): overdue and
due-soon unpublished results per department, the on-time figure, the year
selector; who may open it; and ``flask results publish-due``."""

from __future__ import annotations

from datetime import date

import pytest

from inspect_app.services import draws, publication_stats

from .conftest import approve, client_for, live_visits, make_result


@pytest.fixture
def world(app, sealed, people, monkeypatch):
    s, draw = sealed
    visits = live_visits(s, draw)
    approve(s, draw, visits[0], people["admin"], completed_on=date(2030, 3, 1), today=date(2030, 3, 20))  # on time
    approve(s, draw, visits[1], people["admin"], completed_on=date(2030, 3, 1), today=date(2030, 4, 2))  # late
    make_result(s, draw, visits[2], state="submitted", completed_on=date(2030, 3, 1))  # deadline 29 March
    make_result(s, draw, visits[3], state="returned", completed_on=date(2030, 3, 27))  # deadline 24 April
    monkeypatch.setattr(draws, "_today", lambda: date(2030, 4, 18))
    return visits


def test_figures(sealed, world):
    s, _draw = sealed
    [row] = publication_stats.figures(s, 2030, date(2030, 4, 18))
    assert (row.department, row.published, row.on_time, row.late, row.share) == ("SCJG", 2, 1, 1, 50.0)
    assert [p.visit_pk for p in row.past] == [world[2].id] and [p.visit_pk for p in row.soon] == [world[3].id]
    assert publication_stats.figures(s, 2029, date(2030, 4, 18)) == []
    assert publication_stats.years(s, date(2031, 1, 5)) == [2031, 2030]


def test_page(app, sealed, world, people):
    html = client_for(app, "scjg").get("/planner/publication").get_data(as_text=True)
    assert 'id="dept-SCJG"' in html and "50.0%" in html
    assert world[2].visit_id in html and world[3].visit_id in html
    assert world[0].visit_id not in html  # published
    assert "已过期" in html and "临近" in html
    other = client_for(app, "admin").get("/planner/publication?year=2029").get_data(as_text=True)
    assert "本年度暂无检查结果" in other
    assert client_for(app, "admin").get("/planner/publication?year=abc").status_code == 200
    assert client_for(app, "admin").get("/planner/publication?year=999999").status_code == 400


@pytest.mark.parametrize("who,status", [(None, 302), ("member", 403), ("scjg", 200), ("cgj", 200),
                                        ("admin", 200)])
def test_who_may_open_it(app, sealed, people, who, status):
    r = client_for(app, who).get("/planner/publication")
    assert r.status_code == status
    if who is None:
        assert "/login" in r.headers["Location"]


def test_planner_nav_links_it(app, sealed, people):
    assert 'href="/planner/publication"' in client_for(app, "scjg").get("/planner/").get_data(as_text=True)


def test_cli_publish_due(app, sealed, people, runner):
    s, draw = sealed
    visits = live_visits(s, draw)
    make_result(s, draw, visits[0], state="approved", completed_on=date(2030, 3, 1))
    make_result(s, draw, visits[1], state="submitted", completed_on=date(2030, 3, 1))
    r = runner.invoke(args=["results", "publish-due", "--today", "2030-04-01"])
    assert r.exit_code == 0, r.output
    assert "1 result(s) published" in r.output
    assert "1 unpublished past the deadline, 0 due within 5 working days" in r.output
    assert visits[1].visit_id in r.output
    r = runner.invoke(args=["results", "publish-due", "--today", "2030-04-01"])
    assert "0 result(s) published" in r.output
    r = runner.invoke(args=["results", "publish-due", "--today", "tomorrow"])
    assert r.exit_code != 0 and "YYYY-MM-DD" in r.output


def test_review_page_links_the_public_record(app, sealed, people):
    from inspect_app.models import PublishedResult
    from sqlmodel import select

    s, draw = sealed
    visit = live_visits(s, draw)[0]
    approve(s, draw, visit, people["admin"])
    record = s.exec(select(PublishedResult)).one()
    html = client_for(app, "scjg").get(f"/planner/results/{visit.id}").get_data(as_text=True)
    assert f'href="/results/{record.id}"' in html and 'id="published"' in html
