"""Issue 8, item 16: a planner acts for their department.

A planner of SCJG may change SCJG's check items, the tasks SCJG leads, the
plans SCJG owns and the draws over SCJG-led tasks; a planner of CGJ gets a
403 with the reason for each of them (through every route), and sees them
read-only. A joint task (SCJG leads, CGJ takes part) is edited by SCJG only.
A planner without a department changes nothing; an admin may do all. The
rule lives in ``inspect_app/services/scope.py``."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from sqlmodel import select

from draw_fixtures import WINDOW, YEAR, item_id, published_plan, run_ceremony, seed_registries
from inspect_app.models import CheckItem, Draw, DrawEvent, Entity, Plan, Task, User
from inspect_app.services import plans

PASSWORD = "correct-horse"


@pytest.fixture
def world(app, db_session, auth):
    """Registries (SCJG, CGJ), accounts, a published plan (T1 SCJG, T2 joint:
    SCJG leads, CGJ takes part) and a draft plan with one task of each."""
    seed_registries(db_session)
    auth.create("scjg", "planner", department="SCJG")
    auth.create("cgj", "planner", department="CGJ")
    auth.create("nodept", "planner")
    auth.create("boss", "admin")
    published, tasks = published_plan(db_session)
    draft = plans.create_plan(db_session, "榕市监〔2030〕2号", "2030年度第二批", YEAR)  # by the system: no owner
    common = dict(window_start=WINDOW[0], window_end=WINDOW[1], ratio={"A": "0.1"})
    joint = plans.add_task(db_session, draft, plans.TaskInput(
        name="联合抽查", department="SCJG", participating=["CGJ"],
        items=[item_id(db_session, "SCJG-02"), item_id(db_session, "CGJ-01")], **common))
    cgj_task = plans.add_task(db_session, draft, plans.TaskInput(
        name="城管抽查", department="CGJ", items=[item_id(db_session, "CGJ-01")], **common))
    return {"published": published.id, "tasks": [t.id for t in tasks], "draft": draft.id,
            "joint": joint.id, "cgj_task": cgj_task.id}


def login(client, username: str) -> None:
    client.post("/logout")
    r = client.post("/login", data={"username": username, "password": PASSWORD})
    assert r.status_code == 302, username


def refused(r, *words: str) -> None:
    """A 403 page naming the reason."""
    assert r.status_code == 403, (r.status_code, r.get_data(as_text=True)[:500])
    body = r.get_data(as_text=True)
    message = re.search(r'id="scope-error">([^<]*)<', body)
    assert message, body[:500]
    for word in words:
        assert word in message.group(1), message.group(1)


def task_form(**changes) -> dict:
    form = {"name": "联合抽查（改）", "department": "SCJG", "participating": ["CGJ"], "mode": "ratio",
            "ratio_A": "0.2", "window_start": str(WINDOW[0]), "window_end": str(WINDOW[1]),
            "inspectors_per_visit": "2"}
    form.update(changes)
    return form


def fresh(db_session, model, key):
    db_session.expire_all()
    return db_session.get(model, key)


# --- check items ----------------------------------------------------------------

ITEM_FORM = {"department": "SCJG", "name": "食品经营许可（新）", "legal_basis": "", "content": "", "method": "",
             "qualification": "food", "ratio_a": "0.01", "ratio_b": "0.03", "ratio_c": "0.1", "ratio_d": "0.3",
             "frequency": "", "published": "y"}


def item_versions(db_session, code):
    db_session.expire_all()
    return db_session.exec(select(CheckItem).where(CheckItem.code == code)).all()


def test_items_are_edited_by_their_department_only(client, db_session, world):
    login(client, "cgj")
    refused(client.get("/planner/registries/items/SCJG-01/edit"), "SCJG", "CGJ")
    refused(client.post("/planner/registries/items/SCJG-01/edit", data=ITEM_FORM), "SCJG")
    assert len(item_versions(db_session, "SCJG-01")) == 1
    # nor hand its own item over to another department
    refused(client.post("/planner/registries/items/CGJ-01/edit",
                        data=ITEM_FORM | {"department": "SCJG", "qualification": ""}), "SCJG")
    assert item_versions(db_session, "CGJ-01")[0].department == "CGJ"
    # read-only: the page is there, without the edit button
    page = client.get("/planner/registries/items/SCJG-01")
    assert page.status_code == 200 and 'id="read-only"' in page.get_data(as_text=True)
    assert "/planner/registries/items/SCJG-01/edit" not in page.get_data(as_text=True)
    assert "/planner/registries/items/CGJ-01/edit" in client.get("/planner/registries/items/CGJ-01").get_data(as_text=True)

    login(client, "scjg")
    assert client.post("/planner/registries/items/SCJG-01/edit", data=ITEM_FORM).status_code == 302
    assert len(item_versions(db_session, "SCJG-01")) == 2

    login(client, "boss")
    form = ITEM_FORM | {"department": "CGJ", "name": "门前三包（新）", "qualification": ""}
    assert client.post("/planner/registries/items/CGJ-01/edit", data=form).status_code == 302
    assert len(item_versions(db_session, "CGJ-01")) == 2


def upload_items(client, rows: list[str]):
    """Upload and follow to the import job's page (the job runs inline)."""
    client.application.config["IMPORT_RUNNER"] = "inline"
    content = ("事项编码,部门,事项名称\n" + "\n".join(rows) + "\n").encode("utf-8")
    return client.post("/planner/registries/upload/items", data={"file": (io.BytesIO(content), "items.csv")},
                       content_type="multipart/form-data", follow_redirects=True)


