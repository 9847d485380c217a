"""Claim and render one queued document (a ``document`` row in state
``pending``, see ``services/documents/cache.py``) with the draw jobs'
machinery: the conditional-update claim and the heartbeat thread of
:mod:`.runner`; the PDF and ``state='done'`` in one final transaction.

The job renders exactly the ``data`` stored with the row (the data whose
digest names it), so what it shows is what was asked for, even if the
published record changed meanwhile (that is a new digest, a new row)."""

from __future__ import annotations

import logging
import traceback

import sqlalchemy as sa
from sqlmodel import Session, select

from ..db import get_engine
from ..document_models import Document
from ..services import draws
from .runner import Heartbeat, claim

log = logging.getLogger(__name__)


def background_kinds() -> list[str]:
    """The kinds a worker renders (the others render in the request)."""
    from ..services.documents import KINDS

    return [k.name for k in KINDS.values() if k.background]


def pending_jobs(engine: sa.Engine) -> list[int]:
    with Session(engine) as session:
        return list(session.exec(select(Document.id).where(Document.state == "pending",
                                                           Document.kind.in_(background_kinds()))
                                 .order_by(Document.id)))


def requeue_stale(engine: sa.Engine, now=None) -> list[int]:
    """Running renderings whose worker died run again (nothing was stored);
    returns the ids this call re-queued (a conditional update: of two
    callers at once, one wins each)."""
    won = []
    with Session(engine) as session:
        for row in session.exec(select(Document).where(Document.state == "running",
                                                       Document.kind.in_(background_kinds()))).all():
            if draws.job_is_stale(row, now):
                result = session.execute(sa.update(Document).where(Document.id == row.id,
                                                                   Document.state == "running")
                                         .values(state="pending", attempt=row.attempt + 1, worker=None))
                if result.rowcount == 1:
                    won.append(row.id)
                    log.warning("document %s: stale, queued again", row.id)
        session.commit()
    return won


def run_document_job(app, document_id: int) -> bool:
    """Claim ``document_id`` and render it; False if someone else has it."""
    from ..services.documents import KINDS
    from ..services.documents.cache import fail, store
    from ..services.documents.render import render_pdf

    with app.app_context():
        engine = get_engine()
        if not claim(engine, document_id, Document):
            return False
        interval = app.config.get("DRAW_HEARTBEAT_SECONDS", draws.HEARTBEAT_SECONDS)
        beat = Heartbeat(engine, document_id, interval, Document)
        beat.start()
        try:
            with Session(engine) as session:
                row = session.get(Document, document_id)
                kind, data = KINDS[row.kind], row.data
            try:
                rendered = render_pdf(kind.template, data or {})
            except Exception:
                log.exception("document %s (%s) failed", document_id, kind.name)
                fail(engine, document_id, traceback.format_exc(limit=5))
            else:
                store(engine, document_id, rendered)
                log.info("document %s (%s): %s pages in %.1f s", document_id, kind.name, rendered.pages,
                         rendered.seconds)
        finally:
            beat.stop()
        return True
