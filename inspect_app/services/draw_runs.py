"""The two long steps of a draw, run by the background worker (inspect_app.jobs).

:func:`freeze` builds the instance from the database, writes it to the draw
store, draws the 32-byte secret and records ``frozen_digest`` and
``commitment``. :func:`run` adds the witnesses' entropy, runs the solver and
writes the outcome file (the instance it ran on is the frozen one plus the
entropy, rebuilt by :func:`draw_instance` whenever needed); then the outcome's digest, the visits and the job's
completion are written **in one transaction** (:func:`store_outcome` adds
them, the caller's single commit makes them visible), so a worker killed at
any point leaves either nothing or everything. Both steps are deterministic
given the stored documents, so a re-run gives the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import date

import sqlalchemy as sa

from sqlmodel import Session, select

from solver.progress import NullProgress, Progress

from ..models import Draw, DrawJob, DrawTask, DrawVisit, Task, utcnow
from ..visit_models import VisitMember
from . import draw_review, draw_store, solver_adapter
from .solver_adapter import canonical_json
from .draws import event
from .instance_builder import Redraw, build_instance, task_document


class RunError(ValueError):
    """The draw cannot proceed with these inputs (the draw is marked failed)."""


def _original_instance(session: Session, draw: Draw, progress: Progress, sources: set[int]) -> dict:
    rows = session.exec(select(Task).join(DrawTask, DrawTask.task_id == Task.id)
                        .where(DrawTask.draw_id == draw.id).order_by(Task.id)).all()
    docs, items = [], []
    for task in rows:
        doc, task_items = task_document(session, task)
        docs.append(doc)
        items.extend(task_items)
    return build_instance(session, draw.code, docs, items, draw.window_start, draw.window_end,
                          progress=progress, sources=sources)


def redraw_params(session: Session, draw: Draw) -> dict:
    from .draws import events

    created = next(e for e in events(session, draw) if e.action == "created")
    return created.detail


def _redraw_instance(session: Session, draw: Draw, progress: Progress, sources: set[int]) -> dict:
    params = redraw_params(session, draw)
    parent = session.get(Draw, draw.parent_id)
    old = session.exec(select(DrawVisit).where(DrawVisit.draw_id == parent.id,
                                               DrawVisit.visit_id == draw.redraw_visit)).one()
    root = parent
    while root.parent_id is not None:
        root = session.get(Draw, root.parent_id)
    tasks = {t.code: t for t in session.exec(select(Task).join(DrawTask, DrawTask.task_id == Task.id)
                                             .where(DrawTask.draw_id == root.id))}
    docs, items = [], []
    for code in old.tasks:
        doc, task_items = task_document(session, tasks[code], count=1,
                                        keep_filter=params["cause"] == "entity")
        docs.append(doc)
        items.extend(task_items)
    # Exclusions carried along the chain (recorded when the redraw was
    # requested; older redraws name only their own ill inspector).
    unavailable = set(params.get("unavailable") or ([params["inspector"]] if params.get("inspector") else []))
    # Only the chain's sealed draws: revealed together with the root, so the
    # redraw's documents encode nothing of other draws still confidential.
    chain = _chain(session, root)
    own = {d.id for d in chain}
    if params["cause"] == "inspector":
        adjust = Redraw(only_usccs={old.uscc}, unavailable_inspectors=unavailable, ignore_visit=old.id,
                        visit_draws=own)
    else:
        drawn = {v for d in chain for v in _sampled(d)}
        adjust = Redraw(exclude_usccs=drawn | {old.uscc}, unavailable_inspectors=unavailable,
                        ignore_visit=old.id, visit_draws=own)
    return build_instance(session, draw.code, docs, items, draw.window_start, draw.window_end,
                          redraw=adjust, progress=progress, sources=sources)


def _other_sources(session: Session, draw: Draw, sources: set[int]) -> list[int]:
    """The draws outside ``draw``'s own chain whose sealed visits its
    instance shows as history (``draw.history_sources``): their lists are
    confidential until they are revealed, so ``draw`` waits for them
    (:func:`.draw_reveal.waiting_for`, which both reveal paths require). A
    redraw's chain is revealed with its root anyway."""
    from .draws import history

    own = {d.id for d in history(session, draw)}
    return sorted(sources - own)


