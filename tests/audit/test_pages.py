"""The audit pages for every role and anonymous: the admin's log
(``/admin/audit``, paged, filtered, verify now) and the public checkpoints
(``/audit/checkpoints`` and its JSON), in Chinese and English; the draw
page's trail in words next to the log."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session, select

from account_fixtures import add_inspectors
from audit_fixtures import trigger_off
from inspect_app.models import AuditVerification
from inspect_app.services import audit, audit_verify

ROLES = ("admin", "planner", "inspector")


def login_as(auth, role: str):
    if role == "inspector":
        with auth.app.app_context():
            from inspect_app.db import get_session

            add_inspectors(get_session(), "INS1")
        return auth.login("insp", role="inspector", inspector="INS1")
    return auth.login(role, role=role)


def fill(engine, n: int, object_type: str = "thing") -> None:
    with Session(engine) as session:
        for k in range(n):
            audit.record(session, actor="tester", action="test.step", object_type=object_type, object_id=f"X{k}",
                         details={"secret_marker": "S-%d" % k})
        session.commit()


@pytest.mark.parametrize("role", [None, *ROLES])
def test_the_log_is_for_admins_only(app, client, auth, database, role):
    fill(database[1], 3)
    if role:
        login_as(auth, role)
    page = client.get("/admin/audit")
    verify = client.post("/admin/audit/verify", data={"csrf_token": "x"})
    if role is None:
        assert page.status_code == 302 and page.headers["Location"].split("?")[0].endswith("/login")
        assert verify.status_code == 302 and verify.headers["Location"].split("?")[0].endswith("/login")
    elif role != "admin":
        assert page.status_code == verify.status_code == 403
        assert "S-0" not in page.get_data(as_text=True)
    else:
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and "S-0" in html and "test.step" in html
        assert page.headers["Cache-Control"] == "no-store"
        assert verify.status_code == 302
    with app.app_context():
        from inspect_app.db import get_session

        saved = get_session().exec(select(AuditVerification)).all()
        # 3 rows and the admin's account.created
        assert [(v.ok, v.actor, v.rows) for v in saved] == ([(True, "admin", 4)] if role == "admin" else [])


def test_the_log_is_paged_and_filtered(app, client, auth, database):
    fill(database[1], 60)
    fill(database[1], 2, object_type="other")
    login_as(auth, "admin")
    first = client.get("/admin/audit").get_data(as_text=True)
    # 62 rows and the admin's account.created (seq 63); newest first, 50 a page
    assert "共 63 条" in first and "第 1 / 2 页" in first
    assert "<td>63</td>" in first and "<td>14</td>" in first and "<td>13</td>" not in first
    second = client.get("/admin/audit?page=2").get_data(as_text=True)
    assert "<td>13</td>" in second and "<td>1</td>" in second
    only = client.get("/admin/audit?object_type=other").get_data(as_text=True)
    assert "共 2 条" in only and "S-0" in only and "S-59" not in only
    one = client.get("/admin/audit?object_type=thing&object_id=X7").get_data(as_text=True)
    assert "共 1 条" in one and "S-7" in one
    assert client.get("/admin/audit?page=99999999999").status_code == 400
    assert client.get("/admin/audit?object_id=" + "x" * 500).status_code == 200
    english = client.get("/admin/audit?lang=en").get_data(as_text=True)
    assert "Audit log" in english and "Records" in english and "审计日志" not in english


def test_the_verify_button_reports_a_broken_chain(app, client, auth, database, backend):
    engine = database[1]
    fill(engine, 4)
    with trigger_off(engine), engine.begin() as conn:
        conn.exec_driver_sql("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2")
    login_as(auth, "admin")
    done = client.post("/admin/audit/verify", data={"csrf_token": "x"}, follow_redirects=True)
    html = done.get_data(as_text=True)
    assert "审计链已被破坏：第 2 条起不一致" in html
    assert "第一处不一致在第 2 条" in html


@pytest.mark.parametrize("role", [None, *ROLES])
def test_the_checkpoints_are_public_and_nothing_else(app, client, auth, database, role):
    engine = database[1]
    fill(engine, 3)
    with Session(engine) as session:
        checkpoint = audit_verify.write_checkpoint(session, date(2030, 1, 5))
        session.commit()
        digest = checkpoint.hash
    if role:
        login_as(auth, role)
    page = client.get("/audit/checkpoints")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and digest in html and "2030-01-05" in html
    assert "S-0" not in html and "test.step" not in html and "tester" not in html
    data = client.get("/audit/checkpoints.json")
    assert data.status_code == 200
    assert data.get_json() == {"format": "inspect-audit-checkpoints/1",
                               "checkpoints": [{"day": "2030-01-05", "seq": 3, "hash": digest}]}
    english = client.get("/audit/checkpoints?lang=en").get_data(as_text=True)
    assert "Audit checkpoints" in english and digest in english
    register = client.get("/draws/").get_data(as_text=True)
    assert "/audit/checkpoints" in register


def test_no_checkpoint_yet(client):
    html = client.get("/audit/checkpoints").get_data(as_text=True)
    assert "暂无检查点" in html
