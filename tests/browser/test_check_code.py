"""The check code (扫码入企) in a real browser at a phone's 360×740: the
entity opens the code's URL, sees the registered check and confirms the
visit, reports a problem; the planner sees both on /planner/feedback; the
team's QR image loads for the team. Screenshots go to test-artifacts/."""

from __future__ import annotations

from pathlib import Path

import pytest

from phone_fixtures import assert_fits_phone, log_in, phone_context

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
pytestmark = pytest.mark.browser

PASSWORD = "browser-password-1"


@pytest.fixture(scope="module")
def checked(live_server):
    """A sealed draw on the live server; (server, visit pk, day, code, entity name)."""
    from draw_fixtures import published_plan, run_ceremony, seed_registries
    from inspect_app.services import check_codes, draws
    from inspect_app.services.accounts import create_account

    app = live_server.app
    app.config.update(CHECK_CODE_KEY="browser-check-code-key")
    with app.app_context():
        session = live_server.session()
        seed_registries(session)
        plan, tasks = published_plan(session)
        draw = run_ceremony(session, plan, tasks, app)
        draws.seal(session, draw)
        visit = next(v for v in draws.visits(session, draw) if v.departments == ["SCJG"] and v.team)
        create_account(session, "planner", PASSWORD, "planner", department="SCJG")
        create_account(session, "insp", PASSWORD, "inspector", inspector=visit.team[0])
        return live_server, visit.id, visit.day, check_codes.derive_code(visit.id, draw.code), visit.entity_name


@pytest.fixture
def phone(browser):
    context = phone_context(browser)
    yield context.new_page()
    context.close()


def login(page, base, username):
    log_in(page, base, username, PASSWORD)


def test_the_entity_confirms_the_visit_and_the_planner_sees_it(checked, phone, shot, monkeypatch):
    from inspect_app.services import draws

    server, visit_pk, day, code, entity = checked
    monkeypatch.setattr(draws, "_today", lambda: day)
    grouped = "-".join(code[i:i + 4] for i in range(0, len(code), 4)).lower()
    phone.goto(f"{server.url}/c/{grouped}")  # typed as read aloud: any case, dashes
    assert "已登记的双随机抽查" in phone.inner_text("#check-valid")
    assert entity in phone.inner_text("main")
    assert_fits_phone(phone)
    shot(phone, "checkcode-01-entity-opens-code")
    with phone.expect_navigation():
        phone.click("#confirm-visit")
    assert "已收到您的确认" in phone.inner_text("main")
    shot(phone, "checkcode-02-entity-confirmed")
    phone.fill("#report-message", "上门人员与登记的检查人员不符")
    with phone.expect_navigation():
        phone.click("#report-problem")
    assert "已收到您反映的问题" in phone.inner_text("main")
    shot(phone, "checkcode-03-entity-reported")
    phone.goto(f"{server.url}/c/{'0' * 28}")
    assert "检查码无效" in phone.inner_text("main")
    shot(phone, "checkcode-04-unknown-code")

    login(phone, server.url, "planner")
    phone.goto(f"{server.url}/planner/feedback")
    table = phone.inner_text("#feedback")
    assert "上门人员与登记的检查人员不符" in table and "确认已检查" in table and entity in table
    shot(phone, "checkcode-05-planner-feedback")
    with phone.expect_navigation():
        phone.click("#feedback button[type=submit]")
    assert "已读" in phone.inner_text("#feedback")


def test_the_team_sees_the_qr_image(checked, phone, monkeypatch):
    from inspect_app.services import draws

    server, visit_pk, day, code, _entity = checked
    monkeypatch.setattr(draws, "_today", lambda: day)
    login(phone, server.url, "insp")
    response = phone.goto(f"{server.url}/inspector/visits/{visit_pk}/check-code.svg")
    assert response.status == 200 and response.headers["content-type"].startswith("image/svg+xml")
    ARTIFACTS.mkdir(exist_ok=True)  # an SVG document: a viewport screenshot (full_page waits forever)
    phone.screenshot(path=str(ARTIFACTS / "checkcode-06-team-qr-image.png"))
