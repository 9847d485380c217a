"""Throughput of the public portal served by gunicorn (issue 10: ≥ 200
requests/s of mixed public traffic with p95 ≤ 300 ms on the 2-core machine).

Starts ``gunicorn wsgi:app`` on 127.0.0.1 (a free port; ``--workers``
processes, ``--worker-class``/``--threads``) on a database loaded with
published records — ``--database-url`` (e.g. the file
``bench_public_search.py --keep`` wrote), or by default a SQLite file built
here with ``bench_public_search.build`` (``--records``, kept in bench/out/
and reused) — and drives it with ``--concurrency`` client threads, each on
one keep-alive HTTP connection, closed loop (a thread sends its next request
when the previous answer is read), for ``--duration`` seconds or
``--max-requests`` requests, whichever comes first, after ``--warmup``
seconds not counted. Only 127.0.0.1 is ever contacted.

The mix (``--mix``, weights) draws a kind per request:

* ``search``: a USCC, a full name, a rare fragment (≤ 50 names) or a common
  one (50–5,000 names), 3:3:3:1, taken from the loaded data;
* ``entity``: ``/entities/<USCC>``;
* ``register``: ``/draws/`` and ``/draws/<code>`` alternately;
* ``bulletin``: ``/results/tasks/<task id>`` (the results bulletins, from
  the publication branch);
* ``home``: ``/`` (not in the default mix: a baseline of the framework's
  own cost per request).

Before timing, one URL of each kind is fetched; a kind whose URL answers
404 (a page not on this branch) is skipped and the bench says so. The
report gives requests/s and p50/p95 overall and per kind, non-2xx answers
and the load average; it goes to ``bench/out/public-load-<dialect>.json``
and the ``public-load-bench`` section of docs/performance.md.

    .venv/bin/python bench/bench_public_load.py                       # SQLite, 1 M records (built once)
    .venv/bin/python bench/bench_public_load.py --database-url sqlite:///bench/out/public-1m.sqlite
    .venv/bin/python bench/bench_public_load.py --records 20000 --duration 5 --no-docs   # quick check
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_public_search as bps  # noqa: E402

HOST = "127.0.0.1"  # never anything else
START, END = "<!-- public-load-bench:start -->", "<!-- public-load-bench:end -->"
TARGET_RPS, TARGET_P95_MS = 200, 300
DEFAULT_MIX = "search=40,entity=30,register=20,bulletin=10"
log = bps.log


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def parse_mix(text: str) -> dict[str, float]:
    mix = {}
    for part in text.split(","):
        kind, _, weight = part.partition("=")
        kind = kind.strip()
        if kind not in ("search", "entity", "register", "bulletin", "home"):
            raise SystemExit(f"unknown kind in --mix: {kind!r}")
        mix[kind] = float(weight or 1)
    return mix


# ------------------------------------------------------------------ URLs


def sample_urls(url: str, n: int = 400, seed: int = 11) -> dict[str, list[str]]:
    """Request paths per kind, from what the database holds."""
    import sqlalchemy as sa

    from inspect_app.db import make_engine

    rng = random.Random(seed)
    engine = make_engine(url)
    with engine.connect() as conn:
        total = conn.exec_driver_sql("SELECT count(*) FROM published_entity").scalar_one()
        offset = rng.randrange(max(1, total - 5000))
        rows = conn.execute(sa.text("SELECT uscc, name FROM published_entity ORDER BY uscc LIMIT 5000 OFFSET :o"),
                            {"o": offset}).all()
        rows = rng.sample(rows, min(n, len(rows)))
        rare, common = [], []
        for _code, name in rows:
            k = rng.randrange(max(1, len(name) - 1))
            piece = name[k:k + 2]
            count = conn.execute(sa.text("SELECT count(*) FROM (SELECT 1 FROM published_name_gram WHERE gram = :g "
                                         "LIMIT 5001) AS c"), {"g": piece}).scalar_one()
            (rare if count <= 50 else common if count <= 5000 else []).append(piece)
        draws = [c for (c,) in conn.exec_driver_sql("SELECT code FROM draw WHERE commitment IS NOT NULL")]
        tasks = [t for (t,) in conn.exec_driver_sql("SELECT DISTINCT task_id FROM published_result_task")]
    engine.dispose()
    search = []
    for k in range(n):
        code, name = rows[k % len(rows)]
        kind = k % 10
        if kind < 3:
            search.append(f"/search?q={code}")
        elif kind < 6:
            search.append(f"/search?q={quote(name)}")
        elif kind < 9 and rare:
            search.append(f"/search?q={quote(rng.choice(rare))}")
        elif common:
            search.append(f"/search?q={quote(rng.choice(common))}")
    register = []
    for k in range(n):
        register.append("/draws/" if k % 2 == 0 or not draws else f"/draws/{rng.choice(draws)}")
    return {"search": search, "entity": [f"/entities/{c}" for c, _n in rows], "register": register, "home": ["/"],
            "bulletin": [f"/results/tasks/{rng.choice(tasks)}" for _ in range(n)] if tasks else []}


# ------------------------------------------------------------------ server


def start_gunicorn(url: str, port: int, workers: int, worker_class: str, threads: int, errlog: Path):
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="bench-public-load", SESSION_COOKIE_SECURE="0")
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    cmd = [gunicorn, "--bind", f"{HOST}:{port}", "--workers", str(workers), "--worker-class", worker_class,
           "--threads", str(threads), "--keep-alive", "30", "--error-logfile", str(errlog), "--log-level",
           "warning", "wsgi:app"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited ({proc.returncode}); see {errlog}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            conn.request("GET", "/")
            if conn.getresponse().status == 200:
                conn.close()
                return proc
        except OSError:
            time.sleep(0.3)
    stop(proc)
    raise SystemExit("gunicorn did not answer within 60 s")


def tree_cpu(root: int) -> float:
    """CPU seconds (user + system) used so far by ``root`` and its children
    (gunicorn's master and workers), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(stat.parent.name), int(fields[1])
        if pid == root or ppid == root:
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def pid_cpu(pids) -> dict[int, float]:
    """CPU seconds (user + system) used so far by each of ``pids``."""
    ticks = os.sysconf("SC_CLK_TCK")
    out = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[pid] = (int(fields[11]) + int(fields[12])) / ticks
    return out


def db_backends(url: str):
    """A function returning the pids of the PostgreSQL server processes
    serving ``url``'s database (the server runs on this machine), or None
    for SQLite (its work is inside gunicorn's processes)."""
    import sqlalchemy as sa

    from inspect_app.db import make_engine

    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return None
    engine = make_engine(url)

    def pids() -> list[int]:
        with engine.connect() as conn:
            return [p for (p,) in conn.execute(sa.text("SELECT pid FROM pg_stat_activity WHERE datname = :d "
                                                       "AND pid <> pg_backend_pid()"), {"d": parsed.database})]
    pids.engine = engine
    return pids


def stop(proc) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# ------------------------------------------------------------------ load


def fetch(conn: http.client.HTTPConnection, path: str) -> int:
    conn.request("GET", path, headers={"Connection": "keep-alive"})
    r = conn.getresponse()
    r.read()
    return r.status


def run_load(port: int, urls: dict[str, list[str]], mix: dict[str, float], concurrency: int, duration: float,
             warmup: float, max_requests: int, seed: int = 5, server_pid: int | None = None, backends=None):
    """(kind, ms, status) of every counted request, the counted seconds and
    the CPU seconds the server and this client used meanwhile."""
    kinds = [k for k in mix if urls.get(k)]
    weights = [mix[k] for k in kinds]
    records: list[tuple[str, float, int]] = []
    lock = threading.Lock()
    t_start = time.perf_counter()
    t_count = t_start + warmup
    t_end = t_count + duration
    counted = [0]

    def worker(n: int) -> None:
        rng = random.Random(seed * 1000 + n)
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        mine = []
        while True:
            now = time.perf_counter()
            if now >= t_end:
                break
            kind = rng.choices(kinds, weights)[0]
            path = rng.choice(urls[kind])
            t = time.perf_counter()
            try:
                status = fetch(conn, path)
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=30)
                status = 0
            done = time.perf_counter()
            if t >= t_count:
                mine.append((kind, (done - t) * 1000, status))
                with lock:
                    counted[0] += 1
                    if counted[0] >= max_requests:
                        break
        conn.close()
        with lock:
            records.extend(mine)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(concurrency)]
    for t in threads:
        t.start()
    time.sleep(max(0.0, t_count - time.perf_counter()))
    cpu0 = (tree_cpu(server_pid) if server_pid else 0.0, time.process_time())
    db0 = pid_cpu(backends()) if backends else {}
    for t in threads:
        t.join()
    cpu1 = (tree_cpu(server_pid) if server_pid else 0.0, time.process_time())
    db1 = pid_cpu(backends()) if backends else {}
    db_cpu = sum(v - db0.get(pid, 0.0) for pid, v in db1.items())
    elapsed = min(time.perf_counter(), t_end) - t_count
    return records, max(elapsed, 1e-9), (cpu1[0] - cpu0[0], cpu1[1] - cpu0[1], db_cpu)


