from __future__ import annotations

from typing import TYPE_CHECKING

import click

from csops.commands import format_option

if TYPE_CHECKING:
    from csops.session import Session


@click.command()
@click.argument("record_id")
@format_option
@click.pass_obj
def history(session: Session, record_id: str) -> None:
    """The audit trail of one record from git: who did what, when, in which commit.

    \b
    Example:
      csops history T-2611-A001
    """
    import git as gitpython  # GitPython: only this command walks history

    ctx = session.load()
    entry = next(((r, f) for r, f in ctx.entries if r.id == record_id), None)
    # A broken file still has a history: who changed it, and when, is what its fixer needs to know.
    rel = entry[1].rel if entry is not None else ctx.unusable_file(record_id)
    if rel is None:
        raise click.UsageError(f"no record with id {record_id}")
    repo = gitpython.Repo(session.root)
    rows = []
    for commit in repo.iter_commits(paths=rel, reverse=True):
        trailers = {k: v for k, v in (line.split(": ", 1) for line in str(commit.message).splitlines() if line.startswith("Csops-") and ": " in line)}
        rows.append({
            "commit": commit.hexsha[:10],
            "at": commit.authored_datetime.isoformat(),
            "author": str(commit.author.name),
            "action": trailers.get("Csops-Action", ""),
            "actor": trailers.get("Csops-Actor", ""),
            "summary": str(commit.summary),
        })
    if session.json:
        session.emit_json({"record": record_id, "file": rel, "history": rows})
        return
    click.echo(f"{record_id} ({rel})" + ("" if entry is not None else f"  [有错误: csops validate {rel}]"))
    for row in rows:
        click.echo(f"  {ctx.when(row['at'])}  {row['commit']}  {row['author']:<6} {row['action']:<18} {row['summary']}")
