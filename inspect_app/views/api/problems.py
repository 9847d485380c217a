"""Errors of the JSON API as ``application/problem+json`` (RFC 9457).

Every error under ``/api/`` — validation, authentication, a refused rule,
404/405/413, an unexpected exception — is answered by :func:`problem`:
``type``, ``title``, ``status``, ``detail``, a stable ``code``, and for
validation an ``errors`` list of ``{"path", "message"}`` (JSON paths such
as ``$.rows[3].uscc``; a bulk upsert's row errors also carry ``index``,
``field``, ``value`` and ``reason``). Never an HTML page or a traceback.
"""

from __future__ import annotations

import logging
import re

from flask import Response, json, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

API_PREFIX = "/api/"
MEDIA_TYPE = "application/problem+json"

# code -> title; the codes are part of the API (docs/api.md lists them).
CODES: dict[str, str] = {
    "bad_request": "Bad request",
    "malformed_json": "The body is not valid JSON",
    "validation_failed": "The request does not match its schema",
    "rows_invalid": "Some rows are invalid; nothing was changed",
    "rule_refused": "The request breaks a rule of the service",
    "unauthorized": "A valid bearer token is required",
    "forbidden": "The token's user does not have the role this needs",
    "out_of_scope": "Outside the caller's department",
    "not_found": "Not found",
    "method_not_allowed": "Method not allowed",
    "conflict": "The request conflicts with the current state",
    "payload_too_large": "The body is too large",
    "unsupported_media_type": "The body must be application/json",
    "rate_limited": "Too many requests for this token",
    "internal_error": "Internal server error",
    "document_failed": "The document could not be rendered",
}
STATUS_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
                415: "unsupported_media_type", 422: "validation_failed", 429: "rate_limited",
                500: "internal_error"}


class ApiProblem(Exception):
    """Raised by API views to answer with a problem document."""

    def __init__(self, status: int, code: str, detail: str | None = None, *, errors: list | None = None,
                 headers: dict | None = None, extra: dict | None = None):
        super().__init__(detail or code)
        self.status, self.code, self.detail = status, code, detail
        self.errors, self.headers, self.extra = errors, headers or {}, extra or {}


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def problem(status: int, code: str | None = None, detail: str | None = None, *, errors: list | None = None,
            headers: dict | None = None, extra: dict | None = None) -> Response:
    code = code or STATUS_CODES.get(status, "bad_request" if status < 500 else "internal_error")
    body = {"type": f"/api/v1/docs#problem-{code}", "title": CODES.get(code, code), "status": status,
            "detail": detail or CODES.get(code, code), "code": code}
    if errors is not None:
        body["errors"] = errors
    body.update(extra or {})
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=MEDIA_TYPE)
    for name, value in (headers or {}).items():
        if name.lower() != "content-type":
            response.headers[name] = value
    response.headers["Cache-Control"] = "no-store"
    return response


def from_api_problem(error: ApiProblem) -> Response:
    _rollback()
    return problem(error.status, error.code, error.detail, errors=error.errors, headers=error.headers,
                   extra=error.extra)


_INDEX = re.compile(r"^\d+$")


def json_path(location: str, dotted: str) -> str:
    """``rows.3.uscc`` (apiflask's joined Pydantic location) as ``$.rows[3].uscc``;
    query parameters as ``query.name``."""
    parts = [p for p in dotted.split(".") if p and p != "_schema"]
    if location in ("query", "querystring"):
        return "query." + ".".join(parts) if parts else "query"
    path = "$"
    for part in parts:
        path += f"[{part}]" if _INDEX.match(part) else f".{part}"
    return path


def from_http_error(error) -> Response:
    """apiflask's ``HTTPError`` (validation, auth, ``abort``) as a problem."""
    status = error.status_code
    errors = None
    code = STATUS_CODES.get(status)
    detail = error.message if isinstance(error.message, str) else None
    if status == 422 and isinstance(error.detail, dict):
        errors = []
        for location, fields in error.detail.items():
            if isinstance(fields, dict):
                for dotted, messages in fields.items():
                    for message in messages if isinstance(messages, list) else [messages]:
                        errors.append({"path": json_path(location, str(dotted)), "message": str(message)})
        code, detail = "validation_failed", f"{len(errors)} problem(s) in the request"
    elif status == 401:
        detail = "Send a personal API token as 'Authorization: Bearer insp_…' (unknown, revoked and expired " \
                 "tokens are refused)."
    elif status == 403:
        detail = "The token's user does not have the role this endpoint requires."
    headers = {k: v for k, v in (error.headers or {}).items() if k.lower() != "www-authenticate"}
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="inspect"'
    _rollback()
    return problem(status, code, detail, errors=errors, headers=headers)


def from_http_exception(error: HTTPException) -> Response:
    status = error.code or 500
    code = STATUS_CODES.get(status)
    detail = error.description if isinstance(error.description, str) else None
    if status == 400 and _json_failed():
        code, detail = "malformed_json", "The body could not be parsed as JSON."
    elif status == 413:
        detail = f"The body is larger than the {request.max_content_length or 0:,} bytes this endpoint accepts."
    elif status == 404:
        detail = "No such resource."
    elif status == 405:
        detail = f"{request.method} is not allowed here."
    headers = dict(error.get_headers()) if status in (405, 429) else {}
    _rollback()
    return problem(status, code, detail, headers=headers)


def _json_failed() -> bool:
    """The 400 came from a body that is not JSON (werkzeug's BadRequest does not say)."""
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return False
    try:
        data = request.get_data(cache=True)
    except HTTPException:
        return False
    if not data:
        return False
    try:
        json.loads(data)
    except ValueError:
        return True
    return False


def from_exception(error: Exception) -> Response:
    log.exception("unexpected error in %s %s", request.method, request.path)
    _rollback()
    return problem(500, "internal_error", "An unexpected error occurred; it has been logged.")


def _rollback() -> None:
    from flask import g

    session = g.get("db_session")
    if session is not None:
        try:
            session.rollback()
        except Exception:  # pragma: no cover - the answer must still be sent
            log.exception("rollback after an API error failed")
