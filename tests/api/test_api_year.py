"""A whole year through the API alone (issue 12): import the registries,
create and publish a plan, draw (commit, entropy with witnesses, outcome),
seal, record and submit every visit's results, review and approve (which
publishes), reveal the draw after its window, read the published record and
the revealed documents — and the outcome verifies with
``python -m solver verify`` against the digests the register published.

Outside the API: the working-day calendar of 2030 (an admin's import, seeded
as in tests/draw_fixtures.py), the accounts and their tokens (the admin and
account pages' service), and the clock (``draws._today``)."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

from inspect_app.db import get_session
from inspect_app.models import CalendarYear
from inspect_app.services import draws
from inspect_app.services.uscc import with_check_character

from draw_fixtures import inline_jobs

from .api_fixtures import bearer, token_for

ROOT = Path(__file__).resolve().parents[2]
WINDOW = (date(2030, 3, 4), date(2030, 3, 29))


def uscc(n: int) -> str:
    return with_check_character(f"91350181MA{n:07d}")


def ok(response, status=200):
    assert response.status_code == status, (response.status_code, response.get_json())
    return response.get_json()


def test_a_whole_year_through_the_api(app, client, tmp_path, monkeypatch):
    inline_jobs(app, tmp_path)
    clock = {"today": date(2030, 2, 1)}
    monkeypatch.setattr(draws, "_today", lambda: clock["today"])
    with app.app_context():
        get_session().add(CalendarYear(year=2030, source="test: Monday to Friday"))
        get_session().commit()
    admin = token_for(app, "root", "admin")
    up = "/api/v1/registries/{}/upsert"

    # Registries, as a provincial platform would push them.
    ok(client.post(up.format("departments"), headers=bearer(admin), json={"rows": [
        {"id": "SCJG", "name": "市场监督管理局"}, {"id": "CGJ", "name": "城市管理局"}]}))
    ok(client.post(up.format("districts"), headers=bearer(admin), json={"rows": [
        {"code": "350181", "name": "福清市", "level": 3},
        {"code": "350181001", "name": "玉屏街道", "parent_code": "350181", "level": 4}]}))
    planner = token_for(app, "planner", "planner", department="SCJG")
    ok(client.post(up.format("entities"), headers=bearer(planner), json={"rows": [
        {"uscc": uscc(n), "name": f"福清市年度{n}号有限公司", "district": "350181001", "risk": "ABCD"[n % 4],
         "tags": ["restaurant"], "type": "有限责任公司"} for n in range(24)]}))
    ok(client.post(up.format("inspectors"), headers=bearer(planner), json={"rows": [
        {"id": f"SCJG{k:02d}", "name": f"检查员{k}", "department": "SCJG", "district": "350181001",
         "certificate_no": f"C{k}", "certificate_expires": "2031-12-31", "max_visits": 30} for k in range(6)]}))
    ok(client.post(up.format("items"), headers=bearer(planner), json={"rows": [
        {"code": "SCJG-01", "department": "SCJG", "name": "食品经营许可", "published": True}]}))
    ok(client.post(up.format("conflicts"), headers=bearer(planner), json={"rows": [
        {"inspector": "SCJG00", "uscc": uscc(0), "reason": "亲属", "declared_on": "2029-01-01"}]}))
    ok(client.post(up.format("leaves"), headers=bearer(planner), json={"rows": [
        {"inspector": "SCJG01", "start": "2030-03-04", "end": "2030-03-08", "reason": "年假"}]}))
    item_id = ok(client.get("/api/v1/registries/items?q=SCJG-01", headers=bearer(planner)))["items"][0]["id"]

    # The plan.
    plan = ok(client.post("/api/v1/plans", headers=bearer(planner), json={
        "number": "榕市监〔2030〕1号", "name": "2030年度双随机抽查计划", "year": 2030}), 201)["plan"]
    task = ok(client.post(f"/api/v1/plans/{plan['id']}/tasks", headers=bearer(planner), json={
        "name": "食品经营抽查", "department": "SCJG", "items": [item_id], "window_start": WINDOW[0].isoformat(),
        "window_end": WINDOW[1].isoformat(), "filter": {"tags_any": ["restaurant"]}, "count": 8}), 201)
    assert ok(client.get(f"/api/v1/plans/{plan['id']}/preview", headers=bearer(planner)))["tasks"][0][
        "expected_visits"] == 8
    ok(client.post(f"/api/v1/plans/{plan['id']}/publish", headers=bearer(planner)))

    # The draw ceremony (jobs run inline).
    draw = ok(client.post(f"/api/v1/plans/{plan['id']}/draws", headers=bearer(planner), json={
        "tasks": [task["id"]], "entropy_source": "公证员现场掷骰六次的点数"}), 202)["draw"]
    status = ok(client.get(f"/api/v1/draws/{draw['id']}", headers=bearer(planner)))
    assert status["draw"]["state"] == "committed" and status["draw"]["commitment"]
    ok(client.post(f"/api/v1/draws/{draw['id']}/entropy", headers=bearer(planner), json={
        "entropy": "315926", "witnesses": [{"name": "王公证", "role": "公证员"}, {"name": "李见证", "role": "见证人"}]}),
        202)
    assert ok(client.get(f"/api/v1/draws/{draw['id']}", headers=bearer(planner)))["draw"]["state"] == "drawn"
    outcome = ok(client.get(f"/api/v1/draws/{draw['id']}/outcome?limit=1000", headers=bearer(planner)))
    visits = outcome["items"]
    assert len(visits) == 8 and all(len(v["team"]) >= 2 for v in visits)
    code = status["draw"]["code"]
    register = ok(client.get(f"/api/v1/public/draws/{code}"))
    assert register["documents"] == [] and register["revealed"] is False
    ok(client.post(f"/api/v1/draws/{draw['id']}/seal", headers=bearer(planner)))

    # Inspectors record and submit; the planner approves, which publishes.
    leads = {}
    for v in visits:
        for inspector in v["team"]:
            if inspector not in leads:
                leads[inspector] = token_for(app, f"u{inspector.lower()}", "inspector", inspector=inspector)
    for n, v in enumerate(sorted(visits, key=lambda v: v["day"])):
        clock["today"] = date.fromisoformat(v["day"])
        detail = None
        for inspector in v["team"]:
            got = client.get(f"/api/v1/my/visits/{v['id']}", headers=bearer(leads[inspector]))
            assert got.status_code == 200
            if got.get_json()["i_lead"]:
                detail, lead = got.get_json(), leads[inspector]
        ok(client.post(f"/api/v1/my/visits/{v['id']}/draft", headers=bearer(lead), json={
            "seq": 1, "completed_on": v["day"],
            "items": {str(i["id"]): ({"code": "02", "remark": "责令改正",
                                      "rectify_by": (clock["today"] + timedelta(days=14)).isoformat()}
                                     if n % 3 == 0 else {"code": "01"}) for i in detail["items"]}}))
        ok(client.post(f"/api/v1/my/visits/{v['id']}/submit", headers=bearer(lead),
                       json={"idempotency_key": f"visit-{v['id']}"}))
        assert ok(client.post(f"/api/v1/results/{v['id']}/approve", headers=bearer(planner)))["state"] == "approved"
    progress = ok(client.get(f"/api/v1/draws/{draw['id']}/results", headers=bearer(planner)))
    assert progress["counts"]["approved"] == 8

    # The published record.
    index = ok(client.get("/api/v1/public/results"))
    tasks = [t for p in index["items"] for t in p["tasks"]]
    assert [t["records"] for t in tasks] == [8]
    bulletin = ok(client.get(f"/api/v1/public/results/tasks/{tasks[0]['id']}"))
    assert bulletin["total"] == 8 and {r["uscc"] for r in bulletin["records"]} == {v["uscc"] for v in visits}
    record = ok(client.get(f"/api/v1/public/results/{bulletin['records'][0]['id']}"))
    assert record["record"]["items"][0]["result"]

    # After the window: reveal, fetch the documents, verify.
    clock["today"] = WINDOW[1] + timedelta(days=3)
    ok(client.post(f"/api/v1/draws/{draw['id']}/reveal", headers=bearer(planner),
                   json={"reason": "检查已全部完成", "confirm": True}))
    register = ok(client.get(f"/api/v1/public/draws/{code}"))
    assert register["revealed"] is True
    paths = {}
    for name in ("instance_json", "outcome_json"):
        response = client.get(f"/api/v1/public/draws/{code}/documents/{name}")
        assert response.status_code == 200
        paths[name] = tmp_path / name.replace("_", ".")
        paths[name].write_bytes(response.get_data())
    digests = [arg for key in ("frozen_digest", "commitment", "input_digest", "result_digest")
               for arg in (f"--{key.replace('_', '-')}", register[key])]
    verified = subprocess.run([sys.executable, "-m", "solver", "verify", str(paths["instance_json"]),
                               str(paths["outcome_json"]), *digests, "--no-progress"],
                              cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "verified" in verified.stdout.lower()
    trail = ok(client.get(f"/api/v1/draws/{draw['id']}/trail", headers=bearer(planner)))
    assert {"committed", "entropy", "drawn", "sealed", "revealed"} <= {e["action"] for e in trail["items"]}
