"""Issue 8, item 4: a task keeps its identity across plan versions (a lineage
copied by new_version, used in the draw's task key), so renaming it does not
make a drawn batch drawable again; a batch is drawn again only after its draw
is formally cancelled (public, with a reason); a cancelled draw's visits stop
being current and its outcome stays as confidential as before."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlmodel import select

from draw_fixtures import published_plan, run_ceremony, seed_registries
from inspect_app.jobs.runner import run_job
from inspect_app.models import Draw, DrawVisit, Task
from inspect_app.services import draw_register, draws, plans


def rename(s, plan, code, new_code):
    task = s.exec(select(Task).where(Task.plan_id == plan.id, Task.code == code)).one()
    data = plans.TaskInput(name=task.name, department=task.department, items=list(task.items),
                           window_start=task.window_start, window_end=task.window_end, code=new_code,
                           participating=list(task.participating), filter=dict(task.filter),
                           ratio=dict(task.ratio) if task.ratio else None, count=task.count,
                           list_ratio=dict(task.list_ratio), inspectors_per_visit=task.inspectors_per_visit)
    return plans.update_task(s, task, data)


@pytest.fixture
def drawn(app, db_session):
    s = db_session
    seed_registries(s)
    plan, tasks = published_plan(s, joint=False)
    draw = run_ceremony(s, plan, tasks, app)
    draws.seal(s, draw)
    v2 = plans.new_version(s, plan, "改任务编号", actor="planner")
    renamed = rename(s, v2, "T1", "T1-bis")
    plans.publish_plan(s, v2)
    return s, plan, tasks[0], v2, renamed, draw


def test_renamed_task_in_a_new_version_is_not_drawn_again(app, drawn):
    s, _plan, task, v2, renamed, draw = drawn
    assert renamed.lineage == task.lineage and renamed.code == "T1-bis"
    assert plans.task_key(v2, renamed) == plans.task_key(s.get(type(v2), task.plan_id), task)
    with pytest.raises(draws.DrawConflict) as error:
        draws.start_draw(s, v2, [renamed.id], "骰子", actor="bob")
    assert error.value.draw.id == draw.id and "作废" in str(error.value)
    assert len(s.exec(select(Draw)).all()) == 1


def test_cancellation_releases_the_batch_publicly(app, client, auth, drawn):
    s, _plan, _task, v2, renamed, draw = drawn
    with pytest.raises(draws.DrawError, match="原因"):
        draws.cancel(s, draw, " ", confirmed=True, actor="planner")
    auth.login()
    client.post(f"/planner/draws/{draw.id}/cancel", data={"reason": "计划调整，任务范围变更"})  # not confirmed
    s.expire_all()
    assert s.get(Draw, draw.id).cancelled_at is None
    client.post(f"/planner/draws/{draw.id}/cancel", data={"reason": "计划调整，任务范围变更", "confirm": "yes"})
    s.expire_all()
    draw = s.get(Draw, draw.id)
    assert draw.cancelled_at is not None and draw.cancelled_by == "planner" and draw.state == "sealed"
    trail = [e for e in draws.events(s, draw) if e.action == "cancelled"]
    assert len(trail) == 1 and trail[0].detail["reason"] == "计划调整，任务范围变更"
    assert not any(v.current for v in draws.visits(s, draw))
    for page in ("/draws/", f"/draws/{draw.code}"):
        text = client.get(page).get_data(as_text=True)
        assert "已作废" in text and "计划调整，任务范围变更" in text, page
    # still as confidential as before: no documents, no entity names
    for name in draw_register.DOCUMENTS:
        assert client.get(f"/draws/{draw.code}/{name}").status_code == 404
    visit = draws.visits(s, draw)[0]
    assert visit.entity_name not in client.get(f"/draws/{draw.code}").get_data(as_text=True)
    with pytest.raises(draws.DrawError):
        draws.cancel(s, draw, "再次", confirmed=True, actor="planner")
    # the batch can now be drawn again, once
    again, job = draws.start_draw(s, v2, [renamed.id], "骰子", actor="planner")
    assert again.id != draw.id
    with pytest.raises(draws.DrawConflict):
        draws.start_draw(s, v2, [renamed.id], "骰子", actor="planner")
    # the cancellation is write-once in the database too
    with pytest.raises(sa.exc.DBAPIError):
        s.execute(sa.update(Draw).where(Draw.id == draw.id).values(cancel_reason="改写"))
        s.commit()
    s.rollback()
    with pytest.raises(sa.exc.DBAPIError):
        s.execute(sa.update(DrawVisit).where(DrawVisit.draw_id == draw.id).values(current=True))
        s.commit()
    s.rollback()


def test_cancelled_draw_cannot_continue(app, db_session):
    s = db_session
    seed_registries(s)
    plan, tasks = published_plan(s, joint=False)
    draw, job = draws.start_draw(s, plan, [t.id for t in tasks], "骰子", actor="planner")
    run_job(app, job.id)
    s.refresh(draw)
    draws.cancel(s, draw, "见证人未到场", confirmed=True, actor="planner")
    with pytest.raises(draws.DrawError, match="作废"):
        draws.enter_entropy(s, draw, "1", [("甲", "")])
    assert s.get(Draw, draw.id).state == "committed"
