"""Validation of a visit's results (``services/results.py`` uses it): the
parsing of what the form sends (every field bounded, every error naming the
item and the field) and the full check before submission.

Two levels:

* :func:`parse_changes` — what a draft save may contain. A draft may be
  incomplete (no completion date yet, 03 without its sub-code, a problem
  without its remark), but nothing it stores is wrong: an unknown code, a
  date in the wrong format, in the future or before the window, a deadline
  where the code takes none or out of bounds, a remark past 500 characters.
* :func:`check_complete` — what a submission needs on top: a completion
  date, a sub-code where the code has sub-codes, a remark where the code
  requires one, a deadline for a problem ordered corrected (02), and a code
  that concerns the entity (05, 07) on every item of the visit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from . import result_codes, text_rules
from .messages import _

REMARK_MAX = 500
DEADLINE_MAX_DAYS = 365  # a deadline lies at most a year after the completion date
ITEMS_MAX = 500  # items per save (a visit has a handful)
SEQ_MAX = 2**31 - 1


@dataclass(frozen=True)
class FieldError:
    """One refusal: ``item`` is the check item id (None for the visit's own
    fields: ``completed_on``, ``seq``, ``items``)."""

    item: int | None
    field: str
    message: str

    def as_dict(self) -> dict:
        return {"item": self.item, "field": self.field, "message": self.message}


class ResultError(Exception):
    """A refused action on a visit's results (its message is for the user)."""

    status = 400


class ResultInvalid(ResultError):
    """The data does not pass validation; ``errors`` lists each field."""

    saved: int | None = None  # the stored saved_seq and state, where known
    state: str | None = None

    def __init__(self, errors: list[FieldError], message: str | None = None):
        self.errors = errors
        super().__init__(message or _("检查结果有 %(n)s 处需要修改", n=len(errors)))


@dataclass
class ItemChange:
    item: int
    fields: dict  # a subset of code, remark, rectify_by


def parse_date(value, item: int | None, field: str, errors: list[FieldError]) -> tuple[bool, date | None]:
    """(ok, date) of an ISO date string; empty → None."""
    if value is None or value == "":
        return True, None
    if isinstance(value, str) and len(value) == 10:
        try:
            return True, date.fromisoformat(value)
        except ValueError:
            pass
    errors.append(FieldError(item, field, _("日期格式应为 YYYY-MM-DD")))
    return False, None


def parse_seq(value) -> int:
    try:
        seq = int(value)
    except (TypeError, ValueError):
        seq = 0
    if isinstance(value, bool) or not 1 <= seq <= SEQ_MAX:
        raise ResultInvalid([FieldError(None, "seq", _("保存序号应为正整数"))])
    return seq


def check_remark(value, label: str) -> tuple[str | None, str | None]:
    """(the text as stored or None when empty, the refusal or None): at
    most REMARK_MAX characters, several lines allowed, no control
    characters (services/text_rules)."""
    if value is None:
        return None, None
    if isinstance(value, str) and len(value.strip()) > REMARK_MAX:
        return None, _("%(f)s最多 %(n)s 个字", f=label, n=REMARK_MAX)
    try:
        text = text_rules.check_text(value, field=label, max_length=REMARK_MAX, multiline=True)
    except text_rules.TextError as error:
        return None, text_rules.message(error)
    return text or None, None


def check_completed_on(day: date | None, window_start: date, today: date, item=None) -> str | None:
    if day is None:
        return None
    if day > today:
        return _("完成日期不能晚于今天")
    if day < window_start:
        return _("完成日期不能早于抽查时段开始（%(d)s）", d=window_start.isoformat())
    return None


def check_deadline(code: str, rectify_by: date | None, completed_on: date | None, today: date) -> str | None:
    if rectify_by is None:
        return None
    if result_codes.deadline_rule(code) is None:
        return _("只有发现问题的结果可以填写整改期限")
    base = completed_on or today
    if completed_on is not None and rectify_by < completed_on:
        return _("整改期限不能早于完成日期")
    if rectify_by > base + timedelta(days=DEADLINE_MAX_DAYS):
        return _("整改期限最长为完成日期后一年")
    return None


