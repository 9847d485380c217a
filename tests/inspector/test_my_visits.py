"""My visits (issue 9): an inspector sees only the live, visible visits of
their own teams, upcoming first and grouped by day; a visit page shows the
entity, the tasks' items with legal basis and method, the team and, for a
joint visit, which department checks which items. Anyone else's visit and
an unknown id are the same 404; planners and admins are refused."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
import sqlalchemy as sa
from sqlmodel import select

from draw_fixtures import WINDOW, published_plan, run_ceremony, seed_registries
from inspect_app.jobs.runner import run_job
from inspect_app.models import CheckItem, Draw, DrawVisit, Entity, Inspector, User
from inspect_app.services import draws, my_visits, redraws, visit_access
from inspect_app.visit_models import VisitMember

from .conftest import draw_visits, inspector_account, login


def busiest(session, draw) -> str:
    """The inspector on the most visits of ``draw``."""
    counts = Counter(m for v in draw_visits(session, draw) for m in v.team)
    return counts.most_common(1)[0][0]


def visits_of(session, draw, inspector: str) -> list[DrawVisit]:
    return [v for v in draw_visits(session, draw) if inspector in v.team and v.current]


def listed_pks(result: my_visits.MyVisits) -> list[int]:
    return [r.pk for g in result.upcoming + result.earlier for r in g.visits]


def test_store_outcome_fills_visit_member(sealed):
    s, _plan, _tasks, draw = sealed
    rows = set(s.exec(select(VisitMember.inspector, VisitMember.visit_pk)).all())
    expected = {(m, v.id) for v in draw_visits(s, draw) for m in v.team}
    assert rows == expected and len(expected) > 20


def test_inspector_lands_on_their_visit_list(app, client, sealed):
    s, *_ = sealed
    user = inspector_account(s, "SCJG03")
    r = login(client, user)
    assert r.headers["Location"].endswith("/inspector/")
    page = client.get("/inspector/").get_data(as_text=True)
    assert 'id="nav-my-visits"' in page


def test_list_shows_own_visits_only_grouped_by_day(app, client, sealed, today):
    s, _plan, _tasks, draw = sealed
    app.config["VISIT_VISIBLE_DAYS"] = 0  # everything from sealing
    me = busiest(s, draw)
    mine = visits_of(s, draw, me)
    days = sorted({v.day for v in mine})
    assert len(days) >= 2
    middle = today(days[len(days) // 2])
    others = [v for v in draw_visits(s, draw) if me not in v.team]
    assert mine and others
    inspector_account(s, me, "mine")
    user = s.exec(select(User).where(User.username == "mine")).one()
    result = my_visits.my_visits(s, user)
    assert sorted(listed_pks(result)) == sorted(v.id for v in mine)
    # upcoming: today and later, ascending; earlier: descending; one group per day with its count
    up = [g.day for g in result.upcoming]
    early = [g.day for g in result.earlier]
    assert up == sorted(up) and all(d >= middle for d in up)
    assert early == sorted(early, reverse=True) and all(d < middle for d in early)
    assert up and early
    per_day = Counter(v.day for v in mine)
    assert {g.day: g.count for g in result.upcoming + result.earlier} == per_day
    login(client, "mine")
    page = client.get("/inspector/").get_data(as_text=True)
    for v in mine:
        assert f'data-visit="{v.id}"' in page
    for v in others:
        assert f'data-visit="{v.id}"' not in page
    for day, n in per_day.items():
        section = page.split(f'data-day="{day.isoformat()}"', 1)[1].split("</section>", 1)[0]
        assert f"{n} 项" in section and section.count('<li class="visit-card') == n
    assert page.index('id="upcoming"') < page.index('id="earlier"')


def test_visibility_window_in_working_days(app, client, sealed, today):
    s, _plan, _tasks, draw = sealed
    me = busiest(s, draw)
    mine = visits_of(s, draw, me)
    inspector_account(s, me, "mine")
    user = s.exec(select(User).where(User.username == "mine")).one()
    # default 3 working days: on Friday 1 March a visit shows up to Wednesday 6 March
    # (Thu 7 March shows from Mon 4 March: 4, 5, 6 are the three working days before it)
    today(date(2030, 3, 1))
    shown = {r.day for g in my_visits.my_visits(s, user).upcoming for r in g.visits}
    assert shown == {v.day for v in mine if v.day <= date(2030, 3, 6)}
    assert any(v.day > date(2030, 3, 6) for v in mine)
    later = next(v for v in mine if v.day == min(d.day for d in mine if d.day >= date(2030, 3, 7)))
    login(client, "mine")
    assert client.get(f"/inspector/visits/{later.id}").status_code == 404
    # the working day on which it becomes visible (a weekend does not count)
    first = visit_access.visible_from(s, later.day)
    today(first)
    assert client.get(f"/inspector/visits/{later.id}").status_code == 200
    assert later.id in listed_pks(my_visits.my_visits(s, user))
    # configurable: 1 working day before; 0 = from sealing
    app.config["VISIT_VISIBLE_DAYS"] = 1
    today(date(2030, 3, 1))
    shown = {r.day for g in my_visits.my_visits(s, user).upcoming for r in g.visits}
    assert shown == {v.day for v in mine if v.day <= date(2030, 3, 4)}
    app.config["VISIT_VISIBLE_DAYS"] = 0
    assert sorted(listed_pks(my_visits.my_visits(s, user))) == sorted(v.id for v in mine)
    assert client.get(f"/inspector/visits/{mine[-1].id}").status_code == 200


def test_cancelled_draw_not_shown(app, client, sealed):
    s, _plan, _tasks, draw = sealed
    app.config["VISIT_VISIBLE_DAYS"] = 0
    me = busiest(s, draw)
    mine = visits_of(s, draw, me)
    inspector_account(s, me, "mine")
    login(client, "mine")
    assert client.get(f"/inspector/visits/{mine[0].id}").status_code == 200
    draws.cancel(s, draw, "抽取条件有误", confirmed=True)
    page = client.get("/inspector/").get_data(as_text=True)
    assert 'id="no-upcoming"' in page and f'data-visit="{mine[0].id}"' not in page
    assert client.get(f"/inspector/visits/{mine[0].id}").status_code == 404


def test_superseded_visit_not_shown_its_replacement_is(app, client, sealed):
    s, _plan, _tasks, draw = sealed
    app.config["VISIT_VISIBLE_DAYS"] = 0
    visit = draw_visits(s, draw)[0]
    ill = visit.team[0]
    redraw, job = redraws.request_redraw(s, draw, visit.visit_id, "inspector", "病假住院", "骰子",
                                         inspector=ill, actor="planner", today=WINDOW[0])
    assert run_job(app, job.id)
    s.expire_all()
    job = draws.enter_entropy(s, s.get(Draw, redraw.id), "42", [("李见证", "")])
    assert run_job(app, job.id)
    s.expire_all()
    draws.seal(s, s.get(Draw, redraw.id))
    s.expire_all()
    new = draws.visits(s, s.get(Draw, redraw.id))[0]
    assert ill not in new.team
    inspector_account(s, ill, "ill")
    login(client, "ill")
    page = client.get("/inspector/").get_data(as_text=True)
    assert f'data-visit="{visit.id}"' not in page and f'data-visit="{new.id}"' not in page
    assert client.get(f"/inspector/visits/{visit.id}").status_code == 404
    client.post("/logout")
    inspector_account(s, new.team[0], "newcomer")
    login(client, "newcomer")
    assert f'data-visit="{new.id}"' in client.get("/inspector/").get_data(as_text=True)
    assert client.get(f"/inspector/visits/{new.id}").status_code == 200


def test_unsealed_draw_not_shown(app, client, db_session, today):
    s = db_session
    app.config["VISIT_VISIBLE_DAYS"] = 0
    seed_registries(s)
    plan, tasks = published_plan(s)
    draw = run_ceremony(s, plan, tasks, app)  # drawn, not sealed
    me = busiest(s, draw)
    mine = visits_of(s, draw, me)
    inspector_account(s, me, "mine")
    login(client, "mine")
    page = client.get("/inspector/").get_data(as_text=True)
    assert not any(f'data-visit="{v.id}"' in page for v in mine)
    assert client.get(f"/inspector/visits/{mine[0].id}").status_code == 404
    draws.seal(s, draw)
    assert client.get(f"/inspector/visits/{mine[0].id}").status_code == 200


def test_other_teams_visit_and_unknown_id_are_the_same_404(app, client, sealed):
    s, _plan, _tasks, draw = sealed
    app.config["VISIT_VISIBLE_DAYS"] = 0
    me = busiest(s, draw)
    other = next(v for v in draw_visits(s, draw) if me not in v.team)
    inspector_account(s, me, "mine")
    login(client, "mine")
    a = client.get(f"/inspector/visits/{other.id}")
    missing = s.exec(select(sa.func.max(DrawVisit.id))).one() + 1000
    b = client.get(f"/inspector/visits/{missing}")
    assert a.status_code == b.status_code == 404
    # the same page, except for the page's own address (the language switch's "next")
    assert (a.get_data(as_text=True).replace(f"/inspector/visits/{other.id}", "URL")
            == b.get_data(as_text=True).replace(f"/inspector/visits/{missing}", "URL"))
    assert other.entity_name not in a.get_data(as_text=True)


def test_account_without_inspector_record_sees_an_explanation(app, client, sealed):
    s, *_ = sealed
    inspector_account(s, "SCJG03", "mine")
    s.execute(sa.update(User).where(User.username == "mine").values(inspector=None))
    s.commit()
    login(client, "mine")
    page = client.get("/inspector/").get_data(as_text=True)
    assert 'id="no-inspector"' in page and "data-visit=" not in page
    assert client.get("/inspector/visits/1").status_code == 404


def test_anonymous_goes_to_login(client, sealed):
    for url in ("/inspector/", "/inspector/visits/1"):
        r = client.get(url)
        assert r.status_code == 302 and r.headers["Location"].split("?")[0].endswith("/login")


@pytest.mark.parametrize("role, department", [("planner", "SCJG"), ("planner", "CGJ"), ("admin", None)])
def test_planner_and_admin_are_refused(app, client, auth, sealed, role, department):
    """Planners of the visit's department or another one, and admins: 403."""
    s, _plan, _tasks, draw = sealed
    app.config["VISIT_VISIBLE_DAYS"] = 0
    visit = next(v for v in draw_visits(s, draw) if len(v.departments) == 2)  # both departments' planners
    assert auth.login(role, role=role, department=department).status_code == 302
    assert client.get("/inspector/").status_code == 403
    r = client.get(f"/inspector/visits/{visit.id}")
    assert r.status_code == 403 and visit.entity_name not in r.get_data(as_text=True)


