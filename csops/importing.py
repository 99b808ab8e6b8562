"""Registers an office already keeps (花名册, 钥匙登记表), read from Excel or CSV into records.

A sheet's first non-empty row names its columns, in Chinese as offices write them (工号, 姓名, 部门,
...) or by the records' English field names. Every other row becomes one record, built exactly as
the command that adds one builds it (``csops staff add``, ``csops key add``), so an imported record
and a typed one are the same file. Values may be written the way people write them: 客服部 for
``cs``, 客服专员、领班 for two roles, 是/否 for yes and no.

Nothing here writes: :func:`read_sheet` gives the rows, the ``*_from_row`` functions give a record or
the problems of that row, each naming its column, so the command can report every bad row (file,
row, column, what to write instead) and write nothing until all of them are right.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from csops.labels import LabeledEnum

#: Rule ids of the import's own findings (the store's kind of check, like STORE-*).
BAD_FILE = "IMPORT-01"  # the file cannot be read as a sheet, or lacks a column every row needs
BAD_ROW = "IMPORT-02"  # a row does not make a valid record
DUPLICATE = "IMPORT-03"  # the same id twice in the file
CONFLICT = "IMPORT-04"  # the id is already a record with other values


class SheetError(ValueError):
    """The file is not a sheet csops can read (the message says why, in Chinese and English)."""


@dataclass
class Sheet:
    path: Path
    #: Column headers as written (1-based column n is ``headers[n - 1]``).
    headers: list[str]
    #: (row number in the file, header → cell text); empty rows left out.
    rows: list[tuple[int, dict[str, str]]]


@dataclass
class RowProblem:
    row: int
    column: int
    rule: str
    message: str
    hint: str | None = None


@dataclass
class Columns:
    """How the sheet's headers map to a record's fields."""

    #: field → the accepted headers (normalised: no spaces, no brackets' contents).
    aliases: dict[str, tuple[str, ...]]
    required: tuple[str, ...]
    found: dict[str, str] = field(default_factory=dict)  # field → the header as written

    def bind(self, sheet: Sheet) -> list[RowProblem]:
        by_norm = {_norm(h): h for h in sheet.headers if h}
        for name, accepted in self.aliases.items():
            hit = next((by_norm[a] for a in (_norm(x) for x in (name, *accepted)) if a in by_norm), None)
            if hit is not None:
                self.found[name] = hit
        missing = [name for name in self.required if name not in self.found]
        if not missing:
            return []
        names = "、".join(f"{self.aliases[m][0]} ({m})" for m in missing)
        return [RowProblem(1, 1, BAD_FILE, f"{sheet.path.name} 缺少列 {names} (missing columns)",
                           f"在第一行写上列名 {names}; 已有的列: {'、'.join(h for h in sheet.headers if h) or '无'}")]

    def value(self, row: dict[str, str], name: str) -> str:
        header = self.found.get(name)
        return row.get(header, "").strip() if header else ""

    def flag(self, sheet: Sheet, row: int, values: dict[str, str], name: str, hint: str,
             problems: list[RowProblem]) -> bool | None:
        """A yes/no cell (None when empty); a value that is neither is noted in ``problems``."""
        try:
            return yes_no(self.value(values, name))
        except ValueError:
            label = self.found.get(name, name)
            problems.append(RowProblem(row, self.column(sheet, name), BAD_ROW,
                                       f"{label} {self.value(values, name)!r} 不对", hint))
            return None

    def column(self, sheet: Sheet, name: str) -> int:
        header = self.found.get(name)
        return sheet.headers.index(header) + 1 if header in sheet.headers else 1


def _norm(header: str) -> str:
    text = re.sub(r"[（(][^）)]*[）)]", "", str(header))  # 部门(Department) → 部门
    return re.sub(r"[\s_*:：]", "", text).lower()


# -- reading a sheet ---------------------------------------------------------------------------


def read_sheet(path: Path, sheet: str | None = None) -> Sheet:
    """The rows of a ``.csv`` (UTF-8, or GB18030 as Chinese Excel saves it) or ``.xlsx`` file."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        table = _xlsx_rows(path, sheet)
    elif suffix in (".csv", ".txt", ".tsv"):
        if sheet:
            raise SheetError(f"--sheet 只用于 Excel 文件; {path.name} 是 CSV (--sheet is for .xlsx files)")
        table = _csv_rows(path, "\t" if suffix == ".tsv" else None)
    elif suffix == ".xls":
        raise SheetError(f"{path.name}: 旧版 Excel (.xls) 不能直接读取: 在 Excel 中另存为 .xlsx 或 CSV "
                         "(save it as .xlsx or CSV first)")
    else:
        raise SheetError(f"{path.name}: 只能导入 .xlsx 或 .csv 文件 (only .xlsx and .csv files can be imported)")
    numbered = [(n, [_cell(v) for v in cells]) for n, cells in enumerate(table, 1)]
    numbered = [(n, cells) for n, cells in numbered if any(cells)]
    if not numbered:
        raise SheetError(f"{path.name} 是空的 (the file has no rows)")
    (_, headers), body = numbered[0], numbered[1:]
    rows = [(n, {h: cells[i] if i < len(cells) else "" for i, h in enumerate(headers) if h}) for n, cells in body]
    return Sheet(path, headers, rows)


