"""Models of the results endpoints: an inspector's visits, drafts and
submissions, a planner's review, and the public record."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import Field

from ...services.result_checks import ITEMS_MAX, SEQ_MAX
from ...services.results import KEY_MAX
from .schemas import Input, Output

ItemKey = Annotated[str, Field(max_length=12, pattern=r"^[0-9]+$")]


class ItemValues(Input):
    code: Annotated[str, Field(max_length=16)] | None = Field(default=None, description="Result code (01 …)")
    remark: Annotated[str, Field(max_length=2000)] | None = None
    rectify_by: Annotated[str, Field(max_length=10)] | None = Field(default=None, description="YYYY-MM-DD")


class DraftBody(Input):
    seq: int = Field(ge=1, le=SEQ_MAX, description="The client's save number; a save not above the stored "
                                                   "one changes nothing (idempotent retries)")
    completed_on: Annotated[str, Field(max_length=10)] | None = Field(default=None, description="YYYY-MM-DD")
    items: dict[ItemKey, ItemValues] = Field(default_factory=dict, max_length=ITEMS_MAX,
                                             description="Check item id → the fields to change")


class SubmitBody(Input):
    idempotency_key: Annotated[str, Field(min_length=1, max_length=KEY_MAX)] = Field(
        description="Chosen by the client; a repeated submission with the same key answers with the result "
                    "that submission submitted and changes nothing")


class ReasonBody(Input):
    reason: Annotated[str, Field(max_length=500)]


class VisitSummary(Output):
    id: int = Field(description="The visit's id in the API (draw_visit.id)")
    visit_id: str
    day: date
    entity_name: str
    uscc: str
    district: str
    tasks: list[str]
    departments: list[str]
    joint: bool
    draw_code: str
    lead: bool = Field(description="The caller leads the team")


class VisitList(Output):
    inspector: str | None
    today: date
    visible_days: int
    items: list[VisitSummary]


class ItemResultOut(Output):
    item_id: int
    department: str
    code: str | None = None
    remark: str | None = None
    rectify_by: date | None = None


class ResultOut(Output):
    visit: int
    revision: int
    state: str
    saved_seq: int
    completed_on: date | None = None
    submitted_at: datetime | None = None
    submitted_by: str | None = None
    return_reason: str | None = None
    revision_reason: str | None = None
    items: list[ItemResultOut]


class CheckItemOut(Output):
    id: int
    code: str
    name: str
    legal_basis: str
    content: str
    method: str | None = None
    department: str


class MemberOut(Output):
    id: str
    name: str
    department: str
    lead: bool


class VisitOut(Output):
    id: int
    visit_id: str
    day: date
    draw_code: str
    entity: dict
    tasks: list[dict]
    team: list[MemberOut]
    items: list[CheckItemOut]
    i_lead: bool
    result: ResultOut | None = None


class SaveOut(Output):
    saved: int
    state: str
    changed: bool = Field(description="False: an old or repeated seq; nothing was written")


class ProgressRowOut(Output):
    visit: int
    visit_id: str
    uscc: str
    entity_name: str
    day: date
    state: str | None = None
    revision: int | None = None
    completed_on: date | None = None
    overdue: bool
    deadline: date | None = None
    flag: str | None = None


class ProgressOut(Output):
    draw: int
    today: date
    counts: dict[str, int]
    page: int
    pages: int
    items: list[ProgressRowOut]


class TrailEventOut(Output):
    at: datetime
    actor: str | None = None
    action: str
    detail: dict | None = None


class ReviewOut(Output):
    visit: int
    visit_id: str
    uscc: str
    entity_name: str
    review_department: str | None = None
    may_review: bool
    result: ResultOut | None = None
    revisions: list[ResultOut]
    trail: list[TrailEventOut]
    published: int | None = Field(default=None, description="The current public record's id")


class StateQuery(Input):
    state: Annotated[str, Field(max_length=16)] | None = None
    page: int = Field(default=1, ge=1, le=100_000)
    limit: int = Field(default=200, ge=1, le=1000)


class BulletinQuery(Input):
    page: int = Field(default=1, ge=1, le=100_000)


class PublicItem(Output):
    item: int | None = None
    task: int | None = None
    department: str | None = None
    name: str | None = None
    code: str | None = None
    result: str | None = Field(default=None, description="The code's public wording")


class PublicRecord(Output):
    id: int
    revision: int
    current: bool
    correction_reason: str | None = None
    published_at: datetime
    uscc: str
    entity_name: str
    entity_type: str | None = None
    district: str
    plan_id: int
    year: int
    directed: bool
    departments: list[str]
    joint: bool
    completed_on: date
    items: list[PublicItem]
    problems: int


class PublicTask(Output):
    id: int
    number: int
    code: str
    name: str
    directed: bool
    records: int


class PublicPlan(Output):
    id: int
    number: str
    name: str
    year: int
    version: int
    status: str
    tasks: list[PublicTask]


class PublicIndex(Output):
    items: list[PublicPlan]


class BulletinOut(Output):
    task: PublicTask
    plan: int
    title: str
    authority: list[str]
    total: int
    page: int
    pages: int
    records: list[PublicRecord]


class RecordOut(Output):
    record: PublicRecord
    revisions: list[PublicRecord]
    draw_code: str | None = None
    authority: list[str]
    bulletins: list[str]
