"""Request and response models shared by the API's areas (Pydantic).

Inputs forbid unknown fields and bound every string and list; they are the
same models apiflask validates requests with and builds the OpenAPI
document from.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, create_model

Text = Annotated[str, Field(max_length=2000)]
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]  # a row id (the database's integer range)
Cursor = Annotated[str, Field(max_length=200, description="Opaque cursor from a previous page's `next_cursor`")]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Output(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Problem(Output):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    code: str = Field(description="Stable machine-readable error code")
    errors: list[dict] | None = Field(default=None, description="Validation problems: path, message "
                                      "(bulk upserts: index, field, value, reason)")


class PageQuery(Input):
    limit: int = Field(default=50, ge=1, le=200)
    cursor: Cursor | None = None


class Me(Output):
    id: int
    username: str
    role: str
    department: str | None = None
    inspector: str | None = None


class TokenOut(Output):
    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None = None
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None
    revoked_by: str | None = None
    active: bool


class TokenCreate(Input):
    name: Annotated[str, Field(min_length=1, max_length=200, description="At most 64 characters once trimmed")]
    expires_on: date | None = Field(default=None, description="The last day (Asia/Shanghai) it is valid; at most "
                                                              "732 days ahead; none: no expiry")


class TokenCreated(TokenOut):
    token: str = Field(description="The token itself: shown in this response only")


class TokenList(Output):
    items: list[TokenOut]


def out_model(table_model, exclude: tuple[str, ...] = ()) -> type[BaseModel]:
    """A response model with the fields of a table model (less ``exclude``)."""
    fields = {name: (info.annotation | None, None) for name, info in table_model.model_fields.items()
              if name not in exclude}
    return create_model(f"{table_model.__name__}Out", __base__=Output, **fields)
