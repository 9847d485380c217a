"""Check codes (扫码入企): every live visit of a sealed draw has its own code,
which the team shows at the door (QR image and the code read aloud) and the
entity opens at ``/c/<code>`` without logging in, to see that this is a
registered, approved check.

How a code is made, and why
---------------------------
A code is ``HMAC-SHA256(key, "inspect-check-code/1|<visit pk>|<draw code>")``,
cut to :data:`CODE_LENGTH` characters of Crockford's base32 alphabet
(no I, L, O, U: nothing to confuse when read aloud), i.e. 140 bits — far
beyond guessing, with the rate limit of ``check_code_limits`` on top.

Only ``SHA-256(code)`` is stored (``visit_code.code_hash``); the lookup
hashes the code it is given and finds the row by that hash. The team's page
derives the code again from the key whenever it shows it, so it is never
stored in clear:

* a **database leak** (a dump, a backup, a read-only SQL injection) reveals
  no code: the hashes of 140 random-looking bits cannot be reversed;
* a **key leak** does reveal every code (anyone with the key and the visit
  ids could derive them). The key is ``CHECK_CODE_KEY`` in the configuration
  or, by default, a random key generated once into
  ``instance/check_code_key`` (mode 0600, like ``instance/secret_key``).
  Rotate it by changing the key and running ``flask --app wsgi checkcode
  backfill`` (the team pages also re-issue a visit's code lazily): every
  stored hash is replaced, so codes already printed or sent stop working and
  the teams show the new ones.

Codes are issued when a draw is sealed (:func:`issue_codes`, one bulk
insert; a redraw's sealing issues its new visit's code). Draws sealed before
this module existed get theirs from :func:`ensure_codes` (the CLI backfill)
or one at a time from :func:`code_for` when the team opens the visit.

What a code says (:func:`lookup`): ``unknown`` for a malformed code, a code
of no visit and a code whose visit is not yet visible to its team (the same
answer: nothing is confirmed early); ``void`` when the draw was cancelled or
the visit superseded by a redraw; ``completed`` (with the completion date)
once the team has submitted results; else ``valid``, with the visit's
departments, tasks, check items, date, inspectors and the office's phone.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlmodel import Session, select

from ..models import CheckItem, Department, Draw, DrawVisit, Inspector, Plan, utcnow
from ..visit_models import VisitCode, VisitResult
from . import visit_access

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base32
CODE_LENGTH = 28  # 28 × 5 = 140 bits
PARAM_MAX = 64  # the longest code parameter looked at (with dashes, spaces)
KEY_FILE = "check_code_key"
DEFAULT_OFFICE_PHONE = "0591-12345"  # a demo number; set OFFICE_PHONE / OFFICE_PHONES
_READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0"})  # Crockford: read lookalikes as digits
_TO_CROCKFORD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", ALPHABET)
STATUSES = ("unknown", "valid", "completed", "void")


# --- the key and the code -------------------------------------------------

def _instance_key(instance_path: str) -> str:
    """The default key: generated once into ``instance/check_code_key``."""
    from ..config import instance_key_file

    return instance_key_file(instance_path, KEY_FILE)


def check_code_key() -> bytes:
    """The HMAC key: ``CHECK_CODE_KEY`` or the instance's key file."""
    if not has_app_context():
        raise RuntimeError("check codes need the application's key (an app context)")
    key = current_app.config.get("CHECK_CODE_KEY") or _instance_key(current_app.instance_path)
    return key.encode() if isinstance(key, str) else bytes(key)


def derive_code(visit_pk: int, draw_code: str | None, key: bytes | None = None) -> str:
    """The visit's code: HMAC of its primary key and its draw's code."""
    key = check_code_key() if key is None else key
    mac = hmac.digest(key, f"inspect-check-code/1|{visit_pk}|{draw_code or ''}".encode(), "sha256")
    # the MAC's first 140 bits, five at a time (base32 of its first 20 bytes, in Crockford's alphabet)
    return base64.b32encode(mac[:20]).decode("ascii")[:CODE_LENGTH].translate(_TO_CROCKFORD)


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode("ascii")).hexdigest()


