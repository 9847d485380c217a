"""Latency of the inspector's visit list and visit page at city scale.

Builds a fresh, migrated database with city-sized data written directly
(no solver run): 1,200 inspectors in three departments, ``--entities``
entities, a published plan of ten tasks, and ``--draws`` sealed draws of
``--visits`` visits each (teams of two, joint visits of three; the newest
draw's window is March 2030, the earlier ones the months before), with the
``visit_member`` rows that ``draw_runs.store_outcome`` writes. Then, through
the Flask test client (routing, login check, service, template), it times
``GET /inspector/`` and ``GET /inspector/visits/<pk>`` for several inspectors,
``--repeat`` times each after two warm-ups, with today inside the newest
window and the default visibility (3 working days).

    .venv/bin/python bench/bench_my_visits.py
    createdb -h 127.0.0.1 -U postgres bench_my_visits   # once
    .venv/bin/python bench/bench_my_visits.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_my_visits

On PostgreSQL it works in a schema of its own, dropped at the end (the
search path is ``<schema>,public``, so the database's ``public`` schema must
not hold the app's tables: a database of its own, not the test suite's), and runs
ANALYZE after loading (as autovacuum does soon after a draw's bulk insert:
without statistics the planner may read a draw's visits by day instead of
the inspector's few by ``visit_member``).

This is the "data we did not write through the app" companion of
``bench/bench_inspector.py`` (which measures the same pages, the results
form, the autosave and the check-code page on the city-sized demo): the
draws here are written directly, with another generator's shapes (three
departments of 400 inspectors, several sealed draws). The figures are saved
to ``bench/out/my-visits-result-<dialect>.json``; bench_inspector.py's docs
section includes them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_MS = 150
PASSWORD = "bench-inspector-password"
DEPTS = [("SCJG", "市场监督管理局"), ("CGJ", "城市管理局"), ("WJW", "卫生健康委员会")]


def uscc(n: int) -> str:
    from inspect_app.services.uscc import with_check_character

    return with_check_character(f"91350100MA{n:07d}")


def working_days(start: date, end: date) -> list[date]:
    out, d = [], start
    while d <= end:
        if d.weekday() < 5:
            out.append(d)
        d += timedelta(days=1)
    return out


def load(engine, entities: int, draws: int, visits: int, seed: int = 2030) -> None:
    import sqlalchemy as sa
    from sqlmodel import Session

    from inspect_app.models import (CalendarYear, CheckItem, Department, District, Draw, DrawVisit, Entity,
                                    Inspector, Plan, Task)
    from inspect_app.visit_models import VisitMember

    rng = random.Random(seed)
    with Session(engine) as s:
        s.add_all([CalendarYear(year=y, source="bench: Monday to Friday") for y in (2029, 2030)])
        s.add_all([Department(id=c, name=n) for c, n in DEPTS])
        s.add(District(code="350100", name="福州市", level=2))
        s.add_all([District(code=f"350100{k:03d}", name=f"第{k}街道", parent_code="350100", level=4)
                   for k in range(1, 21)])
        s.flush()
        s.execute(sa.insert(Entity), [{"uscc": uscc(n), "name": f"福州市测试{n}号有限公司", "address": f"测试路{n}号",
                                       "district": f"350100{1 + n % 20:03d}", "lists": [], "tags": []}
                                      for n in range(entities)])
        inspectors = {c: [f"{c}{k:04d}" for k in range(400)] for c, _n in DEPTS}
        s.execute(sa.insert(Inspector), [{"id": i, "name": f"检查员{i}", "department": c, "district": "350100001",
                                          "certificate_no": f"C{i}", "qualifications": [], "specialities": []}
                                         for c, ids in inspectors.items() for i in ids])
        items = {}
        for c, _n in DEPTS:
            for k in range(10):
                item = CheckItem(code=f"{c}-{k:02d}", department=c, name=f"{c}检查事项{k}", legal_basis="《条例》第十条",
                                 method="现场检查", published=True)
                s.add(item)
                s.flush()
                items.setdefault(c, []).append(item.id)
        plan = Plan(number="榕市监〔2030〕1号", name="2030年度计划", year=2030, status="published")
        s.add(plan)
        s.flush()
        tasks = []
        for k in range(10):
            lead = DEPTS[k % 3][0]
            other = DEPTS[(k + 1) % 3][0] if k % 4 == 0 else None
            t = Task(plan_id=plan.id, code=f"T{k + 1}", name=f"抽查任务{k + 1}", department=lead,
                     participating=[other] if other else [], items=items[lead][:3] + (items[other][:2] if other else []),
                     window_start=date(2029, 1, 1), window_end=date(2030, 12, 31))
            s.add(t)
            tasks.append(t)
        s.flush()
        for n in range(draws):
            end = date(2030, 3, 29) - timedelta(days=31 * (draws - 1 - n))
            start = end.replace(day=1)
            d = Draw(code=f"D-BENCH-{n}", plan_id=plan.id, state="sealed", window_start=start, window_end=end,
                     task_codes=[t.code for t in tasks], entropy_source="bench")
            s.add(d)
            s.flush()
            days = working_days(start, end)
            rows = []
            for v in range(visits):
                t = tasks[rng.randrange(len(tasks))]
                depts = [t.department] + list(t.participating)
                team = [rng.choice(inspectors[c]) for c in depts]
                if len(depts) == 1:
                    team.append(rng.choice([i for i in inspectors[depts[0]] if i != team[0]]))
                e = rng.randrange(entities)
                rows.append({"draw_id": d.id, "visit_id": f"V{v + 1:05d}", "uscc": uscc(e),
                             "entity_name": f"福州市测试{e}号有限公司", "district": f"350100{1 + e % 20:03d}",
                             "tasks": [t.code], "departments": sorted(depts), "team": team,
                             "day": days[v % len(days)], "current": True})
            s.execute(sa.insert(DrawVisit), rows)
            pks = dict(s.execute(sa.select(DrawVisit.visit_id, DrawVisit.id).where(DrawVisit.draw_id == d.id)).all())
            s.execute(sa.insert(VisitMember), [{"inspector": m, "visit_pk": pks[r["visit_id"]]}
                                               for r in rows for m in dict.fromkeys(r["team"])])
        s.commit()


def stats(times: list[float]) -> tuple[float, float]:
    times = sorted(times)
    return statistics.median(times), times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--draws", type=int, default=3)
    parser.add_argument("--visits", type=int, default=15_000)
    parser.add_argument("--inspectors", type=int, default=5, help="inspectors timed")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)

    import sqlalchemy as sa
    from sqlmodel import Session, select

    from inspect_app import create_app
    from inspect_app.db import make_engine, upgrade
    from inspect_app.models import DrawVisit
    from inspect_app.services import draws as draws_service
    from inspect_app.services import my_visits
    from inspect_app.services.accounts import create_account
    from inspect_app.visit_models import VisitMember

    tmp = tempfile.mkdtemp(prefix="bench-my-visits-")
    schema = None
    if args.database_url is None:
        url = f"sqlite:///{tmp}/bench.sqlite"
        engine = make_engine(url)
    else:
        url = args.database_url
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        probe = make_engine(url)
        with probe.begin() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
        engine = make_engine(url, connect_args={"options": f"-csearch_path={schema},public"})
    try:
        t0 = time.perf_counter()
        upgrade(engine)
        load(engine, args.entities, args.draws, args.visits)
        if engine.dialect.name == "postgresql":  # what autovacuum does within a minute of the bulk insert
            with engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
        print(f"loaded in {time.perf_counter() - t0:.1f} s: {args.draws} draws x {args.visits} visits, "
              f"{args.entities} entities, 1200 inspectors ({engine.dialect.name})")
        app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": url, "DATABASE_ENGINE": engine,
                          "WTF_CSRF_ENABLED": False, "TESTING": True})
        draws_service._today = lambda: date(2030, 3, 11)
        with Session(engine) as s:
            counts = s.exec(select(VisitMember.inspector, sa.func.count()).group_by(VisitMember.inspector)
                            .order_by(sa.func.count().desc())).all()
        chosen = [c[0] for c in counts[:: max(1, len(counts) // args.inspectors)]][: args.inspectors]
        list_times, page_times, shown = [], [], []
        for n, inspector in enumerate(chosen):
            with app.app_context():
                from inspect_app.db import get_session

                create_account(get_session(), f"bench{n}", PASSWORD, "inspector", inspector=inspector)
            client = app.test_client()
            assert client.post("/login", data={"username": f"bench{n}", "password": PASSWORD}).status_code == 302
            with app.app_context():
                from inspect_app.db import get_session
                from inspect_app.models import User

                user = get_session().exec(select(User).where(User.username == f"bench{n}")).one()
                result = my_visits.my_visits(get_session(), user)
                pk = (result.upcoming or result.earlier)[0].visits[0].pk
                shown.append(result.total)
            for k in range(args.repeat + 2):
                t = time.perf_counter()
                r = client.get("/inspector/")
                dt = (time.perf_counter() - t) * 1000
                assert r.status_code == 200
                if k >= 2:
                    list_times.append(dt)
                t = time.perf_counter()
                r = client.get(f"/inspector/visits/{pk}")
                dt = (time.perf_counter() - t) * 1000
                assert r.status_code == 200, r.status_code
                if k >= 2:
                    page_times.append(dt)
        with Session(engine) as s:
            total = s.exec(select(sa.func.count()).select_from(DrawVisit)).one()
        print(f"{total} visits in the database; visits shown per inspector: {shown}")
        saved = {"backend": "PostgreSQL" if engine.dialect.name == "postgresql" else "SQLite",
                 "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                 "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}",
                 "entities": args.entities, "draws": args.draws, "visits_per_draw": args.visits,
                 "visits": total, "shown": shown, "repeat": args.repeat, "cases": []}
        for name, times in (("GET /inspector/", list_times), ("GET /inspector/visits/<pk>", page_times)):
            med, p95 = stats(times)
            saved["cases"].append({"case": name, "median": med, "p95": p95, "n": len(times)})
            print(f"{engine.dialect.name:10s} {name:28s} n={len(times):3d} median {med:6.1f} ms  p95 {p95:6.1f} ms  "
                  f"{'ok' if p95 <= TARGET_MS else 'OVER'} (target {TARGET_MS} ms)")
        out = ROOT / "bench" / "out"
        out.mkdir(parents=True, exist_ok=True)
        (out / f"my-visits-result-{engine.dialect.name}.json").write_text(json.dumps(saved, indent=1))
    finally:
        engine.dispose()
        if schema is not None:
            with probe.begin() as conn:
                conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
            probe.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