def import_refused(r, *words: str) -> None:
    """The import job ended without changing anything, naming the reason
    (the department rule is applied by the job, which reads the file)."""
    assert r.status_code == 200, r.status_code
    body = r.get_data(as_text=True)
    block = re.search(r'id="import-crashed">(.*?)</div>', body, re.S)
    assert block, body[:800]
    for word in words:
        assert word in block.group(1), block.group(1)


def test_item_import_stays_in_the_department(client, db_session, world):
    login(client, "cgj")
    # a row of another department, or a row taking over another department's code
    import_refused(upload_items(client, ["CGJ-02,CGJ,新事项", "SCJG-03,SCJG,别人的事项"]), "3", "SCJG-03")
    import_refused(upload_items(client, ["SCJG-01,CGJ,抢来的事项"]), "2", "SCJG-01")
    assert item_versions(db_session, "CGJ-02") == [] and item_versions(db_session, "SCJG-03") == []
    assert [i.department for i in item_versions(db_session, "SCJG-01")] == ["SCJG"]
    r = upload_items(client, ["CGJ-02,CGJ,新事项"])
    assert r.status_code == 200, r.get_data(as_text=True)[:500]
    assert [i.department for i in item_versions(db_session, "CGJ-02")] == ["CGJ"]

    login(client, "boss")
    assert upload_items(client, ["SCJG-03,SCJG,管理员导入"]).status_code == 200
    assert len(item_versions(db_session, "SCJG-03")) == 1


# --- plans ------------------------------------------------------------------------

def test_a_plan_belongs_to_the_department_that_created_it(client, db_session, world):
    login(client, "scjg")
    r = client.post("/planner/plans/", data={"number": "榕市监〔2030〕9号", "name": "SCJG 计划", "year": str(YEAR)})
    assert r.status_code == 302
    plan = db_session.exec(select(Plan).where(Plan.number == "榕市监〔2030〕9号")).one()
    assert plan.department == "SCJG"
    # a CGJ-led task may be added by CGJ, but only SCJG publishes
    login(client, "cgj")
    form = task_form(name="城管任务", department="CGJ", participating=[], items=[str(item_id(db_session, "CGJ-01"))])
    assert client.post(f"/planner/plans/{plan.id}/tasks/new", data=form).status_code == 302
    page = client.get(f"/planner/plans/{plan.id}").get_data(as_text=True)
    assert 'id="plan-owner-note"' in page and f"/planner/plans/{plan.id}/publish" not in page
    refused(client.post(f"/planner/plans/{plan.id}/publish"), "SCJG")
    assert fresh(db_session, Plan, plan.id).status == "draft"
    login(client, "scjg")
    assert f"/planner/plans/{plan.id}/publish" in client.get(f"/planner/plans/{plan.id}").get_data(as_text=True)
    client.post(f"/planner/plans/{plan.id}/publish")
    assert fresh(db_session, Plan, plan.id).status == "published"
    # a new version: the owner only; the copy keeps the owner
    login(client, "cgj")
    refused(client.post(f"/planner/plans/{plan.id}/version", data={"change_note": "调整"}), "SCJG")
    assert db_session.exec(select(sa.func.count()).select_from(Plan).where(Plan.number == plan.number)).one() == 1
    login(client, "scjg")
    r = client.post(f"/planner/plans/{plan.id}/version", data={"change_note": "调整"})
    assert r.status_code == 302
    copy = db_session.exec(select(Plan).where(Plan.number == plan.number, Plan.version == 2)).one()
    assert copy.department == "SCJG"


