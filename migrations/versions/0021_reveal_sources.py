"""reveal rules: a draw's history sources; draws public by date before the upgrade

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07

* ``draw.history_sources``: the ids of the other draws (outside the draw's
  own redraw chain) whose sealed visits the frozen instance shows as its
  entities' history, set at freeze (``services/draw_runs.freeze``). The draw
  is revealed only once each of them is (``services/draw_reveal``).
  Write-once like the draw's other columns (its own trigger,
  ``draw_sources_write_once``). Draws frozen before this migration keep
  NULL: their sources are unknown, and the date rule (``history_until``)
  alone applies to them; nothing is backfilled.
* Before this release a sealed draw was public by date alone once its window
  and ``history_until`` had passed; now only ``revealed_at`` counts. So that
  upgrading un-publishes nothing, the sealed draws the old rule had made
  public on the upgrade day (Asia/Shanghai) — ``revealed_at`` NULL and
  max(window_end, history_until) before that day; a redraw only when its
  root is public too, as the old rule said; cancelled draws alike — are
  marked revealed: ``revealed_at`` now, ``revealed_by`` 'system',
  ``reveal_reason`` 'by_date_before_upgrade' (rendered in words by
  ``draw_reveal.reason_words``), each with a 'revealed' trail event. The
  downgrade leaves them revealed (the old rule reads them as public too).
"""
from datetime import datetime, timezone
from typing import Sequence, Union
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0021"
down_revision: Union[str, None] = "0020"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

MESSAGE = "draws are append-only"
SYSTEM = "system"
BY_DATE_BEFORE_UPGRADE = "by_date_before_upgrade"  # = services/draw_reveal.BY_DATE_BEFORE_UPGRADE
T = sqlmodel.sql.sqltypes.UTCDateTime

draw = sa.table("draw", sa.column("id", sa.Integer), sa.column("code", sa.String), sa.column("parent_id", sa.Integer),
                sa.column("state", sa.String), sa.column("window_end", sa.Date), sa.column("history_until", sa.Date),
                sa.column("revealed_at", T()), sa.column("revealed_by", sa.String),
                sa.column("reveal_reason", sa.String))
draw_event = sa.table("draw_event", sa.column("draw_id", sa.Integer), sa.column("at", T()),
                      sa.column("actor", sa.String), sa.column("action", sa.String), sa.column("detail", sa.JSON))


def upgrade() -> None:
    op.add_column("draw", sa.Column("history_sources", sa.JSON(none_as_null=True), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        op.execute("CREATE TRIGGER draw_sources_write_once BEFORE UPDATE ON draw "
                   "WHEN OLD.history_sources IS NOT NULL AND NEW.history_sources IS NOT OLD.history_sources "
                   f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}: a sealed or write-once field of a draw cannot change'); END")
    else:
        op.execute("CREATE TRIGGER draw_sources_write_once BEFORE UPDATE ON draw FOR EACH ROW "
                   "WHEN (OLD.history_sources IS NOT NULL AND "
                   "NEW.history_sources::text IS DISTINCT FROM OLD.history_sources::text) "
                   "EXECUTE FUNCTION draws_append_only()")
    _reveal_public_by_date(datetime.now(ZoneInfo("Asia/Shanghai")).date())


def _reveal_public_by_date(today) -> None:
    """Mark revealed what the old rule (``is_revealed`` before 0021) showed
    as public on ``today``."""
    bind = op.get_bind()
    rows = {r.id: r for r in bind.execute(sa.select(draw).where(draw.c.state == "sealed"))}
    parents = dict(bind.execute(sa.select(draw.c.id, draw.c.parent_id)).all())
    codes = dict(bind.execute(sa.select(draw.c.id, draw.c.code)).all())

    def old_public(draw_id: int) -> bool:
        row = rows.get(draw_id)
        if row is None:  # not sealed
            return False
        own = row.revealed_at is not None or max(row.window_end, row.history_until or row.window_end) < today
        return own and (row.parent_id is None or old_public(row.parent_id))

    def root_code(draw_id: int) -> str | None:
        while parents.get(draw_id) is not None:
            draw_id = parents[draw_id]
        return codes.get(draw_id)

    now = datetime.now(timezone.utc)
    for draw_id in sorted(rows):
        row = rows[draw_id]
        if row.revealed_at is not None or not old_public(draw_id):
            continue
        bind.execute(sa.update(draw).where(draw.c.id == draw_id, draw.c.revealed_at.is_(None))
                     .values(revealed_at=now, revealed_by=SYSTEM, reveal_reason=BY_DATE_BEFORE_UPGRADE))
        detail = {"reason_code": BY_DATE_BEFORE_UPGRADE}
        if row.parent_id is not None:
            detail = {"root": root_code(draw_id), **detail}
        bind.execute(sa.insert(draw_event).values(draw_id=draw_id, at=now, actor=SYSTEM, action="revealed",
                                                  detail=detail))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS draw_sources_write_once")
    else:
        op.execute("DROP TRIGGER IF EXISTS draw_sources_write_once ON draw")
    op.drop_column("draw", "history_sources")
