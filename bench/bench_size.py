"""The size guard's estimate (solver/size.py) against the bench instances.

    .venv/bin/python -m bench.bench_size            # county + city (about 1 min)
    .venv/bin/python -m bench.bench_size --all      # + province (5 M entities: several minutes)

For each size: the estimate with the instance's jurisdictions (``jurisdiction_digits``
6) and without them (the same instance read with 0), the actual place -> candidate
arcs of its team flows (every drawn visit's places with at most 16 of their eligible
inspectors, protocol 7.3: sampling, visits and eligibility as the draw computes them,
no flow solved; a part that widens has more) and whether
the default limits admit it. Rewrites the size-guard section of docs/performance.md.
Instances are those of ``bench/solver_instances.py``, cached in ``bench/out/`` as
``bench_solver.py`` caches them.
"""

from __future__ import annotations

import argparse
import dataclasses
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from solver.candidates import DEFAULT_BOUND  # noqa: E402
from solver.calendar import working_days  # noqa: E402
from solver.canonical import derive_seed  # noqa: E402
from solver.instance import load_instance  # noqa: E402
from solver.sampling import sample  # noqa: E402
from solver.size import Limits, estimate, instance_counts, refusals  # noqa: E402
from solver.teams import build_requests  # noqa: E402
from solver.visits import merge_samples  # noqa: E402

OUT = ROOT / "bench" / "out"
DOC = ROOT / "docs" / "performance.md"
START, END = "<!-- size-guard-bench:start -->", "<!-- size-guard-bench:end -->"


def instance_path(size: str) -> Path:
    path = OUT / f"{size}.json"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "bench.solver_instances", "--size", size, "-o", str(path)],
                       cwd=ROOT, check=True, capture_output=True)
    return path


def measure(size: str) -> dict:
    started = time.perf_counter()
    instance = load_instance(str(instance_path(size)))
    assert instance.secret is not None  # the generator writes one
    seconds_read = time.perf_counter() - started
    started = time.perf_counter()
    with_j = estimate(instance_counts(instance))
    seconds_estimate = time.perf_counter() - started
    unrestricted = dataclasses.replace(instance, policy=dataclasses.replace(instance.policy, jurisdiction_digits=0))
    without_j = estimate(instance_counts(unrestricted))
    seed = derive_seed(instance.secret, instance.input_digest, instance.external_entropy)
    visits = merge_samples(instance, sample(instance, seed))
    requests = build_requests(instance, visits, working_days(instance))
    actual = sum(min(len(slot.eligible), DEFAULT_BOUND) for r in requests for slot in r.slots)
    return {"size": size, "entities": with_j.entities, "with": with_j, "without": without_j, "actual_arcs": actual,
            "places": sum(len(r.slots) for r in requests), "seconds_read": seconds_read,
            "seconds_estimate": seconds_estimate}


def _m(n: int) -> str:
    return f"{n / 1e6:,.2f} M" if n < 1e9 else f"{n / 1e9:,.2f} billion"


def _gib(n: int) -> str:
    return f"{n / (1 << 30):.2f} GiB"


def report(rows: list[dict]) -> str:
    limits = Limits()
    lines = [START, "",
             "### Size guard: estimate against the bench instances (`bench/bench_size.py`)", "",
             f"Default limits: {_m(limits.max_arcs)} estimated arcs, {_gib(limits.max_memory)} estimated memory "
             "(settings `DRAW_MAX_FLOW_ARCS`, `DRAW_MAX_MEMORY_BYTES`). Actual arcs: the drawn visits' places "
             "with at most 16 of their eligible inspectors each (the team flows' place → candidate arcs, "
             "format /3).", "",
             "| | " + " | ".join(r["size"] for r in rows) + " |",
             "|---|" + "---|" * len(rows),
             "| entities | " + " | ".join(f"{r['entities']:,}" for r in rows) + " |",
             "| places: estimated / actual | " + " | ".join(f"{r['with'].places:,} / {r['places']:,}" for r in rows)
             + " |",
             "| arcs: estimated / actual | " + " | ".join(f"{_m(r['with'].arcs)} / {_m(r['actual_arcs'])}"
                                                        for r in rows) + " |",
             "| estimated memory | " + " | ".join(_gib(r["with"].memory) for r in rows) + " |",
             "| default limits | " + " | ".join("admitted" if not refusals(r["with"], limits)
                                                 else "refused: " + ", ".join(refusals(r["with"], limits))
                                                 for r in rows) + " |",
             "| without jurisdictions: arcs, memory | " + " | ".join(
                 f"{_m(r['without'].arcs)}, {_gib(r['without'].memory)}" for r in rows) + " |",
             "| without jurisdictions: default limits | " + " | ".join(
                 "admitted" if not refusals(r["without"], limits) else "refused: " + ", ".join(
                     refusals(r["without"], limits)) for r in rows) + " |",
             "| estimate time (instance read) | " + " | ".join(
                 f"{r['seconds_estimate']:.2f} s ({r['seconds_read']:.1f} s)" for r in rows) + " |",
             "", END]
    return "\n".join(lines)


def write(section: str) -> None:
    text = DOC.read_text(encoding="utf-8")
    if START in text:
        head, rest = text.split(START, 1)
        text = head + section + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    DOC.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true", help="the province too")
    args = parser.parse_args()
    rows = [measure(size) for size in (["county", "city", "province"] if args.all else ["county", "city"])]
    section = report(rows)
    print(section)
    write(section)


if __name__ == "__main__":
    main()
