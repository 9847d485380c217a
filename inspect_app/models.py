"""Data models: the one list and two registries (一单两库) and what they need.

Conventions
-----------
* Registry keys are the business identifiers planners use (USCC, inspector
  number, department code, item code); imports upsert on them.
* Multi-valued attributes that are only ever read as a whole (tags, lists,
  qualifications) are stored as JSON arrays of strings.
* Nothing here is deleted by the application: entities missing from a full
  registry file are marked inactive, items get a new version, draws are
  immutable (see the planner workflow).
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from uuid import uuid4

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel

RISK_CLASSES = ("A", "B", "C", "D")
ROLES = ("admin", "planner", "inspector")
# Registration statuses as the registration authorities write them; only the
# first two count as active (存续/在业) for sampling.
ACTIVE_STATUSES = ("存续", "在业")
ENTITY_STATUSES = ("存续", "在业", "停业", "清算", "注销", "吊销", "撤销", "迁出")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _json_list() -> Column:
    return Column(JSON, nullable=False, default=list)


class Department(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=32)  # short code, e.g. "SCJG"
    name: str = Field(max_length=100)  # 市场监督管理局
    name_en: str | None = Field(default=None, max_length=200)


class District(SQLModel, table=True):
    """Administrative division: GB/T 2260 six-digit code plus street-level
    digits (e.g. 350181 + 001). A filter on a district matches by prefix."""

    code: str = Field(primary_key=True, max_length=12)
    name: str = Field(max_length=100)
    parent_code: str | None = Field(default=None, max_length=12, index=True)
    level: int = 0  # 1 province, 2 city, 3 county, 4 street


class Entity(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    uscc: str = Field(max_length=18, unique=True)
    name: str = Field(max_length=200)
    type: str | None = Field(default=None, max_length=50)  # 有限责任公司, 个体工商户 …
    legal_rep: str | None = Field(default=None, max_length=100)
    address: str | None = Field(default=None, max_length=300)
    district: str = Field(max_length=12, foreign_key="district.code", index=True)
    industry: str | None = Field(default=None, max_length=100, index=True)
    status: str = Field(default="存续", max_length=10, index=True)
    risk: str = Field(default="B", max_length=1, index=True)
    lists: list[str] = Field(default_factory=list, sa_column=_json_list())
    tags: list[str] = Field(default_factory=list, sa_column=_json_list())
    # Present in the last full registry file (sync import); separate from status.
    active: bool = Field(default=True, sa_column=Column(sa.Boolean, nullable=False, server_default=sa.true(), index=True))
    updated_at: datetime = Field(default_factory=utcnow, index=True)  # the plan preview's "changed since"


class Inspector(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=32)  # staff number, e.g. "E001"
    name: str = Field(max_length=100)
    department: str = Field(max_length=32, foreign_key="department.id", index=True)
    district: str = Field(max_length=12, foreign_key="district.code", index=True)
    certificate_no: str | None = Field(default=None, max_length=64)
    certificate_expires: date | None = None
    qualifications: list[str] = Field(default_factory=list, sa_column=_json_list())
    specialities: list[str] = Field(default_factory=list, sa_column=_json_list())
    active: bool = True
    max_visits: int = 30  # capacity per draw window
    updated_at: datetime = Field(default_factory=utcnow)


class InspectorLeave(SQLModel, table=True):
    __tablename__ = "inspector_leave"
    id: int | None = Field(default=None, primary_key=True)
    inspector: str = Field(max_length=32, foreign_key="inspector.id", index=True)
    start: date
    end: date
    reason: str | None = Field(default=None, max_length=200)


class Conflict(SQLModel, table=True):
    """Declared interest of an inspector in an entity (回避)."""

    __table_args__ = (sa.UniqueConstraint("inspector", "uscc"),)
    id: int | None = Field(default=None, primary_key=True)
    inspector: str = Field(max_length=32, foreign_key="inspector.id", index=True)
    uscc: str = Field(max_length=18, index=True)
    reason: str = Field(max_length=200)
    declared_on: date


class PairConflict(SQLModel, table=True):
    """Two inspectors who must not be on one team; stored with a < b."""

    __tablename__ = "pair_conflict"
    __table_args__ = (sa.UniqueConstraint("a", "b"), sa.CheckConstraint("a < b", name="ck_pair_order"))
    id: int | None = Field(default=None, primary_key=True)
    a: str = Field(max_length=32, foreign_key="inspector.id")
    b: str = Field(max_length=32, foreign_key="inspector.id")
    reason: str | None = Field(default=None, max_length=200)
    declared_on: date | None = None


class CheckItem(SQLModel, table=True):
    """An entry of the random-check item list (随机抽查事项清单).

    Items are versioned: editing a published item creates a new row with the
    same code and version + 1; tasks keep pointing at the version they used.
    """

    __tablename__ = "check_item"
    __table_args__ = (sa.UniqueConstraint("code", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, index=True)
    version: int = 1
    department: str = Field(max_length=32, foreign_key="department.id", index=True)
    name: str = Field(max_length=200)
    legal_basis: str = Field(default="", sa_column=Column(sa.Text, nullable=False, default=""))
    content: str = Field(default="", sa_column=Column(sa.Text, nullable=False, default=""))
    method: str | None = Field(default=None, max_length=100)  # 现场检查, 书面检查 …
    qualification: str | None = Field(default=None, max_length=50)
    ratio_a: str = Field(default="0.01", max_length=10)  # exact decimals as text
    ratio_b: str = Field(default="0.03", max_length=10)
    ratio_c: str = Field(default="0.10", max_length=10)
    ratio_d: str = Field(default="0.30", max_length=10)
    frequency: str | None = Field(default=None, max_length=50)  # 每年一次 …
    published: bool = False
    current: bool = True  # the newest version of its code


class CheckRecord(SQLModel, table=True):
    """A past check of an entity (from earlier draws or imported history);
    feeds rotation, the recent-check exclusion and the frequency cap."""

    __tablename__ = "check_record"
    id: int | None = Field(default=None, primary_key=True)
    uscc: str = Field(max_length=18, index=True)
    department: str = Field(max_length=32, foreign_key="department.id")
    checked_on: date = Field(index=True)
    inspectors: list[str] = Field(default_factory=list, sa_column=_json_list())
    source: str | None = Field(default=None, max_length=64)  # draw id or "import"


class ResultCodeSet(SQLModel, table=True):
    """A version of the result-code table; results record the version used."""

    __tablename__ = "result_code_set"
    version: int = Field(primary_key=True)
    effective_from: date
    note: str | None = Field(default=None, max_length=200)


class ResultCode(SQLModel, table=True):
    __tablename__ = "result_code"
    __table_args__ = (sa.UniqueConstraint("version", "code"),)
    id: int | None = Field(default=None, primary_key=True)
    version: int = Field(foreign_key="result_code_set.version", index=True)
    code: str = Field(max_length=16)
    parent_code: str | None = Field(default=None, max_length=16)
    name_zh: str = Field(max_length=100)
    name_en: str = Field(max_length=200)
    sort: int = 0


class CalendarYear(SQLModel, table=True):
    """A year whose working-day arrangement is known, and where it came from."""

    __tablename__ = "calendar_year"
    year: int = Field(primary_key=True)
    source: str = Field(max_length=200)  # "chinese-calendar 1.11.0" or the notice's title
    imported_at: datetime = Field(default_factory=utcnow)


class CalendarDay(SQLModel, table=True):
    """An exception to Monday–Friday: a public holiday on a weekday, or a
    make-up working day (调休) on a weekend."""

    __tablename__ = "calendar_day"
    day: date = Field(primary_key=True)
    kind: str = Field(max_length=10)  # "holiday" | "workday"
    name: str | None = Field(default=None, max_length=50)


class User(SQLModel, table=True):
    __tablename__ = "user_account"
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    # services.accounts.username_key(username): NFKC + case-fold, so that
    # lookalike names (Planner / ｐlanner / planner) cannot coexist.
    username_key: str = Field(max_length=64, unique=True)
    password_hash: str = Field(max_length=255)
    # Compared with the session cookie's copy; bumping it ends every earlier
    # session of the user (see security.py).
    session_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    role: str = Field(max_length=16)  # one of ROLES
    # One account per inspector record.
    inspector: str | None = Field(default=None, max_length=32, foreign_key="inspector.id", unique=True)
    department: str | None = Field(default=None, max_length=32, foreign_key="department.id")
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)


# --- The planner's workflow: annual plans, tasks and the draw ceremony ---
#
# See docs/workflow.md. Plans are versioned (a published plan is frozen; a
# change creates a new version that points at the previous one). Draws are
# append-only: the database refuses to delete a draw, its visits, witnesses or
# events, and refuses to change a write-once column once it is set
# (migration 0004 installs the triggers).

PLAN_STATES = ("draft", "published", "superseded")
DRAW_STATES = ("freezing", "committed", "queued", "drawn", "sealed", "failed")
JOB_STATES = ("pending", "running", "done", "failed", "interrupted")


class Plan(SQLModel, table=True):
    """An annual random-check plan (年度抽查工作计划), one row per version."""

    __tablename__ = "plan"
    __table_args__ = (sa.UniqueConstraint("number", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=64, index=True)  # e.g. "闽榕市监〔2027〕1号"
    version: int = 1
    name: str = Field(max_length=200)
    year: int = Field(index=True)
    status: str = Field(default="draft", max_length=16)  # one of PLAN_STATES
    previous_id: int | None = Field(default=None, foreign_key="plan.id")
    change_note: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str | None = Field(default=None, max_length=64)
    published_at: datetime | None = None
    # The owner department (services/scope.py): its planners publish and
    # version the plan. Set at creation; None = only admins (migration 0012).
    department: str | None = Field(default=None, max_length=32, foreign_key="department.id", index=True)


class Task(SQLModel, table=True):
    """One batch of a plan (抽查任务). ``items`` holds check_item ids (the
    pinned versions); ratios are exact decimals kept as text."""

    __tablename__ = "task"
    __table_args__ = (sa.UniqueConstraint("plan_id", "code"),
                      sa.Index("ux_task_plan_lineage", "plan_id", "lineage", unique=True))  # migration 0009
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    code: str = Field(max_length=32)  # "T1": the task id in draw instances
    # The task's identity across plan versions (copied by plans.new_version,
    # used in draw_task.task_key): a renamed task is still the same batch.
    lineage: str | None = Field(default_factory=lambda: uuid4().hex, max_length=32)
    name: str = Field(max_length=200)
    department: str = Field(max_length=32, foreign_key="department.id")  # lead
    participating: list[str] = Field(default_factory=list, sa_column=_json_list())
    items: list[int] = Field(default_factory=list, sa_column=_json_list())
    directed: bool = False
    filter: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, default=dict))
    ratio: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    count: int | None = None
    list_ratio: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, default=dict))
    window_start: date
    window_end: date
    inspectors_per_visit: int = 2
    created_at: datetime = Field(default_factory=utcnow)
    # The active population matching ``filter``, as [risk, lists, count]
    # rows, counted when the task is saved or recounted (plan preview).
    population: list | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    counted_at: datetime | None = None


class Draw(SQLModel, table=True):
    """A draw (摇号) over one window and one or more tasks, or a redraw of one
    visit of an earlier draw (``parent_id``). Documents live in the draw store
    (``DRAW_STORE``); the database holds their digests."""

    __tablename__ = "draw"
    __table_args__ = (  # at most one redraw of a visit that has not failed (migration 0008)
        sa.Index("ux_draw_redraw_of_visit", "parent_id", "redraw_visit", unique=True,
                 sqlite_where=sa.text("parent_id IS NOT NULL AND state != 'failed'"),
                 postgresql_where=sa.text("parent_id IS NOT NULL AND state != 'failed'")),
    )
    id: int | None = Field(default=None, primary_key=True)
    code: str | None = Field(default=None, max_length=40, unique=True)  # public draw id
    plan_id: int = Field(foreign_key="plan.id", index=True)
    parent_id: int | None = Field(default=None, foreign_key="draw.id", index=True)
    redraw_visit: str | None = Field(default=None, max_length=16)  # visit id in the parent
    redraw_reason: str | None = Field(default=None, sa_column=Column(sa.Text, nullable=True))
    state: str = Field(default="freezing", max_length=16, index=True)  # one of DRAW_STATES
    window_start: date
    window_end: date
    task_codes: list[str] = Field(default_factory=list, sa_column=_json_list())
    entropy_source: str = Field(max_length=300)  # named at commitment
    frozen_digest: str | None = Field(default=None, max_length=64)  # instance digest, entropy ""
    commitment: str | None = Field(default=None, max_length=64)
    secret_sealed: str | None = Field(default=None, max_length=64)
    instance_path: str | None = Field(default=None, max_length=300)
    external_entropy: str | None = Field(default=None, max_length=200)
    input_digest: str | None = Field(default=None, max_length=64)  # with the entropy: seeds the draw
    result_digest: str | None = Field(default=None, max_length=64)
    outcome_path: str | None = Field(default=None, max_length=300)
    stats: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    error: str | None = Field(default=None, sa_column=Column(sa.Text, nullable=True))
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str | None = Field(default=None, max_length=64)
    committed_at: datetime | None = None
    entropy_at: datetime | None = None
    entropy_by: str | None = Field(default=None, max_length=64)
    drawn_at: datetime | None = None
    sealed_at: datetime | None = None
    sealed_by: str | None = Field(default=None, max_length=64)
    revealed_at: datetime | None = None
    revealed_by: str | None = Field(default=None, max_length=64)
    reveal_reason: str | None = Field(default=None, max_length=500)  # migration 0009
    # A formal cancellation (public, write-once): the draw keeps its state,
    # its visits stop being current, its tasks may be drawn again.
    cancelled_at: datetime | None = None
    cancelled_by: str | None = Field(default=None, max_length=64)
    cancel_reason: str | None = Field(default=None, max_length=500)
    # The latest window end among the other draws whose sealed visits the
    # frozen instance counts as history (frequency cap, rotation): the draw
    # is not revealed before they are done (set at freeze, write-once).
    history_until: date | None = None
    # Those draws' ids (outside the draw's own chain), set at freeze,
    # write-once (migration 0021): the draw is revealed only once each of
    # them is. None: frozen before 0021, sources unknown (the date rule
    # alone); [] none.
    history_sources: list[int] | None = Field(default=None, sa_column=Column(JSON(none_as_null=True),
                                                                           nullable=True))


class DrawTask(SQLModel, table=True):
    """The tasks an (original) draw covers. ``task_key`` (plan number + task
    lineage, plus ``#n`` for the n-th attempt after failed or cancelled draws) is unique: a
    task is drawn once, whatever plan version, and two planners pressing
    "draw" at the same moment cannot both win."""

    __tablename__ = "draw_task"
    id: int | None = Field(default=None, primary_key=True)
    draw_id: int = Field(foreign_key="draw.id", index=True)
    task_id: int = Field(foreign_key="task.id")
    task_key: str = Field(max_length=120, unique=True)


class DrawJob(SQLModel, table=True):
    """One run of background work for a draw: ``freeze`` (build the instance,
    commit) or ``draw`` (run the solver, store the outcome). A worker claims a
    pending job with a conditional update and beats a heartbeat while it runs."""

    __tablename__ = "draw_job"
    id: int | None = Field(default=None, primary_key=True)
    draw_id: int = Field(foreign_key="draw.id", index=True)
    kind: str = Field(max_length=16)  # "freeze" | "draw"
    state: str = Field(default="pending", max_length=16, index=True)  # one of JOB_STATES
    attempt: int = 1
    stage: str | None = Field(default=None, max_length=64)
    done: int = 0
    total: int | None = None
    worker: str | None = Field(default=None, max_length=120)  # host:pid
    heartbeat: datetime | None = None
    error: str | None = Field(default=None, sa_column=Column(sa.Text, nullable=True))
    created_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None
    finished_at: datetime | None = None


class DrawVisit(SQLModel, table=True):
    """A staffed visit of a draw, for schedules and the inspectors' views.
    A redraw's replacement supersedes the original: both rows stay,
    ``current`` tells which one counts."""

    __tablename__ = "draw_visit"
    __table_args__ = (sa.UniqueConstraint("draw_id", "visit_id"),)
    id: int | None = Field(default=None, primary_key=True)
    draw_id: int = Field(foreign_key="draw.id", index=True)
    visit_id: str = Field(max_length=16)
    uscc: str = Field(max_length=18, index=True)
    entity_name: str = Field(max_length=200)
    district: str = Field(max_length=12, index=True)
    tasks: list[str] = Field(default_factory=list, sa_column=_json_list())
    departments: list[str] = Field(default_factory=list, sa_column=_json_list())
    team: list[str] = Field(default_factory=list, sa_column=_json_list())
    day: date = Field(index=True)  # the visit date
    current: bool = True
    replaces_id: int | None = Field(default=None, foreign_key="draw_visit.id")
    superseded_by_id: int | None = Field(default=None, foreign_key="draw_visit.id")


class DrawSummary(SQLModel, table=True):
    """What the review page shows of a whole draw, written with its visits:
    counts (``per_day`` keyed by ISO date) and the unfilled visits with the
    entities' names. Append-only like the draw."""

    __tablename__ = "draw_summary"
    draw_id: int = Field(foreign_key="draw.id", primary_key=True)
    visits: int
    joint: int
    per_inspector: dict = Field(sa_column=Column(JSON, nullable=False))
    per_day: dict = Field(sa_column=Column(JSON, nullable=False))
    per_district: dict = Field(sa_column=Column(JSON, nullable=False))
    unfilled: list = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class DrawWitness(SQLModel, table=True):
    """A person present when the external entropy was entered (见证人/公证员)."""

    __tablename__ = "draw_witness"
    id: int | None = Field(default=None, primary_key=True)
    draw_id: int = Field(foreign_key="draw.id", index=True)
    name: str = Field(max_length=100)
    role: str = Field(default="", max_length=100)
    sort: int = 0


class DrawEvent(SQLModel, table=True):
    """The draw's trail (全程留痕): every step, who and when."""

    __tablename__ = "draw_event"
    id: int | None = Field(default=None, primary_key=True)
    draw_id: int = Field(foreign_key="draw.id", index=True)
    at: datetime = Field(default_factory=utcnow)
    actor: str | None = Field(default=None, max_length=64)
    action: str = Field(max_length=32)
    detail: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, default=dict))