def test_visit_page_shows_entity_items_team_and_joint_mapping(app, client, sealed):
    s, _plan, _tasks, draw = sealed
    app.config["VISIT_VISIBLE_DAYS"] = 0
    joint = next(v for v in draw_visits(s, draw) if len(v.departments) > 1)
    entity = s.exec(select(Entity).where(Entity.uscc == joint.uscc)).one()
    entity.address = "福清市玉屏街道测试路8号"
    s.add(entity)
    for item in s.exec(select(CheckItem)):
        item.legal_basis = f"《{item.code}管理条例》第十条"
        item.method = "现场检查" if item.department == "SCJG" else "书面检查"
        s.add(item)
    s.commit()
    me = joint.team[-1]
    inspector_account(s, me, "mine")
    login(client, "mine")
    r = client.get(f"/inspector/visits/{joint.id}")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    district = {"350181001": "玉屏街道", "350181002": "龙山街道"}[entity.district]
    for text in (entity.name, entity.uscc, "福清市玉屏街道测试路8号", district, joint.day.isoformat(),
                 "榕市监〔2030〕1号", "《SCJG-02管理条例》第十条", "《CGJ-01管理条例》第十条", "现场检查", "书面检查",
                 "市场与城管联合抽查", "不定向抽查"):
        assert text in page, text
    team = {i.id: i for i in s.exec(select(Inspector).where(Inspector.id.in_(joint.team)))}
    lead = visit_access.lead_inspector(s, draw, joint)
    team_html = page.split('id="team"', 1)[1]
    for member in joint.team:
        i = team[member]
        block = team_html.split(f'data-inspector="{member}"', 1)[1].split("</li>", 1)[0]
        assert i.name in block and i.certificate_no in block
        assert {"SCJG": "市场监督管理局", "CGJ": "城市管理局"}[i.department] in block
        assert ("组长" in block) == (member == lead)
    assert team[lead].department == "SCJG"  # the lead department's first member
    assert 'class="member is-lead" data-inspector="%s"' % lead in page
    # joint visit: which department checks which items
    shares = page.split('id="shares"', 1)[1].split("</section>", 1)[0].split('<div class="share"')[1:]
    assert [b.split('"', 2)[1] for b in shares] == ["SCJG", "CGJ"]  # the lead department first
    scjg, cgj = shares
    assert "门前三包" in cgj and "企业公示信息" not in cgj
    assert "企业公示信息" in scjg and "门前三包" not in scjg
    cgj_members = [team[m].name for m in joint.team if team[m].department == "CGJ"]
    assert cgj_members and all(name in cgj for name in cgj_members)
    assert f'href="/inspector/visits/{joint.id}/results"' in page


