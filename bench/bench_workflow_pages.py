"""Page latency of the planner's workflow with city-sized demo data.

Loads the demo prefecture (default 500,000 entities, ~1,250 inspectors) into
a fresh database through the real migrations, then drives the planner's
workflow through the same HTTP endpoints the browser uses (Flask test
client): creates a plan with seven tasks (single-department and joint,
directed at different populations; about 13,000 visits), publishes it, starts the draw, enters the witnesses'
digits and waits for the background jobs (real ``python -m inspect_app.jobs``
worker processes, as in production) by polling ``progress.json``, then seals
the draw. Times reported for the draw: freeze + commit, and the draw itself,
each from the POST to the job's completion as the progress endpoint reports
it.

Then it times **every** GET route of the planner blueprint — found by
walking the URL map, with real ids filled in — plus filtered variants of the
schedule pages, ``repeat`` times each after two warm-up requests, and reports
median and p95 per page (target: 300 ms) — warm, and cold: each warm request
is followed by one made with the app's per-process caches emptied, since a
page a planner opens once never sees a warm cache. Routes it cannot fill are listed,
so a new page is never silently left out. Downloads (XLSX export) are timed
separately; registry exports are bench_import's business.

    .venv/bin/python bench/bench_workflow_pages.py                       # 500k on SQLite
    .venv/bin/python bench/bench_workflow_pages.py --reuse               # keep loaded data and draw
    .venv/bin/python bench/bench_workflow_pages.py --reuse --new-draw    # keep the data, draw again
    .venv/bin/python bench/bench_workflow_pages.py --database-url postgresql+psycopg://postgres@127.0.0.1/bench
    .venv/bin/python bench/bench_workflow_pages.py --entities 20000 --no-docs   # quick check

Results go to the ``workflow-bench`` section of docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

OUT = ROOT / "bench" / "out"
DOCS = ROOT / "docs" / "performance.md"
START, END = "<!-- workflow-bench:start -->", "<!-- workflow-bench:end -->"
TARGET_MS = 300
PLANNER_PW = "bench-planner-password"
WINDOW = ("2026-12-01", "2026-12-31")
# (code, name, lead, participating, items, tags filter, count). The tasks are
# directed at different populations (coordinated sampling makes undirected
# tasks share their entities), so the draw has about 13,000 visits, ~1,500
# of them joint.
TASKS = [
    ("T1", "餐饮食品经营检查", "SCJG", [], ["SCJG-01"], ["restaurant", "food"], 4000),
    ("T2", "餐饮油烟与食品安全联合检查", "SCJG", ["CGJ"], ["SCJG-01", "CGJ-02"], ["restaurant"], 1500),
    ("T3", "零售企业公示信息抽查", "SCJG", [], ["SCJG-04"], ["retail"], 3500),
    ("T4", "公共场所卫生检查", "WJW", [], ["WJW-01"], ["hotel", "beauty"], 2500),
    ("T5", "排污许可执行情况检查", "STHJ", [], ["STHJ-01"], ["manufacturing", "auto_repair"], 1500),
    ("T6", "物流企业安全生产检查", "YJGL", [], ["YJGL-02"], ["logistics"], 1500),
    ("T7", "娱乐场所经营活动检查", "WHLY", [], ["WHLY-01"], ["entertainment"], 1000),
]
# GET endpoints that are downloads, not pages
DOWNLOADS = {"planner.schedule_export"}
SKIPPED = {"planner.registry_export": "a registry download of the whole registry (bench_import measures exports)"}


def log(msg: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {msg}", flush=True)


# ------------------------------------------------------------------ set-up


def prepare_database(url: str, entities: int, reuse: bool) -> None:
    from sqlmodel import Session

    from inspect_app.db import make_engine, upgrade
    from inspect_app.services import demo

    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///"):])
        if reuse and path.exists():
            log(f"reusing {path} (migrations applied)")
            engine = make_engine(url)
            upgrade(engine)
            engine.dispose()
            return
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    if not url.startswith("sqlite"):
        import sqlalchemy as sa

        with engine.connect() as conn:
            has = sa.inspect(conn).has_table("entity")
        if has and reuse:
            log("reusing the PostgreSQL database (migrations applied)")
            upgrade(engine)
            engine.dispose()
            return
        with engine.begin() as conn:
            if has:
                conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
            conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
    upgrade(engine)
    t0 = time.perf_counter()
    with Session(engine) as session:
        result = demo.load_demo(session, entities=entities, passwords={"planner": PLANNER_PW},
                                progress=lambda m: log(f"demo: {m}"))
    log(f"demo data loaded in {time.perf_counter() - t0:.0f} s: {result.counts}")
    if not url.startswith("sqlite"):
        # What autovacuum does on a production server shortly after a bulk
        # load (planner statistics, visibility map for index-only counts);
        # the bench's server may run with autovacuum off.
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
        log("VACUUM ANALYZE done")
    engine.dispose()


def make_app(url: str, store: Path):
    from inspect_app import create_app

    return create_app({
        "SECRET_KEY": "bench-workflow",
        "DATABASE_URL": url,
        "DRAW_STORE": str(store),
        "WTF_CSRF_ENABLED": False,
        "SESSION_COOKIE_SECURE": False,
    })


def login(client) -> None:
    r = client.post("/login", data={"username": "planner", "password": PLANNER_PW})
    if r.status_code != 302:
        raise SystemExit(f"planner login failed: {r.status_code}")


def _location_id(response, pattern: str) -> int:
    m = re.search(pattern, response.headers.get("Location", ""))
    if not m:
        raise SystemExit(f"unexpected response {response.status_code} {response.headers.get('Location')}: "
                         f"{response.get_data(as_text=True)[:500]}")
    return int(m.group(1))


def item_ids(app) -> dict[str, int]:
    from sqlmodel import select

    from inspect_app.db import get_session
    from inspect_app.models import CheckItem

    with app.app_context():
        return {i.code: i.id for i in get_session().exec(select(CheckItem).where(CheckItem.current.is_(True)))}


def wait_job(client, draw_id: int, timeout: float = 3600) -> dict:
    t0 = time.perf_counter()
    while True:
        data = client.get(f"/planner/draws/{draw_id}/progress.json").get_json()
        if not data["busy"]:
            return data
        if time.perf_counter() - t0 > timeout:
            raise SystemExit(f"draw {draw_id}: job still busy after {timeout} s: {data}")
        time.sleep(0.5)


def run_workflow(app, client) -> dict:
    """Plan, tasks, publish, draw (freeze, entropy, draw), seal — through
    the browser's endpoints. Returns ids and timings."""
    items = item_ids(app)
    draw_when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    draw_load = load_average()
    number = f"榕双随机〔2026〕{int(time.time())}号"  # a new plan (and draw) on every run
    r = client.post("/planner/plans/", data={"number": number, "name": "2026年12月全市双随机抽查计划", "year": "2026"})
    plan_id = _location_id(r, r"/planner/plans/(\d+)")
    for code, name, lead, participating, task_items, tags, count in TASKS:
        form = {"code": code, "name": name, "department": lead, "participating": participating,
                "items": [str(items[i]) for i in task_items], "window_start": WINDOW[0], "window_end": WINDOW[1],
                "mode": "count", "count": str(count), "tags_any": " ".join(tags), "inspectors_per_visit": "2"}
        r = client.post(f"/planner/plans/{plan_id}/tasks/new", data=form)
        if r.status_code != 302:
            raise SystemExit(f"task {code}: {r.status_code} {r.get_data(as_text=True)[:800]}")
    client.post(f"/planner/plans/{plan_id}/publish")
    page = client.get(f"/planner/plans/{plan_id}").get_data(as_text=True)
    task_ids = re.findall(r'name="tasks" value="(\d+)"', page)
    if len(task_ids) != len(TASKS):
        raise SystemExit(f"plan page offers {len(task_ids)} tasks to draw, expected {len(TASKS)}")
    t0 = time.perf_counter()
    r = client.post(f"/planner/plans/{plan_id}/draws", data={"tasks": task_ids, "entropy_source": "公证员掷骰"})
    draw_id = _location_id(r, r"/planner/draws/(\d+)")
    data = wait_job(client, draw_id)
    freeze_s = time.perf_counter() - t0
    if data["state"] != "committed":
        raise SystemExit(f"freeze ended in {data}")
    log(f"draw {draw_id}: frozen and committed in {freeze_s:.1f} s")
    t0 = time.perf_counter()
    client.post(f"/planner/draws/{draw_id}/entropy",
                data={"external_entropy": "271828", "witness_name": ["王明"], "witness_role": ["公证员"]})
    data = wait_job(client, draw_id)
    draw_s = time.perf_counter() - t0
    if data["state"] != "drawn":
        raise SystemExit(f"draw ended in {data}")
    log(f"draw {draw_id}: drawn in {draw_s:.1f} s")
    client.post(f"/planner/draws/{draw_id}/seal")
    return {"plan_id": plan_id, "draw_id": draw_id, "freeze_s": freeze_s, "draw_s": draw_s,
            "draw_when": draw_when, "draw_load": draw_load}


