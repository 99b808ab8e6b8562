"""``csops report``: summaries computed from the records (RULES.md §6). The figures come from
:mod:`csops.report`; this module only loads, calls, renders and writes."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from csops.commands import list_format_option

if TYPE_CHECKING:
    from csops.context import Context
    from csops.session import Session


@click.group()
def report() -> None:
    """Reports from the records: the monthly summary (月度报告, RULES.md §6.3), the sampling callback list.

    \b
    Example:
      csops report monthly --month 2026-10 --out reports/
      csops report sampling --quarter 2026Q4
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


@report.command("sampling")
@click.option("--quarter", help="YYYYQn, e.g. 2026Q4 (default: the last quarter that has ended).")
@click.option("--seed", help="The commit whose id seeds the draw (default: the last commit at the quarter's end).")
@list_format_option
@click.pass_obj
def sampling(session: Session, quarter: str | None, seed: str | None) -> None:
    """The quarterly sampling callback list (抽样回访, TKT-CB-06, KPI-07): 20% of the quarter's handled
    repairs, per department that handled them, for the CS-centre director to call back.

    The draw is reproducible: each repair's place is the SHA-256 of the seed commit, the quarter
    and its id, so anyone with the history draws the same list (the output says how). The rate
    is the policy's kpi.sampling_rate. --format csv gives the call list for a spreadsheet.

    \b
    Example:
      csops report sampling --quarter 2026Q4
      csops report sampling --quarter 2026Q4 --format csv > 2026Q4抽样回访.csv
      csops report sampling --quarter 2026Q4 --seed 3f2a1bc
    """
    from pathlib import PurePosixPath

    from csops import git
    from csops.facts import records_at
    from csops.privacy import mask_name, mask_phone
    from csops.sampling import draw, population, quarter_bounds, seed_commit

    ctx = session.load()
    tz = ctx.calendar.tz
    if quarter is None:
        local = ctx.calendar.local(session.now)
        q = (local.month - 1) // 3  # this quarter, 0-based; the last ended one is the one before
        quarter = f"{local.year - 1}Q4" if q == 0 else f"{local.year}Q{q}"
    try:
        start, end = quarter_bounds(tz, quarter)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--quarter") from exc
    quarter = quarter.upper()
    if seed is not None:
        found = git.resolve_commit(session.root, seed)
        if found is None:
            raise click.BadParameter(f"{seed!r} is not a commit of this repository", param_hint="--seed")
        seed = found
    else:
        seed = seed_commit(session.root, end)
        if seed is None:
            raise click.UsageError("no commit before the quarter's end to seed the draw: give --seed COMMIT")
    rate = ctx.policy.kpi.sampling_rate
    people = population(ctx, start, end)
    by_id = {PurePosixPath(rel).stem: (rel, handler, department) for rel, (handler, department) in people.items()}
    drawn = draw({tid: department for tid, (_, _, department) in by_id.items()}, rate, seed, quarter)
    tickets: dict[str, Any] = {t.id: t for t in records_at(ctx, "ticket", [by_id[d.ticket][0] for d in drawn])}
    rows: list[dict[str, Any]] = []
    for n, d in enumerate(drawn, 1):
        t = tickets.get(d.ticket)
        handler = by_id[d.ticket][1]
        rows.append({
            "no": n, "ticket": d.ticket, "department": d.stratum, "handler": handler, "handler_name": ctx.name(handler),
            "received_at": t.received_at.isoformat() if t else None, "subject": (t.subject or t.content or "")[:30] if t else "",
            "customer": mask_name(t.customer.name) if t else None, "contact": mask_phone(t.customer.contact) if t else None,
            "rank": d.rank[:16],
        })
    again = f"csops report sampling --quarter {quarter} --seed {seed[:12]}"
    if session.format == "json":
        session.emit_json({"quarter": quarter, "seed": seed, "rate": rate, "population": len(by_id),
                           "drawn": len(rows), "redraw": again, "rows": rows})
        return
    if session.emit_rows(rows):
        return
    complete = end <= session.now
    click.echo(f"{ctx.policy.office.name} {quarter} 抽样回访 (TKT-CB-06): 已处理报修 {len(by_id)} 张, "
               f"按处理部门各抽 {rate:.0%}, 共 {len(rows)} 张")
    click.echo(f"  种子 (seed): 提交 {seed[:12]}{'' if complete else ' (季度未结束: 季度结束后再抽, 名单才不再变)'}; "
               f"复核: {again}")
    for row in rows:
        click.echo(f"  {row['no']:>3}. {row['ticket']}  {row['department']}  {row['handler_name']}  "
                   f"{(row['received_at'] or '')[:10]}  {row['customer'] or ''} {row['contact'] or ''}  {row['subject']}")
    if not rows:
        click.echo("  (本季度没有已处理的报修)")