def test_visit_detail_view_model(app, sealed):
    s, _plan, _tasks, draw = sealed
    app.config["VISIT_VISIBLE_DAYS"] = 0
    single = next(v for v in draw_visits(s, draw) if v.departments == ["SCJG"])
    inspector_account(s, single.team[0], "mine")
    user = s.exec(select(User).where(User.username == "mine")).one()
    with app.test_request_context():
        d = my_visits.visit_detail(s, user, single.id)
    assert not d.joint and d.shares == []
    assert d.entity.uscc == single.uscc and d.day == single.day
    assert [m.id for m in d.team] == single.team and d.team[0].me
    assert d.lead.id == visit_access.lead_inspector(s, draw, single)
    items = [i.name for t in d.tasks for i in t.items]
    assert items and all(i.department == "SCJG" for t in d.tasks for i in t.items)
    with pytest.raises(visit_access.VisitNotFound):
        my_visits.visit_detail(s, user, next(v for v in draw_visits(s, draw) if single.team[0] not in v.team).id)


def test_inspector_pages_in_english(app, client, sealed):
    from inspect_app.models import Department

    s, _plan, _tasks, draw = sealed
    app.config["VISIT_VISIBLE_DAYS"] = 0
    for code, name in (("SCJG", "Administration for Market Regulation"), ("CGJ", "Urban Management Bureau")):
        s.get(Department, code).name_en = name
    s.commit()
    joint = next(v for v in draw_visits(s, draw) if len(v.departments) > 1)
    inspector_account(s, joint.team[0], "mine")
    login(client, "mine")
    with client.session_transaction() as session:
        session["lang"] = "en"
    page = client.get("/inspector/").get_data(as_text=True)
    assert "My visits" in page and "Upcoming" in page and "Earlier visits" in page and "即将进行" not in page
    page = client.get(f"/inspector/visits/{joint.id}").get_data(as_text=True)
    for text in ("Legal basis", "Who checks what (joint visit)", "Lead", "Tasks and check items"):
        assert text in page, text
    assert "依据" not in page and "组长" not in page
    # department names in the page's language (the registered English name)
    assert "Administration for Market Regulation" in page and "Urban Management Bureau" in page
    assert "市场监督管理局" not in page and "城市管理局" not in page


