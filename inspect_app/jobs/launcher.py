"""Start a queued job without holding up the request.

``DRAW_RUNNER`` (config) chooses how:

* ``"subprocess"`` (default): a detached ``python -m inspect_app.jobs --job
  ID`` with the app's database URL, draw store and keys in its environment;
  its output goes to ``<store>/logs/job-ID.log``;
* ``"worker"``: nothing here; a running ``flask draws work`` picks the job up;
* ``"inline"``: run it in this process before returning (tests and the
  command line, where waiting is what one wants).

Registry import jobs (:func:`launch_import`) go the same ways, chosen by
``IMPORT_RUNNER`` (unset: as ``DRAW_RUNNER``), and so do the documents
rendered in the background (:func:`launch_document`, ``DOCUMENT_RUNNER``).

If the subprocess cannot be started the job stays pending for a worker.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

from flask import current_app

from ..services.draw_store import store_root
from . import runner

log = logging.getLogger(__name__)
REPO_ROOT = Path(__file__).resolve().parents[2]


def worker_environment(app) -> dict[str, str]:
    env = dict(os.environ)
    env["DATABASE_URL"] = app.config.get("DRAW_WORKER_DATABASE_URL") or app.config["DATABASE_URL"]
    env["INSPECT_DRAW_STORE"] = str(store_root())
    env["SECRET_KEY"] = app.config["SECRET_KEY"]
    if app.config.get("DRAW_SEAL_KEY"):
        env["DRAW_SEAL_KEY"] = app.config["DRAW_SEAL_KEY"]
    env["PYTHONPATH"] = str(REPO_ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def worker_command(job_id: int, option: str = "--job") -> list[str]:
    return [sys.executable, "-m", "inspect_app.jobs", option, str(job_id)]


def launch(job_id: int) -> subprocess.Popen | None:
    app = current_app._get_current_object()
    mode = app.config.get("DRAW_RUNNER", "subprocess")
    if mode == "inline":
        runner.run_job(app, job_id)
        return None
    if mode == "worker":
        return None
    return _spawn(app, worker_command(job_id), f"job-{job_id}.log", f"draw job {job_id}")


def launch_import(job_id: int) -> subprocess.Popen | None:
    """The same for a registry import job; ``IMPORT_RUNNER`` (default: as
    ``DRAW_RUNNER``) chooses how."""
    from . import imports

    app = current_app._get_current_object()
    mode = app.config.get("IMPORT_RUNNER") or app.config.get("DRAW_RUNNER", "subprocess")
    if mode == "inline":
        imports.run_import_job(app, job_id)
        return None
    if mode == "worker":
        return None
    return _spawn(app, worker_command(job_id, "--import-job"), f"import-job-{job_id}.log", f"import job {job_id}")


def launch_document(document_id: int) -> subprocess.Popen | None:
    """The same for a document rendered in the background (a results
    bulletin); ``DOCUMENT_RUNNER`` (default: as ``DRAW_RUNNER``)."""
    from . import documents

    app = current_app._get_current_object()
    mode = app.config.get("DOCUMENT_RUNNER") or app.config.get("DRAW_RUNNER", "subprocess")
    if mode == "inline":
        documents.run_document_job(app, document_id)
        return None
    if mode == "worker":
        return None
    return _spawn(app, worker_command(document_id, "--document-job"), f"document-{document_id}.log",
                  f"document {document_id}")


def _spawn(app, command: list[str], log_name: str, what: str) -> subprocess.Popen | None:
    logs = store_root() / "logs"
    logs.mkdir(exist_ok=True)
    try:
        with open(logs / log_name, "ab") as out:
            return subprocess.Popen(command, env=worker_environment(app), cwd=REPO_ROOT,
                                    stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    start_new_session=True)
    except OSError as error:
        log.error("%s: worker not started (%s); it stays pending for `flask draws work`", what, error)
        return None
