"""The ``csops`` command line: a root group with global options and lazily loaded subcommands.

Subcommand modules are imported only when used, and none imports GitPython or Jinja at module
level, so ``csops --help`` and ``csops validate`` start fast.
"""

from __future__ import annotations

import importlib
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from csops import __version__
from csops.completion import staff_ids

#: Command name → "module:attribute". One line per command group.
COMMANDS: dict[str, str] = {
    "init": "csops.commands.init:init",
    "generate": "csops.commands.generate:generate",
    "validate": "csops.commands.validate:validate",
    "hook": "csops.commands.hook:hook",
    "merge-driver": "csops.commands.merge_driver:merge_driver",
    "status": "csops.commands.status:status",
    "staff": "csops.commands.staff:staff",
    "schemas": "csops.commands.schemas:schemas",
    "history": "csops.commands.history:history",
    "rules": "csops.commands.rules:rules",
    "meeting": "csops.commands.meeting:meeting",
    "audit": "csops.commands.audit:audit",
    "confirm": "csops.commands.confirm:confirm",
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
    "search": "csops.commands.search:search",
    "verify": "csops.commands.verify:verify",
    "import": "csops.commands.import_:import_group",
}

#: Each command's one-line help, so that ``csops --help`` lists the commands without importing
#: them (tests/test_cli.py checks it against the commands' own help). A command missing here is
#: imported for its help: slower, never wrong.
SHORT_HELP: dict[str, str] = {
    "audit": 'Check the git history of records: nothing deleted or bent, each step committed by who acted.',
    "confirm": 'Confirm, as yourself, the approvals someone else typed in for you (审批人本人确认).',
    "duty": 'Duty records (值班记录表): entries, major events and their written reports.',
    "form": 'Render a record as a printable A4 form (HTML, in Chinese).',
    "import": 'Import the registers an office already keeps (花名册, 钥匙登记表) from Excel or CSV.',
    "generate": 'Generate a realistic office of any size into a new records repository (for trials and benchmarks).',
    "handover": 'Shift handovers (交接班): open, sign, accept or refuse, review.',
    "hazmat": 'Hazardous materials (危险品): stock-in, draw, return of the unused remainder, balance.',
    "history": 'The audit trail of one record from git: who did what, when, in which commit.',
    "hook": 'Git hook for repositories that do not use the pre-commit framework.',
    "init": 'Create a new records repository: git, policy with defaults, empty roster, hook, README.',
    "key": 'Key custody (钥匙管理): registry, loans, daily check, sealed tenant keys, loss and lock change.',
    "kpi": 'Ticket KPIs of a month (§6.2): callback rates, satisfaction, valid complaints, SLA compliance.',
    "meeting": 'Meeting minutes (会议纪要): decisions with an owner and a deadline.',
    "merge-driver": "Merge driver for git: join both branches' new events of one record (run by git, not by hand).",
    "report": 'Reports from the records: the monthly summary (月度报告, RULES.md §6.3), the sampling callback list.',
    "review": 'What a branch changes, in business words, for the reviewer of a pull request.',
    "roster": 'The monthly duty roster: posts, shifts, who is on which shift, the duty manager.',
    "rules": 'List the rules csops enforces, with their RULES.md IDs.',
    "search": 'Find records by phone, customer, unit or any text, across families (查找记录).',
    "schemas": 'Generate JSON Schema for every record kind from the models (editors validate while typing).',
    "sla": 'Ticket deadlines: overdue and missed, due soon, and met/missed per owner and department.',
    "staff": 'The staff roster (工号, name, department, roles, git identities).',
    "status": 'The office at a glance: staff, records and what needs attention now.',
    "swap": "Shift swaps: request, counterpart's consent, the manager's approval (HOV-SWP-01).",
    "ticket": 'Tickets (工单): consultations, repairs, installations, complaints, suggestions, 客诉, major faults.',
    "validate": 'Check records against their schemas and every rule.',
    "verify": 'Check a printed form against the records: the text in its footer (核验).',
}


#: Exit code of a command that ran but could not read every record file it needed: its answer
#: leaves out the records of those files (a count of tickets, a roster, a pending list).
EXIT_UNREADABLE = 4


