"""The demo data generator: determinism, valid identifiers, integrity, scale."""

from __future__ import annotations

import doctest
from collections import Counter
from datetime import date

import pytest
import sqlalchemy as sa
from sqlmodel import select
from stdnum.cn import uscc as stdnum_uscc

from inspect_app.models import (ACTIVE_STATUSES, CalendarYear, CheckItem, CheckRecord, Conflict, Department,
                                District, Entity, Inspector, InspectorLeave, PairConflict, User)
from inspect_app.services import demo
from inspect_app.services.calendar import window_calendar
from inspect_app.services.accounts import create_account as create_user
from inspect_app.security import check_password

AS_OF = date(2026, 11, 22)


@pytest.fixture
def app(app, tmp_path):
    """The demo's draw documents (services/demo_year.py) in the test's own folder."""
    app.config.update(DRAW_STORE=str(tmp_path / "store"))
    return app


def test_doctests():
    assert doctest.testmod(demo).failed == 0


def _snapshot(session) -> dict:
    def rows(model, *order, skip=("id",)):
        cols = [c for c in model.__table__.columns if c.name not in skip]
        return [tuple(r) for r in session.execute(sa.select(*cols).order_by(*order))]

    return {
        "departments": rows(Department, Department.id),
        "districts": rows(District, District.code),
        "items": rows(CheckItem, CheckItem.code),
        "entities": rows(Entity, Entity.uscc),
        "inspectors": rows(Inspector, Inspector.id),
        "leaves": rows(InspectorLeave, InspectorLeave.inspector, InspectorLeave.start),
        "conflicts": rows(Conflict, Conflict.inspector, Conflict.uscc),
        "pairs": rows(PairConflict, PairConflict.a, PairConflict.b),
        "checks": rows(CheckRecord, CheckRecord.uscc, CheckRecord.checked_on, CheckRecord.department),
    }


def test_same_seed_same_rows(db_session):
    demo.load_demo(db_session, entities=300, seed=7, as_of=AS_OF)
    first = _snapshot(db_session)
    demo.load_demo(db_session, entities=300, seed=7, as_of=AS_OF, reset_first=True)
    assert _snapshot(db_session) == first
    assert len(first["entities"]) == 300 and first["conflicts"] and first["checks"]


def test_generator_is_deterministic_without_global_random_state():
    import random

    random.seed(1)
    a = demo._Generator(5, AS_OF).entity_chunk(0, 500)
    random.seed(2)
    b = demo._Generator(5, AS_OF).entity_chunk(0, 500)
    assert a == b
    assert demo._Generator(6, AS_OF).entity_chunk(0, 500) != a


def test_uscc_are_valid_unique_and_consistent():
    gen = demo._Generator(11, AS_OF)
    rows = gen.entity_chunk(0, 20_000) + gen.entity_chunk(20_000, 20_000)
    usccs = [r[0] for r in rows]
    assert len(set(usccs)) == len(usccs)
    for uscc, name, etype, _rep, _addr, district, *_ in rows:
        assert stdnum_uscc.validate(uscc) == uscc
        assert uscc[0] == "9"
        assert uscc[1] == {"个体工商户": "2", "农民专业合作社": "3"}.get(etype, "1")
        assert uscc[2:8] == district[:6]  # region code = the entity's county
        assert demo.org_check_char(uscc[8:16]) == uscc[16]  # GB 11714 organisation code
        assert name


def test_proportions_are_realistic():
    gen = demo._Generator(3, AS_OF)
    rows = [r for start in range(0, 40_000, 20_000) for r in gen.entity_chunk(start, 20_000)]
    n = len(rows)
    risk = Counter(r[8] for r in rows)
    for cls, share in (("A", 0.30), ("B", 0.55), ("C", 0.12), ("D", 0.03)):
        assert abs(risk[cls] / n - share) < 0.02, (cls, risk[cls] / n)
    abnormal = sum("abnormal" in r[9] for r in rows) / n
    serious = sum("serious_violation" in r[9] for r in rows) / n
    assert 0.015 < abnormal < 0.06
    assert 0.001 < serious < 0.01
    # Lists concentrate on the high-risk classes.
    d_abnormal = sum("abnormal" in r[9] for r in rows if r[8] == "D") / risk["D"]
    assert d_abnormal > 5 * abnormal / 2
    active = sum(r[7] in ACTIVE_STATUSES for r in rows) / n
    assert 0.9 < active < 0.98
    kinds = Counter(r[2] for r in rows)
    assert 0.55 < kinds["个体工商户"] / n < 0.7
    industries = Counter(r[6] for r in rows)
    assert industries.most_common(1)[0][0] in ("批发和零售业", "餐饮服务")
    assert {"危险化学品经营", "娱乐场所", "药品零售", "建筑施工"} <= set(industries)