# ----------------------------------------------------------------- timing


def route_values(app, ids: dict) -> dict[str, dict]:
    """Real values for the URL variables, per endpoint (or per variable)."""
    import sqlalchemy as sa
    from sqlmodel import select

    from inspect_app.db import get_session
    from inspect_app.models import Conflict, District, Entity, InspectorLeave, PairConflict, Task

    with app.app_context():
        s = get_session()
        first = lambda q: s.execute(q.limit(1)).scalar()  # noqa: E731
        values = {
            "plan_id": ids["plan_id"], "draw_id": ids["draw_id"],
            "task_id": first(sa.select(Task.id).where(Task.plan_id == ids["plan_id"]).order_by(Task.id)),
            "uscc": first(sa.select(Entity.uscc).order_by(Entity.id)),
            "inspector_id": ids["inspector"], "department_id": "SCJG",
        }
        per_endpoint = {
            "planner.item": {"code": "SCJG-01"}, "planner.item_edit": {"code": "SCJG-01"},
            "planner.district": {"code": first(select(District.code).where(District.level == 3).order_by(District.code))},
            "planner.conflict": {"record_id": first(sa.select(Conflict.id).order_by(Conflict.id))},
            "planner.pair_conflict": {"record_id": first(sa.select(PairConflict.id).order_by(PairConflict.id))},
            "planner.leave": {"record_id": first(sa.select(InspectorLeave.id).order_by(InspectorLeave.id))},
            "planner.registry_upload": {"kind": "entities"},
        }
    return {"common": values, **per_endpoint}


