from __future__ import annotations

import csv
import sys
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from csops.context import Context
    from csops.session import Session

from csops.commands import period, period_options


@click.command()
@click.argument("query", nargs=-1, required=True)
@click.option("--kind", "kinds", multiple=True, metavar="KIND",
              help="Only this family (ticket, key, handover, staff, …); repeat for more. Default: all.")
@period_options
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True, help="Show at most this many.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default=None,
              help="Output: text in Chinese (default), json, or csv for a spreadsheet.")
@click.pass_obj
def search(session: Session, query: tuple[str, ...], kinds: tuple[str, ...], since: datetime | None,
           until: datetime | None, month: datetime | None, limit: int, fmt: str | None) -> None:
    """Find records by phone, customer, unit or any text, across families (查找记录).

    A number is matched on its digits (138-0000-0000 finds 13800000000); words must all appear.
    Newest first; phone numbers print masked. Exit 1 when nothing is found (as grep).

    \b
    Example:
      csops search 13800000000
      csops search 陈先生 A座1201 --kind ticket --month 2026-11
      csops search 空调 --since 2026-11-01 --until 2026-11-15 --format csv > 空调.csv
    """
    from csops.models import kinds as all_kinds
    from csops.search import SKIP_KINDS, Query, find

    known = [k for k in all_kinds() if k not in SKIP_KINDS]
    unknown = [k for k in kinds if k not in known]
    if unknown:
        raise click.BadParameter(f"unknown kind {unknown[0]!r}; one of: {', '.join(known)}", param_hint="--kind")
    ctx = session.load()
    start, end = period(ctx.calendar.tz, since, until, month)
    wanted = Query(" ".join(query))
    hits = find(ctx, wanted, list(kinds) or known, start, end)
    rows = _rows(ctx, hits[:limit], wanted)
    fmt = fmt or session.format or "text"
    if fmt == "json":
        session.emit_json({"query": wanted.text, "total": len(hits), "shown": len(rows), "results": rows})
    elif fmt == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=["kind", "kind_label", "id", "at", "title", "match", "path"],
                                lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    else:
        for row in rows:
            click.echo(f"{row['kind_label']} {row['id']}  {ctx.when(row['at']) or '-'}  {row['title']}"
                       + (f"  «{row['match']}»" if row["match"] else ""))
        more = f" (显示前 {len(rows)} 条; --limit 看更多)" if len(hits) > len(rows) else ""
        click.echo(f"共找到 {len(hits)} 份记录{more}")
    sys.exit(0 if hits else 1)


def _rows(ctx: Context, hits: list[tuple[str, str, float | None]], query: Any) -> list[dict[str, Any]]:
    from csops.facts import records_at
    from csops.labels import zh
    from csops.search import snippet, title

    rows = []
    for kind, rel, when in hits:
        found = records_at(ctx, kind, [rel])
        if not found:
            continue
        record = found[0]
        what = title(record)
        kind_label = zh(kind)
        if kind == "ticket":
            from csops.models.ticket import status_label

            state = record.fold()  # type: ignore[attr-defined]
            what = f"{record.type.label} {status_label(record.type, state.status)} {what}"  # type: ignore[attr-defined]
        rows.append({"kind": kind, "kind_label": kind_label, "id": record.id,
                     "at": datetime.fromtimestamp(when, ctx.calendar.tz).isoformat() if when is not None else None,
                     "title": what.strip(), "match": snippet(record, query), "path": rel})
    return rows
