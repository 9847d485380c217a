"""The size guard: before a draw is created, estimate how big it will be and
refuse one this machine cannot do in reasonable time or memory, with the
reason and the numbers, instead of starting a job that never ends.

The estimate is the solver's (:func:`solver.size.estimate`, a pure function of
counts); this module takes the counts from the registry: entities per
(jurisdiction, risk class), each task's population narrowed by the filter
conditions that are columns (districts, risk classes; tags, lists, industries
and types are ignored, so the estimate stays on the large side), and the
inspectors who can serve per (department, jurisdiction). The limits are the
settings ``DRAW_MAX_FLOW_ARCS`` and ``DRAW_MAX_MEMORY_BYTES`` (defaults
calibrated in :mod:`solver.size` from docs/performance.md).

:func:`check` is called by ``draws.start_draw``, the one service that starts
a draw, so every way of starting one (pages, API) is guarded.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlmodel import Session

from solver.size import DEFAULT_MAX_ARCS, DEFAULT_MAX_MEMORY, Counts, Estimate, Limits, TaskDemand, estimate, refusals

from ..models import Entity, Inspector
from .messages import _, english
from .policy import draw_policy


class DrawTooLarge(ValueError):
    """A draw the guard refuses; the message gives the reason and the numbers."""

    def __init__(self, message: str, size: Estimate, limits: Limits, exceeded: list[str]) -> None:
        super().__init__(message)
        self.size, self.limits, self.exceeded = size, limits, exceeded


def limits() -> Limits:
    """The configured limits (the defaults outside an application)."""
    if not has_app_context():
        return Limits()
    config = current_app.config
    return Limits(max_arcs=int(config.get("DRAW_MAX_FLOW_ARCS") or DEFAULT_MAX_ARCS),
                  max_memory=int(config.get("DRAW_MAX_MEMORY_BYTES") or DEFAULT_MAX_MEMORY))


def registry_counts(session: Session, task_docs: list[dict]) -> Counts:
    """The counts :func:`solver.size.estimate` needs, from the registry, for
    tasks as the instance states them (``instance_builder.task_document``)."""
    k = int(draw_policy().get("jurisdiction_digits") or 0)
    e = Entity.__table__.c
    by_district: dict[tuple[str, str], int] = {}
    for district, risk, n in session.execute(sa.select(e.district, e.risk, sa.func.count())
                                             .group_by(e.district, e.risk)):
        by_district[(district or "", risk or "")] = n
    entities: dict[tuple[str, str], int] = {}
    for (district, risk), n in by_district.items():
        key = (district[:k] if k > 0 else "", risk)
        entities[key] = entities.get(key, 0) + n
    departments = sorted({d for t in task_docs for d in [t["department"], *t.get("participating", [])]})
    i = Inspector.__table__.c
    inspectors: dict[tuple[str, str], int] = {}
    query = (sa.select(i.department, i.district, sa.func.count())
             .where(i.department.in_(departments), i.active.is_(True), i.certificate_expires.is_not(None),
                    i.max_visits > 0)
             .group_by(i.department, i.district))
    for department, district, n in session.execute(query):
        key = (department, (district or "")[:k] if k > 0 else "")
        inspectors[key] = inspectors.get(key, 0) + n
    tasks = []
    for t in task_docs:
        f = t.get("filter") or {}
        population = None
        if f.get("districts") or f.get("risks"):
            population = {}
            for (district, risk), n in by_district.items():
                if f.get("districts") and not any(district.startswith(p) for p in f["districts"]):
                    continue
                if f.get("risks") and risk not in f["risks"]:
                    continue
                key = (district[:k] if k > 0 else "", risk)
                population[key] = population.get(key, 0) + n
        departments_of = (t["department"], *[d for d in t.get("participating", []) if d != t["department"]])
        tasks.append(TaskDemand(departments_of, dict(t.get("ratio") or {}), t.get("count"), population))
    return Counts(entities, inspectors, tuple(tasks))


def _gib(n: int) -> str:
    return f"{n / (1 << 30):.1f}"


def check(session: Session, task_docs: list[dict]) -> Estimate:
    """The estimate of a draw of ``task_docs``; raises :class:`DrawTooLarge`
    if it exceeds the limits."""
    size = estimate(registry_counts(session, task_docs))
    bounds = limits()
    exceeded = refusals(size, bounds)
    if exceeded:
        reasons = []
        if "arcs" in exceeded:
            reasons.append(_("团队分配网络约 %(a)s 条候选关系（岗位×候选人员，每个岗位至多 16 名），超过上限 %(m)s",
                             a=f"{size.arcs:,}", m=f"{bounds.max_arcs:,}"))
        if "memory" in exceeded:
            reasons.append(_("预计内存约 %(a)s GiB，超过上限 %(m)s GiB", a=_gib(size.memory), m=_gib(bounds.max_memory)))
        raise DrawTooLarge(
            _("本次抽取规模超出本机能在合理时间和内存内完成的范围，未创建：%(r)s。"
              "规模估计：登记库 %(e)s 户企业，可派检查人员 %(i)s 名（单个岗位最多 %(p)s 名可派），"
              "预计抽查 %(c)s 次、岗位 %(s)s 个。请缩小任务的范围（减少抽查数量），或分辖区分别抽取。",
              r=("; " if english() else "；").join(reasons), e=f"{size.entities:,}", i=f"{size.inspectors:,}", p=f"{size.largest_pool:,}",
              c=f"{size.checks:,}", s=f"{size.places:,}"),
            size, bounds, exceeded)
    return size