class LoginFailure(SQLModel, table=True):
    """A failed login attempt, for throttling across processes (see
    ``services/accounts.py``). Rows older than the throttle window are
    pruned."""

    __tablename__ = "login_failure"
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, index=True)
    ip: str | None = Field(default=None, max_length=45, index=True)
    at: datetime = Field(index=True)


IMPORT_JOB_STATES = ("pending", "running", "mapping", "done", "confirmed", "failed", "cancelled")


class ImportJob(SQLModel, table=True):
    """A registry import run in the background (see ``inspect_app/jobs``): the
    upload is kept as a file (``path``, mode 0600) until the job no longer
    needs it; a worker claims a pending job with a conditional update, beats a
    heartbeat and writes progress (rows and bytes read) while it runs.

    ``dry_run``: a sync import's preview (counts only); ``confirms_id``: the
    preview an applying job confirms, ``fingerprint`` the registry state it
    must still find. ``state='mapping'``: the header has columns the planner
    must map first (``mapping``: normalised header -> column key or "").
    ``report`` is :meth:`ImportReport.to_dict`."""

    __tablename__ = "import_job"
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)  # registry kind
    filename: str = Field(max_length=255)  # as uploaded
    path: str | None = Field(default=None, sa_column=Column(sa.Text, nullable=True))  # the stored upload
    size: int = Field(default=0, sa_column=Column(sa.BigInteger, nullable=False, default=0))
    sync: bool = False
    dry_run: bool = False
    confirms_id: int | None = Field(default=None, foreign_key="import_job.id")
    fingerprint: str | None = Field(default=None, max_length=200)
    mapping: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, default=dict))
    locale: str = Field(default="zh_CN", max_length=16)
    actor: str | None = Field(default=None, max_length=64)
    state: str = Field(default="pending", max_length=16, index=True)  # one of IMPORT_JOB_STATES
    attempt: int = 1
    cancel_requested: bool = False
    stage: str | None = Field(default=None, max_length=32)
    rows_read: int = 0
    bytes_read: int = Field(default=0, sa_column=Column(sa.BigInteger, nullable=False, default=0))
    report: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    worker: str | None = Field(default=None, max_length=120)  # host:pid
    heartbeat: datetime | None = None
    error: str | None = Field(default=None, sa_column=Column(sa.Text, nullable=True))
    created_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None
    finished_at: datetime | None = None