def _csv_rows(path: Path, delimiter: str | None) -> list[list[str]]:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise SheetError(f"{path.name}: 不是 UTF-8 或 GB18030 编码的文本 (not UTF-8 or GB18030 text)")
    if delimiter is None:
        try:
            delimiter = csv.Sniffer().sniff(text[:4096], delimiters=",\t;").delimiter
        except csv.Error:
            delimiter = ","
    return [list(r) for r in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _xlsx_rows(path: Path, sheet: str | None) -> list[list[Any]]:
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (BadZipFile, OSError, KeyError, ValueError) as exc:
        raise SheetError(f"{path.name}: 不是可读取的 .xlsx 文件 (not a readable .xlsx file: {exc})") from exc
    try:
        if sheet is not None:
            if sheet not in book.sheetnames:
                raise SheetError(f"{path.name} 没有工作表 {sheet!r}; 有: {'、'.join(book.sheetnames)} (no such sheet)")
            ws = book[sheet]
        else:
            ws = book.worksheets[0]
        return [list(r) for r in ws.iter_rows(values_only=True)]
    finally:
        book.close()


def _cell(value: Any) -> str:
    """A cell as text: 13900000000 not 13900000000.0, a date as 2026-11-01."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


# -- values as people write them ---------------------------------------------------------------

_LIST = re.compile(r"[、,，;；/\n]+|\s+")
_YES = {"是", "y", "yes", "true", "1", "需要", "须", "要", "在职", "有"}
_NO = {"否", "n", "no", "false", "0", "不需要", "不须", "不要", "离职", "无"}


def split_list(text: str) -> list[str]:
    return [part for part in _LIST.split(text) if part]


def identifier(enum: type[LabeledEnum], text: str) -> str:
    """``text`` as the enum's identifier when it is one of its Chinese names; else as written (the
    model then says whether it is one)."""
    member = enum.from_label(text.strip())
    return member.value if member is not None else text.strip()


def choices(enum: type[LabeledEnum], wrong: str) -> str:
    """A hint for a value that is not one of ``enum``'s: the closest names, then all of them."""
    names = {m.label: m.value for m in enum} | {m.value: m.value for m in enum}
    close = difflib.get_close_matches(wrong, list(names), n=3, cutoff=0.4)
    every = "、".join(f"{m.label}({m.value})" for m in enum)
    return (f"是不是 {'、'.join(close)}? " if close else "") + f"可写: {every}"


def yes_no(text: str) -> bool | None:
    """是/否 and their likes; None for an empty cell; ValueError for anything else."""
    value = text.strip().lower()
    if not value:
        return None
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise ValueError(text)


