"""Page-latency benchmark of the entity registry list with 1,000,000 entities.

Loads N synthetic entities (valid USCCs, Chinese names, a district tree,
risk classes, lists) into a fresh SQLite file and a fresh PostgreSQL schema
through the real Alembic migrations, then times the planner's entity list
page through the Flask test client — the whole request: routing, login
check, search service, template — for

* a USCC lookup,
* a name search with 3+ characters (FTS5 trigram / pg_trgm),
* a name search with 2 characters (the documented substring-scan fallback),
* a filtered list (county district prefix + risk class),
* page 2000 of the unfiltered list,

and reports median and p95 per case. Results go to the ``pages-bench``
section of docs/performance.md.

    .venv/bin/python bench/bench_pages.py                      # 1M, both backends
    .venv/bin/python bench/bench_pages.py --entities 20000 --no-docs
    .venv/bin/python bench/bench_pages.py --reuse              # keep loaded data

Loading uses Core ``executemany`` on SQLite (the FTS triggers fill the name
index as rows arrive) and ``COPY`` on PostgreSQL with the trigram index
rebuilt afterwards; loading time is reported but is not what is measured
here (bench/bench_import.py measures imports).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from stdnum.cn import uscc as stdnum_uscc  # noqa: E402

from inspect_app import create_app  # noqa: E402
from inspect_app.db import make_engine, upgrade  # noqa: E402

OUT = ROOT / "bench" / "out"
DOCS = ROOT / "docs" / "performance.md"
START, END = "<!-- pages-bench:start -->", "<!-- pages-bench:end -->"
PG_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PG_SCHEMA = "bench_pages"
LIST_URL = "/planner/registries/entities/"

CITIES = {"3501": "福州", "3502": "厦门", "3503": "莆田", "3504": "三明", "3505": "泉州",
          "3506": "漳州", "3507": "南平", "3508": "龙岩", "3509": "宁德"}
BRAND_CHARS = ("鑫源华泰恒达盛兴隆丰瑞祥和顺安康福美佳宏伟博信诚德润海天宇金银泰昌荣发"
               "新明光辉晨星云龙凤祥锦绣远航志诚同创汇聚中正长青永乐嘉禾万通")
TRADES = [("餐饮", "餐饮业"), ("食品", "食品制造业"), ("贸易", "批发业"), ("科技", "软件和信息技术服务业"),
          ("建材", "建筑材料业"), ("物流", "道路运输业"), ("药房", "零售业"), ("服装", "纺织服装业"),
          ("电子", "电子设备制造业"), ("装饰工程", "建筑装饰业"), ("农业", "农业"), ("汽车维修", "机动车维修业")]
SUFFIXES = ("有限公司", "有限责任公司", "商行", "店", "经营部", "股份有限公司")
STATUSES = ("存续",) * 8 + ("在业",) * 8 + ("停业", "注销", "吊销", "清算")
RISKS = "A" * 30 + "B" * 45 + "C" * 18 + "D" * 7
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def districts() -> list[tuple[str, str, str | None, int]]:
    rows = [("35", "福建省", None, 1)]
    for city, name in CITIES.items():
        rows.append((city, name + "市", "35", 2))
        for c in range(1, 7):
            county = f"{city}{c:02d}"
            rows.append((county, f"{name}第{c}区", city, 3))
            for s in range(1, 9):
                rows.append((f"{county}{s:03d}", f"{name}第{c}区第{s}街道", county, 4))
    return rows


def org_code(n: int) -> str:
    """Organisation code (GB 11714): 8 characters and their mod-11 check."""
    body = f"{n:08d}"
    total = sum(ORG_ALPHABET.index(ch) * w for ch, w in zip(body, ORG_WEIGHTS))
    check = 11 - total % 11
    return body + ("X" if check == 10 else "0" if check == 11 else str(check))


def make_uscc(n: int, region: str) -> str:
    head = "91" + region + org_code(n)
    return head + stdnum_uscc.calc_check_digit(head)


def entity_rows(n: int, seed: int = 20261122):
    """Deterministic synthetic entities as tuples in ``COLUMNS`` order."""
    rng = random.Random(seed)
    streets = [d[0] for d in districts() if d[3] == 4]
    for i in range(n):
        street = rng.choice(streets)
        trade, industry = rng.choice(TRADES)
        brand = rng.choice(BRAND_CHARS) + rng.choice(BRAND_CHARS)
        name = f"{CITIES[street[:4]]}市{brand}{trade}{rng.choice(SUFFIXES)}"
        r = rng.random()
        lists = '["abnormal"]' if r < 0.03 else '["serious_violation"]' if r < 0.035 else "[]"
        yield (make_uscc(i + 1, street[:6]), name, "有限责任公司", None, None, street, industry,
               rng.choice(STATUSES), rng.choice(RISKS), lists, "[]", True,
               dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc))


COLUMNS = ("uscc", "name", "type", "legal_rep", "address", "district", "industry", "status", "risk",
           "lists", "tags", "active", "updated_at")


def _chunks(it, size):
    chunk = []
    for row in it:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def load_sqlite(path: Path, n: int) -> float:
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    t0 = time.perf_counter()
    ins = (f"INSERT INTO entity ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})")
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO district (code, name, parent_code, level) VALUES (?, ?, ?, ?)",
                             districts())
        for chunk in _chunks(((*r[:-2], int(r[-2]), r[-1].isoformat(" ")) for r in entity_rows(n)), 50_000):
            conn.exec_driver_sql(ins, chunk)
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return time.perf_counter() - t0


def pg_engine():
    return make_engine(PG_URL, connect_args={"options": f"-csearch_path={PG_SCHEMA},public"})


def load_postgres(n: int) -> float:
    probe = make_engine(PG_URL)
    with probe.begin() as conn:
        conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
        conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE")
        conn.exec_driver_sql(f"CREATE SCHEMA {PG_SCHEMA}")
    probe.dispose()
    engine = pg_engine()
    upgrade(engine)
    t0 = time.perf_counter()
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("DROP INDEX ix_entity_name_trgm")
        with cur.copy("COPY district (code, name, parent_code, level) FROM STDIN") as copy:
            for row in districts():
                copy.write_row(row)
        with cur.copy(f"COPY entity ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in entity_rows(n):
                copy.write_row(row)
        cur.execute("CREATE INDEX ix_entity_name_trgm ON entity USING gin (name gin_trgm_ops)")
        raw.commit()
        raw.commit()
    finally:
        raw.close()
    # Steady state as autovacuum would leave it: statistics and the visibility
    # map (index-only scans) in place.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM (ANALYZE) entity")
    engine.dispose()
    return time.perf_counter() - t0


def count_entities(engine) -> int:
    try:
        with engine.connect() as conn:
            return conn.exec_driver_sql("SELECT count(*) FROM entity").scalar_one()
    except sa.exc.DBAPIError:
        return -1


def make_app(url: str, engine):
    app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": url, "DATABASE_ENGINE": engine,
                      "WTF_CSRF_ENABLED": False})
    from inspect_app.db import get_session
    from inspect_app.models import User
    from inspect_app.services.accounts import create_account as create_user

    with app.app_context():
        s = get_session()
        if s.exec(sa.select(User).where(User.username == "bench")).first() is None:
            create_user(s, "bench", "bench-password-1", "planner")
    client = app.test_client()
    r = client.post("/login", data={"username": "bench", "password": "bench-password-1"})
    assert r.status_code == 302, r.status_code
    return client


def cases(n: int, rng: random.Random) -> dict[str, list[str]]:
    """Query strings per case; each request of a case uses a different one."""
    sample = [rng.randrange(n) for _ in range(50)]
    usccs = []
    gen_rows = {i for i in sample}
    for i, row in enumerate(entity_rows(max(sample) + 1)):
        if i in gen_rows:
            usccs.append(row[0])
    trades = [t for t, _ in TRADES]
    names3 = [rng.choice(BRAND_CHARS) + rng.choice(BRAND_CHARS) + rng.choice(trades)[0] for _ in range(50)]
    names2 = [rng.choice(BRAND_CHARS) + rng.choice(BRAND_CHARS) for _ in range(50)]
    counties = [d[0] for d in districts() if d[3] == 3]
    filtered = [f"district={rng.choice(counties)}&risk={rng.choice('ABCD')}" for _ in range(50)]
    last = max(1, n // 50)
    return {
        "USCC lookup": [f"q={u}" for u in usccs],
        "name search, 3+ characters": [f"q={q}" for q in names3],
        "name search, 2 characters": [f"q={q}" for q in names2],
        "filtered list (district + risk)": filtered,
        f"unfiltered list, page {min(2000, last)}": [f"page={min(2000, last)}"] * 50,
    }


def time_case(client, queries: list[str], repeats: int) -> tuple[float, float, int]:
    client.get(LIST_URL + "?" + queries[0])  # warm-up
    times, size = [], 0
    for i in range(repeats):
        t0 = time.perf_counter()
        r = client.get(LIST_URL + "?" + queries[i % len(queries)])
        times.append((time.perf_counter() - t0) * 1000)
        assert r.status_code == 200, (r.status_code, queries[i % len(queries)])
        size = max(size, len(r.data))
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    return statistics.median(times), p95, size


def machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1)) / 2**20
    except (OSError, AttributeError):
        mem = 0
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB RAM; Python {platform.python_version()}, "
            f"SQLite {__import__('sqlite3').sqlite_version}; load average at the end {load} "
            "(the machine is shared: other processes compete for the two cores)")


NOTES = """How the list answers (see `inspect_app/services/search.py`):

