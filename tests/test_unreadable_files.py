"""A record file that fails to load is said by every command that met it, and the exit code says so
(issue 14: a broken staff file made `status` count fewer records and exit 0)."""

from __future__ import annotations

import pytest

from csops.cli import EXIT_UNREADABLE
from tests.fixtures import Office

NOW = "2026-11-02T09:00:00+08:00"


def _new_ticket(office: Office, content: str) -> None:
    office.ok("ticket", "new", "--type", "consultation", "--channel", "phone", "--customer", "刘女士",
              "--contact", "13900000000", "--content", content, as_="CS001", now=NOW)


@pytest.mark.parametrize("command", [("status",), ("ticket", "list"), ("sla",)])
def test_a_broken_file_is_said_on_stderr_with_exit_4(office: Office, command: tuple[str, ...]) -> None:
    _new_ticket(office, "停车月卡怎么办理")
    _new_ticket(office, "电梯异响")
    broken = next((office.root / "records" / "tickets").rglob("*.yaml"))
    broken.write_text(broken.read_text(encoding="utf-8") + "events: [\n", encoding="utf-8")
    result = office.run(*command, as_="CS001", now=NOW)
    assert result.exit_code == EXIT_UNREADABLE, result.output
    rel = broken.relative_to(office.root).as_posix()
    assert rel in result.stderr and "无法读取" in result.stderr and f"csops validate {rel}" in result.stderr
    assert rel not in result.stdout  # the note is on stderr: a script reading stdout gets clean output


def test_no_note_and_exit_0_when_every_file_reads(office: Office) -> None:
    _new_ticket(office, "停车月卡怎么办理")
    result = office.run("status", as_="CS001", now=NOW)
    assert result.exit_code == 0 and "无法读取" not in result.stderr
