"""User management for the admin pages, and login throttling.

User management
---------------
Admins list, create, deactivate and reactivate accounts, reset passwords,
change roles and link inspector accounts to their inspector record. Accounts
are never deleted (the draw trail names who did what). Two invariants hold
after every operation:

* an ``inspector`` account is linked to exactly one inspector record, and no
  inspector record is linked to two accounts;
* at least one active admin remains (an admin cannot lock everybody out).

Errors are :class:`AccountError` with the field at fault and a Chinese
message id (translated by the view), so the form can show which field is wrong
and why.

Login throttling
----------------
Failed logins are recorded in the ``login_failure`` table, so the limit
holds across worker processes. Within a sliding window (15 minutes), after
``max_per_user`` failures for one username, or ``max_per_ip`` failures from
one address, further attempts are refused without checking the password
until the window has moved past enough failures; :func:`authenticate` then
says when to try again. A successful login clears that username's failures.
Refused attempts are not recorded, so the cool-down ends on time even if an
attacker keeps trying. Rows older than the window are pruned as new failures
arrive.
"""

from __future__ import annotations

import functools
import math
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from sqlmodel import Session, select

from ..models import ROLES, Inspector, LoginFailure, User
from ..security import check_password, hash_password

MIN_PASSWORD_LENGTH = 8
USERNAME_MAX = 64


def N_(msgid: str) -> str:
    """Marks a message id for translation where it is defined; the view
    translates it when it is shown."""
    return msgid


class AccountError(ValueError):
    """A refused account change: ``field`` names the form field at fault,
    ``msgid`` is the Chinese message (with ``%(name)s`` placeholders filled
    from ``params``)."""

    def __init__(self, field: str, msgid: str, **params):
        self.field, self.msgid, self.params = field, msgid, params
        super().__init__(f"{field}: {msgid % params if params else msgid}")


# --------------------------------------------------------------------------
# user management


def list_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(User.role, User.username)).all())


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise LookupError(user_id)
    return user


def _check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError("password", N_("密码至少需要 %(n)s 个字符"), n=MIN_PASSWORD_LENGTH)


def _check_inspector_link(session: Session, inspector: str | None, user_id: int | None) -> str | None:
    inspector = (inspector or "").strip() or None
    if inspector is None:
        return None
    if session.get(Inspector, inspector) is None:
        raise AccountError("inspector", N_("没有编号为 %(id)s 的检查人员"), id=inspector)
    clash = session.exec(select(User).where(User.inspector == inspector, User.id != (user_id or -1))).first()
    if clash is not None:
        raise AccountError("inspector", N_("检查人员 %(id)s 已关联账号 %(user)s"), id=inspector, user=clash.username)
    return inspector


def _check_role(role: str, inspector: str | None) -> None:
    if role not in ROLES:
        raise AccountError("role", N_("角色无效：%(role)s"), role=role)
    if role == "inspector" and not inspector:
        raise AccountError("inspector", N_("检查人员账号必须关联一名检查人员"))


def _other_active_admins(session: Session, user: User) -> int:
    return session.exec(
        sa.select(sa.func.count()).select_from(User).where(User.role == "admin", User.active.is_(True), User.id != user.id)
    ).scalar_one()


def create_account(session: Session, username: str, password: str, role: str,
                   inspector: str | None = None, department: str | None = None) -> User:
    username = (username or "").strip()
    if not username:
        raise AccountError("username", N_("用户名不能为空"))
    if len(username) > USERNAME_MAX:
        raise AccountError("username", N_("用户名不能超过 %(n)s 个字符"), n=USERNAME_MAX)
    if session.exec(select(User).where(User.username == username)).first() is not None:
        raise AccountError("username", N_("用户名 %(name)s 已存在"), name=username)
    _check_password_rules(password)
    inspector = _check_inspector_link(session, inspector, None)
    _check_role(role, inspector)
    user = User(username=username, password_hash=hash_password(password), role=role,
                inspector=inspector, department=(department or "").strip() or None)
    session.add(user)
    session.commit()
    return user


def set_active(session: Session, user_id: int, active: bool, acting_user_id: int | None = None) -> User:
    """Deactivates (or reactivates) an account; its sessions end at once.
    Nobody deactivates their own account."""
    user = get_user(session, user_id)
    if not active and acting_user_id is not None and acting_user_id == user.id:
        raise AccountError("active", N_("不能停用自己的账号"))
    if not active and user.role == "admin" and user.active and _other_active_admins(session, user) == 0:
        raise AccountError("active", N_("不能停用最后一个启用的管理员账号"))
    user.active = active
    session.add(user)
    session.commit()
    return user


def reset_password(session: Session, user_id: int, new_password: str) -> User:
    """Sets a new password; the user's existing sessions end (see
    :func:`inspect_app.security.load_user`) and their login failures are
    cleared."""
    user = get_user(session, user_id)
    _check_password_rules(new_password)
    user.password_hash = hash_password(new_password)
    session.add(user)
    session.execute(sa.delete(LoginFailure).where(LoginFailure.username == user.username))
    session.commit()
    return user


