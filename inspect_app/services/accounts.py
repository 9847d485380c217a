"""User accounts (the one account service: the admin pages, ``flask user
create``, the demo set-up and the account page all call it), and login
throttling.

User management
---------------
Admins list, create, deactivate and reactivate accounts, reset passwords,
change roles, link inspector accounts to their inspector record and end a
user's sessions; every user can change their own password. Accounts are
never deleted (the draw trail names who did what). These invariants hold
after every operation:

* an ``inspector`` account is linked to exactly one inspector record, and no
  inspector record is linked to two accounts (also a unique index);
* at least one active admin remains (an admin cannot lock everybody out);
* no two usernames are lookalikes: each account stores
  :func:`username_key` (NFKC, case-folded) in a unique column, logins look
  the key up, so ``Planner``, ``ｐlanner`` (full-width) and ``planner`` are
  one name. New usernames are 1–64 characters of ASCII letters, digits,
  ``.``, ``_``, ``-`` and CJK ideographs (after NFKC), so letters from other
  scripts that look Latin (Cyrillic ``р``) cannot be used either;
* passwords follow :func:`check_password_policy`: at least
  :data:`MIN_PASSWORD_LENGTH` characters, not one of the 30,000 common
  passwords of the zxcvbn library's list, and a zxcvbn strength score of at
  least 3 (of 4), with the username counted as known to an attacker.

Logout, a password change or reset, deactivation, reactivation and a role
change bump the user's ``session_version``, which ends every earlier session
(see :mod:`inspect_app.security`); :func:`end_sessions` does only that.

Errors are :class:`AccountError` with the field at fault and a Chinese
message id (translated by the view), so the form can show which field is wrong
and why.

Login throttling
----------------
Login attempts are recorded in the ``login_failure`` table, so the limit
holds across worker processes. Every attempt first inserts its own row and
commits, and only then counts the rows in the sliding window (15 minutes)
for its username key and its address. If, not counting its own row,
``max_per_user`` rows for the username or ``max_per_ip`` rows for the address
are already there, the attempt is refused without checking the password and
its row is deleted again (refused attempts do not extend the lock, so the
cool-down ends on time even if an attacker keeps trying); :func:`authenticate`
then says when to try again. Because each attempt is visible to every other
before any password is checked, concurrent attempts cannot all pass the check:
however many arrive at once, at most ``max_per_user`` passwords are checked
per window (concurrent attempts may refuse each other, since an attempt is
counted before it is refused and removed; they never let more through). A
failed check leaves its row (a failure); a successful one clears the
username's rows. Rows older than the window are pruned on every
attempt.
"""

from __future__ import annotations

import functools
import math
import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from sqlmodel import Session, select

from ..models import ROLES, Inspector, LoginFailure, User
from ..security import check_password, hash_password
from .text_rules import TextError, check_text, first_bad_character

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
MIN_PASSWORD_SCORE = 3  # zxcvbn: 3 = "safely unguessable: moderate protection from offline attacks"
USERNAME_MAX = 64
_USERNAME_CHARS = re.compile(r"[A-Za-z0-9._\-\u3400-\u4dbf\u4e00-\u9fff]+")


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
# usernames and passwords


def username_key(username: str) -> str:
    """The form two usernames are compared in: NFKC, case-folded, NFKC again
    (full-width letters and case variants give the same key), stripped.

    >>> username_key(" Planner ") == username_key("ｐlanner") == username_key("PLANNER") == "planner"
    True
    """
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", username or "").casefold())
    return folded.strip()


def check_username(username: str) -> str:
    """The username as stored (NFKC, stripped), or :class:`AccountError`."""
    try:
        name = check_text(unicodedata.normalize("NFKC", username or ""), field="username", max_length=USERNAME_MAX)
    except TextError as e:
        if e.code == "too_long":
            raise AccountError("username", N_("用户名不能超过 %(n)s 个字符"), n=USERNAME_MAX) from None
        raise AccountError("username", N_("用户名只能包含字母、数字、汉字和 . _ -")) from None
    if not name:
        raise AccountError("username", N_("用户名不能为空"))
    if not _USERNAME_CHARS.fullmatch(name):
        raise AccountError("username", N_("用户名只能包含字母、数字、汉字和 . _ -"))
    return name