def normalise(raw: str | None) -> str | None:
    """The code in its canonical form, or None when it cannot be one.
    Case, dashes and spaces do not matter; I/L read as 1, O as 0."""
    if not isinstance(raw, str) or len(raw) > PARAM_MAX:
        return None
    code = "".join(c for c in raw if c not in "- ").upper().translate(_READ_AS)
    if len(code) != CODE_LENGTH or any(c not in ALPHABET for c in code):
        return None
    return code


def grouped(code: str) -> str:
    """The code in groups of four, for reading aloud."""
    return " ".join(code[i:i + 4] for i in range(0, len(code), 4))


# --- issuing ----------------------------------------------------------------

def _is_live_draw(draw: Draw | None) -> bool:
    return draw is not None and draw.state == "sealed" and draw.cancelled_at is None


def issue_codes(session: Session, draw: Draw) -> int:
    """Insert the codes of ``draw``'s visits that have none (one bulk
    insert; not committed: :func:`draws.seal` commits with the seal).
    Returns the number of codes issued."""
    key = check_code_key()
    have = sa.select(VisitCode.visit_pk).where(VisitCode.visit_pk == DrawVisit.id)
    pks = session.exec(select(DrawVisit.id).where(DrawVisit.draw_id == draw.id, ~have.exists())).all()
    now = utcnow()
    rows = [{"visit_pk": pk, "code_hash": code_hash(derive_code(pk, draw.code, key)), "created_at": now}
            for pk in pks]
    if rows:
        session.execute(sa.insert(VisitCode), rows)
    return len(rows)


def ensure_codes(session: Session, draw: Draw) -> tuple[int, int]:
    """For a draw sealed before check codes existed, or after the key
    changed: issue the missing codes and replace stale hashes. Commits.
    Returns (issued, replaced)."""
    if draw.state != "sealed":
        return 0, 0
    key = check_code_key()
    stored = dict(session.exec(select(VisitCode.visit_pk, VisitCode.code_hash)
                               .join(DrawVisit, DrawVisit.id == VisitCode.visit_pk)
                               .where(DrawVisit.draw_id == draw.id)).all())
    pks = session.exec(select(DrawVisit.id).where(DrawVisit.draw_id == draw.id)).all()
    now = utcnow()
    new, stale = [], []
    for pk in pks:
        digest = code_hash(derive_code(pk, draw.code, key))
        if pk not in stored:
            new.append({"visit_pk": pk, "code_hash": digest, "created_at": now})
        elif stored[pk] != digest:
            stale.append({"pk": pk, "digest": digest})
    if new:
        session.execute(sa.insert(VisitCode), new)
    if stale:
        table = VisitCode.__table__
        session.execute(table.update().where(table.c.visit_pk == sa.bindparam("pk"))
                        .values(code_hash=sa.bindparam("digest"), created_at=now), stale)
    session.commit()
    return len(new), len(stale)


def code_for(session: Session, visit: DrawVisit, draw: Draw | None = None) -> str | None:
    """The code of a live visit, for its team's page (derived, never read
    back). Issues or re-issues the visit's stored hash if it is missing or
    stale (draw sealed before check codes, key rotated), committing that."""
    draw = draw if draw is not None else session.get(Draw, visit.draw_id)
    if not visit_access.is_live(draw, visit):
        return None
    code = derive_code(visit.id, draw.code)
    digest = code_hash(code)
    row = session.get(VisitCode, visit.id)
    if row is None:
        session.add(VisitCode(visit_pk=visit.id, code_hash=digest))
        session.commit()
    elif row.code_hash != digest:
        row.code_hash, row.created_at = digest, utcnow()
        session.add(row)
        session.commit()
    return code


# --- lookup -----------------------------------------------------------------

@dataclass
class CheckView:
    """What the public page may show of one visit (and nothing else)."""

    status: str  # one of STATUSES
    visit_pk: int | None = None
    day: date | None = None
    completed_on: date | None = None
    entity_name: str = ""
    uscc: str = ""
    plan_number: str = ""
    plan_name: str = ""
    departments: list[dict] = field(default_factory=list)  # id, name, name_en, phone
    tasks: list[dict] = field(default_factory=list)  # code, name, department, items [name, legal_basis, method]
    inspectors: list[dict] = field(default_factory=list)  # name, certificate_no, department

    @property
    def accepts_feedback(self) -> bool:
        return self.status in ("valid", "completed")


