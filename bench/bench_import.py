"""Benchmark: importing the entity registry (inspect_app.services.registry_io).

Generates a deterministic CSV of N entities (valid USCCs, 200 districts,
realistic lengths) in a temporary directory, then measures on a fresh SQLite
file and a fresh PostgreSQL schema:

* first import of N rows (validation included),
* re-import of the same file (nothing changes),
* re-import with every row changed (N updates), in sync mode,
* an XLSX file of a smaller size.

Usage::

    .venv/bin/python bench/bench_import.py [--rows 1000000] [--xlsx-rows 100000]
        [--backends sqlite,postgresql] [--write-docs]

``--write-docs`` replaces the import-bench section of docs/performance.md.
PostgreSQL: ``BENCH_DATABASE_URL`` (default the local ``test`` database).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import platform
import random
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlmodel import Session  # noqa: E402

from inspect_app.db import make_engine, upgrade  # noqa: E402
from inspect_app.services.registry_io import import_file  # noqa: E402
from inspect_app.services.uscc import with_check_character  # noqa: E402

PG_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
DOCS = ROOT / "docs" / "performance.md"
START, END = "<!-- import-bench:start -->", "<!-- import-bench:end -->"

HEADER = ["统一社会信用代码", "名称", "类型", "法定代表人", "住所", "行政区划", "行业", "登记状态",
          "信用风险分类", "名录", "标签"]
TYPES = ["有限责任公司", "股份有限公司", "个体工商户", "个人独资企业", "农民专业合作社"]
INDUSTRIES = ["批发和零售业", "制造业", "住宿和餐饮业", "建筑业", "交通运输业", "信息技术服务业", "食品生产"]
WORDS = "福鑫华通达恒泰盛源丰瑞祥宏兴隆安康美佳新科创联合信德永昌金海天宇星"
STREETS = ["人民路", "建设路", "解放路", "中山路", "五一路", "八一路", "湖东路", "工业路"]


def districts() -> list[tuple[str, str]]:
    return [(f"35{n:04d}", f"区县{n:03d}") for n in range(1, 201)]


def usccs(n: int) -> list[str]:
    codes = [c for c, _ in districts()]
    return [with_check_character(f"91{codes[i % len(codes)]}MA{i:07d}") for i in range(n)]


def entity_rows(codes: list[str], seed: int = 1, variant: int = 0):
    """Deterministic entity rows; ``variant`` changes every row's risk and tags."""
    rnd = random.Random(seed)
    risks = "ABCD"
    for i, code in enumerate(codes):
        district = code[2:8]
        name = "".join(rnd.choice(WORDS) for _ in range(4)) + f"{i}" + rnd.choice(["贸易", "科技", "餐饮", "建材"]) + "有限公司"
        yield [
            code, name, rnd.choice(TYPES), "张" + rnd.choice(WORDS),
            f"福州市{rnd.choice(STREETS)}{rnd.randint(1, 999)}号", district, rnd.choice(INDUSTRIES),
            "存续" if rnd.random() < 0.95 else "停业", risks[(i + variant) % 4],
            "经营异常名录" if rnd.random() < 0.03 else "", f"v{variant}",
        ]


def write_csv(path: Path, rows) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        writer.writerows(rows)


def write_xlsx(path: Path, rows) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("entities")
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    workbook.save(path)


@contextmanager
def fresh_database(backend: str, tmp: Path):
    if backend == "sqlite":
        path = tmp / f"bench-{uuid.uuid4().hex[:6]}.sqlite"
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        try:
            yield engine
        finally:
            engine.dispose()
        return
    probe = make_engine(PG_URL)
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with probe.begin() as conn:
        conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    engine = make_engine(PG_URL, connect_args={"options": f"-csearch_path={schema},public"})
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with probe.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        probe.dispose()


def timed_import(engine, path: Path, *, sync: bool = False):
    with Session(engine) as session, path.open("rb") as stream:
        t0 = time.perf_counter()
        report = import_file(session, "entities", stream, path.name, sync=sync)
        elapsed = time.perf_counter() - t0
    if not report.ok:
        raise SystemExit(f"benchmark file rejected: {report.errors[:5]}")
    return elapsed, report


def seed_districts(engine) -> None:
    data = "区划代码,区划名称,层级\n" + "".join(f"{c},{n},3\n" for c, n in districts())
    with Session(engine) as session:
        report = import_file(session, "districts", io.BytesIO(data.encode()), "districts.csv")
        assert report.ok, report.errors


