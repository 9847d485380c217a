"""Issue 8, item 6: registry imports are bounded background jobs.

Hostile files (scaled down where the behaviour is the same) end quickly with
a clear report that says reading stopped; a sheet's declared dimension costs
nothing; the job reports progress and can be cancelled (nothing changes);
uploads over the route's size limit get a 413 page; every text cell goes
through ``text_rules``.
"""

from __future__ import annotations

import io
import re
import time
import zipfile

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from inspect_app.models import Entity
from inspect_app.services.registry_io import import_file
from inspect_app.services.uscc import with_check_character

HEADER = "统一社会信用代码,名称,行政区划\n"
CAP = 40


def code(n: int) -> str:
    return with_check_character(f"91350100MA{n:07d}")


@pytest.fixture
def setup(app, tmp_path):
    app.config.update(IMPORT_STORE=str(tmp_path / "imports"), IMPORT_RUNNER="worker", IMPORT_MAX_ERRORS=CAP)
    from inspect_app.db import get_session

    with app.app_context():
        s = get_session()
        assert import_file(s, "districts", io.BytesIO("区划代码,区划名称\n350100,福州市\n".encode()), "d.csv").ok
    return app


def entities_csv(n: int, start: int = 0) -> bytes:
    return (HEADER + "".join(f"{code(i)},福州测试{i}有限公司,350100\n" for i in range(start, start + n))).encode()


def upload(client, content: bytes, filename: str, kind: str = "entities", **extra):
    data = {"file": (io.BytesIO(content), filename), **extra}
    return client.post(f"/planner/registries/upload/{kind}", data=data, content_type="multipart/form-data")


def job_id_of(response) -> int:
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return int(re.search(r"/jobs/(\d+)", response.headers["Location"]).group(1))


def job_row(app, job_id: int):
    from inspect_app.db import get_session
    from inspect_app.models import ImportJob

    with app.app_context():
        s = get_session()
        job = s.get(ImportJob, job_id)
        s.expunge(job)
        return job


def entity_count(app) -> int:
    from inspect_app.db import get_session

    with app.app_context():
        return get_session().execute(sa.select(sa.func.count()).select_from(Entity)).scalar_one()


def run(app, job_id: int):
    from inspect_app.jobs.imports import run_import_job

    assert run_import_job(app, job_id)
    return job_row(app, job_id)


def test_csv_of_junk_lines_stops_at_the_error_cap(setup, client, auth):
    auth.login("planner", role="admin")  # acts for every department
    content = HEADER.encode() + b"a\n" * 300_000  # 600 KB of junk lines
    job_id = job_id_of(upload(client, content, "junk.csv"))
    started = time.perf_counter()
    job = run(setup, job_id)
    assert time.perf_counter() - started < 5
    report = job.report
    assert job.state == "done" and report["stopped"] and len(report["errors"]) == CAP
    assert report["total_rows"] < 5_000  # reading stopped: the rest of the file was never read
    page = client.get(f"/planner/registries/upload/entities/jobs/{job_id}").get_data(as_text=True)
    assert 'id="import-failed"' in page and 'id="import-stopped"' in page and "已停止检查" in page
    assert entity_count(setup) == 0


def test_csv_with_an_endless_line_is_refused(setup, db_session):
    content = HEADER.encode() + b"a" * 1_100_000 + b"\n"
    report = import_file(db_session, "entities", io.BytesIO(content), "long.csv")
    assert not report.ok and report.total_rows == 0 and report.errors[0].row == 2
    assert "1,000,000" in report.errors[0].reason


def xlsx(rows, dimension: str | None = None, extra_rows: str = "") -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("s")
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    if dimension is None and not extra_rows:
        return buf.getvalue()
    src, out = zipfile.ZipFile(io.BytesIO(buf.getvalue())), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                text = data.decode()
                if dimension is not None:
                    text = re.sub(r"<dimension ref=\"[^\"]*\"\s*/>", "", text)
                    text = text.replace("<sheetData", f'<dimension ref="{dimension}"/><sheetData', 1)
                text = text.replace("</sheetData>", extra_rows + "</sheetData>", 1)
                data = text.encode()
            dst.writestr(info, data)
    return out.getvalue()


