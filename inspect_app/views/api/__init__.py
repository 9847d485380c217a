"""The JSON API under ``/api/v1/`` (issue 12), for provincial platforms.

Built with apiflask: Pydantic models (``schemas*.py``) validate every
request and are the same objects the OpenAPI 3.1 document
(``/api/v1/openapi.json``) is generated from; ``/api/v1/docs`` renders that
document as a page. Views stay thin and call the same services as the pages.

Authentication is by personal bearer token only (``services/api_tokens.py``):
a session cookie never authenticates an API request, so CSRF (which guards
cookie-authenticated forms) is not needed here and the blueprint is exempt
from it. Public read endpoints need no token. Roles are the pages' roles:
an admin may do whatever a planner may. Each token is rate-limited in
process (``API_RATE_LIMIT`` requests per window, ``services/rate_limit.py``).
Errors are ``application/problem+json`` (``problems.py``).
"""

from __future__ import annotations

from contextlib import ExitStack

from apiflask import APIBlueprint, HTTPTokenAuth
from apiflask.exceptions import HTTPError
from flask import current_app, g, request
from werkzeug.exceptions import HTTPException

from ...db import get_session
from ...security import csrf
from ...services import api_tokens
from ...services.batch import gc_paused
from ...services.rate_limit import WindowLimiter
from . import problems

bp = APIBlueprint("api", __name__, url_prefix="/api/v1", tag="API")
csrf.exempt(bp)

auth = HTTPTokenAuth(scheme="Bearer", description=(
    "A personal API token (`insp_…`), created on the account page (/account/tokens) or with POST /api/v1/tokens; "
    "sent as `Authorization: Bearer <token>`."))

PLANNER = ["planner"]  # admins have it too (roles_of)
INSPECTOR = ["inspector"]
ADMIN = ["admin"]

# Endpoints with a larger body limit (API_BULK_MAX_BYTES).
BULK_ENDPOINTS = frozenset({"api.registry_upsert"})


@auth.verify_token
def _verify(token: str):
    user = api_tokens.authenticate(get_session(), token)
    if user is None:
        return None
    allowed, retry = _limiter().hit(api_tokens.digest(token))
    if not allowed:
        raise problems.ApiProblem(429, "rate_limited", f"At most {current_app.config['API_RATE_LIMIT'][0]} "
                                  f"requests per {current_app.config['API_RATE_LIMIT'][1]} s per token; "
                                  f"retry in {retry} s.", headers={"Retry-After": str(retry)})
    g.user = user  # the pages' helpers read g.user; the cookie never sets it here (_ignore_cookie)
    return user


@auth.get_user_roles
def roles_of(user) -> list[str]:
    return ["admin", "planner"] if user.role == "admin" else [user.role]


@auth.error_processor
def _auth_error(error: HTTPError):
    return problems.from_http_error(error)


def _limiter() -> WindowLimiter:
    limiter = current_app.extensions.get("api_limiter")
    if limiter is None:
        limit, window = current_app.config["API_RATE_LIMIT"]
        limiter = current_app.extensions["api_limiter"] = WindowLimiter(
            limit, window, current_app.config["API_RATE_LIMIT_KEYS"])
    return limiter


def current_user():
    return auth.current_user


@bp.before_request
def _ignore_cookie() -> None:
    """A session cookie does not authenticate API requests."""
    g.user = None


def _bulk_limit() -> None:
    """Runs before every other before-request function (the request checks
    read the body). A bulk request also runs with the cyclic garbage
    collector paused (as the import does): parsing and validating 100,000
    rows builds millions of objects that none can free, and the collector
    walking them again and again triples the time."""
    if request.endpoint in BULK_ENDPOINTS:
        request.max_content_length = current_app.config["API_BULK_MAX_BYTES"]
        stack = g._bulk_gc = ExitStack()
        stack.enter_context(gc_paused())


def _bulk_done(_error=None) -> None:
    stack = g.pop("_bulk_gc", None)
    if stack is not None:
        stack.close()


@bp.record_once
def _install(state) -> None:
    app = state.app
    app.config.setdefault("API_RATE_LIMIT", (600, 60))  # requests per seconds, per token, per process
    app.config.setdefault("API_RATE_LIMIT_KEYS", 10_000)  # tokens tracked at once
    app.config.setdefault("API_BULK_MAX_BYTES", 64 * 1024 * 1024)
    app.config.setdefault("API_BULK_MAX_ROWS", 200_000)
    app.before_request_funcs.setdefault(None, []).insert(0, _bulk_limit)
    app.teardown_request(_bulk_done)
    app.error_processor(problems.from_http_error)


@bp.after_request
def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


bp.register_error_handler(problems.ApiProblem, problems.from_api_problem)
bp.register_error_handler(HTTPError, problems.from_http_error)
for _code in (400, 401, 403, 404, 405, 409, 413, 415, 422, 429):
    bp.register_error_handler(_code, problems.from_http_exception)
bp.register_error_handler(HTTPException, problems.from_http_exception)
bp.register_error_handler(Exception, problems.from_exception)

from . import meta  # noqa: E402,F401  (the API page and the spec's settings)
from . import tokens  # noqa: E402,F401  (the caller's own tokens)
from . import registries  # noqa: E402,F401  (registry reads and bulk upserts)
from . import refusals  # noqa: E402,F401  (the services' refusals as problem documents)
from . import visits  # noqa: E402,F401  (an inspector's visits and results)
from . import review  # noqa: E402,F401  (a planner's review)
from . import public  # noqa: E402,F401  (the public record, no token)
from . import plans  # noqa: E402,F401  (plans and tasks)
from . import draws  # noqa: E402,F401  (the draw ceremony, the trail and the public register)
from . import documents  # noqa: E402,F401  (printable documents, PDF)
from . import oversight  # noqa: E402,F401  (publication figures and entities' feedback)
from . import rectifications  # noqa: E402,F401  (rectification follow-ups)
from . import credit  # noqa: E402,F401  (credit marks)
from . import schedule  # noqa: E402,F401  (a draw's schedule)
from . import registry_edit  # noqa: E402,F401  (single-record registry edits)