def check_search(engine, backend: str) -> None:
    """The name index finds an imported entity after the bulk import."""
    with engine.connect() as conn:
        name = conn.exec_driver_sql("SELECT name FROM entity ORDER BY id DESC LIMIT 1").scalar()
        if backend == "sqlite":
            hits = conn.exec_driver_sql("SELECT count(*) FROM entity_fts WHERE entity_fts MATCH ?",
                                        (f'"{name}"',)).scalar()
        else:
            hits = conn.exec_driver_sql("SELECT count(*) FROM entity WHERE name LIKE %s", (f"%{name}%",)).scalar()
    if hits < 1:
        raise SystemExit(f"name search did not find {name!r} after the import")


def run(backend: str, files: dict[str, Path], n: int, xlsx_rows: int, tmp: Path) -> list[tuple[str, int, float, str]]:
    results = []
    with fresh_database(backend, tmp) as engine:
        seed_districts(engine)
        t, r = timed_import(engine, files["csv"])
        results.append((f"first import, CSV", n, t, f"{r.inserted:,} inserted"))
        check_search(engine, backend)
        t, r = timed_import(engine, files["csv"])
        results.append(("re-import, same file", n, t, f"{r.unchanged:,} unchanged"))
        t, r = timed_import(engine, files["changed"], sync=True)
        results.append(("re-import, every row changed, --sync", n, t,
                        f"{r.updated:,} updated, {r.deactivated:,} deactivated"))
        check_search(engine, backend)
    with fresh_database(backend, tmp) as engine:
        seed_districts(engine)
        t, r = timed_import(engine, files["xlsx"])
        results.append(("first import, XLSX", xlsx_rows, t, f"{r.inserted:,} inserted"))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=100_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmpdir:
        tmp = Path(tmpdir)
        t0 = time.perf_counter()
        files = {"csv": tmp / "entities.csv", "changed": tmp / "entities-changed.csv",
                 "xlsx": tmp / "entities.xlsx"}
        codes = usccs(args.rows)
        write_csv(files["csv"], entity_rows(codes))
        write_csv(files["changed"], entity_rows(codes, variant=1))
        write_xlsx(files["xlsx"], entity_rows(codes[:args.xlsx_rows]))
        size = files["csv"].stat().st_size / 2**20
        print(f"generated files in {time.perf_counter() - t0:.1f} s ({size:.0f} MiB CSV)", flush=True)
        table = {}
        for backend in args.backends.split(","):
            table[backend] = run(backend, files, args.rows, args.xlsx_rows, tmp)
            for label, rows, seconds, note in table[backend]:
                print(f"{backend:10} {label:40} {rows:>10,} rows {seconds:7.1f} s  ({note})", flush=True)
    if args.write_docs:
        write_docs(table, args.rows, size)


def write_docs(table: dict, n: int, size: float) -> None:
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        START,
        "## Registry import (`bench/bench_import.py`)",
        "",
        f"Measured {when} on {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()}; target: 1,000,000 entities from CSV, validation included, "
        "≤ 60 s into SQLite and into PostgreSQL. The CSV "
        f"({n:,} rows, {size:.0f} MiB, UTF-8) is generated by the benchmark; every row is validated "
        "(USCC check character, enumerations, district references, duplicate keys) before anything "
        "is written, and each import is one transaction.",
        "",
        "| backend | run | rows | seconds | rows/s | result |",
        "|---|---|---:|---:|---:|---|",
    ]
    for backend, results in table.items():
        for label, rows, seconds, note in results:
            lines.append(f"| {backend} | {label} | {rows:,} | {seconds:.1f} | {rows / seconds:,.0f} | {note} |")
    lines += [
        "",
        "Reproduce: `.venv/bin/python bench/bench_import.py --write-docs` "
        "(`--rows`, `--xlsx-rows`, `--backends` to vary).",
        END,
    ]
    section = "\n".join(lines)
    text = DOCS.read_text(encoding="utf-8") if DOCS.exists() else "# Performance\n"
    if START in text and END in text:
        before, rest = text.split(START, 1)
        after = rest.split(END, 1)[1]
        text = before + section + after
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    DOCS.parent.mkdir(parents=True, exist_ok=True)
    DOCS.write_text(text, encoding="utf-8")
    print(f"wrote {DOCS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
