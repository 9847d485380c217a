"""Single-record registry edits through the API (the edit forms' service,
``services/registry_edit.py``): only the fields sent change, the import's
rules refuse bad values and nothing changes, a published check item gets a
new version, the department scope holds, every edit is audit-logged."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from inspect_app.db import get_session
from inspect_app.models import AuditEntry, CheckItem

from .api_fixtures import bearer, token_for
from . import test_api_registries as registries
from .test_api_registries import code, entities, snapshot, upsert

planner = registries.planner  # the fixture


def audits(app) -> int:
    with app.app_context():
        return get_session().execute(sa.select(sa.func.count()).select_from(AuditEntry)).scalar_one()


@pytest.fixture
def seeded(app, client, planner):  # noqa: F811
    assert upsert(client, planner, "entities", entities(3)).status_code == 200
    item = {"code": "SC-001", "department": "SCJG", "name": "食品经营检查", "published": True}
    assert upsert(client, planner, "items", [item]).status_code == 200
    return planner


def test_edit_an_entity_only_the_fields_sent(app, client, seeded):
    before = audits(app)
    r = client.patch(f"/api/v1/registries/entities/{code(1)}", json={"name": "福州改名有限公司", "risk": "D"},
                     headers=bearer(seeded))
    assert r.status_code == 200, r.get_json()
    record = r.get_json()["record"]
    assert (record["name"], record["risk"], record["district"]) == ("福州改名有限公司", "D", "350102")
    assert audits(app) == before + 1
    listed = client.get(f"/api/v1/registries/entities?q={code(1)}", headers=bearer(seeded)).get_json()
    assert listed["items"][0]["name"] == "福州改名有限公司"


@pytest.mark.parametrize("body, field, code_", [
    ({"risk": "Z"}, "risk", "rule_refused"),
    ({"district": "999999"}, "district", "rule_refused"),
    ({"name": ""}, "name", "rule_refused"),
    ({"uscc": "x"}, "uscc", "validation_failed"),
    ({"name": {"a": 1}}, "name", "validation_failed"),
    ({"lists": ["x" * 201]}, "lists", "validation_failed"),
])
def test_bad_fields_change_nothing(app, client, seeded, body, field, code_):
    before, logged = snapshot(app), audits(app)
    r = client.patch(f"/api/v1/registries/entities/{code(2)}", json={"name": "好名字", **body},
                     headers=bearer(seeded))
    assert r.status_code == 422 and r.get_json()["code"] == code_, r.get_json()
    assert any(field in e["path"] for e in r.get_json()["errors"])
    assert snapshot(app) == before and audits(app) == logged


def test_a_published_item_gets_a_new_version_within_its_department(app, client, seeded):
    other = token_for(app, "cg", "planner", department="CGJ")
    r = client.patch("/api/v1/registries/items/SC-001", json={"name": "越权修改"}, headers=bearer(other))
    assert r.status_code == 403 and r.get_json()["code"] == "out_of_scope"
    r = client.patch("/api/v1/registries/items/SC-001", json={"name": "食品经营许可检查"}, headers=bearer(seeded))
    assert r.status_code == 200 and r.get_json()["new_version"] is True and r.get_json()["record"]["version"] == 2
    with app.app_context():
        rows = get_session().execute(sa.select(CheckItem.version, CheckItem.name, CheckItem.current)
                                     .order_by(CheckItem.version)).all()
    assert [tuple(x) for x in rows] == [(1, "食品经营检查", False), (2, "食品经营许可检查", True)]


def test_unknown_records(client, seeded):
    for url in ("/api/v1/registries/entities/91350100MA0009999X", "/api/v1/registries/inspectors/NOPE",
                "/api/v1/registries/items/NOPE", "/api/v1/registries/items/" + "x" * 100):
        r = client.patch(url, json={"name": "x"}, headers=bearer(seeded))
        assert r.status_code == 404 and r.get_json()["code"] == "not_found", url