def summarize(records, elapsed: float) -> dict:
    def pct(values, q):
        values = sorted(values)
        return values[min(len(values) - 1, round(q * (len(values) - 1)))] if values else 0.0

    out = {"requests": len(records), "seconds": elapsed, "rps": len(records) / elapsed,
           "p50": pct([r[1] for r in records], 0.5), "p95": pct([r[1] for r in records], 0.95),
           "errors": sum(1 for r in records if not 200 <= r[2] < 400), "kinds": []}
    for kind in dict.fromkeys(r[0] for r in records):
        times = [r[1] for r in records if r[0] == kind]
        out["kinds"].append({"kind": kind, "requests": len(times), "p50": pct(times, 0.5), "p95": pct(times, 0.95),
                             "errors": sum(1 for r in records if r[0] == kind and not 200 <= r[2] < 400)})
    return out


# ------------------------------------------------------------------ docs


def render(results: list[dict]) -> str:
    lines = [START, "## Public portal under load (bench/bench_public_load.py)", "",
             f"Target: ≥ {TARGET_RPS} requests/s of mixed public traffic with p95 ≤ {TARGET_P95_MS} ms, gunicorn "
             "on this 2-core machine, the load generator on the same machine (127.0.0.1). Regenerate: "
             "`.venv/bin/python bench/bench_public_load.py [--database-url …]` (see bench/README.md).", ""]
    for r in results:
        ok = r["rps"] >= TARGET_RPS and r["p95"] <= TARGET_P95_MS
        label = f" ({r['label']})" if r.get("label") else ""
        lines += [f"**{r['backend']}**{label}, {r['records']:,} published records: gunicorn `wsgi:app` ({r['workers']} "
                  f"workers, {r['worker_class']}, {r['threads']} threads each); {r['concurrency']} client threads "
                  f"(keep-alive, closed loop) for {r['seconds']:.0f} s after {r['warmup']:.0f} s of warm-up; mix "
                  f"{r['mix']}. {r['when']}; {r['machine_before']} before, load average {r['load_after']:.1f} "
                  "after.", ""]
        if r["skipped"]:
            lines += [f"Skipped (their URL answered 404 on this branch): {', '.join(r['skipped'])}.", ""]
        lines += ["| traffic | requests | requests/s | p50 ms | p95 ms | non-2xx |",
                  "|---|---:|---:|---:|---:|---:|",
                  f"| **all** | {r['requests']} | {r['rps']:.0f} | {r['p50']:.1f} | {r['p95']:.1f} | {r['errors']} |"]
        for k in r["kinds"]:
            lines.append(f"| {k['kind']} | {k['requests']} | {k['requests'] / r['seconds']:.0f} | {k['p50']:.1f} | "
                         f"{k['p95']:.1f} | {k['errors']} |")
        db = f"the PostgreSQL server processes of its database {r.get('db_cpu_ms', 0):.1f} ms, " \
            if r["backend"] == "PostgreSQL" else ""
        lines += ["", f"CPU per request (from /proc, over the counted seconds): gunicorn {r['server_cpu_ms']:.1f} ms, "
                  f"{db}the load generator {r['client_cpu_ms']:.1f} ms; on {r['cpus']} cores free of other work this "
                  f"mix would be bounded by about {r['capacity_rps'] or 0:.0f} requests/s (an estimate, not a "
                  f"measurement). Verdict as measured: {'meets' if ok else '**misses**'} the target.", ""]
    lines.append(END)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=None,
                        help="a loaded database; default: bench/out/public-load-<records>.sqlite, built when missing")
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--worker-class", default="gthread")
    parser.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads")
    parser.add_argument("--duration", type=float, default=30.0, help="counted seconds")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--max-requests", type=int, default=100_000)
    parser.add_argument("--mix", default=DEFAULT_MIX)
    parser.add_argument("--no-docs", action="store_true")
    parser.add_argument("--label", default="", help="a name for this run: its own result file and docs entry "
                        "(e.g. a different mix); default: the backend's main run")
    parser.add_argument("--out", default=str(bps.OUT), help="folder of the result JSON and gunicorn's log")
    args = parser.parse_args(argv)
    out = Path(args.out)
    mix = parse_mix(args.mix)

    url = args.database_url
    if url is None:
        path = bps.OUT / f"public-load-{args.records}.sqlite"
        url = f"sqlite:///{path}"
        if not path.exists():
            bps.OUT.mkdir(parents=True, exist_ok=True)
            log(f"building {path.relative_to(ROOT)} ({args.records:,} records) ...")
            engine, _data, seconds = bps.build(url, args.records, 2.0)
            engine.dispose()
            log(f"built in {seconds:.0f} s")
    urls = sample_urls(url)
    port = free_port()
    out.mkdir(parents=True, exist_ok=True)
    errlog = out / "public-load-gunicorn.log"
    load_before = bps.machine()
    proc = start_gunicorn(url, port, args.workers, args.worker_class, args.threads, errlog)
    try:
        skipped = []
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        for kind in list(mix):
            if not urls.get(kind):
                skipped.append(kind)
                log(f"  {kind}: nothing to request in this database, skipped")
                continue
            status = fetch(conn, urls[kind][0])
            if status == 404:
                skipped.append(kind)
                log(f"  {kind}: {urls[kind][0]} answers 404 here, skipped")
            elif status != 200:
                log(f"  {kind}: {urls[kind][0]} answers {status}")
        conn.close()
        for kind in skipped:
            mix.pop(kind)
        if not mix:
            raise SystemExit("no kind of traffic left to send")
        log(f"load: {args.concurrency} client threads, {args.duration:.0f} s, mix {mix} ...")
        backends = db_backends(url)
        records, elapsed, (server_cpu, client_cpu, db_cpu) = run_load(
            port, urls, mix, args.concurrency, args.duration, args.warmup, args.max_requests, server_pid=proc.pid,
            backends=backends)
        if backends is not None:
            backends.engine.dispose()
    finally:
        stop(proc)
    result = summarize(records, elapsed)
    import sqlalchemy as sa

    backend = "PostgreSQL" if sa.engine.make_url(url).get_backend_name() == "postgresql" else "SQLite"
    result.update({"backend": backend, "records": args.records if args.database_url is None else None,
                   "workers": args.workers, "worker_class": args.worker_class, "threads": args.threads,
                   "concurrency": args.concurrency, "warmup": args.warmup,
                   "mix": ", ".join(f"{k} {v:g}" for k, v in mix.items()), "skipped": skipped,
                   "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "machine_before": load_before,
                   "load_after": os.getloadavg()[0],
                   "server_cpu_ms": 1000 * server_cpu / max(1, len(records)),
                   "client_cpu_ms": 1000 * client_cpu / max(1, len(records)),
                   "db_cpu_ms": 1000 * db_cpu / max(1, len(records)),
                   "cpus": os.cpu_count()})
    per_request = result["server_cpu_ms"] + result["client_cpu_ms"] + result["db_cpu_ms"]
    result["capacity_rps"] = 1000 * result["cpus"] / per_request if per_request else None
    if result["records"] is None:
        import sqlalchemy as sa  # noqa: F811

        from inspect_app.db import make_engine

        engine = make_engine(url)
        with engine.connect() as c:
            result["records"] = c.exec_driver_sql("SELECT count(*) FROM published_result").scalar_one()
        engine.dispose()
    log(f"  all: {result['requests']} requests in {elapsed:.1f} s = {result['rps']:.0f}/s, "
        f"p50 {result['p50']:.1f} ms, p95 {result['p95']:.1f} ms, non-2xx {result['errors']}")
    log(f"  CPU per request: gunicorn {result['server_cpu_ms']:.1f} ms, PostgreSQL {result['db_cpu_ms']:.1f} ms, "
        f"client {result['client_cpu_ms']:.1f} ms "
        f"-> at most {result['capacity_rps'] or 0:.0f} requests/s on {result['cpus']} idle cores")
    for k in result["kinds"]:
        log(f"  {k['kind']:9s} {k['requests']:6d} requests  p50 {k['p50']:6.1f} ms  p95 {k['p95']:6.1f} ms  "
            f"non-2xx {k['errors']}")
    result["label"] = args.label
    suffix = f"-{args.label}" if args.label else ""
    (out / f"public-load-{backend.lower()}{suffix}.json").write_text(json.dumps(result, indent=1, ensure_ascii=False))
    if not args.no_docs:
        runs = [json.loads(p.read_text()) for p in sorted(out.glob("public-load-*.json"))]
        bps.write_docs(render(sorted(runs, key=lambda r: (r["backend"] != "SQLite", r.get("label", "")))), START, END)
        log(f"wrote {bps.DOCS.relative_to(ROOT)}")
    ok = result["rps"] >= TARGET_RPS and result["p95"] <= TARGET_P95_MS and result["errors"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
