"""The solver core of the verifiable draw (双随机、一公开).

A pure library — no web framework, no database, no global state — that turns
an instance document into an outcome document, and checks one against the
other. The protocol is specified in ``docs/draw-protocol.md``.

>>> from solver import load_instance, draw, verify_outcome       # doctest: +SKIP
>>> instance = load_instance("instance.json")                    # doctest: +SKIP
>>> result = draw(instance)                                      # doctest: +SKIP
>>> verify_outcome(instance, result.outcome())                   # doctest: +SKIP
"""

from solver.calendar import working_days
from solver.draw import DrawResult, compare_policies, draw
from solver.errors import InputError, SolverError, VerificationFailed
from solver.instance import load_document, load_instance, parse_instance
from solver.verify import verify_outcome

__all__ = ["DrawResult", "InputError", "SolverError", "VerificationFailed", "compare_policies",
           "draw", "load_document", "load_instance", "parse_instance", "verify_outcome",
           "working_days"]
