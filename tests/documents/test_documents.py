"""The four documents (issue 11): each PDF shows its entities, items and
Chinese headings with a glyph for every character (rare ones in enterprise
names too), in the named CJK fonts (Noto Serif/Sans CJK SC embedded), and
its first page goes to test-artifacts/doc-*.png. Public documents show
nothing unpublished or unrevealed."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from checkcode.helpers import code_of, on_visit_day
from documents.conftest import INDIVIDUAL_NAME, LEGAL_BASIS, OLD_NAME, RARE_NAME, publish, visits_of
from documents.pdf_checks import assert_document, first_page_png, squeeze, text_of
from inspect_app.models import Inspector
from inspect_app.services.accounts import create_account

PASSWORD = "correct-horse"
WINDOW_TEXT = "2030年3月1日至2030年3月29日"


def login(client, username):
    r = client.post("/login", data={"username": username, "password": PASSWORD})
    assert r.status_code == 302, r.data
    return r


def pdf_of(response) -> bytes:
    assert response.status_code == 200, response.get_data(as_text=True)[-1500:]
    assert response.mimetype == "application/pdf"
    return response.data


def test_the_plan(sealed, client, auth, backend):
    s, plan, tasks, _draw = sealed
    auth.login("planner", role="planner")
    pdf = pdf_of(client.get(f"/planner/plans/{plan.id}/document.pdf"))
    assert_document(pdf, [plan.name, plan.number, "抽查任务", "抽查事项及检查依据", "工作要求",
                          *(t.name for t in tasks), "食品经营许可", "企业公示信息", "门前三包", *LEGAL_BASIS.values(),
                          WINDOW_TEXT, "市场监督管理局", "城市管理局", "不定向抽查", "定向抽查", "A类（低风险）10%",
                          "固定抽取6户", "第1页共1页"])
    if backend == "sqlite":
        first_page_png(pdf, "plan")
    # the public copy of a published plan is the same document
    client.post("/logout")
    assert client.get(f"/plans/{plan.id}/document.pdf").data == pdf


def _team_visit(s, draw):
    visits = [v for v in visits_of(s, draw) if v.team]
    rare = [v for v in visits if "䶮" in v.entity_name and len(v.departments) > 1]
    return (rare or [v for v in visits if "䶮" in v.entity_name] or visits)[0]


def test_the_notice_of_a_visit(sealed, client, monkeypatch, backend):
    s, plan, tasks, draw = sealed
    visit = _team_visit(s, draw)
    assert "䶮" in visit.entity_name  # the fixture's rare name was drawn
    on_visit_day(monkeypatch, s, visit)
    create_account(s, "lead", PASSWORD, "inspector", inspector=visit.team[0])
    login(client, "lead")
    pdf = pdf_of(client.get(f"/inspector/visits/{visit.id}/notice.pdf"))
    team = s.exec(select(Inspector).where(Inspector.id.in_(visit.team))).all()
    code = code_of(visit, draw)
    text = assert_document(pdf, [
        "检查通知书", "被检查单位", "检查事项及依据", "检查人员", "检查码（扫码入企）", "联系方式",
        visit.entity_name, visit.uscc, plan.name, plan.number, *(p.name for p in team),
        *(p.certificate_no for p in team), f"/c/{code}", "0591-00000000", LEGAL_BASIS["SCJG-01"] if "T1" in visit.tasks
        else LEGAL_BASIS["SCJG-02"], f"{draw.code}-{visit.visit_id}"])
    assert visit.day.strftime(f"{visit.day.year}年{visit.day.month}月{visit.day.day}日") in text
    others = [v for v in visits_of(s, draw) if v.id != visit.id]
    assert not any(squeeze(v.uscc) in text for v in others)
    if backend == "sqlite":
        first_page_png(pdf, "notice")


def test_the_draw_record_for_the_planner(sealed, client, auth, backend):
    s, plan, tasks, draw = sealed
    auth.login("planner", role="planner")
    pdf = pdf_of(client.get(f"/planner/draws/{draw.id}/record.pdf"))
    assert_document(pdf, ["抽取记录", "承诺值与外部随机数", "抽取结果摘要", "全程留痕", "如何验证", draw.code,
                          draw.commitment, draw.frozen_digest, draw.input_digest, draw.result_digest, "314159",
                          "王公证（公证员）", "李见证（见证人）", "公证员现场掷骰六次的点数", "安排的检查（次）",
                          "确认并封存抽取结果", plan.number, *(t.name for t in tasks)])
    if backend == "sqlite":
        first_page_png(pdf, "draw-record")


def test_the_public_draw_record_shows_what_the_register_shows(sealed, client, today):
    s, plan, tasks, draw = sealed
    pdf = pdf_of(client.get(f"/draws/{draw.code}/record.pdf"))
    text = assert_document(pdf, ["抽取记录", draw.code, draw.commitment, draw.frozen_digest, draw.result_digest,
                                 "王公证（公证员）", "314159", "抽取名单在检查完成前保密"])
    # nothing of the confidential outcome: no counts, no trail, no entity
    for hidden in ("安排的检查", "全程留痕", "冻结输入中的检查对象", "未能派员"):
        assert hidden not in text
    assert not any(squeeze(v.entity_name) in text or v.uscc in text for v in visits_of(s, draw))
    # the window's end alone reveals nothing (every visit must be done, or a planner reveals it)
    today(date(2030, 4, 15))
    still = assert_document(pdf_of(client.get(f"/draws/{draw.code}/record.pdf")), ["抽取名单在检查完成前保密"])
    assert "安排的检查" not in still
    # once revealed, the record says so
    from inspect_app.services import draws as draw_service

    draw_service.reveal(s, draw, reason="检查已全部完成", confirmed=True, actor="planner", today=date(2030, 4, 15))
    after = assert_document(pdf_of(client.get(f"/draws/{draw.code}/record.pdf")),
                            ["已公开", "安排的检查（次）", f"{draw.code}-outcome.json"])
    assert "全程留痕" not in after


def test_the_results_bulletin(sealed, client, backend):
    s, plan, tasks, draw = sealed
    t1, t2 = tasks
    rows = publish(s, draw, t1)
    assert len(rows) >= 4
    r = client.get(f"/results/tasks/{t1.id}/bulletin.pdf")  # DRAW_RUNNER inline: rendered at once
    pdf = pdf_of(r)
    current = [row for row in rows if row.current]
    text = assert_document(pdf, [
        "市场监督管理局2030年度第1号抽查任务检查结果公告", "检查结果", "检查对象名称", "统一社会信用代码",
        RARE_NAME, INDIVIDUAL_NAME, *(row.uscc for row in current), *(row.entity_name for row in current),
        "食品经营许可：未发现问题", "食品经营许可：发现问题待后续处理：未按规定公示应当公示的信息",
        "更正（第2版）：更正完成日期", t1.name, plan.number, f"公告户数{len(current)}户"])
    assert squeeze(OLD_NAME) not in text  # a superseded revision is not in the bulletin
    if backend == "sqlite":
        first_page_png(pdf, "bulletin")
    # a task without published results has no bulletin
    assert client.get(f"/results/tasks/{t2.id}/bulletin.pdf").status_code == 404
    assert client.get("/results/tasks/99999/bulletin.pdf").status_code == 404


def test_documents_are_chinese_whatever_the_ui_language(sealed, client, auth):
    s, plan, tasks, draw = sealed
    auth.login("planner", role="planner")
    with client.session_transaction() as session:
        session["lang"] = "en"
    pdf = pdf_of(client.get(f"/planner/draws/{draw.id}/record.pdf"))
    text = squeeze(text_of(pdf))
    assert "确认并封存抽取结果" in text and "Sealed" not in text
