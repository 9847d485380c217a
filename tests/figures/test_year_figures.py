"""Issue 10, the year in figures: computed from published records only;
drafts, unpublished results, sealed unrevealed outcomes, superseded
revisions and follow-ups of unpublished visits change no figure; the same
page for everyone."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

import pytest

from figures.conftest import YEAR
from inspect_app.services import year_figures


def uscc(n: int) -> str:
    from inspect_app.services.uscc import with_check_character

    return with_check_character(f"91350181MA{n:07d}")


@pytest.fixture
def year(world):
    """Three published records (one joint, one with problems, one late),
    two draws held, a rectification and a credit mark on published visits."""
    w = world
    d1 = w.draw(["T1"])
    d2 = w.draw(["T2"])
    a = w.visit(d1, uscc(1), ("SCJG", "CGJ"), day=date(YEAR, 3, 10))
    b = w.visit(d1, uscc(2), ("SCJG",), day=date(YEAR, 3, 12))
    c = w.visit(d2, uscc(3), ("WJW",), day=date(YEAR, 4, 2))
    w.publish(a, problems=2, ordered=1)
    w.publish(b, on_time=False)
    w.publish(c, on_time=None)
    w.rectification(a)
    w.credit(b)
    return w, (d1, d2), (a, b, c)


def test_the_figures(year):
    w, _draws, _visits = year
    f = year_figures.figures(w.session, YEAR)
    assert (f.draws_held, f.checks, f.entities, f.checks_joint, f.entities_joint) == (2, 3, 3, 1, 1)
    assert (f.problems, f.entities_with_problems, f.ordered, f.rectified) == (2, 1, 1, 1)
    assert (f.on_time, f.on_time_known, f.credit_entities) == (1, 2, 1)
    assert f.joint_share == pytest.approx(1 / 3) and f.on_time_share == pytest.approx(0.5)
    assert f.per_month == {(YEAR, 3): 2, (YEAR, 4): 1}
    assert len(f.months()) == 12
    assert year_figures.checks_per_department(w.session, YEAR) == [("SCJG", 2), ("CGJ", 1), ("WJW", 1)]
    empty = year_figures.figures(w.session, YEAR + 1)
    assert (empty.checks, empty.draws_held, empty.joint_share) == (0, 0, None)


def test_department_filter(year):
    w, _draws, _visits = year
    scjg = year_figures.figures(w.session, YEAR, "SCJG")
    assert (scjg.draws_held, scjg.checks, scjg.entities_joint, scjg.problems, scjg.rectified,
            scjg.credit_entities) == (1, 2, 1, 2, 1, 1)
    cgj = year_figures.figures(w.session, YEAR, "CGJ")  # takes part in T1; only the joint record
    assert (cgj.draws_held, cgj.checks, cgj.entities, cgj.credit_entities) == (1, 1, 1, 0)
    wjw = year_figures.figures(w.session, YEAR, "WJW")
    assert (wjw.draws_held, wjw.checks, wjw.on_time_known) == (1, 1, 0)


def test_what_is_not_public_changes_no_figure(year):
    w, (d1, _d2), (a, _b, _c) = year
    before = {dep: asdict(year_figures.figures(w.session, YEAR, dep)) for dep in (None, "SCJG", "CGJ", "WJW")}
    # a sealed, unrevealed draw's visits with results in every state but published
    hidden = w.draw(["T1"], state="drawn")  # not sealed: not held either
    for n, state in enumerate(("draft", "submitted", "returned", "approved")):
        v = w.visit(d1, uscc(10 + n), ("SCJG", "CGJ"))
        w.result(v, state=state)
        w.rectification(v)  # follow-ups of unpublished visits
        w.credit(v)
    w.visit(hidden, uscc(20))
    # a superseded revision of a published record, a record of another year
    w.publish(a, problems=9, ordered=9, revision=2, current=False)
    other = w.visit(d1, uscc(30))
    w.publish(other, year=YEAR + 1)
    # failed and cancelled draws, redraws: not "held"
    w.draw(["T1"], state="failed")
    w.draw(["T2"], cancelled=True)
    w.draw(["T1"], parent=d1)
    after = {dep: asdict(year_figures.figures(w.session, YEAR, dep)) for dep in (None, "SCJG", "CGJ", "WJW")}
    assert after == before


def test_the_page_is_the_same_for_everyone(app, client, auth, year):
    w, _draws, _visits = year
    from inspect_app.models import District, Inspector

    w.session.add(District(code="350181001", name="玉屏街道", level=4))
    w.session.add(Inspector(id="SCJG01", name="检查员", department="SCJG", district="350181001",
                            certificate_no="C1", certificate_expires=date(YEAR + 1, 12, 31)))
    w.session.commit()
    pages = []
    for role in (None, "inspector", "planner", "admin"):
        if role:
            auth.login(role, role=role, **({"inspector": "SCJG01"} if role == "inspector" else {}))
        r = client.get(f"/figures/{YEAR}")
        assert r.status_code == 200
        pages.append(r.get_data(as_text=True))
        if role:
            client.post("/logout")
    body = [p[p.index('<table id="figures"'):] for p in pages]
    assert len(set(body)) == 1, "the figures differ by viewer"
    page = pages[0]
    assert page.count("<svg") == 5 and 'id="fig-checks"' in page and "33.3%" in page
    assert 'id="chart-departments"' in page and 'id="figures-departments"' in page and "城市管理局" in page
    assert 'href="/figures/"' in page  # in the public nav


def test_page_parameters(client, year):
    r = client.get("/figures/")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/figures/{date.today().year}")
    r = client.get(f"/figures/?year={YEAR}&department=SCJG")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/figures/{YEAR}?department=SCJG")
    page = client.get(f"/figures/{YEAR}?department=CGJ").get_data(as_text=True)
    assert 'value="CGJ" selected' in page
    assert client.get(f"/figures/{YEAR}?department=NOPE").status_code == 404
    assert client.get("/figures/99999").status_code == 404
    assert client.get("/figures/99999999999999").status_code == 404


def test_the_page_in_english(client, year):
    """(The first request of the test: the fixture's app context would keep
    the first language's catalogue.)"""
    page = client.get(f"/figures/{YEAR}?department=SCJG&lang=en").get_data(as_text=True)
    assert f"{YEAR} in figures" in page and "Entities pushed to the credit system" in page
