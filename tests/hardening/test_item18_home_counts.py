"""Issue 8, item 18: the planner's home page showed
``<built-in method items of dict object at 0x7f…> (19)`` as the number of
check items: the template read ``counts.items`` from a dict. The counts are
now an object whose attributes are the numbers, on every dashboard."""

from __future__ import annotations

import re

from inspect_app.models import CheckItem, Department
from inspect_app.services.registry_stats import registry_counts


def seed(session) -> None:
    session.add(Department(id="SCJG", name="市场监督管理局"))
    session.flush()
    for n in range(23):  # 23 current items, 19 of them published, plus an old version
        session.add(CheckItem(code=f"SCJG-{n:02d}", department="SCJG", name=f"事项{n}", published=n < 19))
    session.add(CheckItem(code="SCJG-00", version=0, department="SCJG", name="旧版", published=True, current=False))
    session.commit()


def test_home_page_shows_the_number_of_items(client, auth, db_session):
    seed(db_session)
    auth.login("planner", role="planner")
    html = client.get("/planner/").get_data(as_text=True)
    assert "built-in method" not in html
    assert re.search(r"<td>23 \(19\)</td>", html), html
    html = client.get("/planner/registries/").get_data(as_text=True)  # the other dashboard
    assert "built-in method" not in html
    assert re.search(r"随机抽查事项清单</a></td>\s*<td>23</td>", html)


def test_counts_read_the_same_as_attributes_and_keys(db_session):
    seed(db_session)
    from inspect_app.services.registry_stats import RegistryCounts

    counts = registry_counts(db_session)
    assert isinstance(counts, RegistryCounts)
    assert counts.items == counts["items"] == 23 and counts.items_published == 19
    assert counts.departments == counts["departments"] == 1
