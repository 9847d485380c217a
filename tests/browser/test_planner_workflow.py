"""A planner's year, tried in a real browser as a new user would.

An admin imports the departments and the check-item list (each department's
items are changed by its own planners or an admin) and creates the planner's
account for SCJG on the admin page; the planner logs in, imports the other
registries from files (districts, entities, inspectors, conflicts), creates a plan with a single-department
task and a joint task, publishes it, runs the draw with the witnesses'
digits, reviews and seals it, replaces an inspector who fell ill (a redraw:
commit, entropy, draw, seal), and finds the replacement in the schedule and
its XLSX export. Every step leaves a screenshot in ``test-artifacts/``.

The draw and the redraw run in real background worker processes started by
the app; the pages poll for their progress.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook

ADMIN, ADMIN_PW = "admin", "admin-password-1"
PLANNER, PLANNER_PW = "planner1", "planner-password-1"
WINDOW = ("2026-12-01", "2026-12-31")  # a year the calendar package covers
pytestmark = pytest.mark.browser

JOB_TIMEOUT = 240_000  # ms: the background draw on a busy 2-core CI machine


# ----------------------------------------------------------- registry files


def csv_bytes(header: list[str], rows: list[list]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8-sig")


def xlsx_bytes(header: list[str], rows: list[list]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def entity_usccs(n: int) -> list[tuple[str, str]]:
    """(USCC, county) for ``n`` entities, valid check characters."""
    from inspect_app.services.demo import make_uscc

    out = []
    for i in range(n):
        county = "350102" if i % 2 == 0 else "350103"
        out.append((make_uscc("1", county, f"{70000000 + i:08d}"), county))
    return out


ENTITIES = entity_usccs(40)


def registry_files() -> list[tuple[str, str, bytes]]:
    """(kind, filename, content) in import order (references first)."""
    departments = csv_bytes(["部门代码", "部门名称", "英文名称"], [
        ["SCJG", "市场监督管理局", "Administration for Market Regulation"],
        ["WJW", "卫生健康委员会", "Health Commission"],
    ])
    districts = csv_bytes(["区划代码", "区划名称", "上级区划代码", "层级"], [
        ["350000", "福建省", "", 1], ["350100", "福州市", "350000", 2],
        ["350102", "鼓楼区", "350100", 3], ["350103", "台江区", "350100", 3],
        ["350102001", "鼓东街道", "350102", 4], ["350103001", "瀛洲街道", "350103", 4],
    ])
    items = xlsx_bytes(["事项编码", "部门", "事项名称", "检查依据", "检查方式", "所需资质", "已公布"], [
        ["SCJG-01", "SCJG", "食品经营许可情况检查", "《食品安全法》", "现场检查", "food", "是"],
        ["WJW-01", "WJW", "公共场所卫生检查", "《公共场所卫生管理条例》", "现场检查", "hygiene", "是"],
    ])
    entities = csv_bytes(["统一社会信用代码", "名称", "类型", "行政区划", "行业", "登记状态", "信用风险分类", "标签"], [
        [uscc, f"福州{i:02d}号餐饮有限公司", "有限责任公司", f"{county}001", "餐饮业", "存续", "ABCD"[i % 4], "restaurant"]
        for i, (uscc, county) in enumerate(ENTITIES)
    ])
    inspectors = xlsx_bytes(["工号", "姓名", "部门", "行政区划", "执法证号", "执法证有效期至", "执法资质", "最大检查户数"], [
        [f"E{i:03d}", f"市监员{i:02d}", "SCJG", "350102" if i % 2 else "350103", f"闽执{i:05d}", "2030-12-31", "food", 12]
        for i in range(1, 11)
    ] + [
        [f"W{i:03d}", f"卫监员{i:02d}", "WJW", "350102" if i % 2 else "350103", f"闽卫{i:05d}", "2030-12-31", "hygiene", 12]
        for i in range(1, 7)
    ])
    conflicts = csv_bytes(["工号", "统一社会信用代码", "回避事由", "申报日期"], [
        ["E001", ENTITIES[0][0], "近亲属任职", "2026-01-05"],
        ["W001", ENTITIES[1][0], "曾任该企业顾问", "2026-02-10"],
    ])
    return [("departments", "departments.csv", departments), ("districts", "districts.csv", districts),
            ("items", "items.xlsx", items), ("entities", "entities.csv", entities),
            ("inspectors", "inspectors.xlsx", inspectors), ("conflicts", "conflicts.csv", conflicts)]


# ------------------------------------------------------------------ helpers


@pytest.fixture(scope="module")
def installed(live_server):
    """What an installer does on the command line: the first admin account
    (``flask user create``) and the working-day calendar (``flask calendar
    seed``)."""
    from inspect_app.services import calendar
    from inspect_app.services.accounts import create_account as create_user

    with live_server.app.app_context():
        session = live_server.session()
        create_user(session, ADMIN, ADMIN_PW, "admin")
        calendar.seed_from_package(session, [2026])
    return live_server


def login(page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form.card button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def logout(page) -> None:
    page.locator("header .account button", has_text="退出").click()
    page.wait_for_selector("header .account a:has-text('登录')")


def wait_for_state(page, selector: str) -> None:
    """The draw page polls its background job and reloads when it is done;
    wait (long) for the element the next step needs."""
    page.wait_for_selector(selector, timeout=JOB_TIMEOUT)


def run_ceremony(page, shot, label: str, step: int) -> int:
    """On a freshly created draw's page: wait for the commitment, enter the
    witnesses' digits, wait for the draw, review it and seal it. Returns the
    next step number."""
    wait_for_state(page, "input[name=external_entropy]")
    commitment = page.inner_text("#commitment")
    assert re.fullmatch(r"[0-9a-f]{64}", commitment), commitment
    shot(page, f"{step:02d}-{label}-committed")
    page.fill("input[name=external_entropy]", "314159")
    page.locator("input[name=witness_name]").nth(0).fill("王明")
    page.locator("input[name=witness_role]").nth(0).fill("公证员")
    page.locator("input[name=witness_name]").nth(1).fill("李华")
    page.locator("input[name=witness_role]").nth(1).fill("纪检监察")
    page.click("button:has-text('开始抽取')")
    wait_for_state(page, "button:has-text('确认并封存')")
    assert "314159" in page.content() and "王明" in page.content()
    shot(page, f"{step + 1:02d}-{label}-drawn")
    page.click("a:has-text('审核抽取结果')")
    assert int(page.inner_text("#n-visits")) >= 1
    assert page.locator("svg").count() >= 1  # the workload chart
    shot(page, f"{step + 2:02d}-{label}-review")
    page.click("a:has-text('返回抽取页面')")
    page.click("button:has-text('确认并封存')")
    page.wait_for_selector("h1 .state-sealed")
    assert re.fullmatch(r"[0-9a-f]{64}", page.inner_text("#result-digest"))
    shot(page, f"{step + 3:02d}-{label}-sealed")
    return step + 4


# --------------------------------------------------------------------- test


def import_files(page, base: str, shot, tmp_path, kinds: set[str]) -> None:
    """Upload the registry files of ``kinds``; each import reports success."""
    for kind, filename, content in registry_files():
        if kind not in kinds:
            continue
        page.goto(f"{base}/planner/registries/upload/{kind}")
        path = tmp_path / filename
        path.write_bytes(content)
        page.set_input_files("input[type=file]", str(path))
        page.click("button:has-text('上传并导入')")
        page.wait_for_selector("#import-ok, #import-failed")
        assert page.locator("#import-ok").count() == 1, f"{kind}: {page.inner_text('main')[:800]}"
        shot(page, f"03-import-{kind}")


ADMIN_IMPORTS = {"departments", "items"}  # the check items of several departments: an admin's


def test_planner_runs_a_year_in_the_browser(installed, page, shot, tmp_path):
    base = installed.url

    # 1. the admin imports the departments and the item list, and creates the
    # planner's account for SCJG (a planner acts for its department)
    login(page, base, ADMIN, ADMIN_PW)
    import_files(page, base, shot, tmp_path, ADMIN_IMPORTS)
    page.goto(f"{base}/admin/users")
    form = page.locator("#create-user")
    form.locator("input[name=username]").fill(PLANNER)
    form.locator("input[name=password]").fill(PLANNER_PW)
    form.locator("select[name=role]").select_option("planner")
    form.locator("select[name=department]").select_option("SCJG")
    form.locator("button[type=submit]").click()
    page.wait_for_selector(f"#users a:has-text('{PLANNER}')")
    shot(page, "01-admin-creates-planner")
    logout(page)

    # 2. the planner logs in
    login(page, base, PLANNER, PLANNER_PW)
    page.wait_for_url(f"{base}/planner/")
    assert PLANNER in page.inner_text("header")
    shot(page, "02-planner-logged-in")

    # 3. the other registries from files, references first
    import_files(page, base, shot, tmp_path, {kind for kind, _, _ in registry_files()} - ADMIN_IMPORTS)
    page.goto(f"{base}/planner/registries/")
    shot(page, "03-registries")
    page.goto(f"{base}/planner/registries/entities/")
    assert ENTITIES[0][0] in page.content()

    # 4. a plan with a single-department task and a joint task
    page.click("header nav a:has-text('抽查计划')")
    page.fill("input[name=number]", "榕市监〔2026〕9号")
    page.fill("input[name=name]", "2026年12月双随机抽查计划")
    page.fill("input[name=year]", "2026")
    page.click("button:has-text('创建')")
    page.wait_for_selector("a:has-text('添加任务')")
    plan_url = page.url

    def add_task(code: str, name: str, items: list[str], count: int, participating: list[str]) -> None:
        page.click("a:has-text('添加任务')")
        page.fill("input[name=code]", code)
        page.fill("input[name=name]", name)
        page.select_option("select[name=department]", "SCJG")
        for dept in participating:
            page.check(f"input[name=participating][value={dept}]")
        for item in items:
            page.locator("label", has_text=item).locator("input[name=items]").check()
        page.fill("input[name=window_start]", WINDOW[0])
        page.fill("input[name=window_end]", WINDOW[1])
        page.check("input[name=mode][value=count]")
        page.fill("input[name=count]", str(count))
        page.fill("input[name=tags_any]", "restaurant")
        shot(page, f"04-task-{code}-form")
        page.click("form.card button[type=submit]")
        page.wait_for_selector(f"#task-{code}")

    add_task("T1", "餐饮食品经营抽查", ["SCJG-01"], 6, [])
    add_task("T2", "餐饮场所联合抽查（市监+卫健）", ["SCJG-01", "WJW-01"], 4, ["WJW"])
    assert page.url == plan_url
    shot(page, "05-plan-with-tasks")
    page.click("button:has-text('公布计划')")
    page.wait_for_selector("button:has-text('冻结输入并生成承诺值')")
    shot(page, "06-plan-published")

    # 5. the draw: freeze and commit, witnesses' digits, background draw, review, seal
    for box in page.locator("input[name=tasks]").all():
        box.check()
    page.fill("input[name=entropy_source]", "公证员现场掷骰六次的点数")
    page.click("button:has-text('冻结输入并生成承诺值')")
    page.wait_for_url(re.compile(r".*/planner/draws/\d+$"))
    draw_url = page.url
    assert "/planner/draws/" in draw_url
    step = run_ceremony(page, shot, "draw", 7)
    draw_id = int(draw_url.rstrip("/").split("/")[-1])

    # 6. an inspector falls ill: redraw that visit's team
    option = page.locator("select[name=visit_id] option").first
    visit_text = option.inner_text()
    visit_id = option.get_attribute("value")
    team = re.search(r"\[(.*)\]", visit_text).group(1).split(", ")
    ill = team[0]
    page.select_option("select[name=visit_id]", visit_id)
    page.check("input[name=cause][value=inspector]")
    page.fill("input[name=inspector]", ill)
    page.fill("input[name=reason]", f"{ill} 因病住院")
    page.fill("form:has(input[name=reason]) input[name=entropy_source]", "公证员现场掷骰三次的点数")
    shot(page, f"{step:02d}-redraw-request")
    page.click("button:has-text('发起重抽')")
    page.wait_for_url(lambda url: re.search(r"/planner/draws/\d+$", url) is not None and url != draw_url)
    assert visit_id in page.content() and "因病住院" in page.content()
    step = run_ceremony(page, shot, "redraw", step + 1)

    # the original draw's history lists the redraw; the replaced visit is marked
    page.goto(draw_url)
    assert "抽取历史" in page.content()
    shot(page, f"{step:02d}-draw-history")

    # 7. the schedule shows the replacement team, by inspector and in the export
    page.click("header nav a:has-text('检查日程')")
    page.wait_for_selector("#schedule-draws")
    page.click(f"a[href='/planner/schedule/{draw_id}']")
    page.wait_for_selector("#schedule-summary")
    assert page.locator(".charts svg").count() == 6
    shot(page, f"{step + 1:02d}-schedule-overview")
    page.click("nav.tabs a:has-text('按日期')")
    page.wait_for_selector("#day-title")
    shot(page, f"{step + 2:02d}-schedule-by-day")
    page.goto(f"{base}/planner/schedule/{draw_id}/inspectors?inspector={ill}")
    agenda = page.inner_text("main")
    assert ill in page.inner_text("#agenda-title")
    shot(page, f"{step + 3:02d}-schedule-ill-inspector")
    page.goto(f"{base}/planner/schedule/{draw_id}")  # the whole schedule, no filter
    with page.expect_download() as download:
        page.click("#export-xlsx")
    wb = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    rows = list(wb["检查日程"].iter_rows(values_only=True))[1:]
    replacement = [r for r in rows if r[12]]
    assert len(replacement) == 1 and replacement[0][12] == visit_id  # names the visit it replaces
    assert ill not in replacement[0][10].split("、")
    assert replacement[0][4] in visit_text  # the same entity, a new team
    assert replacement[0][4] not in agenda  # the ill inspector no longer visits it
    assert all(isinstance(r[1], (date,)) or hasattr(r[1], "date") for r in rows)
