"""``csops import``: the registers an office already keeps, from Excel or CSV, as records."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from csops.commands import at_option

if TYPE_CHECKING:
    from csops.importing import Columns, RowProblem, Sheet
    from csops.models.common import Record
    from csops.session import Session

FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.group("import")
def import_group() -> None:
    """Import the registers an office already keeps (花名册, 钥匙登记表) from Excel or CSV.

    The first row names the columns, in Chinese (工号, 姓名, 部门, ...) or by the records' field
    names; values may be written as people write them (客服部, 客服专员、领班, 是/否). Every row is
    checked first: a bad row is a finding with its row and column and what to write instead, and
    then nothing is written. A good file becomes one commit, with each record exactly as the
    command that adds one would write it. Rows already in the records unchanged are skipped, so a
    file may be imported again after it is corrected.

    \b
    Example:
      csops import staff 花名册.xlsx --dry-run
      csops --as M001 import staff 花名册.xlsx
      csops --as A001 import keys 钥匙登记表.csv
    """


@import_group.command("staff")
@click.argument("file", type=FILE)
@click.option("--sheet", help="Excel 工作表名 (default: the first sheet).")
@click.option("--dry-run", is_flag=True, help="Check every row and list what would be added; write nothing.")
@click.pass_obj
def import_staff(session: Session, file: Path, sheet: str | None, dry_run: bool) -> None:
    """Import a staff roster (花名册): 工号, 姓名, 部门, 岗位, and optionally 级别, 电话, 邮箱, 签名公钥, 在职.

    Several roles or emails go in one cell, separated by 、 or ; . Into an empty roster (a new
    office) the person at the keyboard (their git email, or --as) must be one of the rows.

    \b
    Example:
      csops import staff 花名册.xlsx --dry-run
      csops --as M001 import staff 花名册.csv
    """
    from csops.importing import STAFF_COLUMNS, staff_from_row

    ctx = session.load()
    found = _check(session, file, sheet, STAFF_COLUMNS, ("id", "name", "department", "roles"),
                   lambda s, c, n, v: staff_from_row(s, c, n, v), lambda r: ctx.staff.get(r.id))
    if found is None:
        return
    new, unchanged = found
    if dry_run or not new:
        _say(session, new, unchanged, "员工", dry_run)
        return
    actor = _bootstrap_actor(session, new) if session.roster_is_empty() else None
    session.save([(None, person) for person in new], action="staff.import",
                 summary=f"导入花名册 {len(new)} 人 ({file.name})", actor=actor)
    _say(session, new, unchanged, "员工", dry_run)


@import_group.command("keys")
@click.argument("file", type=FILE)
@click.option("--sheet", help="Excel 工作表名 (default: the first sheet).")
@click.option("--dry-run", is_flag=True, help="Check every row and list what would be added; write nothing.")
@at_option
@click.pass_obj
def import_keys(session: Session, file: Path, sheet: str | None, dry_run: bool, at: datetime | None) -> None:
    """Import a key register (钥匙登记表): 钥匙编号, 名称, 位置, 类别, 钥匙柜编号位, 保管, and
    optionally 单元号, 借用须批准, 封条号, 托管协议编号, 单元钥匙交接单.

    保管 lists the copies, one per set: 部门[:保管人工号][:封存], separated by ; (e.g.
    客服部:A001; 保安部:封存). You register them, as with `csops key add`.

    \b
    Example:
      csops --as A001 import keys 钥匙登记表.xlsx --dry-run
      csops --as A001 import keys 钥匙登记表.xlsx
    """
    from csops.commands.key import when
    from csops.importing import KEY_COLUMNS, key_from_row

    ctx = session.load()
    moment, by = when(session, at), session.actor().id
    found = _check(session, file, sheet, KEY_COLUMNS, ("id", "name", "location", "category", "slot", "copies"),
                   lambda s, c, n, v: key_from_row(s, c, n, v, moment, by), lambda r: ctx.get("key", r.id))
    if found is None:
        return
    new, unchanged = found
    if not dry_run and new:
        session.save([(None, key) for key in new], action="key.import",
                     summary=f"导入钥匙登记表 {len(new)} 把 ({file.name})")
    _say(session, new, unchanged, "钥匙", dry_run)


# -- shared ------------------------------------------------------------------------------------


def _check(session: Session, file: Path, sheet_name: str | None, aliases: dict[str, tuple[str, ...]],
           required: tuple[str, ...], build: Callable[[Sheet, Columns, int, dict[str, str]], tuple[Any, list[RowProblem]]],
           existing: Callable[[Any], Any]) -> tuple[list[Any], list[Any]] | None:
    """Every row built and checked: (records to add, rows already there unchanged); or the
    findings printed, exit 1, and None."""
    from csops.importing import (
        BAD_FILE,
        CONFLICT,
        DUPLICATE,
        Columns,
        RowProblem,
        SheetError,
        differences,
        first_duplicates,
        read_sheet,
    )

    problems: list[RowProblem] = []
    new: list[Any] = []
    unchanged: list[Any] = []
    try:
        sheet = read_sheet(file, sheet_name)
    except SheetError as exc:
        _fail(session, file, [RowProblem(1, 1, BAD_FILE, str(exc))])
        return None
    cols = Columns(aliases, required)
    problems += cols.bind(sheet)
    if problems:
        _fail(session, file, problems)
        return None
    built: list[tuple[int, Any]] = []
    for row, values in sheet.rows:
        record, found = build(sheet, cols, row, values)
        problems += found
        if record is not None:
            built.append((row, record))
    id_column = cols.column(sheet, "id")
    for row, earlier in first_duplicates((row, record.id) for row, record in built).items():
        problems.append(RowProblem(row, id_column, DUPLICATE, f"编号 {dict(built)[row].id} 与第 {earlier} 行重复",
                                   "每个编号只写一行"))
    for row, record in built:
        old = existing(record)
        if old is None:
            new.append(record)
        elif _same(old, record, cols.found):
            unchanged.append(record)
        else:
            # Only the columns the sheet has: a register without emails says nothing of them.
            shown = {k: v for k, v in aliases.items() if k in cols.found}
            what = differences(old, record, shown) if record.KIND == "staff" else ""
            problems.append(RowProblem(row, id_column, CONFLICT,
                                       f"{record.id} 已在记录中, 内容不同" + (f": {what}" if what else ""),
                                       _change_hint(record)))
    if not problems and new:
        adding = {id(r) for r in new}
        problems += _rule_problems(session, [(row, r) for row, r in built if id(r) in adding])
    if problems:
        _fail(session, file, problems)
        return None
    return new, unchanged


def _rule_problems(session: Session, rows: list[tuple[int, Any]]) -> list[RowProblem]:
    """What the rules say of the rows, each at its row: a record's own checks, then the errors the
    whole import would add anywhere in the tree (nothing is written)."""
    from csops.importing import RowProblem
    from csops.session import Refused

    problems: list[RowProblem] = []
    row_of: dict[str, int] = {}
    for row, record in rows:
        try:
            _, changes = session._prepare([(None, record)])
        except Refused as exc:
            problems += [RowProblem(row, 1, p.rule, p.message, p.hint) for p in exc.problems]
            continue
        row_of[changes[0].rel] = row
    if problems:
        return problems
    _, changes = session._prepare([(None, record) for _, record in rows])
    added, _ = session.new_errors(changes)
    return [RowProblem(row_of.get(f.path, 1), 1, f.rule, f.message if f.path in row_of else f"{f.path}: {f.message}",
                       f.hint) for f in added]


def _same(old: Any, new: Any, columns: dict[str, str]) -> bool:
    """The record already there is the row, as far as the sheet's columns say (a register without
    an email column says nothing of emails); a key's copies and seals are its history, not compared."""
    before, after = old.model_dump(mode="json"), new.model_dump(mode="json")
    derived = {"events", *getattr(new, "SUMMARY_FIELDS", ())}  # a key's copies, state, seal: its history's
    return all(before.get(name) == after.get(name) for name in columns if name in after and name not in derived)


