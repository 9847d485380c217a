"""Accounts and security: login throttling, cookie flags, CSRF, and the
admin's user management (service and pages)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select

from inspect_app import create_app
from inspect_app.models import LoginFailure, User
from inspect_app.services import accounts
from inspect_app.services.accounts import AccountError, ThrottlePolicy

from account_fixtures import PASSWORD, add_inspectors


# ---------------------------------------------------------------- throttling


def test_five_failures_lock_the_username_until_the_window_passes(db_session):
    accounts.create_account(db_session, "p1", PASSWORD, "planner")
    policy = ThrottlePolicy(max_per_user=5, max_per_ip=100, window=timedelta(minutes=15))
    t0 = datetime(2027, 3, 1, 8, 0, 0, tzinfo=timezone.utc)
    for i in range(5):
        r = accounts.authenticate(db_session, "p1", "wrong", "10.0.0.1", policy, now=t0 + timedelta(minutes=i))
        assert not r.ok and r.locked_until is None
    # the right password is now refused too, without being checked
    r = accounts.authenticate(db_session, "p1", PASSWORD, "10.0.0.9", policy, now=t0 + timedelta(minutes=5))
    assert not r.ok
    assert r.locked_until == t0 + timedelta(minutes=15)  # the first failure leaves the window
    assert r.reasons == ["user"]
    assert r.retry_minutes(t0 + timedelta(minutes=5)) == 10
    # refused attempts are not recorded, so the lock does not extend
    assert db_session.exec(select(LoginFailure)).all().__len__() == 5
    r = accounts.authenticate(db_session, "p1", PASSWORD, "10.0.0.1", policy, now=t0 + timedelta(minutes=15, seconds=1))
    assert r.ok and r.user.username == "p1"
    # success clears the user's failures
    assert db_session.exec(select(LoginFailure).where(LoginFailure.username == "p1")).all() == []


def test_failures_from_one_address_lock_that_address_for_every_username(db_session):
    accounts.create_account(db_session, "p2", PASSWORD, "planner")
    policy = ThrottlePolicy(max_per_user=5, max_per_ip=3, window=timedelta(minutes=15))
    t0 = datetime(2027, 3, 1, 8, 0, 0, tzinfo=timezone.utc)
    for i, name in enumerate(["a", "b", "c"]):
        accounts.authenticate(db_session, name, "x", "10.0.0.2", policy, now=t0 + timedelta(seconds=i))
    r = accounts.authenticate(db_session, "p2", PASSWORD, "10.0.0.2", policy, now=t0 + timedelta(minutes=1))
    assert not r.ok and r.reasons == ["ip"]
    r = accounts.authenticate(db_session, "p2", PASSWORD, "10.0.0.3", policy, now=t0 + timedelta(minutes=1))
    assert r.ok


def test_overlong_usernames_are_throttled_too(db_session):
    policy = ThrottlePolicy(max_per_user=2, max_per_ip=100)
    name = "x" * 200
    for _ in range(2):
        assert accounts.authenticate(db_session, name, "pw", "10.0.0.8", policy).locked_until is None
    assert accounts.authenticate(db_session, name, "pw", "10.0.0.8", policy).locked_until is not None


def test_unknown_and_inactive_accounts_fail_like_a_wrong_password(db_session):
    user = accounts.create_account(db_session, "p3", PASSWORD, "planner")
    admin = accounts.create_account(db_session, "root", PASSWORD, "admin")
    accounts.set_active(db_session, user.id, False, acting_user_id=admin.id)
    policy = ThrottlePolicy()
    assert not accounts.authenticate(db_session, "p3", PASSWORD, "10.0.0.4", policy).ok
    assert not accounts.authenticate(db_session, "ghost", PASSWORD, "10.0.0.4", policy).ok
    names = {f.username for f in db_session.exec(select(LoginFailure)).all()}
    assert names == {"p3", "ghost"}


def test_old_failures_are_pruned(db_session):
    policy = ThrottlePolicy(window=timedelta(minutes=15))
    t0 = datetime(2027, 3, 1, 8, 0, 0, tzinfo=timezone.utc)
    accounts.record_failure(db_session, "x", "10.0.0.5", policy, now=t0)
    accounts.record_failure(db_session, "y", "10.0.0.5", policy, now=t0 + timedelta(minutes=20))
    assert [f.username for f in db_session.exec(select(LoginFailure)).all()] == ["y"]


def test_login_page_refuses_with_429_and_a_clear_message(app, client, auth):
    app.config.update(LOGIN_MAX_FAILURES_PER_USER=3)
    auth.create("p4", "planner")
    for _ in range(3):
        r = client.post("/login", data={"username": "p4", "password": "wrong-wrong"})
        assert r.status_code == 200 and "用户名或密码错误" in r.get_data(as_text=True)
    r = client.post("/login", data={"username": "p4", "password": PASSWORD})
    assert r.status_code == 429
    assert re.search(r"登录失败次数过多，请 1[45] 分钟后再试", r.get_data(as_text=True))
    assert client.get("/planner/").status_code == 302  # not logged in


# ------------------------------------------------------- cookies and CSRF


def test_session_cookie_is_httponly_samesite_and_secure_outside_tests(database, monkeypatch):
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    url, engine = database
    prod = create_app({"SECRET_KEY": "x", "DATABASE_URL": url, "DATABASE_ENGINE": engine})
    assert prod.config["SESSION_COOKIE_SECURE"] is True
    testing = create_app({"SECRET_KEY": "x", "DATABASE_URL": url, "DATABASE_ENGINE": engine, "TESTING": True})
    assert testing.config["SESSION_COOKIE_SECURE"] is False
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "0")
    plain_http = create_app({"SECRET_KEY": "x", "DATABASE_URL": url, "DATABASE_ENGINE": engine})
    assert plain_http.config["SESSION_COOKIE_SECURE"] is False

    with prod.app_context():
        from inspect_app.db import get_session
        accounts.create_account(get_session(), "p5", PASSWORD, "planner")
    prod.config["WTF_CSRF_ENABLED"] = False
    r = prod.test_client().post("/login", data={"username": "p5", "password": PASSWORD})
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie


def _csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_post_without_csrf_token_is_refused(app, client, auth):
    auth.create("p6", "planner")
    app.config["WTF_CSRF_ENABLED"] = True
    r = client.post("/login", data={"username": "p6", "password": PASSWORD})
    assert r.status_code == 400
    assert client.get("/planner/").status_code == 302
    token = _csrf_token(client.get("/login").get_data(as_text=True))
    r = client.post("/login", data={"username": "p6", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 302
    assert client.get("/planner/").status_code == 200
    # a logged-in state-changing POST without the token is refused as well
    assert client.post("/logout").status_code == 400
    assert client.get("/planner/").status_code == 200


def test_admin_forms_need_the_csrf_token(app, client, auth):
    auth.login("root", role="admin")
    app.config["WTF_CSRF_ENABLED"] = True
    r = client.post("/admin/users", data={"username": "sneaky", "password": PASSWORD, "role": "admin"})
    assert r.status_code == 400
    with app.app_context():
        from inspect_app.db import get_session
        assert get_session().exec(select(User).where(User.username == "sneaky")).first() is None


# -------------------------------------------------------- user management


def test_account_rules(db_session):
    add_inspectors(db_session, "E001", "E002")
    admin = accounts.create_account(db_session, "root", PASSWORD, "admin")
    with pytest.raises(AccountError) as e:
        accounts.create_account(db_session, "root", PASSWORD, "planner")
    assert e.value.field == "username"
    with pytest.raises(AccountError) as e:
        accounts.create_account(db_session, "short", "1234567", "planner")
    assert e.value.field == "password"
    with pytest.raises(AccountError) as e:
        accounts.create_account(db_session, "i1", PASSWORD, "inspector")
    assert e.value.field == "inspector"
    with pytest.raises(AccountError) as e:
        accounts.create_account(db_session, "i1", PASSWORD, "inspector", inspector="E999")
    assert e.value.field == "inspector" and e.value.params == {"id": "E999"}
    with pytest.raises(AccountError) as e:
        accounts.create_account(db_session, "x", PASSWORD, "superuser")
    assert e.value.field == "role"
    i1 = accounts.create_account(db_session, "i1", PASSWORD, "inspector", inspector="E001")
    with pytest.raises(AccountError) as e:  # one account per inspector record
        accounts.create_account(db_session, "i2", PASSWORD, "inspector", inspector="E001")
    assert e.value.params["user"] == "i1"
    with pytest.raises(AccountError):  # an inspector account cannot be unlinked
        accounts.link_inspector(db_session, i1.id, "")
    assert accounts.link_inspector(db_session, i1.id, "E002").inspector == "E002"
    # the last active admin stays an active admin
    with pytest.raises(AccountError) as e:
        accounts.change_role(db_session, admin.id, "planner")
    assert e.value.field == "role"
    with pytest.raises(AccountError) as e:
        accounts.set_active(db_session, admin.id, False)
    assert e.value.field == "active"
    other = accounts.create_account(db_session, "root2", PASSWORD, "admin")
    with pytest.raises(AccountError):  # nobody deactivates themselves
        accounts.set_active(db_session, other.id, False, acting_user_id=other.id)
    assert accounts.change_role(db_session, admin.id, "planner").role == "planner"
    with pytest.raises(AccountError):  # planner → inspector needs a linked record
        accounts.change_role(db_session, admin.id, "inspector")


def test_admin_manages_users_through_the_pages(app, client, auth):
    with app.app_context():
        from inspect_app.db import get_session
        add_inspectors(get_session(), "E001")
    auth.login("root", role="admin")
    page = client.get("/admin/users").get_data(as_text=True)
    assert "root" in page and "E001" in page  # the free inspector is offered

    r = client.post("/admin/users", data={"username": "insp", "password": "short", "role": "inspector"})
    assert r.status_code == 400
    body = r.get_data(as_text=True)
    assert "密码至少需要 12 个字符" in body and 'value="insp"' in body  # nothing typed is lost

    r = client.post("/admin/users", data={"username": "insp", "password": PASSWORD, "role": "inspector",
                                          "inspector": "E001", "department": "SCJG"})
    assert r.status_code == 302
    with app.app_context():
        from inspect_app.db import get_session
        insp = get_session().exec(select(User).where(User.username == "insp")).one()
        assert (insp.role, insp.inspector, insp.department, insp.active) == ("inspector", "E001", "SCJG", True)
        uid = insp.id

    # the inspector logs in on a second client
    other = app.test_client()
    assert other.post("/login", data={"username": "insp", "password": PASSWORD}).status_code == 302
    assert other.get("/").status_code == 200
    assert other.get("/planner/").status_code == 403

    # reset password: the old session ends, the new password works
    assert client.post(f"/admin/users/{uid}/password", data={"password": "new-password-1"}).status_code == 302
    assert other.get("/planner/").status_code == 302
    assert other.post("/login", data={"username": "insp", "password": PASSWORD}).status_code == 200
    assert other.post("/login", data={"username": "insp", "password": "new-password-1"}).status_code == 302

    # change role to planner: the session under the old role ends; after
    # logging in again the user sees planner pages
    assert client.post(f"/admin/users/{uid}/role", data={"role": "planner"}).status_code == 302
    assert other.get("/planner/").status_code == 302
    assert other.post("/login", data={"username": "insp", "password": "new-password-1"}).status_code == 302
    assert other.get("/planner/").status_code == 200

    # deactivate: the session ends at once and logging in fails
    assert client.post(f"/admin/users/{uid}/active", data={"active": "0"}).status_code == 302
    assert other.get("/planner/").status_code == 302
    assert other.post("/login", data={"username": "insp", "password": "new-password-1"}).status_code == 200
    assert "已停用" in client.get(f"/admin/users/{uid}").get_data(as_text=True)

    # errors are shown next to the field, with the reason
    r = client.post(f"/admin/users/{uid}/inspector", data={"inspector": "E404"})
    assert r.status_code == 400 and "没有编号为 E404 的检查人员" in r.get_data(as_text=True)
    with app.app_context():
        from inspect_app.db import get_session
        root = get_session().exec(select(User).where(User.username == "root")).one()
    r = client.post(f"/admin/users/{root.id}/active", data={"active": "0"})
    assert r.status_code == 400 and "不能停用自己的账号" in r.get_data(as_text=True)
    assert client.get("/admin/users/999999").status_code == 404


def test_admin_pages_in_english(app, client, auth):
    auth.login("root", role="admin")
    client.post("/lang/en", data={"next": "/"})
    page = client.get("/admin/users").get_data(as_text=True)
    assert "User accounts" in page and "Create" in page
    r = client.post("/admin/users", data={"username": "x", "password": "short", "role": "planner"})
    assert "at least 12 characters" in r.get_data(as_text=True)
