"""Issue 8, item 7 (reveal part): eight planners revealing one draw at the
same moment: one wins (a conditional update), the others get a clear
DrawError; through the page a refused reveal is a redirect with a flash,
never HTTP 500."""

from __future__ import annotations

import threading
from datetime import date

from sqlmodel import select

from draw_fixtures import YEAR, in_threads
from inspect_app.models import Draw, DrawEvent
from inspect_app.services import draws

CLOSED = date(YEAR, 3, 30)



def test_eight_concurrent_reveals_one_wins(app, sealed):
    s, _plan, _tasks, draw = sealed

    def reveal(session, d, k):
        return draws.reveal(session, d, f"检查完成 {k}", confirmed=True, actor=f"planner{k}", today=CLOSED).id

    # each thread has read the unrevealed draw before they race
    results = in_threads(app, s.get_bind(), 8, reveal, prepare=lambda session: session.get(Draw, draw.id))
    won = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, draws.DrawError)]
    assert len(won) == 1 and len(refused) == 7, results
    assert all("已经公开" in str(e) for e in refused)
    s.expire_all()
    stored = s.get(Draw, draw.id)
    assert stored.revealed_by and stored.reveal_reason == f"检查完成 {stored.revealed_by[-1]}"
    events = s.exec(select(DrawEvent).where(DrawEvent.draw_id == draw.id, DrawEvent.action == "revealed")).all()
    assert len(events) == 1 and events[0].actor == stored.revealed_by


def test_second_reveal_through_the_page_is_a_flash_not_500(app, client, auth, sealed, monkeypatch):
    s, _plan, _tasks, draw = sealed
    monkeypatch.setattr(draws, "_today", lambda: CLOSED)
    auth.login()
    for _ in range(2):
        r = client.post(f"/planner/draws/{draw.id}/reveal", data={"reason": "检查完成", "confirm": "yes"})
        assert r.status_code == 302
    page = client.get(f"/planner/draws/{draw.id}").get_data(as_text=True)
    assert "已经公开" in page
    s.expire_all()
    assert len([e for e in draws.events(s, s.get(Draw, draw.id)) if e.action == "revealed"]) == 1


def test_eight_concurrent_reveals_through_the_page_never_500(app, auth, sealed, monkeypatch):
    s, _plan, _tasks, draw = sealed
    monkeypatch.setattr(draws, "_today", lambda: CLOSED, raising=False)
    clients = []
    for k in range(8):
        client = app.test_client()
        auth.client = client
        auth.login(f"planner{k}")
        clients.append(client)
    barrier = threading.Barrier(8)
    codes = [None] * 8

    def work(k):
        barrier.wait()
        codes[k] = clients[k].post(f"/planner/draws/{draw.id}/reveal",
                                   data={"reason": f"检查完成 {k}", "confirm": "yes"}).status_code

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert codes == [302] * 8, codes
    s.expire_all()
    assert s.get(Draw, draw.id).revealed_at is not None
    assert len([e for e in draws.events(s, s.get(Draw, draw.id)) if e.action == "revealed"]) == 1
