"""Typed, immutable view of an instance document (``inspect-draw/1``).

The parser in :mod:`solver.instance` turns the JSON document into these objects;
every other stage works on them and never on raw dicts. All collections are
tuples or frozensets so that nothing depends on dict or set iteration order:
code that iterates must sort explicitly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Annotated, cast

import msgspec

if TYPE_CHECKING:  # the registry's columns build on this module
    from solver.registry import EntityRows
from datetime import date
from fractions import Fraction

RISK_CLASSES = ("A", "B", "C", "D")
Label = Annotated[str, msgspec.Meta(min_length=1)]  # a non-empty string, where msgspec decodes


@dataclass(frozen=True, slots=True)
class Policy:
    """The draw policy; these defaults are the only place they are written
    (the web app and the benches take them from :func:`policy_document`)."""

    coordinated_sampling: bool = True
    min_team_size: int = 2
    rotation: bool = True
    exclude_recent_days: int = 365
    exclude_recent_risk: frozenset[str] = frozenset({"A", "B"})
    frequency_cap: int = 4
    daily_visits_per_inspector: int = 3
    exclude_local_supervisor: bool = False
    # 属地管理: k > 0 lets an inspector serve only entities whose district code
    # shares its first k characters with the inspector's (6 = same county).
    jurisdiction_digits: int = 0


def policy_document(policy: Policy | None = None) -> dict:
    """The ``policy`` section of an instance document for ``policy`` (the
    defaults if None), as a fresh dict.

    >>> policy_document()["exclude_recent_risk"], policy_document()["frequency_cap"]
    (['A', 'B'], 4)
    """
    policy = policy or Policy()
    doc = {f.name: getattr(policy, f.name) for f in fields(Policy)}
    doc["exclude_recent_risk"] = sorted(policy.exclude_recent_risk)
    return doc


@dataclass(frozen=True, slots=True)
class Department:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Item:
    id: str
    department: str
    name: str
    qualification: str | None = None


class LastCheck(msgspec.Struct, frozen=True, kw_only=True, gc=False, forbid_unknown_fields=True):
    """One of an entity's ``last_checks``. It is also the record the typed
    reader decodes (:mod:`solver.instance.typed`) and writes back in
    canonical form, so it keeps the document's text: the fields are declared
    in code-point order, and absent ``inspectors`` stay :data:`~msgspec.UNSET`
    (read ``check.inspectors or ()``), apart from ``"inspectors": []``.
    Keywords only."""

    date: date
    department: Label
    inspectors: tuple[Label, ...] | msgspec.UnsetType = msgspec.UNSET


@dataclass(frozen=True, slots=True)
class Entity:
    uscc: str
    name: str
    district: str
    risk: str
    status: str  # "active" or anything else (inactive)
    tags: frozenset[str] = frozenset()
    lists: frozenset[str] = frozenset()
    checks_this_year: int = 0
    last_checks: tuple[LastCheck, ...] = ()
    industry: str | None = None
    type: str | None = None


def _fast_constructor(cls: type) -> Callable:
    """A function building the same object as ``cls(...)`` with all fields
    given positionally, about three times faster: a frozen dataclass's
    ``__init__`` goes through ``object.__setattr__`` for every field, this one
    calls the slot descriptors directly (millions of entities per draw)."""
    names = [f.name for f in fields(cls)]
    scope: dict[str, object] = {"_new": object.__new__, "_cls": cls}
    scope.update({f"_set_{n}": getattr(cls, n).__set__ for n in names})
    body = "\n".join(f"    _set_{n}(e, {n})" for n in names)
    exec(f"def make({', '.join(names)}):\n    e = _new(_cls)\n{body}\n    return e\n", scope)
    return cast(Callable, scope["make"])


new_entity: Callable[..., Entity] = _fast_constructor(Entity)


@dataclass(frozen=True, slots=True)
class Inspector:
    id: str
    name: str
    department: str
    district: str
    qualifications: frozenset[str] = frozenset()
    certificate_expires: date | None = None
    active: bool = True
    unavailable: frozenset[date] = frozenset()
    max_visits: int = 30


@dataclass(frozen=True, slots=True)
class TaskFilter:
    """Directed-task conditions; an empty field means "no condition"."""

    tags_any: frozenset[str] = frozenset()
    districts: tuple[str, ...] = ()  # prefixes of district codes
    industries: frozenset[str] = frozenset()
    types: frozenset[str] = frozenset()
    risks: frozenset[str] = frozenset()
    lists_any: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Task:
    id: str
    department: str  # lead department
    items: tuple[str, ...]
    participating: tuple[str, ...] = ()
    filter: TaskFilter | None = None  # None = undirected
    ratio: dict[str, Fraction] | None = None  # per risk class, exact decimals
    count: int | None = None
    list_ratio: dict[str, Fraction] = field(default_factory=dict)
    inspectors_per_visit: int = 2

    @property
    def departments(self) -> tuple[str, ...]:
        """Lead first, then participating departments in document order."""
        return (self.department,) + tuple(d for d in self.participating if d != self.department)


@dataclass(frozen=True, slots=True)
class Instance:
    format: str
    draw_id: str
    secret: bytes | None
    external_entropy: str
    window_start: date
    window_end: date
    holidays: frozenset[date]
    workdays: frozenset[date]  # make-up working days (调休)
    policy: Policy
    departments: tuple[Department, ...]
    items: tuple[Item, ...]
    entities: EntityRows  # the one form of the registry (a tuple of entities given is converted)
    inspectors: tuple[Inspector, ...]
    conflicts: frozenset[tuple[str, str]]  # (inspector id, uscc)
    pair_conflicts: frozenset[frozenset[str]]  # {inspector a, inspector b}
    tasks: tuple[Task, ...]
    input_digest: bytes  # SHA-256 of the canonical JSON without "secret"
    frozen_digest: bytes | None = None  # the same with external_entropy "" (published at commitment)

    def __post_init__(self) -> None:
        from solver.registry import as_rows  # the registry's columns build on this module

        if not _is_rows(self.entities):
            object.__setattr__(self, "entities", as_rows(cast("Sequence[Entity]", self.entities)))


def _is_rows(entities: object) -> bool:
    from solver.registry import EntityRows

    return isinstance(entities, EntityRows)


@dataclass(frozen=True, slots=True)
class Visit:
    """One entity's joint visit: every task of the draw that sampled it."""

    id: str  # "V00001", numbered in ascending priority
    uscc: str
    tasks: tuple[str, ...]  # task ids in instance order
    departments: tuple[str, ...]  # sorted department ids
    priority: int  # u(e) of the coordinated number; lower = higher priority


new_visit: Callable[..., Visit] = _fast_constructor(Visit)
