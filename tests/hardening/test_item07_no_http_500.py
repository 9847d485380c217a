"""Issue 8, item 7: inputs that gave HTTP 500 are a 404 or a 400 with a
message, on SQLite and PostgreSQL.

* every ``<int:...>`` route (found by walking ``app.url_map``) with ids
  beyond the database's INTEGER range, as anonymous, planner and admin;
* ``?page=99999999999999999999`` (and ``unfilled_page``) on every list page;
* ``?district=%F4%8F%BF%BF`` (U+10FFFF) and other non-digit district filters;
* ``?q=%00abc`` and NUL in a URL path segment;
* the task form with ``items=²`` or ``count=1e20``, the draw form with
  ``tasks=²``, the plan form with a huge year;
* the last safety net: a database DataError is a generic 400, not a 500.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from werkzeug.routing import converters

from draw_fixtures import WINDOW, item_id, published_plan, run_ceremony, seed_registries

HUGE_IDS = (9223372036854775808, 2147483648)


def int_rule_urls(app, value: int) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) for every rule with an int argument, that
    argument set to ``value``."""
    out = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            convs = rule._converters
            if not any(isinstance(c, converters.IntegerConverter) for c in convs.values()):
                continue
            args = {name: value if isinstance(c, converters.IntegerConverter)
                    else sorted(c.items)[0] if isinstance(c, converters.AnyConverter) else "x"
                    for name, c in convs.items()}
            url = app.url_for(rule.endpoint, **args)
            for method in sorted(set(rule.methods) & {"GET", "POST"}):
                out.append((rule.endpoint, method, url))
    return out


@pytest.mark.parametrize("who", ["anonymous", "planner", "admin"])
def test_every_int_route_with_an_id_beyond_the_database_range_is_404(app, client, auth, who):
    endpoints = {e for e, _, _ in int_rule_urls(app, 1)}  # the walk finds the routes
    assert {"public.plan", "planner.plan", "planner.draw", "planner.task_edit", "admin.user",
            "planner.schedule_export", "planner.conflict"} <= endpoints
    if who != "anonymous":
        assert auth.login(who, role=who).status_code == 302
    failures = []
    for value in HUGE_IDS:
        for endpoint, method, url in int_rule_urls(app, value):
            r = client.open(url, method=method, data={"x": "1"})
            if r.status_code != 404:
                failures.append(f"{method} {url} ({endpoint}) → {r.status_code}")
    assert not failures, "\n".join(failures)
    # the largest id still matches its route (the view answers: no such plan)
    adapter = app.url_map.bind("localhost")
    assert adapter.match("/plans/2147483647") == ("public.plan", {"plan_id": 2147483647})
    assert client.get("/plans/2147483647").status_code == 404


@pytest.fixture
def drawn(app, db_session):
    seed_registries(db_session, entities=60)
    plan, tasks = published_plan(db_session)
    return run_ceremony(db_session, plan, tasks, app)


LIST_PAGES = ["/planner/registries/entities/", "/planner/registries/inspectors/", "/planner/registries/items/",
              "/planner/registries/departments/", "/planner/registries/districts/",
              "/planner/registries/conflicts/", "/planner/registries/pair_conflicts/",
              "/planner/registries/leaves/"]


def test_huge_page_numbers_are_a_400_naming_the_parameter(client, auth, drawn):
    auth.login("planner", role="planner")
    pages = LIST_PAGES + [f"/planner/schedule/{drawn.id}/days", f"/planner/schedule/{drawn.id}/inspectors",
                          f"/planner/draws/{drawn.id}/review"]
    failures = []
    for path in pages:
        for name in ("page", "unfilled_page") if path.endswith("/review") else ("page",):
            r = client.get(f"{path}?{name}=99999999999999999999")
            text = r.get_data(as_text=True)
            if r.status_code != 400 or f"参数 {name} 应在 1 到 1000000 之间" not in text:
                failures.append(f"{path}?{name}=… → {r.status_code}")
    assert not failures, "\n".join(failures)
    # ordinary page numbers still work, junk still means page 1, as before
    assert client.get("/planner/registries/entities/?page=2").status_code == 200
    assert client.get("/planner/registries/entities/?page=abc").status_code == 200
    assert client.get(f"/planner/draws/{drawn.id}/review?unfilled_page=999").status_code == 200