def test_referential_integrity_and_scale(db_session):
    result = demo.load_demo(db_session, entities=1200, seed=1, as_of=AS_OF,
                            passwords={"admin": "admin-pass-1", "planner": "planner-pass-1"})
    s = db_session
    assert s.scalar(sa.select(sa.func.count()).select_from(Entity)) == 1200 == result.counts["entities"]
    districts = {d.code: d for d in s.exec(select(District))}
    for d in districts.values():
        if d.parent_code:
            assert districts[d.parent_code].level == d.level - 1
            assert d.code.startswith(d.parent_code.rstrip("0"))
    assert {d.level for d in districts.values()} == {1, 2, 3, 4}
    depts = {d.id for d in s.exec(select(Department))}
    assert depts == {"SCJG", "CGJ", "STHJ", "WJW", "YJGL", "WHLY"}
    assert all(d.name_en for d in s.exec(select(Department)))

    entities = {e.uscc: e for e in s.exec(select(Entity))}
    for e in entities.values():
        assert districts[e.district].level == 4
        assert isinstance(e.lists, list) and isinstance(e.tags, list) and e.tags
    inspectors = {i.id: i for i in s.exec(select(Inspector))}
    per_dept = Counter(i.department for i in inspectors.values())
    assert set(per_dept) == depts and min(per_dept.values()) >= demo.MIN_INSPECTORS_PER_DEPARTMENT
    items = list(s.exec(select(CheckItem)))
    assert any(not i.published for i in items) and sum(i.published for i in items) > len(items) / 2
    for item in items:
        assert item.department in depts and item.legal_basis and item.content
        holders = [i for i in inspectors.values()
                   if i.department == item.department and item.qualification in i.qualifications]
        assert len(holders) >= 2, item.code
    for i in inspectors.values():
        assert i.district in districts and i.certificate_no
    assert any(i.certificate_expires < AS_OF for i in inspectors.values())
    for leave in s.exec(select(InspectorLeave)):
        assert leave.inspector in inspectors and leave.start <= leave.end
    conflicts = list(s.exec(select(Conflict)))
    assert conflicts
    for c in conflicts:
        assert c.inspector in inspectors and c.uscc in entities
    pairs = list(s.exec(select(PairConflict)))
    assert pairs
    for p in pairs:
        assert p.a < p.b and inspectors[p.a].department == inspectors[p.b].department
    checks = list(s.exec(select(CheckRecord)))
    assert checks
    for c in checks:
        assert c.uscc in entities and c.checked_on < AS_OF
        assert len(c.inspectors) == 2 and all(inspectors[x].department == c.department for x in c.inspectors)

    users = {u.username: u for u in s.exec(select(User))}
    assert {u: users[u].role for u in users} == {"admin": "admin", "planner": "planner", "inspector": "inspector"}
    linked = inspectors[users["inspector"].inspector]
    assert linked.active and linked.certificate_expires > AS_OF
    assert check_password(users["planner"].password_hash, "planner-pass-1")
    logins = {username: password for _role, username, password in result.logins}
    assert logins["admin"] == "admin-pass-1" and len(logins["inspector"]) >= 12
    # The calendar was seeded.
    assert s.get(CalendarYear, 2026) is not None
    assert window_calendar(s, date(2026, 10, 1), date(2026, 10, 10))["workdays"] == ["2026-10-10"]


def test_inspector_count_follows_scale():
    few, _, _ = demo._Generator(1, AS_OF).inspectors(200)
    many, _, _ = demo._Generator(1, AS_OF).inspectors(400_000)
    assert 900 <= len(many) <= 1100
    assert len(few) < 100 and len({i["department"] for i in few}) == 6


def test_name_search_index_is_filled(db_session):
    demo.load_demo(db_session, entities=500, seed=2, as_of=AS_OF)
    entity = db_session.exec(select(Entity).order_by(Entity.uscc)).first()
    needle = entity.name[-6:]
    if db_session.get_bind().dialect.name == "sqlite":
        hits = db_session.execute(sa.text("SELECT rowid FROM entity_fts WHERE entity_fts MATCH :q"),
                                  {"q": f'"{needle}"'}).scalars().all()
        assert entity.id in hits
        # The triggers that keep the index current are back in place.
        triggers = db_session.execute(sa.text("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                              "AND name LIKE 'entity_fts%'")).scalars().all()
        assert sorted(triggers) == ["entity_fts_ad", "entity_fts_ai", "entity_fts_au"]
    else:
        hits = db_session.execute(sa.select(Entity.id).where(Entity.name.like(f"%{needle}%"))).scalars().all()
        assert entity.id in hits


def test_refuses_a_database_with_data(db_session):
    demo.load_demo(db_session, entities=100, seed=1, as_of=AS_OF)
    with pytest.raises(demo.DemoError, match="already holds registry data"):
        demo.load_demo(db_session, entities=100, seed=1, as_of=AS_OF)
    with pytest.raises(demo.DemoError):
        demo.load_demo(db_session, entities=99, seed=1, as_of=AS_OF)


def test_refuses_existing_demo_user_names_and_writes_nothing(db_session):
    create_user(db_session, "planner", "someone-else-1", "planner")
    with pytest.raises(demo.DemoError, match="planner"):
        demo.load_demo(db_session, entities=100, seed=1, as_of=AS_OF)
    assert not demo.has_data(db_session)


def test_cli_load_if_empty_and_logins(app, runner, tmp_path):
    app.config["DEMO_LOGINS_FILE"] = str(tmp_path / "logins.txt")
    r = runner.invoke(args=["demo", "load", "--entities", "200", "--seed", "4", "--as-of", "2026-11-22"])
    assert r.exit_code == 0, r.output
    assert "200 entities" in r.output and "demo logins" in r.output
    for role in ("admin", "planner", "inspector"):
        assert role in r.output
    saved = (tmp_path / "logins.txt").read_text(encoding="utf-8")
    assert saved.count("\n") == 3 and saved.split()[2] in r.output
    r = runner.invoke(args=["demo", "load", "--if-empty"])
    assert r.exit_code == 0 and "demo not loaded" in r.output
    r = runner.invoke(args=["demo", "load", "--entities", "200"])
    assert r.exit_code != 0 and "--reset" in r.output
    r = runner.invoke(args=["demo", "logins"])
    assert r.exit_code == 0 and saved.split()[2] in r.output
