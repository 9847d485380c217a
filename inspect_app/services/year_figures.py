"""The year in figures (一公开): per plan year and, optionally, per
department, the numbers offices quote in their annual rule-of-law reports
(法治政府建设工作报告) — computed from what is already public only.

Sources, and nothing else:

* **draws held** — original draws (not redraws) of the year's plans that are
  sealed and not cancelled: each one's commitment and seal are on the public
  register (``/draws/``). A draw counts for a department when one of its
  tasks is led by it or has it among the participating departments. Its
  outcome is not read.
* every other figure comes from the **current published records**
  (``published_result`` with ``current``; one per visit, the latest
  correction) of the plan year ``year``. A record counts for a department
  when the department is among its ``departments`` — the whole record, as
  the public sees it (a joint record counts for each of its departments, so
  department figures do not add up to the total);
* **rectified** — ``rectification`` rows in state ``rectified`` of visits
  with a record counted above; **pushed to the credit system** — distinct
  entities with a ``credit_mark`` on such a visit.

So a draft, submitted or approved result that is not published, a visit of
a sealed draw not yet revealed, an earlier (superseded) revision of a
record, and a rectification or credit mark of a visit without a published
record change no figure.

Definitions (what the page calls them):

* checks — published records (visits); entities — distinct USCCs;
* checked jointly (综合查一次) — entities with at least one joint record
  (more than one department); the share is of the entities checked;
* problems — check items with a problem found (``problems``, summed);
  entities with problems — distinct USCCs with at least one;
* ordered rectified — items ordered rectified (``ordered``, summed);
* published on time — records published within the deadline (20 working
  days after the check, ``on_time``); the share is of the records whose
  deadline is known (``on_time`` not null).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, select

from ..models import Department, Draw, DrawTask, Plan, PublishedResult, Task
from ..visit_models import CreditMark, Rectification
from .search import json_array_contains

YEAR_MIN, YEAR_MAX = 1990, 2999


@dataclass
class YearFigures:
    year: int
    department: str | None
    draws_held: int = 0
    checks: int = 0
    entities: int = 0
    checks_joint: int = 0
    entities_joint: int = 0
    problems: int = 0
    entities_with_problems: int = 0
    ordered: int = 0
    rectified: int = 0
    on_time: int = 0
    on_time_known: int = 0
    credit_entities: int = 0
    per_month: dict[tuple[int, int], int] = field(default_factory=dict)  # (year, month) of completion → checks

    @property
    def joint_share(self) -> float | None:
        """Share of the entities checked that were checked jointly (0–1)."""
        return self.entities_joint / self.entities if self.entities else None

    @property
    def on_time_share(self) -> float | None:
        return self.on_time / self.on_time_known if self.on_time_known else None

    def months(self) -> list[tuple[int, int, int]]:
        """(year, month, checks) for every month of the year, plus any month
        outside it in which a check of the year's plan was completed."""
        keys = {(self.year, m) for m in range(1, 13)} | set(self.per_month)
        return [(y, m, self.per_month.get((y, m), 0)) for y, m in sorted(keys)]


def valid_year(year: int) -> bool:
    return YEAR_MIN <= year <= YEAR_MAX


def departments(session: Session) -> list[Department]:
    return list(session.exec(select(Department).order_by(Department.id)))


def years(session: Session) -> list[int]:
    """Years with a published plan or a published record, newest first."""
    plans = session.exec(select(Plan.year).where(Plan.status != "draft").distinct()).all()
    records = session.exec(select(PublishedResult.year).where(PublishedResult.current.is_(True)).distinct()).all()
    return sorted(set(plans) | set(records), reverse=True)


def _records(session: Session, year: int, department: str | None) -> list:
    """The WHERE clauses selecting the counted records."""
    where = [PublishedResult.year == year, PublishedResult.current.is_(True)]
    if department is not None:
        where.append(json_array_contains(PublishedResult.departments, department, session.get_bind().dialect.name))
    return where


def _int(value) -> int:
    return int(value or 0)


def figures(session: Session, year: int, department: str | None = None) -> YearFigures:
    """The figures of plan year ``year`` (for ``department``, or all)."""
    out = YearFigures(year, department)
    out.draws_held = draws_held(session, year, department)
    where = _records(session, year, department)
    pr = PublishedResult
    row = session.execute(sa.select(
        sa.func.count(pr.id), sa.func.count(sa.distinct(pr.uscc)),
        sa.func.sum(sa.case((pr.joint.is_(True), 1), else_=0)),
        sa.func.count(sa.distinct(sa.case((pr.joint.is_(True), pr.uscc)))),
        sa.func.sum(pr.problems),
        sa.func.count(sa.distinct(sa.case((pr.problems > 0, pr.uscc)))),
        sa.func.sum(pr.ordered),
        sa.func.sum(sa.case((pr.on_time.is_(True), 1), else_=0)),
        sa.func.sum(sa.case((pr.on_time.is_not(None), 1), else_=0)),
    ).where(*where)).one()
    (out.checks, out.entities, out.checks_joint, out.entities_joint, out.problems, out.entities_with_problems,
     out.ordered, out.on_time, out.on_time_known) = (_int(v) for v in row)
    if not out.checks:
        return out
    visits = sa.select(pr.visit_pk).where(*where)
    out.rectified = _int(session.execute(sa.select(sa.func.count(Rectification.id)).where(
        Rectification.state == "rectified", Rectification.visit_pk.in_(visits))).scalar())
    out.credit_entities = _int(session.execute(sa.select(sa.func.count(sa.distinct(CreditMark.uscc))).where(
        CreditMark.visit_pk.in_(visits))).scalar())
    y, m = sa.extract("year", pr.completed_on), sa.extract("month", pr.completed_on)
    for cy, cm, n in session.execute(sa.select(y, m, sa.func.count(pr.id)).where(*where).group_by(y, m)):
        out.per_month[(int(cy), int(cm))] = int(n)
    return out


def checks_per_department(session: Session, year: int) -> list[tuple[str, int]]:
    """(department id, checks counted for it) for every department with
    one, most first — a joint record counts for each of its departments.
    One count per department (a service has a few dozen at most)."""
    out = []
    for dep in session.exec(select(Department.id).order_by(Department.id)):
        n = _int(session.execute(sa.select(sa.func.count(PublishedResult.id))
                                 .where(*_records(session, year, dep))).scalar())
        if n:
            out.append((dep, n))
    return sorted(out, key=lambda r: (-r[1], r[0]))


def draws_held(session: Session, year: int, department: str | None = None) -> int:
    """Sealed, not cancelled original draws of the year's plans (for
    ``department``: with a task it leads or takes part in)."""
    query = (sa.select(sa.func.count(Draw.id)).join(Plan, Plan.id == Draw.plan_id)
             .where(Plan.year == year, Draw.state == "sealed", Draw.parent_id.is_(None),
                    Draw.cancelled_at.is_(None), Draw.commitment.is_not(None)))
    if department is not None:
        dialect = session.get_bind().dialect.name
        takes_part = (sa.select(DrawTask.draw_id).join(Task, Task.id == DrawTask.task_id)
                      .where(sa.or_(Task.department == department,
                                    json_array_contains(Task.participating, department, dialect))))
        query = query.where(Draw.id.in_(takes_part))
    return _int(session.execute(query).scalar())


def default_year(today: date | None = None) -> int:
    return (today or date.today()).year
