"""The hazardous-materials register (RULES.md §4.1 REG-HAZ-01..07)."""

from __future__ import annotations

import json

from tests.fixtures import Office
from tests.keyhelpers import at, ok, refused, validate

DRAW = ("hazmat", "draw", "rat_poison", "--qty", "2", "--purpose", "B1灭鼠")


def stocked(office: Office, qty: str = "3") -> Office:
    ok(office, "S001", at("08:00"), "hazmat", "stock-in", "rat_poison", "--qty", qty, "--unit", "包")
    return office


def test_REG_HAZ_01_only_controlled_materials_chinese_label_hint(office: Office) -> None:
    result = refused(office, "REG-HAZ-01", "S001", at("08:00"), "hazmat", "stock-in", "鼠药", "--qty", "1",
                     "--unit", "包")
    assert "rat_poison" in result.output
    refused(office, "REG-HAZ-01", "S001", at("08:00"), "hazmat", "stock-in", "bleach", "--qty", "1", "--unit", "瓶")
    policy = (office.root / "records/policy.yaml").read_text(encoding="utf-8")
    office.write("records/policy.yaml", policy + "hazmat:\n  extra_items:\n    bleach: 漂白水\n")
    office.git("commit", "-qam", "bleach is controlled here")
    ok(office, "S001", at("08:00"), "hazmat", "stock-in", "bleach", "--qty", "1", "--unit", "瓶")


def test_REG_HAZ_02_drawn_by_cs_shift_lead_or_above_with_time_and_quantity(office: Office) -> None:
    stocked(office)
    refused(office, "REG-HAZ-02", "C001", at("09:00"), *DRAW, "--approved-by", "S001")  # cleaning lead, not CS
    refused(office, "REG-HAZ-02", "CS001", at("09:00"), *DRAW, "--approved-by", "S001")  # CS, below shift lead
    ok(office, "L001", at("09:00"), *DRAW, "--approved-by", "S001")
    row = json.loads(office.ok("hazmat", "list", "--format", "json", now=at("09:05")).output)[-1]
    assert row["by"] == "L001" and row["qty"] == 2 and row["at"] == at("09:00")


def test_REG_HAZ_03_stock_is_locked_and_separate(office: Office) -> None:
    office.write("records/hazmat/2026/11/HZ-2611-A001.yaml",
                 "schema_version: 1\nid: HZ-2611-A001\nentry: stock_in\nitem: alcohol\nunit: 瓶\nstatus: stocked\n"
                 "events:\n  - at: 2026-11-20T08:00:00+08:00\n    by: S001\n    action: stock_in\n    qty: 2\n")
    result = validate(office, at("09:00"))
    assert result.exit_code == 1 and "error REG-HAZ-03" in result.output
    assert "warning REG-HAZ-03" in result.output  # and no locked cabinet registered
    ok(office, "C001", at("08:30"), "key", "add", "HZ-CAB", "--name", "危险品柜", "--location", "B1",
       "--category", "hazmat_cabinet", "--slot", "G-01", "--copy", "cleaning:C001")
    assert "warning REG-HAZ-03" not in validate(office, at("09:00")).output


def test_REG_HAZ_04_approved_by_cs_shift_lead_who_issues_in_person(office: Office) -> None:
    stocked(office)
    refused(office, "REG-HAZ-04", "L001", at("09:00"), *DRAW, "--approved-by", "C001")
    refused(office, "REG-HAZ-04", "L001", at("09:00"), *DRAW, "--approved-by", "S001", "--issued-by", "L002")
    ok(office, "L001", at("09:00"), *DRAW, "--approved-by", "S001")