def test_a_plan_without_owner_is_published_by_an_admin(client, db_session, world):
    plan = fresh(db_session, Plan, world["draft"])
    assert getattr(plan, "department", None) is None  # made by the system (CLI, demo): no owner
    for user in ("scjg", "cgj"):
        login(client, user)
        refused(client.post(f"/planner/plans/{plan.id}/publish"))
    login(client, "boss")
    client.post(f"/planner/plans/{plan.id}/publish")
    assert fresh(db_session, Plan, plan.id).status == "published"


# --- tasks ------------------------------------------------------------------------

def test_a_joint_task_is_edited_by_its_lead_department_only(client, db_session, world):
    joint = world["joint"]
    items = [str(item_id(db_session, "SCJG-02")), str(item_id(db_session, "CGJ-01"))]
    login(client, "cgj")
    refused(client.get(f"/planner/tasks/{joint}/edit"), "SCJG")
    refused(client.post(f"/planner/tasks/{joint}/edit", data=task_form(items=items)), "SCJG")
    refused(client.post(f"/planner/tasks/{joint}/delete"), "SCJG")
    assert fresh(db_session, Task, joint).name == "联合抽查"
    # the participating department sees it, without edit links
    page = client.get(f"/planner/plans/{world['draft']}").get_data(as_text=True)
    assert "联合抽查" in page and f"/planner/tasks/{joint}/edit" not in page
    assert f"/planner/tasks/{world['cgj_task']}/edit" in page
    # its own task: editable, but not handed over to SCJG
    cgj_form = task_form(name="城管抽查（改）", department="CGJ", participating=[],
                         items=[str(item_id(db_session, "CGJ-01"))])
    assert client.post(f"/planner/tasks/{world['cgj_task']}/edit", data=cgj_form).status_code == 302
    assert fresh(db_session, Task, world["cgj_task"]).name == "城管抽查（改）"
    refused(client.post(f"/planner/tasks/{world['cgj_task']}/edit", data=cgj_form | {"department": "SCJG"}), "SCJG")
    assert fresh(db_session, Task, world["cgj_task"]).department == "CGJ"
    # nor add a task led by another department
    refused(client.post(f"/planner/plans/{world['draft']}/tasks/new", data=task_form(items=items)), "SCJG")

    login(client, "scjg")
    assert client.post(f"/planner/tasks/{joint}/edit", data=task_form(items=items)).status_code == 302
    assert fresh(db_session, Task, joint).name == "联合抽查（改）"
    refused(client.post(f"/planner/tasks/{world['cgj_task']}/delete"), "CGJ")
    assert fresh(db_session, Task, world["cgj_task"]) is not None

    login(client, "boss")
    assert client.post(f"/planner/tasks/{world['cgj_task']}/delete").status_code == 302
    assert fresh(db_session, Task, world["cgj_task"]) is None


# --- draws ------------------------------------------------------------------------

def draw_events(db_session, draw_id) -> int:
    return db_session.exec(select(sa.func.count()).select_from(DrawEvent).where(DrawEvent.draw_id == draw_id)).one()


