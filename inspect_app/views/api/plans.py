"""Plans and tasks through the API: list, create, read, edit draft tasks,
publish, new version, and the population preview — each step the planner
pages' service call (``services/plans.py``, ``services/plan_preview.py``)
with the same scope rules (the plan's owner department)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field

from ...db import get_session
from ...models import Plan, Task
from ...services import plans as plan_service
from ...services.plan_preview import preview_plan
from . import PLANNER, auth, bp, current_user
from .problems import ApiProblem
from .schemas import Id, Input, Output, out_model

TAG = "Plans"
Word = Annotated[str, Field(min_length=1, max_length=100)]
Ratio = Annotated[str, Field(max_length=16, description="A decimal 0–1, e.g. \"0.03\"")]

PlanOut = out_model(Plan)
TaskOut = out_model(Task, exclude=("population",))


class PlanBody(Input):
    number: Annotated[str, Field(max_length=64)]
    name: Annotated[str, Field(max_length=200)]
    year: int = Field(ge=2000, le=2100)


class VersionBody(Input):
    change_note: Annotated[str, Field(max_length=500)]


class TaskFilter(Input):
    tags_any: list[Word] = Field(default_factory=list, max_length=100)
    districts: list[Word] = Field(default_factory=list, max_length=500)
    industries: list[Word] = Field(default_factory=list, max_length=100)
    types: list[Word] = Field(default_factory=list, max_length=100)
    risks: list[Literal["A", "B", "C", "D"]] = Field(default_factory=list, max_length=4)
    lists_any: list[Word] = Field(default_factory=list, max_length=20)


class TaskBody(Input):
    name: Annotated[str, Field(max_length=200)]
    code: Annotated[str, Field(max_length=32)] = ""
    department: Annotated[str, Field(max_length=32)]
    participating: list[Annotated[str, Field(max_length=32)]] = Field(default_factory=list, max_length=50)
    items: list[Id] = Field(max_length=500, description="Check item ids (published, current)")
    window_start: date
    window_end: date
    filter: TaskFilter = Field(default_factory=TaskFilter)
    ratio: dict[Literal["A", "B", "C", "D"], Ratio] | None = Field(default=None, description="Sampling ratio per "
                                                                 "risk class; or `count`")
    count: int | None = Field(default=None, ge=1, le=1_000_000)
    list_ratio: dict[Annotated[str, Field(max_length=100)], Ratio] = Field(default_factory=dict, max_length=20)
    inspectors_per_visit: int = Field(default=2, ge=1, le=1000)

    def as_input(self) -> plan_service.TaskInput:
        return plan_service.TaskInput(
            name=self.name, code=self.code, department=self.department, participating=list(self.participating),
            items=list(self.items), window_start=self.window_start, window_end=self.window_end,
            filter=self.filter.model_dump(), ratio=dict(self.ratio) if self.ratio is not None else None,
            count=self.count, list_ratio=dict(self.list_ratio), inspectors_per_visit=self.inspectors_per_visit)


class PlanList(Output):
    items: list[PlanOut]


class PlanDetail(Output):
    plan: PlanOut
    tasks: list[TaskOut]
    versions: list[PlanOut]


class StratumOut(Output):
    key: str
    population: int
    ratio: str | None = None
    sample: int


class TaskPreviewOut(Output):
    task: int
    population: int
    expected_visits: int
    places: dict[str, int]
    strata: list[StratumOut]


class CapacityOut(Output):
    window_start: date
    window_end: date
    department: str
    inspectors: int
    capacity: int
    needed: int
    short: bool


class PreviewOut(Output):
    tasks: list[TaskPreviewOut]
    capacity: list[CapacityOut]
    calendar_missing: list[str]
    registry_changed: bool


class PreviewQuery(Input):
    refresh: bool = False


def _plan(plan_id: int) -> Plan:
    plan = plan_service.get_plan(get_session(), plan_id)
    if plan is None:
        raise ApiProblem(404, "not_found", "No plan with this id.")
    return plan


def _task(task_id: int) -> Task:
    task = get_session().get(Task, task_id)
    if task is None:
        raise ApiProblem(404, "not_found", "No task with this id.")
    return task


def _detail(plan: Plan) -> dict:
    session = get_session()
    return {"plan": plan.model_dump(), "tasks": [t.model_dump() for t in plan_service.plan_tasks(session, plan.id)],
            "versions": [p.model_dump() for p in plan_service.plan_versions(session, plan)]}


@bp.get("/plans")
@bp.auth_required(auth, roles=PLANNER)
@bp.output(PlanList)
@bp.doc(tags=[TAG], summary="Every plan and version, newest year first")
def plan_list():
    return {"items": [p.model_dump() for p in plan_service.list_plans(get_session())]}


@bp.post("/plans")
@bp.auth_required(auth, roles=PLANNER)
@bp.input(PlanBody, arg_name="body")
@bp.output(PlanDetail, status_code=201)
@bp.doc(tags=[TAG], summary="Create a draft plan (owned by the caller's department)")
def plan_create(body: PlanBody):
    user = current_user()
    plan = plan_service.create_plan(get_session(), body.number, body.name, body.year, actor=user.username, user=user)
    return _detail(plan)


@bp.get("/plans/<int:plan_id>")
@bp.auth_required(auth, roles=PLANNER)
@bp.output(PlanDetail)
@bp.doc(tags=[TAG], summary="A plan with its tasks and versions")
def plan_detail(plan_id: int):
    return _detail(_plan(plan_id))


@bp.get("/plans/<int:plan_id>/preview")
@bp.auth_required(auth, roles=PLANNER)
@bp.input(PreviewQuery, location="query", arg_name="query_data")
@bp.output(PreviewOut)
@bp.doc(tags=[TAG], summary="Population preview: strata, expected visits, inspector capacity",
        description="From the populations counted when each task was saved; `refresh=true` counts again.")
def plan_preview(plan_id: int, query_data: PreviewQuery):
    session = get_session()
    preview = preview_plan(session, plan_service.plan_tasks(session, _plan(plan_id).id), refresh=query_data.refresh)
    return {"tasks": [{"task": p.task.id, "population": p.population, "expected_visits": p.expected_visits,
                       "places": p.places, "strata": [vars(s) for s in p.strata]} for p in preview.tasks],
            "capacity": [{"window_start": start, "window_end": end, "department": c.department,
                          "inspectors": c.inspectors, "capacity": c.capacity, "needed": c.needed, "short": c.short}
                         for (start, end), caps in preview.capacity.items() for c in caps],
            "calendar_missing": preview.calendar_missing, "registry_changed": preview.registry_changed}


@bp.post("/plans/<int:plan_id>/publish")
@bp.auth_required(auth, roles=PLANNER)
@bp.output(PlanDetail)
@bp.doc(tags=[TAG], summary="Publish a draft plan (then frozen; the version it replaces is superseded)")
def plan_publish(plan_id: int):
    return _detail(plan_service.publish_plan(get_session(), _plan(plan_id), user=current_user()))


@bp.post("/plans/<int:plan_id>/versions")
@bp.auth_required(auth, roles=PLANNER)
@bp.input(VersionBody, arg_name="body")
@bp.output(PlanDetail, status_code=201)
@bp.doc(tags=[TAG], summary="A new draft version of a published plan, with copies of its tasks")
def plan_new_version(plan_id: int, body: VersionBody):
    user = current_user()
    copy = plan_service.new_version(get_session(), _plan(plan_id), body.change_note, actor=user.username, user=user)
    return _detail(copy)


@bp.post("/plans/<int:plan_id>/tasks")
@bp.auth_required(auth, roles=PLANNER)
@bp.input(TaskBody, arg_name="body")
@bp.output(TaskOut, status_code=201)
@bp.doc(tags=[TAG], summary="Add a task to a draft plan")
def task_create(plan_id: int, body: TaskBody):
    return plan_service.add_task(get_session(), _plan(plan_id), body.as_input(), user=current_user()).model_dump()


@bp.put("/tasks/<int:task_id>")
@bp.auth_required(auth, roles=PLANNER)
@bp.input(TaskBody, arg_name="body")
@bp.output(TaskOut)
@bp.doc(tags=[TAG], summary="Replace a task of a draft plan")
def task_update(task_id: int, body: TaskBody):
    return plan_service.update_task(get_session(), _task(task_id), body.as_input(), user=current_user()).model_dump()


@bp.delete("/tasks/<int:task_id>")
@bp.auth_required(auth, roles=PLANNER)
@bp.output({}, status_code=204)
@bp.doc(tags=[TAG], summary="Remove a task from a draft plan")
def task_delete(task_id: int):
    plan_service.remove_task(get_session(), _task(task_id), user=current_user())
    return ""
