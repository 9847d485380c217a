"""Issue 8, item 8: control characters and lengths, one validation layer on
SQLite and PostgreSQL alike.

* the request hook refuses NUL and bidi overrides in any form value (the
  registry edit form, the entropy form);
* the ORM's before_flush backstop refuses what a form let through: a NUL
  entity name, a 10,000-character plan number, a 300,000-character task
  name, a 400,000-character entropy source, 100,000-character witness names,
  with a message naming ``table.column``, and nothing is half-written;
* an entity name with NUL that is already stored (written before these
  checks) no longer breaks every XLSX export.
"""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from sqlmodel import select

from draw_fixtures import WINDOW, item_id, published_plan, seed_registries, uscc
from inspect_app.jobs.runner import run_job
from inspect_app.models import CheckItem, Draw, DrawWitness, Entity, Plan, Task
from inspect_app.services import draws
from inspect_app.services.text_rules import TextError


@pytest.fixture
def planner(client, auth):
    # an admin acts for every department (services/scope.py): these tests are about text, not departments
    assert auth.login("planner", role="admin").status_code == 302
    return client


def count(session, model) -> int:
    session.expire_all()
    return session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


# --- the request hook --------------------------------------------------------

def entity_form(entity: Entity, **override) -> dict:
    data = {"name": entity.name, "type": entity.type or "", "legal_rep": "", "address": "",
            "district": entity.district, "industry": entity.industry or "", "status": entity.status,
            "risk": entity.risk, "lists": "", "tags": "", "active": "y"}
    data.update(override)
    return data


def test_nul_entity_name_refused_by_the_edit_form(planner, db_session):
    seed_registries(db_session, entities=3)
    entity = db_session.exec(select(Entity).where(Entity.uscc == uscc(1))).one()
    before = entity.name
    r = planner.post(f"/planner/registries/entities/{uscc(1)}/edit", data=entity_form(entity, name="某某\x00公司"))
    assert r.status_code == 400
    assert "参数 name 含有不允许的字符（U+0000，第 3 个字符）" in r.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.exec(select(Entity).where(Entity.uscc == uscc(1))).one().name == before


# --- the flush backstop ------------------------------------------------------

def test_nul_entity_name_refused_by_the_orm_flush(db_session):
    seed_registries(db_session, entities=3)
    entity = db_session.exec(select(Entity).where(Entity.uscc == uscc(1))).one()
    entity.name = "某某\x00公司"
    with pytest.raises(TextError) as caught:
        db_session.commit()
    assert str(caught.value) == "entity.name: contains a control character (U+0000) at position 3"
    db_session.rollback()
    assert db_session.exec(select(Entity).where(Entity.uscc == uscc(1))).one().name == "福清市测试1号有限公司"
    # Only changed attributes of a loaded row are checked: a row stored before
    # these checks (here written with Core) can still be corrected.
    db_session.execute(sa.update(Entity).values(name="旧\x01名称", address="旧\x01地址"))  # PostgreSQL stores no NUL
    db_session.commit()
    entity = db_session.exec(select(Entity).where(Entity.uscc == uscc(1))).one()
    entity.name = "新名称"
    db_session.commit()
    assert db_session.exec(select(Entity).where(Entity.uscc == uscc(1))).one().address == "旧\x01地址"


@pytest.mark.parametrize("attrs,error", [
    ({"name": "a\u202eb"}, "entity.name: contains a control character (U+202E) at position 2"),
    ({"name": "第一行\n第二行"}, "entity.name: contains a control character (U+000A) at position 4"),
    ({"name": "名" * 201}, "entity.name: is 201 characters long; at most 200 are allowed"),
    ({"uscc": "9" * 19}, "entity.uscc: is 19 characters long; at most 18 are allowed"),
])
def test_new_objects_are_checked_on_both_databases(db_session, attrs, error):
    seed_registries(db_session, entities=1)
    values = {"uscc": uscc(99), "name": "新公司", "district": "350181001"} | attrs
    db_session.add(Entity(**values))
    with pytest.raises(TextError) as caught:
        db_session.flush()
    assert str(caught.value) == error
    db_session.rollback()
    assert count(db_session, Entity) == 1


def test_text_columns_allow_lines_and_have_a_default_bound(db_session):
    seed_registries(db_session, entities=1)
    item = db_session.exec(select(CheckItem).where(CheckItem.code == "SCJG-02")).one()
    item.content = "第一条\n第二条\t说明"
    db_session.commit()  # multi-line text in a Text column is fine
    item.legal_basis = "法" * 20_001
    with pytest.raises(TextError, match="check_item.legal_basis: is 20001 characters long; at most 20000"):
        db_session.commit()
    db_session.rollback()


def test_column_limits():
    from inspect_app.models import Draw as DrawModel
    from inspect_app.validation import TEXT_MAX_LENGTH, column_limits

    assert column_limits(Entity.__table__.c.name) == (200, False)
    assert column_limits(CheckItem.__table__.c.content) == (TEXT_MAX_LENGTH, True)
    assert column_limits(sa.Column("note", sa.Text, info={"max_length": 500})) == (500, True)
    assert column_limits(DrawModel.__table__.c.window_start) is None


