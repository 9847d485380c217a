from inspect_app import create_app


def test_config_defaults_to_sqlite_in_instance(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"SECRET_KEY": "x"})
    assert app.config["DATABASE_URL"].startswith("sqlite:///")
    assert app.config["DATABASE_URL"].endswith("instance/inspect.sqlite")


def test_postgres_url_uses_psycopg3():
    app = create_app({"SECRET_KEY": "x", "DATABASE_URL": "postgres://u@h/db"})
    assert app.config["DATABASE_URL"] == "postgresql+psycopg://u@h/db"


def test_migrations_seed_result_codes(db_session):
    from inspect_app.models import ResultCode
    from sqlmodel import select

    codes = db_session.exec(select(ResultCode).where(ResultCode.version == 1)).all()
    assert {c.code for c in codes} >= {"01", "02", "03", "0301", "07"}
    assert next(c for c in codes if c.code == "0303").parent_code == "03"


def test_login_and_role_gate(client, auth):
    assert client.get("/planner/").status_code == 302  # anonymous → login
    auth.create("insp", "planner")
    r = auth.login("insp")
    assert r.status_code == 302
    assert client.get("/planner/").status_code == 200


def test_wrong_password_is_refused(client, auth):
    auth.create("p1", "planner")
    r = client.post("/login", data={"username": "p1", "password": "nope-nope"})
    assert r.status_code == 200
    assert "用户名或密码错误" in r.get_data(as_text=True)
    assert client.get("/planner/").status_code == 302


def test_language_switch(client):
    assert "双随机" in client.get("/").get_data(as_text=True)
    client.post("/lang/en", data={"next": "/"})
    assert "Double Random, One Public" in client.get("/").get_data(as_text=True)


def test_registry_counts_are_cached_briefly(db_session):
    from inspect_app.models import Department
    from inspect_app.services.registry_stats import registry_counts

    before = registry_counts(db_session, max_age=0)["departments"]
    db_session.add(Department(id="ZZ", name="测试局"))
    db_session.commit()
    assert registry_counts(db_session, max_age=60)["departments"] == before  # within max_age
    assert registry_counts(db_session, max_age=0)["departments"] == before + 1
