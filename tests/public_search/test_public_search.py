"""Issue 10, public search and an entity's history: each query kind, the
one-character refusal, pagination with its total, the history page, and
the privacy rules (an unpublished entity answers exactly like one never
drawn; every audience gets the same answer; bad input is never a 500)."""

from __future__ import annotations

import doctest
import re
from datetime import date

import pytest

from draw_fixtures import uscc
from inspect_app.services import public_search

from public_search_fixtures import comparable, main_part


def test_doctests():
    assert doctest.testmod(public_search).failed == 0


def hits(client, q, page=None):
    url = f"/search?q={q}" + (f"&page={page}" if page is not None else "")
    r = client.get(url)
    assert r.status_code == 200, (url, r.status_code)
    html = r.get_data(as_text=True)
    return html, re.findall(r'href="/entities/([0-9A-Z]{18})"', html)


def test_search_by_uscc_full_name_and_fragment(pub, client):
    a = pub.entity(1, "福州鼓楼小吃店")
    b = pub.entity(2, "福州鼓楼小吃店连锁有限公司")
    c = pub.entity(3, "厦门思明茶叶行")
    for code, name in ((a, "福州鼓楼小吃店"), (b, "福州鼓楼小吃店连锁有限公司"), (c, "厦门思明茶叶行")):
        pub.publish(code, name)
    # USCC: exactly that entity, lower case and spaces accepted
    assert hits(client, a)[1] == [a]
    assert hits(client, a.lower())[1] == [a]
    # full name: the exact name first, then the names containing it
    html, found = hits(client, "福州鼓楼小吃店")
    assert found == [a, b]
    assert "共 2 个经营主体" in html
    # a fragment of two characters, and a longer one
    assert hits(client, "鼓楼")[1] == [a, b]
    assert hits(client, "小吃店连锁")[1] == [b]
    assert hits(client, "茶叶")[1] == [c]
    assert hits(client, "茶鼓")[1] == []
    # white space and case are folded
    assert hits(client, "思明 茶叶")[1] == [c]


def test_fragment_needs_the_pieces_in_order(pub, client):
    """The pieces of "楼鼓楼" (楼鼓, 鼓楼) are both in "鼓楼楼鼓" but the
    fragment is not: the confirmation on the folded name decides."""
    a = pub.entity(1, "鼓楼楼鼓")
    pub.publish(a, "鼓楼楼鼓")
    assert hits(client, "楼鼓楼")[1] == []
    assert hits(client, "楼楼鼓")[1] == [a]


def test_one_character_is_refused_with_a_message(pub, client):
    a = pub.entity(1, "福州鼓楼小吃店")
    pub.publish(a, "福州鼓楼小吃店")
    html, found = hits(client, "福")
    assert found == [] and 'id="search-refused"' in html and "至少两个字" in html
    html, found = hits(client, " 福 ")
    assert found == [] and 'id="search-refused"' in html
    assert 'id="search-refused"' not in hits(client, "")[0]


def test_pagination_and_total(pub, client):
    codes = [pub.entity(n, f"测试商行{n:02d}号") for n in range(1, 24)]
    for n, code in enumerate(codes, start=1):
        pub.publish(code, f"测试商行{n:02d}号")
    html, first = hits(client, "商行")
    assert "共 23 个经营主体" in html and len(first) == 10 and first == codes[:10]
    assert "1 / 3" in html
    second = hits(client, "商行", page=2)[1]
    third = hits(client, "商行", page=3)[1]
    assert second == codes[10:20] and third == codes[20:]
    assert hits(client, "商行", page=99)[1] == third  # past the last: the last
    assert hits(client, "商行", page=-1)[1] == first


def test_too_broad_lists_nothing(pub, client, monkeypatch):
    monkeypatch.setattr(public_search, "MAX_CANDIDATES", 3)
    for n in range(1, 6):
        code = pub.entity(n, f"测试商行{n}号")
        pub.publish(code, f"测试商行{n}号")
    html, found = hits(client, "商行")
    assert found == [] and 'id="search-too-broad"' in html
    html, found = hits(client, "商行3号")
    assert found == [uscc(3)], html[-1500:]


def test_entity_history_newest_first_with_corrections(pub, client):
    a = pub.entity(1, "福州鼓楼小吃店")
    old = pub.publish(a, "福州鼓楼小吃店", day=date(2030, 3, 4), codes=("01",))
    new = pub.publish(a, "福州鼓楼小吃店", day=date(2030, 9, 8), tasks=("T2",), codes=("02", "0301"))
    corrected = pub.publish(a, "福州鼓楼小吃店", revision=2, reason="检查事项名称录入有误",
                            visit=_visit_of(pub, old), codes=("04",),
                            day=date(2030, 3, 4))
    r = client.get(f"/entities/{a}")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    ids = [int(i) for i in re.findall(r'id="record-(\d+)"', html)]
    assert ids == [new.id, corrected.id]  # newest first; the replaced revision is not current
    assert "福州鼓楼小吃店" in html and a in html and "鼓楼区" in html
    assert "定向" in html and "不定向" in html and "联合抽查" in html
    assert "发现问题已责令改正" in html
    assert "发现问题待后续处理：未按规定公示应当公示的信息" in html
    assert "未发现开展本次抽查涉及的经营活动" in html
    assert f'id="corrected-{corrected.id}"' in html and "检查事项名称录入有误" in html
    assert f'id="corrected-{new.id}"' not in html
    assert f'href="/results/{new.id}"' in html
    assert f'href="/results/tasks/{pub.tasks[1].id}"' in html
    assert 'href="/draws/D-PUB-1"' in html
    assert "卫生健康委员会" in html and "2030-09-08" in html