def busiest(app, draw_id: int) -> dict:
    """The busiest inspector, district and day of the draw (worst-case
    filters for the schedule pages)."""
    from collections import Counter

    from inspect_app.db import get_session
    from inspect_app.services import schedule

    with app.app_context():
        s = get_session()
        rows = schedule.load_visits(s, schedule.get_schedule_draw(s, draw_id))
    team = Counter(i for v in rows for i in v.team)
    return {"visits": len(rows), "joint": sum(v.joint for v in rows), "inspector": team.most_common(1)[0][0],
            "district": Counter(v.district[:6] for v in rows).most_common(1)[0][0],
            "day": Counter(v.day for v in rows).most_common(1)[0][0].isoformat()}


def page_urls(app, ids: dict, values: dict) -> tuple[list[tuple[str, str]], list[tuple[str, str]], list[str]]:
    """(pages, downloads, uncovered): every planner GET route with real ids,
    plus filtered schedule variants."""
    pages, downloads, uncovered = [], [], []
    with app.test_request_context():
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            if not rule.endpoint.startswith("planner.") or "GET" not in rule.methods:
                continue
            if rule.endpoint in SKIPPED:
                uncovered.append(f"{rule.endpoint} (skipped: {SKIPPED[rule.endpoint]})")
                continue
            args = {}
            for name in rule.arguments:
                value = values.get(rule.endpoint, {}).get(name, values["common"].get(name))
                if value is None:
                    break
                args[name] = value
            else:
                url = app.url_for(rule.endpoint, **args)
                (downloads if rule.endpoint in DOWNLOADS else pages).append((rule.endpoint, url))
                continue
            uncovered.append(f"{rule.endpoint} (no value for {sorted(set(rule.arguments) - set(args))})")
    d = ids["draw_id"]
    extra = [
        ("planner.schedule ?department", f"/planner/schedule/{d}?department=SCJG"),
        ("planner.schedule ?district", f"/planner/schedule/{d}?district={ids['district']}"),
        ("planner.schedule ?task", f"/planner/schedule/{d}?task=T2"),
        ("planner.schedule_days ?day", f"/planner/schedule/{d}/days?day={ids['day']}"),
        ("planner.schedule_days ?day&department", f"/planner/schedule/{d}/days?day={ids['day']}&department=WJW"),
        ("planner.schedule_inspectors ?inspector", f"/planner/schedule/{d}/inspectors?inspector={ids['inspector']}"),
        ("planner.schedule_inspectors ?page=10", f"/planner/schedule/{d}/inspectors?page=10"),
    ]
    pages.extend(extra)
    downloads.append(("planner.schedule_export ?department", f"/planner/schedule/{d}/export.xlsx?department=SCJG"))
    return pages, downloads, uncovered


