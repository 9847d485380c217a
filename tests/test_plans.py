"""Annual plans and tasks: only published current items, clear refusals,
exact sample-size previews, capacity warnings, publish-and-freeze, versions,
and the public plan pages."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from draw_fixtures import WINDOW, YEAR, item_id, published_plan, seed_registries
from inspect_app.models import CheckItem, Inspector, Plan, Task
from inspect_app.services import plans
from inspect_app.services.plan_preview import preview_plan


@pytest.fixture
def registries(db_session):
    seed_registries(db_session)
    return db_session


def task_input(session, **kw):
    data = dict(name="食品经营抽查", department="SCJG", items=[item_id(session, "SCJG-01")],
                window_start=WINDOW[0], window_end=WINDOW[1], ratio={"A": "0.01", "B": "0.03", "C": "0.1", "D": "0.3"})
    data.update(kw)
    return plans.TaskInput(**data)


def test_task_refuses_unpublished_and_superseded_items(registries):
    s = registries
    plan = plans.create_plan(s, "P-1", "计划", YEAR)
    with pytest.raises(plans.PlanError) as error:
        plans.add_task(s, plan, task_input(s, items=[item_id(s, "SCJG-99")]))
    assert error.value.field == "items" and "尚未公布" in error.value.message
    old = s.get(CheckItem, item_id(s, "SCJG-01"))
    old.current = False
    s.add(old)
    s.commit()
    with pytest.raises(plans.PlanError, match="取代"):
        plans.add_task(s, plan, task_input(s))
    assert s.exec(select(Task)).all() == []


@pytest.mark.parametrize("change, field", [
    ({"ratio": {"B": "1.5"}}, "ratio_B"),
    ({"ratio": {"B": "abc"}}, "ratio_B"),
    ({"ratio": None, "count": None}, "ratio"),
    ({"ratio": None, "count": 0}, "count"),
    ({"window_end": date(YEAR, 2, 1)}, "window_end"),
    ({"window_start": date(YEAR - 1, 12, 1)}, "window_start"),
    ({"department": "NOPE"}, "department"),
    ({"items": [0]}, "items"),
    ({"participating": ["NOPE"]}, "participating"),
    ({"filter": {"risks": ["E"]}}, "filter_risks"),
])
def test_task_refusals_name_the_field(registries, change, field):
    s = registries
    plan = plans.create_plan(s, "P-1", "计划", YEAR)
    with pytest.raises(plans.PlanError) as error:
        plans.add_task(s, plan, task_input(s, **change))
    assert error.value.field == field


def test_item_of_other_department_refused(registries):
    s = registries
    plan = plans.create_plan(s, "P-1", "计划", YEAR)
    with pytest.raises(plans.PlanError, match="CGJ-01"):
        plans.add_task(s, plan, task_input(s, items=[item_id(s, "CGJ-01")]))
    task = plans.add_task(s, plan, task_input(s, participating=["CGJ"], ratio=None, count=3,
                                              items=[item_id(s, "SCJG-02"), item_id(s, "CGJ-01")]))
    assert task.participating == ["CGJ"] and task.code == "T1" and not task.directed


def test_preview_uses_exact_ceiling(registries):
    """0.03 × 100 must give 3, not 4 (binary floating point gives 3.0000000000000004)."""
    from inspect_app.models import Entity

    s = registries
    n_b = s.exec(select(Entity).where(Entity.risk == "B")).all()
    plan = plans.create_plan(s, "P-1", "计划", YEAR)
    task = plans.add_task(s, plan, task_input(s, ratio={"B": "0.03"}, filter={"risks": ["B"]}))
    preview = preview_plan(s, [task]).tasks[0]
    active_b = len([e for e in n_b if e.status in ("存续", "在业")])
    assert preview.population == active_b
    import math
    from fractions import Fraction
    assert preview.expected_visits == math.ceil(Fraction("0.03") * active_b)
    assert task.directed and task.filter == {"risks": ["B"]}


def test_preview_strata_with_list_ratio(registries):
    s = registries
    plan, (t1, t2) = published_plan(s)
    preview = preview_plan(s, [t1, t2])
    strata = {st.key: st for st in preview.tasks[0].strata}
    assert strata["list:abnormal"].ratio == "1" and strata["list:abnormal"].sample == strata["list:abnormal"].population
    assert sum(st.population for st in preview.tasks[0].strata) == preview.tasks[0].population
    assert preview.tasks[1].expected_visits == 6
    assert preview.tasks[1].places == {"SCJG": 6, "CGJ": 6}
    assert not preview.warnings


def test_capacity_warning_when_inspectors_cannot_cover(registries):
    s = registries
    for inspector in s.exec(select(Inspector).where(Inspector.department == "CGJ")).all():
        inspector.max_visits = 0 if inspector.id != "CGJ00" else 2
        s.add(inspector)
    s.commit()
    plan, tasks = published_plan(s)
    warnings = preview_plan(s, tasks).warnings
    assert [(w.department, w.capacity, w.needed) for w in warnings] == [("CGJ", 2, 6)]


def test_preview_without_calendar_says_so(registries):
    s = registries
    plan = plans.create_plan(s, "P-2", "计划", 2031)
    task = plans.add_task(s, plan, task_input(s, window_start=date(2031, 3, 1), window_end=date(2031, 3, 31)))
    preview = preview_plan(s, [task])
    assert preview.capacity == {} and "2031" in preview.calendar_missing[0]


def test_publish_freezes_and_new_version_keeps_old(registries):
    s = registries
    plan, tasks = published_plan(s)
    assert plan.status == "published" and plan.published_at is not None
    with pytest.raises(plans.PlanError, match="新版本"):
        plans.add_task(s, plan, task_input(s))
    with pytest.raises(plans.PlanError):
        plans.update_task(s, tasks[0], task_input(s, name="改名"))
    with pytest.raises(plans.PlanError):
        plans.remove_task(s, tasks[0])
    with pytest.raises(plans.PlanError, match="修改原因"):
        plans.new_version(s, plan, "")
    v2 = plans.new_version(s, plan, "增加城管任务", actor="planner")
    assert (v2.version, v2.status, v2.previous_id) == (2, "draft", plan.id)
    assert [t.code for t in plans.plan_tasks(s, v2.id)] == ["T1", "T2"]
    plans.add_task(s, v2, task_input(s, name="第三个任务"))
    plans.publish_plan(s, v2)
    s.refresh(plan)
    assert plan.status == "superseded" and len(plans.plan_tasks(s, plan.id)) == 2
    assert [p.version for p in plans.plan_versions(s, plan)] == [1, 2]


def test_empty_plan_cannot_be_published(registries):
    plan = plans.create_plan(registries, "P-1", "计划", YEAR)
    with pytest.raises(plans.PlanError, match="没有任务"):
        plans.publish_plan(registries, plan)


def test_plan_pages_end_to_end(app, client, auth, registries):
    auth.login()
    r = client.post("/planner/plans/", data={"number": "P-9", "name": "网页计划", "year": str(YEAR)})
    assert r.status_code == 302
    plan = registries.exec(select(Plan).where(Plan.number == "P-9")).one()
    form = {"name": "网页任务", "department": "SCJG", "items": [str(item_id(registries, "SCJG-01"))],
            "window_start": WINDOW[0].isoformat(), "window_end": WINDOW[1].isoformat(), "mode": "ratio",
            "ratio_A": "0.1", "ratio_B": "0.2", "ratio_C": "", "ratio_D": "", "tags_any": "restaurant",
            "inspectors_per_visit": "2"}
    r = client.post(f"/planner/plans/{plan.id}/tasks/new", data=form)
    assert r.status_code == 302, r.get_data(as_text=True)
    bad = dict(form, items=[str(item_id(registries, "SCJG-99"))])
    r = client.post(f"/planner/plans/{plan.id}/tasks/new", data=bad)
    assert r.status_code == 400 and "尚未公布" in r.get_data(as_text=True)
    page = client.get(f"/planner/plans/{plan.id}").get_data(as_text=True)
    assert "网页任务" in page and f"/planner/plans/{plan.id}/preview" in page
    fragment = client.get(f"/planner/plans/{plan.id}/preview?fragment=1").get_data(as_text=True)
    assert "预计抽取" in fragment and "充足" in fragment and "<html" not in fragment
    assert "预计抽取" in client.get(f"/planner/plans/{plan.id}/preview?refresh=1").get_data(as_text=True)
    task = registries.exec(select(Task).where(Task.plan_id == plan.id)).one()
    assert task.ratio == {"A": "0.1", "B": "0.2"} and task.filter == {"tags_any": ["restaurant"]}
    assert client.get("/plans/").get_data(as_text=True).count("P-9") == 0
    assert client.post(f"/planner/plans/{plan.id}/publish").status_code == 302
    assert "P-9" in client.get("/plans/").get_data(as_text=True)
    assert "网页任务" in client.get(f"/plans/{plan.id}").get_data(as_text=True)
    r = client.post(f"/planner/plans/{plan.id}/version", data={"change_note": "调整比例"})
    v2 = registries.exec(select(Plan).where(Plan.number == "P-9", Plan.version == 2)).one()
    assert r.headers["Location"].endswith(f"/planner/plans/{v2.id}")
    assert client.get(f"/plans/{v2.id}").status_code == 404  # drafts are not public


def test_pages_render_in_english(app, client, auth, registries):
    plan, tasks = published_plan(registries)
    auth.login()
    page = client.get(f"/planner/plans/{plan.id}?lang=en").get_data(as_text=True)
    assert "Start a draw" in page
    assert "Expected sample" in client.get(f"/planner/plans/{plan.id}/preview?lang=en").get_data(as_text=True)
    assert "Draw register" in client.get("/?lang=en").get_data(as_text=True)
    assert "Annual plans" in client.get("/plans/?lang=en").get_data(as_text=True)


def test_preview_counts_are_cached_until_refresh(app, registries):
    from inspect_app.models import Entity
    from inspect_app.services.plan_preview import preview_plan

    s = registries
    plan, tasks = published_plan(s)
    first = preview_plan(s, tasks[:1]).tasks[0].population
    e = next(x for x in s.exec(select(Entity).where(Entity.status == "存续").order_by(Entity.id))
             if x.tags == ["restaurant"] and not x.lists)
    e.status = "注销"
    s.add(e)
    s.commit()
    assert preview_plan(s, tasks[:1]).tasks[0].population == first
    assert preview_plan(s, tasks[:1], refresh=True).tasks[0].population == first - 1


def test_task_edit_and_delete_pages(app, client, auth, registries):
    s = registries
    plan = plans.create_plan(s, "P-E", "计划", YEAR)
    task = plans.add_task(s, plan, task_input(s, participating=["CGJ"], ratio=None, count=3,
                                              items=[item_id(s, "SCJG-02"), item_id(s, "CGJ-01")],
                                              filter={"districts": ["350181001"]}))
    auth.login()
    assert "SCJG-99" not in client.get(f"/planner/plans/{plan.id}/tasks/new").get_data(as_text=True)
    page = client.get(f"/planner/tasks/{task.id}/edit").get_data(as_text=True)
    assert 'value="350181001"' in page and 'name="count" type="number" min="1" value="3"' in page
    form = {"name": "改名后的任务", "code": "T1", "department": "SCJG", "participating": ["CGJ"],
            "items": [str(i) for i in task.items], "window_start": WINDOW[0].isoformat(),
            "window_end": WINDOW[1].isoformat(), "mode": "count", "count": "5", "inspectors_per_visit": "3"}
    assert client.post(f"/planner/tasks/{task.id}/edit", data=form).status_code == 302
    s.refresh(task)
    assert (task.name, task.count, task.inspectors_per_visit, task.directed) == ("改名后的任务", 5, 3, False)
    r = client.post(f"/planner/tasks/{task.id}/edit", data=dict(form, window_start="2030-13-01"))
    assert r.status_code == 400 and "YYYY-MM-DD" in r.get_data(as_text=True)
    assert client.post(f"/planner/tasks/{task.id}/delete").status_code == 302
    assert plans.plan_tasks(s, plan.id) == []


def _restaurant_entity(s):
    from inspect_app.models import Entity

    return next(x for x in s.exec(select(Entity).where(Entity.status == "存续").order_by(Entity.id))
                if x.tags == ["restaurant"] and not x.lists)


def test_population_counted_when_a_task_is_saved(registries):
    """add_task and update_task store the task's population; the preview is
    built from it without counting again."""
    from inspect_app.services import plan_preview

    s = registries
    plan = plans.create_plan(s, "P-C", "计划", YEAR)
    task = plans.add_task(s, plan, task_input(s, filter={"tags_any": ["restaurant"]}))
    assert task.counted_at is not None and task.population == plan_preview.count_population(s, task)
    stored = sum(n for _, _, n in task.population)
    e = _restaurant_entity(s)
    e.status = "注销"  # changed behind the stored count (no updated_at)
    s.add(e)
    s.commit()
    assert preview_plan(s, [task]).tasks[0].population == stored
    first_count = task.counted_at
    plans.update_task(s, task, task_input(s, filter={"tags_any": ["restaurant"]}, name="改名"))
    assert task.counted_at >= first_count
    assert sum(n for _, _, n in task.population) == stored - 1
    assert preview_plan(s, [task]).tasks[0].population == stored - 1


def test_task_without_stored_population_is_counted_once(registries):
    """A task saved before counts were stored is counted on its first
    preview and keeps the count."""
    s = registries
    plan, tasks = published_plan(s)
    task = tasks[0]
    task.population, task.counted_at = None, None
    s.add(task)
    s.commit()
    first = preview_plan(s, [task]).tasks[0].population
    s.refresh(task)
    assert task.population is not None and task.counted_at is not None
    assert sum(n for _, _, n in task.population) == first


def test_preview_says_when_the_registry_changed_since_counting(app, client, auth, registries):
    """An entity edited after the count makes the preview say so until a
    recount."""
    from inspect_app.services import registry_edit

    s = registries
    plan, tasks = published_plan(s)
    auth.login()
    page = client.get(f"/planner/plans/{plan.id}/preview").get_data(as_text=True)
    assert 'id="registry-changed"' not in page
    e = _restaurant_entity(s)
    texts = registry_edit.form_texts("entities", e)
    result = registry_edit.edit_entity(s, e.uscc, dict(texts, status="注销"))
    assert result.ok, result.errors
    s.commit()
    before = preview_plan(s, tasks)
    assert before.registry_changed
    page = client.get(f"/planner/plans/{plan.id}/preview").get_data(as_text=True)
    assert 'id="registry-changed"' in page
    page = client.get(f"/planner/plans/{plan.id}/preview?refresh=1").get_data(as_text=True)
    assert 'id="registry-changed"' not in page
    after = preview_plan(s, tasks)
    assert not after.registry_changed
    assert after.tasks[0].population == before.tasks[0].population - 1
