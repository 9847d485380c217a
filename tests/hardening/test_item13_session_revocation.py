"""Issue 8, item 13: sessions can be revoked.

A copied session cookie used to keep working after logout, and deactivating
then reactivating a user revived its old cookies. Now logout, a password
change (the user's own or an admin's reset), deactivation, reactivation, a
role change and the admin's "end sessions" button bump the user's
``session_version``, and every earlier cookie of that user stops working."""

from __future__ import annotations

import re

from sqlmodel import select

from inspect_app.models import User

PASSWORD = "correct-horse"


def copy_of(app, client):
    """A second client holding a copy of ``client``'s session cookie (what a
    thief who copied the cookie would have)."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def logged_in(client) -> bool:
    return client.get("/planner/").status_code == 200


def user_id(app, username: str) -> int:
    with app.app_context():
        from inspect_app.db import get_session
        return get_session().exec(select(User).where(User.username == username)).one().id


def test_a_copied_cookie_dies_with_logout(app, client, auth):
    auth.login("planner")
    stolen = copy_of(app, client)
    assert logged_in(stolen)  # the copy works while the session lives
    assert client.post("/logout").status_code == 302
    assert not logged_in(client)
    assert not logged_in(stolen)
    # logging in again gives a new session; the old copy stays dead
    auth.login("planner")
    assert logged_in(client) and not logged_in(stolen)


def test_deactivation_and_reactivation_do_not_revive_old_cookies(app, client, auth):
    auth.login("planner")
    victim = app.test_client()
    assert victim.post("/login", data={"username": "planner", "password": PASSWORD}).status_code == 302
    stolen = copy_of(app, victim)
    uid = user_id(app, "planner")
    admin = app.test_client()
    auth.create("root", "admin")
    assert admin.post("/login", data={"username": "root", "password": PASSWORD}).status_code == 302
    assert admin.post(f"/admin/users/{uid}/active", data={"active": "0"}).status_code == 302
    assert admin.post(f"/admin/users/{uid}/active", data={"active": "1"}).status_code == 302
    assert not logged_in(victim) and not logged_in(stolen) and not logged_in(client)
    assert victim.post("/login", data={"username": "planner", "password": PASSWORD}).status_code == 302
    assert logged_in(victim) and not logged_in(stolen)


def test_admin_ends_all_sessions_of_a_user(app, client, auth):
    auth.create("planner", "planner")
    phone, laptop = app.test_client(), app.test_client()
    for c in (phone, laptop):
        assert c.post("/login", data={"username": "planner", "password": PASSWORD}).status_code == 302
        assert logged_in(c)
    auth.login("root", role="admin")
    uid = user_id(app, "planner")
    page = client.get(f"/admin/users/{uid}").get_data(as_text=True)
    assert f'action="/admin/users/{uid}/sessions"' in page
    r = client.post(f"/admin/users/{uid}/sessions")
    assert r.status_code == 302
    assert not logged_in(phone) and not logged_in(laptop)
    assert logged_in(client)  # the admin's own session is untouched


def test_end_sessions_needs_the_csrf_token_and_the_admin_role(app, client, auth):
    auth.create("planner", "planner")
    victim = app.test_client()
    assert victim.post("/login", data={"username": "planner", "password": PASSWORD}).status_code == 302
    uid = user_id(app, "planner")
    auth.login("other", role="planner")
    assert client.post(f"/admin/users/{uid}/sessions").status_code == 403
    client.post("/logout")
    auth.login("root", role="admin")
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post(f"/admin/users/{uid}/sessions").status_code == 400
    assert logged_in(victim)


def test_own_password_change_ends_the_other_sessions(app, client, auth):
    auth.login("planner")
    other = app.test_client()
    assert other.post("/login", data={"username": "planner", "password": PASSWORD}).status_code == 302
    page = client.get("/account/password")
    assert page.status_code == 200 and "修改密码" in page.get_data(as_text=True)
    # wrong current password, mismatch and a weak new password are refused
    r = client.post("/account/password", data={"current_password": "nope", "password": "a-new-secret-77",
                                                "repeated": "a-new-secret-77"})
    assert r.status_code == 400 and "当前密码不正确" in r.get_data(as_text=True)
    r = client.post("/account/password", data={"current_password": PASSWORD, "password": "a-new-secret-77",
                                                "repeated": "a-new-secret-78"})
    assert r.status_code == 400 and "两次输入的新密码不一致" in r.get_data(as_text=True)
    r = client.post("/account/password", data={"current_password": PASSWORD, "password": "password1234",
                                                "repeated": "password1234"})
    assert r.status_code == 400
    assert logged_in(other)  # nothing changed yet
    r = client.post("/account/password", data={"current_password": PASSWORD, "password": "a-new-secret-77",
                                                "repeated": "a-new-secret-77"})
    assert r.status_code == 302
    assert logged_in(client)  # this session was renewed
    assert not logged_in(other)
    assert app.test_client().post("/login", data={"username": "planner", "password": PASSWORD}).status_code == 200
    assert app.test_client().post("/login", data={"username": "planner",
                                                  "password": "a-new-secret-77"}).status_code == 302


def test_role_change_ends_the_sessions_under_the_old_role(app, client, auth):
    auth.create("boss", "admin")
    boss = app.test_client()
    assert boss.post("/login", data={"username": "boss", "password": PASSWORD}).status_code == 302
    assert boss.get("/admin/users").status_code == 200
    auth.login("root", role="admin")
    uid = user_id(app, "boss")
    assert client.post(f"/admin/users/{uid}/role", data={"role": "planner"}).status_code == 302
    assert boss.get("/admin/users").status_code == 302  # to the login page, not just 403


def test_account_page_is_linked_for_logged_in_users(client, auth):
    auth.login("planner")
    assert re.search(r'href="/account/password"', client.get("/planner/").get_data(as_text=True))
    client.post("/logout")
    assert client.get("/account/password").status_code == 302
