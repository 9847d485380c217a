"""Issue 8, item 15: accounts.

* ``Planner``, ``ｐlanner`` (full-width) and ``planner`` used to be three
  users: usernames are now compared by their NFKC, case-folded key (a unique
  column), lookalikes are refused and logins find the account by the key;
  new usernames use a restricted alphabet (no Cyrillic lookalikes, no spaces).
* A password policy: at least 12 characters, not a common password, a
  zxcvbn strength score of at least 3.
* ``flask user create`` and the admin page use one account service: the CLI
  used to skip the rules, e.g. it could link two accounts to one inspector
  record.
* Migration 0011 refuses to run over existing lookalike usernames or shared
  inspector links, naming them.
"""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa
from sqlmodel import select

from inspect_app.models import User
from inspect_app.services import accounts
from inspect_app.services.accounts import AccountError

from account_fixtures import PASSWORD, add_inspectors
from migration_fixtures import migrated_to


# ------------------------------------------------------------- usernames


def test_lookalike_usernames_are_refused(db_session):
    accounts.create_account(db_session, "Planner", PASSWORD, "planner")
    for lookalike in ("ｐlanner", "planner", "PLANNER", " Planner ", "ＰＬＡＮＮＥＲ", "Planner"):
        with pytest.raises(AccountError) as e:
            accounts.create_account(db_session, lookalike, PASSWORD, "planner")
        db_session.rollback()
        assert e.value.field == "username"
        assert "Planner" in str(e.value)
    assert len(db_session.exec(select(User)).all()) == 1


def test_lookalike_refused_on_the_admin_page_with_a_reason(client, auth):
    auth.login("root", role="admin")
    auth.create("Planner", "planner")
    r = client.post("/admin/users", data={"username": "ｐlanner", "password": PASSWORD, "role": "planner"})
    assert r.status_code == 400
    assert "与已有用户 Planner 过于相似" in r.get_data(as_text=True)


def test_login_finds_the_account_by_its_key(app, auth):
    auth.create("Planner", "planner")
    for typed in ("ｐlanner", "planner", "PLANNER", "Planner"):
        r = app.test_client().post("/login", data={"username": typed, "password": PASSWORD})
        assert r.status_code == 302 and r.headers["Location"] == "/planner/", typed


def test_usernames_outside_the_alphabet_are_refused(db_session):
    for name in ("рlanner",  # Cyrillic р
                 "plan ner", "plan\tner", "a/b", "<b>", "x" * 65, "", "   ", "plan\u202ener"):
        with pytest.raises(AccountError) as e:
            accounts.create_account(db_session, name, PASSWORD, "planner")
        db_session.rollback()
        assert e.value.field == "username", name
    assert db_session.exec(select(User)).all() == []


def test_usable_usernames(db_session):
    for name in ("张三", "zhang.san", "wang_wu-2", "ｚｈａｏ"):  # full-width is stored normalised
        accounts.create_account(db_session, name, PASSWORD, "planner")
    names = set(db_session.exec(select(User.username)).all())
    assert names == {"张三", "zhang.san", "wang_wu-2", "zhao"}


def test_the_database_refuses_a_duplicate_key(db_session):
    accounts.create_account(db_session, "Planner", PASSWORD, "planner")
    db_session.add(User(username="planner", username_key="planner", password_hash="x", role="planner"))
    with pytest.raises(sa.exc.IntegrityError):
        db_session.commit()
    db_session.rollback()


# ------------------------------------------------------------- passwords


WEAK = [
    "short-1",             # too short
    "12345678901",         # 11 characters
    "123456789012",        # common / a sequence
    "password1234",        # common password with digits
    "qwertyuiopas",        # keyboard walk
    "aaaaaaaaaaaa",        # repetition
    "plannerplanner",      # the username, twice
    "planner-2026",        # the username and a year
]


def test_weak_passwords_are_refused(db_session):
    for password in WEAK:
        with pytest.raises(AccountError) as e:
            accounts.create_account(db_session, "planner", password, "planner")
        db_session.rollback()
        assert e.value.field == "password", password
    assert db_session.exec(select(User)).all() == []


def test_policy_applies_to_resets_too(db_session):
    user = accounts.create_account(db_session, "planner", PASSWORD, "planner")
    with pytest.raises(AccountError):
        accounts.reset_password(db_session, user.id, "password1234")
    assert accounts.reset_password(db_session, user.id, "Maple-Kite-Orbit-7").id == user.id


def test_policy_message_on_the_admin_page(client, auth):
    auth.login("root", role="admin")
    r = client.post("/admin/users", data={"username": "p2", "password": "password1234", "role": "planner"})
    assert r.status_code == 400
    assert "常见密码" in r.get_data(as_text=True) or "太容易被猜到" in r.get_data(as_text=True)


def test_fixture_and_demo_passwords_pass_the_policy():
    for username, password in (("planner", PASSWORD), ("admin", "admin-pass-1"), ("planner", "planner-pass-1")):
        accounts.check_password_policy(password, username)


# --------------------------------------------------------- one service


