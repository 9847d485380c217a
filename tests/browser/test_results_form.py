"""The results form in Chromium at 360×740 (issue 9): autosave as the
inspector types, a lost connection (the save route aborted) loses no input,
not even across a reload, the save resumes when the connection is back, and
the lead submits. Screenshots go to test-artifacts/."""

from __future__ import annotations

from datetime import timedelta

import re

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from draw_fixtures import published_plan, seed_registries
from inspect_app.models import DrawVisit
from inspect_app.services import accounts, draws, results, visit_access
from phone_fixtures import phone_context

PASSWORD = "correct-horse"


@pytest.fixture
def visit(live_server, monkeypatch):
    from draw_fixtures import run_ceremony

    app = live_server.app
    app.config["DRAW_RUNNER"] = "inline"
    with app.app_context():
        from inspect_app.db import get_session

        s = get_session()
        seed_registries(s)
        plan, tasks = published_plan(s)
        draw = run_ceremony(s, plan, tasks, app)
        draws.seal(s, draw)
        v = next(v for v in s.exec(select(DrawVisit).where(DrawVisit.draw_id == draw.id).order_by(DrawVisit.id))
                 if "T2" in v.tasks and len(v.team) >= 2)
        monkeypatch.setattr(draws, "_today", lambda: v.day)
        lead = visit_access.lead_inspector(s, draw, v)
        accounts.create_account(s, "lead-inspector", PASSWORD, "inspector", inspector=lead)
        items = [i.id for i in results.visit_items(s, draw, v)]
        return v.id, v.day, items


def stored(live_server, visit_pk):
    with live_server.app.app_context():
        from inspect_app.db import get_session

        s = get_session()
        result = results.current_result(s, visit_pk)
        return result, {r.item_id: r for r in results.items_of(s, result)}


@pytest.fixture
def phone(browser):
    context = phone_context(browser)
    yield context.new_page()
    context.close()


def test_autosave_survives_a_lost_connection_and_the_lead_submits(live_server, visit, phone, shot):
    page, base = phone, live_server.url
    visit_pk, day, items = visit
    a = items[0]
    page.goto(f"{base}/login")
    page.fill("input[name=username]", "lead-inspector")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.card button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto(f"{base}/inspector/visits/{visit_pk}/results")
    status = page.locator("#save-status")
    assert page.locator(f"select[name=code-{a}]").input_value() == "01"
    assert page.locator(f"#item-{a} .deadline").is_hidden()  # 01 takes no deadline
    page.select_option(f"select[name=code-{a}]", "02")
    assert page.locator(f"#item-{a} .deadline").is_visible()
    page.fill(f"textarea[name=remark-{a}]", "无证经营")
    expect(status).to_have_text(re.compile("^已保存 \\d\\d:\\d\\d$"))
    shot(page, "results-01-autosaved")
    result, rows = stored(live_server, visit_pk)
    assert (rows[a].code, rows[a].remark) == ("02", "无证经营") and result.saved_seq >= 1

    page.route("**/results/draft", lambda route: route.abort())  # the connection drops
    page.fill(f"textarea[name=remark-{a}]", "无证经营，已当场责令改正")
    expect(status).to_have_text("未保存：网络中断，将自动重试")
    shot(page, "results-02-offline")
    page.reload()  # the page itself loads again, the saves still fail
    assert page.locator(f"textarea[name=remark-{a}]").input_value() == "无证经营，已当场责令改正"
    assert stored(live_server, visit_pk)[1][a].remark == "无证经营"
    page.unroute("**/results/draft")  # back online: the retry goes through
    expect(status).to_have_text(re.compile("^已保存 "), timeout=40_000)
    assert stored(live_server, visit_pk)[1][a].remark == "无证经营，已当场责令改正"

    refused = []

    def expired_token_once(route):  # what flask-wtf answers when the CSRF token expired
        if not refused:
            refused.append(route.request.headers.get("x-csrftoken"))
            route.fulfill(status=400, content_type="text/html; charset=utf-8", body="<p>The CSRF token has expired.</p>")
        else:
            route.continue_()

    page.route("**/results/draft", expired_token_once)
    page.fill("input[name=completed_on]", day.isoformat())
    page.fill(f"input[name=rectify_by-{a}]", (day + timedelta(days=30)).isoformat())
    expect(status).to_have_text(re.compile("^已保存 \\d\\d:\\d\\d$"))
    assert refused and refused[0]  # the refused save carried the header; the retry went through
    shot(page, "results-03-complete")
    page.click("#submit-results")
    page.wait_for_selector("#locked-note")
    shot(page, "results-04-submitted")
    result, rows = stored(live_server, visit_pk)
    assert result.state == "submitted" and rows[a].rectify_by == day + timedelta(days=30)
    assert page.locator(f"select[name=code-{a}]").is_disabled()
