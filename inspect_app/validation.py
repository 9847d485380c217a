"""One validation layer for what arrives over HTTP and what is stored.

Four mechanisms, installed by the app factory and :mod:`inspect_app.db`:

* :class:`BoundedIntConverter` replaces werkzeug's ``int`` URL converter:
  ``<int:...>`` never matches a value above the database's id range
  (PostgreSQL ``INTEGER``, :data:`DB_INT_MAX`), so such a URL is a 404 instead
  of a database error.
* :func:`int_value` / :func:`arg_int` parse integer query and form parameters
  (page numbers, counts, ids) with bounds; a refusal is a
  :class:`ParameterError` naming the parameter.
* :func:`check_request_values` (a ``before_request`` hook) refuses with 400 any
  query, form or URL value, parameter name or upload file name holding a
  character :mod:`inspect_app.services.text_rules` forbids even in multi-line
  text (NUL and the other controls except TAB/LF/CR, bidi overrides, …).
  Uploaded file *contents* are checked by the importer, cell by cell.
* :func:`check_flush` (a ``before_flush`` listener on the ORM session class)
  checks every new or changed string attribute against its column: the
  ``String(n)`` length, or for ``Text`` columns ``info["max_length"]`` or
  :data:`TEXT_MAX_LENGTH`; line breaks only in ``Text`` columns. It raises
  :class:`~inspect_app.services.text_rules.TextError` naming ``table.column``,
  identically on SQLite (which does not enforce VARCHAR lengths) and
  PostgreSQL (which raises). Integer attributes must fit their column on
  PostgreSQL (``INTEGER``: 32 bits; SQLite would take 64), else
  :class:`ParameterError` (``value_range``). Core statements (bulk imports, conditional
  updates) bypass the ORM; their services check the values they write, with
  :func:`column_limits` for the same bounds.

:func:`init_app` registers the converter, the hook and the error handlers:
:class:`TextError` and :class:`ParameterError` become a 400 page in the
user's language; a database ``DataError`` (or a value the driver could not
bind) that got past all of this becomes a generic 400 and is logged.
"""

from __future__ import annotations

import logging
import re

import sqlalchemy as sa
from werkzeug.routing import IntegerConverter

from .services.text_rules import TextError, check_text, first_bad_character

log = logging.getLogger(__name__)

DB_INT_MAX = 2_147_483_647  # PostgreSQL INTEGER, the type of every id column
TEXT_MAX_LENGTH = 20_000  # default bound of a Text column (override: Column(..., info={"max_length": n}))
MAX_PAGE = 1_000_000  # highest page number a list accepts
_INTEGER = re.compile(r"[+-]?[0-9]+")  # ASCII digits only: '²'.isdigit() is True, int('²') fails


class ParameterError(ValueError):
    """A refused request parameter: ``field`` names it, ``code`` says why
    (``control``, ``not_int``, ``range``, ``format``; ``value_range`` for an
    integer column, from the flush check); :func:`message` renders it in the
    user's language."""

    def __init__(self, field: str, code: str, **params) -> None:
        self.field, self.code, self.params = field, code, params
        super().__init__(f"{field}: {code} {params}")


def message(error: ParameterError) -> str:
    from .services.messages import _

    f = error.field
    if error.code == "control":
        return _("参数 %(f)s 含有不允许的字符（%(c)s，第 %(p)s 个字符）", f=f, c=error.params["char"],
                 p=error.params["position"])
    if error.code == "not_int":
        return _("参数 %(f)s 应为整数", f=f)
    if error.code == "range":
        return _("参数 %(f)s 应在 %(a)s 到 %(b)s 之间", f=f, a=error.params["minimum"], b=error.params["maximum"])
    if error.code == "value_range":  # a stored column (the flush check)
        return _("%(f)s 的值超出范围：应在 %(a)s 到 %(b)s 之间", f=f, a=error.params["minimum"],
                 b=error.params["maximum"])
    return _("参数 %(f)s 的格式不正确：%(e)s", f=f, e=error.params.get("expected", ""))


# --- URL converter -----------------------------------------------------------

