"""Public search (一公开): find an entity with at least one published check
record by its USCC, its full name or a fragment of its name, and its public
check history.

Only the published tables are read (``published_entity``,
``published_name_gram``, ``published_result`` and what a published record
points to: its plan, tasks, draw code, departments, result-code names).
``entity`` and ``draw_visit`` are never read, so an entity drawn in a sealed
draw, or with results approved but not yet published, answers exactly like an
entity never drawn: it is in none of these tables.

A query is, after stripping:

* a valid USCC (``services/uscc.py``, after its normalisation) → that entity
  only (an index lookup on the primary key);
* otherwise a name or fragment, compared in the folded form
  (:func:`~inspect_app.services.public_index.fold`): a name whose folded form
  equals the query is an exact match, one that contains it a fragment match.
  A fragment needs two or more characters and at most :data:`MAX_QUERY`.

A fragment is looked up in the two-character index, never with ``LIKE`` over
the table: each of its pieces (:func:`~public_index.grams`) is counted in
the index (up to :data:`RARE_ENOUGH` + 1 rows, then when no piece is that
rare up to :data:`MAX_CANDIDATES` + 1, one statement each); the rarest piece gives the
candidates (intersected in SQL with the next rarest ones), and the fragment
is then confirmed on each candidate's folded name. When even the rarest
piece belongs to more than :data:`MAX_CANDIDATES` entities (a fragment such
as "有限公司"), the search says so (:attr:`SearchResult.too_broad`) and
lists nothing: listing and counting them would mean reading a large part of
the table per request. (A fragment made only of common pieces whose
combination is rare is reported as too broad too; a longer query resolves
it.)

Hits are ordered: exact name first, then by name, then by USCC (a stable
order); :data:`PAGE_SIZE` a page with the total count. A page past the last
shows the last.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session

from ..models import (District, Draw, Plan, PublishedEntity, PublishedResult,
                      PublishedResultTask, Task)
from . import result_codes, uscc
from .public_index import fold, grams
from .text_rules import first_bad_character

PAGE_SIZE = 10
MAX_QUERY = 50  # characters of a query (GSXT-style names are far shorter)
MIN_FRAGMENT = 2  # characters (folded) of a name fragment
MAX_CANDIDATES = 5000  # entities behind the rarest piece of a fragment, at most
RARE_ENOUGH = 100  # a piece this rare needs no counting further than this
INTERSECT = 3  # further pieces intersected in SQL (the rest: the confirmation)


@dataclass
class Hit:
    uscc: str
    name: str
    district: str
    records: int
    latest: date | None
    exact: bool  # the query is the whole name (or the USCC)


@dataclass
class SearchResult:
    query: str  # as shown back (stripped, at most MAX_QUERY characters kept)
    kind: str  # "none" (no query), "uscc", "name" or "refused"
    refusal: str | None = None  # "too_short", "too_long", "bad_character"
    too_broad: bool = False  # more than MAX_CANDIDATES candidates: nothing listed
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    page: int = 1
    pages: int = 0


def classify(query: str) -> tuple[str, str | None]:
    """(kind, refusal or the normalised/folded query) of a raw query.

    >>> classify("  ")
    ('none', None)
    >>> classify("91350100M000100Y43")
    ('uscc', '91350100M000100Y43')
    >>> classify("91350100m000100y43")  # upper-cased, as the registry does
    ('uscc', '91350100M000100Y43')
    >>> classify("福州 鼓楼")
    ('name', '福州鼓楼')
    >>> classify("福"), classify("x" * 51)
    (('refused', 'too_short'), ('refused', 'too_long'))
    >>> classify("福州\\x00")
    ('refused', 'bad_character')
    """
    text = (query or "").strip()
    if not text:
        return "none", None
    if len(text) > MAX_QUERY:
        return "refused", "too_long"
    if first_bad_character(text) is not None:
        return "refused", "bad_character"
    code = uscc.normalize(text)
    if len(code) == 18 and uscc.diagnose(code) is None:
        return "uscc", code
    folded = fold(text)
    if len(folded) < MIN_FRAGMENT:
        return "refused", "too_short"
    return "name", folded


def search(session: Session, query: str, page: int = 1) -> SearchResult:
    """The page ``page`` (1-based; clamped to the last) of the hits for
    ``query``; never raises for any string."""
    text = (query or "").strip()
    kind, value = classify(text)
    result = SearchResult(query=text[:MAX_QUERY], kind=kind)
    if kind == "none":
        return result
    if kind == "refused":
        result.refusal = value
        return result
    if kind == "uscc":
        row = session.get(PublishedEntity, value)
        hits = [] if row is None or row.records <= 0 else [Hit(row.uscc, row.name, row.district, row.records,
                                                                 row.latest, True)]
    else:
        hits = _fragment_hits(session, value)
        if hits is None:
            result.too_broad = True
            return result
    result.total = len(hits)
    result.pages = (len(hits) + PAGE_SIZE - 1) // PAGE_SIZE
    result.page = max(1, min(page, result.pages or 1))
    start = (result.page - 1) * PAGE_SIZE
    result.hits = hits[start:start + PAGE_SIZE]
    return result


def _counts(session: Session, pieces: list[str], bound: int) -> list[tuple[int, str]]:
    """(entities whose name holds the piece, counted up to ``bound``, piece)
    for every piece, in one statement: an index range scan of bounded length
    per piece. (Plain SQL with bound parameters: the statement's shape
    varies with the number of pieces, and building it with the expression
    language cost more than running it.)"""
    sql = ", ".join(f"(SELECT count(*) FROM (SELECT 1 FROM published_name_gram WHERE gram = :p{k} LIMIT :bound) "
                    f"AS s{k})" for k in range(len(pieces)))
    params = {f"p{k}": piece for k, piece in enumerate(pieces)} | {"bound": bound}
    return list(zip(session.execute(sa.text(f"SELECT {sql}"), params).one(), pieces))


def _fragment_hits(session: Session, folded: str) -> list[Hit] | None:
    """Every entity whose folded name contains ``folded``, ordered; None when
    the fragment is too broad to list."""
    pieces = grams(folded)
    # first a cheap pass (a rare piece settles it), then the full bound
    counted = sorted(_counts(session, pieces, RARE_ENOUGH + 1))
    if counted[0][0] > RARE_ENOUGH or RARE_ENOUGH > MAX_CANDIDATES:
        counted = sorted(_counts(session, pieces, MAX_CANDIDATES + 1))
    if counted[0][0] == 0:
        return []
    if counted[0][0] > MAX_CANDIDATES:
        return None
    others = [piece for _n, piece in counted[1:1 + INTERSECT]]
    sql = ("SELECT e.uscc, e.name, e.district, e.records, e.latest FROM published_name_gram g "
           "JOIN published_entity e ON e.uscc = g.uscc WHERE g.gram = :rarest AND e.records > 0"
           + "".join(f" AND EXISTS (SELECT 1 FROM published_name_gram o{k} WHERE o{k}.gram = :o{k} "
                     f"AND o{k}.uscc = e.uscc)" for k in range(len(others))))
    params = {f"o{k}": piece for k, piece in enumerate(others)} | {"rarest": counted[0][1]}
    stmt = sa.text(sql).columns(PublishedEntity.uscc, PublishedEntity.name, PublishedEntity.district,
                                PublishedEntity.records, PublishedEntity.latest)
    hits = []
    for code, name, district, records, latest in session.execute(stmt, params):
        name_folded = fold(name)
        if folded in name_folded:
            hits.append(Hit(code, name, district, records, latest, name_folded == folded))
    hits.sort(key=lambda h: (not h.exact, h.name, h.uscc))
    return hits


# --- an entity's public history ------------------------------------------------

@dataclass
class ItemResult:
    name: str  # the check item as published
    department: str  # its department's name
    result: str  # the code's public wording (a sub-code: "parent：sub")


@dataclass
class PublicRecord:
    id: int
    year: int
    plan: str  # number and name
    tasks: list[tuple[int, str]]  # (task id, "code name") for the bulletin links
    departments: list[str]
    lead_department: str
    directed: bool
    joint: bool
    completed_on: date
    published_on: date
    revision: int
    correction_reason: str | None
    draw_code: str | None
    items: list[ItemResult]


@dataclass
class EntityHistory:
    uscc: str
    name: str
    district: str  # the district's name where known, else its code
    records: list[PublicRecord]


def entity_history(session: Session, code: str) -> EntityHistory | None:
    """The public page of the entity ``code``: its current published records,
    newest first; None (a 404) for anything that is not a USCC with at least
    one current published record — unknown, never drawn, drawn but unpublished
    alike."""
    code = (code or "").strip()
    if len(code) != 18 or uscc.diagnose(code) is not None:
        return None
    entity = session.get(PublishedEntity, code)
    if entity is None:
        return None
    rows = session.execute(sa.select(PublishedResult).where(PublishedResult.uscc == code,
                                                            PublishedResult.current.is_(True))
                           .order_by(PublishedResult.completed_on.desc(), PublishedResult.id.desc())).scalars().all()
    if not rows:
        return None
    from .messages import department_names, english

    ids = [r.id for r in rows]
    task_rows = session.execute(sa.select(PublishedResultTask.published_id, Task.id, Task.code, Task.name)
                                .join(Task, Task.id == PublishedResultTask.task_id)
                                .where(PublishedResultTask.published_id.in_(ids))
                                .order_by(Task.code, Task.id)).all()
    tasks: dict[int, list[tuple[int, str]]] = {}
    for pid, tid, tcode, tname in task_rows:
        tasks.setdefault(pid, []).append((tid, f"{tcode} {tname}"))
    plans = {p.id: f"{p.number} {p.name}" for p in session.execute(
        sa.select(Plan).where(Plan.id.in_({r.plan_id for r in rows}))).scalars()}
    draws = dict(session.execute(sa.select(Draw.id, Draw.code).where(Draw.id.in_({r.draw_id for r in rows}))).all())
    depts = department_names(session)
    en = english()
    code_sets: dict[int, result_codes.CodeSet] = {}
    records = []
    for r in rows:
        if r.code_version not in code_sets:
            code_sets[r.code_version] = result_codes.code_set(session, r.code_version)
        codes = code_sets[r.code_version]
        items = [ItemResult(str(i.get("name", "")), depts.get(i.get("department"), str(i.get("department", ""))),
                            _wording(codes, i.get("code"), en)) for i in r.items]
        records.append(PublicRecord(
            id=r.id, year=r.year, plan=plans.get(r.plan_id, ""), tasks=tasks.get(r.id, []),
            departments=[depts.get(d, d) for d in r.departments], lead_department=depts.get(r.lead_department,
                                                                                            r.lead_department),
            directed=r.directed, joint=r.joint, completed_on=r.completed_on, published_on=r.published_at.date(),
            revision=r.revision, correction_reason=r.correction_reason if r.revision > 1 else None,
            draw_code=draws.get(r.draw_id), items=items))
    district = session.get(District, entity.district)
    return EntityHistory(entity.uscc, entity.name, district.name if district else entity.district, records)


def _wording(codes: result_codes.CodeSet, code: str | None, en: bool) -> str:
    """The public wording of a result code, a sub-code with its parent's."""
    c = codes.by_code.get(code or "")
    if c is None:
        return code or ""
    lang = "en" if en else "zh_CN"
    if c.parent and c.parent in codes.by_code:
        return f"{codes.by_code[c.parent].name(lang)}{': ' if en else '：'}{c.name(lang)}"
    return c.name(lang)


def district_names(session: Session, codes: set[str]) -> dict[str, str]:
    """District code → name, for the codes on a result page."""
    if not codes:
        return {}
    return dict(session.execute(sa.select(District.code, District.name).where(District.code.in_(codes))).all())