def problems_of(exc: Exception, row: int, column_of: Callable[[str], int], label_of: Callable[[str], str],
                hint_of: Callable[[str, str], str | None]) -> list[RowProblem]:
    """A Pydantic ValidationError as one problem per field, each in its column."""
    from pydantic import ValidationError

    if not isinstance(exc, ValidationError):
        return [RowProblem(row, 1, BAD_ROW, str(exc))]
    out = []
    for error in exc.errors(include_url=False):
        name = str(error["loc"][0]) if error["loc"] else ""
        given = error.get("input")
        shown = given if isinstance(given, str) else ""
        label = label_of(name)
        kind = str(error.get("type", ""))
        if kind == "enum":
            message = f"{label} {shown!r} 不是可选的值"
        elif kind in ("missing", "string_too_short", "too_short") and not shown:
            message = f"{label} 未填写 (required)"
        elif kind == "string_pattern_mismatch":
            message = f"{label} {shown!r} 格式不对"
        else:
            message = f"{label} {shown!r} 不对: {error['msg']}" if shown else f"{label}: {error['msg']}"
        out.append(RowProblem(row, column_of(name), BAD_ROW, message, hint_of(name, shown)))
    return out


def differences(old: Any, new: Any, labels: dict[str, tuple[str, ...]]) -> str:
    """What a row says differently from the record already there: 部门 保安部 (记录: 客服部)."""
    before, after = old.model_dump(mode="json"), new.model_dump(mode="json")
    moved = [f"{labels[k][0] if k in labels else k} {after.get(k)} (记录: {before.get(k)})"
             for k in after if k in labels and before.get(k) != after.get(k)]
    return "; ".join(moved)


def first_duplicates(ids: Iterable[tuple[int, str]]) -> dict[int, int]:
    """row → the earlier row with the same id, for every repeated id."""
    seen: dict[str, int] = {}
    out = {}
    for row, rid in ids:
        if rid in seen:
            out[row] = seen[rid]
        elif rid:
            seen[rid] = row
    return out


# -- the families ------------------------------------------------------------------------------

STAFF_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("工号", "员工编号", "编号"),
    "name": ("姓名", "名字"),
    "department": ("部门", "所属部门"),
    "roles": ("岗位", "角色", "职务", "role"),
    "level": ("级别", "职级"),
    "phone": ("电话", "工作电话", "联系电话"),
    "git_emails": ("邮箱", "电子邮箱", "git邮箱", "email", "emails"),
    "signing_keys": ("签名公钥", "ssh公钥", "signing_key"),
    "active": ("在职", "状态"),
}

KEY_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("钥匙编号", "编号"),
    "name": ("钥匙名称", "名称"),
    "location": ("位置", "所在位置"),
    "category": ("类别", "钥匙类别"),
    "slot": ("钥匙柜编号位", "柜位", "钥匙柜位", "挂钩号"),
    "copies": ("保管", "各套保管", "套", "copy"),
    "unit": ("单元号", "单元", "房号"),
    "approval": ("借用须批准", "须批准", "借用审批"),
    "seal_no": ("封条号",),
    "agreement_ref": ("托管协议编号", "托管协议"),
    "handover_ref": ("单元钥匙交接单", "交接单编号", "交接单"),
}


def _label(columns: dict[str, tuple[str, ...]]) -> Callable[[str], str]:
    return lambda name: columns[name][0] if name in columns else name