def test_a_10000_character_plan_number_is_refused(planner, db_session):
    r = planner.post("/planner/plans/", data={"number": "号" * 10_000, "name": "计划", "year": "2030"})
    assert r.status_code == 400
    assert "plan.number 过长：10000 个字符，最多 64 个" in r.get_data(as_text=True)
    assert count(db_session, Plan) == 0


def test_a_300000_character_task_name_is_refused(planner, db_session):
    from inspect_app.services import plans

    seed_registries(db_session, entities=5)
    plan = plans.create_plan(db_session, "榕〔2030〕9号", "草稿计划", 2030)
    form = {"name": "任" * 300_000, "department": "SCJG", "items": str(item_id(db_session, "SCJG-01")),
            "window_start": WINDOW[0].isoformat(), "window_end": WINDOW[1].isoformat(), "mode": "count",
            "count": "5", "inspectors_per_visit": "2"}
    r = planner.post(f"/planner/plans/{plan.id}/tasks/new", data=form)
    assert r.status_code == 413  # 2.7 MB of form: over the 1 MB bound of every form but the registry upload
    form["name"] = "任" * 30_000  # within the request bound, over the column's
    r = planner.post(f"/planner/plans/{plan.id}/tasks/new", data=form)
    assert r.status_code == 400
    assert "task.name 过长：30000 个字符，最多 200 个" in r.get_data(as_text=True)
    assert count(db_session, Task) == 0


@pytest.fixture
def ready(db_session):
    seed_registries(db_session, entities=40)
    plan, tasks = published_plan(db_session, joint=False)
    return plan, tasks


def test_a_400000_character_entropy_source_is_refused(planner, db_session, ready):
    plan, tasks = ready
    r = planner.post(f"/planner/plans/{plan.id}/draws",
                     data={"tasks": str(tasks[0].id), "entropy_source": "源" * 400_000})
    assert r.status_code == 413  # 3.6 MB of form: over the 1 MB bound of every form but the registry upload
    r = planner.post(f"/planner/plans/{plan.id}/draws",
                     data={"tasks": str(tasks[0].id), "entropy_source": "源" * 4_000}, follow_redirects=True)
    assert "外部随机数来源 过长：4000 个字符，最多 300 个" in r.get_data(as_text=True)  # the draw service's check
    assert count(db_session, Draw) == 0


@pytest.fixture
def committed(app, db_session, ready):
    plan, tasks = ready
    draw, job = draws.start_draw(db_session, plan, [tasks[0].id], "公证员现场掷骰", actor="planner")
    assert run_job(app, job.id)
    db_session.expire_all()
    draw = db_session.get(Draw, draw.id)
    assert draw.state == "committed", draw.error
    return draw


def test_100000_character_witness_names_are_refused(planner, db_session, committed):
    r = planner.post(f"/planner/draws/{committed.id}/entropy",
                     data={"external_entropy": "314159", "witness_name": ["王" * 100_000, "李见证"],
                           "witness_role": ["公证员", "见证人"]}, follow_redirects=True)
    assert "见证人姓名 过长：100000 个字符，最多 100 个" in r.get_data(as_text=True)  # the draw service's check
    db_session.expire_all()
    draw = db_session.get(Draw, committed.id)
    assert draw.state == "committed" and draw.external_entropy is None  # nothing half-written
    assert count(db_session, DrawWitness) == 0
    public = planner.get(f"/draws/{draw.code}")
    assert len(public.get_data()) < 100_000


@pytest.mark.parametrize("entropy,char", [("31\u202e4159", "U+202E"), ("31\x004159", "U+0000")])
def test_bidi_override_and_nul_in_entropy_are_refused_by_the_request_hook(planner, db_session, committed,
                                                                          entropy, char):
    r = planner.post(f"/planner/draws/{committed.id}/entropy",
                     data={"external_entropy": entropy, "witness_name": "王公证", "witness_role": "公证员"})
    assert r.status_code == 400
    assert f"参数 external_entropy 含有不允许的字符（{char}，第 3 个字符）" in r.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(Draw, committed.id).state == "committed"


def test_a_stored_control_character_no_longer_breaks_the_xlsx_export(planner, db_session, backend):
    """SQLite stores NUL, PostgreSQL refuses it; U+0001 is stored by both and
    breaks openpyxl the same way."""
    seed_registries(db_session, entities=3)
    bad = "\x00" if backend == "sqlite" else "\x01"
    db_session.execute(sa.update(Entity).where(Entity.uscc == uscc(1)).values(name=f"旧{bad}数据"))  # pre-check row
    db_session.commit()
    r = planner.get("/planner/registries/export/entities.xlsx")
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(r.data)).active
    assert "旧\ufffd数据" in [row[1] for row in sheet.iter_rows(values_only=True)]
