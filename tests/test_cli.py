"""The CLI contract: fast start, every command documented with an example, exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest

from csops.cli import COMMANDS, SHORT_HELP, cli
from tests.fixtures import PROJECT, Office

PROBE = """
import sys
from csops.cli import cli
try:
    cli({args!r}, prog_name="csops")
except SystemExit:
    pass
heavy = sorted(m for m in ("git", "jinja2") if m in sys.modules)
print("HEAVY=" + ",".join(heavy))
"""


def heavy_modules(args: list[str], cwd: Path) -> str:
    proc = subprocess.run([sys.executable, "-c", PROBE.format(args=args)], cwd=cwd, capture_output=True, text=True)
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("HEAVY=")]
    assert line, proc.stdout + proc.stderr
    return line[0][len("HEAVY="):]


def test_help_and_validate_do_not_import_gitpython_or_jinja(office: Office) -> None:
    assert heavy_modules(["--help"], office.root) == ""
    assert heavy_modules(["validate"], office.root) == ""
    assert heavy_modules(["validate", "--staged"], office.root) == ""


def all_commands() -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []
    ctx = click.Context(cli)

    def walk(prefix: str, group: click.Group) -> None:
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            assert command is not None, name
            found.append((f"{prefix} {name}".strip(), command))
            if isinstance(command, click.Group):
                walk(f"{prefix} {name}", command)

    walk("", cli)
    return found


PROBE_MODULES = """
import sys
from csops.cli import cli
try:
    cli(["--help"], prog_name="csops")
except SystemExit:
    pass
print("LOADED=" + ",".join(sorted(m for m in sys.modules if m.startswith(("csops.commands", "pydantic")))))
"""


def test_help_lists_commands_without_importing_them() -> None:
    """--help reads SHORT_HELP: importing every command module would cost more than the 0.1 s budget."""
    proc = subprocess.run([sys.executable, "-c", PROBE_MODULES], capture_output=True, text=True)
    loaded = [ln for ln in proc.stdout.splitlines() if ln.startswith("LOADED=")]
    assert loaded == ["LOADED="], proc.stdout + proc.stderr


def test_short_help_table_matches_each_commands_own_help() -> None:
    ctx = click.Context(cli)
    assert set(SHORT_HELP) == set(COMMANDS), "every command needs its line in csops.cli.SHORT_HELP"
    for name, short in SHORT_HELP.items():
        command = cli.get_command(ctx, name)
        assert command is not None
        assert short == command.get_short_help_str(limit=300), name


def test_every_lazy_command_loads() -> None:
    names = {name for name, _ in all_commands()}
    assert set(COMMANDS) <= names


@pytest.mark.parametrize(("name", "command"), all_commands(), ids=[n for n, _ in all_commands()])
def test_every_command_has_help_with_an_example(name: str, command: click.Command) -> None:
    assert command.help, f"csops {name} has no help"
    assert "Example:" in command.help, f"csops {name} help has no example"
    result = subprocess.run([sys.executable, "-m", "csops", *name.split(), "--help"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "Example:" in result.stdout


def test_usage_error_exits_2(office: Office) -> None:
    assert office.run("validate", "--no-such-option").exit_code == 2


def test_internal_failure_exits_3_with_the_traceback_in_a_file(office: Office) -> None:
    (office.root / ".git" / "index").write_bytes(b"not an index")  # git itself fails underneath
    proc = subprocess.run([sys.executable, "-m", "csops", "--root", str(office.root), "validate", "--staged"],
                          capture_output=True, text=True)
    assert proc.returncode == 3
    assert "internal error" in proc.stderr and "traceback was written to" in proc.stderr
    crash = proc.stderr.split("traceback was written to ")[1].split(";")[0]
    assert "Traceback" in Path(crash).read_text()


def test_version() -> None:
    result = subprocess.run([sys.executable, "-m", "csops", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and "csops" in result.stdout


def test_schemas_are_fresh() -> None:
    from csops.commands.schemas import stale_schemas

    assert stale_schemas(PROJECT / "schemas") == [], "run: make schemas"


def test_demo_records_validate_without_errors() -> None:
    from csops.checker import check
    from scripts.demo import DEMO_NOW

    result = check(PROJECT, DEMO_NOW)
    assert result.errors == [], "\n".join(f.as_text() for f in result.errors)


def test_makefile_and_demo_script_agree_on_the_demo_now() -> None:
    from scripts.demo import DEMO_NOW

    assert f"DEMO_NOW := {DEMO_NOW.isoformat()}" in (PROJECT / "Makefile").read_text()


def test_ids_and_staff_numbers_complete_from_file_names() -> None:
    """Issue 14 item 6: <TAB> completes ticket ids (one month folder read, newest first), key ids
    and staff numbers for --as, from the demo office's file names."""
    from click.shell_completion import ShellComplete

    def complete(args: list[str], incomplete: str) -> list[str]:
        return [c.value for c in ShellComplete(cli, {}, "csops", "_CSOPS_COMPLETE")
                .get_completions(["--root", str(PROJECT), *args], incomplete)]

    tickets = complete(["ticket", "show"], "T-2611-A00")
    assert tickets and tickets == sorted(tickets, reverse=True) and all(t.startswith("T-2611-A00") for t in tickets)
    assert set(tickets) == {p.stem for p in (PROJECT / "records/tickets/2026/11").glob("T-2611-A00*.yaml")}
    assert complete(["ticket", "close"], "t-2610-a01")[:1] == ["T-2610-A019"]
    assert "VU-1203" in complete(["key", "show"], "vu")
    assert complete(["--as"], "CS") == ["CS001", "CS002", "CS003"]
    assert complete(["staff", "edit"], "ZZ") == []