class BoundedIntConverter(IntegerConverter):
    """werkzeug's ``int`` with ASCII digits only and ``max`` defaulting to
    the database's id range: ``/plans/9223372036854775808`` does not match
    (404) rather than reaching the database."""

    regex = r"[0-9]+"

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = DB_INT_MAX,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


# --- integer parameters ------------------------------------------------------

def int_value(raw, field: str, *, minimum: int = 1, maximum: int = DB_INT_MAX) -> int:
    """``raw`` (a query or form value) as an int in [minimum, maximum], or
    :class:`ParameterError`: only ASCII digits with an optional sign count
    (not ``1e20``, ``²`` or ``1.0``), so the value also fits the database."""
    text = str(raw if raw is not None else "").strip()
    if not _INTEGER.fullmatch(text) or len(text) > 30:
        raise ParameterError(field, "not_int")
    value = int(text)
    if not minimum <= value <= maximum:
        raise ParameterError(field, "range", minimum=minimum, maximum=maximum)
    return value


def arg_int(name: str, default: int = 1, *, minimum: int = 1, maximum: int = MAX_PAGE, args=None) -> int:
    """An integer query parameter such as ``page``: missing or not a number →
    ``default``; below ``minimum`` → ``minimum``; above ``maximum`` →
    :class:`ParameterError` (400), since no list has that many pages."""
    if args is None:
        from flask import request

        args = request.args
    raw = (args.get(name) or "").strip()
    if not _INTEGER.fullmatch(raw):
        return default
    if len(raw) > 30 or int(raw) > maximum:
        raise ParameterError(name, "range", minimum=minimum, maximum=maximum)
    return max(minimum, int(raw))


def id_list(values, field: str) -> list[int]:
    """Form values that must all be ids (checkbox lists such as ``items``)."""
    return [int_value(v, field, minimum=1, maximum=DB_INT_MAX) for v in values if str(v).strip()]


# --- request values ----------------------------------------------------------

def _check_value(name: str, value: str) -> None:
    bad = first_bad_character(value, multiline=True)
    if bad is not None:
        position, char = bad
        raise ParameterError(name, "control", char=f"U+{ord(char):04X}", position=position)


def check_request_values() -> None:
    """``before_request``: every parameter name and value of the query
    string, the form and the URL path, and every upload's file name, holds
    only characters text_rules allows in multi-line text."""
    from flask import request

    sources = [request.args]
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        sources.append(request.form)
    for source in sources:
        for name, value in source.items(multi=True):
            _check_value(name, name)
            _check_value(name, value)
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str):
            _check_value(name, value)
    if request.method in ("POST", "PUT", "PATCH"):
        for name, upload in request.files.items(multi=True):
            _check_value(name, name)
            _check_value(name, upload.filename or "")


# --- the storage backstop ----------------------------------------------------

def column_limits(column: sa.Column) -> tuple[int, bool] | None:
    """(max_length, multiline) of a string column, or None for other types:
    ``String(n)`` → (n, False); ``Text`` → (``info["max_length"]`` or
    :data:`TEXT_MAX_LENGTH`, True); a ``String`` without length → the Text
    default, single-line."""
    col_type = column.type
    if isinstance(col_type, sa.types.TypeDecorator):  # sqlmodel's AutoString wraps String(n)
        col_type = col_type.impl_instance
    if not isinstance(col_type, sa.String) or isinstance(col_type, sa.Enum):
        return None
    multiline = isinstance(col_type, sa.Text)
    bound = column.info.get("max_length") or col_type.length or TEXT_MAX_LENGTH
    return int(bound), multiline


_rules_cache: dict = {}


def integer_range(column: sa.Column) -> tuple[int, int] | None:
    """The range an integer column holds on PostgreSQL (SQLite holds 64 bits,
    so the narrower bound is the one both enforce alike)."""
    col_type = column.type
    if isinstance(col_type, sa.types.TypeDecorator):
        col_type = col_type.impl_instance
    if not isinstance(col_type, sa.Integer):
        return None
    bits = 64 if isinstance(col_type, sa.BigInteger) else 16 if isinstance(col_type, sa.SmallInteger) else 32
    return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1


