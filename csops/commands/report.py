"""``csops report``: summaries computed from the records (RULES.md §6). The figures come from
:mod:`csops.report`; this module only loads, calls, renders and writes."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from csops.commands import list_format_option

if TYPE_CHECKING:
    from csops.context import Context
    from csops.session import Session


@click.group()
def report() -> None:
    """Reports from the records: the monthly summary (月度报告, RULES.md §6.3).

    \b
    Example:
      csops report monthly --month 2026-10 --out reports/
    """


@report.command("monthly")
@click.option("--month", help="YYYY-MM (default: last month, the one due by the 5th).")
@click.option("--out", "out_text", metavar="FILE|DIR/",
              help="Write here: a folder (existing, or ending in /) gets the RPT-01 file name "
                   "({office}_{YYYY-MM}_v{n}.html); a file ending .md gets Markdown, any other file HTML. "
                   "Default: Markdown on standard output.")
@click.option("--force", is_flag=True, help="Overwrite an existing --out FILE (an issued version stays as it is).")
@click.option("--revision", type=click.IntRange(min=1), default=1, show_default=True,
              help="Version number in the RPT-01 file name (v1, v2, ...).")
@list_format_option
@click.pass_obj
def monthly(session: Session, month: str | None, out_text: str | None, revision: int, force: bool) -> None:
    """The monthly summary (§6.3): tickets, complaints, KPIs, callbacks, handovers, swaps, keys, hazmat.

    In Chinese; due by the 5th of the next month (RPT-01). Figures are as of now (or --now) for the
    records of the month. --format json prints the data instead; --format csv writes every table of
    it as its own spreadsheet file (UTF-8 with a BOM, as Excel reads Chinese) into a folder named
    like the report. A folder given to --out gets the file name RPT-01 asks for; an existing
    version there is never overwritten.

    \b
    Example:
      csops report monthly --month 2026-10
      csops --now 2026-11-03T09:00:00+08:00 report monthly --month 2026-10 --out reports/
      csops report monthly --month 2026-10 --format json
      csops report monthly --month 2026-10 --format csv --out reports/
    """
    from csops.report import file_name
    from csops.report import monthly as compute

    if session.format == "csv" and not out_text:
        raise click.UsageError("--format csv writes one file per table: give a folder, e.g. --out reports/")
    ctx = session.load()
    if month is None:
        first = ctx.calendar.local(session.now).date().replace(day=1)
        month = (first - timedelta(days=1)).strftime("%Y-%m")
    try:
        data = compute(ctx, month)
    except ValueError as exc:
        raise click.BadParameter(f"{month!r}: write the month as 2026-10", param_hint="--month") from exc
    if session.format == "csv":
        _write_tables(ctx, data, Path(out_text or "."), month, revision)
        return
    kind = "json" if session.json else "md"
    out = Path(out_text) if out_text else None
    if out is not None and out_text is not None and (out.is_dir() or out_text.endswith(("/", "\\"))):
        if out.exists() and not out.is_dir():
            raise click.UsageError(f"--out {out_text}: {out} is a file, not a folder")
        out = out / file_name(ctx.policy, month, revision, "json" if kind == "json" else "html")
        if out.exists():
            raise click.UsageError(f"{out} already exists: issue a new version with --revision {revision + 1}")
        kind = "json" if kind == "json" else "html"
    elif out is not None:
        if out.exists() and not force:
            raise click.UsageError(f"{out} already exists: pass --force to overwrite it, or write a new version")
        if kind != "json":
            kind = "md" if out.suffix.lower() == ".md" else "html"
    if kind == "json":
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    else:
        import jinja2

        from csops.render import render_report

        template = f"monthly.{kind}.j2"
        try:
            text = render_report(ctx, template, data)
        except jinja2.TemplateError as exc:
            raise click.ClickException(f"报告模板 reports/{template} 渲染失败 (render failed): "
                                       f"{type(exc).__name__}: {exc}; nothing was written") from exc
    if out is None:
        click.echo(text, nl=not text.endswith("\n"))
        return
    from csops.privacy import mask_numbers_in
    from csops.yamlio import atomic_write

    try:
        atomic_write(out, mask_numbers_in(text))  # a file handed on: no full phone number (REG-PHN-01)
    except OSError as exc:
        raise click.ClickException(f"cannot write {out}: {exc.strerror or exc}; nothing was written") from exc
    click.echo(f"已生成月度报告 (monthly report written): {out}  提交期限 {data['due']} (RPT-01)")


def _write_tables(ctx: Context, data: dict[str, object], parent: Path, month: str, revision: int) -> None:
    """Every table of the summary as ``<folder>/<table>.csv``, the folder named as RPT-01 names the
    report (``{office}_{YYYY-MM}_v{n}``); an issued version is never overwritten, and a failure
    leaves no half-written folder."""
    import shutil
    import tempfile

    from csops.privacy import mask_numbers_in
    from csops.report import csv_text, file_name, tables

    if parent.exists() and not parent.is_dir():
        raise click.UsageError(f"--out {parent}: a file, not a folder")
    folder = parent / file_name(ctx.policy, month, revision, "csv").removesuffix(".csv")
    if folder.exists():
        raise click.UsageError(f"{folder} already exists: issue a new version with --revision {revision + 1}")
    staging: Path | None = None
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".csops-", dir=parent))
        found = tables(data)
        for name, rows in found.items():
            # The BOM makes Excel read the file as UTF-8; numbers are masked as on every output.
            (staging / f"{name}.csv").write_text("\ufeff" + mask_numbers_in(csv_text(rows)), encoding="utf-8")
        staging.rename(folder)
    except OSError as exc:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        raise click.ClickException(f"cannot write {folder}: {exc.strerror or exc}; nothing was written") from exc
    click.echo(f"已导出月度报告的 {len(found)} 张表 (tables written): {folder}/  提交期限 {data['due']} (RPT-01)")
