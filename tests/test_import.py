"""`csops import staff|keys`: the registers an office keeps in Excel or CSV become the records the
commands would write, every bad row is a finding at its row and column, and nothing is half-written.

Real git repositories from `csops init`, real .xlsx files written with openpyxl, the real CLI.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from csops.cli import cli
from tests.fixtures import Office, git

NOW = "2026-11-02T09:00:00+08:00"
ROSTER = [
    ["工号", "姓名", "部门", "岗位", "级别", "电话", "邮箱"],
    ["M001", "王经理", "客服部", "客服部经理", "中级管理", "0755-26680101", "wang@office.example"],
    ["CS001", "李娜", "客服部", "客服专员", "员工", "", "lina@office.example"],
    ["CS002", "张伟", "客服部", "客服专员、领班", "领班", "", ""],
    ["A001", "陈静", "客服部", "客服助理", "", "", "chen@office.example; chen.j@office.example"],
]
#: The same people as `csops staff add` would be told about them.
ADDS = [
    ["M001", "--name", "王经理", "--department", "cs", "--role", "cs_manager", "--level", "middle",
     "--phone", "0755-26680101", "--email", "wang@office.example"],
    ["CS001", "--name", "李娜", "--department", "cs", "--role", "agent", "--email", "lina@office.example"],
    ["CS002", "--name", "张伟", "--department", "cs", "--role", "agent", "--role", "shift_lead", "--level", "shift_lead"],
    ["A001", "--name", "陈静", "--department", "cs", "--role", "cs_assistant", "--email", "chen@office.example",
     "--email", "chen.j@office.example"],
]


def new_office(path: Path) -> Office:
    """A fresh office from `csops init` with an empty roster, the manager at the keyboard."""
    result = CliRunner().invoke(cli, ["init", str(path), "--station", "A", "--no-hook"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    git(path, "config", "user.name", "王经理")
    git(path, "config", "user.email", "wang@office.example")
    return Office(path)


def at_keyboard(office: Office, name: str, email: str, *args: str) -> object:
    """csops run by the person whose git identity is ``name <email>`` (their own keyboard)."""
    env = {f"GIT_{who}_{part}": value for who in ("AUTHOR", "COMMITTER")
           for part, value in (("NAME", name), ("EMAIL", email))}
    return CliRunner().invoke(cli, ["--root", str(office.root), "--now", NOW, *args], env=env, catch_exceptions=False)


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8-sig") -> Path:
    import csv
    import io

    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_bytes(out.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list[object]], sheet: str = "花名册") -> Path:
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    book.save(path)
    return path


def staff_files(office: Office) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((office.root / "records" / "staff").glob("*.yaml"))}


@pytest.mark.parametrize("kind", ["csv", "xlsx", "gb18030"])
def test_an_imported_roster_is_the_roster_the_commands_make(tmp_path: Path, kind: str) -> None:
    typed = new_office(tmp_path / "typed")
    for args in ADDS:
        typed.ok("staff", "add", *args, as_="M001", now=NOW)
    imported = new_office(tmp_path / "imported")
    if kind == "xlsx":  # Excel keeps numbers as numbers: a phone typed as one still imports as text
        sheet = write_xlsx(tmp_path / "花名册.xlsx", ROSTER)
    else:
        sheet = write_csv(tmp_path / "花名册.csv", ROSTER, "gb18030" if kind == "gb18030" else "utf-8-sig")
    before = imported.commits()
    dry = imported.ok("import", "staff", str(sheet), "--dry-run", now=NOW)
    assert "将导入" in dry.output and imported.commits() == before and imported.status() == ""
    # Into the empty roster of a new office: the manager at their own keyboard is one of the rows.
    result = at_keyboard(imported, "王经理", "wang@office.example", "import", "staff", str(sheet))
    assert result.exit_code == 0 and "已导入" in result.output and "CS002 张伟" in result.output
    assert staff_files(imported) == staff_files(typed)
    assert imported.commits() == before + 1 and imported.status() == ""
    log = imported.git("log", "-1", "--format=%an <%ae>%n%B").stdout
    assert log.startswith("王经理 <wang@office.example>") and "Csops-Action: staff.import" in log
    again = imported.ok("import", "staff", str(sheet), now=NOW)
    assert "未变" in again.output and imported.commits() == before + 1
    audit = imported.run("audit", "--all", now=NOW)
    assert "AUDIT-04" not in audit.output and "AUDIT-03" not in audit.output, audit.output


def test_every_bad_row_is_a_finding_at_its_row_and_column_and_nothing_is_written(tmp_path: Path) -> None:
    office = new_office(tmp_path / "office")
    office.ok("import", "staff", str(write_csv(tmp_path / "ok.csv", ROSTER)), as_="M001", now=NOW)
    rows = [
        ["工号", "姓名", "部门", "岗位"],
        ["CS009", "赵六", "工程", "客服专员"],      # 2: no such department (工程部 is)
        ["CS010", "", "客服部", "客服专元"],        # 3: no name; a role misspelt
        ["CS001", "李娜", "保安部", "客服专员"],    # 4: already in the roster, otherwise
        ["CS011", "钱七", "客服部", "客服专员"],
        ["CS011", "钱七", "客服部", "客服专员"],    # 6: the same id twice
        ["CS012", "孙八", "客服部", "客服专员"],    # a good row: still not written
    ]
    sheet = write_csv(tmp_path / "bad.csv", rows)
    before = office.commits()
    result = office.run("import", "staff", str(sheet), now=NOW)
    assert result.exit_code == 1
    assert office.commits() == before and office.status().strip() == ""
    text = result.output
    assert f"{sheet}:2:3: error IMPORT-02: 部门 '工程' 不是可选的值" in text and "是不是 工程部" in text
    assert f"{sheet}:3:2: error IMPORT-02: 姓名 未填写" in text
    assert f"{sheet}:3:4: error IMPORT-02: 岗位 '客服专元' 不是已知岗位" in text and "是不是 客服专员" in text
    assert f"{sheet}:4:1: error IMPORT-04: CS001 已在记录中, 内容不同: 部门 security (记录: cs)" in text
    assert "csops staff edit CS001" in text
    assert f"{sheet}:6:1: error IMPORT-03: 编号 CS011 与第 5 行重复" in text
    assert "什么也没有写入" in text
    as_json = json.loads(office.run("--format", "json", "import", "staff", str(sheet), now=NOW).stdout)
    assert as_json["written"] is False and {f["rule"] for f in as_json["findings"]} == {"IMPORT-02", "IMPORT-03", "IMPORT-04"}


def test_a_file_that_is_not_a_sheet_or_lacks_a_column_is_a_finding(tmp_path: Path) -> None:
    office = new_office(tmp_path / "office")
    broken = tmp_path / "花名册.xlsx"
    broken.write_bytes(b"not a zip file")
    result = office.run("import", "staff", str(broken), now=NOW)
    assert result.exit_code == 1 and "IMPORT-01" in result.output and "不是可读取的 .xlsx" in result.output
    old_excel = tmp_path / "花名册.xls"
    old_excel.write_bytes(b"\xd0\xcf\x11\xe0")
    assert "另存为 .xlsx" in office.run("import", "staff", str(old_excel), now=NOW).output
    missing = write_csv(tmp_path / "m.csv", [["工号", "姓名"], ["CS001", "李娜"]])
    result = office.run("import", "staff", str(missing), now=NOW)
    assert result.exit_code == 1 and "缺少列 部门 (department)、岗位 (roles)" in result.output
    assert office.status().strip() == "" and staff_files(office) == {}


def test_an_empty_roster_is_imported_by_someone_in_it(tmp_path: Path) -> None:
    office = new_office(tmp_path / "office")
    sheet = write_csv(tmp_path / "r.csv", ROSTER)
    result = at_keyboard(office, "路人", "stranger@elsewhere.example", "import", "staff", str(sheet))
    assert result.exit_code == 2 and "导入者须在表中" in result.output and staff_files(office) == {}
    office.ok("import", "staff", str(sheet), as_="M001", now=NOW)
    assert len(staff_files(office)) == 4


KEYS = [
    ["钥匙编号", "名称", "位置", "类别", "钥匙柜编号位", "保管", "单元号", "借用须批准", "封条号", "托管协议编号", "单元钥匙交接单"],
    ["VU-1203", "1203单元大门", "12F", "空置单元", "A-12", "客服部:A001; 客服部:A001", "1203", "", "", "", ""],
    ["ST-0805", "0805托管钥匙", "8F", "sealed_tenant", "S-01", "cs:A001", "0805", "是", "FC-0001", "TG-2609-01", "JJ-2609-01"],
]


def test_an_imported_key_register_is_what_key_add_writes(tmp_path: Path) -> None:
    roster = write_csv(tmp_path / "r.csv", ROSTER)
    typed, imported = new_office(tmp_path / "typed"), new_office(tmp_path / "imported")
    for office in (typed, imported):
        office.ok("import", "staff", str(roster), as_="M001", now=NOW)
    typed.ok("key", "add", "VU-1203", "--name", "1203单元大门", "--location", "12F", "--category", "vacant_unit",
             "--slot", "A-12", "--copy", "cs:A001", "--copy", "cs:A001", "--unit", "1203", as_="A001", now=NOW)
    typed.ok("key", "add", "ST-0805", "--name", "0805托管钥匙", "--location", "8F", "--category", "sealed_tenant",
             "--slot", "S-01", "--copy", "cs:A001", "--unit", "0805", "--approval", "--seal-no", "FC-0001",
             "--agreement-ref", "TG-2609-01", "--handover-ref", "JJ-2609-01", as_="A001", now=NOW)
    sheet = write_xlsx(tmp_path / "钥匙登记表.xlsx", KEYS, sheet="钥匙")
    imported.ok("import", "keys", str(sheet), "--sheet", "钥匙", as_="A001", now=NOW)

    def keys(office: Office) -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in sorted((office.root / "records" / "keys").glob("*.yaml"))}

    assert keys(imported) == keys(typed) and len(keys(typed)) == 2
    assert "未变" in imported.ok("import", "keys", str(sheet), "--sheet", "钥匙", as_="A001", now=NOW).output


def test_a_row_the_rules_refuse_is_named_by_its_row(tmp_path: Path) -> None:
    """KEY-VAC-01: a vacant unit's copies are kept by a 客服助理 (A001 is, CS001 is not)."""
    office = new_office(tmp_path / "office")
    office.ok("import", "staff", str(write_csv(tmp_path / "r.csv", ROSTER)), as_="M001", now=NOW)
    rows = [KEYS[0], KEYS[2], [*KEYS[1][:5], "客服部:A001; 客服部:CS001", *KEYS[1][6:]]]
    before = office.commits()
    result = office.run("import", "keys", str(write_csv(tmp_path / "k.csv", rows)), as_="A001", now=NOW)
    assert result.exit_code == 1 and office.commits() == before
    assert f"{tmp_path / 'k.csv'}:3:1: error KEY-VAC-01" in result.output, result.output
    assert not (office.root / "records" / "keys").exists() or not any((office.root / "records" / "keys").iterdir())


def test_the_shipped_templates_import_into_a_new_office(tmp_path: Path) -> None:
    """docs/samples/花名册模板.csv and 钥匙登记表模板.csv are what README points a new office to."""
    from tests.fixtures import PROJECT

    office = new_office(tmp_path / "office")
    git(office.root, "config", "user.name", "张伟")
    git(office.root, "config", "user.email", "zhangwei@example.com")
    samples = PROJECT / "docs" / "samples"
    staff = at_keyboard(office, "张伟", "zhangwei@example.com", "import", "staff", str(samples / "花名册模板.csv"))
    assert staff.exit_code == 0 and "员工 5" in staff.output, staff.output
    keys = at_keyboard(office, "张伟", "zhangwei@example.com", "--as", "A001", "import", "keys",
                       str(samples / "钥匙登记表模板.csv"))
    assert keys.exit_code == 0 and "钥匙 3" in keys.output, keys.output
    checked = office.run("--format", "json", "validate", now=NOW)
    assert json.loads(checked.stdout)["errors"] == 0
