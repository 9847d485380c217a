"""The services' refusals as problem documents: one handler per exception
class the services raise, so every API view answers a refused rule the
same way (and with the message the pages show, in the Accept-Language)."""

from __future__ import annotations

import sqlalchemy as sa

from ...services import draw_runs, draws, plans, review, visit_access
from ...services import results as results_service
from ...services.scope import ScopeError
from ...services.text_rules import TextError
from ...validation import ParameterError
from ...validation import message as parameter_message
from . import bp
from .problems import _rollback, from_exception, problem


def _refuse(*args, **kw):
    _rollback()  # nothing of a refused request is committed
    return problem(*args, **kw)


def _field_path(item, field: str) -> str:
    return f"$.{field}" if item is None else f"$.items.{item}.{field}"


@bp.errorhandler(visit_access.VisitNotFound)
@bp.errorhandler(review.ResultNotFound)
def _not_found(error):
    return _refuse(404, "not_found", "No such resource.")


@bp.errorhandler(results_service.ResultInvalid)
def _result_invalid(error):
    errors = [{"path": _field_path(e.item, e.field), "message": e.message} for e in error.errors]
    return _refuse(422, "rule_refused", str(error), errors=errors,
                   extra={"saved": error.saved, "state": error.state})


@bp.errorhandler(results_service.ResultError)
def _result_error(error):
    status = getattr(error, "status", 400)
    code = {403: "forbidden", 409: "conflict"}.get(status, "rule_refused")
    return _refuse(status if status in (403, 409) else 422, code, str(error))


@bp.errorhandler(review.ReviewError)
@bp.errorhandler(draws.DrawConflict)
def _conflict(error):
    return _refuse(409, "conflict", str(error))


@bp.errorhandler(ScopeError)
def _scope(error):
    return _refuse(403, "out_of_scope", error.message)


@bp.errorhandler(plans.PlanError)
def _plan_error(error):
    errors = [{"path": f"$.{error.field}", "message": error.message}] if error.field else None
    return _refuse(422, "rule_refused", error.message, errors=errors)


@bp.errorhandler(draws.DrawError)
@bp.errorhandler(draw_runs.RunError)
def _draw_error(error):
    return _refuse(422, "rule_refused", str(error))


@bp.errorhandler(TextError)
def _text_error(error):
    from ...services.text_rules import message as text_message

    return _refuse(422, "validation_failed", text_message(error),
                   errors=[{"path": f"$.{error.field}", "message": text_message(error)}])


@bp.errorhandler(ParameterError)
def _parameter_error(error):
    return _refuse(422, "validation_failed", parameter_message(error),
                   errors=[{"path": f"$.{error.field}", "message": parameter_message(error)}])


@bp.errorhandler(sa.exc.StatementError)
def _database_value(error):
    """A value the database refused (the flush checks should have caught it)."""
    if isinstance(error, sa.exc.DataError) or (not isinstance(error, sa.exc.DBAPIError)
                                                and isinstance(error.orig, (ValueError, TypeError, OverflowError))):
        return _refuse(422, "validation_failed", "A value is out of range or holds characters that are not allowed.")
    return from_exception(error)


@bp.errorhandler(OverflowError)
def _overflow(error):
    """sqlite3's bare OverflowError for an integer beyond 64 bits (the models bound ids; a safety net)."""
    return _refuse(422, "validation_failed", "A number is out of range.")