DISTRICT_CASES = [
    ("/planner/registries/entities/?district=%F4%8F%BF%BF", "district"),
    ("/planner/registries/entities/?district=3501%F4%8F%BF%BF", "district"),
    ("/planner/registries/entities/?district=%C2%B2", "district"),
    ("/planner/registries/inspectors/?district=%F4%8F%BF%BF", "district"),
    ("/planner/registries/districts/?parent=%F4%8F%BF%BF", "parent"),
]


def test_district_filters_must_be_digits(client, auth, db_session):
    """U+10FFFF made the prefix range compute chr(0x110000): a ValueError."""
    seed_registries(db_session, entities=10)
    auth.login("planner", role="planner")
    for path, name in DISTRICT_CASES:
        r = client.get(path)
        assert r.status_code == 400, path
        assert f"参数 {name} 的格式不正确" in r.get_data(as_text=True)
    # a code of digits still filters by prefix
    r = client.get("/planner/registries/entities/?district=350181001")
    assert r.status_code == 200 and "测试0号" in r.get_data(as_text=True)
    assert "测试1号" not in r.get_data(as_text=True)
    assert client.get("/planner/registries/districts/?q=%C2%B2").status_code == 200  # '²' is no code prefix


def test_prefix_range_accepts_the_highest_code_point(db_session):
    from inspect_app.models import Entity
    from inspect_app.services.search import prefix_range

    for prefix in ("\U0010ffff", "35\U0010ffff", "3\ud7ff"):
        db_session.execute(sa.select(Entity.id).where(prefix_range(Entity.district, prefix))).all()


@pytest.mark.parametrize("path", ["/planner/registries/entities/", "/planner/registries/inspectors/",
                                  "/planner/registries/items/", "/planner/registries/departments/",
                                  "/planner/registries/districts/", "/planner/plans/"])
def test_nul_in_a_query_is_a_400_naming_the_parameter(client, auth, path):
    auth.login("planner", role="planner")
    r = client.get(path + "?q=%00abc")
    assert r.status_code == 400
    assert "参数 q 含有不允许的字符（U+0000，第 1 个字符）" in r.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/?q=%00abc", "/draws/D2030%00", "/plans/?lang=%00en"])
def test_nul_anywhere_in_a_public_request_is_a_400(client, path):
    r = client.get(path)
    assert r.status_code == 400 and "U+0000" in r.get_data(as_text=True)


def test_nul_in_a_path_segment_of_a_planner_page(client, auth):
    auth.login("planner", role="planner")
    r = client.get("/planner/registries/entities/%00abc")
    assert r.status_code == 400 and "参数 uscc" in r.get_data(as_text=True)


def test_the_error_page_speaks_english(client):
    r = client.get("/plans/?q=%00abc&lang=en")
    assert r.status_code == 400
    assert "Parameter q contains a character that is not allowed (U+0000, character 1)" in r.get_data(as_text=True)


@pytest.fixture
def draft(db_session):
    from inspect_app.services import plans

    seed_registries(db_session, entities=10)
    plan = plans.create_plan(db_session, "榕〔2030〕9号", "草稿计划", 2030)
    return plan


def task_form(db_session, **override) -> dict:
    data = {"name": "食品抽查", "department": "SCJG", "items": str(item_id(db_session, "SCJG-01")),
            "window_start": WINDOW[0].isoformat(), "window_end": WINDOW[1].isoformat(), "mode": "count",
            "count": "5", "inspectors_per_visit": "2"}
    data.update(override)
    return data


@pytest.mark.parametrize("override,field,text", [
    ({"items": "²"}, "items", "所选编号无效"),
    ({"items": "99999999999999999999"}, "items", "所选编号无效"),
    ({"count": "100000000000000000000"}, "count", "请填写 1 到 1000000 之间的整数"),
    ({"inspectors_per_visit": "9223372036854775808"}, "inspectors_per_visit", "请填写 1 到 1000 之间的整数"),
])
def test_task_form_numbers_are_field_errors(client, auth, db_session, draft, override, field, text):
    from inspect_app.models import Task

    auth.login("planner", role="planner")
    r = client.post(f"/planner/plans/{draft.id}/tasks/new", data=task_form(db_session, **override))
    assert r.status_code == 400
    assert f"{field}: {text}" in r.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.execute(sa.select(sa.func.count()).select_from(Task)).scalar_one() == 0
    ok = client.post(f"/planner/plans/{draft.id}/tasks/new", data=task_form(db_session))
    assert ok.status_code == 302  # the same form with good numbers is saved