UNKNOWN = CheckView(status="unknown")


def find_visit(session: Session, raw: str | None) -> tuple[VisitCode, DrawVisit, Draw] | None:
    code = normalise(raw)
    if code is None:
        return None
    row = session.exec(select(VisitCode).where(VisitCode.code_hash == code_hash(code))).first()
    visit = session.get(DrawVisit, row.visit_pk) if row is not None else None
    if visit is None:
        return None
    return row, visit, session.get(Draw, visit.draw_id)


def office_phone(department: str | None) -> str:
    if not has_app_context():
        return DEFAULT_OFFICE_PHONE
    phones = current_app.config.get("OFFICE_PHONES") or {}
    return phones.get(department) or current_app.config.get("OFFICE_PHONE") or DEFAULT_OFFICE_PHONE


def submitted_on(session: Session, visit_pk: int) -> date | None:
    """The completion date of the visit's submitted results (the current
    revision if it was submitted, else the latest submitted one), or None."""
    rows = session.exec(select(VisitResult).where(VisitResult.visit_pk == visit_pk,
                                                  VisitResult.submitted_at.is_not(None))
                        .order_by(VisitResult.current.desc(), VisitResult.revision.desc())).all()
    if not rows:
        return None
    return rows[0].completed_on or rows[0].submitted_at.date()


def lookup(session: Session, code: str | None, today: date | None = None) -> CheckView:
    """What ``/c/<code>`` shows: see the module docstring."""
    found = find_visit(session, code)
    if found is None:
        return UNKNOWN
    _row, visit, draw = found
    if draw is None or draw.state != "sealed":
        return UNKNOWN
    if not visit_access.is_visible(session, visit, today):
        return UNKNOWN
    if not visit_access.is_live(draw, visit):
        return CheckView(status="void")
    completed = submitted_on(session, visit.id)
    view = describe(session, draw, visit)
    if completed is not None:
        view.status, view.completed_on = "completed", completed
    return view


def describe(session: Session, draw: Draw, visit: DrawVisit) -> CheckView:
    """The visit's own data, in the order the page shows it."""
    plan = session.get(Plan, draw.plan_id)
    tasks = visit_access.visit_tasks(session, draw, visit)
    item_ids = {i for t in tasks for i in (t.items or [])}
    items = {i.id: i for i in session.exec(select(CheckItem).where(CheckItem.id.in_(item_ids)))} if item_ids else {}
    # the lead department (of the first task) first, then the others of the visit
    dept_ids = list(dict.fromkeys([*(t.department for t in tasks[:1]), *(visit.departments or []),
                                   *(t.department for t in tasks)]))
    team = list(visit.team or [])
    people = {p.id: p for p in session.exec(select(Inspector).where(Inspector.id.in_(team)))} if team else {}
    shown = set(visit.departments or dept_ids[:1])
    dept_ids += [p.department for p in people.values() if p.department not in dept_ids]
    depts = {d.id: d for d in session.exec(select(Department).where(Department.id.in_(dept_ids)))}

    def dept_name(d):
        return depts[d].name if d in depts else d

    return CheckView(
        status="valid", visit_pk=visit.id, day=visit.day, entity_name=visit.entity_name, uscc=visit.uscc,
        plan_number=plan.number if plan else "", plan_name=plan.name if plan else "",
        departments=[{"id": d, "name": dept_name(d), "name_en": depts[d].name_en if d in depts else None,
                      "phone": office_phone(d)} for d in dept_ids if d in shown],
        tasks=[{"code": t.code, "name": t.name, "department": dept_name(t.department),
                "items": [{"name": items[i].name, "legal_basis": items[i].legal_basis, "method": items[i].method,
                           "department": dept_name(items[i].department)}
                          for i in (t.items or []) if i in items]} for t in tasks],
        inspectors=[{"name": people[m].name, "certificate_no": people[m].certificate_no or "",
                     "department": dept_name(people[m].department)} for m in team if m in people],
    )


# --- the QR image -----------------------------------------------------------

def qr_svg(url: str) -> bytes:
    """A QR image of ``url`` (SVG, no inline style: served as
    ``image/svg+xml``, never inlined into a page)."""
    import segno

    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=6, border=4, xmldecl=False, light="#fff",
                                    title="QR")
    return out.getvalue()
