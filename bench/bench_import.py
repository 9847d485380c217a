"""Benchmark: importing the entity registry (inspect_app.services.registry_io).

Generates a deterministic CSV of N entities (valid USCCs, 200 districts,
realistic lengths) in a temporary directory, then measures on a fresh SQLite
file and a fresh PostgreSQL schema:

* first import of N rows (validation included),
* re-import of the same file (nothing changes),
* re-import with every row changed (N updates), in sync mode,
* an XLSX file of a smaller size,
* the first import of N rows through the background-job path (upload saved,
  ``import_job`` claimed and run by the worker code, progress written),
  in a child process of its own (time and peak RSS),
* hostile files (issue 8, item 6), each in a child process on SQLite (time
  and peak RSS): CSVs of a valid header and 1,000,000 / 10,000,000 lines of
  ``a`` (2 MB / 20 MB), an XLSX of a million tiny rows, and a 2 KB XLSX
  declaring ``<dimension ref="A1:XFD20000">``.

Usage::

    .venv/bin/python bench/bench_import.py [--rows 1000000] [--xlsx-rows 100000]
        [--backends sqlite,postgresql] [--no-hostile] [--write-docs]

``--write-docs`` replaces the import-bench section of docs/performance.md.
PostgreSQL: ``BENCH_DATABASE_URL`` (default the local ``test`` database).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import platform
import json
import random
import re
import resource
import subprocess
import sys
import zipfile
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


def load() -> float:
    """The 1-minute load average (the machine is shared; numbers depend on it)."""
    return os.getloadavg()[0]


def timed_import(engine, path: Path, *, sync: bool = False):
    """(wall seconds, this process's CPU seconds, report)."""
    with Session(engine) as session, path.open("rb") as stream:
        t0, c0 = time.perf_counter(), time.process_time()
        report = import_file(session, "entities", stream, path.name, sync=sync)
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    if not report.ok:
        raise SystemExit(f"benchmark file rejected: {report.errors[:5]}")
    return elapsed, cpu, report


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


def run(backend: str, files: dict[str, Path], n: int, xlsx_rows: int, tmp: Path) -> list[tuple]:
    """(label, rows, wall s, client CPU s, load before, result) per measured import."""
    results = []

    def measure(label, engine, path, rows, describe, sync=False):
        before = load()
        t, cpu, r = timed_import(engine, path, sync=sync)
        results.append((label, rows, t, cpu, before, describe(r)))
        print(f"{backend:10} {label:38} {rows:>10,} rows {t:7.1f} s wall {cpu:6.1f} s CPU "
              f"(load {before:.1f}; {describe(r)})", flush=True)

    with fresh_database(backend, tmp) as engine:
        seed_districts(engine)
        measure("first import, CSV", engine, files["csv"], n, lambda r: f"{r.inserted:,} inserted")
        check_search(engine, backend)
        measure("re-import, same file", engine, files["csv"], n, lambda r: f"{r.unchanged:,} unchanged")
        measure("re-import, every row changed, --sync", engine, files["changed"], n,
                lambda r: f"{r.updated:,} updated, {r.deactivated:,} deactivated", sync=True)
        check_search(engine, backend)
    with fresh_database(backend, tmp) as engine:
        seed_districts(engine)
        measure("first import, XLSX", engine, files["xlsx"], xlsx_rows, lambda r: f"{r.inserted:,} inserted")
    return results


def write_junk_csv(path: Path, lines: int) -> None:
    """A valid header, then ``lines`` lines of ``a``."""
    with path.open("wb") as f:
        f.write((",".join(HEADER) + "\n").encode())
        block = b"a\n" * 100_000
        for _ in range(lines // 100_000):
            f.write(block)
        f.write(b"a\n" * (lines % 100_000))


def _patched_xlsx(path: Path, header_rows: list[list], sheet_xml) -> None:
    """A workbook written by openpyxl whose sheet XML is replaced by
    ``sheet_xml(original text)`` (a generator of text pieces)."""
    from openpyxl import Workbook

    tmp = path.with_suffix(".base.xlsx")
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("entities")
    for row in header_rows:
        sheet.append(row)
    workbook.save(tmp)
    with zipfile.ZipFile(tmp) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                with dst.open(info.filename, "w") as out:
                    for piece in sheet_xml(data.decode()):
                        out.write(piece.encode())
            else:
                dst.writestr(info, data)
    tmp.unlink()


def write_tiny_rows_xlsx(path: Path, rows: int) -> None:
    def xml(text):
        head, tail = text.split("</sheetData>")
        yield head
        for n in range(2, rows + 2, 10_000):
            yield "".join(f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>a</t></is></c></row>'
                          for r in range(n, min(n + 10_000, rows + 2)))
        yield "</sheetData>" + tail
    _patched_xlsx(path, [HEADER], xml)


def write_dimension_xlsx(path: Path, dimension: str) -> None:
    def xml(text):
        text = re.sub(r"<dimension ref=\"[^\"]*\"\s*/>", "", text)
        last = int(re.search(r"(\d+)$", dimension).group(1))
        text = text.replace("<sheetData", f'<dimension ref="{dimension}"/><sheetData', 1)
        # a blank cell on the last declared row: the rows before it are "missing"
        yield text.replace("</sheetData>", f'<row r="{last}"><c r="A{last}" t="inlineStr"><is><t></t></is></c>'
                                           f'</row></sheetData>', 1)
    codes = usccs(2)
    _patched_xlsx(path, [HEADER] + [r for r in entity_rows(codes)], xml)


def peak_rss_mb() -> float:
    """This process's peak RSS. VmHWM, not ru_maxrss: on Linux a child's
    ru_maxrss starts from its parent's peak at the fork."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def child_main(mode: str, backend: str, path: str) -> None:
    """One measurement in this process: ``hostile`` imports the file directly,
    ``job`` through the background-job path. Prints a JSON line."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-import-child-"))
    with fresh_database(backend, tmp) as engine:
        seed_districts(engine)
        file = Path(path)
        if mode == "hostile":
            with Session(engine) as session, file.open("rb") as stream:
                t0 = time.perf_counter()
                report = import_file(session, "entities", stream, file.name)
                seconds = time.perf_counter() - t0
            summary = report.summary()
            result = {"ok": report.ok, "errors": report.error_count, "stopped": report.stopped,
                      "rows": report.total_rows}
        else:
            from inspect_app import create_app
            from inspect_app.jobs.imports import run_import_job
            from inspect_app.models import ImportJob
            from inspect_app.services import import_jobs

            url = str(engine.url.render_as_string(hide_password=False))
            app = create_app({"TESTING": True, "SECRET_KEY": "bench", "DATABASE_URL": url, "DATABASE_ENGINE": engine,
                              "IMPORT_STORE": str(tmp / "uploads"), "IMPORT_RUNNER": "worker"})
            with app.app_context():
                from inspect_app.db import get_session

                t0 = time.perf_counter()
                with file.open("rb") as stream:
                    # actor None: the system, as the command line (the job applies an uploader's
                    # department rule only to an account)
                    job = import_jobs.create_job(get_session(), "entities", stream, file.name, sync=False,
                                                 actor=None)
                assert run_import_job(app, job.id)
                seconds = time.perf_counter() - t0
                with Session(engine) as session:
                    done = session.get(ImportJob, job.id)
                    report = import_jobs.report_of(done)
            if done.state != "done" or not report.ok:
                raise SystemExit(f"job {done.state}: {report.errors[:5] if report else done.error}")
            summary = report.summary()
            result = {"ok": True, "rows": report.total_rows, "inserted": report.inserted}
    print(json.dumps({"seconds": seconds, "rss_mb": peak_rss_mb(), "summary": summary, **result}), flush=True)