class ImportHeaderMapping(SQLModel, table=True):
    """A planner's choice for a header an import did not know: which column
    (``column`` = a column key, or "" to ignore it) the header of registry
    ``kind`` means. Applied to later uploads of the same registry."""

    __tablename__ = "import_header_mapping"
    __table_args__ = (sa.UniqueConstraint("kind", "header"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)
    header: str = Field(max_length=200)  # normalised (specs.normalize_header)
    column: str = Field(default="", max_length=32)
    actor: str | None = Field(default=None, max_length=64)
    updated_at: datetime = Field(default_factory=utcnow)


# What happens after sealing (results, review, check codes) lives in its own
# module; importing it here registers its tables with the same metadata.
from .visit_models import (CheckCodeAttempt, CreditMark, ItemResult, Rectification, ResultEvent,  # noqa: E402,F401
                           VisitCode, VisitFeedback, VisitResult)
from .publication_models import (PublishedEntity, PublishedNameGram, PublishedResult,  # noqa: E402,F401
                                 PublishedResultTask)
from .scheduler_models import Notice, SchedulerRun  # noqa: E402,F401
from .document_models import Document  # noqa: E402,F401
from .audit_models import AuditCheckpoint, AuditEntry, AuditHead, AuditVerification  # noqa: E402,F401
from .token_models import ApiToken  # noqa: E402,F401
