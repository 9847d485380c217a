"""Reader benchmark: the same instance in several layouts, read and drawn.

Usage::

    .venv/bin/python -m bench.bench_reader                        # city, 3 runs per layout
    .venv/bin/python -m bench.bench_reader --size county --runs 1
    .venv/bin/python -m bench.bench_reader --old /path/to/old/checkout   # + the old reader, once

The instance comes from :mod:`bench.solver_instances` (``bench/out/<size>.json``, made by
:func:`bench.bench_solver.ensure_instance`). From it this bench writes, with the same
content (the same JSON value):

* ``generated`` — the file as the generator writes it (its own key order, entities last,
  one entity a line);
* ``sorted`` — every object's keys sorted, no white space (the canonical layout);
* ``shuffled`` — every object's keys (at every level) in a random order, no white space;
* ``reverse-sorted`` — every object's keys in descending order, no white space (the entity
  array then comes before ``draw_id``, ``departments``, ``conflicts`` and ``calendar``: the
  old reader's slowest case);
* ``shuffled-indented-ascii`` — the shuffled document indented and with ``ensure_ascii``
  (a larger file: more bytes to read, not a different order).

Each layout is drawn by ``python -m solver draw`` in a child process (``--runs`` rounds, each
drawing every layout once, so that a shared machine's load drifts alike for all; the median
wall time is reported) and every outcome must be byte-identical to the others. The
goal (issue 13): ``shuffled`` and ``reverse-sorted`` within 1.15x of ``sorted``. ``--old``
runs another checkout's solver (e.g. the commit before the one-reader change) on ``sorted``,
``shuffled`` and ``reverse-sorted`` once, for comparison. Results: ``bench/out/results-reader-<size>.json`` and a table on stdout.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.bench_solver import OUT, PY, ensure_instance, log, parse_timings, run_measured  # noqa: E402
from bench.solver_instances import DEFAULT_SEED, reverse_sorted, shuffled  # noqa: E402

LAYOUTS = ("generated", "sorted", "shuffled", "reverse-sorted", "shuffled-indented-ascii")
GOAL = 1.15  # shuffled / sorted
# the CLI's stages that read the file (this reader's, and the old reader's combined one)
READ_STAGES = ("read", "digest", "parse", "entities", "read, digest and parse entities")


def write_layouts(source: Path, size: str) -> dict[str, Path]:
    """The layouts of ``source`` (rewritten when ``source`` is newer)."""
    paths = {"generated": source}
    wanted = {name: OUT / f"{size}-{name}.json" for name in LAYOUTS[1:]}
    if all(p.exists() and p.stat().st_mtime >= source.stat().st_mtime for p in wanted.values()):
        return paths | wanted
    log(f"[{size}] writing the layouts")
    doc = orjson.loads(source.read_bytes())
    wanted["sorted"].write_bytes(orjson.dumps(doc, option=orjson.OPT_SORT_KEYS))
    wanted["reverse-sorted"].write_text(json.dumps(reverse_sorted(doc), ensure_ascii=False, separators=(",", ":")),
                                        encoding="utf-8")
    mixed = shuffled(doc, random.Random(13))
    del doc
    wanted["shuffled"].write_text(json.dumps(mixed, ensure_ascii=False, separators=(",", ":")),
                                  encoding="utf-8")
    wanted["shuffled-indented-ascii"].write_text(json.dumps(mixed, ensure_ascii=True, indent=1),
                                                 encoding="utf-8")
    return paths | wanted


def draw_command(path: Path, out: Path, old: Path | None) -> list[str]:
    if old is None:
        return [PY, "-m", "solver", "draw", str(path), "-o", str(out)]
    run_old = (f"import sys, runpy; sys.path.insert(0, {str(old)!r}); "
               "runpy.run_module('solver', run_name='__main__')")
    return [PY, "-c", run_old, "draw", str(path), "-o", str(out)]


def run_once(name: str, path: Path, k: int, old: Path | None = None) -> dict:
    out = OUT / f"reader-{name}-{k}.outcome.json"
    r = run_measured(draw_command(path, out, old), f"reader-{name}-{k}")
    if r["rc"] != 0:
        raise SystemExit(f"{name}: draw failed: {r['stderr'][-800:]}")
    stages = dict(parse_timings(r["stdout"]))
    log(f"  {name} run {k + 1}: {r['wall']:.1f} s, {r['maxrss_mib']:.0f} MiB")
    return {"wall": r["wall"], "rss": r["maxrss_mib"], "stages": stages,
            "read": sum(stages.get(key, 0.0) for key in READ_STAGES),
            "outcome": hashlib.sha256(out.read_bytes()).hexdigest()}


def summarise(name: str, path: Path, runs: list[dict]) -> dict:
    return {"layout": name, "file": str(path), "bytes": path.stat().st_size,
            "walls": [r["wall"] for r in runs], "median": statistics.median(r["wall"] for r in runs),
            "min": min(r["wall"] for r in runs),
            "read_median": round(statistics.median(r["read"] for r in runs), 2),
            "maxrss_mib": max(r["rss"] for r in runs), "outcomes": sorted({r["outcome"] for r in runs}),
            "stages": [r["stages"] for r in runs]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", default="city", choices=("county", "city", "province"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--old", type=Path, help="a checkout whose solver/ is the old reader")
    a = ap.parse_args(argv)
    source, _, meta = ensure_instance(a.size, a.seed, regen=False)
    paths = write_layouts(source, a.size)
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    load_before = os.getloadavg()
    runs: dict[str, list[dict]] = {name: [] for name in LAYOUTS}
    for k in range(a.runs):  # round by round, so that the load of a shared machine drifts alike for all
        log(f"[{a.size}] round {k + 1} of {a.runs}")
        for name in LAYOUTS:
            runs[name].append(run_once(name, paths[name], k))
    results = [summarise(name, paths[name], runs[name]) for name in LAYOUTS]
    old = []
    if a.old:
        for name in ("sorted", "shuffled", "reverse-sorted"):
            log(f"[{a.size}] {name} with the old reader ({a.old})")
            old.append(summarise(f"old-{name}", paths[name], [run_once(f"old-{name}", paths[name], 0, a.old)]))
    outcomes = {d for r in results + old for d in r["outcomes"]}
    by = {r["layout"]: r for r in results}
    ratio = max(by[name]["median"] for name in ("shuffled", "reverse-sorted")) / by["sorted"]["median"]
    # the fastest run of each: the least disturbed by other work on a shared machine
    ratio_min = max(by[name]["min"] for name in ("shuffled", "reverse-sorted")) / by["sorted"]["min"]
    summary = {
        "size": a.size, "entities": meta.get("entities"), "inspectors": meta.get("inspectors"),
        "started": started, "machine": f"{platform.node()} {os.cpu_count()} cores {platform.python_version()}",
        "load_before": [round(x, 2) for x in load_before], "load_after": [round(x, 2) for x in os.getloadavg()],
        "runs": a.runs, "results": results, "old": old, "ratio_shuffled_sorted": round(ratio, 3),
        "ratio_of_fastest_runs": round(ratio_min, 3),
        "goal": GOAL, "met": ratio <= GOAL, "outcomes_identical": len(outcomes) == 1,
    }
    (OUT / f"results-reader-{a.size}.json").write_text(json.dumps(summary, indent=1))
    print(f"{a.size}: {meta.get('entities'):,} entities, {started}, load {summary['load_before']} -> "
          f"{summary['load_after']}, {a.runs} run(s) per layout")
    print("| layout | file | draw (median) | fastest | runs | read+digest+parse (median) | peak RSS |")
    print("|---|---|---|---|---|---|---|")
    for r in results + old:
        print(f"| {r['layout']} | {r['bytes'] / 1e6:.0f} MB | {r['median']:.1f} s | {r['min']:.1f} s | "
              f"{', '.join(f'{w:.1f}' for w in r['walls'])} | {r['read_median']:.1f} s | {r['maxrss_mib']:.0f} MiB |")
    print(f"slower of shuffled and reverse-sorted / sorted = {ratio:.3f} on medians, {ratio_min:.3f} on the fastest "
          f"runs (goal <= {GOAL}); outcomes byte-identical: {summary['outcomes_identical']}")
    return 0 if summary["met"] and summary["outcomes_identical"] else 1


if __name__ == "__main__":
    sys.exit(main())
