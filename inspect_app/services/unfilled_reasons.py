"""An unfilled visit's reason in the page's language (Chinese, or English).

Outcomes of formats ``inspect-draw-outcome/2`` and /3 hold a reason code and its
parameters (docs/draw-protocol.md section 9.1), never a text: the text is
rendered here, when the reason is shown (review page, documents), so that a
rewording or a translation never touches a sealed outcome. Outcomes the app
sealed in format /1 hold an English text, shown as it was sealed.
"""

from __future__ import annotations

from collections.abc import Mapping

from .messages import _, english

RULE_CODES = ("outside_jurisdiction", "inactive", "no_certificate", "certificate_expired", "not_qualified",
              "no_available_day", "no_capacity", "declared_conflict", "checked_last_time", "local_supervisor")


def _rule(code: str, n: object, qualifications: str) -> str:
    texts = {
        "outside_jurisdiction": lambda: _("%(n)s 名不在企业属地", n=n),
        "inactive": lambda: _("%(n)s 名不在岗", n=n),
        "no_certificate": lambda: _("%(n)s 名无执法证", n=n),
        "certificate_expired": lambda: _("%(n)s 名执法证在检查期结束前到期", n=n),
        "not_qualified": lambda: _("%(n)s 名不具备资质（%(q)s）", n=n, q=qualifications),
        "no_available_day": lambda: _("%(n)s 名在检查期每个工作日均请假", n=n),
        "no_capacity": lambda: _("%(n)s 名无检查容量", n=n),
        "declared_conflict": lambda: _("%(n)s 名已申报与企业存在利害关系", n=n),
        "checked_last_time": lambda: _("%(n)s 名参加了该企业上次检查（轮换）", n=n),
        "local_supervisor": lambda: _("%(n)s 名为该企业属地监管人员", n=n),
    }
    return texts[code]()


def _shortage(entry: Mapping, names: Mapping[str, str]) -> str:
    department = str(entry.get("department"))
    name = names.get(department, department)
    if entry.get("members") == 0:
        return _("%(d)s 在本次抽取中没有检查人员", d=name)
    quals = _separator().join(map(str, entry.get("qualifications") or [])) or "-"
    dropped = entry.get("dropped") or {}
    details = ("; " if english() else "；").join(_rule(code, dropped[code], quals) for code in RULE_CODES
                                                 if code in dropped)
    return _("%(d)s：需 %(n)s 名检查人员，%(m)s 名中仅 %(e)s 名符合条件（%(x)s）", d=name, n=entry.get("needed"),
             m=entry.get("members"), e=entry.get("eligible"), x=details)


def _separator() -> str:
    return ", " if english() else "、"


def _team(team: object) -> str:
    return _separator().join(map(str, team)) if isinstance(team, list) else str(team)


def reason_text(reason: object, names: Mapping[str, str]) -> str:
    """The text of an unfilled visit's ``reason``: a format /2 code with its
    parameters in the page's language, or a format /1 text as sealed.
    ``names`` maps department ids to names (an id without a name stands for
    itself)."""
    if not isinstance(reason, Mapping):
        return str(reason)
    code = reason.get("code")
    if code == "too_few_eligible":
        return ("; " if english() else "；").join(_shortage(entry, names) for entry in reason.get("departments") or ())
    if code == "capacity":
        department = str(reason.get("department"))
        return _("%(d)s：需 %(n)s 名检查人员，符合条件的有 %(e)s 名，但无论怎样安排优先级更高的检查，"
                 "其中有余量的都不足 %(n)s 名", d=names.get(department, department), n=reason.get("needed"),
                 e=reason.get("eligible"))
    if code == "pair_conflict":
        a, b = (list(reason.get("inspectors") or []) + ["?", "?"])[:2]
        return _("检查人员 %(a)s 与 %(b)s 不得同组，且没有尚有余量的符合条件人员可以替换", a=a, b=b)
    if code == "no_common_day":
        return _("检查期内没有全组（%(t)s）都能出勤的工作日", t=_team(reason.get("team")))
    if code == "days_fully_booked":
        return _("全组（%(t)s）都能出勤的 %(n)s 个工作日均已排满（每人每天最多 %(l)s 次检查）",
                 t=_team(reason.get("team")), n=reason.get("days"), l=reason.get("limit"))
    if code == "not_staffed":
        return _("未能组成检查组")
    if code == "not_scheduled":
        return _("未能为检查组安排工作日")
    return _("未知的原因代码 %(c)s", c=code)