def test_draws_are_run_by_the_lead_department(app, client, db_session, world):
    plan_id, tasks = world["published"], world["tasks"]
    login(client, "cgj")  # CGJ takes part in T2 but leads neither task
    refused(client.post(f"/planner/plans/{plan_id}/draws", data={"tasks": [str(t) for t in tasks],
                                                                "entropy_source": "掷骰"}), "SCJG")
    assert db_session.exec(select(Draw)).all() == []

    plan = fresh(db_session, Plan, plan_id)
    draw = run_ceremony(db_session, plan, [db_session.get(Task, t) for t in tasks], app)
    before = draw_events(db_session, draw.id)
    page = client.get(f"/planner/draws/{draw.id}")
    assert page.status_code == 200 and 'id="read-only"' in page.get_data(as_text=True)
    assert f"/planner/draws/{draw.id}/seal" not in page.get_data(as_text=True)
    assert client.get(f"/planner/draws/{draw.id}/review").status_code == 200
    for action, data in (("seal", {}), ("reveal", {}), ("retry", {}),
                         ("entropy", {"external_entropy": "1", "witness_name": "张三"}),
                         ("redraw", {"visit_id": "V00001", "cause": "entity", "reason": "注销",
                                     "entropy_source": "掷骰"})):
        refused(client.post(f"/planner/draws/{draw.id}/{action}", data=data), draw.code)
    assert fresh(db_session, Draw, draw.id).state == "drawn" and draw_events(db_session, draw.id) == before
    assert db_session.exec(select(sa.func.count()).select_from(Draw)).one() == 1

    login(client, "scjg")
    assert f"/planner/draws/{draw.id}/seal" in client.get(f"/planner/draws/{draw.id}").get_data(as_text=True)
    assert client.post(f"/planner/draws/{draw.id}/seal").status_code == 302
    assert fresh(db_session, Draw, draw.id).state == "sealed"


def test_starting_a_draw_needs_the_lead_of_every_task(client, db_session, world):
    plan = fresh(db_session, Plan, world["draft"])
    plans.publish_plan(db_session, plan)  # joint (SCJG) and the CGJ task
    both = {"tasks": [str(world["joint"]), str(world["cgj_task"])], "entropy_source": "掷骰"}
    for user in ("scjg", "cgj"):
        login(client, user)
        refused(client.post(f"/planner/plans/{plan.id}/draws", data=both))
    assert db_session.exec(select(Draw)).all() == []
    login(client, "boss")
    assert client.post(f"/planner/plans/{plan.id}/draws", data=both).status_code == 302
    assert len(db_session.exec(select(Draw)).all()) == 1


# --- no department; the admin sets one ---------------------------------------------

def test_a_planner_without_department_only_reads(client, db_session, world):
    login(client, "nodept")
    for url in ("/planner/", "/planner/plans/", f"/planner/plans/{world['draft']}", "/planner/registries/items/",
                "/planner/registries/items/SCJG-01", "/planner/draws/", "/planner/registries/entities/"):
        assert client.get(url).status_code == 200, url
    assert 'id="read-only"' in client.get("/planner/plans/").get_data(as_text=True)
    refused(client.post("/planner/plans/", data={"number": "X-1", "name": "x", "year": str(YEAR)}), "管理员")
    refused(client.post(f"/planner/tasks/{world['cgj_task']}/delete"), "管理员")
    refused(client.post("/planner/registries/items/SCJG-01/edit", data=ITEM_FORM), "管理员")
    entity = db_session.exec(select(Entity)).first()
    refused(client.get(f"/planner/registries/entities/{entity.uscc}/edit"), "管理员")
    refused(upload_items(client, ["X-01,SCJG,x"]), "管理员")
    assert db_session.exec(select(Plan).where(Plan.number == "X-1")).first() is None

    # the admin sets a department on the user page; then the planner acts for it
    login(client, "boss")
    user = db_session.exec(select(User).where(User.username == "nodept")).one()
    assert 'name="department"' in client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    r = client.post(f"/admin/users/{user.id}/department", data={"department": "NOPE"})
    assert r.status_code == 400 and "NOPE" in r.get_data(as_text=True)
    assert client.post(f"/admin/users/{user.id}/department", data={"department": "CGJ"}).status_code == 302
    assert fresh(db_session, User, user.id).department == "CGJ"
    login(client, "nodept")
    assert client.post(f"/planner/tasks/{world['cgj_task']}/delete").status_code == 302
    assert fresh(db_session, Task, world["cgj_task"]) is None


def test_department_route_is_admin_only(client, db_session, world):
    user = db_session.exec(select(User).where(User.username == "nodept")).one()
    login(client, "scjg")
    assert client.post(f"/admin/users/{user.id}/department", data={"department": "SCJG"}).status_code == 403
    assert fresh(db_session, User, user.id).department is None