def test_xlsx_declared_dimension_costs_nothing(setup, db_session):
    # A blank cell far down: openpyxl fills the rows in between, each as wide
    # as the declared dimension (16,384 cells), unless the dimension is reset.
    content = xlsx([["uscc", "name", "district"], [code(1), "甲公司", "350100"], [code(2), "乙公司", "350100"]],
                   dimension="A1:XFD5000", extra_rows='<row r="5000"><c r="A5000" t="inlineStr"><is><t></t></is></c></row>')
    assert len(content) < 10_000
    started = time.perf_counter()
    report = import_file(db_session, "entities", io.BytesIO(content), "dim.xlsx")
    assert time.perf_counter() - started < 2
    assert report.ok and report.inserted == 2, report.errors[:3]


def test_xlsx_of_many_tiny_rows_stops_early(setup, db_session):
    """No dimension declared: openpyxl's own size probe would parse the
    whole sheet before the first row; 300,000 rows of ``a``."""
    tiny = "".join(f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>a</t></is></c></row>' for r in range(2, 300_002))
    content = xlsx([["uscc", "name", "district"]], extra_rows=tiny)
    assert b"<dimension" not in zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml")
    started = time.perf_counter()
    report = import_file(db_session, "entities", io.BytesIO(content), "tiny.xlsx", max_errors=CAP)
    assert time.perf_counter() - started < 2.5
    assert report.stopped and len(report.errors) == CAP and report.total_rows < 5_000


def test_progress_is_reported_and_polled(setup, client, auth, monkeypatch):
    from inspect_app.db import get_engine
    from inspect_app.jobs import imports
    from inspect_app.models import ImportJob

    auth.login("planner", role="admin")  # acts for every department
    job_id = job_id_of(upload(client, entities_csv(4000), "many.csv"))
    page = client.get(f"/planner/registries/upload/entities/jobs/{job_id}").get_data(as_text=True)
    assert 'id="import-progress"' in page and "import_job.js" in page and "<script>" not in page
    data = client.get(f"/planner/registries/upload/entities/jobs/{job_id}/progress.json").get_json()
    assert data["busy"] and data["state"] == "pending" and data["total_bytes"] > 0

    seen = []
    monkeypatch.setattr(imports.JobProgress.__init__, "__defaults__", (0.0,))
    original = imports.JobProgress.rows

    def spy(self, number):
        original(self, number)
        with setup.app_context():
            with get_engine().connect() as conn:
                seen.append(conn.execute(sa.select(ImportJob.state, ImportJob.rows_read, ImportJob.bytes_read)
                                         .where(ImportJob.id == job_id)).one())

    monkeypatch.setattr(imports.JobProgress, "rows", spy)
    job = run(setup, job_id)
    assert job.state == "done" and job.report["inserted"] == 4000
    assert seen and all(state == "running" for state, _, _ in seen)
    assert [rows for _, rows, _ in seen] == sorted(rows for _, rows, _ in seen) and seen[-1][1] >= 4000
    assert seen[-1][2] > 0
    data = client.get(f"/planner/registries/upload/entities/jobs/{job_id}/progress.json").get_json()
    assert not data["busy"] and data["state"] == "done"
    assert entity_count(setup) == 4000


@pytest.mark.parametrize("moment", ["reading", "writing"])
def test_cancel_while_running_changes_nothing(setup, client, auth, monkeypatch, moment):
    from inspect_app.jobs import imports

    auth.login("planner", role="admin")  # acts for every department
    job_id = job_id_of(upload(client, entities_csv(3000), "cancel.csv"))
    path = job_row(setup, job_id).path
    original_rows, original_stage = imports.JobProgress.rows, imports.JobProgress.stage

    def press_cancel():
        r = client.post(f"/planner/registries/upload/entities/jobs/{job_id}/cancel")
        assert r.status_code == 303

    def rows(self, number):
        if moment == "reading" and number >= 1000:
            press_cancel()
        original_rows(self, number)

    def stage(self, name):
        original_stage(self, name)
        if moment == "writing" and name == "writing":
            press_cancel()  # the last check before the commit sees it

    monkeypatch.setattr(imports.JobProgress, "rows", rows)
    monkeypatch.setattr(imports.JobProgress, "stage", stage)
    job = run(setup, job_id)
    assert job.state == "cancelled" and job.cancel_requested
    assert entity_count(setup) == 0
    assert not __import__("os").path.exists(path)
    page = client.get(f"/planner/registries/upload/entities/jobs/{job_id}").get_data(as_text=True)
    assert 'id="import-cancelled"' in page


def test_cancel_of_a_pending_job(setup, client, auth):
    from inspect_app.jobs.imports import run_import_job

    auth.login("planner", role="admin")  # acts for every department
    job_id = job_id_of(upload(client, entities_csv(5), "pending.csv"))
    assert client.post(f"/planner/registries/upload/entities/jobs/{job_id}/cancel").status_code == 303
    assert job_row(setup, job_id).state == "cancelled"
    assert not run_import_job(setup, job_id)  # nobody can claim it any more
    assert entity_count(setup) == 0


def test_upload_is_stored_readable_by_the_owner_only(setup, client, auth):
    import os
    import stat

    auth.login("planner", role="admin")  # acts for every department
    job_id = job_id_of(upload(client, entities_csv(3), "mode.csv"))
    path = job_row(setup, job_id).path
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert run(setup, job_id).state == "done" and not os.path.exists(path)


def test_size_limits_answer_a_413_page(setup, client, auth):
    auth.login("planner", role="admin")  # acts for every department
    setup.config["REGISTRY_UPLOAD_MAX_BYTES"] = 50_000
    r = upload(client, entities_csv(2000), "big.csv")
    assert r.status_code == 413
    body = r.get_data(as_text=True)
    assert 'id="too-large"' in body and "上限" in body and "<html" in body
    assert entity_count(setup) == 0
    # Every other form has the small global limit (1 MB by default).
    r = client.post("/login", data={"username": "x" * (2 * 2**20), "password": "y"})
    assert r.status_code == 413 and 'id="too-large"' in r.get_data(as_text=True)
    assert setup.config["MAX_CONTENT_LENGTH"] <= 2**20


def test_text_cells_go_through_the_text_rules(setup, db_session):
    content = (HEADER + f"{code(1)},甲\x00公司,350100\n{code(2)},乙\u202e公司,350100\n").encode()
    report = import_file(db_session, "entities", io.BytesIO(content), "nul.csv")
    assert not report.ok and report.inserted == 0
    assert [(e.row, e.column) for e in report.errors] == [(2, "名称"), (3, "名称")]
    assert "U+0000" in report.errors[0].reason and "U+202E" in report.errors[1].reason


def test_streamed_csv_reads_like_the_whole_text(monkeypatch):
    """Blocks end anywhere (inside a quoted field, between \\r and \\n): the
    rows are those of csv over the whole text."""
    import csv

    from inspect_app.services.registry_io import readers

    text = 'h1,h2\r\n"a\r\nb",c\u2028d\r\ne,f\rg,h\n\x1c,x\n"q""uote",\n'
    expected = list(enumerate(csv.reader(io.StringIO(text, newline="")), start=1))
    for size in (1, 2, 3, 7, 64):
        monkeypatch.setattr(readers, "READ_CHUNK", size)
        assert list(readers.read_rows(io.BytesIO(text.encode()), "x.csv")) == expected, size
    bad = "a,b\n".encode() * 500 + b"\xff" + b"x\n"
    with pytest.raises(readers.FileProblem) as caught:
        list(readers.read_rows(io.BytesIO(bad), "x.csv", "utf-8"))
    assert (caught.value.row, caught.value.params["offset"]) == (501, 2000)
