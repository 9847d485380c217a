"""Migration 0017 backfills ``visit_member`` from the teams of the visits
that exist before it (on SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from migration_fixtures import migrated_to


@pytest.fixture
def pre_0017_engine(backend, tmp_path, request):
    with migrated_to("0014", backend, tmp_path, request) as engine:
        yield engine


def test_migration_backfills_visit_member(pre_0017_engine):
    from inspect_app.db import upgrade

    json_params = [sa.bindparam(n, type_=sa.JSON) for n in ("tasks", "departments", "team")]
    with pre_0017_engine.begin() as conn:
        plan = conn.execute(sa.text("INSERT INTO plan (number, version, name, year, status, created_at) "
                                    "VALUES ('P1', 1, 'plan', 2030, 'published', '2026-01-01 00:00:00') RETURNING id"
                                    )).scalar_one()
        draw = conn.execute(sa.text("INSERT INTO draw (plan_id, state, window_start, window_end, task_codes, "
                                    "entropy_source, created_at) VALUES (:p, 'sealed', '2030-03-01', '2030-03-29', "
                                    ":codes, 'dice', '2026-01-01 00:00:00') RETURNING id")
                            .bindparams(sa.bindparam("codes", type_=sa.JSON)), {"p": plan, "codes": ["T1"]}).scalar_one()
        insert_visit = sa.text("INSERT INTO draw_visit (draw_id, visit_id, uscc, entity_name, district, tasks, "
                               "departments, team, day, current) VALUES (:d, :v, 'X', 'E', '350181', :tasks, "
                               ":departments, :team, '2030-03-04', :c) RETURNING id").bindparams(*json_params)
        pks = {}
        for visit_id, team in (("V1", ["A", "B"]), ("V2", ["B", "C", "D"]), ("V3", [])):
            pks[visit_id] = conn.execute(insert_visit, {"d": draw, "v": visit_id, "tasks": ["T1"],
                                                        "departments": ["SCJG"], "team": team,
                                                        "c": True}).scalar_one()
    upgrade(pre_0017_engine)
    with pre_0017_engine.connect() as conn:
        rows = set(conn.execute(sa.text("SELECT inspector, visit_pk FROM visit_member")).all())
    assert rows == {("A", pks["V1"]), ("B", pks["V1"]), ("B", pks["V2"]), ("C", pks["V2"]), ("D", pks["V2"])}