def change_role(session: Session, user_id: int, role: str) -> User:
    user = get_user(session, user_id)
    _check_role(role, user.inspector)
    if user.role == "admin" and role != "admin" and user.active and _other_active_admins(session, user) == 0:
        raise AccountError("role", N_("不能取消最后一个启用的管理员的管理员角色"))
    user.role = role
    session.add(user)
    session.commit()
    return user


def link_inspector(session: Session, user_id: int, inspector: str | None) -> User:
    """Links the account to an inspector record (or unlinks it with an empty
    value, which an inspector account may not do)."""
    user = get_user(session, user_id)
    inspector = _check_inspector_link(session, inspector, user.id)
    if inspector is None and user.role == "inspector":
        raise AccountError("inspector", N_("检查人员账号必须关联一名检查人员"))
    user.inspector = inspector
    session.add(user)
    session.commit()
    return user


# --------------------------------------------------------------------------
# login throttling


@dataclass(frozen=True)
class ThrottlePolicy:
    max_per_user: int = 5
    max_per_ip: int = 20
    window: timedelta = timedelta(minutes=15)

    @classmethod
    def from_config(cls, config) -> "ThrottlePolicy":
        return cls(
            max_per_user=int(config.get("LOGIN_MAX_FAILURES_PER_USER", cls.max_per_user)),
            max_per_ip=int(config.get("LOGIN_MAX_FAILURES_PER_IP", cls.max_per_ip)),
            window=timedelta(seconds=int(config.get("LOGIN_THROTTLE_WINDOW_SECONDS", cls.window.total_seconds()))),
        )


@dataclass
class LoginResult:
    """``user`` on success; otherwise ``locked_until`` is set when the
    attempt was refused by the throttle (the password was not checked)."""

    user: User | None = None
    locked_until: datetime | None = None
    reasons: list[str] = field(default_factory=list)  # "user" and/or "ip"

    @property
    def ok(self) -> bool:
        return self.user is not None

    def retry_minutes(self, now: datetime) -> int:
        assert self.locked_until is not None
        return max(1, math.ceil((self.locked_until - _utc(now)).total_seconds() / 60))


def _utc(moment: datetime) -> datetime:
    """Aware UTC (naive values are taken to be UTC already)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


@functools.cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_hex(16))


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _unlock_time(session: Session, where, limit: int, since: datetime, window: timedelta) -> datetime | None:
    """When fewer than ``limit`` failures matching ``where`` will remain in
    the window, or None if that is the case already."""
    times = session.exec(
        sa.select(LoginFailure.at).where(where, LoginFailure.at > since).order_by(LoginFailure.at.desc()).limit(limit)
    ).scalars().all()
    if len(times) < limit:
        return None
    return times[-1] + window


def throttle_state(session: Session, username: str, ip: str | None, policy: ThrottlePolicy,
                   now: datetime | None = None) -> LoginResult:
    """Whether a login attempt would be refused right now, and until when."""
    now = _utc(now or _now())
    since = now - policy.window
    result = LoginResult()
    until_user = _unlock_time(session, LoginFailure.username == username[:USERNAME_MAX], policy.max_per_user, since,
                              policy.window)
    until_ip = (_unlock_time(session, LoginFailure.ip == ip, policy.max_per_ip, since, policy.window)
                if ip else None)
    if until_user is not None:
        result.reasons.append("user")
    if until_ip is not None:
        result.reasons.append("ip")
    candidates = [t for t in (until_user, until_ip) if t is not None]
    if candidates:
        result.locked_until = max(candidates)
    return result


def record_failure(session: Session, username: str, ip: str | None, policy: ThrottlePolicy,
                   now: datetime | None = None) -> None:
    now = _utc(now or _now())
    session.execute(sa.delete(LoginFailure).where(LoginFailure.at <= now - policy.window))
    session.add(LoginFailure(username=username[:USERNAME_MAX], ip=(ip or "")[:45] or None, at=now))
    session.commit()


def authenticate(session: Session, username: str, password: str, ip: str | None,
                 policy: ThrottlePolicy | None = None, now: datetime | None = None) -> LoginResult:
    """Checks a login attempt against the throttle and the password.

    Inactive accounts and unknown usernames fail exactly like a wrong
    password (and count as failures), so the form does not reveal which
    usernames exist."""
    policy = policy or ThrottlePolicy()
    username = (username or "").strip()
    state = throttle_state(session, username, ip, policy, now)
    if state.locked_until is not None:
        return state
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        # Spend the same hashing time as for a real account.
        check_password(_dummy_hash(), password)
    elif user.active and check_password(user.password_hash, password):
        session.execute(sa.delete(LoginFailure).where(LoginFailure.username == username[:USERNAME_MAX]))
        session.commit()
        return LoginResult(user=user)
    record_failure(session, username, ip, policy, now)
    return LoginResult()
