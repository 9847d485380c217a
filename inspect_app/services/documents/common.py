"""Small helpers shared by the documents' data modules: Chinese labels,
dates, department names (always the Chinese ones), ratios as percentages."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from sqlmodel import Session

from ...models import Department

WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
RISK_LABELS = {"A": "A类（低风险）", "B": "B类（一般风险）", "C": "C类（较高风险）", "D": "D类（高风险）"}
LIST_LABELS = {"abnormal": "经营异常名录", "serious": "严重违法失信名单"}
FILTER_LABELS = {"tags_any": "标签", "districts": "区域", "industries": "行业", "types": "类型", "risks": "风险类别",
                 "lists_any": "名单"}


def department_names(session: Session) -> dict[str, str]:
    return dict(session.execute(sa.select(Department.id, Department.name)).all())


def day(value: date | datetime | None) -> str:
    """``2030年3月1日`` (empty for None)."""
    if value is None:
        return ""
    return f"{value.year}年{value.month}月{value.day}日"


def day_with_weekday(value: date) -> str:
    return f"{day(value)}（{WEEKDAYS[value.weekday()]}）"


def moment(value: datetime | None) -> str:
    """A timestamp as stored (UTC), to the minute."""
    if value is None:
        return ""
    return value.strftime("%Y-%m-%d %H:%M") + " UTC"


def percent(value) -> str:
    """``"0.03"`` → ``3%`` (exact decimals; anything else as written)."""
    try:
        number = Decimal(str(value)) * 100
    except (InvalidOperation, ValueError):
        return str(value)
    text = format(number.normalize(), "f")
    return f"{text}%"


def sample_text(ratio: dict | None, count: int | None, list_ratio: dict | None) -> str:
    if count is not None:
        return f"固定抽取 {count} 户"
    parts = [f"{RISK_LABELS.get(r, r)} {percent(v)}" for r, v in (ratio or {}).items()]
    parts += [f"{LIST_LABELS.get(n, n)} {percent(v)}" for n, v in (list_ratio or {}).items()]
    return "；".join(parts) or "—"


def filter_text(flt: dict | None) -> str:
    parts = []
    for key, values in (flt or {}).items():
        if values:
            shown = [RISK_LABELS.get(v, v) if key == "risks" else LIST_LABELS.get(v, v) if key == "lists_any" else v
                     for v in values]
            parts.append(f"{FILTER_LABELS.get(key, key)}：{'、'.join(str(v) for v in shown)}")
    return "；".join(parts)