def parse_changes(data, item_ids: set[int], codes: result_codes.CodeSet, window_start: date,
                  today: date) -> tuple[dict, list[ItemChange], list[FieldError]]:
    """Parse a save's ``data`` ({completed_on, items: {item_id: {code,
    remark, rectify_by}}}): (visit fields to set, item changes, errors).
    Only the keys present change anything."""
    errors: list[FieldError] = []
    visit: dict = {}
    if not isinstance(data, dict):
        return visit, [], [FieldError(None, "items", _("数据格式不正确"))]
    if "completed_on" in data:
        ok, day = parse_date(data["completed_on"], None, "completed_on", errors)
        if ok:
            problem = check_completed_on(day, window_start, today)
            if problem:
                errors.append(FieldError(None, "completed_on", problem))
            else:
                visit["completed_on"] = day
    raw_items = data.get("items") or {}
    if not isinstance(raw_items, dict) or len(raw_items) > ITEMS_MAX:
        return visit, [], errors + [FieldError(None, "items", _("数据格式不正确"))]
    changes = []
    for key, raw in raw_items.items():
        try:
            item = int(key)
        except (TypeError, ValueError):
            item = None
        if item not in item_ids:
            errors.append(FieldError(None, "items", _("检查事项 %(k)s 不属于这项检查", k=str(key)[:20])))
            continue
        if not isinstance(raw, dict):
            errors.append(FieldError(item, "code", _("数据格式不正确")))
            continue
        fields: dict = {}
        if "code" in raw:
            code = raw["code"] if isinstance(raw["code"], str) else ""
            if code not in codes.by_code:
                errors.append(FieldError(item, "code", _("结果代码 %(c)s 不存在", c=code[:16])))
            else:
                fields["code"] = code
        if "remark" in raw:
            remark, problem = check_remark(raw["remark"], _("备注"))
            if problem:
                errors.append(FieldError(item, "remark", problem))
            else:
                fields["remark"] = remark
        if "rectify_by" in raw:
            ok, day = parse_date(raw["rectify_by"], item, "rectify_by", errors)
            if ok:
                fields["rectify_by"] = day
        changes.append(ItemChange(item, fields))
    return visit, changes, errors


def check_item(item: int, code: str, remark: str | None, rectify_by: date | None, completed_on: date | None,
               today: date, codes: result_codes.CodeSet, complete: bool) -> list[FieldError]:
    """The errors of one item's stored values (``complete``: for submission)."""
    errors = []
    if code not in codes.by_code:
        errors.append(FieldError(item, "code", _("结果代码 %(c)s 不存在", c=code)))
        return errors
    problem = check_deadline(code, rectify_by, completed_on, today)
    if problem:
        errors.append(FieldError(item, "rectify_by", problem))
    if not complete:
        return errors
    if codes.has_subcodes(code):
        errors.append(FieldError(item, "code", _("请选择 %(c)s 的具体情形", c=code)))
    if result_codes.remark_required(code) and not remark:
        errors.append(FieldError(item, "remark", _("发现问题或违反其他规定时必须填写备注")))
    if result_codes.deadline_rule(code) == "required" and rectify_by is None:
        errors.append(FieldError(item, "rectify_by", _("责令改正时必须填写整改期限")))
    return errors


def check_complete(completed_on: date | None, items: list, window_start: date, today: date,
                   codes: result_codes.CodeSet) -> list[FieldError]:
    """Everything a submission needs; ``items`` are ItemResult rows."""
    errors = []
    if completed_on is None:
        errors.append(FieldError(None, "completed_on", _("请填写完成日期")))
    else:
        problem = check_completed_on(completed_on, window_start, today)
        if problem:
            errors.append(FieldError(None, "completed_on", problem))
    for row in items:
        errors.extend(check_item(row.item_id, row.code, row.remark, row.rectify_by, completed_on, today, codes,
                                 complete=True))
    entity_codes = {row.code for row in items if result_codes.whole_visit(row.code)}
    if entity_codes:
        code = sorted(entity_codes)[0]
        for row in items:
            if row.code != code:
                errors.append(FieldError(row.item_id, "code",
                                         _("结果代码 %(c)s 涉及整个企业，所有检查事项都应使用它", c=code)))
    return errors
