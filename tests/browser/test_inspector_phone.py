"""My visits on a phone (issue 9): at 360×740 an inspector logs in, lands on
their visit list and opens a joint visit; neither page scrolls sideways,
even with a long address and a long legal basis. Screenshots go to
test-artifacts/."""

from __future__ import annotations

from collections import Counter

import pytest

from phone_fixtures import PHONE

pytestmark = pytest.mark.browser

PASSWORD = "browser-password-1"


@pytest.fixture(scope="module")
def inspector(live_server):
    """A sealed draw (visible from sealing), long texts, and the account of
    the busiest member of a joint visit: (live_server, username, visit pk)."""
    from sqlmodel import select

    from draw_fixtures import published_plan, run_ceremony, seed_registries
    from inspect_app.models import CheckItem, DrawVisit, Entity
    from inspect_app.services import draws
    from inspect_app.services.accounts import create_account

    app = live_server.app
    app.config.update(DRAW_RUNNER="inline", VISIT_VISIBLE_DAYS=0)
    with app.app_context():
        s = live_server.session()
        seed_registries(s)
        plan, tasks = published_plan(s)
        draw = draws.seal(s, run_ceremony(s, plan, tasks, app))
        visits = list(s.exec(select(DrawVisit).where(DrawVisit.draw_id == draw.id)))
        counts = Counter(m for v in visits for m in v.team)
        joint = max((v for v in visits if len(v.departments) > 1), key=lambda v: counts[v.team[0]])
        for e in s.exec(select(Entity)):
            e.address = "福建省福州市福清市玉屏街道清荣大道与福清市人民政府东侧交叉口向北二百米处综合楼第十八层1808室"
            s.add(e)
        for item in s.exec(select(CheckItem)):
            item.legal_basis = ("《中华人民共和国食品安全法》第八十七条、《食品经营许可和备案管理办法》第三十八条、"
                                "《企业信息公示暂行条例》第十四条（https://www.gov.cn/zhengce/content/2014-08/23/content_9038.htm）")
            item.method = "现场检查、书面检查"
            s.add(item)
        s.commit()
        create_account(s, "phone-insp", PASSWORD, "inspector", inspector=joint.team[0])
        return live_server, "phone-insp", joint.id


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_inspector_on_a_phone(inspector, browser, shot):
    live, username, visit_pk = inspector
    context = browser.new_context(locale="zh-CN", viewport=PHONE, device_scale_factor=2, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    try:
        page.goto(f"{live.url}/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.click("form.card button[type=submit]")
        assert page.url.endswith("/inspector/")
        assert page.locator(".day-group").count() >= 1
        assert no_sideways_scroll(page)
        shot(page, "inspector-01-my-visits-360")
        page.click(f'a[data-visit="{visit_pk}"]')
        page.wait_for_url(f"**/inspector/visits/{visit_pk}")
        assert page.locator("#shares .share").count() == 2
        assert page.locator("#team .member.is-lead").count() == 1
        assert no_sideways_scroll(page)
        shot(page, "inspector-02-visit-360")
        with page.expect_navigation():
            page.click("#lang-switch")
        assert "Legal basis" in page.inner_text("main") and no_sideways_scroll(page)
        shot(page, "inspector-03-visit-360-en")
        page.click("#back-to-list")
        page.wait_for_url("**/inspector/")
        assert "Upcoming" in page.inner_text("main") and no_sideways_scroll(page)
        shot(page, "inspector-04-my-visits-360-en")
    finally:
        context.close()
