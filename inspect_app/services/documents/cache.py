"""Rendered documents, shared by every app server through the ``document``
table (migration 0019).

:func:`obtain` is what a view calls with the document's kind, object key and
data (the canonical JSON it shows). The data's digest (with the templates'
own digest and the language) names the rendering: the same digest is never
rendered twice.

* inline kinds (plan, draw record): the first request renders and stores the
  PDF, later ones read it. Two first requests at once: one claims the row
  (conditional update, as the draw jobs), the other renders for itself
  without storing.
* background kinds (the bulletin): the first request queues the row with
  its data and starts a worker job (:func:`inspect_app.jobs.launcher.launch_document`);
  the page says "正在生成…" and refreshes until the row is ``done``. A
  failed row is queued again on a request after :data:`RETRY_AFTER`; a
  running row whose worker died (stale heartbeat) is queued again at once.
* kinds that are not stored (the notice) render on every request.

When a new rendering of an object is stored, its older renderings (other
digests) are removed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import traceback
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from ...models import utcnow
from ...document_models import Document
from . import KINDS
from .render import Rendered, render_pdf, templates_digest

log = logging.getLogger(__name__)
LANG = "zh_CN"  # documents are official Chinese documents
RETRY_AFTER = timedelta(seconds=60)


class DocumentFailed(RuntimeError):
    """Rendering failed (the message is for the log and the page)."""


@dataclass
class Outcome:
    """What a view gets: the PDF (``pdf``) or the row's state."""

    state: str  # "done", "pending", "running", "failed"
    pdf: bytes | None = None
    document: Document | None = None
    rendered: bool = False  # rendered by this call (not from the cache)
    error: str | None = None


def canonical(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode("utf-8")


def digest(kind: str, data: dict, lang: str = LANG) -> str:
    h = hashlib.sha256()
    h.update(f"inspect-document/1|{kind}|{lang}|{templates_digest()}|".encode())
    h.update(canonical(data))
    return h.hexdigest()


def find(session: Session, kind: str, key: str, digest_: str, lang: str = LANG) -> Document | None:
    return session.exec(select(Document).where(Document.kind == kind, Document.key == key,
                                               Document.digest == digest_, Document.lang == lang)).first()


def obtain(session: Session, kind: str, key: str, data: dict, lang: str = LANG) -> Outcome:
    spec = KINDS[kind]
    if not spec.stored:
        return Outcome("done", pdf=_render(spec.template, data).pdf, rendered=True)
    data = json.loads(canonical(data))  # exactly what the digest covers (dates as text)
    dg = digest(kind, data, lang)
    row = find(session, kind, key, dg, lang)
    if row is None:
        row = _insert(session, kind, key, dg, lang, data if spec.background else None)
        if spec.background and row.state == "pending":
            _launch(row.id)
            session.refresh(row)
    if row.state == "done":
        return Outcome("done", pdf=row.bytes, document=row)
    if spec.background:
        return _background_state(session, row)
    return _render_inline(session, row, spec.template, data)


def _insert(session: Session, kind: str, key: str, dg: str, lang: str, data: dict | None) -> Document:
    row = Document(kind=kind, key=key, digest=dg, lang=lang, state="pending", data=data)
    session.add(row)
    try:
        session.commit()
    except sa.exc.IntegrityError:  # another request inserted it first
        session.rollback()
        row = find(session, kind, key, dg, lang)
    return row


def _launch(document_id: int) -> None:
    from ...jobs.launcher import launch_document

    launch_document(document_id)


def _background_state(session: Session, row: Document) -> Outcome:
    from ..draws import job_is_stale

    now = utcnow()
    requeue = False
    if row.state == "running" and job_is_stale(row, now):
        requeue = _requeue(session, row, "running")
    elif row.state == "failed" and (row.finished_at is None or _aware(row.finished_at) < now - RETRY_AFTER):
        requeue = _requeue(session, row, "failed")
    if requeue:
        _launch(row.id)
        session.refresh(row)
        if row.state == "done":
            return Outcome("done", pdf=row.bytes, document=row)
    return Outcome(row.state, document=row, error=row.error)


def _aware(value):
    from datetime import timezone

    return value.replace(tzinfo=timezone.utc) if value is not None and value.tzinfo is None else value


def _requeue(session: Session, row: Document, state: str) -> bool:
    result = session.execute(sa.update(Document).where(Document.id == row.id, Document.state == state)
                             .values(state="pending", attempt=row.attempt + 1, worker=None, heartbeat=None))
    session.commit()
    session.refresh(row)
    return result.rowcount == 1


def _render(template: str, data: dict) -> Rendered:
    try:
        return render_pdf(template, data)
    except Exception as error:
        log.exception("document %s failed", template)
        raise DocumentFailed(f"{type(error).__name__}: {error}") from error


def _render_inline(session: Session, row: Document, template: str, data: dict) -> Outcome:
    from ...jobs.runner import claim

    engine = session.get_bind()
    session.commit()  # end this session's read (SQLite: a snapshot would hide the other connection's writes)
    from ..draws import job_is_stale

    if row.state == "failed" or (row.state == "running" and job_is_stale(row)):
        _requeue(session, row, row.state)  # a failed one, or one whose request died while rendering
    if not claim(engine, row.id, Document):
        # someone else is rendering it right now: render for this request only
        return Outcome("done", pdf=_render(template, data).pdf, rendered=True)
    try:
        rendered = render_pdf(template, data)
    except Exception as error:
        fail(engine, row.id, traceback.format_exc(limit=5))
        raise DocumentFailed(f"{type(error).__name__}: {error}") from error
    store(engine, row.id, rendered)
    session.refresh(row)
    return Outcome("done", pdf=rendered.pdf, document=row, rendered=True)


def store(engine: sa.Engine, document_id: int, rendered: Rendered) -> None:
    """The PDF and ``done`` in one transaction; older renderings of the same
    object go."""
    with engine.begin() as conn:
        conn.execute(sa.update(Document).where(Document.id == document_id, Document.state == "running")
                     .values(state="done", bytes=rendered.pdf, size=len(rendered.pdf), pages=rendered.pages,
                             seconds=round(rendered.seconds, 3), data=None, error=None, finished_at=utcnow()))
        row = conn.execute(sa.select(Document.kind, Document.key, Document.lang).where(Document.id == document_id)).one()
        conn.execute(sa.delete(Document).where(Document.kind == row.kind, Document.key == row.key,
                                               Document.lang == row.lang, Document.id != document_id,
                                               Document.state.in_(("done", "failed"))))


def fail(engine: sa.Engine, document_id: int, error: str) -> None:
    with engine.begin() as conn:
        conn.execute(sa.update(Document).where(Document.id == document_id)
                     .values(state="failed", error=error, finished_at=utcnow()))
