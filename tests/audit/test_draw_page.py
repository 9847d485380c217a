"""The planner's draw page: the trail in words (who did what, when) in
Chinese and English, each step also in the audit log — the page says so and
links admins (only) to the draw's rows; those rows are the same steps."""

from __future__ import annotations

import flask_babel
import pytest
from sqlmodel import select

from draw_fixtures import inline_jobs, published_plan, run_ceremony, seed_registries
from inspect_app.models import AuditEntry, DrawEvent
from inspect_app.services import draws


@pytest.fixture
def app(app, tmp_path):
    return inline_jobs(app, tmp_path)


@pytest.mark.parametrize("role", ["planner", "admin"])
def test_trail_in_words_and_in_the_log(app, client, auth, db_session, role):
    s = db_session
    seed_registries(s)
    plan, tasks = published_plan(s)
    draw = draws.seal(s, run_ceremony(s, plan, tasks, app), actor="planner")
    auth.login(role, role=role)
    page = client.get(f"/planner/draws/{draw.id}").get_data(as_text=True)
    trail = page[page.index('id="trail"'):]
    for words in ("发起抽取，任务 T1、T2", "在见证人 王公证、李见证 面前输入外部随机数 314159", "确认并封存抽取结果",
                  "每一步也记入防篡改的审计日志。"):
        assert words in trail, words
    link = f"/admin/audit?object_type=draw&amp;object_id={draw.code}"
    assert (link in trail) == (role == "admin")
    flask_babel.refresh()
    en = client.get(f"/planner/draws/{draw.id}?lang=en").get_data(as_text=True)
    assert "Entered the external entropy 314159 before the witnesses 王公证、李见证" in en
    assert "Each step is also recorded in the tamper-evident audit log." in en
    steps = [e.action for e in s.exec(select(DrawEvent).where(DrawEvent.draw_id == draw.id).order_by(DrawEvent.id))]
    rows = s.exec(select(AuditEntry).where(AuditEntry.object_type == "draw", AuditEntry.object_id == draw.code)
                  .order_by(AuditEntry.seq)).all()
    assert [r.action for r in rows] == [f"draw.{a}" for a in steps]
    if role == "admin":
        flask_babel.refresh()
        log = client.get(f"/admin/audit?object_type=draw&object_id={draw.code}").get_data(as_text=True)
        assert f"共 {len(rows)} 条" in log and "draw.sealed" in log
