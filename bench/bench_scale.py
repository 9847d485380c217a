"""Scale benchmark of the team rule of format /3: the issue's "done when" table.

Usage::

    .venv/bin/python -m bench.bench_scale --sizes city-open             # a few minutes
    .venv/bin/python -m bench.bench_scale                               # all six: about 30-40 min
    .venv/bin/python -m bench.bench_scale --generators other --sizes province --old-timeout 300

For each instance — ``city-open``, ``province`` and ``province-open`` from the bench's own
generator (:mod:`bench.solver_instances`, ``bench/out/<size>.json``) and from the
independent one (:mod:`bench.other_instances`, ``bench/out/other-<size>.json``), generated
when missing or when the generator's source changed:

1. ``python -m solver draw`` in a child process ``--repeats`` times (PYTHONHASHSEED 0, 1,
   12345): median wall time end to end, peak RSS (GNU ``time``, see
   :func:`bench.bench_solver.run_measured`), the ``time:`` stage line of the median run;
   the outcomes must be byte-identical (sha256);
2. ``python -m solver verify`` once: wall time, peak RSS, must print ``verified``;
3. rule violations counted by the bench's own checker (:func:`bench.baselines.common.check`,
   which never imports ``solver``) and the largest load spread among inspectors of equal
   availability (:func:`bench.baselines.common.workload`), in a child process (it holds the
   whole instance in memory);
4. the old team rule (``--format inspect-draw-outcome/2``: every eligible inspector a
   candidate) once, killed after ``--old-timeout`` seconds; skipped for ``province-open``
   (about 1.7 billion place x inspector pairs).

Raw results: ``bench/out/scale-results.json`` (entries of sizes not re-run are kept, with
their date); the table goes to the marked section of ``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.bench_solver import OUT, PY, machine, run_measured, write_section  # noqa: E402

SIZES = ("city-open", "province", "province-open")
GENERATORS = ("own", "other")
HASH_SEEDS = ("0", "1", "12345")
OLD_FORMAT = "inspect-draw-outcome/2"
TARGET_SECONDS = {"city-open": 5.0, "province": 30.0, "province-open": 60.0}
TARGET_GIB = {"province-open": 8.0}
RESULTS = OUT / "scale-results.json"
MARK_START, MARK_END = "<!-- scale-bench:start -->", "<!-- scale-bench:end -->"


def log(*a) -> None:
    print(time.strftime("%H:%M:%S"), *a, file=sys.stderr, flush=True)


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


# ---------------------------------------------------------------------------------------
# instances

def instance_path(gen: str, size: str, seed: int | None) -> tuple[Path, dict]:
    """The instance file, generated when missing (own generator) or stale (other one)."""
    if gen == "own":
        path = OUT / f"{size}.json"
        if not path.exists():
            log(f"[own {size}] generating {path}")
            subprocess.run([PY, "-m", "bench.solver_instances", "--size", size, "-o", str(path)],
                           cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        return path, {}
    path, meta_p = OUT / f"other-{size}.json", OUT / f"other-{size}.meta.json"
    stamp = fingerprint(size, seed)
    meta = json.loads(meta_p.read_text()) if meta_p.exists() else {}
    if not path.exists() or meta.get("stamp") != stamp:
        log(f"[other {size}] generating {path}")
        r = run_measured([PY, "-m", "bench.other_instances", "--size", size, "-o", str(path)]
                         + (["--seed", str(seed)] if seed is not None else []), f"other-{size}.generate")
        if r["rc"] != 0:
            raise SystemExit(f"generator failed: {r['stderr']}")
        meta = json.loads(r["stdout"]) | {"stamp": stamp, "generate_wall": r["wall"],
                                          "generate_maxrss_mib": r["maxrss_mib"]}
        meta_p.write_text(json.dumps(meta, ensure_ascii=False, indent=1))
    return path, meta


def fingerprint(size: str, seed: int | None) -> str:
    """What the other generator writes now for the size cut to 60,000 entities (two
    chunks): the instance is regenerated when this changes, not when its source does."""
    probe = OUT / f".other-{size}.probe.json"
    subprocess.run([PY, "-m", "bench.other_instances", "--size", size, "--entities", "60000", "-o", str(probe)]
                   + (["--seed", str(seed)] if seed is not None else []), cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    digest = hashlib.sha256(probe.read_bytes()).hexdigest()[:16]
    probe.unlink()
    return digest


# ---------------------------------------------------------------------------------------
# measurements

def time_line(stdout: str) -> str:
    return next((line for line in stdout.splitlines() if line.startswith("time: ")), "")


def visits_line(stdout: str) -> dict:
    m = re.search(r"visits: (\d+) \((\d+) joint\), unfilled: (\d+)", stdout)
    return dict(zip(("visits", "joint", "unfilled"), map(int, m.groups()))) if m else {}


def draws(path: Path, name: str, repeats: int, lim: dict) -> dict:
    runs = []
    for k, hs in enumerate(HASH_SEEDS[:repeats]):
        out = OUT / f"{name}.scale-{k}.outcome.json"
        log(f"[{name}] draw {k + 1} of {repeats} (PYTHONHASHSEED={hs})")
        r = run_measured(["env", f"PYTHONHASHSEED={hs}", PY, "-m", "solver", "draw", str(path), "-o", str(out)],
                         f"{name}.scale-draw-{k}", **lim)
        r["hash_seed"] = hs
        r["sha256"] = hashlib.sha256(out.read_bytes()).hexdigest() if r["rc"] == 0 and out.exists() else None
        r["time_line"] = time_line(r["stdout"])
        r.update(visits_line(r["stdout"]))
        runs.append(r)
        log(f"[{name}]   rc={r['rc']} {r['wall']} s {r['maxrss_mib']} MiB")
        if r["rc"] != 0:
            break
    ok = [r for r in runs if r["rc"] == 0]
    med = sorted(ok, key=lambda r: r["wall"])[len(ok) // 2] if ok else runs[-1]
    return {"runs": [{k: v for k, v in r.items() if k not in ("stdout",)} for r in runs],
            "ok": len(ok) == repeats, "wall": statistics.median(r["wall"] for r in ok) if ok else None,
            "walls": [r["wall"] for r in runs], "maxrss_mib": max(r["maxrss_mib"] for r in runs),
            "identical": len({r["sha256"] for r in runs}) == 1 and runs[0]["sha256"] is not None,
            "time_line": med["time_line"], "cpu": round(med["user"] + med["sys"], 1), "outcome": str(OUT / f"{name}.scale-0.outcome.json"),
            **{k: med.get(k) for k in ("visits", "joint", "unfilled")}}


def rules_check(path: Path, outcome: Path) -> dict:
    """The independent checker in a child process (see :func:`check_main`)."""
    t0 = time.perf_counter()
    r = subprocess.run([PY, "-m", "bench.bench_scale", "--check", str(path), str(outcome)], cwd=ROOT,
                       capture_output=True, text=True)
    if r.returncode != 0:
        return {"error": r.stderr[-2000:]}
    res = json.loads(r.stdout)
    res["seconds"] = round(time.perf_counter() - t0, 1)
    return res


def check_main(path: str, outcome_path: str) -> int:
    """Count rule violations and the equal-availability load spread; prints JSON. Only the
    visited entities are kept (the checker looks nothing else up)."""
    import orjson

    from bench.baselines import common

    outcome = orjson.loads(Path(outcome_path).read_bytes())
    inst = orjson.loads(Path(path).read_bytes())
    visited = {v["uscc"] for v in outcome["visits"]}
    inst["entities"] = [e for e in inst["entities"] if e["uscc"] in visited]
    rules = common.Rules(inst)
    chk = common.check(inst, outcome["visits"], rules=rules)
    work = common.workload(inst, chk["load"], rules)
    print(json.dumps({"violations": dict(chk["violations"]), "examples": chk["examples"],
                      "total_violations": sum(chk["violations"].values()),
                      "balance": work["equal_avail_max_spread"], "balance_groups": work["equal_avail_groups"],
                      "balance_groups_over_1": work["equal_avail_groups_over_1"],
                      "department_spread": work["spread"]}, ensure_ascii=False))
    return 0


def bench_one(gen: str, size: str, a: argparse.Namespace) -> dict:
    name = size if gen == "own" else f"other-{size}"
    res: dict = {"generator": gen, "size": size, "loadavg_before": loadavg(),
                 "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}
    path, meta = instance_path(gen, size, a.seed)
    res["instance"] = {"path": str(path.relative_to(ROOT)), "bytes": path.stat().st_size, "generator": meta}
    lim = {"mem_limit_gib": a.mem_limit_gib, "timeout": a.timeout}
    res["draw"] = d = draws(path, name, a.repeats, lim)
    if d["ok"]:
        log(f"[{name}] verify")
        v = run_measured([PY, "-m", "solver", "verify", str(path), d["outcome"]], f"{name}.scale-verify", **lim)
        res["verify"] = {k: v[k] for k in ("rc", "wall", "maxrss_mib", "timed_out")}
        res["verify"]["cpu"] = round(v["user"] + v["sys"], 1)
        res["verify"]["verified"] = v["rc"] == 0 and v["stdout"].startswith("verified")
        res["verify"]["message"] = v["stdout"].strip()[:300]
        log(f"[{name}] verify rc={v['rc']} {v['wall']} s; independent rule check")
        res["check"] = rules_check(path, Path(d["outcome"]))
    if size == "province-open" and not a.old_on_province_open:
        res["old"] = {"skipped": "full eligibility is about 1.7 billion place x inspector pairs"}
    elif a.old_timeout > 0:
        log(f"[{name}] old team rule ({OLD_FORMAT}), timeout {a.old_timeout:.0f} s")
        out = OUT / f"{name}.scale-old.outcome.json"
        o = run_measured([PY, "-m", "solver", "draw", str(path), "-o", str(out), "--format", OLD_FORMAT],
                         f"{name}.scale-old", timeout=a.old_timeout, mem_limit_gib=a.mem_limit_gib)
        res["old"] = {k: o[k] for k in ("rc", "wall", "maxrss_mib", "timed_out", "timeout")}
        res["old"].update(visits_line(o["stdout"]), time_line=time_line(o["stdout"]))
        if o["rc"] != 0 and not o["timed_out"]:
            res["old"]["error"] = o["stderr"][-600:]
    res["loadavg_after"] = loadavg()
    return res


# ---------------------------------------------------------------------------------------
# report

def _gib(mib) -> str:
    return "—" if mib is None else f"{mib / 1024:.2f} GiB"


def _s(x) -> str:
    return "—" if x is None else f"{x:.1f} s"


def targets(r: dict) -> list[tuple[str, bool | None]]:
    """(target, met) for one instance; None = not measured."""
    d, size = r.get("draw", {}), r["size"]
    v, c = r.get("verify"), r.get("check") or {}
    out = [(f"draw ≤ {TARGET_SECONDS[size]:.0f} s", None if d.get("wall") is None
            else d["wall"] <= TARGET_SECONDS[size])]
    if size in TARGET_GIB:
        out.append((f"≤ {TARGET_GIB[size]:.0f} GiB", d.get("maxrss_mib", 1e9) / 1024 <= TARGET_GIB[size]))
    out.append(("identical outcomes", d.get("identical")))
    out.append(("verified", None if v is None else v["verified"]))
    out.append(("verify no slower than draw", None if v is None or d.get("wall") is None
                else v["wall"] <= d["wall"]))
    out.append(("0 violations", None if "total_violations" not in c else c["total_violations"] == 0))
    out.append(("balance ≤ 1", None if "balance" not in c else c["balance"] <= 1))
    return out


def _mark(ok) -> str:
    return "not measured" if ok is None else ("met" if ok else "**NOT met**")


def _old(o: dict | None) -> str:
    if not o:
        return "—"
    if "skipped" in o:
        return f"skipped ({o['skipped']})"
    if o.get("timed_out"):
        return f"killed after {o['timeout']:.0f} s"
    if o.get("rc") != 0:
        return f"failed (rc {o.get('rc')}, {_gib(o.get('maxrss_mib'))})"
    return f"{_s(o['wall'])}, {_gib(o['maxrss_mib'])}; {o.get('visits', '?'):,} staffed, {o.get('unfilled', '?'):,} unfilled"


def table(results: dict[str, dict]) -> str:
    keys = [f"{g}/{s}" for s in SIZES for g in GENERATORS if f"{g}/{s}" in results]
    head = "| | " + " | ".join(f"{k.split('/')[1]} ({k.split('/')[0]})" for k in keys) + " |"
    rows = [head, "|---" * (len(keys) + 1) + "|"]

    def row(label, fn):
        cells = []
        for k in keys:
            try:
                cells.append(fn(results[k]))
            except (KeyError, TypeError, ValueError, IndexError):
                cells.append("—")
        rows.append(f"| {label} | " + " | ".join(cells) + " |")

    row("instance file", lambda r: f"{r['instance']['bytes'] / 2 ** 20:,.0f} MiB")
    row("capacity / team places (generator's estimate)", lambda r: "{:.2f}".format(
        r["instance"]["generator"]["capacity"] / r["instance"]["generator"]["estimated_team_places"]))
    row("staffed / unfilled (joint)", lambda r: f"{r['draw']['visits']:,} / {r['draw']['unfilled']:,} "
        f"({r['draw']['joint']:,})")
    row("draw, median end to end", lambda r: f"**{_s(r['draw']['wall'])}** ({', '.join(f'{w:.1f}' for w in r['draw']['walls'])})")
    row("draw CPU (user + sys) of that run", lambda r: _s(r["draw"]["cpu"]))
    row("draw peak RSS", lambda r: _gib(r["draw"]["maxrss_mib"]))
    row("outcomes identical (PYTHONHASHSEED 0/1/12345)", lambda r: "yes" if r["draw"]["identical"] else "**NO**")
    row("verify (wall, CPU, RSS)", lambda r: f"{_s(r['verify']['wall'])}, {_s(r['verify']['cpu'])}, "
        f"{_gib(r['verify']['maxrss_mib'])}, "
        + ("verified" if r["verify"]["verified"] else f"**{r['verify']['message'][:80]}**"))
    row("rule violations (bench checker)", lambda r: str(r["check"]["total_violations"]) if not r["check"].get(
        "examples") else "**" + ", ".join(f"{k} {n}" for k, n in r["check"]["violations"].items()) + "**")
    row("load spread, equal availability", lambda r: f"{r['check']['balance']} "
        f"({r['check']['balance_groups_over_1']} of {r['check']['balance_groups']} groups > 1)")
    row("old rule (format /2), once", lambda r: _old(r.get("old")))
    row("load average before → after", lambda r: f"{r['loadavg_before'][0]:.1f} → {r['loadavg_after'][0]:.1f}")
    row("targets", lambda r: "<br>".join(f"{t}: {_mark(ok)}" for t, ok in targets(r)))
    return "\n".join(rows)


def report(results: dict[str, dict], meta: dict) -> str:
    m = machine()
    lines = [
        "## Scale benchmark: the team rule of format /3 (`bench/bench_scale.py`)",
        "",
        f"Measured {meta['start']} – {meta['end']} on {m['cpu'] or '?'} ({m['nproc']} cores, {m['ram_gib']} GiB), "
        f"Python {m['python']}, OR-Tools {m['ortools']}; load averages (1/5/15 min) before "
        f"{' / '.join(map(str, meta['loadavg_before']))}, after {' / '.join(map(str, meta['loadavg_after']))} "
        "(a machine shared with other benchmarks: wall times are upper bounds). Each column is one instance: "
        "the bench's own generator (`bench/solver_instances.py`) and an independent one "
        "(`bench/other_instances.py`, different structure, distributions and file layout). Draw: "
        "`python -m solver draw` in a child process, 3 runs with PYTHONHASHSEED 0, 1 and 12345, median "
        "wall time end to end (interpreter start, reading, writing), peak RSS of the child (GNU time). "
        "Violations: `bench/baselines/common.py` (never imports `solver`); load spread: the largest "
        "max − min load among inspectors of one department, jurisdiction, qualification set, max_visits "
        "and available days (`common.workload`).",
        "",
        table(results),
        "",
        "Stage times of the median draw (`time:` line of the CLI):",
        "",
    ]
    for k in [f"{g}/{s}" for s in SIZES for g in GENERATORS if f"{g}/{s}" in results]:
        r = results[k]
        lines.append(f"- {k} ({r['date']}): `{r.get('draw', {}).get('time_line', '')[6:] or '—'}`")
    examples = {k: r["check"]["examples"] for k, r in results.items() if (r.get("check") or {}).get("examples")}
    if examples:
        lines += ["", "Rule violations found (first example of each kind):", ""]
        lines += [f"- {k}: " + "; ".join(f"{kind}: {ex}" for kind, ex in ex_.items()) for k, ex_ in examples.items()]
    lines += ["", "Rerun: `.venv/bin/python -m bench.bench_scale` (all six: about 30–40 min, plus ~4 min to generate the other instances) or "
              "`--sizes city-open` (minutes); raw results in `bench/out/scale-results.json`."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    if argv is None and sys.argv[1:2] == ["--check"]:
        return check_main(*sys.argv[2:4])
    ap = argparse.ArgumentParser(description="scale benchmark of the format /3 team rule")
    ap.add_argument("--sizes", nargs="+", choices=SIZES, default=list(SIZES))
    ap.add_argument("--generators", nargs="+", choices=GENERATORS, default=list(GENERATORS))
    ap.add_argument("--repeats", type=int, default=3, choices=(1, 2, 3))
    ap.add_argument("--old-timeout", type=float, default=600.0,
                    help="kill the old-rule draw after so many seconds (default 600; 0 = skip it)")
    ap.add_argument("--old-on-province-open", action="store_true", help="run the old rule there too")
    ap.add_argument("--timeout", type=float, default=1800.0, help="kill a new-rule draw / verify after this")
    ap.add_argument("--mem-limit-gib", type=float, default=14.0, help="address-space limit of the children")
    ap.add_argument("--seed", type=int, help="seed of the other generator (default its own)")
    ap.add_argument("--no-docs", action="store_true", help="do not rewrite docs/performance.md")
    ap.add_argument("--report-only", action="store_true", help="table from bench/out/scale-results.json")
    a = ap.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    stored = json.loads(RESULTS.read_text()) if RESULTS.exists() else {"results": {}, "runs": []}
    if not a.report_only:
        meta = {"start": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                "loadavg_before": loadavg(), "machine": machine()}
        log(f"load average {meta['loadavg_before']}")
        for size in a.sizes:
            for gen in a.generators:
                r = bench_one(gen, size, a)
                stored["results"][f"{gen}/{size}"] = r
                RESULTS.write_text(json.dumps(stored, ensure_ascii=False, indent=1, default=str))
                for t, ok in targets(r):
                    log(f"[{gen} {size}] {t}: {_mark(ok)}")
        meta.update(end=dt.datetime.now(dt.timezone.utc).strftime("%H:%M UTC"), loadavg_after=loadavg())
        stored["runs"].append(meta)
        RESULTS.write_text(json.dumps(stored, ensure_ascii=False, indent=1, default=str))
    text = report(stored["results"], stored["runs"][-1])
    print(text)
    if not a.no_docs:
        write_section(ROOT / "docs" / "performance.md", text, "# Performance", MARK_START, MARK_END)
    return 0


if __name__ == "__main__":
    sys.exit(main())