def _history_until(session: Session, others: list[int]) -> date | None:
    """The latest window end among ``others`` (:func:`_other_sources`): the
    draw is not revealable before (:func:`.draws.revealable`)."""
    if not others:
        return None
    return session.execute(sa.select(sa.func.max(Draw.window_end)).where(Draw.id.in_(others))).scalar_one()


def _chain(session: Session, root: Draw) -> list[Draw]:
    """The root and its sealed redraws (a drawn but unsealed redraw's outcome
    is never published, so nothing of it may enter another instance)."""
    from .draws import history

    return [d for d in history(session, root) if d.outcome_path and d.state == "sealed"]


def _sampled(draw: Draw) -> set[str]:
    outcome = draw_store.read_document(draw.outcome_path)
    return {u for sample in outcome["samples"].values() for u in sample}


def freeze(session: Session, draw: Draw, job: DrawJob, progress: Progress | None = None,
           secret: bytes | None = None) -> None:
    """``secret``: the 32-byte secret to commit to; None (every real draw):
    fresh random bytes. Only the demo loader passes one (derived from its
    seed, so that a demo is reproducible; services/demo_year.py)."""
    progress = progress or NullProgress()
    if secret is not None and len(secret) != 32:
        raise RunError("the secret must be 32 bytes")
    if draw.state != "freezing":
        raise RunError(f"draw {draw.code} is {draw.state}, not freezing")
    build = _redraw_instance if draw.parent_id is not None else _original_instance
    sources: set[int] = set()
    doc = build(session, draw, progress, sources)
    others = _other_sources(session, draw, sources)
    history_until = _history_until(session, others)
    progress.stage("write")
    path, data = draw_store.write_document(draw.code, "instance.json", doc)
    # Without a secret key the input digest is the SHA-256 of the canonical
    # bytes just written (DRAW-PROTOCOL.md), so no second serialisation.
    frozen = hashlib.sha256(data).hexdigest()
    del data
    if secret is None:
        secret = secrets.token_bytes(32)
    _end_reads(session)
    draw.frozen_digest = frozen
    draw.commitment = solver_adapter.commitment_hex(secret)
    draw.secret_sealed = draw_store.seal_secret(draw.code, secret)
    draw.instance_path = path
    draw.history_until, draw.history_sources = history_until, others
    draw.state, draw.committed_at = "committed", utcnow()
    stats = {"instance_entities": len(doc["entities"]), "instance_inspectors": len(doc["inspectors"])}
    draw.stats = stats
    session.add(draw)
    event(session, draw, "committed", None, frozen_digest=frozen, commitment=draw.commitment, **stats)
    _finish(session, job)


def draw_instance(draw: Draw) -> dict:
    """The frozen instance with the witnesses' entropy, checked against the
    published frozen digest (without the secret)."""
    return _draw_instance_and_digest(draw)[0]


EMPTY_ENTROPY = b'"external_entropy":""'


def _draw_instance_and_digest(draw: Draw) -> tuple[dict, str]:
    """(instance with the entropy, its input digest). The canonical bytes of
    that instance are the frozen bytes with the one ``"external_entropy":""``
    member replaced (a JSON string cannot contain an unescaped ``"``, and no
    nested object has that key), so the digest needs no re-serialisation;
    if the member is not found exactly once, the document is digested."""
    data = draw_store.read_bytes(draw.instance_path)
    if hashlib.sha256(data).hexdigest() != draw.frozen_digest:
        raise draw_store.StoreError(f"draw {draw.code}: the stored instance does not match its frozen digest")
    doc = json.loads(data)
    doc["external_entropy"] = draw.external_entropy
    if data.count(EMPTY_ENTROPY) == 1:
        member = b'"external_entropy":' + canonical_json(draw.external_entropy)
        digest = hashlib.sha256(data.replace(EMPTY_ENTROPY, member)).hexdigest()
    else:
        digest = solver_adapter.digest_hex(doc)
    return doc, digest


def secret_of(draw: Draw) -> bytes:
    return draw_store.unseal_secret(draw.code, draw.secret_sealed, draw.commitment)


