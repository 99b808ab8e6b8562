from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from csops.session import Session


@click.command()
@click.argument("provenance")
@click.pass_obj
def verify(session: Session, provenance: str) -> None:
    """Check a printed form against the records: the text in its footer (核验).

    Says whether the record at the commit the form was rendered from has exactly the content the
    form was printed from, and whether it changed since. Exit 0 when the paper matches that
    commit, 1 when it does not (or the commit or record is not in this repository).

    \b
    Example:
      csops verify csops:T-2611-A003@3f2a1bc4d5#a1b2c3d4e5f6
    """
    from csops.commands.form import _find
    from csops.provenance import parse
    from csops.provenance import verify as check

    parts = parse(provenance)
    if parts is None:
        raise click.BadParameter("give the text printed after 核验 on the form, like "
                                 "csops:T-2611-A003@3f2a1bc4d5#a1b2c3d4e5f6", param_hint="PROVENANCE")
    record_id, commit, short_hash = parts
    ctx = session.load()
    record = _find(ctx, record_id)
    loaded = ctx.file_of(record) if record is not None else None
    if loaded is None:
        raise click.ClickException(f"本仓库没有记录 {record_id} (no such record){ctx.why_missing(record_id)}")
    verdict = check(session.root, loaded.rel, commit, short_hash, loaded.blob)
    if session.json:
        session.emit_json({"record": record_id, "commit": commit, "hash": short_hash, "path": loaded.rel,
                           "matches": verdict.matches, "changed_since": verdict.changed_since,
                           "message": verdict.message})
    else:
        click.echo(f"{record_id}: {verdict.message}")
    sys.exit(0 if verdict.matches else 1)
