from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from csops.context import Context
    from csops.models.common import Record
    from csops.session import Session


@click.command()
@click.argument("record_id")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the HTML here (default: standard output).")
@click.pass_obj
def form(session: Session, record_id: str, out: Path | None) -> None:
    """Render a record as a printable A4 form (HTML, in Chinese).

    Uses templates/forms/<kind>.html.j2 from the records repository or from csops, else a generic
    form listing every field and the history. Open the file in a browser and print.

    \b
    Example:
      csops form MT-2611-A001 --out 会议纪要.html
    """
    from csops.render import render_form

    ctx = session.load()
    record = _find(ctx, record_id)
    if record is None:
        raise click.UsageError(f"no record with id {record_id}{ctx.why_missing(record_id)}")
    html = render_form(record, ctx)
    if out is None:
        click.echo(html, nl=False)
    else:
        out.write_text(html, encoding="utf-8")
        click.echo(f"已生成表单 (form written): {out}")


def _find(ctx: Context, record_id: str) -> Record | None:
    """The record with ``record_id``, reading as little as its id allows: the one file of the kind
    whose prefix it carries (T-, KL-, MT- ...), else the kinds with natural ids (handovers, rosters,
    keys, staff), and only then every kind."""
    from csops.models import kinds

    registry = {k: m for k, m in kinds().items() if k != "policy"}
    by_prefix = [k for k, m in registry.items() if m.ID_PREFIX and record_id.startswith(f"{m.ID_PREFIX}-")]
    natural = [k for k, m in registry.items() if not m.ID_PREFIX]
    for kind in by_prefix or natural:
        found = ctx.get(kind, record_id)
        if found is not None:
            return found
    return next((r for r, _ in ctx.entries if r.id == record_id), None)