def run_child(mode: str, backend: str, path: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", mode, backend, str(path)], check=True,
                         capture_output=True, text=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def hostile_files(tmp: Path) -> list[tuple[str, Path]]:
    files = [("CSV, header + 1,000,000 lines of `a`", tmp / "junk-2mb.csv", lambda p: write_junk_csv(p, 1_000_000)),
             ("CSV, header + 10,000,000 lines of `a`", tmp / "junk-20mb.csv", lambda p: write_junk_csv(p, 10_000_000)),
             ("XLSX, header + 1,000,000 tiny rows", tmp / "tiny-rows.xlsx", lambda p: write_tiny_rows_xlsx(p, 1_000_000)),
             ("XLSX declaring A1:XFD20000 (2 rows, a blank cell on row 20000)", tmp / "dimension.xlsx",
              lambda p: write_dimension_xlsx(p, "A1:XFD20000"))]
    for _, path, make in files:
        make(path)
    return [(label, path) for label, path, _ in files]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=100_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--no-hostile", action="store_true")
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument("--child", nargs=3, metavar=("MODE", "BACKEND", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main(*args.child)
        return

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
        jobs = {}
        for backend in args.backends.split(","):
            table[backend] = run(backend, files, args.rows, args.xlsx_rows, tmp)
            before = load()
            r = run_child("job", backend, files["csv"])
            jobs[backend] = (r, before)
            print(f"{backend:10} {'first import, CSV, background job':38} {r['rows']:>10,} rows "
                  f"{r['seconds']:7.1f} s wall, peak RSS {r['rss_mb']:,.0f} MB (load {before:.1f})", flush=True)
        hostile = []
        if not args.no_hostile:
            for label, path in hostile_files(tmp):
                r = run_child("hostile", "sqlite", path)
                hostile.append((label, path.stat().st_size, r))
                print(f"hostile    {label:38} {path.stat().st_size / 2**20:8.2f} MiB {r['seconds']:7.2f} s, "
                      f"peak RSS {r['rss_mb']:,.0f} MB; {r['summary']}", flush=True)
    if args.write_docs:
        write_docs(table, args.rows, size, jobs, hostile)


def write_docs(table: dict, n: int, size: float, jobs: dict, hostile: list) -> None:
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
        "Wall time is the measure; client CPU is the benchmark process's own CPU time (parsing, "
        "validation, SQLite itself) and load is the 1-minute load average when the run started — the "
        "machine is shared, and wall time grows with the load.",
        "",
        "| backend | run | rows | wall s | rows/s | client CPU s | load | result |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for backend, results in table.items():
        for label, rows, seconds, cpu, before, note in results:
            lines.append(f"| {backend} | {label} | {rows:,} | {seconds:.1f} | {rows / seconds:,.0f} | {cpu:.1f} "
                         f"| {before:.1f} | {note} |")
    lines.append("")
    for backend, results in table.items():
        label, rows, seconds, cpu, before, note = results[0]
        verdict = "met" if seconds <= 60 and rows >= 1_000_000 else "not met"
        lines.append(f"- {backend}: target {verdict} in this run — {rows:,} rows in {seconds:.1f} s wall "
                     f"at load {before:.1f} ({cpu:.1f} s of it the benchmark process's own CPU"
                     + ("; the rest is the PostgreSQL server: COPY and rebuilding the table's indexes)."
                        if backend == "postgresql" else ")."))
    if jobs:
        lines += [
            "",
            "### Through the background job (issue 8, item 6)",
            "",
            "The same first import as the web page runs it: the upload copied into a 0600 file, an `import_job` "
            "row claimed and run by the worker code (`inspect_app/jobs/imports.py`) with progress written every "
            "0.5 s and the cancel flag read, in a child process of its own (wall time from saving the upload to "
            "the job's final state; peak RSS of that process).",
            "",
            "| backend | rows | wall s | peak RSS MB | load | verdict (≤ 60 s) |",
            "|---|---:|---:|---:|---:|---|",
        ]
        for backend, (r, before) in jobs.items():
            verdict = "met" if r["seconds"] <= 60 and r["rows"] >= 1_000_000 else "not met"
            lines.append(f"| {backend} | {r['rows']:,} | {r['seconds']:.1f} | {r['rss_mb']:,.0f} | {before:.1f} "
                         f"| {verdict} |")
    if hostile:
        lines += [
            "",
            "### Hostile files (issue 8, item 6)",
            "",
            "Each imported in a child process of its own on SQLite (peak RSS of that process, Python and the "
            "app included, about 100 MB before any reading). Reading stops once the report holds 1,000 problems, "
            "the sheet's declared dimension is ignored, and rows, columns and line lengths are bounded.",
            "",
            "| file | size | wall s | peak RSS MB | report |",
            "|---|---:|---:|---:|---|",
        ]
        for label, nbytes, r in hostile:
            shown = f"{nbytes / 2**20:.1f} MiB" if nbytes >= 2**20 else f"{nbytes / 1024:.1f} KiB"
            lines.append(f"| {label} | {shown} | {r['seconds']:.2f} | {r['rss_mb']:,.0f} | "
                         f"{r['errors']:,} problems, {r['rows']:,} rows read"
                         f"{', stopped at the cap' if r['stopped'] else ''} |")
    lines += [
        "",
        "Reproduce: `.venv/bin/python bench/bench_import.py --write-docs` "
        "(`--rows`, `--xlsx-rows`, `--backends`, `--no-hostile` to vary).",
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