- **USCC**: an 18-character query in the USCC alphabet is an exact lookup on the unique index.
- **Name, 3+ characters**: SQLite FTS5 trigram table `entity_fts` (one quoted phrase = substring match),
  PostgreSQL `ILIKE '%…%'` on the pg_trgm GIN index.
- **Name, 1–2 characters**: a trigram index cannot answer these; the list scans `entity` in id order and
  stops when the page is full (fast for common fragments, a full scan for rare ones; on PostgreSQL `strpos`
  for Chinese, several times cheaper per row than `ILIKE`). No total is shown; the page says so and
  suggests three characters.
- **Pages** use a deferred join: the page's ids come first (from `ix_entity_district_risk`, migration 0006,
  for the district + risk filter), then only those rows are read.
- **Counting**: no exact `COUNT(*)` over a million rows per page. Matches are counted up to 10,000; beyond
  that the page shows "more than 10,000" with previous/next links and a jump-to-page box."""


def write_docs(text: str) -> None:
    DOCS.parent.mkdir(parents=True, exist_ok=True)
    current = DOCS.read_text() if DOCS.exists() else "# Performance\n"
    block = f"{START}\n{text.rstrip()}\n{END}"
    if START in current and END in current:
        head, rest = current.split(START, 1)
        current = head + block + rest.split(END, 1)[1]
    else:
        current = current.rstrip() + "\n\n" + block + "\n"
    DOCS.write_text(current)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--entities", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=30)
    ap.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    ap.add_argument("--reuse", action="store_true", help="keep already loaded data of the same size")
    ap.add_argument("--load-only", action="store_true", help="load the data and stop")
    ap.add_argument("--no-docs", action="store_true", help="print only, do not touch docs/performance.md")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    results: dict[str, dict[str, tuple[float, float, int]]] = {}
    loads: dict[str, str] = {}
    for backend in backends:
        if backend == "sqlite":
            path = OUT / "pages.sqlite"
            url = f"sqlite:///{path}"
            engine = make_engine(url)
            if not (args.reuse and path.exists() and count_entities(engine) == args.entities):
                engine.dispose()
                loads[backend] = f"{load_sqlite(path, args.entities):.0f} s"
                engine = make_engine(url)
            else:
                loads[backend] = "reused"
                upgrade(engine)  # migrations added since the data was loaded
        else:
            url = PG_URL
            engine = pg_engine()
            if not (args.reuse and count_entities(engine) == args.entities):
                engine.dispose()
                loads[backend] = f"{load_postgres(args.entities):.0f} s"
                engine = pg_engine()
            else:
                loads[backend] = "reused"
                upgrade(engine)
        print(f"{backend}: {args.entities} entities loaded ({loads[backend]})", flush=True)
        if args.load_only:
            engine.dispose()
            continue
        client = make_app(url, engine)
        results[backend] = {}
        for name, queries in cases(args.entities, random.Random(7)).items():
            med, p95, size = time_case(client, queries, args.repeats)
            results[backend][name] = (med, p95, size)
            print(f"  {name:36s} median {med:7.1f} ms   p95 {p95:7.1f} ms", flush=True)
        engine.dispose()

    if args.load_only:
        return
    lines = [
        "## Registry pages: entity list latency",
        "",
        f"`bench/bench_pages.py`, {dt.date.today().isoformat()}, {args.entities:,} entities, "
        f"{args.repeats} requests per case (each with a different query where the case allows), "
        "timed around the Flask test client (whole request: login check, search, template). "
        "Target: ≤ 200 ms for USCC lookup and name search.",
        "",
        f"Machine: {machine()}.",
        "",
        "| case | " + " | ".join(f"{b} median | {b} p95" for b in backends) + " |",
        "|---|" + "---:|---:|" * len(backends),
    ]
    for name in next(iter(results.values())):
        cells = " | ".join(f"{results[b][name][0]:.1f} ms | {results[b][name][1]:.1f} ms" for b in backends)
        lines.append(f"| {name} | {cells} |")
    lines += ["", "Data load (not part of the timing): "
              + ", ".join(f"{b} {loads[b]}" for b in backends) + ".", "", NOTES]
    text = "\n".join(lines)
    print(text)
    if not args.no_docs:
        write_docs(text)


if __name__ == "__main__":
    main()
