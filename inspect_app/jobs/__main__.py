"""``python -m inspect_app.jobs --job ID`` runs one draw job, ``--import-job
ID`` one registry import job, ``--document-job ID`` one document rendering;
``python -m inspect_app.jobs`` (no ID) is the worker loop, as
``flask draws work``. Configuration comes from the environment
(``DATABASE_URL``, ``INSPECT_DRAW_STORE``, ``SECRET_KEY``) and
``instance/config.py``, like the web app."""

from __future__ import annotations

import argparse
import logging

from inspect_app import create_app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m inspect_app.jobs")
    parser.add_argument("--job", type=int, help="run this job and exit")
    parser.add_argument("--import-job", type=int, help="run this registry import job and exit")
    parser.add_argument("--document-job", type=int, help="render this queued document and exit")
    parser.add_argument("--once", action="store_true", help="run what is pending, then exit")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app()
    from .runner import run_job, work

    if args.import_job is not None:
        from .imports import run_import_job

        return 0 if run_import_job(app, args.import_job) else 3
    if args.document_job is not None:
        from .documents import run_document_job

        return 0 if run_document_job(app, args.document_job) else 3
    if args.job is not None:
        return 0 if run_job(app, args.job) else 3
    work(app, once=args.once)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