def run(session: Session, draw: Draw, job: DrawJob, progress: Progress | None = None) -> None:
    progress = progress or NullProgress()
    if draw.state != "queued":
        raise RunError(f"draw {draw.code} is {draw.state}, not queued")
    progress.stage("read")
    doc, input_digest = _draw_instance_and_digest(draw)
    doc["secret"] = secret_of(draw).hex()
    outcome = solver_adapter.run_draw(doc, progress, digest=input_digest)
    if outcome["input_digest"] != input_digest or outcome["commitment"] != draw.commitment:
        raise RunError(f"draw {draw.code}: the solver's outcome names other inputs than the frozen ones")
    progress.stage("write")
    path, data = draw_store.write_document(draw.code, "outcome.json", outcome)
    progress.stage("save")
    _end_reads(session)
    store_outcome(session, draw, doc, outcome, input_digest, path, solver_adapter.result_digest_hex(outcome))
    _finish(session, job)


def store_outcome(session: Session, draw: Draw, instance: dict, outcome: dict, input_digest: str,
                  path: str, result_digest: str) -> None:
    """Add the outcome's digest, stats, visits and the review's summary to
    the session (the caller commits them together with the job's
    completion)."""
    visited = {v["uscc"] for v in outcome["visits"]} | {u["uscc"] for u in outcome["unfilled"]}
    entities = {e["uscc"]: e for e in instance["entities"] if e["uscc"] in visited}
    replaces = None
    if draw.parent_id is not None:
        replaces = session.exec(select(DrawVisit.id).where(DrawVisit.draw_id == draw.parent_id,
                                                           DrawVisit.visit_id == draw.redraw_visit)).one()
    rows = []
    for v in outcome["visits"]:
        e = entities[v["uscc"]]
        rows.append({"draw_id": draw.id, "visit_id": v["id"], "uscc": v["uscc"], "entity_name": e["name"][:200],
                     "district": e["district"], "tasks": v["tasks"], "departments": v["departments"],
                     "team": v["team"], "day": date.fromisoformat(v["date"]),
                     "current": draw.cancelled_at is None,
                     "replaces_id": replaces})
    if rows:  # one executemany (ENGINEERING-NOTES: ORM add_all is ~10x slower)
        session.execute(sa.insert(DrawVisit), rows)
        # the teams as rows too (visit_member, migration 0017): the inspector's visit list
        pks = dict(session.execute(select(DrawVisit.visit_id, DrawVisit.id).where(DrawVisit.draw_id == draw.id)).all())
        members = [{"inspector": m, "visit_pk": pks[r["visit_id"]]} for r in rows for m in dict.fromkeys(r["team"])]
        if members:
            session.execute(sa.insert(VisitMember), members)
    unfilled = [dict(u, name=entities[u["uscc"]]["name"] if u["uscc"] in entities else "")
                for u in outcome["unfilled"]]
    session.add(draw_review.summarize(draw.id, ((r["team"], r["departments"], r["day"], r["district"])
                                                for r in rows), unfilled))
    stats = dict(draw.stats or {})
    stats.update(outcome.get("stats") or {})
    stats["unfilled"] = len(outcome["unfilled"])
    stats["sampled"] = sum(len(s) for s in outcome["samples"].values())
    stats["samples"] = {task: len(s) for task, s in outcome["samples"].items()}
    stats["excluded"] = outcome.get("excluded", {})
    draw.stats = stats
    draw.input_digest, draw.result_digest, draw.outcome_path = input_digest, result_digest, path
    draw.state, draw.drawn_at = "drawn", utcnow()
    session.add(draw)
    event(session, draw, "drawn", None, input_digest=input_digest, result_digest=result_digest,
          visits=len(rows), unfilled=len(outcome["unfilled"]))
    session.flush()


def _end_reads(session: Session) -> None:
    """End the long read transaction before writing: on SQLite (WAL) a read
    snapshot older than the heartbeat's writes cannot become a write."""
    session.commit()


def _finish(session: Session, job: DrawJob) -> None:
    job.state, job.finished_at, job.stage = "done", utcnow(), "done"
    session.add(job)
