"""What the browser tests need for a phone (issue 9: inspectors and entities
use the app at 360×740): the viewport, a context, a login, and the check
that a page does not scroll sideways."""

from __future__ import annotations

PHONE = {"width": 360, "height": 740}


def phone_context(browser, **options):
    """A Chinese-language browser context at the phone's viewport."""
    context = browser.new_context(locale="zh-CN", viewport=PHONE, **options)
    context.set_default_timeout(30_000)
    return context


def log_in(page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("form.card button[type=submit]")


def assert_fits_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide on a 360px phone"