@functools.cache
def _common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def check_password_policy(password: str, username: str | None = None) -> None:
    """Refuses (with :class:`AccountError` on the ``password`` field) a
    password shorter than :data:`MIN_PASSWORD_LENGTH` characters, one of the
    common passwords, or one zxcvbn scores below :data:`MIN_PASSWORD_SCORE`."""
    from zxcvbn import zxcvbn

    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError("password", N_("密码至少需要 %(n)s 个字符"), n=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError("password", N_("密码不能超过 %(n)s 个字符"), n=MAX_PASSWORD_LENGTH)
    if password.casefold() in _common_passwords():
        raise AccountError("password", N_("这是一个常见密码，请换一个"))
    inputs = [username, username_key(username)] if username else []
    if zxcvbn(password[:100], user_inputs=inputs)["score"] < MIN_PASSWORD_SCORE:
        raise AccountError("password", N_("密码太容易被猜到，请使用更长、更不规则的密码（不要包含用户名）"))


# --------------------------------------------------------------------------
# user management


def list_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(User.role, User.username)).all())


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise LookupError(user_id)
    return user


def find_user(session: Session, username: str) -> User | None:
    """The account whose username is ``username`` or a lookalike of it."""
    return session.exec(select(User).where(User.username_key == _throttle_key(username))).first()


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


def _bump(user: User) -> None:
    """Ends every earlier session of ``user`` (atomically, in SQL)."""
    user.session_version = User.session_version + 1


def _commit(session: Session, user: User, action: str, **details) -> User:
    """Commit an account change with its audit row (``account.<action>``:
    the account's role, department, inspector and state; never a password)."""
    session.add(user)
    from . import audit

    audit.record(session, action=f"account.{action}", object_type="account", object_id=user.username,
                 details=dict(details, role=user.role, department=user.department, inspector=user.inspector,
                              active=bool(user.active)))
    try:
        session.commit()
    except sa.exc.IntegrityError:  # a concurrent change took the name or the inspector record
        session.rollback()
        raise AccountError("username", N_("用户名或检查人员已被另一个账号使用，请刷新后重试")) from None
    session.refresh(user)
    return user


def create_account(session: Session, username: str, password: str, role: str,
                   inspector: str | None = None, department: str | None = None) -> User:
    username = check_username(username)
    existing = find_user(session, username)
    if existing is not None:
        if existing.username == username:
            raise AccountError("username", N_("用户名 %(name)s 已存在"), name=username)
        raise AccountError("username", N_("用户名 %(name)s 与已有用户 %(other)s 过于相似"), name=username,
                           other=existing.username)
    check_password_policy(password, username)
    inspector = _check_inspector_link(session, inspector, None)
    _check_role(role, inspector)
    user = User(username=username, username_key=username_key(username), password_hash=hash_password(password),
                role=role, inspector=inspector, department=(department or "").strip() or None)
    return _commit(session, user, "created")


def set_active(session: Session, user_id: int, active: bool, acting_user_id: int | None = None) -> User:
    """Deactivates (or reactivates) an account; its sessions end at once and
    stay ended (cookies from before a deactivation do not come back with a
    reactivation). Nobody deactivates their own account."""
    user = get_user(session, user_id)
    if not active and acting_user_id is not None and acting_user_id == user.id:
        raise AccountError("active", N_("不能停用自己的账号"))
    if not active and user.role == "admin" and user.active and _other_active_admins(session, user) == 0:
        raise AccountError("active", N_("不能停用最后一个启用的管理员账号"))
    user.active = active
    _bump(user)
    return _commit(session, user, "activated" if active else "deactivated")


def reset_password(session: Session, user_id: int, new_password: str) -> User:
    """Sets a new password (an admin's reset); the user's existing sessions
    end and their login failures are cleared."""
    user = get_user(session, user_id)
    check_password_policy(new_password, user.username)
    user.password_hash = hash_password(new_password)
    _bump(user)
    session.execute(sa.delete(LoginFailure).where(LoginFailure.username == user.username_key))
    return _commit(session, user, "password_reset")


def change_password(session: Session, user_id: int, current_password: str, new_password: str,
                    repeated: str) -> User:
    """A user changes their own password: the current one must be right, the
    new one typed twice the same and follow the policy. Every session of the
    user ends (the caller logs the current one in again)."""
    user = get_user(session, user_id)
    if not check_password(user.password_hash, current_password or ""):
        raise AccountError("current_password", N_("当前密码不正确"))
    if new_password != repeated:
        raise AccountError("repeated", N_("两次输入的新密码不一致"))
    if new_password == current_password:
        raise AccountError("password", N_("新密码不能与当前密码相同"))
    check_password_policy(new_password, user.username)
    user.password_hash = hash_password(new_password)
    _bump(user)
    return _commit(session, user, "password_changed")