def clear_process_caches() -> None:
    """Empty the app's per-process caches (every ``_cache`` of an
    ``inspect_app`` module: registry counts, schedules, …), so that the next
    request costs what a planner's first view of the page costs. Compiled
    templates and the database's own caches stay warm."""
    for name, module in list(sys.modules.items()):
        cache = getattr(module, "_cache", None) if name.startswith("inspect_app.") else None
        if hasattr(cache, "clear"):
            cache.clear()


def _stats(times: list[float]) -> tuple[float, float]:
    times = sorted(times)
    p95 = statistics.quantiles(times, n=20, method="inclusive")[18] if len(times) >= 2 else times[0]
    return statistics.median(times), p95


def time_url(client, url: str, repeat: int, budget_s: float = 30.0, cold: bool = True) -> dict:
    """Median and p95 over ``repeat`` requests after two warm-ups, and (with
    ``cold``) over ``repeat`` more requests each made with the app's
    per-process caches emptied first (:func:`clear_process_caches`): a page
    opened once must be fast without them. A page so slow that the requests
    would take more than ``budget_s`` is timed fewer times (at least 3) and
    says so (``n``)."""
    t_start = time.perf_counter()
    for _ in range(2):  # warm-up: template compilation, caches
        r = client.get(url)
    status = r.status_code
    warm, chill = [], []
    for _ in range(repeat):
        for times, clear in ((warm, False), (chill, True)) if cold else ((warm, False),):
            if clear:
                clear_process_caches()
            t0 = time.perf_counter()
            r = client.get(url)
            r.get_data()
            times.append((time.perf_counter() - t0) * 1000)
            status = r.status_code if r.status_code != 200 else status
        if len(warm) >= 3 and time.perf_counter() - t_start > budget_s:
            break
    median, p95 = _stats(warm)
    result = {"median": median, "p95": p95, "max": max(warm), "status": status,
              "bytes": len(r.get_data()), "n": len(warm)}
    if cold:
        result["cold_median"], result["cold_p95"] = _stats(chill)
    return result


def worst_p95(page: dict) -> float:
    """The figure held against the target: the slower of warm and cold p95."""
    return max(page["p95"], page.get("cold_p95", 0.0))


# ------------------------------------------------------------------ report


def backend_name(url: str) -> str:
    return "PostgreSQL" if url.startswith("postgresql") else "SQLite"


def load_average() -> float | None:
    try:
        return os.getloadavg()[0]
    except OSError:
        return None


def machine() -> str:
    load = load_average()
    load_s = f", load average {load:.1f} at the start" if load is not None else ""
    return f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}{load_s}"


