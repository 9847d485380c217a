"""Bench: the in-browser draw verifier (issue 10) in headless Chromium.

For a county (50,000 entities) and a city (500,000) instance of the bench
generator (``bench/solver_instances.py``, seed 20270101): draw it with
``python -m solver draw``, write the register file the public register would
serve after the seal (``inspect-register/1``: code, frozen digest, commitment,
entropy, input and result digests), serve the documents and
``inspect_app/static/verify/`` from a local static server on 127.0.0.1 under
the public URLs (``/draws/<code>/instance.json`` …), and time, in Debian's
Chromium driven by Playwright, a tiny page that starts ``worker.js`` exactly
as the draw page does: from the message to the report, downloads included.

Targets (issue 10): county ≤ 15 s, city ≤ 120 s.

Usage::

    .venv/bin/python -m bench.bench_browser_verify                 # county and city, writes docs/performance.md
    .venv/bin/python -m bench.bench_browser_verify --sizes county --no-docs
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
DOCS = ROOT / "docs" / "performance.md"
STATIC = ROOT / "inspect_app" / "static" / "verify"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
START, END = "<!-- browser-verify-bench:start -->", "<!-- browser-verify-bench:end -->"
TARGETS = {"county": 15.0, "city": 120.0}

PAGE = """<!doctype html><meta charset="utf-8"><title>verify bench</title>
<script type="module">
const stages = {};
const t0 = performance.now();
const w = new Worker("/static/verify/worker.js", {type: "module"});
w.onmessage = (e) => {
  const m = e.data, t = (performance.now() - t0) / 1000;
  if (m.type === "progress") {
    const s = stages[m.stage] || (stages[m.stage] = {first: t, last: t});
    s.last = t;
  } else {
    window.benchResult = {type: m.type, seconds: (performance.now() - t0) / 1000, stages,
      verdict: m.report ? m.report.verdict : null, first: m.report ? m.report.first : null,
      checks: m.report ? m.report.checks : null, warnings: m.report ? m.report.warnings : null,
      message: m.message || null};
  }
};
w.onerror = (e) => { window.benchResult = {type: "error", message: e.message || "worker error"}; };
w.postMessage({urls: {instance: "/draws/CODE/instance.json", outcome: "/draws/CODE/outcome.json",
                      register: "/draws/CODE/register.json"}});
