"""The draw policy written into every instance: the solver's defaults (DOMAIN.md's),
overridden key by key by the ``DRAW_POLICY`` setting (a dict in the instance
config), e.g. ``DRAW_POLICY = {"frequency_cap": 3}``."""

from __future__ import annotations

from flask import current_app, has_app_context

from solver.model import policy_document

# the solver's defaults (solver.model.Policy), the one place they are written
DEFAULT_POLICY = policy_document()


def draw_policy() -> dict:
    """The policy section of an instance (a fresh dict)."""
    policy = {k: (list(v) if isinstance(v, list) else v) for k, v in DEFAULT_POLICY.items()}
    if has_app_context():
        unknown = set(current_app.config.get("DRAW_POLICY") or {}) - set(DEFAULT_POLICY)
        if unknown:
            raise ValueError(f"DRAW_POLICY: unknown keys {sorted(unknown)}; known: {sorted(DEFAULT_POLICY)}")
        policy.update(current_app.config.get("DRAW_POLICY") or {})
    return policy
