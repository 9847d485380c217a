"""The draw ceremony through the API: start (freeze and commit), the
external entropy with its witnesses, status and progress, the outcome
(planners, once drawn: as on the review page), seal, reveal, cancel, retry,
redraw of one visit with a reason, and the draw's trail. Each step is the
planner pages' service call (``services/draws.py``, ``services/redraws.py``)
and background work starts with the same launcher. The public register
(``/public/draws``) shows what the public pages show, the documents only
once the draw is revealed (``services/draw_register.py``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from flask import Response
from pydantic import Field
import sqlalchemy as sa

from ...db import get_session
from ...jobs.launcher import launch
from ...models import Draw, DrawVisit
from ...services import draw_register, draw_review, redraws
from ...services import draws as draw_service
from ...services import plans as plan_service
from ...services.search import keyset_page
from . import PLANNER, auth, bp, current_user
from .problems import ApiProblem
from .registries import decode_cursor, encode_cursor
from .schemas import Cursor, Id, Input, Output, out_model

TAG = "Draws"
Reason = Annotated[str, Field(max_length=500)]

DrawOut = out_model(Draw, exclude=("secret_sealed", "instance_path", "outcome_path"))
VisitOut = out_model(DrawVisit)


class StartBody(Input):
    tasks: list[Id] = Field(min_length=1, max_length=100, description="Task ids of the plan")
    entropy_source: Annotated[str, Field(max_length=300)] = Field(
        description="The named source of the external entropy, fixed at commitment")


class Witness(Input):
    name: Annotated[str, Field(max_length=100)]
    role: Annotated[str, Field(max_length=100)] = ""


class EntropyBody(Input):
    entropy: Annotated[str, Field(max_length=200)]
    witnesses: list[Witness] = Field(max_length=20)


class ConfirmBody(Input):
    reason: Reason
    confirm: bool = Field(description="Must be true: the step cannot be undone")


class RedrawBody(Input):
    visit_id: Annotated[str, Field(max_length=16)]
    cause: Annotated[str, Field(max_length=32)]
    reason: Reason
    entropy_source: Annotated[str, Field(max_length=300)]
    inspector: Annotated[str, Field(max_length=32)] | None = None


class JobOut(Output):
    id: int
    kind: str
    state: str
    attempt: int
    stage: str | None = None
    done: int
    total: int | None = None
    heartbeat: datetime | None = None
    stale: bool
    error: str | None = None


class WitnessOut(Output):
    name: str
    role: str


class DrawStatus(Output):
    draw: DrawOut
    job: JobOut | None = None
    busy: bool
    witnesses: list[WitnessOut]
    revealed: bool
    history: list[int] = Field(description="Ids of the draw's chain (original and redraws)")


class DrawList(Output):
    items: list[DrawOut]


class OutcomePage(Output):
    items: list[VisitOut]
    next_cursor: str | None = None
    samples: dict[str, int]
    unfilled: int


class OutcomeQuery(Input):
    limit: int = Field(default=200, ge=1, le=1000)
    cursor: Cursor | None = None


class EventOut(Output):
    id: int
    at: datetime
    actor: str | None = None
    action: str
    detail: dict
    text: str


class Trail(Output):
    draw: int
    items: list[EventOut]


class RegisterEntryOut(Output):
    code: str
    plan_id: int
    plan_number: str
    tasks: list[str]
    window_start: date
    window_end: date
    state: str
    entropy_source: str
    frozen_digest: str | None = None
    commitment: str | None = None
    external_entropy: str | None = None
    witnesses: list[WitnessOut]
    input_digest: str | None = None
    result_digest: str | None = None
    sealed: bool
    revealed: bool
    reveal_from: date | None = None
    waiting: list[str]
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None
    documents: list[str] = Field(description="Names of the documents (once revealed)")


class RegisterList(Output):
    items: list[RegisterEntryOut]


def _draw(draw_id: int) -> Draw:
    draw = draw_service.get_draw(get_session(), draw_id)
    if draw is None:
        raise ApiProblem(404, "not_found", "No draw with this id.")
    return draw


def _status(draw: Draw) -> dict:
    session = get_session()
    job = draw_service.latest_job(session, draw)
    job_out = None
    if job is not None:
        job_out = {"id": job.id, "kind": job.kind, "state": job.state, "attempt": job.attempt, "stage": job.stage,
                   "done": job.done, "total": job.total, "heartbeat": job.heartbeat,
                   "stale": draw_service.job_is_stale(job), "error": job.error}
    busy = draw.state in ("freezing", "queued") and job is not None and job.state in ("pending", "running") \
        and not job_out["stale"]
    return {"draw": draw.model_dump(), "job": job_out, "busy": busy,
            "witnesses": [{"name": w.name, "role": w.role} for w in draw_service.witnesses(session, draw)],
            "revealed": draw_service.is_revealed(draw, session=session),
            "history": [d.id for d in draw_service.history(session, draw)]}


@bp.get("/draws")
@bp.auth_required(auth, roles=PLANNER)
@bp.output(DrawList)
@bp.doc(tags=[TAG], summary="Every draw")
def draw_list():
    return {"items": [d.model_dump() for d in draw_service.list_draws(get_session())]}


@bp.post("/plans/<int:plan_id>/draws")
@bp.auth_required(auth, roles=PLANNER)
@bp.input(StartBody, arg_name="body")
@bp.output(DrawStatus, status_code=202)
@bp.doc(tags=[TAG], summary="Start a draw: freeze the input and publish the commitment (in the background)",
        description="409 when another draw covers a task. Poll `GET /draws/{id}` until `committed`.")
def draw_start(plan_id: int, body: StartBody):
    session = get_session()
    plan = plan_service.get_plan(session, plan_id)
    if plan is None:
        raise ApiProblem(404, "not_found", "No plan with this id.")
    user = current_user()
    draw, job = draw_service.start_draw(session, plan, list(body.tasks), body.entropy_source, actor=user.username,
                                        user=user)
    launch(job.id)
    return _status(_draw(draw.id))


@bp.get("/draws/<int:draw_id>")
@bp.auth_required(auth, roles=PLANNER)
@bp.output(DrawStatus)
@bp.doc(tags=[TAG], summary="A draw's status, digests, witnesses and background progress")
def draw_status(draw_id: int):
    return _status(_draw(draw_id))


@bp.post("/draws/<int:draw_id>/entropy")
@bp.auth_required(auth, roles=PLANNER)
@bp.input(EntropyBody, arg_name="body")
@bp.output(DrawStatus, status_code=202)
@bp.doc(tags=[TAG], summary="Enter the external entropy with its witnesses; the draw runs in the background")
def draw_entropy(draw_id: int, body: EntropyBody):
    session = get_session()
    user = current_user()
    job = draw_service.enter_entropy(session, _draw(draw_id), body.entropy, [(w.name, w.role) for w in body.witnesses],
                                     actor=user.username, user=user)
    launch(job.id)
    return _status(_draw(draw_id))


@bp.post("/draws/<int:draw_id>/retry")
@bp.auth_required(auth, roles=PLANNER)
@bp.output(DrawStatus, status_code=202)
@bp.doc(tags=[TAG], summary="Run a failed or interrupted background step again")
def draw_retry(draw_id: int):
    session = get_session()
    user = current_user()
    job = draw_service.retry_job(session, _draw(draw_id), actor=user.username, user=user)
    launch(job.id)
    return _status(_draw(draw_id))


@bp.get("/draws/<int:draw_id>/outcome")
@bp.auth_required(auth, roles=PLANNER)
@bp.input(OutcomeQuery, location="query", arg_name="query_data")
@bp.output(OutcomePage)
@bp.doc(tags=[TAG], summary="The drawn visits (planners, once drawn; confidential until revealed)",
        description="What the planner's review page shows. Inspectors see their own visits only "
                    "(`/my/visits`), the public only a revealed draw's documents.")
def draw_outcome(draw_id: int, query_data: OutcomeQuery):
    session = get_session()
    draw = _draw(draw_id)
    draw_review.require_outcome(draw)
    order = [DrawVisit.visit_id]
    after = decode_cursor(query_data.cursor, order) if query_data.cursor else None
    rows, next_key = keyset_page(session, sa.select(DrawVisit).where(DrawVisit.draw_id == draw.id), order, after,
                                 query_data.limit)
    summary = draw_review.draw_summary(session, draw)
    samples = draw_review.sample_sizes(draw)
    return {"items": [v.model_dump() for v in rows], "next_cursor": encode_cursor(next_key) if next_key else None,
            "samples": samples, "unfilled": len(summary.unfilled)}


@bp.post("/draws/<int:draw_id>/seal")
@bp.auth_required(auth, roles=PLANNER)
@bp.output(DrawStatus)
@bp.doc(tags=[TAG], summary="Seal a drawn outcome (the result digest becomes public; the list stays confidential)")
def draw_seal(draw_id: int):
    user = current_user()
    draw_service.seal(get_session(), _draw(draw_id), actor=user.username, user=user)
    return _status(_draw(draw_id))


@bp.post("/draws/<int:draw_id>/reveal")
@bp.auth_required(auth, roles=PLANNER)
@bp.input(ConfirmBody, arg_name="body")
@bp.output(DrawStatus)
@bp.doc(tags=[TAG], summary="Reveal a sealed draw after its window (instance, secret and outcome become public)")
def draw_reveal(draw_id: int, body: ConfirmBody):
    user = current_user()
    draw_service.reveal(get_session(), _draw(draw_id), body.reason, confirmed=body.confirm, actor=user.username,
                        user=user)
    return _status(_draw(draw_id))


@bp.post("/draws/<int:draw_id>/cancel")
@bp.auth_required(auth, roles=PLANNER)
@bp.input(ConfirmBody, arg_name="body")
@bp.output(DrawStatus)
@bp.doc(tags=[TAG], summary="Cancel a draw formally (its reason is public; its tasks may be drawn again)")
def draw_cancel(draw_id: int, body: ConfirmBody):
    user = current_user()
    draw_service.cancel(get_session(), _draw(draw_id), body.reason, confirmed=body.confirm, actor=user.username,
                        user=user)
    return _status(_draw(draw_id))


@bp.post("/draws/<int:draw_id>/redraw")
@bp.auth_required(auth, roles=PLANNER)
@bp.input(RedrawBody, arg_name="body")
@bp.output(DrawStatus, status_code=202)
@bp.doc(tags=[TAG], summary="Redraw one visit of a sealed draw, with a cause and a reason (a new draw)")
def draw_redraw(draw_id: int, body: RedrawBody):
    session = get_session()
    user = current_user()
    draw, job = redraws.request_redraw(session, _draw(draw_id), body.visit_id, body.cause, body.reason,
                                       body.entropy_source, inspector=body.inspector, actor=user.username, user=user)
    launch(job.id)
    return _status(_draw(draw.id))


@bp.get("/draws/<int:draw_id>/trail")
@bp.auth_required(auth, roles=PLANNER)
@bp.output(Trail)
@bp.doc(tags=["Audit"], summary="The draw's trail (全程留痕): every step, who and when")
def draw_trail(draw_id: int):
    draw = _draw(draw_id)
    return {"draw": draw.id, "items": [{"id": e.id, "at": e.at, "actor": e.actor, "action": e.action,
                                        "detail": e.detail or {}, "text": draw_service.describe(e)}
                                       for e in draw_service.events(get_session(), draw)]}


# --- the public register ---

def _entry_out(entry) -> dict:
    d = entry.draw
    return {"code": d.code, "plan_id": entry.plan.id, "plan_number": entry.plan.number, "tasks": list(d.task_codes),
            "window_start": d.window_start, "window_end": d.window_end, "state": d.state,
            "entropy_source": d.entropy_source, "frozen_digest": d.frozen_digest, "commitment": d.commitment,
            "external_entropy": d.external_entropy if d.entropy_at else None,
            "witnesses": [{"name": w.name, "role": w.role} for w in entry.witnesses],
            "input_digest": d.input_digest if d.drawn_at else None,
            "result_digest": d.result_digest if d.drawn_at else None, "sealed": entry.sealed,
            "revealed": entry.revealed, "reveal_from": entry.reveal_from, "waiting": list(entry.waiting),
            "cancelled_at": d.cancelled_at, "cancel_reason": d.cancel_reason,
            "documents": list(draw_register.DOCUMENTS) if entry.revealed else []}


@bp.get("/public/draws")
@bp.output(RegisterList)
@bp.doc(tags=["Public record"], summary="The public draw register (摇号公示)")
def public_draws():
    return {"items": [_entry_out(e) for e in draw_register.public_draws(get_session())]}


@bp.get("/public/draws/<code>")
@bp.output(RegisterEntryOut)
@bp.doc(tags=["Public record"], summary="One draw of the public register")
def public_draw(code: str):
    entry = draw_register.public_draw(get_session(), code[:40])
    if entry is None:
        raise ApiProblem(404, "not_found", "No draw with this code in the register.")
    return _entry_out(entry)


@bp.get("/public/draws/<code>/documents/<any(" + ",".join(n.replace(".", "_") for n in draw_register.DOCUMENTS)
        + "):name>")
@bp.output({}, content_type="application/octet-stream",
           description="instance.json, secret.txt or outcome.json (once revealed), for `python -m solver verify`")
@bp.doc(tags=["Public record"], summary="A revealed draw's document (instance_json, secret_txt, outcome_json)")
def public_draw_document(code: str, name: str):
    entry = draw_register.public_draw(get_session(), code[:40])
    filename = name.replace("_", ".")
    data = draw_register.document(entry, filename) if entry is not None else None
    if data is None:  # no such draw, or not revealed: the same answer
        raise ApiProblem(404, "not_found", "No such document (the draw may not be revealed yet).")
    return Response(data, mimetype="application/json" if filename.endswith(".json") else "text/plain")
