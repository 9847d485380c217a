"""What the optimality certificate (draw protocol 7.5) costs: its size in the
outcome, and the time it adds to ``draw`` (potentials, tie test, tie-break)
and to ``verify`` (the check without solving), on the bench's county and city
instances (:mod:`bench.solver_instances`).

Usage::

    .venv/bin/python -m bench.bench_certificate                # county + city
    .venv/bin/python -m bench.bench_certificate --sizes county

Draw and verify run in this process, once per size, with timers wrapped
around the certificate's functions; the section between the markers in
``docs/performance.md`` is rewritten.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from pathlib import Path

from bench import solver_instances as gen
from bench.bench_solver import ROOT, ensure_instance, machine, write_section
from solver import assign
from solver import verify as pyverify
from solver.canonical import canonical_json
from solver.draw import draw
from solver.instance import load_instance

START, END = "<!-- certificate-bench:start -->", "<!-- certificate-bench:end -->"


class Timers:
    """Seconds spent in wrapped functions, by label."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def wrap(self, module: object, name: str, label: str) -> Callable[[], None]:
        original = getattr(module, name)

        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[label] = self.seconds.get(label, 0.0) + time.perf_counter() - t0

        setattr(module, name, timed)
        return lambda: setattr(module, name, original)


def measure(size: str, seed: int) -> dict:
    path, _, _ = ensure_instance(size, seed, False)
    instance = load_instance(str(path))
    timers = Timers()
    undo = [timers.wrap(assign, "_potentials", "potentials"), timers.wrap(assign, "_tied", "tie test"),
            timers.wrap(assign, "_break_ties", "tie-break"), timers.wrap(assign, "_solve_part", "team flows")]
    t0 = time.perf_counter()
    result = draw(instance)
    draw_seconds = time.perf_counter() - t0
    outcome = result.outcome()
    undo.append(timers.wrap(pyverify, "_check_certificate", "certificate check"))
    t0 = time.perf_counter()
    pyverify.verify_outcome(instance, outcome)
    verify_seconds = time.perf_counter() - t0
    for restore in undo:
        restore()
    cert = outcome["certificate"]
    cert_bytes = len(canonical_json(cert))
    return {
        "size": size, "visits": len(outcome["visits"]), "unfilled": len(outcome["unfilled"]),
        "inspectors": len(instance.inspectors),
        "potentials": sum(len(level) for level in cert["levels"]), "levels": len(cert["levels"]),
        "flow_teams": len(cert["flow_teams"]), "certificate_bytes": cert_bytes,
        "outcome_bytes": len(canonical_json(outcome)),
        "draw_seconds": draw_seconds, "verify_seconds": verify_seconds,
        "timers": {k: round(v, 3) for k, v in sorted(timers.seconds.items())},
    }


def section(rows: list[dict]) -> str:
    m = machine()
    lines = [
        "### The optimality certificate (draw protocol 7.5)",
        "",
        f"`bench/bench_certificate.py`, one in-process run per size, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average {os.getloadavg()[0]:.1f}; {m.get('cpu', '')} "
        f"{m.get('nproc', '')} cores; OR-Tools {m.get('ortools', '')}.".replace("  ", " "),
        "",
        "| size | visits | potentials (levels) | flow_teams | certificate | share of outcome | "
        "draw | of it: team flows (with certificate) / certificate (potentials, tie test) | verify | "
        "of it: certificate check |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        t = r["timers"]
        lines.append(
            f"| {r['size']} | {r['visits']:,} | {r['potentials']:,} ({r['levels']}) | {r['flow_teams']} | "
            f"{r['certificate_bytes'] / 1024:,.1f} KiB | {100 * r['certificate_bytes'] / r['outcome_bytes']:.1f} % | "
            f"{r['draw_seconds']:.2f} s | {t.get('team flows', 0):.2f} s / "
            f"{t.get('potentials', 0) + t.get('tie test', 0) + t.get('tie-break', 0):.2f} s | "
            f"{r['verify_seconds']:.2f} s | {t.get('certificate check', 0):.2f} s |")
    lines += ["", "The certificate is one integer per inspector eligible for an accepted place (level 0; "
              "further levels only where level 0 ties) plus the flow teams of visits changed by 7.4 or "
              "left without a day; *verify* still re-solves as well (section 10 step 6), so its added "
              "time is the certificate check. Most of the check is hashing r(v, i) for every arc of the "
              "accepted places (HMAC-SHA256, as the draw does); in the browser the check is the span from "
              "the end of the *rules* stage to the *schedule* stage in the in-browser table above."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="county,city")
    parser.add_argument("--seed", type=int, default=gen.DEFAULT_SEED)
    args = parser.parse_args(argv)
    rows = []
    for size in args.sizes.split(","):
        row = measure(size, args.seed)
        print(json.dumps(row), flush=True)
        rows.append(row)
    write_section(Path(ROOT / "docs" / "performance.md"), section(rows), "# Performance", START, END)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