def test_entity_page_in_english(pub, client):
    """(The first request of the test: Flask-Babel keeps the locale on the
    test's application context.)"""
    a = pub.entity(1, "福州鼓楼小吃店")
    pub.publish(a, "福州鼓楼小吃店", tasks=("T2",), codes=("0301",))
    en = client.get(f"/entities/{a}?lang=en").get_data(as_text=True)
    assert "Health Commission" in en and "Market Regulation" in en
    assert "Directed" in en


def _visit_of(pub, published):
    from inspect_app.models import DrawVisit
    from inspect_app.visit_models import VisitResult

    return pub.session.get(DrawVisit, published.visit_pk), pub.session.get(VisitResult, published.result_id)


def test_search_hit_links_to_the_entity_page(pub, client):
    a = pub.entity(1, "福州鼓楼小吃店")
    pub.publish(a, "福州鼓楼小吃店")
    html, found = hits(client, "小吃")
    assert found == [a]
    assert client.get(f"/entities/{a}").status_code == 200


def test_unpublished_answers_like_never_drawn(pub, client):
    """Drawn with a draft result, drawn with an approved result not yet
    published, never drawn: the same search answer and the same 404 page,
    byte for byte (but for the query echoed back)."""
    published = pub.entity(1, "福州鼓楼小吃店")
    pub.publish(published, "福州鼓楼小吃店")
    draft = pub.entity(2, "福州台江茶叶行")
    pub.visit(draft, "福州台江茶叶行", state="draft")
    approved = pub.entity(3, "福州仓山茶叶行")
    pub.visit(approved, "福州仓山茶叶行", state="approved")
    never = pub.entity(4, "福州晋安茶叶行")
    unknown = uscc(5)

    def search(q):
        body = comparable(client.get(f"/search?q={q}").data)
        return body.replace(q, "QUERY")

    answers = {code: search(code) for code in (draft, approved, never, unknown)}
    assert len(set(answers.values())) == 1
    names = {q: search(q) for q in ("福州台江茶叶行", "福州仓山茶叶行", "福州晋安茶叶行")}
    assert len(set(names.values())) == 1
    assert search("茶叶") == search("酒楼")  # a fragment all three share: no hit, no count
    pages = {code: client.get(f"/entities/{code}") for code in (draft, approved, never, unknown, "not-a-uscc")}
    assert {r.status_code for r in pages.values()} == {404}
    # identical but for the path the language switch returns to
    assert len({comparable(r.data).replace(code, "CODE") for code, r in pages.items()}) == 1
    other = comparable(client.get("/entities/CODE").data)
    assert other == comparable(pages[never].data).replace(never, "CODE")
    assert client.get(f"/entities/{published}").status_code == 200


@pytest.mark.parametrize("role", ["inspector", "planner", "admin"])
def test_every_audience_gets_the_same_answer(pub, app, client, auth, role):
    a = pub.entity(1, "福州鼓楼小吃店")
    pub.publish(a, "福州鼓楼小吃店", codes=("0304",))
    urls = ["/search?q=鼓楼", f"/search?q={a}", "/search?q=福", f"/entities/{a}", f"/entities/{uscc(9)}"]
    anonymous = [(r.status_code, main_part(r.data)) for r in (app.test_client().get(u) for u in urls)]
    kw = {"inspector": "E1"} if role == "inspector" else {}
    if role == "inspector":
        from inspect_app.models import Inspector

        pub.session.add(Inspector(id="E1", name="检查员", department="SCJG", district="350102", certificate_no="C1",
                                  qualifications=[], specialities=[]))
        pub.session.commit()
    assert auth.login(role, role=role, **kw).status_code == 302
    logged_in = [(r.status_code, main_part(r.data)) for r in (client.get(u) for u in urls)]
    assert logged_in == anonymous


@pytest.mark.parametrize("query", [
    "x" * 51, "福" * 5000, "福州%00鼓楼", "%01", "%E2%80%AE鼓楼", "'; DROP TABLE published_entity; --", "%25%25",
    "__", "%5C%5C", "91350181MA0000001X", "913501" + "0" * 12, "ＡＢ", "🙂🙂", "\u3000\u3000",
    "".join(chr(0x4E00 + 37 * k) for k in range(50)),  # 49 distinct pieces, the longest query
])
def test_bad_input_is_never_a_500(pub, client, query):
    for page in ("", "-1", "0", "abc", str(10 ** 12), "1e9", "999999"):
        r = client.get(f"/search?q={query}&page={page}")
        assert r.status_code in (200, 400), (query, page, r.status_code)


def test_long_and_control_queries_answer_with_a_message(pub, client):
    html = client.get("/search?q=" + "福" * 51).get_data(as_text=True)
    assert 'id="search-refused"' in html and "50" in html
    assert client.get("/search?q=福州%00鼓楼").status_code == 400  # the app's hook, as everywhere
    assert public_search.search(None, "福州\x00鼓楼").refusal == "bad_character"  # and the service itself


@pytest.mark.parametrize("path", ["/entities/" + "9" * 18, "/entities/%00", "/entities/" + "A" * 400,
                                  "/entities/..%2F..", "/entities/913501"])
def test_bad_entity_urls_are_404_or_400(pub, client, path):
    assert client.get(path).status_code in (400, 404)


def test_the_longest_query_finds_its_name(pub, client):
    name = "".join(chr(0x4E00 + 37 * k) for k in range(50))  # 50 characters: 49 pieces, one statement
    a = pub.entity(1, name)
    pub.publish(a, name)
    assert hits(client, name)[1] == [a]
    assert hits(client, name[10:40])[1] == [a]
    assert 'id="search-refused"' in hits(client, name + "店")[0]  # 51 characters
