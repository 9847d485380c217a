"""Unfilled reasons rendered from their codes (outcome format /2) in Chinese
and English; format /1 texts shown as sealed."""

from __future__ import annotations

import pytest

from inspect_app.services.unfilled_reasons import RULE_CODES, reason_text
from solver import reason_text as solver_text
from solver import reasons

NAMES = {"SCJG": "市场监督管理局", "CGJ": "城管局"}
SHORTAGE = {"code": "too_few_eligible", "departments": [
    {"department": "SCJG", "needed": 2, "qualifications": ["food"], "members": 8, "eligible": 1,
     "dropped": {"inactive": 3, "not_qualified": 2, "checked_last_time": 2}},
    {"department": "WJW", "needed": 1, "qualifications": [], "members": 0, "eligible": 0, "dropped": {}}]}
EVERY_CODE = [
    SHORTAGE,
    {"code": "capacity", "department": "CGJ", "needed": 2, "eligible": 3},
    {"code": "pair_conflict", "inspectors": ["E001", "E002"]},
    {"code": "no_common_day", "team": ["E001", "E003"]},
    {"code": "days_fully_booked", "team": ["E001", "E003"], "days": 4, "limit": 3},
    {"code": "not_staffed"},
    {"code": "not_scheduled"},
]


def test_the_app_knows_every_code_and_rule_of_the_solver():
    assert RULE_CODES == reasons.RULE_CODES
    assert {r["code"] for r in EVERY_CODE} == set(reasons.CODES)


def test_chinese_outside_a_request():
    assert reason_text(SHORTAGE, NAMES) == (
        "市场监督管理局：需 2 名检查人员，8 名中仅 1 名符合条件（3 名不在岗；2 名不具备资质（food）；"
        "2 名参加了该企业上次检查（轮换））；WJW 在本次抽取中没有检查人员")
    assert reason_text(EVERY_CODE[1], NAMES).startswith("城管局：需 2 名检查人员，符合条件的有 3 名")
    assert reason_text(EVERY_CODE[4], NAMES) == "全组（E001、E003）都能出勤的 4 个工作日均已排满（每人每天最多 3 次检查）"
    assert reason_text({"code": "later"}, NAMES) == "未知的原因代码 later"


def test_a_format_1_reason_is_shown_as_sealed():
    text = "城管局: 3 eligible inspectors, all at capacity with higher-priority visits"
    assert reason_text(text, NAMES) == text


@pytest.mark.parametrize("reason", EVERY_CODE, ids=lambda r: r["code"])
def test_english_in_an_english_request(app, reason):
    with app.test_request_context("/?lang=en"):
        english = reason_text(reason, {"CGJ": "Urban management"})
    assert english and not any("\u4e00" <= c <= "\u9fff" for c in english), english
    assert english[0].isupper() or english.startswith(("SCJG", "CGJ", "E0"))
    assert "、" not in english and "；" not in english
    assert solver_text.render(reason, {})  # the CLI's English renders every code as well