NOTES = [
    "What keeps the heavy pages within target without relying on a warm cache (hence the cold columns):",
    "",
    "* **Review** (`planner.draw_review_page`): the draw job writes the figures over the whole draw and the "
    "unfilled visits with names to `draw_summary` (migration 0007) in the transaction that stores the visits; "
    "the page reads that row, 200 visits and 200 unfilled visits (both paged).",
    "* **Plan preview** (`planner.plan_preview`): a task's population per risk class and list is counted when "
    "the task is saved (one registry scan, ~250 ms at 500,000 entities, in the POST) and stored on the task; "
    "the page says when it was counted, warns if an entity was written since (`ix_entity_updated_at`) and "
    "recounts on request (`?refresh=1`, not timed: an explicit action costing one scan per task).",
    "* **Schedule pages**: a draw's visits are read with one indexed query, JSON lists decoded once per "
    "distinct text, built with the garbage collector paused, and kept per process for the filters and pages "
    "that follow; the cold columns include that load.",
    "* **Start page and registries** (`planner.index`, `planner.registries`): registry counts, kept up to "
    "`REGISTRY_COUNTS_TTL` (30 s); cold = counted in the request.",
    "",
]


def render(results: list[dict]) -> str:
    lines = [START, "## Planner workflow pages (bench/bench_workflow_pages.py)", ""] + NOTES
    for res in results:
        lines += [
            f"### {res['backend']}: {res['entities']:,} entities, {res['inspectors']:,} inspectors, "
            f"a draw of {res['visits']:,} visits ({res['joint']:,} joint)", "",
            f"Measured {res['when']} on {res['machine']}"
            + (f", {res['load_end']:.1f} at the end" if res.get("load_end") is not None else "")
            + f"; Flask test client (whole request: routing, login "
            f"check, services, template), {res['repeat']} requests per page after 2 warm-ups (fewer, column n, "
            f"for a page slower than 30 s in all)"
            + (", each followed by a *cold* request made with the app's per-process caches emptied first "
               "(what a planner's first view of the page costs)" if res.get("cold") else "")
            + f". Target: {TARGET_MS} ms per page"
            + (", held against the slower of warm and cold p95" if res.get("cold") else "") + ".", "",
            f"**The draw from the browser's endpoints** (background worker processes, polled through "
            f"`progress.json`): freeze + commitment {res['freeze_s']:.1f} s; the draw itself "
            f"{res['draw_s']:.1f} s"
            + (f" (draw made {res['draw_when']}, load average {res['draw_load']:.1f} before it)"
               if res.get("draw_when") and res.get("draw_load") is not None else "") + ".", "",
        ]
        if res.get("cold"):
            lines += ["| page | URL | median ms | p95 ms | cold median ms | cold p95 ms | n | status | ≤ 300 ms |",
                      "|---|---|---:|---:|---:|---:|---:|---:|---|"]
        else:
            lines += ["| page | URL | median ms | p95 ms | n | status | ≤ 300 ms |", "|---|---|---:|---:|---:|---:|---|"]
        for p in res["pages"]:
            ok = "yes" if worst_p95(p) <= TARGET_MS and p["status"] == 200 else "**no**"
            cold = f"{p['cold_median']:.0f} | {p['cold_p95']:.0f} | " if res.get("cold") else ""
            lines.append(f"| {p['endpoint']} | `{p['url']}` | {p['median']:.0f} | {p['p95']:.0f} | {cold}"
                         f"{p.get('n', res['repeat'])} | {p['status']} | {ok} |")
        slow = [p for p in res["pages"] if worst_p95(p) > TARGET_MS or p["status"] != 200]
        lines += ["", f"{len(res['pages']) - len(slow)} of {len(res['pages'])} pages within {TARGET_MS} ms at p95."
                  + (f" Over: {', '.join(p['endpoint'] for p in slow)}." if slow else ""), ""]
        if res["downloads"]:
            lines += ["Downloads (not pages):", ""]
            for p in res["downloads"]:
                lines.append(f"* {p['endpoint']} `{p['url']}`: median {p['median']:.0f} ms, p95 {p['p95']:.0f} ms, "
                             f"{p['bytes'] / 1024:.0f} KiB")
            lines.append("")
        if res["uncovered"]:
            lines += ["Not timed:", ""] + [f"* {u}" for u in res["uncovered"]] + [""]
    lines.append(END)
    return "\n".join(lines)


