"""Issue 14, item 6: every list exports to CSV (one row per record, nested values as JSON cells),
and the ticket list takes a period by reception (--since/--until/--month)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.fixtures import Office
from tests.test_search import office_with_two_tickets


def rows(output: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(output)))


def test_ticket_list_by_period_and_as_csv(office: Office) -> None:
    office_with_two_tickets(office)  # received 11-02 and 11-20
    now = "2026-11-25T09:00:00+08:00"
    listed = rows(office.ok("ticket", "list", "--format", "csv", now=now).output)
    assert [r["id"] for r in listed] == ["T-2611-A001", "T-2611-A002"]
    assert listed[0]["type_label"] == "投诉" and listed[0]["status"] == "received"
    since = json.loads(office.ok("ticket", "list", "--since", "2026-11-10", "--format", "json", now=now).output)
    assert [r["id"] for r in since] == ["T-2611-A002"]
    until = rows(office.ok("ticket", "list", "--until", "2026-11-02", "--format", "csv", now=now).output)
    assert [r["id"] for r in until] == ["T-2611-A001"]  # the until day is included
    assert "共 0 张工单" in office.ok("ticket", "list", "--month", "2026-10", now=now).output


def test_staff_list_as_csv_writes_nested_values_as_json_and_masks_phones(office: Office) -> None:
    office.ok("staff", "edit", "CS001", "--phone", "13512345678", as_="M001")
    listed = rows(office.ok("staff", "list", "--format", "csv").output)
    first = next(r for r in listed if r["id"] == "CS001")
    assert json.loads(first["roles"]) and first["name"] == "李娜"
    assert "13512345678" not in first["phone"] and first["phone"].startswith("135")


@pytest.mark.parametrize("command", [("key", "list"), ("handover", "list"), ("swap", "list"), ("meeting", "list"),
                                     ("hazmat", "list"), ("key", "outstanding")])
def test_every_list_takes_csv(office: Office, command: tuple[str, str]) -> None:
    result = office.run(*command, "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.output == "" or "," in result.output.splitlines()[0]  # a header, or no rows at all


def test_csv_into_a_file_starts_with_the_bom_excel_needs_and_a_pipe_gets_none(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Excel reads UTF-8 CSV as Chinese only with a BOM; a pipe into another tool gets plain UTF-8."""
    import subprocess
    import sys

    from tests.fixtures import PROJECT

    out = tmp_path / "工单.csv"
    with out.open("wb") as handle:
        subprocess.run([sys.executable, "-m", "csops", "--root", str(PROJECT), "ticket", "list", "--format", "csv"],
                       stdout=handle, check=True)
    raw = out.read_bytes()
    assert raw.startswith("\ufeffid,".encode())
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows and rows[0]["id"].startswith("T-")
    piped = subprocess.run([sys.executable, "-m", "csops", "--root", str(PROJECT), "ticket", "list", "--format", "csv"],
                           capture_output=True, check=True).stdout
    assert piped.startswith(b"id,") and piped == raw[len("\ufeff".encode()):]