def test_REG_HAZ_05_balance_never_negative_and_remainder_returned(office: Office) -> None:
    stocked(office)
    refused(office, "REG-HAZ-05", "L001", at("09:00"), "hazmat", "draw", "rat_poison", "--qty", "4",
            "--purpose", "灭鼠", "--approved-by", "S001")
    ok(office, "L001", at("09:00"), *DRAW, "--approved-by", "S001")
    refused(office, "REG-HAZ-05", "L002", at("09:30"), *DRAW, "--approved-by", "S001")  # only 1 left
    refused(office, "REG-HAZ-05", "L002", at("09:30"), "hazmat", "draw", "rat_poison", "--qty", "1", "--unit", "克",
            "--purpose", "灭鼠", "--approved-by", "S001")  # another unit than the stock's
    refused(office, "REG-HAZ-05", "S001", at("11:00"), "hazmat", "return", "HZ-2611-A002", "--used", "1",
            "--returned", "0.5")  # 1 + 0.5 != 2
    assert "warning REG-HAZ-05" in validate(office, "2026-11-21T09:00:00+08:00").output  # not returned that day
    office.confirm("S001", "HZ-2611-A002", at("10:50"))  # L001 typed in S001's approval
    ok(office, "S001", at("11:00"), "hazmat", "return", "HZ-2611-A002", "--used", "1.5")
    assert "结存 1.5包" in office.ok("hazmat", "balance", now=at("11:30")).output
    ok(office, "L002", at("11:40"), "hazmat", "draw", "rat_poison", "--qty", "1.5", "--purpose", "灭鼠",
       "--approved-by", "S001")
    assert "REG-HAZ-05" not in validate(office, at("12:00")).output


def test_REG_HAZ_06_incident_reported_to_shift_lead_or_supervisor(office: Office) -> None:
    stocked(office)
    ok(office, "L001", at("09:00"), *DRAW, "--approved-by", "S001")
    refused(office, "REG-HAZ-06", "C001", at("10:00"), "hazmat", "incident", "HZ-2611-A002", "--reported-to", "CS001",
            "--account", "药剂洒落")
    ok(office, "C001", at("10:00"), "hazmat", "incident", "HZ-2611-A002", "--reported-to", "L001",
       "--account", "药剂洒落, 已清理")


def test_REG_HAZ_07_no_lending_out_without_permission(office: Office) -> None:
    stocked(office)
    refused(office, "REG-HAZ-07", "L001", at("09:00"), *DRAW, "--approved-by", "S001", "--lend-out-to", "隔壁大厦")
    ok(office, "L001", at("09:00"), *DRAW, "--approved-by", "S001", "--lend-out-to", "隔壁大厦",
       "--lend-out-approved-by", "M001")


def test_hazmat_balance_in_status(office: Office) -> None:
    stocked(office)
    assert "危险品结存: 鼠药 3" in office.ok("status", now=at("09:00")).output


def test_REG_HAZ_04_the_drawer_does_not_approve_their_own_draw(office: Office) -> None:
    stocked(office)
    result = refused(office, "REG-HAZ-04", "L001", at("09:00"), *DRAW, "--approved-by", "L001")
    assert "不能批准自己" in result.output
    ok(office, "L001", at("09:00"), *DRAW, "--approved-by", "L002")
    # the approval was typed in by the drawer's desk: no return until L002 confirms it themself
    result = refused(office, "REG-HAZ-04", "L001", at("11:00"), "hazmat", "return", "HZ-2611-A002", "--used", "2")
    assert "csops confirm HZ-2611-A002" in result.output and "批准领用危险品" in result.output
    listed = json.loads(office.ok("hazmat", "list", "--format", "json", now=at("11:05")).output)
    assert [a["approver"] for row in listed for a in row["unconfirmed"]] == ["L002"]
    office.confirm("L002", "HZ-2611-A002", at("11:10"))
    ok(office, "L001", at("11:20"), "hazmat", "return", "HZ-2611-A002", "--used", "2")


def test_REG_HAZ_05_quantities_are_finite(office: Office) -> None:
    refused(office, "STORE-SCHEMA-01", "S001", at("08:00"), "hazmat", "stock-in", "rat_poison", "--qty", "inf",
            "--unit", "包")
    stocked(office)
    refused(office, "STORE-SCHEMA-01", "L001", at("09:00"), "hazmat", "draw", "rat_poison", "--qty", "1e309",
            "--purpose", "灭鼠", "--approved-by", "S001")
