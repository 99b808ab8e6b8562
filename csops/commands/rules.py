from __future__ import annotations

from typing import TYPE_CHECKING

import click

from csops.commands import format_option

if TYPE_CHECKING:
    from csops.session import Session


@click.command()
@click.argument("prefix", required=False, default="")
@format_option
@click.pass_obj
def rules(session: Session, prefix: str) -> None:
    """List the rules csops enforces, with their RULES.md IDs.

    \b
    Example:
      csops rules
      csops rules TKT-SLA
    """
    from csops.rules import load_rules

    seen: dict[str, dict[str, str]] = {}
    for rule in load_rules():
        if rule.id.startswith(prefix.upper()):
            seen.setdefault(rule.id, {"id": rule.id, "title": rule.title, "severity": rule.severity.value,
                                      "enforcement": rule.enforcement, "kinds": ",".join(rule.kinds)})
    rows = [seen[k] for k in sorted(seen)]
    if session.json:
        session.emit_json(rows)
        return
    for row in rows:
        click.echo(f"{row['id']:<16} {row['severity']:<8} {row['title']}")
    click.echo(f"{len(rows)} rules")
