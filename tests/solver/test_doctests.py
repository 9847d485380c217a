"""Every example in the solver's docstrings runs as a test (CI runs
``./scripts/test``, which collects this module with the rest of ``tests/``)."""

import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

import solver

ROOT = Path(solver.__file__).parent
MODULES = sorted(info.name for info in pkgutil.walk_packages(solver.__path__, "solver.")
                 if info.name != "solver.__main__")  # (running it is the command line)


def _has_examples(name: str) -> bool:
    parts = name.split(".")[1:]
    path = ROOT.joinpath(*parts).with_suffix(".py")
    if not path.exists():
        path = ROOT.joinpath(*parts, "__init__.py")
    return ">>>" in path.read_text(encoding="utf-8")


def test_every_module_is_found():
    assert {"solver.canonical", "solver.instance.reader", "solver.instance.entities",
            "solver.registry", "solver.jsontext"} <= set(MODULES)
    assert sum(map(_has_examples, MODULES)) >= 15


@pytest.mark.parametrize("name", [m for m in MODULES if _has_examples(m)])
def test_doctests(name):
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    tests = finder.find(module, name, globs=vars(module).copy())
    for test in tests:
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted > 0, f"{name} has examples that doctest does not find"
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples of {name} fail"
