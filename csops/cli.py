"""The ``csops`` command line: a root group with global options and lazily loaded subcommands.

Subcommand modules are imported only when used, and none imports GitPython or Jinja at module
level, so ``csops --help`` and ``csops validate`` start fast.
"""

from __future__ import annotations

import importlib
import os
import sys
import tempfile
import traceback
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from csops import __version__
from csops.findings import EXIT_INTERNAL

#: Command name → "module:attribute". One line per command group.
COMMANDS: dict[str, str] = {
    "init": "csops.commands.init:init",
    "generate": "csops.commands.generate:generate",
    "validate": "csops.commands.validate:validate",
    "hook": "csops.commands.hook:hook",
    "status": "csops.commands.status:status",
    "staff": "csops.commands.staff:staff",
    "schemas": "csops.commands.schemas:schemas",
    "history": "csops.commands.history:history",
    "rules": "csops.commands.rules:rules",
    "meeting": "csops.commands.meeting:meeting",
    "audit": "csops.commands.audit:audit",
    "review": "csops.commands.review:review",
    "form": "csops.commands.form:form",
    "key": "csops.commands.key:key",
    "hazmat": "csops.commands.hazmat:hazmat",
    "handover": "csops.commands.handover:handover",
    "duty": "csops.commands.handover:duty",
    "roster": "csops.commands.roster:roster",
    "swap": "csops.commands.swap:swap",
    "ticket": "csops.commands.ticket:ticket",
    "sla": "csops.commands.sla:sla",
    "kpi": "csops.commands.sla:kpi",
    "report": "csops.commands.report:report",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def invoke(self, ctx: click.Context) -> Any:
        """Run the subcommand; a value the models reject is a refusal with its finding, never a crash."""
        from pydantic import ValidationError

        try:
            return super().invoke(ctx)
        except ValidationError as exc:
            from csops.checker import schema_problem
            from csops.session import Refused

            session = ctx.obj
            tz = session.context.policy.timezone if session is not None and "context" in vars(session) else "Asia/Shanghai"
            raise Refused([schema_problem(e, tz) for e in exc.errors(include_url=False)]) from exc

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS:
            module_name, attr = COMMANDS[cmd_name].split(":")
            command: click.Command = getattr(importlib.import_module(module_name), attr)
            return command
        return super().get_command(ctx, cmd_name)


class Instant(click.ParamType):
    """An ISO 8601 time with its UTC offset, e.g. 2026-11-23T09:12:00+08:00."""

    name = "TIME"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            parsed = datetime.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not an ISO 8601 time like 2026-11-23T09:12:00+08:00", param, ctx)
        if parsed.tzinfo is None:
            self.fail(f"{value!r} has no UTC offset: write it like {value}+08:00", param, ctx)
        if not 2000 <= parsed.year <= 2100:
            self.fail(f"{value!r}: the year must be between 2000 and 2100", param, ctx)
        return parsed


INSTANT = Instant()


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="csops")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path),
              help="Records repository (the folder holding records/). Default: found from the current folder.")
@click.option("--as", "as_staff", metavar="工号", help="Act as this member of staff (default: your git email mapped through the roster).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Output format of read commands.")
@click.option("--no-commit", is_flag=True, help="Write and stage the change but do not commit (for a pull-request workflow).")
@click.option("--now", "now", type=INSTANT, help="Take this as the current time (reproduce deadlines as of a moment).")
@click.option("--station", metavar="CODE", help="Station code for new ids (default: git config csops.station).")
@click.pass_context
def cli(ctx: click.Context, root: Path | None, as_staff: str | None, fmt: str, no_commit: bool,
        now: datetime | None, station: str | None) -> None:
    """csops: run a customer-service office from plain-text records in git.

    Tickets, shift handovers and key custody live as YAML files under records/; every command checks
    the rules, appends an event and makes one git commit authored by the member of staff.

    \b
    Example:
      csops validate                 # check every record against every rule
      csops --as CS001 status        # the office at a glance
    """
    from csops.session import Session

    ctx.obj = Session(root_option=root, as_staff=as_staff, format=fmt, no_commit=no_commit,
                      now_option=now, station_option=station)


def main() -> None:
    try:
        cli(prog_name="csops")
    except SystemExit:
        raise
    except Exception as exc:  # an internal failure: short message, traceback to a file, exit 3
        fd, path = tempfile.mkstemp(prefix="csops-crash-", suffix=".txt")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            traceback.print_exc(file=handle)
        click.echo(f"csops: internal error: {type(exc).__name__}: {exc}", err=True)
        click.echo(f"csops: the traceback was written to {path}; please report it", err=True)
        sys.exit(EXIT_INTERNAL)
