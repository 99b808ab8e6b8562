"""Issue 14, item 6: `csops search` finds records by phone, customer, unit or text across families,
from facts kept by content (the second search reads no record it does not print)."""

from __future__ import annotations

import csv
import io
import json

from tests.fixtures import Office
from tests.test_tickets_cli import COMPLAINT, T0, step

REPAIR = ["ticket", "new", "--type", "repair", "--repair-kind", "property", "--channel", "phone",
          "--billing", "free", "--trade", "水电", "--customer", "周女士", "--contact", "139-1234-5678",
          "--address", "B座0805", "--content", "卫生间漏水"]


def office_with_two_tickets(office: Office) -> None:
    step(office, "CS001", T0, *COMPLAINT)
    step(office, "CS001", "2026-11-20T10:00:00+08:00", *REPAIR)


def found(office: Office, *args: str) -> list[str]:
    result = office.run("search", *args, "--format", "json", now="2026-11-25T09:00:00+08:00")
    return [r["id"] for r in json.loads(result.output)["results"]]


def test_a_number_is_found_by_its_digits_however_it_is_written(office: Office) -> None:
    office_with_two_tickets(office)
    for query in ("13912345678", "139-1234-5678", "139 1234 5678", "5678"):
        assert found(office, query) == ["T-2611-A002"], query
    assert found(office, "13800000000") == ["T-2611-A001"]
    assert found(office, "0920") == []  # the digits of times are not searched


def test_words_customer_unit_text_and_a_month(office: Office) -> None:
    office_with_two_tickets(office)
    assert found(office, "陈先生") == ["T-2611-A001"]
    assert found(office, "B座0805") == ["T-2611-A002"]
    assert found(office, "空调", "不制冷") == ["T-2611-A001"]  # every word must appear
    assert found(office, "李娜", "--kind", "staff") == ["CS001"]
    assert found(office, "CS001", "--kind", "ticket") == ["T-2611-A002", "T-2611-A001"]  # newest first
    assert found(office, "CS001", "--kind", "ticket", "--until", "2026-11-10") == ["T-2611-A001"]
    assert found(office, "CS001", "--kind", "ticket", "--since", "2026-11-10") == ["T-2611-A002"]
    assert found(office, "CS001", "--kind", "ticket", "--month", "2026-10") == []


def test_output_is_masked_and_csv_opens_in_a_spreadsheet(office: Office) -> None:
    office_with_two_tickets(office)
    text = office.ok("search", "13912345678", now="2026-11-25T09:00:00+08:00").output
    assert "T-2611-A002" in text and "13912345678" not in text and "139****5678" in text
    assert "共找到 1 份记录" in text
    out = office.ok("search", "漏水", "--format", "csv").output
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["id"] for r in rows] == ["T-2611-A002"] and rows[0]["kind_label"] == "工单"


def test_nothing_found_exits_1_and_an_unknown_kind_is_a_usage_error(office: Office) -> None:
    office_with_two_tickets(office)
    assert office.run("search", "没有这个").exit_code == 1
    result = office.run("search", "x", "--kind", "tickets")
    assert result.exit_code == 2 and "unknown kind" in result.output


def test_the_second_search_comes_from_the_facts(office: Office) -> None:
    office_with_two_tickets(office)
    found(office, "漏水")
    assert (office.root / ".csops-cache" / "facts-ticket-search.marshal").is_file()
    step(office, "CS001", "2026-11-21T10:00:00+08:00", *[a if a != "卫生间漏水" else "阳台漏水" for a in REPAIR])
    assert found(office, "漏水") == ["T-2611-A003", "T-2611-A002"]  # a new record is found at once
