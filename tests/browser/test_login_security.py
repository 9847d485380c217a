"""Login security in a real browser: the hardened session cookie, the
throttle after repeated failures, and roles."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

PASSWORD = "browser-password-1"


@pytest.fixture(scope="module")
def accounts(live_server):
    from inspect_app.models import Department, District, Inspector
    from inspect_app.services.accounts import create_account as create_user

    with live_server.app.app_context():
        session = live_server.session()
        session.add(Department(id="SCJG", name="市场监督管理局"))
        session.add(District(code="350102", name="鼓楼区", level=3))
        session.add(Inspector(id="E001", name="张三", department="SCJG", district="350102"))
        session.commit()
        create_user(session, "planner", PASSWORD, "planner")
        create_user(session, "victim", PASSWORD, "planner")
        create_user(session, "insp", PASSWORD, "inspector", inspector="E001")
    return live_server


def submit_login(page, base, username, password):
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("form.card button[type=submit]")


def test_session_cookie_is_hardened(accounts, page, shot):
    submit_login(page, accounts.url, "planner", PASSWORD)
    assert page.url.endswith("/planner/")
    cookie = next(c for c in page.context.cookies() if c["name"] == "session")
    assert cookie["httpOnly"] is True and cookie["secure"] is True and cookie["sameSite"] == "Lax"
    # scripts cannot read it
    assert "session=" not in page.evaluate("document.cookie")
    shot(page, "security-01-logged-in")


def test_repeated_failures_lock_the_account_for_a_while(accounts, page, shot):
    for _ in range(5):
        submit_login(page, accounts.url, "victim", "wrong-password")
        assert "用户名或密码错误" in page.inner_text("main")
    submit_login(page, accounts.url, "victim", PASSWORD)  # even the right password
    assert "登录失败次数过多，请" in page.inner_text("main")
    assert page.url.endswith("/login")
    shot(page, "security-02-throttled")
    page.goto(f"{accounts.url}/planner/")
    assert "/login" in page.url  # not logged in


def test_inspectors_cannot_open_planner_pages(accounts, page, shot):
    submit_login(page, accounts.url, "insp", PASSWORD)
    response = page.goto(f"{accounts.url}/planner/schedule/")
    assert response.status == 403
    response = page.goto(f"{accounts.url}/admin/users")
    assert response.status == 403
    shot(page, "security-03-inspector-refused")
