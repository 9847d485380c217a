"""Issue 8, item 19: registry files as offices export them import. Common
header spellings of the national and provincial exports are accepted; an
unknown header stops the job at a mapping form on the upload page, and the
planner's mapping is remembered for the next upload."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from inspect_app.models import Entity
from inspect_app.services.registry_io import import_file
from inspect_app.services.uscc import with_check_character


def code(n: int) -> str:
    return with_check_character(f"91350100MA{n:07d}")


@pytest.fixture
def setup(app, tmp_path):
    app.config.update(IMPORT_STORE=str(tmp_path / "imports"), IMPORT_RUNNER="inline")
    from inspect_app.db import get_session

    with app.app_context():
        assert import_file(get_session(), "districts", io.BytesIO("区划代码,区划名称\n350100,福州市\n".encode()),
                           "d.csv").ok
    return app


def test_export_spellings_are_accepted(db_session, setup):
    content = ("*统一社会信用代码,企业名称,企业类型,法定代表人(负责人),经营场所,行政区划代码,国民经济行业,经营状态,风险等级\n"
               f"{code(1)},福州甲有限公司,有限责任公司,张三,福州市人民路1号,350100,批发业,在业,C\n")
    report = import_file(db_session, "entities", io.BytesIO(content.encode()), "export.csv")
    assert report.ok, report.errors
    e = db_session.execute(sa.select(Entity)).scalar_one()
    assert (e.district, e.legal_rep, e.address, e.industry, e.status, e.risk, e.type) == \
        ("350100", "张三", "福州市人民路1号", "批发业", "在业", "C", "有限责任公司")
    for header in ("所属行政区划", "住所所在行政区划代码", "主体名称", "名称"):
        content = f"统一社会信用代码,{'名称' if '名称' not in header else header},{header if '名称' not in header else '行政区划'}\n"
        content += f"{code(2)},福州乙有限公司,350100\n"
        assert import_file(db_session, "entities", io.BytesIO(content.encode()), "h.csv").ok, header


def upload(client, content: str, name: str = "office.csv"):
    data = {"file": (io.BytesIO(content.encode()), name)}
    r = client.post("/planner/registries/upload/entities", data=data, content_type="multipart/form-data")
    assert r.status_code == 303
    job_id = int(re.search(r"/jobs/(\d+)", r.headers["Location"]).group(1))
    return job_id, client.get(r.headers["Location"]).get_data(as_text=True)


def entity_names(app) -> set[str]:
    from inspect_app.db import get_session

    with app.app_context():
        return set(get_session().execute(sa.select(Entity.name)).scalars())


def test_unknown_header_is_mapped_on_the_page_and_remembered(setup, client, auth):
    auth.login("planner", role="admin")  # acts for every department
    content = ("统一社会信用代码,登记机关名称,所在地区划,备注\n"
               f"{code(1)},福州丙有限公司,350100,无\n")
    job_id, page = upload(client, content)
    assert 'id="import-mapping"' in page and "登记机关名称" in page and "所在地区划" in page
    assert entity_names(setup) == set()
    headers = re.findall(r"<code>([^<]+)</code></td><td>\s*<select name=\"(map-\d+)\"", page)
    choice = {"登记机关名称": "name", "所在地区划": "district", "备注": ""}
    r = client.post(f"/planner/registries/upload/entities/jobs/{job_id}/mapping",
                    data={field: choice[header] for header, field in headers}, follow_redirects=True)
    assert 'id="import-ok"' in r.get_data(as_text=True)
    assert entity_names(setup) == {"福州丙有限公司"}

    from inspect_app.db import get_session
    from inspect_app.models import ImportHeaderMapping

    with setup.app_context():
        stored = {(m.header, m.column) for m in get_session().execute(sa.select(ImportHeaderMapping)).scalars()}
    assert stored == {("登记机关名称", "name"), ("所在地区划", "district"), ("备注", "")}

    # The next upload with the same headers lands without asking.
    job_id, page = upload(client, "统一社会信用代码,登记机关名称,所在地区划,备注\n"
                                  f"{code(2)},福州丁有限公司,350100,\n")
    assert 'id="import-ok"' in page, page[:2000]
    assert entity_names(setup) == {"福州丙有限公司", "福州丁有限公司"}


def test_mapping_to_an_unknown_column_is_refused(setup, client, auth):
    auth.login("planner", role="admin")  # acts for every department
    job_id, page = upload(client, f"统一社会信用代码,公司,行政区划\n{code(3)},福州戊有限公司,350100\n")
    assert 'id="import-mapping"' in page
    r = client.post(f"/planner/registries/upload/entities/jobs/{job_id}/mapping", data={"map-0": "password"},
                    follow_redirects=True)
    assert "未知的列" in r.get_data(as_text=True) and entity_names(setup) == set()
