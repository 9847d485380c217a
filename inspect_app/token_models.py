"""Personal API tokens (issue 12): a user's bearer tokens for ``/api/v1/``.

Only the SHA-256 of a token is stored (a token is 256 random bits, so a
fast hash is enough: there is nothing to brute-force); the token itself is
shown once when it is created. ``prefix`` (its first characters) lets the
owner tell tokens apart on the account page. Tokens are never deleted:
revoking sets ``revoked_at``/``revoked_by``.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlmodel import Field, SQLModel



def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    name: str = Field(max_length=64)
    token_hash: str = Field(max_length=64, unique=True)  # hex SHA-256 of the token
    prefix: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime | None = Field(default=None)
    last_used_at: datetime | None = Field(default=None)
    revoked_at: datetime | None = Field(default=None)
    revoked_by: str | None = Field(default=None, max_length=64)  # username of who revoked it
