"""Entity search (inspect_app.services.search) on SQLite FTS5 and PostgreSQL pg_trgm."""

from __future__ import annotations

import pytest

from inspect_app.models import District, Entity
from inspect_app.services.search import looks_like_uscc, search_entities

ROWS = [
    # uscc, name, district, risk, status, industry, lists, active
    ("91350181MA2Y0AAA01", "福清市海鲜餐饮有限公司", "350181001", "B", "存续", "餐饮业", [], True),
    ("91350181MA2Y0AAA02", "福清市融侨科技有限公司", "350181002", "C", "在业", "软件业", ["abnormal"], True),
    ("91350203MA2Y0AAA03", "厦门思明ABC贸易商行", "350203001", "A", "存续", "批发业", [], True),
    ("91350203MA2Y0AAA04", "厦门百分之100%食品店", "350203001", "D", "注销", "零售业", ["serious"], False),
    ("91350181MA2Y0AAA05", "福清市江阴港口物流有限公司", "350181001", "B", "吊销", "运输业", [], True),
    ("92350181MA2Y0AAA06", "福清市张三海鲜餐饮店", "350181002", "C", "存续", "餐饮业", ["abnormal", "serious"], True),
]


@pytest.fixture
def entities(db_session):
    for code, name in (("350181001", "音西街道"), ("350181002", "玉屏街道"), ("350203001", "鼓浪屿街道")):
        db_session.add(District(code=code, name=name, level=4))
    db_session.commit()
    for uscc, name, district, risk, status, industry, lists, active in ROWS:
        db_session.add(Entity(uscc=uscc, name=name, district=district, risk=risk, status=status,
                              industry=industry, lists=lists, active=active))
    db_session.commit()
    return db_session


def usccs(page):
    return [e.uscc for e in page.items]


def test_uscc_is_exact_lookup_case_insensitive(entities):
    page = search_entities(entities, q=" 91350203ma2y0aaa03 ")
    assert page.mode == "uscc"
    assert usccs(page) == ["91350203MA2Y0AAA03"]
    assert page.total == 1 and not page.has_next
    assert search_entities(entities, q="91350203MA2Y0AAA99").items == []


def test_uscc_shape():
    assert looks_like_uscc("91350181MA2Y0AAA01")
    assert not looks_like_uscc("91350181MA2Y0AAA0")  # 17 characters
    assert not looks_like_uscc("91350181MA2Y0AAI01")  # I is not in the alphabet
    assert not looks_like_uscc("福清市海鲜餐饮有限公司福清市海鲜餐饮")


def test_name_fragment_matches_inside_the_name(entities):
    page = search_entities(entities, q="海鲜餐饮")
    assert page.mode == "name"
    assert usccs(page) == ["91350181MA2Y0AAA01", "92350181MA2Y0AAA06"]
    assert page.total == 2


def test_name_search_ignores_latin_case(entities):
    assert usccs(search_entities(entities, q="abc贸易")) == ["91350203MA2Y0AAA03"]


def test_like_wildcards_in_query_are_literal(entities):
    assert usccs(search_entities(entities, q="100%食")) == ["91350203MA2Y0AAA04"]
    assert search_entities(entities, q="1_0%").items == []
    assert search_entities(entities, q='有"限').items == []


def test_short_fragment_falls_back_to_scan_without_count(entities):
    page = search_entities(entities, q="海鲜")
    assert page.mode == "short"
    assert usccs(page) == ["91350181MA2Y0AAA01", "92350181MA2Y0AAA06"]
    assert page.total is None
    one = search_entities(entities, q="港")
    assert usccs(one) == ["91350181MA2Y0AAA05"]
    assert usccs(search_entities(entities, q="bc")) == ["91350203MA2Y0AAA03"]  # Latin: case-insensitive
    assert usccs(search_entities(entities, q="0%")) == ["91350203MA2Y0AAA04"]


def test_district_filter_matches_by_prefix(entities):
    assert usccs(search_entities(entities, district="350181")) == [
        "91350181MA2Y0AAA01", "91350181MA2Y0AAA02", "91350181MA2Y0AAA05", "92350181MA2Y0AAA06"]
    assert usccs(search_entities(entities, district="350181002")) == ["91350181MA2Y0AAA02", "92350181MA2Y0AAA06"]
    assert usccs(search_entities(entities, district="3502")) == ["91350203MA2Y0AAA03", "91350203MA2Y0AAA04"]


@pytest.mark.parametrize("kwargs, expected", [
    ({"risk": "C"}, ["91350181MA2Y0AAA02", "92350181MA2Y0AAA06"]),
    ({"status": "存续"}, ["91350181MA2Y0AAA01", "91350203MA2Y0AAA03", "92350181MA2Y0AAA06"]),
    ({"active": False}, ["91350203MA2Y0AAA04"]),
    ({"industry": "餐饮业"}, ["91350181MA2Y0AAA01", "92350181MA2Y0AAA06"]),
    ({"list_name": "serious"}, ["91350203MA2Y0AAA04", "92350181MA2Y0AAA06"]),
    ({"list_name": "*"}, ["91350181MA2Y0AAA02", "91350203MA2Y0AAA04", "92350181MA2Y0AAA06"]),
    ({"district": "350181", "risk": "B"}, ["91350181MA2Y0AAA01", "91350181MA2Y0AAA05"]),
    ({"q": "福清市", "list_name": "abnormal", "risk": "C"}, ["91350181MA2Y0AAA02", "92350181MA2Y0AAA06"]),
    ({"q": "有限公司", "status": "吊销"}, ["91350181MA2Y0AAA05"]),
])
def test_filters(entities, kwargs, expected):
    page = search_entities(entities, **kwargs)
    assert usccs(page) == expected
    if page.mode != "short":
        assert page.total == len(expected)


def test_pagination_is_deterministic(entities):
    all_rows = usccs(search_entities(entities))
    assert all_rows == [r[0] for r in ROWS]
    p1 = search_entities(entities, page=1, page_size=4)
    p2 = search_entities(entities, page=2, page_size=4)
    assert usccs(p1) == all_rows[:4] and p1.has_next and not p1.has_prev
    assert usccs(p2) == all_rows[4:] and not p2.has_next and p2.has_prev
    assert p1.total == 6 and p1.last_page == 2
    assert search_entities(entities, page=3, page_size=4).items == []


def test_count_is_capped(entities):
    page = search_entities(entities, page_size=2, count_cap=3)
    assert page.total == 3 and page.total_capped and page.last_page is None
    assert page.has_next
    exact = search_entities(entities, q="福清市", page_size=2, count_cap=4)
    assert exact.total == 4 and not exact.total_capped and exact.last_page == 2
