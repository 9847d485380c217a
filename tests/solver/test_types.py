"""The solver library type-checks with mypy (pinned in requirements.txt,
configured in pyproject.toml's [tool.mypy]); CI runs this module with the rest
of tests/."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def mypy(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mypy", "--no-incremental", "--cache-dir", "/dev/null", *args],
                          cwd=ROOT, capture_output=True, text=True)


def test_the_solver_has_no_type_errors():
    result = mypy()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues found" in result.stdout and "source files" in result.stdout


def test_mypy_reports_a_type_error(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("def f(n: int) -> str:\n    return n\n", encoding="utf-8")
    result = mypy("--config-file", "pyproject.toml", str(probe))
    assert result.returncode == 1 and "Incompatible return value type" in result.stdout
