"""Latency of public search and the entity page with 1,000,000 published
records (issue 10: search by USCC, by full name and by a rare two-character
fragment, p95 ≤ 200 ms each, on SQLite and on PostgreSQL).

Builds a fresh, migrated database and bulk-loads the published tables
directly (no draw, no review: the publication service's output shape):
``--records`` published results (default 1,000,000) of ``--records /
--per-entity`` entities (default 2 a entity on average: every entity has one,
the rest go to random entities), each with one to three items of the
seeded result codes and one or two tasks; ``published_entity`` and every
two-character piece of each name in ``published_name_gram``
(``public_index.grams``). Names are realistic Chinese names — a city or
district from Faker's zh_CN lists, a two-character trade name (字号) from a
pool of common characters or Faker's company prefixes, an industry and a
legal form ("福州鑫隆食品有限公司", "南昌瑞丰餐饮店") — so that city pieces
are common, trade-name pieces rare and "有限" everywhere. A handful of real
plans, tasks and draws (with commitments) are written through the ORM; the
records' ``visit_pk``/``result_id`` are plain numbers (foreign-key checks
are off for the load only: there are no visits behind a synthetic record).
PostgreSQL gets ``VACUUM ANALYZE`` after the load (as autovacuum does soon
after a bulk insert).

Then, through the Flask test client (routing, validation hook, service,
template — the whole request), ``--repeat`` requests per case after warm-up:

* ``/search?q=<USCC>`` of random published entities;
* ``/search?q=<full name>`` of random published entities;
* ``/search?q=<rare fragment>``: two characters found in 1–20 names;
* ``/search?q=<common fragment>``: two characters in 1,000–5,000 names (listed,
  ordered, page 1 and a later page);
* ``/search?q=有限公司``: too broad (more than ``MAX_CANDIDATES``), refused;
* ``/entities/<USCC>``: an entity's history page.

    .venv/bin/python bench/bench_public_search.py                    # SQLite, 1 M records
    .venv/bin/python bench/bench_public_search.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/bench_public_search.py --records 20000 --no-docs   # quick check

On PostgreSQL the URL names a *server* database to connect to; the bench
creates a database of its own (``bench_public_search_<random>``) and drops
it at the end (unless ``--keep 1``: then it prints its URL, for
``bench_public_load.py --database-url``; drop it yourself afterwards). SQLite works in a temporary file (``--keep FILE`` keeps it,
e.g. for ``bench_public_load.py --database-url sqlite:///FILE``). Results go
to ``bench/out/public-search-<dialect>.json`` and the ``public-search-bench``
section of docs/performance.md (both backends' latest runs).
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
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

OUT = ROOT / "bench" / "out"
DOCS = ROOT / "docs" / "performance.md"
START, END = "<!-- public-search-bench:start -->", "<!-- public-search-bench:end -->"
TARGET_MS = 200
CHUNK = 50_000
DEPTS = [("SCJG", "市场监督管理局"), ("WJW", "卫生健康委员会"), ("YJJ", "应急管理局")]
DISTRICTS = [f"3501{k:02d}" for k in (2, 3, 4, 5, 11, 12, 21, 22, 23, 24, 25, 28, 81, 82)]
TRADE_CHARS = "".join(dict.fromkeys(
    "鑫隆盛泰华兴达源丰瑞祥和富康安宏宇恒通利德昌永亿金银海天新明光辉晨星月云山川江河湖林森春夏秋冬东南西北"
    "中美佳嘉乐福禄寿喜龙凤麟虎鹏飞腾跃创智慧科信诚益联合众汇聚博雅文轩阁台亭园苑庭居家邦民泽润澜涛波帆航远"
    "志向阳朝晖旭升鸿运锦绣成立业振启铭铸鼎峰岳巍辰宸玺瑶琪琳琅玉翠碧青蓝紫红橙绿彩虹霞蔚蓬勃茂荣昊晟煜烨"
    "炎焱淼鑫磊垚森犇骉品晶众壹贰叁肆伍陆柒捌玖拾佰仟万百千乾坤震巽坎离艮兑易道儒墨法农商工士兵礼仪仁义"
    "忠孝廉耻勤俭谦和睦顺吉祥如意平步青云锦程似前途无量诺德尚优卓越精英杰豪俊彦贤良淑慧敏捷迅疾速畅达"))
INDUSTRIES = ["科技", "贸易", "餐饮", "食品", "建材", "服饰", "电子", "医药", "物流", "文化传媒", "建筑工程",
              "农业", "机械设备", "五金", "家具", "汽车服务", "教育咨询", "网络", "环保", "酒店管理", "房地产",
              "装饰工程", "生物", "化工", "纺织", "印刷", "广告", "旅游", "餐饮管理", "茶业"]
FORMS = ["有限公司", "有限公司", "有限公司", "有限责任公司", "股份有限公司", "商行", "经营部", "店"]
CODES = [("01",)] * 6 + [("02",), ("0301",), ("0304",), ("04",), ("01", "0302")]


def log(msg: str) -> None:
    print(msg, flush=True)


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"


# ------------------------------------------------------------------ data


def make_names(n: int, rng: random.Random) -> list[tuple[str, str, str]]:
    """(uscc, name, district) of ``n`` entities, distinct USCCs."""
    from faker.providers.address.zh_CN import Provider as Address
    from faker.providers.company.zh_CN import Provider as Company

    from inspect_app.services.uscc import with_check_character

    places = list(Address.cities) + list(Address.districts)
    prefixes = [p for p in Company.company_prefixes if 2 <= len(p) <= 4]
    out = []
    for k in range(n):
        district = DISTRICTS[k % len(DISTRICTS)]
        trade = (rng.choice(prefixes) if rng.random() < 0.05
                 else rng.choice(TRADE_CHARS) + rng.choice(TRADE_CHARS))
        name = rng.choice(places) + trade + rng.choice(INDUSTRIES) + rng.choice(FORMS)
        out.append((with_check_character(f"91{district}{k:09d}"), name, district))
    return out


def setup_reference(engine) -> dict:
    """Departments, districts, five yearly plans with four tasks each and
    twelve draws a year (with commitments), through the ORM."""
    from sqlmodel import Session

    from inspect_app.models import Department, District, Draw, Plan, Task

    ref: dict = {"plans": [], "tasks": {}, "draws": {}}
    with Session(engine) as s:
        s.add_all([Department(id=c, name=n) for c, n in DEPTS])
        s.add(District(code="350100", name="福州市", level=2))
        s.add_all([District(code=d, name=f"第{k + 1}区", parent_code="350100", level=3)
                   for k, d in enumerate(DISTRICTS)])
        s.flush()
        for year in range(2026, 2031):
            plan = Plan(number=f"榕市监〔{year}〕1号", name=f"{year}年度双随机抽查计划", year=year, status="published")
            s.add(plan)
            s.flush()
            tasks = []
            for k in range(4):
                lead = DEPTS[k % 3][0]
                t = Task(plan_id=plan.id, code=f"T{k + 1}", name=f"{year}年第{k + 1}批抽查任务", department=lead,
                         participating=[DEPTS[(k + 1) % 3][0]] if k == 3 else [], directed=k % 2 == 1,
                         window_start=date(year, 1, 1), window_end=date(year, 12, 31))
                s.add(t)
                tasks.append(t)
            s.flush()
            draws = []
            for m in range(1, 13):
                d = Draw(code=f"D-{year}-{m:02d}", plan_id=plan.id, state="sealed", window_start=date(year, m, 1),
                         window_end=date(year, m, 28), task_codes=[t.code for t in tasks], entropy_source="bench",
                         commitment=uuid.uuid4().hex * 2)
                s.add(d)
                draws.append(d)
            s.flush()
            ref["plans"].append((plan.id, year))
            ref["tasks"][year] = [(t.id, t.department, t.participating, t.directed) for t in tasks]
            ref["draws"][year] = [d.id for d in draws]
        s.commit()
    return ref


def _copy(conn, table: str, columns: list[str], rows) -> None:
    cur = conn.connection.driver_connection.cursor()
    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _insert(conn, table: str, columns: list[str], rows) -> None:
    cur = conn.connection.driver_connection.cursor()
    cur.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", rows)


RESULT_COLUMNS = ["id", "visit_pk", "result_id", "draw_id", "revision", "current", "correction_reason", "published_at",
                  "published_by", "uscc", "entity_name", "entity_type", "individual", "district", "plan_id", "year",
                  "directed", "departments", "lead_department", "joint", "completed_on", "deadline", "on_time",
                  "items", "code_version", "problems", "ordered"]


def load(engine, records: int, per_entity: float, seed: int = 2030) -> dict:
    """Bulk-load the published tables; returns what the timing needs."""
    from inspect_app.services.public_index import grams
    from inspect_app.services.result_codes import is_problem

    rng = random.Random(seed)
    pg = engine.dialect.name == "postgresql"
    write = _copy if pg else _insert
    ref = setup_reference(engine)
    n_entities = max(1, int(records / per_entity))
    entities = make_names(n_entities, rng)
    owner = list(range(n_entities)) + [rng.randrange(n_entities) for _ in range(records - n_entities)]
    owner = owner[:records]
    counts = Counter(owner)
    latest: dict[int, date] = {}
    piece_count: Counter = Counter()
    with engine.begin() as conn:
        if pg:
            conn.exec_driver_sql("SET session_replication_role = replica")  # no FK triggers for this load
        else:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.exec_driver_sql("PRAGMA cache_size=-400000")
        for start in range(0, records, CHUNK):
            rows, task_rows = [], []
            for rid in range(start + 1, min(records, start + CHUNK) + 1):
                e = owner[rid - 1]
                code, name, district = entities[e]
                plan_id, year = ref["plans"][rng.randrange(len(ref["plans"]))]
                month = rng.randrange(1, 13)
                done = date(year, month, rng.randrange(1, 29))
                if e not in latest or done > latest[e]:
                    latest[e] = done
                tasks = ref["tasks"][year]
                t = tasks[rng.randrange(len(tasks))]
                picked = [t] + ([tasks[(tasks.index(t) + 1) % len(tasks)]] if rng.random() < 0.1 else [])
                depts = sorted({p[1] for p in picked} | {d for p in picked for d in p[2]})
                codes = rng.choice(CODES)
                items = [{"item": k + 1, "task": picked[0][0], "department": picked[0][1],
                          "name": f"检查事项{k + 1:02d}", "code": c} for k, c in enumerate(codes)]
                problems = sum(1 for c in codes if is_problem(c))
                json_items, json_depts = json.dumps(items, ensure_ascii=False), json.dumps(depts)
                published = datetime(year, month, 28, 9, tzinfo=timezone.utc) + timedelta(days=10)
                rows.append((rid, rid, rid, ref["draws"][year][month - 1], 1, True, None,
                             published if pg else published.strftime("%Y-%m-%d %H:%M:%S.%f"), "system", code, name,
                             "个体工商户" if name.endswith("店") else "有限责任公司", name.endswith("店"), district,
                             plan_id, year, any(p[3] for p in picked), json_depts, picked[0][1], len(depts) > 1,
                             done if pg else done.isoformat(), None, True, json_items, 1, problems,
                             sum(1 for c in codes if c == "02")))
                task_rows.extend((rid, p[0], done if pg else done.isoformat(), code) for p in picked)
            write(conn, "published_result", RESULT_COLUMNS, rows)
            write(conn, "published_result_task", ["published_id", "task_id", "completed_on", "uscc"], task_rows)
            log(f"  {min(records, start + CHUNK):,} records")
        for start in range(0, n_entities, CHUNK):
            ent_rows, gram_rows = [], []
            for e in range(start, min(n_entities, start + CHUNK)):
                code, name, district = entities[e]
                ent_rows.append((code, name, district, counts[e], latest[e] if pg else latest[e].isoformat()))
                pieces = grams(name)
                piece_count.update(pieces)
                gram_rows.extend((g, code) for g in pieces)
            write(conn, "published_entity", ["uscc", "name", "district", "records", "latest"], ent_rows)
            write(conn, "published_name_gram", ["gram", "uscc"], gram_rows)
        log(f"  {n_entities:,} entities, {sum(piece_count.values()):,} name pieces")
    if pg:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    else:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    return {"entities": entities, "piece_count": piece_count, "n_entities": n_entities}


# ------------------------------------------------------------------ timing


def stats(times: list[float]) -> tuple[float, float]:
    times = sorted(times)
    return statistics.median(times), times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]


def cases(data: dict, repeat: int, rng: random.Random) -> list[tuple[str, list[str], bool]]:
    """(case, urls, has a target) in the order they are timed."""
    from urllib.parse import quote

    from inspect_app.services.public_search import MAX_CANDIDATES

    ents = data["entities"]
    pick = [ents[rng.randrange(len(ents))] for _ in range(repeat)]
    pieces = data["piece_count"]
    rare = [g for g, n in pieces.items() if 1 <= n <= 20 and not any(ch.isascii() for ch in g)]
    common = sorted((g for g, n in pieces.items() if 1000 <= n <= MAX_CANDIDATES),
                    key=lambda g: -pieces[g]) or [max((g for g, n in pieces.items() if n <= MAX_CANDIDATES),
                                                      key=pieces.get)]
    rare_pick = [rng.choice(rare) for _ in range(repeat)] if rare else []
    common_pick = [common[k % min(len(common), 20)] for k in range(repeat)]
    return [
        ("search by USCC", [f"/search?q={c}" for c, _n, _d in pick], True),
        ("search by full name", [f"/search?q={quote(n)}" for _c, n, _d in pick], True),
        ("search by a rare 2-character fragment (1-20 names)", [f"/search?q={quote(g)}" for g in rare_pick], True),
        (f"search by a common fragment ({pieces[common_pick[0]]:,} names), page 1",
         [f"/search?q={quote(g)}" for g in common_pick], False),
        ("same, page 50", [f"/search?q={quote(g)}&page=50" for g in common_pick], False),
        ("search 有限公司 (too broad: refused)", [f"/search?q={quote('有限公司')}"] * repeat, False),
        ("entity page /entities/<USCC>", [f"/entities/{c}" for c, _n, _d in pick], False),
    ]


def measure(app, data: dict, repeat: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    client = app.test_client()
    out = []
    for name, urls, target in cases(data, repeat, rng):
        for url in urls[:3]:  # warm-up
            client.get(url)
        times = []
        for url in urls:
            t = time.perf_counter()
            r = client.get(url)
            times.append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200, (url, r.status_code)
        med, p95 = stats(times)
        out.append({"case": name, "median": med, "p95": p95, "n": len(times), "target": TARGET_MS if target else None})
        verdict = ("ok" if p95 <= TARGET_MS else "OVER") if target else "(no target)"
        log(f"  {name:55s} n={len(times):4d} median {med:7.1f} ms  p95 {p95:7.1f} ms  {verdict}")
    return out


# ------------------------------------------------------------------ databases


def pg_database(server_url: str):
    """(url of a new database, drop()) on the server of ``server_url``."""
    import sqlalchemy as sa

    from inspect_app.db import make_engine

    name = f"bench_public_search_{uuid.uuid4().hex[:8]}"
    probe = make_engine(server_url)
    with probe.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    url = sa.engine.make_url(server_url).set(database=name).render_as_string(hide_password=False)

    def drop() -> None:
        with probe.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        probe.dispose()

    return url, drop


def build(url: str, records: int, per_entity: float):
    """Migrate and load ``url``; returns (engine, data, seconds)."""
    from inspect_app.db import make_engine, upgrade

    engine = make_engine(url)
    t0 = time.perf_counter()
    upgrade(engine)
    data = load(engine, records, per_entity)
    return engine, data, time.perf_counter() - t0


def make_app(url: str, engine):
    from inspect_app import create_app

    return create_app({"SECRET_KEY": "bench", "DATABASE_URL": url, "DATABASE_ENGINE": engine, "TESTING": True})


# ------------------------------------------------------------------ docs


def render(results: list[dict]) -> str:
    lines = [START, "## Public search and the entity page (bench/bench_public_search.py)", "",
             "Published records bulk-loaded straight into the published tables (realistic Chinese names; "
             "see the bench's docstring), then each case through the Flask test client (the whole request). "
             f"Target: p95 ≤ {TARGET_MS} ms for search by USCC, by full name and by a rare two-character "
             "fragment. Regenerate: `.venv/bin/python bench/bench_public_search.py [--database-url …]`.", ""]
    for r in results:
        lines += [f"**{r['backend']}**, {r['records']:,} published records of {r['entities']:,} entities "
                  f"({r['pieces']:,} name pieces), loaded in {r['load_s']:.0f} s; {r['when']}; {r['machine']}.", "",
                  "| case | n | median ms | p95 ms | target |", "|---|---:|---:|---:|---|"]
        for c in r["cases"]:
            verdict = "—" if c["target"] is None else ("ok" if c["p95"] <= c["target"] else "**over**")
            lines.append(f"| {c['case']} | {c['n']} | {c['median']:.1f} | {c['p95']:.1f} | {verdict} |")
        lines.append("")
    lines.append(END)
    return "\n".join(lines)


def write_docs(section: str, start: str = START, end: str = END) -> None:
    """This bench's section of docs/performance.md (the benches' one writer)."""
    from bench.bench_workflow_pages import write_docs as write_section

    write_section(section, start, end)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=None,
                        help="PostgreSQL server URL (the bench creates and drops its own database); "
                             "default: a temporary SQLite file")
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--per-entity", type=float, default=2.0, help="published records per entity, on average")
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--keep", default=None, help="SQLite: keep the loaded database at this path; "
                        "PostgreSQL: any value keeps the bench's database (its URL is printed)")
    parser.add_argument("--no-docs", action="store_true")
    parser.add_argument("--out", default=str(OUT), help="folder of the result JSON (default bench/out)")
    args = parser.parse_args(argv)
    out = Path(args.out)

    drop = None
    tmp = None
    if args.database_url is None:
        if args.keep:
            path = Path(args.keep).resolve()
            path.unlink(missing_ok=True)
        else:
            tmp = tempfile.mkdtemp(prefix="bench-public-search-")
            path = Path(tmp) / "bench.sqlite"
        url = f"sqlite:///{path}"
    else:
        url, drop = pg_database(args.database_url)
    engine = None
    try:
        log(f"loading {args.records:,} published records into {url.split('@')[-1]} ...")
        engine, data, load_s = build(url, args.records, args.per_entity)
        log(f"loaded in {load_s:.1f} s ({engine.dialect.name})")
        app = make_app(url, engine)
        results = measure(app, data, args.repeat)
        saved = {"backend": "PostgreSQL" if engine.dialect.name == "postgresql" else "SQLite",
                 "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "machine": machine(),
                 "records": args.records, "entities": data["n_entities"],
                 "pieces": sum(data["piece_count"].values()), "load_s": load_s, "cases": results}
        out.mkdir(parents=True, exist_ok=True)
        (out / f"public-search-{engine.dialect.name}.json").write_text(json.dumps(saved, indent=1, ensure_ascii=False))
        if not args.no_docs:
            runs = [json.loads(p.read_text()) for p in sorted(out.glob("public-search-*.json"))]
            write_docs(render(sorted(runs, key=lambda r: r["backend"] != "SQLite")))
            log(f"wrote {DOCS.relative_to(ROOT)}")
        over = [c for c in results if c["target"] is not None and c["p95"] > c["target"]]
        return 1 if over else 0
    finally:
        if engine is not None:
            engine.dispose()
        if drop is not None and not args.keep:
            drop()
        elif drop is not None:
            log(f"kept {url}")
        if tmp is not None:
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
