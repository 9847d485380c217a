"""Configuration: defaults, overridden by instance/config.py and environment."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def default_database_url(instance_path: str) -> str:
    return "sqlite:///" + str(Path(instance_path) / "inspect.sqlite")


def load(app, test_config: dict | None) -> None:
    app.config.from_mapping(
        SECRET_KEY=os.environ.get("SECRET_KEY") or _instance_secret(app.instance_path),
        DATABASE_URL=os.environ.get("DATABASE_URL") or default_database_url(app.instance_path),
        BABEL_DEFAULT_LOCALE="zh_CN",
        BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).parent / "translations"),
        LANGUAGES=("zh_CN", "en"),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=None,  # decided below unless configured
        MAX_CONTENT_LENGTH=1024 * 1024,  # every request but the registry uploads
        REGISTRY_UPLOAD_MAX_BYTES=200 * 1024 * 1024,  # a registry file (views/planner/imports.py)
        IMPORT_MAX_ERRORS=None,  # problems an import report keeps before it stops reading (None: 1000)
        PAGE_SIZE=50,
        REGISTRY_COUNTS_TTL=30.0,  # seconds a dashboard's registry counts may lag
        # Working days before its date that a visit shows to its team and its
        # check code works (0: from sealing); see services/visit_access.py.
        VISIT_VISIBLE_DAYS=3,
        # Check codes (扫码入企, services/check_codes.py): the HMAC key (None:
        # generated once into instance/check_code_key), the public base URL
        # printed into the QR images (None: the request's host), the office
        # phone shown to the entity (per department id in OFFICE_PHONES), and
        # the failed lookups an address may make per window before HTTP 429.
        CHECK_CODE_KEY=os.environ.get("CHECK_CODE_KEY") or None,
        CHECK_CODE_BASE_URL=os.environ.get("CHECK_CODE_BASE_URL") or None,
        OFFICE_PHONE=os.environ.get("OFFICE_PHONE") or "0591-12345",
        OFFICE_PHONES={},
        CHECK_CODE_MAX_FAILURES=10,
        CHECK_CODE_WINDOW_SECONDS=600,
        # How the web starts a queued draw or import job (jobs/launcher.py):
        # "subprocess" (default), or "worker" where `flask draws work` runs
        # next to the web (the Procfile's process set).
        DRAW_RUNNER=os.environ.get("DRAW_RUNNER") or "subprocess",
        # The size guard (services/draw_size.py): a draw whose estimated team
        # flows exceed this many place -> inspector arcs, or whose estimated
        # peak memory exceeds this many bytes, is refused before it starts
        # (None: solver.size's defaults, calibrated from docs/performance.md).
        DRAW_MAX_FLOW_ARCS=int(os.environ["DRAW_MAX_FLOW_ARCS"]) if os.environ.get("DRAW_MAX_FLOW_ARCS") else None,
        DRAW_MAX_MEMORY_BYTES=(int(os.environ["DRAW_MAX_MEMORY_BYTES"]) if os.environ.get("DRAW_MAX_MEMORY_BYTES")
                               else None),
        # The scheduler (inspect_app/scheduler): every job every N seconds
        # instead of its own period (tests, demos; None: the periods).
        SCHEDULER_INTERVAL=float(os.environ["SCHEDULER_INTERVAL"]) if os.environ.get("SCHEDULER_INTERVAL") else None,
        SCHEDULER_CERTIFICATE_DAYS=30,  # warn of certificates expiring within these days
        SCHEDULER_REMIND_WORKING_DAYS=5,  # remind of undrawn tasks whose window starts within these working days
        SCHEDULER_RUN_KEEP_DAYS=90,  # run records kept
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.update(test_config)
    # Session cookies only over HTTPS in production. Debug and test servers
    # run on plain http://127.0.0.1; SESSION_COOKIE_SECURE=0 in the
    # environment (or instance config) overrides for other plain-HTTP set-ups.
    if "SESSION_COOKIE_SECURE" in os.environ:
        app.config["SESSION_COOKIE_SECURE"] = os.environ["SESSION_COOKIE_SECURE"].lower() in ("1", "true", "yes")
    elif app.config["SESSION_COOKIE_SECURE"] is None:  # not configured
        app.config["SESSION_COOKIE_SECURE"] = not (app.debug or app.config.get("TESTING"))
    # psycopg 3 is the PostgreSQL driver; accept the usual short spellings.
    url = app.config["DATABASE_URL"]
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            app.config["DATABASE_URL"] = "postgresql+psycopg://" + url[len(prefix):]


def _instance_secret(instance_path: str) -> str:
    """A per-installation secret key kept in instance/secret_key, so sessions
    survive restarts without anyone having to configure one."""
    return instance_key_file(instance_path, "secret_key")


def instance_key_file(instance_path: str, name: str) -> str:
    """A random key kept in ``instance/<name>``: read it, or create it once.
    Owner-only from the start (keys sign sessions, seal the draws' secrets,
    derive check codes): O_EXCL, mode 0600, never a world-readable moment."""
    path = Path(instance_path) / name
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = secrets.token_hex(32)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it meanwhile
            return path.read_text().strip()
        with os.fdopen(fd, "w") as f:
            f.write(key)
        return key
