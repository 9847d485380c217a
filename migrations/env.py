"""Alembic environment. The engine comes from the caller
(``inspect_app.db.upgrade``) or, for the plain ``alembic`` CLI, from
``DATABASE_URL``."""

from __future__ import annotations

import os

from alembic import context
from sqlmodel import SQLModel

import inspect_app.models  # noqa: F401  (registers the tables)
from inspect_app.db import make_engine

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        engine = make_engine(os.environ.get("DATABASE_URL", "sqlite:///instance/inspect.sqlite"))
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        context.run_migrations()


run_migrations_online()