def _say_unreadable(ctx: click.Context) -> None:
    """A file that failed to load is said on every command that met it, with what it hides.

    Without this a broken ``records/staff/CS001.yaml`` makes ``status`` count fewer records and
    exit 0; only ``validate`` would mention it. A command that wrote keeps its exit code (its
    change was checked over the whole tree); the note is still printed.
    """
    session = ctx.obj
    read = vars(session).get("context") if session is not None else None
    unusable = getattr(read, "unusable", None)
    if not unusable:
        return
    from csops.labels import WORDS

    items = sorted(unusable.items(), key=lambda item: item[1])
    click.echo(f"注意 (warning): {len(items)} 个记录文件无法读取, 以上结果不含其中的记录 "
               f"({len(items)} record file(s) could not be read; the output above leaves them out):", err=True)
    for (kind, record_id), rel in items[:10]:
        click.echo(f"  {rel}  ({WORDS.get(kind, kind)} {record_id})", err=True)
    if len(items) > 10:
        click.echo(f"  …… 另有 {len(items) - 10} 个", err=True)
    click.echo(f"  修复 (fix): csops validate {items[0][1]}", err=True)
    if not getattr(session, "wrote", False):
        ctx.exit(EXIT_UNREADABLE)


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def invoke(self, ctx: click.Context) -> Any:
        """Run the subcommand with phone numbers masked in all it prints (REG-PHN-01), then say
        which record files it could not read (exit 4)."""
        from csops.privacy import MaskedStream

        streams = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = MaskedStream(sys.stdout), MaskedStream(sys.stderr)
        try:
            result = self._invoke(ctx)
        except SystemExit as exc:
            if exc.code in (0, None):
                _say_unreadable(ctx)
            raise
        finally:
            sys.stdout, sys.stderr = streams
        _say_unreadable(ctx)
        return result

    def _invoke(self, ctx: click.Context) -> Any:
        """Run the subcommand; a value the models reject is a refusal with its finding, never a crash."""
        try:
            return super().invoke(ctx)
        except Exception as exc:
            # pydantic is only imported by the commands that use it: a warm ``validate`` never does.
            pydantic = sys.modules.get("pydantic")
            if pydantic is None or not isinstance(exc, pydantic.ValidationError):
                raise
            from csops.checker import schema_problem
            from csops.session import Refused

            session = ctx.obj
            tz = session.context.policy.timezone if session is not None and "context" in vars(session) else "Asia/Shanghai"
            raise Refused([schema_problem(e, tz) for e in exc.errors(include_url=False)]) from exc

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from SHORT_HELP: importing every command module for --help costs ~0.1 s."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows: list[tuple[str, str]] = []
        for name in names:
            short = SHORT_HELP.get(name)
            if short is not None:
                rows.append((name, short if len(short) <= limit else short[: max(limit - 3, 1)] + "..."))
                continue
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)

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
@click.option("--as", "as_staff", metavar="工号", shell_complete=staff_ids, help="Act as this member of staff (default: your git email mapped through the roster).")
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
    from contextlib import ExitStack

    from csops.session import Session

    turns = ctx.with_resource(ExitStack())  # released when the command ends, however it ends
    ctx.obj = Session(root_option=root, as_staff=as_staff, format=fmt, no_commit=no_commit,
                      now_option=now, station_option=station, turns=turns)


def main() -> None:
    try:
        cli(prog_name="csops")
    except SystemExit:
        raise
    except Exception as exc:  # an internal failure: short message, traceback to a file, exit 3
        import tempfile  # imported here: start-up time counts for every command (--help ≤ 0.1 s CPU)
        import traceback

        from csops.findings import EXIT_INTERNAL

        fd, path = tempfile.mkstemp(prefix="csops-crash-", suffix=".txt")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            traceback.print_exc(file=handle)
        click.echo(f"csops: internal error: {type(exc).__name__}: {exc}", err=True)
        click.echo(f"csops: the traceback was written to {path}; please report it", err=True)
        sys.exit(EXIT_INTERNAL)
