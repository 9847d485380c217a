"""Verifying the audit chain and publishing daily checkpoints (docs/audit.md).

:func:`verify` walks ``audit_log`` by sequence number (never by time) and
recomputes every hash; it compares the end of the chain with the head row
and every published checkpoint with the row it names. The report names the
first broken sequence number. :func:`write_checkpoint` publishes the day's
checkpoint (idempotent: one per day) after a successful verify.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date

import orjson
import sqlalchemy as sa
from sqlmodel import Session, select

from ..models import AuditCheckpoint, AuditEntry, AuditHead, AuditVerification, utcnow
from .audit import GENESIS, entry_hash, hashed_document

BATCH = 5000  # rows read per query


@dataclass
class Report:
    rows: int = 0
    head_seq: int = 0
    checkpoints: int = 0
    first_broken: int | None = None
    problem: str | None = None
    problems: list[tuple[int, str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems

    def broken(self, seq: int, problem: str) -> None:
        self.problems.append((seq, problem))
        first = min(self.problems)
        self.first_broken, self.problem = first

    def text(self) -> str:
        if self.ok:
            return (f"audit chain verified: {self.rows} rows, head {self.head_seq}, "
                    f"{self.checkpoints} checkpoints match")
        return f"audit chain BROKEN at sequence {self.first_broken}: {self.problem}"


def _rows(session: Session):
    """Every row in sequence order, read in batches by key (no OFFSET)."""
    table = AuditEntry.__table__
    after = 0
    while True:
        batch = session.execute(sa.select(table).where(table.c.seq > after).order_by(table.c.seq)
                                .limit(BATCH)).all()
        if not batch:
            return
        yield from batch
        after = batch[-1].seq


def verify(session: Session) -> Report:
    """Walk the chain; return what is broken, first sequence number first."""
    started = time.perf_counter()
    report = Report()
    checkpoints = list(session.exec(select(AuditCheckpoint).order_by(AuditCheckpoint.day)))
    wanted = {}
    for cp in checkpoints:
        wanted.setdefault(cp.seq, []).append(cp)
    seen: dict[int, str] = {}
    expected, prev = 1, GENESIS
    for row in _rows(session):
        if row.seq != expected:
            if row.seq > expected:
                report.broken(expected, f"rows {expected}–{row.seq - 1} are missing"
                              if row.seq - 1 > expected else f"row {expected} is missing")
            expected = row.seq
        if row.prev_hash != prev:
            report.broken(row.seq, "prev_hash does not match the hash of the row before")
        try:
            details = orjson.loads(row.details)
            digest = entry_hash(row.prev_hash, hashed_document(row.seq, row.at, row.actor, row.action,
                                                               row.object_type, row.object_id, details))
        except (ValueError, TypeError):  # orjson.JSONDecodeError is a ValueError
            digest = None
        if digest != row.hash:
            report.broken(row.seq, "the row's content does not give its hash")
        if row.seq in wanted:
            seen[row.seq] = row.hash
        prev, expected = row.hash, row.seq + 1
        report.rows += 1
    last = expected - 1
    head = session.get(AuditHead, 1)
    report.head_seq = head.seq if head is not None else 0
    if head is not None and head.seq > last:
        report.broken(last + 1, f"the head is at {head.seq} but the log ends at {last}: later rows are missing")
    elif head is not None and head.seq < last:
        report.broken(head.seq + 1, f"the log goes on after the head ({head.seq}) to {last}")
    elif head is not None and last and head.hash != prev:
        report.broken(last, f"the head's hash does not match row {last}")
    for seq, cps in wanted.items():
        for cp in cps:
            report.checkpoints += 1
            if seq == 0:
                if cp.hash != GENESIS:
                    report.broken(1, f"checkpoint of {cp.day} (sequence 0) does not name the genesis hash")
            elif seq not in seen:
                report.broken(seq, f"checkpoint of {cp.day} names sequence {seq}, which is missing")
            elif seen[seq] != cp.hash:
                report.broken(seq, f"checkpoint of {cp.day} published another hash for sequence {seq}")
    report.seconds = time.perf_counter() - started
    return report


def save(session: Session, report: Report, actor: str) -> AuditVerification:
    """Store a verify run's result (the admin page shows the latest). Commits."""
    row = AuditVerification(actor=actor[:120], ok=report.ok, rows=report.rows, head_seq=report.head_seq,
                            checkpoints=report.checkpoints, first_broken=report.first_broken,
                            problem=(report.problem or None) and report.problem[:400],
                            seconds=round(report.seconds, 3))
    session.add(row)
    session.commit()
    return row


def latest_verification(session: Session) -> AuditVerification | None:
    return session.exec(select(AuditVerification).order_by(AuditVerification.id.desc())).first()


def checkpoints(session: Session) -> list[AuditCheckpoint]:
    """The published checkpoints, newest first (public)."""
    return list(session.exec(select(AuditCheckpoint).order_by(AuditCheckpoint.day.desc())))


def write_checkpoint(session: Session, day: date) -> AuditCheckpoint | None:
    """Publish ``day``'s checkpoint: the head's sequence number and hash.
    Idempotent (a day that has one keeps it). Nothing is published for an
    empty log. The caller verifies first and commits."""
    existing = session.get(AuditCheckpoint, day)
    if existing is not None:
        return existing
    head = session.get(AuditHead, 1)
    if head is None or head.seq == 0:
        return None
    table = AuditCheckpoint.__table__
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(insert(table).values(day=day, seq=head.seq, hash=head.hash, created_at=utcnow())
                    .on_conflict_do_nothing())
    session.flush()
    return session.get(AuditCheckpoint, day)
