"""Registries through the API: filtered keyset reads, and bulk upserts with
the import's validation and its all-or-nothing rule."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from inspect_app.db import get_session
from inspect_app.models import CheckItem, Entity, Inspector
from inspect_app.services.uscc import with_check_character

from .api_fixtures import bearer, token_for


def code(n: int) -> str:
    return with_check_character(f"91350100MA{n:07d}")


DEPARTMENTS = [{"id": "SCJG", "name": "市场监督管理局"}, {"id": "CGJ", "name": "城市管理局"}]
DISTRICTS = [{"code": "350100", "name": "福州市", "level": 2},
             {"code": "350102", "name": "鼓楼区", "parent_code": "350100", "level": 3}]


def entities(n: int, start: int = 1) -> list[dict]:
    return [{"uscc": code(i), "name": f"福州{i}号贸易有限公司", "district": "350102", "risk": "ABCD"[i % 4],
             "lists": ["经营异常名录"] if i % 5 == 0 else []} for i in range(start, start + n)]


@pytest.fixture
def planner(app, client):
    secret = token_for(app, "admin1", "admin")
    for kind, rows in (("departments", DEPARTMENTS), ("districts", DISTRICTS)):
        response = client.post(f"/api/v1/registries/{kind}/upsert", json={"rows": rows}, headers=bearer(secret))
        assert response.status_code == 200, response.get_json()
    return secret


def upsert(client, token, kind, rows, **kw):
    return client.post(f"/api/v1/registries/{kind}/upsert", json={"rows": rows, **kw}, headers=bearer(token))


def count(app, model, *where) -> int:
    with app.app_context():
        return get_session().execute(sa.select(sa.func.count()).select_from(model).where(*where)).scalar_one()


def snapshot(app) -> list:
    with app.app_context():
        session = get_session()
        return [sorted(map(tuple, session.execute(sa.select(m)).all())) for m in
                (Entity.__table__, Inspector.__table__, CheckItem.__table__)]


def test_upsert_inserts_updates_and_counts(app, client, planner):
    first = upsert(client, planner, "entities", entities(30))
    assert first.status_code == 200
    assert first.get_json() | {} == {"kind": "entities", "total_rows": 30, "inserted": 30, "updated": 0,
                                     "unchanged": 0, "deactivated": 0, "versioned": 0, "dry_run": False}
    rows = entities(30)
    rows[0]["name"] = "改名后的公司"
    second = upsert(client, planner, "entities", rows).get_json()
    assert (second["inserted"], second["updated"], second["unchanged"]) == (0, 1, 29)
    with app.app_context():
        stored = get_session().execute(sa.select(Entity).where(Entity.uscc == code(1))).scalar_one()
        assert stored.name == "改名后的公司" and stored.risk == "B"
        assert get_session().execute(sa.select(Entity.lists).where(Entity.uscc == code(5))).scalar_one() \
            == ["经营异常名录"]
    dry = upsert(client, planner, "entities", entities(3, start=100), dry_run=True).get_json()
    assert dry["inserted"] == 3 and dry["dry_run"] is True
    assert count(app, Entity) == 30


def test_bad_rows_change_nothing_and_are_all_listed(app, client, planner):
    upsert(client, planner, "entities", entities(5))
    before = snapshot(app)
    rows = entities(6)
    rows[0]["name"] = "新名字"  # a good change that must not land
    rows[1]["uscc"] = code(2)[:-1] + ("0" if code(2)[-1] != "0" else "1")  # wrong check character
    rows[3]["district"] = "999999"  # unknown reference
    rows[4]["risk"] = "Z"
    rows[5]["uscc"] = rows[2]["uscc"]  # duplicate key
    response = upsert(client, planner, "entities", rows)
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["code"] == "rows_invalid"
    bad = {(e["index"], e["field"]) for e in body["errors"]}
    assert {(1, "uscc"), (3, "district"), (4, "risk")} <= bad
    assert any(e["index"] in (2, 5) and e["field"] == "uscc" for e in body["errors"])
    assert all(e["path"].startswith(f"$.rows[{e['index']}]") for e in body["errors"] if e["index"] is not None)
    assert all(e["reason"] and "value" in e for e in body["errors"])
    assert snapshot(app) == before


def test_unknown_fields_and_empty_rows_are_row_errors(app, client, planner):
    rows = entities(3)
    rows[1]["colour"] = "red"
    rows.append({"uscc": None})
    body = upsert(client, planner, "entities", rows).get_json()
    assert body["code"] == "rows_invalid"
    assert {(e["index"], e["field"]) for e in body["errors"]} == {(1, "colour"), (3, "")}
    assert count(app, Entity) == 0


@pytest.mark.parametrize("payload, path", [
    ({"rows": "not a list"}, "$.rows"),
    ({"rows": [{"uscc": {"nested": 1}}]}, "$.rows[0].uscc"),
    ({"rows": [], "sync": False}, "$.rows"),
    ({"rows": [{"uscc": "x"}], "extra": 1}, "$.extra"),
    ({"rows": [{"uscc": "x" * 2001}]}, "$.rows[0].uscc"),
    ({"rows": [{"uscc": "x"}], "sync": "maybe"}, "$.sync"),
    ([1, 2], "$"),
])
def test_wrong_shapes_are_validation_problems(app, client, planner, payload, path):
    before = snapshot(app)
    response = client.post("/api/v1/registries/entities/upsert", json=payload, headers=bearer(planner))
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["code"] == "validation_failed"
    assert any(e["path"].startswith(path) for e in body["errors"]), body["errors"]
    assert snapshot(app) == before


def test_malformed_json_and_oversized_bodies(app, client, planner):
    before = snapshot(app)
    response = client.post("/api/v1/registries/entities/upsert", data=b'{"rows": [', headers={
        **bearer(planner), "Content-Type": "application/json"})
    assert response.status_code == 400 and response.get_json()["code"] == "malformed_json"
    app.config["API_BULK_MAX_BYTES"] = 10_000
    big = json.dumps({"rows": entities(200)})
    response = client.post("/api/v1/registries/entities/upsert", data=big, headers={
        **bearer(planner), "Content-Type": "application/json"})
    assert response.status_code == 413 and response.get_json()["code"] == "payload_too_large"
    # Every other endpoint keeps MAX_CONTENT_LENGTH.
    response = client.delete("/api/v1/tokens/1", data="x" * (app.config["MAX_CONTENT_LENGTH"] + 1),
                             headers={**bearer(planner), "Content-Type": "application/json"})
    assert response.status_code == 413 and response.mimetype == "application/problem+json"
    app.config["API_BULK_MAX_BYTES"] = 64 * 2**20
    app.config["API_BULK_MAX_ROWS"] = 10
    response = upsert(client, planner, "entities", entities(11))
    assert response.status_code == 413
    assert snapshot(app) == before


def test_sync_mode_deactivates_and_is_refused_where_unsupported(app, client, planner):
    upsert(client, planner, "entities", entities(10))
    body = upsert(client, planner, "entities", entities(8), sync=True).get_json()
    assert body["deactivated"] == 2
    assert count(app, Entity, Entity.active.is_(False)) == 2
    response = upsert(client, planner, "conflicts", [{"inspector": "E1"}], sync=True)
    assert response.status_code == 422 and response.get_json()["code"] == "validation_failed"


def test_check_items_version_and_respect_the_department_scope(app, client, planner):
    item = {"code": "SC-001", "department": "SCJG", "name": "食品经营检查", "published": True}
    assert upsert(client, planner, "items", [item]).status_code == 200
    assert upsert(client, planner, "items", [item | {"name": "食品经营许可检查"}]).get_json()["versioned"] == 1
    other = token_for(app, "cg", "planner", department="CGJ")
    response = upsert(client, other, "items", [item | {"name": "越权修改"}])
    assert response.status_code == 403 and response.get_json()["code"] == "out_of_scope"
    with app.app_context():
        names = get_session().execute(sa.select(CheckItem.name).where(CheckItem.current.is_(True))).scalars().all()
    assert names == ["食品经营许可检查"]


def test_inspectors_conflicts_and_leaves(app, client, planner):
    upsert(client, planner, "entities", entities(3))
    inspectors = [{"id": "E001", "name": "王五", "department": "SCJG", "district": "350102",
                   "qualifications": ["食品", "特种设备"], "certificate_expires": "2030-06-30", "max_visits": 20},
                  {"id": "E002", "name": "赵六", "department": "SCJG", "district": "350102"}]
    assert upsert(client, planner, "inspectors", inspectors).status_code == 200
    assert upsert(client, planner, "conflicts", [{"inspector": "E001", "uscc": code(1), "reason": "亲属",
                                                  "declared_on": "2026-01-05"}]).status_code == 200
    assert upsert(client, planner, "leaves", [{"inspector": "E002", "start": "2026-03-01",
                                               "end": "2026-03-05"}]).status_code == 200
    bad = upsert(client, planner, "leaves", [{"inspector": "E404", "start": "2026-03-05", "end": "2026-03-01"}])
    assert bad.status_code == 422
    assert {e["field"] for e in bad.get_json()["errors"]} >= {"inspector"}
    listed = client.get("/api/v1/registries/inspectors?qualification=食品", headers=bearer(planner)).get_json()
    assert [i["id"] for i in listed["items"]] == ["E001"] and listed["items"][0]["qualifications"] == ["食品", "特种设备"]
    conflicts = client.get(f"/api/v1/registries/conflicts?uscc={code(1)}", headers=bearer(planner)).get_json()
    assert [c["inspector"] for c in conflicts["items"]] == ["E001"]
    leaves = client.get("/api/v1/registries/leaves?on=2026-03-02", headers=bearer(planner)).get_json()
    assert [x["inspector"] for x in leaves["items"]] == ["E002"]


def test_keyset_pages_walk_everything_once_with_filters(app, client, planner):
    upsert(client, planner, "entities", entities(57))
    seen, cursor = [], None
    while True:
        query = "limit=10" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(f"/api/v1/registries/entities?{query}", headers=bearer(planner)).get_json()
        seen += [e["uscc"] for e in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(e["uscc"] for e in entities(57)) and len(seen) == 57
    risky = client.get("/api/v1/registries/entities?risk=D&limit=200", headers=bearer(planner)).get_json()
    assert {e["risk"] for e in risky["items"]} == {"D"} and len(risky["items"]) == 14
    listed = client.get("/api/v1/registries/entities?list=经营异常名录", headers=bearer(planner)).get_json()
    assert len(listed["items"]) == 11
    by_code = client.get(f"/api/v1/registries/entities?q={code(7)}", headers=bearer(planner)).get_json()
    assert [e["uscc"] for e in by_code["items"]] == [code(7)]


@pytest.mark.parametrize("query", ["cursor=!!!", "cursor=WzEsMl0", "cursor=WyJ4Il0", "limit=0", "limit=201",
                                   "risk=Q", "unknown=1", "active=perhaps"])
def test_bad_query_parameters_are_problems(client, planner, query):
    response = client.get(f"/api/v1/registries/entities?{query}", headers=bearer(planner))
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert response.get_json()["errors"]


def test_inspectors_may_not_read_or_write_registries(app, client, planner):
    upsert(client, planner, "inspectors", [{"id": "E009", "name": "钱七", "department": "SCJG",
                                            "district": "350102"}])
    inspector = token_for(app, "insp", "inspector", inspector="E009")
    assert client.get("/api/v1/registries/entities", headers=bearer(inspector)).status_code == 403
    assert upsert(client, inspector, "entities", entities(1)).status_code == 403
    assert client.get("/api/v1/registries/entities").status_code == 401
    assert count(app, Entity) == 0


def test_english_reasons_with_accept_language(client, planner):
    rows = entities(1)
    rows[0]["risk"] = "Z"
    body = client.post("/api/v1/registries/entities/upsert", json={"rows": rows},
                       headers={**bearer(planner), "Accept-Language": "en"}).get_json()
    assert body["errors"][0]["reason"].startswith("must be one of")


def test_bulk_requests_restore_the_garbage_collector(client, planner):
    import gc

    assert gc.isenabled()
    assert upsert(client, planner, "entities", entities(3)).status_code == 200
    assert gc.isenabled()
    assert upsert(client, planner, "entities", [{"uscc": "bad"}]).status_code == 422
    assert gc.isenabled()
