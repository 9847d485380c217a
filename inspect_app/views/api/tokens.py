"""The caller's identity and tokens: who am I, my tokens, revoke one (an
admin may revoke anyone's). Tokens are created on the account page only,
where they can be shown once to a logged-in person."""

from __future__ import annotations

from ...db import get_session
from ...services import api_tokens
from . import auth, bp, current_user
from .problems import ApiProblem
from .schemas import Me, TokenList, TokenOut


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
