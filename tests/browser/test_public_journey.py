"""The public side end to end (issue 10, done-when), on the demo's data in
Debian's Chromium at a phone's 360 px: a member of the public searches an
entity by a two-character fragment of its name, opens its history, opens
the task's results bulletin, opens the draw that selected it and verifies it
in the browser (已验证, with the checks listed). Screenshots go to
test-artifacts/public-journey-*.png. (Tampered outcomes in the browser:
test_verify_in_browser.py.)
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from phone_fixtures import assert_fits_phone, phone_context

pytestmark = pytest.mark.browser
AS_OF = date(2026, 12, 7)


@pytest.fixture(scope="module")
def demo(live_server):
    """The demo (3,000 entities) as of AS_OF: last year's batch is published
    and its draw revealed. Returns (server, entity name, fragment, USCC,
    draw code)."""
    from inspect_app.models import Draw, PublishedEntity, PublishedNameGram, PublishedResult
    from inspect_app.services.demo import load_demo
    from inspect_app.services.public_index import grams

    app = live_server.app
    with app.app_context():
        session = live_server.session()
        load_demo(session, entities=3000, as_of=AS_OF)
        revealed = session.exec(select(Draw).where(Draw.revealed_at.is_not(None))).all()
        assert revealed, "the demo's last year has no revealed draw"
        records = session.exec(select(PublishedResult).where(PublishedResult.current.is_(True),
                                                             PublishedResult.draw_id == revealed[0].id,
                                                             PublishedResult.individual.is_(False))
                               .order_by(PublishedResult.id)).all()
        for record in records:  # a fragment that finds at most a page of entities
            for gram in grams(record.entity_name):
                if not ("\u4e00" <= gram[0] <= "\u9fff" and "\u4e00" <= gram[1] <= "\u9fff"):
                    continue
                hits = session.exec(select(PublishedNameGram.uscc).where(PublishedNameGram.gram == gram)).all()
                if len(hits) <= 10:
                    name = session.get(PublishedEntity, record.uscc).name
                    return live_server, name, gram, record.uscc, revealed[0].code
    pytest.fail("no published entity with a rare two-character fragment in the demo")


def test_search_history_bulletin_draw_and_verify(demo, browser, shot):
    server, name, fragment, uscc, code = demo
    context = phone_context(browser)
    context.set_default_timeout(60_000)
    page = context.new_page()
    page.goto(f"{server.url}/")
    page.fill("form.nav-search input[name=q]", fragment)
    page.click("form.nav-search button[type=submit]")
    page.wait_for_selector("#search-total")
    assert page.locator("ol.search-hits").inner_text().count(uscc) == 1
    assert_fits_phone(page)
    shot(page, "public-journey-1-search")

    page.click(f"ol.search-hits a[href$='/entities/{uscc}']")
    page.wait_for_url(f"**/entities/{uscc}")
    assert name in page.locator("h1").inner_text()
    record = page.locator("section.public-record").first
    assert record.locator("table.record-items td").count() >= 2
    assert_fits_phone(page)
    shot(page, "public-journey-2-history")
    history = page.url

    record.locator("dd a[href*='/results/tasks/']").first.click()
    page.wait_for_url("**/results/tasks/*")
    assert "检查结果公告" in page.locator("h1").inner_text()
    assert uscc in page.content()
    assert_fits_phone(page)
    shot(page, "public-journey-3-bulletin")

    page.goto(history)
    page.locator("section.public-record").first.locator(f"a[href$='/draws/{code}']").click()
    page.wait_for_url(f"**/draws/{code}")
    page.click("#verify-button")
    page.wait_for_selector("#verify-browser[data-state=done]", timeout=120_000)
    verdict = page.locator("#verify-verdict")
    assert verdict.get_attribute("data-verdict") == "verified" and verdict.inner_text() == "已验证"
    checks = page.eval_on_selector_all("#verify-checks li", "els => els.map(e => [e.dataset.check, e.dataset.status])")
    assert {c for c, s in checks if s == "passed"} >= {"register", "header", "samples", "visits", "rules", "teams",
                                                        "acceptance", "schedule", "unfilled_reasons", "stats"}, checks
    assert {c for c, s in checks if s == "not_checked"} == set(), checks
    assert_fits_phone(page)
    shot(page, "public-journey-4-verified")
    context.close()