def _rules(mapper) -> list[tuple]:
    """(attribute, "table.column", kind, a, b) per checked column: kind
    "text" with (max_length, multiline), or "int" with (minimum, maximum)."""
    rules = _rules_cache.get(mapper)
    if rules is None:
        rules = []
        for prop in mapper.column_attrs:
            for column in prop.columns:
                if not isinstance(column, sa.Column) or column.table is None:
                    continue
                field = f"{column.table.name}.{column.name}"
                limits = column_limits(column)
                if limits is not None:
                    rules.append((prop.key, field, "text", *limits))
                    break
                bounds = integer_range(column)
                if bounds is not None:
                    rules.append((prop.key, field, "int", *bounds))
                    break
        _rules_cache[mapper] = rules
    return rules


def check_object(obj, only_changed: bool = False) -> None:
    """Check ``obj``'s string and integer attributes (only the changed ones
    when ``only_changed``); raises :class:`TextError` (strings) or
    :class:`ParameterError` (integers out of the column's range), naming
    ``table.column``."""
    state = sa.inspect(obj)
    for key, field, kind, a, b in _rules(state.mapper):
        if only_changed:
            history = state.attrs[key].history
            if not history.added:
                continue
            values = history.added
        else:
            values = [state.dict.get(key)]
        for value in values:
            if kind == "text":
                if isinstance(value, str):
                    check_text(value, field=field, max_length=a, multiline=b, strip=False)
            elif isinstance(value, int) and not a <= value <= b:
                raise ParameterError(field, "value_range", value=value, minimum=a, maximum=b)


def check_flush(session, _flush_context, _instances) -> None:
    """``before_flush``: nothing is written that text_rules refuses."""
    for obj in session.new:
        check_object(obj)
    for obj in session.dirty:
        if session.is_modified(obj, include_collections=False):
            check_object(obj, only_changed=True)


def install_flush_check(session_class) -> None:
    if not sa.event.contains(session_class, "before_flush", check_flush):
        sa.event.listen(session_class, "before_flush", check_flush)


# --- Flask wiring ------------------------------------------------------------

def _bad_request(text: str, field: str | None = None):
    from flask import render_template

    from .db import get_session

    try:
        get_session().rollback()
    except Exception:  # pragma: no cover - the page must still render
        log.exception("rollback after a refused request failed")
    return render_template("errors/400.html", message=text, field=field), 400


def _text_error(error: TextError):
    from .services.text_rules import message as text_message

    return _bad_request(text_message(error), error.field)


def _parameter_error(error: ParameterError):
    return _bad_request(message(error), error.field)


def _database_value_error(error: sa.exc.StatementError):
    """Last line of defence: a value the database or its driver refused.
    The specific checks above should have caught it first; log it."""
    from flask import request

    from .services.messages import _

    if isinstance(error, sa.exc.DBAPIError) and not isinstance(error, sa.exc.DataError):
        raise error  # not a bad value: a real server error
    if not isinstance(error, sa.exc.DBAPIError) and not isinstance(error.orig, (ValueError, TypeError,
                                                                               OverflowError)):
        raise error
    log.warning("database refused a value for %s %s: %s", request.method, request.path, error.orig)
    return _bad_request(_("提交的数据无法保存：某个值超出了允许的范围或含有不允许的字符"))


def _overflow_error(error: OverflowError):
    """sqlite3 raises a bare OverflowError for an int beyond 64 bits (not
    wrapped by SQLAlchemy): the same safety net as a DataError."""
    from flask import request

    from .services.messages import _

    log.warning("value out of range for %s %s: %s", request.method, request.path, error)
    return _bad_request(_("提交的数据无法保存：某个值超出了允许的范围或含有不允许的字符"))


def init_app(app) -> None:
    """Register the URL converter (before any route is added), the request
    hook and the error handlers."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request(check_request_values)
    app.register_error_handler(TextError, _text_error)
    app.register_error_handler(ParameterError, _parameter_error)
    app.register_error_handler(sa.exc.StatementError, _database_value_error)
    app.register_error_handler(OverflowError, _overflow_error)
