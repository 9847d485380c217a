"""Every public route, for every role, against a sealed, unrevealed draw
with results in every state (issue 10, "Privacy and leaks").

The routes are walked from ``app.url_map`` (the ``public`` blueprint: pages,
documents, PDFs), so a route added later is swept too. URL variables take
every value of the world that could fit them (the draw's code, every
entity's USCC, every plan, task, published record and year). Nothing of a
visit whose result is not published — its entity's name or USCC — and no
remark, no operator and no inspector of the draw's teams may appear in any
answer, and no answer may be a server error. Only the published visit's
entity may appear, and only on the record, entity, bulletin and search
pages. The query parameters the public views read (:data:`QUERIES`: a
department's figures and summary, a bulletin's or a search's page) are
swept too, with every value of the world.
"""

from __future__ import annotations

import itertools
import re
from urllib.parse import quote

import pytest
from sqlmodel import select

from inspect_app.models import Department, Entity, Inspector, Plan, Task
from inspect_app.publication_models import PublishedResult
from publication.conftest import approve, client_for, individual
from review.conftest import TODAY, live_visits, make_result

REMARK = "内部备注：仅供审核"  # make_result writes "备注" as every problem item's remark
SWEPT = ("public",)
SKIP_ENDPOINTS = {"static"}
# endpoint → the query parameters its view reads (their values: candidates())
QUERIES = {"public.figures": ["department"], "public.figures_index": ["department", "year"],
           "public.year_summary_document": ["department"], "public.bulletin": ["page"], "public.search": ["page"]}


@pytest.fixture
def world(app, sealed, people):
    s, draw = sealed
    visits = live_visits(s, draw)
    published, submitted, approved_later, draft = visits[0], visits[1], visits[2], visits[3]
    individual(s, published, "福清市玉屏街道张三丰小吃店", operator="张三丰")
    approve(s, draw, published, people["admin"], codes={"SCJG-01": "02"}, rectify_by={"SCJG-01": TODAY})
    make_result(s, draw, submitted, state="submitted", codes={"SCJG-01": "0304"})
    make_result(s, draw, approved_later, state="returned")
    make_result(s, draw, draft, state="draft")
    secret = [v for v in visits if v.id != published.id]
    return {"draw": draw, "published": published, "secret": secret, "session": s}


def candidates(s, world) -> dict[str, list]:
    usccs = [e.uscc for e in s.exec(select(Entity).order_by(Entity.id).limit(20))]
    usccs += [v.uscc for v in world["secret"]] + [world["published"].uscc]
    return {
        "code": [world["draw"].code, *dict.fromkeys(usccs)],
        "uscc": list(dict.fromkeys(usccs)),
        "plan_id": [p.id for p in s.exec(select(Plan))],
        "task_id": [t.id for t in s.exec(select(Task))],
        "published_id": [r.id for r in s.exec(select(PublishedResult))] + [10**6],
        "year": [2030, TODAY.year],
        "name": ["instance.json", "secret.txt", "outcome.json", "register.json", "record.pdf"],
        "department": [d.id for d in s.exec(select(Department))] + ["NONE"],
        "page": [2, 10**5],
    }


def urls(app, values: dict[str, list]) -> list[tuple[str, str]]:
    out = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            blueprint = rule.endpoint.split(".", 1)[0]
            if blueprint not in SWEPT or rule.endpoint in SKIP_ENDPOINTS or "GET" not in rule.methods:
                continue
            names = sorted(rule.arguments)
            for combo in itertools.product(*(values.get(n, ["x"]) for n in names)):
                args = dict(zip(names, combo))
                out.append((rule.endpoint, app.url_for(rule.endpoint, **args)))
                for query in QUERIES.get(rule.endpoint, []):
                    for value in values[query]:
                        out.append((rule.endpoint, app.url_for(rule.endpoint, **args, **{query: value})))
    return out


def forbidden(s, world) -> list[str]:
    words = [REMARK, "备注", "张三丰"]
    for v in world["secret"]:
        entity = s.exec(select(Entity).where(Entity.uscc == v.uscc)).one()
        words += [v.uscc, entity.name]
    team = {m for v in live_visits(s, world["draw"]) for m in v.team}
    words += [i.name for i in s.exec(select(Inspector).where(Inspector.id.in_(team)))]
    return words


def echo_removed(text: str, url: str) -> str:
    """The page without the URL it was asked for (the language switch
    echoes the path back): the sweep's own values are not a leak."""
    from urllib.parse import quote, unquote

    for form in {url, unquote(url), quote(unquote(url), safe="/"), url.split("?")[0]}:
        text = text.replace(form, "")
    return text


@pytest.mark.parametrize("who", [None, "member", "scjg", "admin"])
def test_no_public_route_leaks_what_is_not_published(app, world, who):
    s = world["session"]
    words = forbidden(s, world)
    client = client_for(app, who)
    swept = urls(app, candidates(s, world))
    assert len({e for e, _ in swept}) >= 12, "the sweep lost the public routes"
    assert {e for e, u in swept if "department=CGJ" in u} >= {"public.figures", "public.year_summary_document"}
    statuses = set()
    for endpoint, url in swept:
        r = client.get(url)
        statuses.add(r.status_code)
        assert r.status_code < 500, (url, r.status_code)
        text = echo_removed(r.get_data().decode("utf-8", "replace"), url)
        for word in words:
            assert word not in text, (who, url, word)
    assert 200 in statuses and 404 in statuses


def test_a_drawn_entity_is_searched_like_one_never_drawn(app, world):
    s = world["session"]
    secret = s.exec(select(Entity).where(Entity.uscc == world["secret"][0].uscc)).one()
    drawn = set(v.uscc for v in live_visits(s, world["draw"]))
    never = s.exec(select(Entity).where(Entity.uscc.not_in(drawn)).order_by(Entity.id)).first()
    client = client_for(app, None)

    def answer(query: str, shown: str) -> str:
        text = client.get("/search", query_string={"q": query}).get_data(as_text=True)
        text = text.replace(query, "QUERY").replace(shown, "SHOWN").replace(quote(query), "QUERY")
        return re.sub(r'name="csrf_token" value="[^"]*"', "", text)

    assert answer(secret.uscc, secret.uscc) == answer(never.uscc, never.uscc)
    assert answer(secret.name, secret.name) == answer(never.name, never.name)
    r_secret = client.get(f"/entities/{secret.uscc}")
    r_never = client.get(f"/entities/{never.uscc}")
    assert r_secret.status_code == r_never.status_code == 404
