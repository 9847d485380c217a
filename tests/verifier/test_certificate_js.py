"""certificate.js's check of the potential levels (draw protocol 7.5) gives
the same verdict and message as solver.certificate on the forced-tie flows of
tests/solver/test_certificate.py: a tie refused at level 0, broken at level 1,
and tampered potentials and members."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from solver import certificate
from solver.certificate import Place, break_ties, check
from tests.solver.test_certificate import CAPS, tie_places, with_levels

ROOT = Path(__file__).resolve().parents[2]
RUNNER = ROOT / "tests" / "verifier" / "js" / "certificate_levels.mjs"
NODE = shutil.which("node")


def _js_place(place: Place, levels: int) -> dict:
    costs = [list(c) for c in place.costs] + [[0] * len(place.eligible)] * (levels - len(place.costs))
    return {"name": place.name, "eligible": list(place.eligible), "members": list(place.members), "costs": costs}


def cases() -> list[tuple[str, list[Place], dict[str, int], list[dict[str, int]]]]:
    solved = with_levels(tie_places("a"), 1)
    pi = certificate.shortest_potentials(["a", "b", certificate.SINK], certificate.moves(solved, CAPS, 0))
    assert isinstance(pi, dict)
    levels = break_ties(solved, CAPS, pi, with_levels)
    other = with_levels(tie_places("a"), 1)
    raised = [dict(levels[0], a=levels[0]["a"] + 1), levels[1]]
    return [
        ("broken tie", solved, CAPS, levels),
        ("tie with level 0 only", tie_places("a"), CAPS, [pi]),
        ("the other optimum", other, CAPS, levels),
        ("raised potential", solved, CAPS, raised),
        ("dropped potential", solved, CAPS, [{"b": levels[0]["b"]}, levels[1]]),
        ("one level too many", solved, CAPS, [*levels, {}]),
        ("members swapped for a costlier one", [Place("P1", "U1", ("a", "b"), ("b",), ((5, 9),))],
         {"a": 1, "b": 1}, [{"a": -certificate.BIG, "b": -certificate.BIG + 4}]),
    ]


def test_javascript_and_python_agree_on_the_levels(tmp_path):
    chosen = cases()
    path = tmp_path / "levels.json"
    path.write_text(json.dumps([{"places": [_js_place(p, len(levels)) for p in places], "caps": caps, "levels": levels}
                                for _, places, caps, levels in chosen]))
    done = subprocess.run([NODE, str(RUNNER), str(path)], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    verdicts = {}
    for (name, places, caps, levels), js in zip(chosen, results, strict=True):
        python = check(places, caps, levels)
        assert (js and js["message"]) == python, name
        verdicts[name] = python
    assert verdicts["broken tie"] is None
    assert verdicts["tie with level 0 only"].startswith("certificate.levels[1]: the optimum of level 0 is not unique")
    assert all(verdicts[name] for name in verdicts if name != "broken tie")