</script>
"""


def log(message: str) -> None:
    print(f"[{datetime.now(timezone.utc):%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def prepare(size: str) -> dict:
    """Instance, outcome and register of ``size`` under bench/out/ (reused when present)."""
    from bench.solver_instances import generate
    from solver.canonical import commitment, input_and_frozen_digest

    OUT.mkdir(parents=True, exist_ok=True)
    instance_path = OUT / f"{size}.json"
    if not instance_path.exists():
        log(f"{size}: generating the instance")
        generate(size, str(instance_path), quiet=True)
    outcome_path = OUT / f"browser-verify-{size}-outcome.json"
    if not outcome_path.exists() or outcome_path.stat().st_mtime < instance_path.stat().st_mtime:
        log(f"{size}: drawing")
        subprocess.run([sys.executable, "-m", "solver", "draw", str(instance_path), "-o", str(outcome_path)],
                       cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    doc = json.loads(instance_path.read_bytes())
    digest, frozen = input_and_frozen_digest(doc)
    outcome_bytes = outcome_path.read_bytes()
    register = {
        "format": "inspect-register/1", "code": doc["draw_id"], "parent_code": None, "redraw_visit": None,
        "redraw_reason": None, "plan": {"number": "bench", "name": size}, "tasks": [t["id"] for t in doc["tasks"]],
        "window": doc["window"], "entropy_source": "bench", "external_entropy": doc.get("external_entropy", ""),
        "frozen_digest": frozen.hex(), "commitment": commitment(bytes.fromhex(doc["secret"])).hex(),
        "input_digest": digest.hex(),
        "result_digest": hashlib.sha256(outcome_bytes.rstrip(b"\n")).hexdigest(),
        "state": "sealed", "revealed": True, "committed_at": None, "sealed_at": None, "revealed_at": None,
    }
    outcome = json.loads(outcome_bytes)
    return {
        "code": doc["draw_id"],
        "files": {"instance.json": instance_path.read_bytes(), "outcome.json": outcome_bytes,
                  "register.json": json.dumps(register, ensure_ascii=False, sort_keys=True,
                                              separators=(",", ":")).encode()},
        "entities": len(doc["entities"]), "visits": len(outcome["visits"]), "unfilled": len(outcome["unfilled"]),
    }


def serve(code: str, files: dict[str, bytes]) -> ThreadingHTTPServer:
    page = PAGE.replace("CODE", code).encode()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # quiet
            pass

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            path = self.path.split("?")[0]
            body, kind = None, "application/json"
            if path == "/bench.html":
                body, kind = page, "text/html; charset=utf-8"
            elif path.startswith(f"/draws/{code}/") and path.rsplit("/", 1)[1] in files:
                body = files[path.rsplit("/", 1)[1]]
            elif path.startswith("/static/verify/") and "/" not in path[len("/static/verify/"):]:
                name = path[len("/static/verify/"):]
                source = STATIC / name
                if source.is_file():
                    body, kind = source.read_bytes(), "text/javascript; charset=utf-8"
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def measure(size: str, timeout_s: float) -> dict:
    from playwright.sync_api import sync_playwright

    data = prepare(size)
    server = serve(data["code"], data["files"])
    url = f"http://127.0.0.1:{server.server_port}/bench.html"
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            page = browser.new_page()
            log(f"{size}: verifying in Chromium")
            started = time.perf_counter()
            page.goto(url)
            page.wait_for_function("window.benchResult !== undefined", timeout=timeout_s * 1000, polling=200)
            wall = time.perf_counter() - started
            result = page.evaluate("window.benchResult")
            browser.close()
    finally:
        server.shutdown()
    result.update(size=size, wall=wall, entities=data["entities"], visits=data["visits"],
                  unfilled=data["unfilled"],
                  bytes={k: len(v) for k, v in data["files"].items()})
    log(f"{size}: {result['type']} {result.get('verdict')} in {result['seconds']:.1f} s")
    return result


def render(results: list[dict]) -> str:
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True, check=False).stdout.strip()
    chromium = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True, check=False).stdout.strip()
    lines = [START, "## In-browser verification (`bench/bench_browser_verify.py`, issue 10)", "",
             f"Measured {when} at `{commit}` on {platform.machine()}, {os.cpu_count()} CPUs (shared), "
             f"{chromium or 'Chromium'} headless, driven by Playwright. The instances are the solver bench's "
             "(`bench/solver_instances.py`, seed 20270101), drawn by `python -m solver draw`; a local static "
             "server on 127.0.0.1 serves them under the public URLs with the register file of a sealed draw, "
             "and a page starts `static/verify/worker.js` as the draw page does. Time: from the message to "
             "the worker until its report, downloads included.", ""]
    lines += ["| | " + " | ".join(r["size"] for r in results) + " |",
              "|---|" + "---|" * len(results)]
    row = lambda name, f: lines.append(f"| {name} | " + " | ".join(f(r) for r in results) + " |")  # noqa: E731
    row("entities; staffed / unfilled visits", lambda r: f"{r['entities']:,}; {r['visits']:,} / {r['unfilled']:,}")
    row("instance / outcome size", lambda r: f"{r['bytes']['instance.json'] / 1e6:.0f} MB / "
        f"{r['bytes']['outcome.json'] / 1e6:.1f} MB")
    row("verdict", lambda r: f"{r.get('verdict') or r['type']}")
    row("**verification, end to end**", lambda r: f"**{r['seconds']:.1f} s**")
    row("target", lambda r: f"≤ {TARGETS[r['size']]:.0f} s — " + ("met" if r["seconds"] <= TARGETS[r["size"]]
                                                                  else "NOT met"))
    row("stages (s, first→last progress)", lambda r: "; ".join(
        f"{k} {v['first']:.1f}→{v['last']:.1f}" for k, v in sorted(r.get("stages", {}).items(),
                                                                    key=lambda kv: kv[1]["first"])))
    lines += ["", END]
    return "\n".join(lines)


def write_docs(section: str) -> None:
    text = DOCS.read_text(encoding="utf-8")
    if START in text and END in text:
        before, rest = text.split(START, 1)
        _, after = rest.split(END, 1)
        text = before + section + after
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    DOCS.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="county,city")
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument("--no-docs", action="store_true")
    args = parser.parse_args(argv)
    results = [measure(size, args.timeout) for size in args.sizes.split(",")]
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "browser-verify-results.json").write_text(json.dumps(results, indent=1, ensure_ascii=False))
    section = render(results)
    print(section)
    if not args.no_docs:
        write_docs(section)
        log(f"wrote {DOCS.relative_to(ROOT)}")
    return 0 if all(r["type"] == "report" for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
