"""The caller's identity and tokens: who am I, my tokens, create one for
oneself (shown once, in that response), revoke one (an admin may revoke
anyone's). The rules and the audit trail are ``services/api_tokens.py``'s,
as on the account page."""

from __future__ import annotations

from flask_babel import gettext as _

from ...db import get_session
from ...services import api_tokens
from . import auth, bp, current_user
from .problems import ApiProblem
from .schemas import Me, TokenCreate, TokenCreated, TokenList, TokenOut


def token_out(token) -> dict:
    return {**token.model_dump(exclude={"token_hash", "user_id"}), "active": api_tokens.is_active(token)}


@bp.get("/me")
@bp.auth_required(auth)
@bp.output(Me)
@bp.doc(tags=["Account"], summary="The token's user")
def me():
    user = current_user()
    return {"id": user.id, "username": user.username, "role": user.role, "department": user.department,
            "inspector": user.inspector}


@bp.get("/tokens")
@bp.auth_required(auth)
@bp.output(TokenList)
@bp.doc(tags=["Account"], summary="The caller's own tokens (never the tokens themselves)")
def my_tokens():
    return {"items": [token_out(t) for t in api_tokens.tokens_of(get_session(), current_user().id)]}


@bp.post("/tokens")
@bp.auth_required(auth)
@bp.input(TokenCreate, arg_name="body")
@bp.output(TokenCreated, status_code=201)
@bp.doc(tags=["Account"], summary="Create a token for the caller (the token is in this response only)",
        description="The account page's rules: a name of at most 64 characters, an expiry at most 732 days "
                    "ahead (the end of `expires_on`, Asia/Shanghai), at most 20 active tokens. Refusals are 422 "
                    "`rule_refused` naming the field.")
def create_token(body: TokenCreate):
    session = get_session()
    try:
        token, secret = api_tokens.create_token(
            session, current_user(), body.name,
            api_tokens.end_of_day(body.expires_on) if body.expires_on is not None else None)
    except api_tokens.TokenError as error:
        message = _(error.msgid, **error.params)
        raise ApiProblem(422, "rule_refused", message, errors=[{"path": f"$.{_body_field(error.field)}",
                                                                "message": message}]) from None
    return {**token_out(token), "token": secret}


def _body_field(field: str) -> str:
    return {"expires_at": "expires_on"}.get(field, field)


@bp.delete("/tokens/<int:token_id>")
@bp.auth_required(auth)
@bp.output(TokenOut)
@bp.doc(tags=["Account"], summary="Revoke a token (one's own; an admin: anyone's)",
        responses={404: "No such token (or not the caller's)"})
def revoke_token(token_id: int):
    try:
        token = api_tokens.revoke_token(get_session(), current_user(), token_id)
    except api_tokens.TokenError:
        raise ApiProblem(404, "not_found", "No such token.") from None
    return token_out(token)
