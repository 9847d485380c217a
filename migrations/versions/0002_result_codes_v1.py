"""result codes, version 1

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

The result-code table is versioned data, not code: this migration inserts
version 1 as published for the national enterprise credit publicity system.
A later change of the codes is a new version (a new migration or an admin
import), never an edit of version 1, because published results name the
version they were recorded under.
"""
from datetime import date
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: Union[str, None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# (code, parent, Chinese, English)
CODES_V1 = [
    ("01", None, "未发现问题", "No problem found"),
    ("02", None, "发现问题已责令改正", "Problem found, corrected on order"),
    ("03", None, "发现问题待后续处理", "Problem found, follow-up pending"),
    ("0301", "03", "未按规定公示应当公示的信息", "Did not publish information it must publish"),
    ("0302", "03", "公示信息隐瞒真实情况弄虚作假", "Published information concealed facts or was falsified"),
    ("0303", "03", "通过登记的住所（经营场所）无法联系", "Cannot be contacted at its registered address"),
    ("0304", "03", "违反其他规定", "Violated other provisions"),
    ("04", None, "未发现开展本次抽查涉及的经营活动", "No activity in the scope of this check"),
    ("05", None, "已关闭停业或正在组织清算", "Closed or in liquidation"),
    ("06", None, "不配合检查情节严重", "Serious refusal to cooperate"),
    ("07", None, "注销/吊销/撤销/迁出", "Deregistered, revoked or moved away"),
]


def upgrade() -> None:
    code_set = sa.table("result_code_set", sa.column("version", sa.Integer), sa.column("effective_from", sa.Date),
                        sa.column("note", sa.String))
    codes = sa.table("result_code", sa.column("version", sa.Integer), sa.column("code", sa.String),
                     sa.column("parent_code", sa.String), sa.column("name_zh", sa.String),
                     sa.column("name_en", sa.String), sa.column("sort", sa.Integer))
    op.bulk_insert(code_set, [{"version": 1, "effective_from": date(2019, 1, 1),
                               "note": "national enterprise credit publicity system codes"}])
    op.bulk_insert(codes, [
        {"version": 1, "code": c, "parent_code": p, "name_zh": zh, "name_en": en, "sort": i}
        for i, (c, p, zh, en) in enumerate(CODES_V1)
    ])


def downgrade() -> None:
    op.execute("DELETE FROM result_code WHERE version = 1")
    op.execute("DELETE FROM result_code_set WHERE version = 1")
