"""The draw policy written into every instance: DOMAIN.md's defaults,
overridden key by key by the ``DRAW_POLICY`` setting (a dict in the instance
config), e.g. ``DRAW_POLICY = {"frequency_cap": 3}``."""

from __future__ import annotations

from flask import current_app, has_app_context

DEFAULT_POLICY = {
    "coordinated_sampling": True,
    "min_team_size": 2,
    "rotation": True,
    "exclude_recent_days": 365,
    "exclude_recent_risk": ["A", "B"],
    "frequency_cap": 4,
    "daily_visits_per_inspector": 3,
    "exclude_local_supervisor": False,
    # 属地管理: k > 0 lets an inspector serve only entities whose district code
    # shares its first k characters with the inspector's (6 = same county).
    "jurisdiction_digits": 0,
}


def draw_policy() -> dict:
    """The policy section of an instance (a fresh dict)."""
    policy = {k: (list(v) if isinstance(v, list) else v) for k, v in DEFAULT_POLICY.items()}
    if has_app_context():
        unknown = set(current_app.config.get("DRAW_POLICY") or {}) - set(DEFAULT_POLICY)
        if unknown:
            raise ValueError(f"DRAW_POLICY: unknown keys {sorted(unknown)}; known: {sorted(DEFAULT_POLICY)}")
        policy.update(current_app.config.get("DRAW_POLICY") or {})
    return policy
