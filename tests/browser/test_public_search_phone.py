"""Public search and an entity's history on a 360×740 phone (issue 10): the
search box on the home page, a hit, the entity page with its records; no
page scrolls sideways."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from phone_fixtures import assert_fits_phone, phone_context
from public_search_fixtures import Published

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

LONG_NAME = "福州市鼓楼区鑫隆盛泰华兴达源丰瑞祥和富康安宏宇恒通利德昌永亿金银海天新明光辉晨星月餐饮管理有限公司"


@pytest.fixture(scope="module")
def published(live_server):
    with live_server.app.app_context():
        pub = Published(live_server.session())
        pub.session.commit()
        code = pub.entity(1, LONG_NAME)
        pub.publish(code, LONG_NAME, day=date(2030, 3, 4), codes=("01", "0301"))
        pub.publish(code, LONG_NAME, day=date(2030, 9, 8), tasks=("T2",), codes=("02", "04", "0304"))
        for n in range(2, 14):
            other = pub.entity(n, f"福州鼓楼测试商行{n}号")
            pub.publish(other, f"福州鼓楼测试商行{n}号")
        return live_server, code


def test_search_and_history_fit_a_phone(browser, published):
    server, code = published
    context = phone_context(browser)
    page = context.new_page()
    try:
        page.goto(f"{server.url}/")
        assert_fits_phone(page)
        page.fill("main form.public-search input[name=q]", "鼓楼")
        with page.expect_navigation():
            page.click("main form.public-search button[type=submit]")
        assert "共 13 个经营主体" in page.inner_text("#search-total")
        assert_fits_phone(page)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "public-search-phone.png"), full_page=True)
        with page.expect_navigation():
            page.click(f'a[href="/entities/{code}"]')
        assert page.locator("section.public-record").count() == 2
        assert_fits_phone(page)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "public-entity-phone.png"), full_page=True)
        page.goto(f"{server.url}/search?q=鼓楼&page=2")
        assert_fits_phone(page)
        page.fill("header form.nav-search input[name=q]", code)  # the search box in the menu
        with page.expect_navigation():
            page.click("header form.nav-search button[type=submit]")
        assert page.locator(f'main a[href="/entities/{code}"]').count() == 1
        assert_fits_phone(page)
    finally:
        context.close()
