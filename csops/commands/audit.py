from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from csops.commands import format_option

if TYPE_CHECKING:
    from csops.session import Session


@click.command()
@click.argument("rev_range", required=False)
@format_option
@click.pass_obj
def audit(session: Session, rev_range: str | None) -> None:
    """Check the git history of records: nothing deleted, events only appended, authors are the actors.

    REV_RANGE is a git range (default: the whole history of HEAD).

    \b
    Example:
      csops audit
      csops audit origin/main..HEAD --format json
    """
    from csops import git
    from csops.audit import audit as run_audit
    from csops.findings import report_json, report_text

    if rev_range and (problem := git.bad_revision(session.root, rev_range)):
        raise click.BadParameter(problem, param_hint="REV_RANGE")
    ctx = session.load()
    result, changes = run_audit(session.root, rev_range, ctx.staff)
    if not session.json:
        commits = len({c.commit.sha for c in changes})
        click.echo(f"已审计 {commits} 次提交、{result.files_checked} 个记录文件 (audited {commits} commits)")
    (report_json if session.json else report_text)(result, sys.stdout)
    sys.exit(result.exit_code)