def test_cli_uses_the_account_service(app, runner, db_session):
    add_inspectors(db_session, "E001")
    ok = runner.invoke(args=["user", "create", "insp1", "--role", "inspector", "--password", PASSWORD,
                             "--inspector", "E001"])
    assert ok.exit_code == 0, ok.output
    # a second account for the same inspector record: refused (the old CLI linked both)
    r = runner.invoke(args=["user", "create", "insp2", "--role", "inspector", "--password", PASSWORD,
                            "--inspector", "E001"])
    assert r.exit_code != 0 and "E001" in r.output and "insp1" in r.output
    # a planner linked to it: refused as well
    r = runner.invoke(args=["user", "create", "p9", "--role", "planner", "--password", PASSWORD,
                            "--inspector", "E001"])
    assert r.exit_code != 0
    # lookalike and weak password
    r = runner.invoke(args=["user", "create", "ＩＮＳＰ1", "--role", "planner", "--password", PASSWORD])
    assert r.exit_code != 0 and "insp1" in r.output
    r = runner.invoke(args=["user", "create", "p10", "--role", "planner", "--password", "password1234"])
    assert r.exit_code != 0 and "password" in r.output
    db_session.expire_all()
    assert [u.username for u in db_session.exec(select(User).order_by(User.id)).all()] == ["insp1"]


def test_the_database_refuses_two_accounts_for_one_inspector(db_session):
    add_inspectors(db_session, "E001")
    accounts.create_account(db_session, "insp1", PASSWORD, "inspector", inspector="E001")
    db_session.add(User(username="insp2", username_key="insp2", password_hash="x", role="inspector",
                        inspector="E001"))
    with pytest.raises(sa.exc.IntegrityError):
        db_session.commit()
    db_session.rollback()


# ------------------------------------------------------------- migration


@pytest.fixture
def pre_0011_engine(backend, tmp_path, request):
    with migrated_to("0010", backend, tmp_path, request) as engine:
        yield engine


def _insert_users(engine, *rows):
    with engine.begin() as conn:
        for username, inspector in rows:
            conn.execute(sa.text("INSERT INTO user_account (username, password_hash, role, inspector, active, "
                                 "created_at) VALUES (:u, 'x', 'planner', :i, :a, :t)"),
                         {"u": username, "i": inspector, "a": True, "t": "2026-01-01 00:00:00"})


def test_migration_backfills_keys(pre_0011_engine):
    from inspect_app.db import upgrade

    _insert_users(pre_0011_engine, ("Planner", None), ("张三", None))
    upgrade(pre_0011_engine)
    with pre_0011_engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT username, username_key, session_version FROM user_account "
                                    "ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [("Planner", "planner", 0), ("张三", "张三", 0)]


def test_migration_names_colliding_usernames(pre_0011_engine):
    from inspect_app.db import upgrade

    _insert_users(pre_0011_engine, ("Planner", None), ("planner", None), ("ok", None))
    with pytest.raises(RuntimeError) as e:
        upgrade(pre_0011_engine)
    assert "'Planner'" in str(e.value) and "'planner'" in str(e.value) and "'ok'" not in str(e.value)
    with pre_0011_engine.connect() as conn:  # nothing half-done
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one() == "0010"
        columns = {c["name"] for c in sa.inspect(conn).get_columns("user_account")}
    assert "username_key" not in columns and "session_version" not in columns
    with pre_0011_engine.begin() as conn:  # after renaming, the upgrade runs
        conn.execute(sa.text("UPDATE user_account SET username = 'planner2' WHERE username = 'planner'"))
    upgrade(pre_0011_engine)


def test_migration_names_shared_inspector_links(pre_0011_engine):
    from inspect_app.db import upgrade

    with pre_0011_engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO department (id, name) VALUES ('SCJG', '市场监督管理局')"))
        conn.execute(sa.text("INSERT INTO district (code, name, level) VALUES ('350181', '福清市', 3)"))
    inspector = sa.Table("inspector", sa.MetaData(), autoload_with=pre_0011_engine)
    values = {"id": "E001", "name": "检查员", "department": "SCJG", "district": "350181"}
    for col in inspector.columns:  # whatever else 0010's table requires
        if col.name not in values and not col.nullable and col.server_default is None:
            values[col.name] = (True if isinstance(col.type, sa.Boolean) else
                                datetime(2026, 1, 1) if isinstance(col.type, sa.DateTime) else
                                30 if isinstance(col.type, sa.Integer) else
                                [] if isinstance(col.type, sa.JSON) else "x")
    with pre_0011_engine.begin() as conn:
        conn.execute(inspector.insert().values(**values))
    _insert_users(pre_0011_engine, ("a1", "E001"), ("a2", "E001"))
    with pytest.raises(RuntimeError) as e:
        upgrade(pre_0011_engine)
    assert "E001" in str(e.value) and "'a1'" in str(e.value) and "'a2'" in str(e.value)


def test_messages_in_english(client, auth):
    auth.login("root", role="admin")
    auth.create("Planner", "planner")
    client.post("/lang/en", data={"next": "/"})
    r = client.post("/admin/users", data={"username": "ｐlanner", "password": PASSWORD, "role": "planner"})
    assert "too similar to the existing user Planner" in r.get_data(as_text=True)
    r = client.post("/admin/users", data={"username": "p3", "password": "password1234", "role": "planner"})
    body = r.get_data(as_text=True)
    assert "common password" in body or "too easy to guess" in body
    assert "Change password" in client.get("/account/password").get_data(as_text=True)


def test_control_characters_in_a_login_are_a_plain_failure(client, auth):
    """Typed text no username may hold (NUL …) matches no account and is
    throttled like any other name; never an HTTP 500 (PostgreSQL refuses NUL
    in text)."""
    auth.create("planner", "planner")
    r = client.post("/login", data={"username": "plan\x00ner", "password": "x\x00y"})
    # the request-value check (inspect_app/validation.py) refuses it before any account is looked up
    assert r.status_code == 400 and "username" in r.get_data(as_text=True)
    assert client.get("/planner/").status_code == 302  # not logged in
    assert client.post("/lang/en", data={"next": "/\x00"}).status_code == 400
