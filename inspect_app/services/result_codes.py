"""The result codes an inspector records per check item (检查结果代码):
which version is current, its codes with their names, and what each code
means for the form and its validation.

The codes themselves are versioned data (tables ``result_code_set`` and
``result_code``, version 1 seeded by migration 0002). What a code *means*
is kept here as data keyed by code, one table of rules, so that the rules
are read in one place and a new version only adds rows:

=======  ======================================  =======  ======  ========  ========  ===========
code     name                                    problem  remark  deadline  cannot    whole visit
=======  ======================================  =======  ======  ========  ========  ===========
01       未发现问题                               no       no      no        no        no
02       发现问题已责令改正                        yes      yes     required  no        no
03       发现问题待后续处理 (needs a sub-code)     yes      yes     optional  no        no
0301-03  (sub-codes of 03)                       yes      yes     optional  no        no
0304     违反其他规定                              yes      yes     optional  no        no
04       未发现开展本次抽查涉及的经营活动             no       no      no        yes       no
05       已关闭停业或正在组织清算                    no       no      no        yes       yes
06       不配合检查情节严重 (refused)               no       no      no        yes       no
07       注销/吊销/撤销/迁出                       no       no      no        yes       yes
=======  ======================================  =======  ======  ========  ========  ===========

* **problem**: a problem was found (counted as such in reports).
* **remark**: the remark (internal, never published) is required.
* **deadline**: a rectification deadline (整改期限). 02 (ordered corrected)
  requires one: the order has a date. 03 and its sub-codes (follow-up
  pending) allow one: the follow-up may already have a date, or may be a
  case handed on with no deadline yet. No other code takes a deadline.
* **cannot**: the item could not be checked; recorded with the code, never
  skipped.
* **whole visit**: the code describes the entity, not the item (it is closed
  or gone), so it applies to every item of the visit.

>>> RULES["02"].deadline, RULES["0302"].deadline, RULES["01"].deadline
('required', 'optional', None)
>>> sorted(c for c, r in RULES.items() if r.cannot_check)
['04', '05', '06', '07']
>>> remark_required("0304"), remark_required("04")
(True, False)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from ..models import ResultCode, ResultCodeSet

PRESELECTED = "01"  # 未发现问题


@dataclass(frozen=True)
class CodeRule:
    problem: bool = False
    remark: bool = False
    deadline: str | None = None  # None | "optional" | "required"
    cannot_check: bool = False
    whole_visit: bool = False


_PROBLEM = CodeRule(problem=True, remark=True, deadline="optional")

RULES: dict[str, CodeRule] = {
    "01": CodeRule(),
    "02": CodeRule(problem=True, remark=True, deadline="required"),
    "03": _PROBLEM,
    "0301": _PROBLEM,
    "0302": _PROBLEM,
    "0303": _PROBLEM,
    "0304": _PROBLEM,  # 违反其他规定: the remark says which
    "04": CodeRule(cannot_check=True),
    "05": CodeRule(cannot_check=True, whole_visit=True),
    "06": CodeRule(cannot_check=True),
    "07": CodeRule(cannot_check=True, whole_visit=True),
}


def rule(code: str | None) -> CodeRule:
    """The rule of ``code`` (a code without a rule: nothing special)."""
    return RULES.get(code or "", CodeRule())


def is_problem(code: str | None) -> bool:
    """A problem was found (counted as such in reports).

    >>> is_problem("0301"), is_problem("01")
    (True, False)
    """
    return rule(code).problem


def remark_required(code: str | None) -> bool:
    return rule(code).remark


def deadline_rule(code: str | None) -> str | None:
    return rule(code).deadline


def cannot_check(code: str | None) -> bool:
    return rule(code).cannot_check


def whole_visit(code: str | None) -> bool:
    """The code concerns the entity, so it holds for every item.

    >>> whole_visit("07"), whole_visit("06")
    (True, False)
    """
    return rule(code).whole_visit


@dataclass(frozen=True)
class Code:
    code: str
    parent: str | None
    name_zh: str
    name_en: str
    sort: int
    subcodes: tuple[Code, ...] = ()

    def name(self, lang: str = "zh_CN") -> str:
        return self.name_zh if lang.startswith("zh") else self.name_en

    @property
    def rule(self) -> CodeRule:
        return rule(self.code)


@dataclass(frozen=True)
class CodeSet:
    version: int
    top: tuple[Code, ...]  # top-level codes, with their sub-codes
    by_code: dict[str, Code]

    def has_subcodes(self, code: str) -> bool:
        c = self.by_code.get(code)
        return bool(c and c.subcodes)

    def selectable(self) -> list[str]:
        """The codes a result may finally carry: top-level codes without
        sub-codes, and sub-codes (a code with sub-codes needs one)."""
        out = []
        for c in self.top:
            out.extend([s.code for s in c.subcodes] or [c.code])
        return out


def current_version(session: Session, today: date | None = None) -> int:
    """The newest code version in effect on ``today``."""
    from . import draws

    today = today or draws._today()
    version = session.exec(select(ResultCodeSet.version).where(ResultCodeSet.effective_from <= today)
                           .order_by(ResultCodeSet.version.desc())).first()
    if version is None:  # every version starts later than today: the oldest one
        version = session.exec(select(ResultCodeSet.version).order_by(ResultCodeSet.version)).first()
    if version is None:
        raise LookupError("no result codes (migration 0002 inserts version 1)")
    return version


def code_set(session: Session, version: int) -> CodeSet:
    rows = session.exec(select(ResultCode).where(ResultCode.version == version)
                        .order_by(ResultCode.sort, ResultCode.code)).all()
    children: dict[str, list[ResultCode]] = {}
    for r in rows:
        if r.parent_code:
            children.setdefault(r.parent_code, []).append(r)
    by_code: dict[str, Code] = {}
    top = []
    for r in rows:
        if r.parent_code:
            continue
        subs = tuple(Code(s.code, s.parent_code, s.name_zh, s.name_en, s.sort) for s in children.get(r.code, []))
        c = Code(r.code, None, r.name_zh, r.name_en, r.sort, subs)
        top.append(c)
        by_code[c.code] = c
        by_code.update({s.code: s for s in subs})
    return CodeSet(version, tuple(top), by_code)
