"""Issue 8, item 10: a sync import ("完整名录（同步）") first shows what it
will do — inserted, updated, to be marked inactive, with sample names — and
changes nothing until the planner confirms; the confirmation is refused if
the registry changed in between, or if it was already given."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from inspect_app.models import Entity
from inspect_app.services.registry_io import import_file
from inspect_app.services.uscc import with_check_character

HEADER = "统一社会信用代码,名称,行政区划\n"


def code(n: int) -> str:
    return with_check_character(f"91350100MA{n:07d}")


@pytest.fixture
def setup(app, tmp_path):
    app.config.update(IMPORT_STORE=str(tmp_path / "imports"), IMPORT_RUNNER="inline")
    from inspect_app.db import get_session

    with app.app_context():
        s = get_session()
        assert import_file(s, "districts", io.BytesIO("区划代码,区划名称\n350100,福州市\n".encode()), "d.csv").ok
        rows = "".join(f"{code(i)},福州在册{i}有限公司,350100\n" for i in range(1, 8))
        assert import_file(s, "entities", io.BytesIO((HEADER + rows).encode()), "e.csv").ok
    return app


def active(app) -> dict[str, bool]:
    from inspect_app.db import get_session

    with app.app_context():
        return dict(get_session().execute(sa.select(Entity.uscc, Entity.active)).all())


def sync_upload(client, content: str):
    data = {"file": (io.BytesIO(content.encode()), "full.csv"), "sync": "y"}
    r = client.post("/planner/registries/upload/entities", data=data, content_type="multipart/form-data")
    assert r.status_code == 303
    job_id = int(re.search(r"/jobs/(\d+)", r.headers["Location"]).group(1))
    return job_id, client.get(r.headers["Location"]).get_data(as_text=True)


def confirm_url(job_id: int) -> str:
    return f"/planner/registries/upload/entities/jobs/{job_id}/confirm"


def test_sync_upload_is_previewed_and_applied_only_when_confirmed(setup, client, auth):
    auth.login("planner", role="admin")  # acts for every department
    job_id, page = sync_upload(client, HEADER + f"{code(1)},福州在册1有限公司（更名）,350100\n{code(99)},新主体,350100\n")
    assert 'id="import-preview"' in page and 'id="import-confirm"' in page
    assert "新增 1 条，更新 1 条，标记为失效 6 条" in page
    assert "福州在册2有限公司" in page and "新主体" in page  # sample names
    assert all(active(setup).values()) and code(99) not in active(setup)  # nothing changed yet

    r = client.post(confirm_url(job_id), follow_redirects=True)
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and 'id="import-ok"' in body and "标记为失效 6 条" in body
    state = active(setup)
    assert state[code(1)] and state[code(99)] and sum(not v for v in state.values()) == 6

    # The same preview cannot be confirmed twice.
    r = client.post(confirm_url(job_id))
    assert r.status_code == 409


def test_confirmation_refused_if_the_registry_changed(setup, client, auth):
    from inspect_app.db import get_session

    auth.login("planner", role="admin")  # acts for every department
    job_id, page = sync_upload(client, HEADER + f"{code(1)},福州在册1有限公司,350100\n")
    assert "标记为失效 6 条" in page
    with setup.app_context():  # someone imports meanwhile
        report = import_file(get_session(), "entities",
                             io.BytesIO((HEADER + f"{code(50)},后来的主体,350100\n").encode()), "late.csv")
        assert report.ok
    r = client.post(confirm_url(job_id))
    assert r.status_code == 409 and "预览之后名录已被修改" in r.get_data(as_text=True)
    assert all(active(setup).values())


def test_applying_job_checks_the_registry_again(setup, client, auth, db_session):
    """The view's check and the write are not one transaction: the applying
    job compares the fingerprint again under its lock."""
    from inspect_app.jobs.imports import run_import_job
    from inspect_app.models import ImportJob

    auth.login("planner", role="admin")  # acts for every department
    job_id, _ = sync_upload(client, HEADER + f"{code(1)},福州在册1有限公司,350100\n")
    setup.config["IMPORT_RUNNER"] = "worker"
    r = client.post(confirm_url(job_id))
    assert r.status_code == 303
    apply_id = int(re.search(r"/jobs/(\d+)", r.headers["Location"]).group(1))
    entity = db_session.execute(sa.select(Entity).where(Entity.uscc == code(3))).scalar_one()
    entity.active = False
    db_session.commit()
    assert run_import_job(setup, apply_id)
    job = db_session.get(ImportJob, apply_id)
    db_session.refresh(job)
    assert job.state == "done" and job.report["errors"] and "预览之后名录已被修改" in job.report["errors"][0][3]
    assert sum(not v for v in active(setup).values()) == 1  # only the edit


def test_a_plain_import_needs_no_confirmation_and_cannot_be_confirmed(setup, client, auth):
    auth.login("planner", role="admin")  # acts for every department
    data = {"file": (io.BytesIO((HEADER + f"{code(1)},福州在册1有限公司,350100\n").encode()), "one.csv")}
    r = client.post("/planner/registries/upload/entities", data=data, content_type="multipart/form-data")
    job_id = int(re.search(r"/jobs/(\d+)", r.headers["Location"]).group(1))
    assert 'id="import-ok"' in client.get(r.headers["Location"]).get_data(as_text=True)
    assert client.post(confirm_url(job_id)).status_code == 409
    assert all(active(setup).values())


def test_confirmation_needs_the_csrf_token(setup, client, auth):
    auth.login("planner", role="admin")  # acts for every department
    job_id, _ = sync_upload(client, HEADER + f"{code(1)},福州在册1有限公司,350100\n")
    setup.config["WTF_CSRF_ENABLED"] = True
    r = client.post(confirm_url(job_id))
    assert r.status_code == 400
    assert all(active(setup).values())
