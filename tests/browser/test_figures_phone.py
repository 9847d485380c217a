"""The year in figures (issue 10) in a real browser: on a 360×740 phone the
page (table, four SVG charts, the selectors) does not scroll sideways, and
the selectors lead to a department's figures. Screenshots go to
test-artifacts/."""

from __future__ import annotations

from datetime import date

import pytest

from phone_fixtures import assert_fits_phone, phone_context

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def published(live_server):
    """Two published records (one joint) of 2030 on the live server."""
    from figures.conftest import YEAR, build_world
    from inspect_app.services.uscc import with_check_character

    with live_server.app.app_context():
        w = build_world(live_server.session())
        draw = w.draw(["T1"])
        for n, departments in enumerate((("SCJG", "CGJ"), ("SCJG",))):
            v = w.visit(draw, with_check_character(f"91350181MA{n:07d}"), departments, day=date(YEAR, 3, 10 + n))
            w.publish(v, problems=n + 1, ordered=1)
    return live_server, YEAR


def test_figures_fit_a_phone_and_filter_by_department(browser, published, shot):
    server, year = published
    context = phone_context(browser)
    page = context.new_page()
    try:
        page.goto(f"{server.url}/figures/")
        assert page.url.endswith(f"/figures/{date.today().year}")
        page.goto(f"{server.url}/figures/{year}")
        assert page.inner_text("#fig-checks td") == "2"
        assert page.locator("#figure-charts svg").count() == 5
        assert_fits_phone(page)
        shot(page, "figures-phone")
        page.select_option("#figures-department", "CGJ")
        with page.expect_navigation():
            page.click("#figures-filter button[type=submit]")
        assert page.url.endswith(f"/figures/{year}?department=CGJ")
        assert page.locator("#figure-charts svg").count() == 4  # no per-department chart
        assert page.inner_text("#fig-checks td") == "1"
        assert_fits_phone(page)
    finally:
        context.close()
