"""The draw pipeline, from a parsed instance to the outcome document.

1. ``commitment`` and ``seed`` from the secret (:mod:`solver.canonical`);
2. each task's sample (:mod:`solver.sampling`);
3. one visit per sampled entity (:mod:`solver.visits`);
4. teams (:func:`solver.teams.build_requests`, :func:`solver.assign.assign_teams`);
5. dates (:func:`solver.schedule.schedule_visits`);
6. the outcome: a visit is either staffed and dated, or unfilled with a reason.

The team and scheduling stages are passed in as :class:`Stages` so that tests
can replace them; by default the real modules are used.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial

from solver import legacy_v1, messages, reasons
from solver.calendar import working_days
from solver.canonical import commitment as compute_commitment
from solver.canonical import derive_seed
from solver.errors import InputError
from solver.model import Instance, Visit
from solver.progress import NullProgress, Progress
from solver.sampling import EntityTable, Sampling, sample
from solver.visits import merge_samples

OUTCOME_FORMAT = "inspect-draw-outcome/3"  # teams from bounded candidate sets (protocol 7.3)
FORMAT_2 = "inspect-draw-outcome/2"  # every eligible inspector a candidate; reason codes and certificate as /3
OUTCOME_FORMATS = (legacy_v1.FORMAT, FORMAT_2, OUTCOME_FORMAT)  # what verify reads; draw writes the last
CERTIFIED_FORMATS = (FORMAT_2, OUTCOME_FORMAT)  # the formats that carry the optimality certificate (7.5)


def candidate_bound(outcome_format: str) -> int | None:
    """The candidates a place offers the team flow (7.3): bounded from format
    /3 on, every eligible inspector before."""
    from solver.candidates import DEFAULT_BOUND

    return DEFAULT_BOUND if outcome_format == OUTCOME_FORMAT else None


@dataclass(frozen=True, slots=True)
class Stages:
    """The team assignment and scheduling functions the pipeline calls."""

    build_requests: Callable
    assign_teams: Callable
    schedule_visits: Callable


def default_stages(workers: int = 1) -> Stages:
    """The real team assignment (OR-Tools) and scheduling; ``workers`` > 1
    lets team assignment hash its random costs in several processes."""
    from solver import assign, schedule, teams

    assign_teams = assign.assign_teams if workers <= 1 else partial(assign.assign_teams,
                                                                    workers=workers)
    return Stages(teams.build_requests, assign_teams, schedule.schedule_visits)


def require_secret(instance: Instance) -> bytes:
    if instance.secret is None:
        raise InputError(messages.secret_missing(), "$.secret")
    return instance.secret


def instance_seed(instance: Instance) -> bytes:
    """``seed`` of the draw protocol; the instance must hold its secret."""
    return derive_seed(require_secret(instance), instance.input_digest, instance.external_entropy)


@dataclass(frozen=True, slots=True)
class Staffing:
    """Teams and dates of the staffed visits, reasons of the unfilled ones."""

    teams: dict[str, tuple[str, ...]]  # visit id -> sorted inspector ids
    dates: dict[str, date]  # visit id -> day
    unfilled: dict[str, reasons.Reason]  # visit id -> reason
    certificate: dict | None = None  # the optimality certificate (7.5), if the team stage gives one


@dataclass(frozen=True, slots=True)
class DrawResult:
    instance: Instance
    commitment: bytes
    seed: bytes
    sampling: Sampling
    visits: tuple[Visit, ...]  # every sampled entity, staffed or not, in id order
    staffing: Staffing
    team_format: str = OUTCOME_FORMAT  # the format whose team rule formed the teams

    @property
    def loads(self) -> dict[str, int]:
        return inspector_loads(self.instance, self.staffing.teams)

    def stats(self) -> dict[str, int]:
        return outcome_stats(self.instance, self.sampling, self.visits, self.staffing)

    def outcome(self, outcome_format: str | None = None) -> dict:
        """The outcome document (``inspect-draw-outcome/3``; /1 and /2 only to
        verify the outcomes sealed in those formats, whose teams were formed
        with the same ``candidate_bound``: see :func:`draw`)."""
        outcome_format = outcome_format or self.team_format
        if candidate_bound(outcome_format) != candidate_bound(self.team_format):
            raise ValueError(f"teams formed by the rule of {self.team_format} cannot be written as {outcome_format}")
        return outcome_document(self.instance, self.commitment, self.seed, self.sampling,
                                self.visits, self.staffing, outcome_format)


def staff(instance: Instance, seed: bytes, visits: Sequence[Visit], workdays: Sequence[date],
          progress: Progress, stages: Stages, outcome_format: str = OUTCOME_FORMAT,
          claimed: object | None = None) -> Staffing:
    """Form teams, then date the staffed visits; everything else is unfilled.
    ``claimed`` (a verifier's :class:`solver.assign.ClaimedFlow`) lets team
    forming take the outcome's flow where it proves itself instead of solving."""
    progress.stage("teams: requests", len(visits))
    requests = stages.build_requests(instance, visits)
    options: dict[str, object] = {} if claimed is None else {"claimed": claimed}
    if outcome_format != OUTCOME_FORMAT:  # the teams of the formats before /3: every eligible inspector a candidate
        options["bound"] = None
    assignment = stages.assign_teams(instance, requests, seed, workdays, progress, **options)
    staffed = [v for v in visits if v.id in assignment.teams]
    teams = {v.id: tuple(sorted(assignment.teams[v.id])) for v in staffed}
    schedule = stages.schedule_visits(instance, staffed, teams, workdays, progress)
    final_teams, dates, unfilled = {}, {}, {}
    for visit in visits:
        if visit.id in teams and visit.id in schedule.dates:
            final_teams[visit.id] = teams[visit.id]
            dates[visit.id] = schedule.dates[visit.id]
        elif visit.id in teams:
            unfilled[visit.id] = schedule.unscheduled.get(visit.id, reasons.not_scheduled())
        else:
            unfilled[visit.id] = assignment.unfilled.get(visit.id, reasons.not_staffed())
    return Staffing(final_teams, dates, unfilled, team_certificate(assignment, final_teams, outcome_format))


def team_certificate(assignment: object, final_teams: Mapping[str, Sequence[str]],
                     outcome_format: str = OUTCOME_FORMAT) -> dict | None:
    """The ``certificate`` member (7.5): the potential levels, the team of 7.3
    of every accepted visit whose outcome team differs or is missing, and
    (format /3) the departments whose candidate bound was widened (7.3)."""
    flow_teams = getattr(assignment, "flow_teams", None)
    potentials = getattr(assignment, "potentials", None)
    if flow_teams is None or potentials is None:
        return None
    return {"levels": potentials,
            "flow_teams": {v: list(team) for v, team in sorted(flow_teams.items())
                           if tuple(final_teams.get(v, ())) != team}} | (
        {"widened": dict(getattr(assignment, "widened", None) or {})} if outcome_format == OUTCOME_FORMAT else {})


def draw(instance: Instance, progress: Progress | None = None, stages: Stages | None = None,
         table: EntityTable | None = None, workers: int = 1, outcome_format: str = OUTCOME_FORMAT) -> DrawResult:
    """Run the whole draw. The instance must hold its secret. ``workers`` > 1
    lets the sampling hash a large registry in several processes.
    ``outcome_format`` chooses the team rule of that format (tests and
    benches compare the formats; the outcome of a new draw is /3)."""
    progress = progress or NullProgress()
    stages = stages or default_stages(workers)
    seed = instance_seed(instance)
    workdays = working_days(instance)
    sampling = sample(instance, seed, progress=progress, table=table, workers=workers)
    progress.stage("visits")
    visits = merge_samples(instance, sampling)
    staffing = staff(instance, seed, visits, workdays, progress, stages, outcome_format)
    progress.done()
    return DrawResult(instance, compute_commitment(require_secret(instance)), seed, sampling, visits,
                      staffing, outcome_format)


def involved_inspectors(instance: Instance) -> list[str]:
    """Active inspectors of the departments of the draw's tasks, by id; the
    load statistics run over them."""
    departments = {d for task in instance.tasks for d in task.departments}
    return sorted(i.id for i in instance.inspectors if i.active and i.department in departments)


def inspector_loads(instance: Instance, teams: Mapping[str, Sequence[str]]) -> dict[str, int]:
    """Staffed visits per involved inspector (0 for those without any)."""
    loads = dict.fromkeys(involved_inspectors(instance), 0)
    for visit_id in sorted(teams):
        for inspector in teams[visit_id]:
            loads[inspector] = loads.get(inspector, 0) + 1
    return loads


def outcome_stats(instance: Instance, sampling: Sampling, visits: Sequence[Visit],
                  staffing: Staffing) -> dict[str, int]:
    """``visits`` staffed visits, ``joint_visits`` of them with two or more
    departments, ``unfilled`` visits, ``sampled`` entity-task pairs drawn,
    ``entities`` distinct entities drawn (= visits + unfilled; ``sampled -
    entities`` checks were merged), ``load_min``/``load_max`` over the involved
    inspectors."""
    loads = inspector_loads(instance, staffing.teams)
    departments = {v.id: len(v.departments) for v in visits}
    return {
        "visits": len(staffing.teams),
        "joint_visits": sum(1 for v in staffing.teams if departments[v] > 1),
        "unfilled": len(staffing.unfilled),
        "sampled": sampling.sampled,
        "entities": sampling.entities,
        "load_min": min(loads.values(), default=0),
        "load_max": max(loads.values(), default=0),
    }


def department_names(instance: Instance) -> dict[str, str]:
    """Department id -> name, for rendering reasons."""
    return {d.id: d.name for d in instance.departments}


def reason_document(reason: reasons.Reason, outcome_format: str, names: Mapping[str, str]) -> object:
    """An unfilled visit's ``reason``: code and parameters (formats /2 and /3),
    or the frozen English text of format /1."""
    if outcome_format == legacy_v1.FORMAT:
        return legacy_v1.render(reason, names)
    return reason.document()


def outcome_document(instance: Instance, commitment: bytes, seed: bytes, sampling: Sampling,
                     visits: Sequence[Visit], staffing: Staffing, outcome_format: str = OUTCOME_FORMAT) -> dict:
    if outcome_format not in OUTCOME_FORMATS:
        raise ValueError(f"unknown outcome format {outcome_format!r}")
    names = department_names(instance)
    return {
        "format": outcome_format,
        "draw_id": instance.draw_id,
        "input_digest": instance.input_digest.hex(),
        "commitment": commitment.hex(),
        "seed": seed.hex(),
        "samples": sampling.samples(),
        "visits": [{"id": v.id, "uscc": v.uscc, "tasks": list(v.tasks),
                    "departments": list(v.departments), "team": list(staffing.teams[v.id]),
                    "date": staffing.dates[v.id].isoformat()}
                   for v in visits if v.id in staffing.teams],
        "unfilled": [{"id": v.id, "uscc": v.uscc, "tasks": list(v.tasks),
                      "reason": reason_document(staffing.unfilled[v.id], outcome_format, names)}
                     for v in visits if v.id in staffing.unfilled],
        "excluded": sampling.excluded(),
        "stats": outcome_stats(instance, sampling, visits, staffing),
    } | ({"certificate": staffing.certificate}
         if staffing.certificate is not None and outcome_format in CERTIFIED_FORMATS else {})


@dataclass(frozen=True, slots=True)
class PolicyFigures:
    sampled: int  # entity-task pairs
    entities: int  # distinct entities = visits to make
    joint: int  # of them with two or more departments


@dataclass(frozen=True, slots=True)
class PolicyComparison:
    """The same instance and seed sampled both ways (before team assignment)."""

    coordinated: PolicyFigures
    independent: PolicyFigures

    @property
    def visits_saved(self) -> int:
        return self.independent.entities - self.coordinated.entities

    @property
    def joint_ratio(self) -> float | None:
        """Joint visits coordinated / independent (None if independent has none)."""
        if not self.independent.joint:
            return None
        return self.coordinated.joint / self.independent.joint


def _figures(instance: Instance, sampling: Sampling) -> PolicyFigures:
    visits = merge_samples(instance, sampling)
    return PolicyFigures(sampled=sampling.sampled, entities=len(visits),
                         joint=sum(1 for v in visits if len(v.departments) > 1))


def compare_policies(instance: Instance, progress: Progress | None = None,
                     table: EntityTable | None = None, workers: int = 1) -> PolicyComparison:
    """Sample the instance with coordinated and with independent numbers and
    count the visits each gives."""
    seed = instance_seed(instance)
    table = table if table is not None else EntityTable(instance.entities)
    return PolicyComparison(
        coordinated=_figures(instance, sample(instance, seed, True, progress, table, workers)),
        independent=_figures(instance, sample(instance, seed, False, progress, table, workers)),
    )
