"""The solver library passes ruff with its stricter rules (solver/ruff.toml:
bugbear, complexity at most 15, sorted imports, pyupgrade, simplify); CI runs
this module with the rest of tests/."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUFF = Path(sys.executable).with_name("ruff")


def ruff(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(RUFF), "check", "--no-cache", "--output-format", "concise", *args],
                          cwd=ROOT, input=stdin, capture_output=True, text=True)


def test_the_solver_passes_its_rules():
    result = ruff("solver")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_stricter_rules_apply_to_the_solver_only():
    probe = "def pairs(a, b):\n    return list(zip(a, b))\n"
    inside = ruff("--stdin-filename", "solver/probe.py", "-", stdin=probe)
    assert "B905" in inside.stdout
    outside = ruff("--stdin-filename", "inspect_app/probe.py", "-", stdin=probe)
    assert outside.returncode == 0, outside.stdout
