"""UI polish found by walking the app as a new user (after issue 8).

* A new task's lead department defaults to the planner's own department, so
  the first "save" of a new planner is not refused as another department's
  task (the select used to fall back to the first department, CGJ).
"""

from __future__ import annotations

import re

from draw_fixtures import YEAR, seed_registries
from inspect_app.services import plans


def _selected_department(page: str) -> str | None:
    select = re.search(r'<select name="department">(.*?)</select>', page, re.S)
    assert select, page[:500]
    chosen = re.findall(r'<option value="([^"]+)" selected', select.group(1))
    return chosen[0] if chosen else None


def test_new_task_form_defaults_to_own_department(app, client, db_session, auth):
    seed_registries(db_session)
    plan = plans.create_plan(db_session, "榕市监〔2030〕9号", "默认部门", YEAR)
    auth.create("cgj", "planner", department="CGJ")
    auth.login("scjg", department="SCJG")
    page = client.get(f"/planner/plans/{plan.id}/tasks/new").get_data(as_text=True)
    assert _selected_department(page) == "SCJG"
    client.post("/logout")
    client.post("/login", data={"username": "cgj", "password": "correct-horse"})
    page = client.get(f"/planner/plans/{plan.id}/tasks/new").get_data(as_text=True)
    assert _selected_department(page) == "CGJ"