def end_sessions(session: Session, user_id: int) -> User:
    """Ends every session of the user (logout everywhere)."""
    user = get_user(session, user_id)
    _bump(user)
    return _commit(session, user, "sessions_ended")


def change_role(session: Session, user_id: int, role: str) -> User:
    user = get_user(session, user_id)
    _check_role(role, user.inspector)
    if user.role == "admin" and role != "admin" and user.active and _other_active_admins(session, user) == 0:
        raise AccountError("role", N_("不能取消最后一个启用的管理员的管理员角色"))
    if role != user.role:
        user.role = role
        _bump(user)
    return _commit(session, user, "role_changed")


def link_inspector(session: Session, user_id: int, inspector: str | None) -> User:
    """Links the account to an inspector record (or unlinks it with an empty
    value, which an inspector account may not do)."""
    user = get_user(session, user_id)
    inspector = _check_inspector_link(session, inspector, user.id)
    if inspector is None and user.role == "inspector":
        raise AccountError("inspector", N_("检查人员账号必须关联一名检查人员"))
    user.inspector = inspector
    return _commit(session, user, "inspector_linked")


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


def _throttle_key(username: str) -> str:
    """The username key as stored in ``login_failure`` and looked up in
    ``user_account``: characters no username may hold (NUL, other controls,
    lone surrogates …) become U+FFFD, so any typed text can be stored and
    simply matches no account."""
    key = username_key(username)[:USERNAME_MAX]
    if first_bad_character(key) is not None:
        key = "".join("\ufffd" if first_bad_character(c) is not None else c for c in key)
    return key


def _unlock_time(session: Session, where, limit: int, since: datetime, window: timedelta,
                 exclude_id: int | None) -> datetime | None:
    """When fewer than ``limit`` attempts matching ``where`` (other than
    ``exclude_id``) will remain in the window, or None if that is the case
    already."""
    if exclude_id is not None:
        where = sa.and_(where, LoginFailure.id != exclude_id)
    times = session.exec(
        sa.select(LoginFailure.at).where(where, LoginFailure.at > since).order_by(LoginFailure.at.desc()).limit(limit)
    ).scalars().all()
    if len(times) < limit:
        return None
    return _utc(times[-1]) + window


def throttle_state(session: Session, username: str, ip: str | None, policy: ThrottlePolicy,
                   now: datetime | None = None, exclude_id: int | None = None) -> LoginResult:
    """Whether a login attempt would be refused right now, and until when
    (not counting the attempt row ``exclude_id``)."""
    now = _utc(now or _now())
    since = now - policy.window
    result = LoginResult()
    until_user = _unlock_time(session, LoginFailure.username == _throttle_key(username), policy.max_per_user, since,
                              policy.window, exclude_id)
    until_ip = (_unlock_time(session, LoginFailure.ip == ip, policy.max_per_ip, since, policy.window, exclude_id)
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
                   now: datetime | None = None) -> LoginFailure:
    """Records an attempt (and prunes rows older than the window); committed
    at once, so every other process sees it before this one goes on."""
    now = _utc(now or _now())
    session.execute(sa.delete(LoginFailure).where(LoginFailure.at <= now - policy.window))
    attempt = LoginFailure(username=_throttle_key(username), ip=(ip or "")[:45] or None, at=now)
    session.add(attempt)
    session.commit()
    return attempt


def authenticate(session: Session, username: str, password: str, ip: str | None,
                 policy: ThrottlePolicy | None = None, now: datetime | None = None) -> LoginResult:
    """Checks a login attempt against the throttle and the password (see the
    module docstring for why the attempt is recorded first).

    Inactive accounts and unknown usernames fail exactly like a wrong
    password (and count as failures), so the form does not reveal which
    usernames exist."""
    policy = policy or ThrottlePolicy()
    username = (username or "").strip()
    attempt = record_failure(session, username, ip, policy, now)
    attempt_id = attempt.id
    state = throttle_state(session, username, ip, policy, now, exclude_id=attempt_id)
    if state.locked_until is not None:
        session.execute(sa.delete(LoginFailure).where(LoginFailure.id == attempt_id))
        session.commit()
        return state
    user = find_user(session, username)
    session.commit()  # end the read transaction before the slow hash check
    if user is None:
        # Spend the same hashing time as for a real account.
        check_password(_dummy_hash(), password)
    elif user.active and check_password(user.password_hash, password):
        session.execute(sa.delete(LoginFailure).where(LoginFailure.username == user.username_key))
        session.commit()
        return LoginResult(user=user)
    return LoginResult()