def test_task_form_count_1e20(client, auth, db_session, draft):
    from inspect_app.models import Task

    auth.login("planner", role="planner")
    for value, text in (("1e20", "请填写整数"), ("1e+20", "请填写整数"), ("²", "请填写整数"),
                        ("100000000000000000000", "请填写 1 到 1000000 之间的整数")):
        r = client.post(f"/planner/plans/{draft.id}/tasks/new", data=task_form(db_session, count=value))
        assert r.status_code == 400 and f"count: {text}" in r.get_data(as_text=True), value
    assert db_session.execute(sa.select(sa.func.count()).select_from(Task)).scalar_one() == 0


def test_plan_form_year_beyond_any_integer(client, auth, db_session):
    auth.login("planner", role="planner")
    r = client.post("/planner/plans/", data={"number": "榕〔2030〕1号", "name": "计划", "year": "99999999999999999999"})
    assert r.status_code == 400 and "year: 请填写 1 到 9999 之间的整数" in r.get_data(as_text=True)


@pytest.mark.parametrize("value", ["²", "9223372036854775808"])
def test_draw_form_task_ids(client, auth, db_session, value):
    seed_registries(db_session, entities=10)
    plan, _ = published_plan(db_session, joint=False)
    auth.login("planner", role="planner")
    r = client.post(f"/planner/plans/{plan.id}/draws", data={"tasks": value, "entropy_source": "掷骰"})
    assert r.status_code == 400 and "参数 tasks" in r.get_data(as_text=True)


def test_integers_beyond_the_column_range_are_refused_by_the_flush_check(client, auth, db_session):
    """The registry edit form's max_visits (a PostgreSQL INTEGER): SQLite
    raised OverflowError, PostgreSQL a DataError; now both name the column."""
    from inspect_app.models import Inspector

    seed_registries(db_session, entities=1)
    auth.login("planner", role="planner")
    form = {"name": "张三", "department": "SCJG", "district": "350181001", "certificate_no": "",
            "certificate_expires": "", "qualifications": "", "specialities": "", "active": "y"}
    for value in ("99999999999999999999", "2147483648"):
        r = client.post("/planner/registries/inspectors/SCJG00/edit", data=form | {"max_visits": value})
        assert r.status_code == 400, value
        assert "inspector.max_visits 的值超出范围：应在 -2147483648 到 2147483647 之间" in r.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(Inspector, "SCJG00").max_visits == 30
    ok = client.post("/planner/registries/inspectors/SCJG00/edit", data=form | {"max_visits": "2147483647"})
    assert ok.status_code == 302


def test_the_database_safety_net_is_a_generic_400(app, client):
    """Only a backstop: the cases above never reach it (they would need the
    database to refuse the value)."""
    def data_error():
        raise sa.exc.DataError("SELECT 1", {}, Exception("value too long for type character varying(64)"))

    def bind_error():
        raise sa.exc.StatementError("bind", "SELECT ?", (2 ** 70,), OverflowError("int too large"))

    def other_error():
        raise sa.exc.IntegrityError("INSERT", {}, Exception("duplicate key"))

    app.add_url_rule("/t/data", view_func=data_error)
    app.add_url_rule("/t/bind", view_func=bind_error)
    def overflow():
        raise OverflowError("Python int too large to convert to SQLite INTEGER")

    app.add_url_rule("/t/other", view_func=other_error)
    app.add_url_rule("/t/overflow", view_func=overflow)
    for path in ("/t/data", "/t/bind", "/t/overflow"):
        r = client.get(path)
        assert r.status_code == 400 and "提交的数据无法保存" in r.get_data(as_text=True)
    with pytest.raises(sa.exc.IntegrityError):  # a real error stays one (500 in production)
        client.get("/t/other")
