"""The documents' cache and background rendering (issue 11): the same digest
is never rendered twice, the rendering lives in the ``document`` table (for
every app server), a change of what a document shows renders it anew and
drops the older rendering; the bulletin is a job the worker
(``flask draws work``) claims and renders while the page says 正在生成…."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from documents.conftest import publish
from inspect_app.document_models import Document
from inspect_app.jobs import runner
from inspect_app.services.documents import cache


@pytest.fixture
def renders(monkeypatch):
    """Counts the renderings (the real renderer still runs)."""
    calls = []
    real = cache.render_pdf

    def counting(template, data):
        calls.append(template)
        return real(template, data)

    monkeypatch.setattr(cache, "render_pdf", counting)
    import inspect_app.services.documents.render as render_module

    real_module = render_module.render_pdf

    def counting_module(template, data):
        calls.append(template)
        return real_module(template, data)

    monkeypatch.setattr(render_module, "render_pdf", counting_module)
    return calls


def rows(session, kind=None):
    session.commit()  # a fresh read (SQLite keeps a transaction's snapshot)
    session.expire_all()
    query = select(Document)
    if kind:
        query = query.where(Document.kind == kind)
    return session.exec(query.order_by(Document.id)).all()


def test_the_same_digest_is_rendered_once(sealed, client, renders):
    s, plan, _tasks, _draw = sealed
    first = client.get(f"/plans/{plan.id}/document.pdf")
    assert first.status_code == 200 and renders == ["plan.html"]
    again = client.get(f"/plans/{plan.id}/document.pdf")
    assert again.data == first.data and renders == ["plan.html"]  # from the table, no rendering
    [row] = rows(s, "plan")
    assert row.state == "done" and row.bytes == first.data and row.size == len(first.data) and row.pages >= 1
    assert row.key == f"plan:{plan.id}" and len(row.digest) == 64 and row.lang == "zh_CN" and row.data is None


def test_a_change_renders_anew_and_drops_the_older_rendering(sealed, client, today, renders):
    s, _plan, _tasks, draw = sealed
    before = client.get(f"/draws/{draw.code}/record.pdf").data
    [old] = rows(s, "draw_record")
    old_digest, old_key = old.digest, old.key
    today(date(2030, 4, 15))
    from inspect_app.services import draws as draw_service

    draw_service.reveal(s, draw, reason="检查已全部完成", confirmed=True, actor="planner",
                        today=date(2030, 4, 15))  # revealed: the record shows more
    after = client.get(f"/draws/{draw.code}/record.pdf").data
    assert after != before and renders == ["draw_record.html", "draw_record.html"]
    [new] = rows(s, "draw_record")
    assert new.digest != old_digest and new.key == old_key == f"draw:{draw.id}:public"
    client.get(f"/draws/{draw.code}/record.pdf")
    assert len(renders) == 2


def test_the_notice_is_never_stored(sealed, client, monkeypatch):
    """It carries the check code in clear; codes must not be in the database."""
    from checkcode.helpers import on_visit_day
    from documents.conftest import visits_of
    from inspect_app.services.accounts import create_account

    s, _plan, _tasks, draw = sealed
    visit = next(v for v in visits_of(s, draw) if v.team)
    on_visit_day(monkeypatch, s, visit)
    create_account(s, "lead", "correct-horse", "inspector", inspector=visit.team[0])
    client.post("/login", data={"username": "lead", "password": "correct-horse"})
    assert client.get(f"/inspector/visits/{visit.id}/notice.pdf").status_code == 200
    assert rows(s) == []


def test_the_bulletin_is_rendered_by_the_worker(sealed, app, client, runner, renders):
    s, _plan, tasks, draw = sealed
    app.config["DOCUMENT_RUNNER"] = "worker"  # a running `flask draws work` picks it up
    publish(s, draw, tasks[0], rows=4)
    url = f"/results/tasks/{tasks[0].id}/bulletin.pdf"
    waiting = client.get(url)
    assert waiting.status_code == 202 and renders == []
    page = waiting.get_data(as_text=True)
    assert "正在生成…" in page and 'http-equiv="refresh"' in page
    [row] = rows(s, "bulletin")
    assert row.state == "pending" and row.data["count"] >= 4
    assert client.get(url).status_code == 202  # still waiting; no second job
    assert len(rows(s, "bulletin")) == 1
    result = runner.invoke(args=["draws", "work", "--once"])
    assert result.exit_code == 0, result.output
    assert "1 job(s) run" in result.output and renders == ["bulletin.html"]
    [row] = rows(s, "bulletin")
    assert row.state == "done" and row.data is None and row.pages >= 1 and row.worker
    done = client.get(url)
    assert done.status_code == 200 and done.mimetype == "application/pdf" and done.data == row.bytes
    assert runner.invoke(args=["draws", "work", "--once"]).output.strip() == "0 job(s) run"
    # a further published record is a new digest: a new job, then the older rendering goes
    publish(s, draw, tasks[0], start=4, rows=1)
    assert client.get(url).status_code == 202
    assert "1 job(s) run" in runner.invoke(args=["draws", "work", "--once"]).output
    assert client.get(url).data != done.data
    [row] = rows(s, "bulletin")
    assert row.state == "done" and row.attempt == 1


def test_a_failed_rendering_is_reported_then_retried(sealed, app, client, monkeypatch):
    s, _plan, tasks, draw = sealed
    app.config["DOCUMENT_RUNNER"] = "worker"
    publish(s, draw, tasks[0], rows=2)
    url = f"/results/tasks/{tasks[0].id}/bulletin.pdf"
    assert client.get(url).status_code == 202
    import inspect_app.services.documents.render as render_module

    real = render_module.render_pdf

    def broken(template, data):
        raise RuntimeError("no fonts today")

    monkeypatch.setattr(render_module, "render_pdf", broken)
    assert runner.work(app, once=True) == 1
    [row] = rows(s, "bulletin")
    assert row.state == "failed" and "no fonts today" in row.error
    failed = client.get(url)
    assert failed.status_code == 503 and "文档生成失败" in failed.get_data(as_text=True)
    monkeypatch.setattr(cache, "RETRY_AFTER", cache.RETRY_AFTER * 0)
    monkeypatch.setattr(render_module, "render_pdf", real)
    assert client.get(url).status_code == 202  # queued again
    [row] = rows(s, "bulletin")
    assert row.state == "pending" and row.attempt == 2
    assert runner.work(app, once=True) == 1
    [row] = rows(s, "bulletin")
    assert (row.state, row.error) == ("done", None)
    assert client.get(url).status_code == 200


def test_the_bulletin_in_a_real_worker_process(sealed, app, client, backend, monkeypatch):
    """``DOCUMENT_RUNNER=subprocess`` (the default): the request starts
    ``python -m inspect_app.jobs --document-job ID`` and returns at once; the
    process renders the PDF into the table."""
    from inspect_app.jobs import launcher

    s, _plan, tasks, draw = sealed
    if backend == "postgresql":  # the worker process must see the test's private schema
        engine = app.extensions["db_engine"]
        with engine.connect() as conn:
            path = conn.exec_driver_sql("SHOW search_path").scalar_one()
        url = engine.url.update_query_dict({"options": f"-csearch_path={path.replace(' ', '')}"})
        app.config["DRAW_WORKER_DATABASE_URL"] = url.render_as_string(hide_password=False)
    app.config["DOCUMENT_RUNNER"] = "subprocess"
    publish(s, draw, tasks[0], rows=3)
    started = []
    real_spawn = launcher._spawn

    def spawn(*args, **kwargs):
        started.append(real_spawn(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(launcher, "_spawn", spawn)
    url = f"/results/tasks/{tasks[0].id}/bulletin.pdf"
    assert client.get(url).status_code == 202
    [process] = started
    assert process is not None and process.wait(timeout=300) == 0
    [row] = rows(s, "bulletin")
    assert row.state == "done" and row.worker.split(":")[-1] == str(process.pid)
    r = client.get(url)
    assert r.status_code == 200 and r.data == row.bytes
