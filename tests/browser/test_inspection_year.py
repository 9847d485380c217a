"""Issue 9's "done when": one inspection through its year in Chromium.

The lead inspector, on a 360×740 phone, lands on their visit list, opens
today's visit and its results form, records every item (one problem: 02
with a remark and a rectification deadline) while the connection drops and
returns (nothing typed is lost, not even across a reload), and submits; the
planner of the lead department returns it with a reason; the inspector sees
the reason, corrects a remark and resubmits; the planner approves and the
overview shows it approved with its publication deadline (20 working days).
The entity opens the check code's URL (taken from the team's visit page)
anonymously on a phone, sees the registered check and confirms the visit; the
planner sees the confirmation on /planner/feedback. No inspector or entity
page scrolls sideways at 360 px. Screenshots: test-artifacts/year-NN-*.png.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from phone_fixtures import assert_fits_phone, log_in, phone_context

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORD = "year-password-1"
REMARK = "未在经营场所公示营业执照"
REMARK_OFFLINE = REMARK + "，已当场责令改正"
REMARK_CORRECTED = REMARK_OFFLINE + "（复查：执照已补挂）"
RETURN_REASON = "备注请写明责令改正的具体要求"


@pytest.fixture(scope="module")
def year(live_server):
    """A sealed draw; the joint visit with the most items and a team of two
    or more. Accounts: its lead inspector and a planner of its lead
    department. Returns a dict of what the test needs."""
    from sqlmodel import select

    from draw_fixtures import published_plan, run_ceremony, seed_registries
    from inspect_app.models import DrawVisit
    from inspect_app.services import accounts, draws, results, visit_access

    app = live_server.app
    app.config.update(DRAW_RUNNER="inline", CHECK_CODE_KEY="year-check-code-key")
    with app.app_context():
        s = live_server.session()
        seed_registries(s)
        plan, tasks = published_plan(s)
        draw = draws.seal(s, run_ceremony(s, plan, tasks, app))
        visits = list(s.exec(select(DrawVisit).where(DrawVisit.draw_id == draw.id).order_by(DrawVisit.id)))
        visit = next(v for v in visits if "T2" in v.tasks and len(v.team) >= 2)
        lead = visit_access.lead_inspector(s, draw, visit)
        department = visit_access.lead_department(s, draw, visit)
        accounts.create_account(s, "year-lead", PASSWORD, "inspector", inspector=lead)
        accounts.create_account(s, "year-planner", PASSWORD, "planner", department=department)
        items = [(i.id, i.name) for i in results.visit_items(s, draw, visit)]
        same_day = sum(1 for v in visits if v.day == visit.day and lead in v.team)
        return {"server": live_server, "draw": draw.id, "draw_code": draw.code, "visit": visit.id,
                "visit_id": visit.visit_id, "day": visit.day, "entity": visit.entity_name,
                "uscc": visit.uscc, "items": items, "same_day": same_day, "department": department}


def working_days_after(day: date, n: int) -> date:
    """The test calendar (draw_fixtures: Monday to Friday): the n-th working
    day after ``day``."""
    while n:
        day += timedelta(days=1)
        n -= day.weekday() < 5
    return day


def mobile_context(browser):
    return phone_context(browser, device_scale_factor=1, is_mobile=True, has_touch=True)


def login(page, base, username):
    log_in(page, base, username, PASSWORD)


def stored(server, visit_pk):
    """(current result, {item id: item result}) as the database has them."""
    from inspect_app.services import results

    with server.app.app_context():
        s = server.session()
        result = results.current_result(s, visit_pk)
        rows = {r.item_id: r for r in results.items_of(s, result)} if result else {}
        return result, rows


def test_an_inspection_through_its_year(year, browser, shot, monkeypatch):
    from inspect_app.services import draws

    server, base, visit_pk, day = year["server"], year["server"].url, year["visit"], year["day"]
    monkeypatch.setattr(draws, "_today", lambda: day)  # the visit is today
    (problem, problem_name), *others = year["items"]
    assert others, "the joint visit has more than one item"
    deadline = day + timedelta(days=30)

    for old in ARTIFACTS.glob("year-*.png"):  # this run's screenshots only
        old.unlink()
    numbers = iter(range(1, 100))

    def snap(page, name):
        shot(page, f"year-{next(numbers):02d}-{name}")

    inspector_ctx, planner_ctx, entity_ctx = mobile_context(browser), None, mobile_context(browser)
    try:
        # 1. The lead inspector on a phone: visit list → today's visit.
        insp = inspector_ctx.new_page()
        login(insp, base, "year-lead")
        assert insp.url.endswith("/inspector/")
        today_group = insp.locator(f'#upcoming .day-group[data-day="{day.isoformat()}"]')
        expect(today_group.locator(".badge.today")).to_have_text("今天")
        expect(today_group.locator(".day-count")).to_have_text(f"{year['same_day']} 项")
        card = today_group.locator(f'a[data-visit="{visit_pk}"]')
        expect(card.locator(".visit-entity")).to_have_text(year["entity"])
        expect(card.locator(".badge.lead")).to_have_text("我是组长")
        assert_fits_phone(insp)
        snap(insp, "inspector-visit-list")

        card.click()
        insp.wait_for_url(f"**/inspector/visits/{visit_pk}")
        expect(insp.locator("#entity-name")).to_have_text(year["entity"])
        expect(insp.locator("#entity-uscc")).to_have_text(year["uscc"])
        assert insp.locator("#team .member.is-lead").count() == 1
        expect(insp.locator("#result-summary")).to_have_count(0)  # nothing recorded yet
        expect(insp.locator("#record-results")).to_have_text("记录检查结果")
        expect(insp.locator("#check-code")).to_have_count(1)  # one card, one heading
        expect(insp.locator("#check-code h2")).to_have_count(1)
        check_url = insp.locator("#check-code-url").get_attribute("href")
        assert re.fullmatch(re.escape(base) + r"/c/[0-9A-Z]{28}", check_url), check_url
        assert insp.locator("img.check-code-qr").evaluate("img => img.complete && img.naturalWidth > 0")
        assert_fits_phone(insp)
        snap(insp, "inspector-visit")

        # The entity, while the team is there, opens the check code anonymously
        # (the URL from the team's page) and confirms the visit.
        entity = entity_ctx.new_page()
        entity.goto(check_url)
        expect(entity.locator("#check-valid")).to_contain_text("已登记的双随机抽查")
        body = entity.inner_text("main")
        assert year["entity"] in body and day.isoformat() in body
        assert year["draw_code"] not in body  # the draw's code stays internal
        assert_fits_phone(entity)
        snap(entity, "entity-check-code")
        with entity.expect_navigation():
            entity.click("#confirm-visit")
        assert "已收到您的确认" in entity.inner_text("main")
        assert_fits_phone(entity)
        snap(entity, "entity-confirmed")

        # The results form: every item recorded, one problem.
        insp.click("#record-results")
        insp.wait_for_url(f"**/inspector/visits/{visit_pk}/results")
        expect(insp.locator("#result-state")).to_contain_text("草稿")
        status = insp.locator("#save-status")
        insp.fill("input[name=completed_on]", day.isoformat())
        for item, _name in others:
            insp.select_option(f"select[name=code-{item}]", "01")
            assert insp.locator(f"#item-{item} .deadline").is_hidden()
        assert insp.locator(f"#item-{problem} legend").inner_text() == problem_name
        for meta in insp.locator(".result-item .item-meta").all_inner_texts():  # names, not ids
            assert meta.endswith(("· 市场监督管理局", "· 城市管理局")), meta
        insp.select_option(f"select[name=code-{problem}]", "02")
        expect(insp.locator(f"#item-{problem} .deadline")).to_be_visible()
        insp.fill(f"input[name=rectify_by-{problem}]", deadline.isoformat())
        insp.fill(f"textarea[name=remark-{problem}]", REMARK)
        expect(status).to_have_text(re.compile(r"^已保存 \d\d:\d\d$"))
        result, rows = stored(server, visit_pk)
        assert (rows[problem].code, rows[problem].remark, rows[problem].rectify_by) == ("02", REMARK, deadline)
        assert all(rows[i].code == "01" for i, _ in others) and result.completed_on == day
        assert_fits_phone(insp)
        snap(insp, "results-autosaved")

        # The connection drops while typing: shown as not saved, nothing lost.
        insp.route("**/results/draft", lambda route: route.abort())
        insp.locator(f"textarea[name=remark-{problem}]").press_sequentially("，已当场责令改正")
        expect(status).to_have_text("未保存：网络中断，将自动重试")
        snap(insp, "results-offline")
        insp.reload()
        assert insp.locator(f"textarea[name=remark-{problem}]").input_value() == REMARK_OFFLINE
        assert insp.locator(f"select[name=code-{problem}]").input_value() == "02"
        assert insp.locator(f"input[name=rectify_by-{problem}]").input_value() == deadline.isoformat()
        assert stored(server, visit_pk)[1][problem].remark == REMARK  # the server never got it
        assert_fits_phone(insp)
        snap(insp, "results-reloaded-offline")
        insp.unroute("**/results/draft")  # back online: the retry goes through
        expect(status).to_have_text(re.compile(r"^已保存 \d\d:\d\d$"), timeout=40_000)
        assert stored(server, visit_pk)[1][problem].remark == REMARK_OFFLINE
        snap(insp, "results-back-online")

        insp.click("#submit-results")
        insp.wait_for_selector("#locked-note")
        expect(insp.locator("#result-state")).to_contain_text("已提交")
        assert insp.locator(f"textarea[name=remark-{problem}]").is_disabled()
        for item, _name in others:  # a locked 01 item shows no empty deadline field
            expect(insp.locator(f"#item-{item} .deadline")).to_have_count(0)
        assert stored(server, visit_pk)[0].state == "submitted"
        assert_fits_phone(insp)
        snap(insp, "results-submitted")

        # 2. The planner of the lead department returns it with a reason.
        planner_ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        planner_ctx.set_default_timeout(30_000)
        plan = planner_ctx.new_page()
        login(plan, base, "year-planner")
        plan.goto(f"{base}/planner/draws/{year['draw']}")
        with plan.expect_navigation():
            plan.click("#draw-results")
        expect(plan.locator("#n-submitted")).to_have_text("1")
        expect(plan.locator("#n-approved")).to_have_text("0")
        expect(plan.locator("#n-done")).to_have_text("1")
        snap(plan, "planner-overview-submitted")
        with plan.expect_navigation():
            plan.click(f'#results a[href$="/planner/results/{visit_pk}"]')
        expect(plan.locator("#result-state")).to_have_text("已提交待审核")
        items_table = plan.inner_text("#items")
        assert REMARK_OFFLINE in items_table and deadline.isoformat() in items_table
        snap(plan, "planner-review")
        plan.fill("#return-form textarea[name=reason]", RETURN_REASON)
        with plan.expect_navigation():
            plan.click("#return-form button[type=submit]")
        expect(plan.locator("#result-state")).to_have_text("已退回修改")
        assert RETURN_REASON in plan.inner_text("#result")
        assert plan.locator("#approve-form").count() == 0
        trail = plan.inner_text("#trail")
        assert "开始填写" in trail and "opened" not in trail and "确认已检查" in trail
        snap(plan, "planner-returned")

        # 3. The inspector sees the reason, corrects the remark, resubmits.
        insp.click("#back-to-visit")
        insp.wait_for_url(f"**/inspector/visits/{visit_pk}")
        expect(insp.locator("#result-summary")).to_contain_text("已退回")
        expect(insp.locator("#visit-return-reason")).to_have_text(f"退回原因：{RETURN_REASON}")
        assert_fits_phone(insp)
        snap(insp, "inspector-visit-returned")
        insp.click("#record-results")
        insp.wait_for_url(f"**/inspector/visits/{visit_pk}/results")
        expect(insp.locator("#return-reason")).to_have_text(f"退回原因：{RETURN_REASON}")
        expect(insp.locator("#result-state")).to_contain_text("已退回")
        assert_fits_phone(insp)
        snap(insp, "inspector-sees-return")
        insp.fill(f"textarea[name=remark-{problem}]", REMARK_CORRECTED)
        expect(status).to_have_text(re.compile(r"^已保存 \d\d:\d\d$"))
        assert stored(server, visit_pk)[1][problem].remark == REMARK_CORRECTED
        insp.click("#submit-results")
        insp.wait_for_selector("#locked-note")
        result = stored(server, visit_pk)[0]
        assert (result.state, result.revision) == ("submitted", 1)  # resubmitted as the same revision
        snap(insp, "inspector-resubmitted")

        # 4. The planner approves; the overview shows it and the deadline.
        plan.reload()
        expect(plan.locator("#result-state")).to_have_text("已提交待审核")
        assert REMARK_CORRECTED in plan.inner_text("#items")
        with plan.expect_navigation():
            plan.click("#approve-form button[type=submit]")
        expect(plan.locator("#result-state")).to_have_text("已审核通过")
        rect = plan.inner_text("#rectifications")
        assert problem_name in rect and deadline.isoformat() in rect and "待整改" in rect
        snap(plan, "planner-approved")
        with plan.expect_navigation():
            plan.click(f'a[href$="/planner/draws/{year["draw"]}/results"]')
        expect(plan.locator("#n-approved")).to_have_text("1")
        expect(plan.locator("#n-submitted")).to_have_text("0")
        expect(plan.locator("#n-returned")).to_have_text("0")
        row = plan.locator("#results tr", has=plan.locator(f'a[href$="/planner/results/{visit_pk}"]'))
        cells = row.locator("td").all_inner_texts()
        publication = working_days_after(day, 20)
        assert cells[3].strip() == "已审核通过" and cells[4].strip() == day.isoformat()
        assert cells[5].strip() == publication.isoformat(), cells
        snap(plan, "planner-overview-approved")
        assert stored(server, visit_pk)[0].state == "approved"
        insp.click("#back-to-visit")
        insp.wait_for_url(f"**/inspector/visits/{visit_pk}")
        expect(insp.locator("#result-summary")).to_contain_text("已审核通过")
        expect(insp.locator("#visit-return-reason")).to_have_count(0)
        expect(insp.locator("#record-results")).to_have_text("查看检查结果")  # nothing left to record
        snap(insp, "inspector-visit-approved")

        # 5. After approval the code says the check was completed; the planner
        # sees the entity's confirmation.
        entity.reload()
        expect(entity.locator("#check-completed")).to_contain_text(day.isoformat())
        assert_fits_phone(entity)
        snap(entity, "entity-check-completed")
        plan.goto(f"{base}/planner/feedback")
        row = plan.locator("#feedback tr.feedback-confirmed", has_text=year["entity"])
        expect(row).to_have_count(1)
        text = row.inner_text()
        assert "确认已检查" in text and year["visit_id"] in text
        assert "市场监督管理局、城市管理局" in text or "城市管理局、市场监督管理局" in text
        snap(plan, "planner-feedback")
    finally:
        for context in (inspector_ctx, planner_ctx, entity_ctx):
            if context is not None:
                context.close()