def _change_hint(record: Record) -> str:
    if record.KIND == "staff":
        return f"改动已有员工用 csops staff edit {record.id} ...; 或从表中删去这一行"
    return f"已登记的钥匙不重复登记: csops key show {record.id}; 或从表中删去这一行"


def _bootstrap_actor(session: Session, new: list[Any]) -> Any:
    """Into an empty roster, the person at the keyboard (or --as) signs for the import: a row."""
    wanted = session.as_staff
    email = session.keyboard().email.lower()
    for person in new:
        if person.id == wanted or (not wanted and email and email in (e.lower() for e in person.git_emails)):
            return person
    raise click.UsageError("the roster is empty, so the import is signed by one of its rows: pass --as 工号 of "
                           "the person importing, or add your git email to your row (花名册为空: 导入者须在表中)")


def _fail(session: Session, file: Path, problems: list[RowProblem]) -> None:
    from csops.findings import Finding, Result, Severity, report_json

    result = Result(files_checked=1)
    result.extend(Finding(str(file), p.row, p.column, Severity.error, p.rule, p.message, p.hint) for p in problems)
    if session.format == "json":
        report_json(result, sys.stdout, {"written": False})
    else:
        for finding in sorted(result.findings, key=lambda f: (f.line, f.col)):
            click.echo(finding.as_text())
        click.echo(f"{len(problems)} 处问题, 什么也没有写入 (nothing was written): 改好表格后再导入")
    raise SystemExit(1)


def _say(session: Session, new: list[Any], unchanged: list[Any], what: str, dry_run: bool) -> None:
    def name(record: Any) -> str:
        return f"{record.id} {record.name}"

    if session.format == "json":
        session.emit_json({"dry_run": dry_run, "added" if not dry_run else "would_add": [r.id for r in new],
                           "unchanged": [r.id for r in unchanged]})
        return
    verb = "将导入 (would import)" if dry_run else "已导入 (imported)"
    click.echo(f"{verb} {what} {len(new)}: {'、'.join(name(r) for r in new) or '无'}")
    if unchanged:
        click.echo(f"已在记录中且未变, 跳过 (unchanged) {len(unchanged)}: {'、'.join(r.id for r in unchanged)}")
