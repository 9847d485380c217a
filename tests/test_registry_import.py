"""Registry imports: validation with per-row problems, all-or-nothing,
upserts, sync mode, versioned check items, encodings and XLSX, the CLI."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from inspect_app.models import CheckItem, Conflict, Entity, Inspector, InspectorLeave, PairConflict
from inspect_app.services.registry_io import MAX_ERRORS, REGISTRIES, import_file
from inspect_app.services.registry_io import bulk
from inspect_app.services.uscc import with_check_character

DEPARTMENTS = "部门代码,部门名称,英文名称\nSCJG,市场监督管理局,Market Regulation\nCGJ,城市管理局,\n"
DISTRICTS = "区划代码,区划名称,上级区划代码,层级\n350100,福州市,,2\n350102,鼓楼区,350100,3\n350181,福清市,350100,3\n"


def code(n: int) -> str:
    return with_check_character(f"91350100MA{n:07d}")


def wrong(n: int) -> str:
    good = code(n)
    return good[:-1] + ("0" if good[-1] != "0" else "1")


def run(session, kind, text, filename="f.csv", *, encoding="utf-8", **kw):
    return import_file(session, kind, io.BytesIO(text.encode(encoding)), filename, **kw)


def count(session, model, *where) -> int:
    return session.execute(sa.select(sa.func.count()).select_from(model).where(*where)).scalar_one()


def errors(report) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.value) for e in report.errors]


@pytest.fixture
def base(db_session):
    for kind, text in (("departments", DEPARTMENTS), ("districts", DISTRICTS)):
        report = run(db_session, kind, text)
        assert report.ok, report.errors
    return db_session


ENTITIES = (
    "统一社会信用代码,名称,类型,法定代表人,住所,行政区划,行业,登记状态,信用风险分类,名录,标签\n"
    f"{code(1)},福州甲贸易有限公司,有限责任公司,张三,福州市人民路1号,350102,批发和零售业,存续,A,经营异常名录；严重违法失信名单,\n"
    f"{code(2)},福清乙餐饮店,个体工商户,李四,,350181,住宿和餐饮业,在业,d,,\"食品,重点\"\n"
    f"{code(3)},福州丙建材有限公司,,,,350100,,,,,\n"
)
INSPECTORS = (
    "工号,姓名,部门,行政区划,执法证号,执法证有效期至,执法资质,业务专长,最大检查户数\n"
    "E001,王五,SCJG,350102,35010001,2027-06-30,食品;特种设备,食品安全,20\n"
    "E002,赵六,SCJG,350181,35010002,2026/01/15,,,\n"
    "E003,孙七,CGJ,350100,,,,,\n"
)


def test_correct_file_lands_fully(base):
    report = run(base, "entities", ENTITIES)
    assert report.ok and (report.total_rows, report.inserted, report.updated) == (3, 3, 0)
    rows = {e.uscc: e for e in base.execute(sa.select(Entity)).scalars()}
    first, second, third = rows[code(1)], rows[code(2)], rows[code(3)]
    assert first.lists == ["经营异常名录", "严重违法失信名单"] and first.tags == [] and first.risk == "A"
    assert second.risk == "D" and second.status == "在业" and second.tags == ["食品", "重点"] and second.address is None
    assert third.status == "存续" and third.risk == "B" and third.active  # defaults
    assert run(base, "inspectors", INSPECTORS).ok
    e1 = base.get(Inspector, "E001")
    assert e1.certificate_expires == date(2027, 6, 30) and e1.qualifications == ["食品", "特种设备"]
    assert e1.max_visits == 20 and base.get(Inspector, "E003").max_visits == 30
    assert base.get(Inspector, "E002").certificate_expires == date(2026, 1, 15)


def test_wrong_check_character_reported_and_nothing_changed(base):
    assert run(base, "entities", ENTITIES).ok
    text = ENTITIES.replace("福州甲贸易", "改名").replace(code(3), wrong(3))
    report = run(base, "entities", text)
    assert not report.ok and report.inserted == report.updated == 0
    (error,) = report.errors
    assert (error.row, error.column, error.value) == (4, "统一社会信用代码", wrong(3))
    assert error.reason == f"wrong check character (expected {code(3)[-1]})"
    assert str(error) == f"row 4, 统一社会信用代码 = '{wrong(3)}': {error.reason}"
    assert base.execute(sa.select(Entity.name).where(Entity.uscc == code(1))).scalar_one() == "福州甲贸易有限公司"


def test_unknown_department_and_district(base):
    text = INSPECTORS.replace("E002,赵六,SCJG", "E002,赵六,NOPE").replace("E003,孙七,CGJ,350100", "E003,孙七,CGJ,359999")
    report = run(base, "inspectors", text)
    assert errors(report) == [(3, "部门", "NOPE"), (4, "行政区划", "359999")]
    assert report.errors[0].reason == "no such department: NOPE"
    assert count(base, Inspector) == 0


def test_duplicate_key_names_both_rows(base):
    report = run(base, "entities", ENTITIES + f"{code(2)},重复的,,,,350100,,,,,\n")
    assert errors(report) == [(5, "统一社会信用代码", code(2))]
    assert report.errors[0].reason == "duplicate of row 3"
    assert count(base, Entity) == 0


def test_bad_dates_and_other_cells_all_reported(base):
    text = INSPECTORS.replace("2027-06-30", "2027-02-30").replace("2026/01/15", "15.01.2026") \
        .replace(",,,\nE003", ",,,x\nE003")
    report = run(base, "inspectors", text)
    assert errors(report) == [(2, "执法证有效期至", "2027-02-30"), (3, "执法证有效期至", "15.01.2026"),
                              (3, "最大检查户数", "x")]
    assert report.errors[0].reason.startswith("not a valid date")
    assert count(base, Inspector) == 0


def test_required_fields_enumerations_and_lengths(base):
    text = ("统一社会信用代码,名称,行政区划,登记状态,信用风险分类\n"
            f"{code(1)},,350100,存续,A\n"
            f"{code(2)},乙,350100,营业中,E\n"
            f",丙,350100,,\n"
            f"{code(4)},{'长' * 201},,,\n")
    report = run(base, "entities", text)
    assert errors(report) == [(2, "名称", ""), (3, "登记状态", "营业中"), (3, "信用风险分类", "E"),
                              (4, "统一社会信用代码", ""), (5, "名称", "长" * 201), (5, "行政区划", "")]
    assert [e.reason for e in report.errors][:2] == ["required", "must be one of: 存续、在业、停业、清算、注销、吊销、撤销、迁出"]
    assert count(base, Entity) == 0


def test_gbk_csv_detected_and_explicit_encoding(base):
    report = run(base, "entities", ENTITIES, encoding="gbk")
    assert report.ok and report.inserted == 3
    assert base.execute(sa.select(Entity.name).where(Entity.uscc == code(2))).scalar_one() == "福清乙餐饮店"
    assert run(base, "entities", ENTITIES, encoding="gbk", **{}).unchanged == 3
    forced = import_file(base, "entities", io.BytesIO(ENTITIES.encode("gbk")), "f.csv", encoding="utf-8")
    assert not forced.ok and forced.errors[0].row == 1 and "not valid utf-8" in forced.errors[0].reason
    bom = import_file(base, "entities", io.BytesIO(ENTITIES.encode("utf-8-sig")), "f.csv", encoding="gbk")
    assert not bom.ok  # UTF-8 bytes are not GBK: no silent mojibake


def test_xlsx_with_typed_cells_and_blank_rows(base):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["工号", "姓名", "部门", "行政区划", "执法证有效期至", "在岗", "最大检查户数"])
    sheet.append(["E001", "王五", "SCJG", 350102, datetime(2027, 6, 30), True, 25])
    sheet.append([None, None, None])
    sheet.append(["E002", "赵六", "SCJG", "350181", "2026-01-15", "否", 12.0])
    sheet.append(["E003", "孙七", "CGJ", 350100, "明年", "也许", 1.5])
    data = io.BytesIO()
    workbook.save(data)
    report = import_file(base, "inspectors", io.BytesIO(data.getvalue()), "inspectors.xlsx")
    assert errors(report) == [(5, "执法证有效期至", "明年"), (5, "在岗", "也许"), (5, "最大检查户数", "1.5")]
    workbook.active.delete_rows(5)
    data = io.BytesIO()
    workbook.save(data)
    report = import_file(base, "inspectors", io.BytesIO(data.getvalue()), "inspectors.xlsx")
    assert report.ok and report.inserted == 2
    e1, e2 = base.get(Inspector, "E001"), base.get(Inspector, "E002")
    assert (e1.district, e1.certificate_expires, e1.active, e1.max_visits) == ("350102", date(2027, 6, 30), True, 25)
    assert (e2.active, e2.max_visits) == (False, 12)


def test_reimport_upserts_without_duplicates(base):
    assert run(base, "entities", ENTITIES).inserted == 3
    changed = ENTITIES.replace("福州丙建材有限公司,,,,350100,,,,,", "福州丙建材有限公司,,,,350100,,,C,,") \
        + f"{code(4)},新增公司,,,,350100,,,,,\n"
    report = run(base, "entities", changed)
    assert (report.inserted, report.updated, report.unchanged) == (1, 1, 2)
    assert count(base, Entity) == 4
    assert base.execute(sa.select(Entity.risk).where(Entity.uscc == code(3))).scalar_one() == "C"
    again = run(base, "entities", changed)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 4)


def test_absent_columns_are_kept_on_update(base):
    assert run(base, "entities", ENTITIES).ok
    report = run(base, "entities", f"uscc,name,district\n{code(1)},福州甲贸易有限公司,350102\n")
    assert (report.updated, report.unchanged) == (0, 1)
    entity = base.execute(sa.select(Entity).where(Entity.uscc == code(1))).scalar_one()
    assert entity.risk == "A" and entity.lists == ["经营异常名录", "严重违法失信名单"]


def test_sync_marks_missing_inactive_and_reactivates(base):
    assert run(base, "entities", ENTITIES).ok
    only_first = ENTITIES.split("\n")[0] + "\n" + ENTITIES.split("\n")[1] + "\n"
    report = run(base, "entities", only_first, sync=True)
    assert report.ok and report.deactivated == 2 and report.unchanged == 1
    assert count(base, Entity) == 3 and count(base, Entity, Entity.active.is_(False)) == 2
    assert base.execute(sa.select(Entity.status).where(Entity.uscc == code(2))).scalar_one() == "在业"  # kept
    assert run(base, "entities", only_first, sync=True).deactivated == 0
    back = run(base, "entities", ENTITIES)  # not sync: present rows are active again
    assert back.updated == 2 and count(base, Entity, Entity.active.is_(True)) == 3
    assert run(base, "inspectors", INSPECTORS).ok
    report = run(base, "inspectors", INSPECTORS.rsplit("E003", 1)[0], sync=True)
    assert report.deactivated == 1 and base.get(Inspector, "E003").active is False
    assert (report.unchanged, report.updated) == (2, 0)  # dates and lists compare equal in the full scan
    with pytest.raises(ValueError, match="sync mode"):
        run(base, "departments", DEPARTMENTS, sync=True)


def test_chinese_english_and_alias_headers(base):
    english = ENTITIES.replace(ENTITIES.split("\n")[0],
                               "USCC,Name,type,legal_rep,address,district,industry,status,risk,lists,tags")
    assert run(base, "entities", english).inserted == 3
    alias = f"统一社会信用代码,企业名称,区划代码,风险等级\n{code(9)},别名公司,350100,C\n"
    assert run(base, "entities", alias).inserted == 1
    report = run(base, "entities", f"统一社会信用代码,名称,行政区划,注册资本\n{code(8)},x,350100,100\n")
    assert errors(report) == [(1, "注册资本", "注册资本")] and report.errors[0].reason.startswith("unknown column")
    report = run(base, "entities", f"统一社会信用代码,名称\n{code(8)},x\n")
    assert errors(report) == [(1, "行政区划", "")]
    assert report.errors[0].reason == "required column missing (行政区划 / district)"
    report = run(base, "entities", f"uscc,统一社会信用代码,名称,行政区划\n{code(8)},{code(8)},x,350100\n")
    assert errors(report) == [(1, "统一社会信用代码", "统一社会信用代码")]
    assert count(base, Entity) == 4


def test_items_versioned_when_published(base):
    header = "事项编码,部门,事项名称,检查依据,检查内容,检查方式,A类抽查比例,B类抽查比例,C类抽查比例,D类抽查比例,已公布\n"
    text = header + ("SC-001,SCJG,食品经营许可检查,食品安全法,许可证,现场检查,0.01,3%,0.1,0.30,是\n"
                     "SC-002,SCJG,广告发布检查,广告法,广告,书面检查,0,0.02,0.05,1,否\n")
    report = run(base, "items", text)
    assert report.ok and report.inserted == 2
    item = base.execute(sa.select(CheckItem).where(CheckItem.code == "SC-001")).scalar_one()
    assert (item.ratio_b, item.ratio_c, item.published, item.version) == ("0.03", "0.1", True, 1)
    same = run(base, "items", text.replace("0.30", "0.3"))
    assert (same.updated, same.unchanged) == (0, 2)
    changed = text.replace("许可证,", "许可证与公示,").replace("广告,", "广告内容,")
    report = run(base, "items", changed)
    assert (report.updated, report.versioned, report.inserted) == (2, 1, 0)
    versions = base.execute(sa.select(CheckItem.code, CheckItem.version, CheckItem.current, CheckItem.content)
                            .order_by(CheckItem.code, CheckItem.version)).all()
    assert versions == [("SC-001", 1, False, "许可证"), ("SC-001", 2, True, "许可证与公示"),
                        ("SC-002", 1, True, "广告内容")]
    bad = run(base, "items", header + "SC-003,SCJG,x,,,,1.5,-0.1,abc,,也许\n")
    assert errors(bad) == [(2, "A类抽查比例", "1.5"), (2, "B类抽查比例", "-0.1"), (2, "C类抽查比例", "abc"),
                           (2, "已公布", "也许")]


def test_conflicts_pairs_leaves_and_history(base):
    assert run(base, "entities", ENTITIES).ok and run(base, "inspectors", INSPECTORS).ok
    conflicts = (f"工号,统一社会信用代码,回避事由,申报日期\nE001,{code(1)},亲属任职,2025-03-01\n"
                 f"E002,{code(7)},曾任顾问,2025-03-02\n")
    report = run(base, "conflicts", conflicts)
    assert errors(report) == [(3, "统一社会信用代码", code(7))]
    assert report.errors[0].reason == f"not in the entity registry: {code(7)}"
    assert run(base, "conflicts", conflicts.split("E002")[0]).inserted == 1
    assert count(base, Conflict) == 1
    pairs = "工号A,工号B,事由\nE002,E001,夫妻\nE003,E003,自己\n"
    assert errors(run(base, "pair_conflicts", pairs)) == [(3, "工号B", "E003")]
    assert run(base, "pair_conflicts", "工号A,工号B,事由\nE002,E001,夫妻\nE001,E002,重复\n").errors[0].row == 3
    assert run(base, "pair_conflicts", "b,a,reason\nE002,E001,夫妻\n").inserted == 1
    assert base.execute(sa.select(PairConflict.a, PairConflict.b)).one() == ("E001", "E002")
    leaves = "工号,开始日期,结束日期,事由\nE001,2026-03-01,2026-03-05,年假\nE002,2026-03-10,2026-03-01,病假\n"
    assert errors(run(base, "leaves", leaves)) == [(3, "结束日期", "2026-03-01")]
    assert run(base, "leaves", leaves.rsplit("E002", 1)[0]).inserted == 1
    assert run(base, "leaves", "工号,开始日期,结束日期\nE001,2026-03-01,2026-03-06\n").updated == 1
    assert base.execute(sa.select(InspectorLeave.end)).scalar_one() == date(2026, 3, 6)
    history = (f"统一社会信用代码,部门,检查日期,检查人员\n{code(1)},SCJG,2025-05-01,E001;E002\n"
               f"{code(2)},SCJG,2025-05-02,E001;E404\n")
    assert errors(run(base, "check_records", history)) == [(3, "检查人员", "E001；E404")]
    assert run(base, "check_records", history.rsplit("\n", 2)[0] + "\n").inserted == 1


def test_districts_may_reference_parents_in_the_same_file(db_session):
    text = "区划代码,区划名称,上级区划代码\n350102001,鼓楼街道,350102\n350102,鼓楼区,350100\n350100,福州市,\n"
    assert run(db_session, "districts", text).inserted == 3
    assert errors(run(db_session, "districts", "代码,名称,上级代码\n350103,台江区,350999\n")) == \
        [(2, "上级代码", "350999")]


def test_file_problems(base):
    assert errors(run(base, "entities", "", "f.csv")) == [(1, "", "")]
    report = run(base, "entities", ENTITIES, "entities.txt")
    assert report.errors[0].row == 0 and "unsupported file type .txt" in report.errors[0].reason
    assert "cannot read the XLSX file" in run(base, "entities", "not a zip", "e.xlsx").errors[0].reason
    report = run(base, "entities", "统一社会信用代码,名称,行政区划\n\n" + f"{code(1)},甲,350100,多余\n")
    assert errors(report) == [(3, "#4", "多余")]
    with pytest.raises(ValueError, match="unknown registry"):
        run(base, "nope", ENTITIES)


def test_error_list_is_capped_and_counted(base):
    rows = "".join(f"{wrong(n)},公司{n},350100\n" for n in range(1, MAX_ERRORS + 251))
    report = run(base, "entities", "统一社会信用代码,名称,行政区划\n" + rows)
    # Reading stops once the report is full (issue 8, item 6): the rest of
    # the file is neither read nor counted, and the report says so.
    assert len(report.errors) == MAX_ERRORS and report.stopped
    assert report.total_rows < MAX_ERRORS + 250 and "stopped after" in report.summary()


def test_bulk_path_keeps_name_search_index(base, monkeypatch):
    """Above the bulk threshold the indexes are dropped and rebuilt inside the
    transaction: afterwards the name search still finds imported entities."""
    monkeypatch.setattr(bulk, "BULK_MIN_ROWS", 2)
    assert run(base, "entities", ENTITIES).inserted == 3
    renamed = run(base, "entities", ENTITIES.replace("福清乙餐饮店", "福清新名字餐饮店"))
    assert renamed.updated == 1
    conn = base.connection()  # the import committed: a fresh connection
    if conn.dialect.name == "sqlite":
        hits = conn.exec_driver_sql("SELECT e.uscc FROM entity_fts JOIN entity e ON e.id = entity_fts.rowid "
                                    "WHERE entity_fts MATCH '新名字'").scalars().all()
        assert hits == [code(2)]
        assert not conn.exec_driver_sql("SELECT rowid FROM entity_fts WHERE entity_fts MATCH '福清乙'").all()
        triggers = conn.exec_driver_sql("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
                                        "AND name LIKE 'entity_fts_%'").scalar()
        assert triggers == 3
        indexes = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE tbl_name = 'entity' "
                                                      "AND type = 'index'")}
    else:
        indexes = {r[0] for r in conn.exec_driver_sql(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'entity' AND schemaname = current_schema()")}
        hits = base.execute(sa.select(Entity.uscc).where(Entity.name.like("%新名字%"))).scalars().all()
        assert "ix_entity_name_trgm" in indexes
        assert hits == [code(2)]
    assert {"ix_entity_district", "ix_entity_risk", "ix_entity_status", "ix_entity_active"} <= indexes
    # A small import afterwards goes through the restored triggers.
    monkeypatch.setattr(bulk, "BULK_MIN_ROWS", 50_000)
    assert run(base, "entities", f"统一社会信用代码,名称,行政区划\n{code(5)},后来的公司,350100\n").inserted == 1
    if conn.dialect.name == "sqlite":
        assert base.connection().exec_driver_sql("SELECT count(*) FROM entity_fts WHERE entity_fts MATCH '后来的'").scalar() == 1


def test_every_registry_has_an_english_and_chinese_header_for_each_column():
    for kind, spec in REGISTRIES.items():
        assert spec.key and all(spec.column(k).required for k in spec.key), kind
        names = [c.zh for c in spec.columns] + [c.en for c in spec.columns]
        assert len(names) == len(set(names)), kind


class TestCli:
    def write(self, tmp_path, text, name="entities.csv", encoding="utf-8"):
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return str(path)

    def test_import_ok_and_errors(self, app, runner, tmp_path, base):
        for kind, text in (("departments", DEPARTMENTS), ("districts", DISTRICTS)):
            assert runner.invoke(args=["registry", "import", kind, self.write(tmp_path, text)]).exit_code == 0
        result = runner.invoke(args=["registry", "import", "entities", self.write(tmp_path, ENTITIES, encoding="gbk")])
        assert result.exit_code == 0, result.output
        assert "3 inserted, 0 updated, 0 unchanged" in result.output
        bad = self.write(tmp_path, ENTITIES.replace(code(3), wrong(3)), "bad.csv")
        result = runner.invoke(args=["registry", "import", "entities", bad])
        assert result.exit_code == 1
        assert f"row 4, 统一社会信用代码 = '{wrong(3)}': wrong check character (expected {code(3)[-1]})" \
            in result.output
        assert "nothing was changed" in result.output
        result = runner.invoke(args=["registry", "import", "entities", "--sync",
                                     self.write(tmp_path, ENTITIES.rsplit(code(3), 1)[0], "part.csv")])
        assert result.exit_code == 0 and "1 marked inactive" in result.output
        result = runner.invoke(args=["registry", "import", "departments", "--sync",
                                     self.write(tmp_path, DEPARTMENTS, "d.csv")])
        assert result.exit_code == 2 and "--sync is only for" in result.output
        result = runner.invoke(args=["registry", "import", "entities", "--encoding", "utf-8",
                                     self.write(tmp_path, ENTITIES, "gbk.csv", encoding="gbk")])
        assert result.exit_code == 1 and "not valid utf-8" in result.output

    def test_export(self, app, runner, tmp_path, base):
        assert run(base, "entities", ENTITIES).ok
        out = tmp_path / "out.xlsx"
        result = runner.invoke(args=["registry", "export", "entities", str(out)])
        assert result.exit_code == 0 and "3 row(s)" in result.output and out.stat().st_size > 0
        result = runner.invoke(args=["registry", "import", "entities", str(out)])
        assert result.exit_code == 0 and "0 inserted, 0 updated, 3 unchanged" in result.output
        result = runner.invoke(args=["registry", "export", "entities", str(tmp_path / "out.json")])
        assert result.exit_code == 2


def test_capped_list_keeps_the_earliest_rows(base):
    """Validation runs column by column; the kept problems are still the
    first rows' ones, in row order."""
    rows = "".join(f"{wrong(n)},公司{n},350100,{'E' if n == 2 else 'A'}\n" for n in range(1, MAX_ERRORS + 11))
    report = run(base, "entities", "统一社会信用代码,名称,行政区划,信用风险分类\n" + rows)
    assert report.errors_omitted == 1 and report.stopped  # the first block of rows, then stop
    assert [e.row for e in report.errors] == sorted(e.row for e in report.errors)
    assert [(e.row, e.column) for e in report.errors[1:3]] == [(3, "统一社会信用代码"), (3, "信用风险分类")]
    assert report.errors[-1].row == MAX_ERRORS
