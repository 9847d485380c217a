"""Issue 8, item 21: the draw page's trail is shown in words (who did what,
when, and the details as sentences), not as raw JSON with \\u escapes."""

from __future__ import annotations

from datetime import date

import flask_babel

from draw_fixtures import WINDOW, YEAR, published_plan, run_ceremony, seed_registries
from inspect_app.services import draws, redraws


def trail(page: str) -> str:
    return page[page.index('id="trail"'):]


def test_trail_in_words(app, client, auth, db_session):
    s = db_session
    seed_registries(s)
    plan, tasks = published_plan(s)
    draw = run_ceremony(s, plan, tasks, app)
    draws.seal(s, draw, actor="planner")
    visit = draws.visits(s, draw)[0]
    redraws.request_redraw(s, draw, visit.visit_id, "inspector", "病假住院", "掷骰", inspector=visit.team[0],
                           actor="planner", today=WINDOW[0])
    draws.reveal(s, draw, "检查已全部完成", confirmed=True, actor="planner", today=date(YEAR, 3, 30))
    auth.login()
    text = trail(client.get(f"/planner/draws/{draw.id}").get_data(as_text=True))
    assert "\\u" not in text and "{&#34;" not in text and '{"' not in text
    for words in ("发起抽取，任务 T1、T2", "公证员现场掷骰六次的点数", "冻结输入数据", "在见证人 王公证、李见证 面前输入外部随机数 314159",
                  "完成抽取", "确认并封存", f"申请重抽检查 {visit.visit_id}（更换检查人员）", "原因：病假住院",
                  "公开输入、密钥和结果，原因：检查已全部完成"):
        assert words in text, words
    assert "planner" in text and "系统" in text  # who: the planner, or the system for the background steps
    flask_babel.refresh()  # the test's app context (db_session) would keep the first request's locale
    en = trail(client.get(f"/planner/draws/{draw.id}?lang=en").get_data(as_text=True))
    assert "\\u" not in en and "Revealed the input, secret and outcome, reason: 检查已全部完成" in en
    assert "Entered the external entropy 314159 before the witnesses 王公证、李见证" in en


def test_every_action_has_words(app, db_session):
    from inspect_app.models import DrawEvent

    for action, detail in [("cancelled", {"reason": "计划调整", "redraws": [], "visits": 3}),
                           ("cancelled", {"reason": "计划调整", "root": "D2030-0001"}),
                           ("retry", {"kind": "draw", "attempt": 2, "previous": "interrupted"}),
                           ("failed", {"error": "抽查事项未公布"})]:
        sentence = draws.describe(DrawEvent(draw_id=1, action=action, detail=detail))
        assert "{" not in sentence and action not in sentence, sentence
    assert "计划调整" in draws.describe(DrawEvent(draw_id=1, action="cancelled", detail={"reason": "计划调整"}))