def staff_from_row(sheet: Sheet, cols: Columns, row: int, values: dict[str, str]) -> tuple[Any, list[RowProblem]]:
    """The staff record of one row of a 花名册, or the row's problems."""
    from csops.commands.staff import new_staff
    from csops.models.common import Department, Level, Role

    value = lambda name: cols.value(values, name)  # noqa: E731
    column = lambda name: cols.column(sheet, name)  # noqa: E731
    problems: list[RowProblem] = []
    active = cols.flag(sheet, row, values, "active", "写 是 或 否 (在职 / 离职)", problems)
    enums = {"department": Department, "roles": Role, "level": Level}

    def hint(name: str, given: str) -> str | None:
        enum = enums.get(name)
        if enum is not None:
            return choices(enum, given)
        return {"id": "工号只用字母、数字、- 和 _, 最多 16 位", "signing_keys": "写 ssh-ed25519 AAAA... 一行 (用户的 .pub 文件内容)"}.get(name)

    roles = [identifier(Role, r) for r in split_list(value("roles"))]
    try:
        person = new_staff(value("id"), value("name"), identifier(Department, value("department")), roles,
                           identifier(Level, value("level")) or "staff", split_list(value("git_emails")),
                           value("phone") or None, [k.strip() for k in value("signing_keys").splitlines() if k.strip()],
                           active=active if active is not None else True)
    except Exception as exc:  # a ValidationError, each field's problem in its column
        named = problems_of(exc, row, column, _label(STAFF_COLUMNS), hint)
        for p in named:  # name the bad role itself, not the list
            if p.column == column("roles"):
                bad = [r for r in roles if r not in {m.value for m in Role}]
                if bad:
                    p.message, p.hint = f"岗位 {bad[0]!r} 不是已知岗位", choices(Role, bad[0])
        return None, problems + named
    return (person if not problems else None), problems


def key_from_row(sheet: Sheet, cols: Columns, row: int, values: dict[str, str], at: datetime,
                 by: str) -> tuple[Any, list[RowProblem]]:
    """The key record of one row of a 钥匙登记表, or the row's problems."""
    import click

    from csops.commands.key import new_key
    from csops.models.common import Department
    from csops.models.key import KeyCategory

    value = lambda name: cols.value(values, name)  # noqa: E731
    column = lambda name: cols.column(sheet, name)  # noqa: E731
    problems: list[RowProblem] = []
    approval = cols.flag(sheet, row, values, "approval", "写 是 或 否, 或留空 (按类别, CFL-16)", problems)
    category = identifier(KeyCategory, value("category"))
    if category == "sealed_tenant" and not value("seal_no"):
        problems.append(RowProblem(row, column("seal_no"), BAD_ROW, "托管钥匙 (sealed_tenant) 须有封条号 (KEY-SEAL-01)",
                                   "在封条号一列写上封条编号"))
    copies = []
    for n, spec in enumerate(re.split(r"[;；、\n]+", value("copies")), 1):
        parts = [p.strip() for p in re.split(r"[:：]", spec) if p.strip()]
        if not parts:
            continue
        parts[0] = identifier(Department, parts[0])
        copies.append(":".join("sealed" if p == "封存" else p for p in parts))
        if parts[0] not in {d.value for d in Department}:
            problems.append(RowProblem(row, column("copies"), BAD_ROW, f"第 {n} 套的保管部门 {parts[0]!r} 不是已知部门",
                                       "每套写 部门[:保管人工号][:封存], 用 ; 分开, 例如 客服部:A001; 保安部:封存. "
                                       + choices(Department, parts[0])))
    if not copies:
        problems.append(RowProblem(row, column("copies"), BAD_ROW, "没有写钥匙的套数和保管部门",
                                   "每套写 部门[:保管人工号][:封存], 用 ; 分开, 例如 客服部:A001; 客服部:A002"))
    if problems:
        return None, problems

    def hint(name: str, given: str) -> str | None:
        if name == "category":
            return choices(KeyCategory, given)
        return {"id": "钥匙编号如 VU-1203", "slot": "钥匙柜编号位如 A-12 (KEY-LBL-01)"}.get(name)

    try:
        record = new_key(value("id").upper(), value("name"), value("location"), category, value("slot"), copies,
                         value("unit") or None, approval, value("seal_no") or None, value("agreement_ref") or None,
                         value("handover_ref") or None, at, by)
    except click.BadParameter as exc:
        return None, [RowProblem(row, column("copies"), BAD_ROW, exc.format_message(),
                                 "每套写 部门[:保管人工号][:封存]")]
    except Exception as exc:  # a ValidationError
        return None, problems_of(exc, row, column, _label(KEY_COLUMNS), hint)
    return record, []
