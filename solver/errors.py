"""Exceptions raised by the solver core.

Every error a user can cause by handing us a bad document is an
:class:`InputError`; the CLI turns it into exit status 2 and prints its message,
never a traceback. A verification that finds a discrepancy raises
:class:`VerificationFailed` (exit status 1). The texts themselves come from
:mod:`solver.messages`.
"""

from __future__ import annotations


class SolverError(Exception):
    """Base class of every error the solver raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputError(SolverError):
    """A document (instance or outcome) cannot be read or is invalid.

    ``path`` is the JSON path of the offending value (``$.tasks[0].ratio.B``)
    when there is one.
    """

    def __init__(self, message: str, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


class VerificationFailed(SolverError):
    """An outcome is not the one its instance produces; the message names the
    first discrepancy found."""
