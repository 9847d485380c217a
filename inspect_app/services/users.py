"""Old import path of the account service: everything lives in
:mod:`inspect_app.services.accounts` (one service for the admin pages, the
CLI and the demo). These names stay for callers that still import them."""

from __future__ import annotations

from .accounts import AccountError as UserError
from .accounts import create_account as create_user

__all__ = ["UserError", "create_user"]