def test_visit_page_links_results_and_shows_its_check_code(app, client, sealed):
    """The visit page links "record results" and shows this visit's check
    code (QR image and public URL), no other visit's."""
    from inspect_app.services import check_codes

    s, _plan, _tasks, draw = sealed
    app.config["VISIT_VISIBLE_DAYS"] = 0
    visits = draw_visits(s, draw)
    visit = visits[0]
    inspector_account(s, visit.team[0], "mine")
    login(client, "mine")
    page = client.get(f"/inspector/visits/{visit.id}").get_data(as_text=True)
    assert f'href="/inspector/visits/{visit.id}/results"' in page
    code = page.split('id="check-code"', 1)[1].split("</section>", 1)[0]
    assert f"/inspector/visits/{visit.id}/check-code.svg" in code
    assert check_codes.code_for(s, visit, draw) in code.replace(" ", "")
    other = check_codes.code_for(s, visits[1], draw)
    assert other not in page.replace(" ", "")


def test_earlier_visits_are_bounded_the_latest_first(app, client, sealed, today, monkeypatch):
    s, _plan, _tasks, draw = sealed
    me = busiest(s, draw)
    mine = visits_of(s, draw, me)
    assert len(mine) > 2
    today(date(2030, 4, 1))  # after the window: every visit is earlier
    monkeypatch.setattr(my_visits, "EARLIER_LIMIT", 2)
    inspector_account(s, me, "mine")
    user = s.exec(select(User).where(User.username == "mine")).one()
    result = my_visits.my_visits(s, user)
    latest = sorted(mine, key=lambda v: (-v.day.toordinal(), v.visit_id))[:2]
    assert result.upcoming == [] and result.earlier_truncated
    assert listed_pks(result) == [v.id for v in latest]
    login(client, "mine")
    page = client.get("/inspector/").get_data(as_text=True)
    assert "只显示最近的 2 项以往检查。" in page


def test_unknown_calendar_is_a_message_not_an_error(app, client, sealed):
    """Visibility counts working days: without the year's holiday
    arrangement the list says so, the visit page too (for a team member
    only: anyone else still gets the 404)."""
    from inspect_app.models import CalendarYear

    s, _plan, _tasks, draw = sealed
    me = busiest(s, draw)
    mine = visits_of(s, draw, me)
    other = next(v for v in draw_visits(s, draw) if me not in v.team)
    s.delete(s.get(CalendarYear, 2030))
    s.commit()
    inspector_account(s, me, "mine")
    login(client, "mine")
    r = client.get("/inspector/")
    assert r.status_code == 200 and 'id="visits-error"' in r.get_data(as_text=True)
    assert "2030" in r.get_data(as_text=True) and r.headers["Cache-Control"] == "no-store"
    r = client.get(f"/inspector/visits/{mine[0].id}")
    assert r.status_code == 409 and "2030" in r.get_data(as_text=True)
    assert client.get(f"/inspector/visits/{other.id}").status_code == 404