def write_docs(section: str, start: str = START, end: str = END) -> None:
    """Replace the section between the ``start`` and ``end`` marks of
    docs/performance.md with ``section`` (which carries the marks), or append it."""
    DOCS.parent.mkdir(parents=True, exist_ok=True)
    text = DOCS.read_text() if DOCS.exists() else "# Performance\n"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        _, after = rest.split(end, 1)
        text = before + section + after
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    DOCS.write_text(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entities", type=int, default=500_000)
    parser.add_argument("--database-url", default=None, help="default: SQLite file under bench/out/")
    parser.add_argument("--reuse", action="store_true", help="keep loaded data and a sealed draw from a previous run")
    parser.add_argument("--new-draw", action="store_true", help="with --reuse: keep the data, make a new plan and draw")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--no-docs", action="store_true")
    parser.add_argument("--docs-only", action="store_true",
                        help="write the docs section from the saved results of earlier runs, measure nothing")
    args = parser.parse_args(argv)
    if args.docs_only:
        write_docs(render(saved_results()))
        log(f"wrote {DOCS.relative_to(ROOT)}")
        return 0

    url = args.database_url or f"sqlite:///{OUT / f'workflow-{args.entities}.sqlite'}"
    tag = "sqlite" if url.startswith("sqlite") else "pg"
    store = OUT / f"workflow-store-{tag}-{args.entities}"
    state_file = OUT / f"workflow-state-{tag}-{args.entities}.json"
    machine_s = machine()
    prepare_database(url, args.entities, args.reuse)
    if not args.reuse:
        state_file.unlink(missing_ok=True)
    app = make_app(url, store)
    client = app.test_client()
    login(client)

    if args.reuse and state_file.exists() and not args.new_draw:
        ids = json.loads(state_file.read_text())
        log(f"reusing draw {ids['draw_id']}")
    else:
        ids = run_workflow(app, client)
        state_file.write_text(json.dumps(ids))
    ids.update(busiest(app, ids["draw_id"]))
    from sqlalchemy import func, select

    from inspect_app.db import get_session
    from inspect_app.models import Entity, Inspector

    with app.app_context():
        s = get_session()
        n_entities = s.execute(select(func.count()).select_from(Entity)).scalar_one()
        n_inspectors = s.execute(select(func.count()).select_from(Inspector)).scalar_one()
    values = route_values(app, ids)
    pages, downloads, uncovered = page_urls(app, ids, values)
    log(f"timing {len(pages)} pages and {len(downloads)} downloads, {args.repeat} requests each")
    timed_pages, timed_downloads = [], []
    for endpoint, page_url in pages:
        res = time_url(client, page_url, args.repeat)
        res.update(endpoint=endpoint, url=page_url)
        timed_pages.append(res)
        log(f"{endpoint:45s} median {res['median']:7.1f} ms  p95 {res['p95']:7.1f} ms  "
            f"cold {res['cold_median']:7.1f} / {res['cold_p95']:7.1f} ms  [{res['status']}]")
    for endpoint, page_url in downloads:
        res = time_url(client, page_url, max(3, args.repeat // 5), cold=False)
        res.update(endpoint=endpoint, url=page_url)
        timed_downloads.append(res)
        log(f"{endpoint:45s} median {res['median']:7.1f} ms  p95 {res['p95']:7.1f} ms  [{res['status']}] (download)")
    for u in uncovered:
        log(f"not timed: {u}")
    result = {"backend": backend_name(url), "entities": n_entities, "inspectors": n_inspectors,
              "visits": ids["visits"], "joint": ids["joint"], "freeze_s": ids["freeze_s"], "draw_s": ids["draw_s"],
              "draw_when": ids.get("draw_when"), "draw_load": ids.get("draw_load"),
              "repeat": args.repeat, "when": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
              "machine": machine_s, "load_end": load_average(), "cold": True,
              "pages": timed_pages, "downloads": timed_downloads, "uncovered": uncovered}
    (OUT / f"workflow-result-{tag}.json").write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str))
    if not args.no_docs:
        write_docs(render(saved_results()))
        log(f"wrote {DOCS.relative_to(ROOT)}")
    return 0


def saved_results() -> list[dict]:
    """The latest result of each backend (bench/out/workflow-result-*.json),
    SQLite first."""
    results = [json.loads(p.read_text()) for p in sorted(OUT.glob("workflow-result-*.json"))]
    return sorted(results, key=lambda r: r["backend"] != "SQLite")


if __name__ == "__main__":
    sys.exit(main())
