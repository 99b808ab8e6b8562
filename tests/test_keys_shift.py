"""Shift area keys (RULES.md §3.8 KEY-SHIFT-01/02): pickup at the control room, return counted."""

from __future__ import annotations

from tests.fixtures import Office
from tests.keyhelpers import add_registry, at, ok, refused, validate


def test_KEY_SHIFT_01_pickup_of_registered_area_keys(office: Office) -> None:
    add_registry(office)
    refused(office, "KEY-SHIFT-01", "L001", at("08:05"), "key", "pickup", "--key", "AREA-1F", "--key", "VU-1203")
    refused(office, "KEY-SHIFT-01", "L001", at("08:05"), "key", "pickup", "--key", "NOPE")
    ok(office, "L001", at("08:05"), "key", "pickup", "--key", "AREA-1F", "--key", "AREA-B1", "--issued-by", "N001")


def test_KEY_SHIFT_02_return_count_checked_and_mismatch_warned(office: Office) -> None:
    add_registry(office)
    ok(office, "L001", at("08:05"), "key", "pickup", "--key", "AREA-1F", "--key", "AREA-B1")
    refused(office, "KEY-SHIFT-02", "L002", at("22:10"), "key", "dropoff", "--key", "AREA-1F", "--key", "AREA-B1")
    ok(office, "L002", at("22:10"), "key", "dropoff", "--key", "AREA-1F", "--count-checked", "--received-by", "N001")
    result = validate(office, at("22:30"))
    assert "warning KEY-SHIFT-02" in result.output and "AREA-B1" in result.output
    refused(office, "KEY-SHIFT-02", "L002", at("22:40"), "key", "dropoff", "--key", "AREA-1F", "--count-checked")


def test_KEY_SHIFT_02_keys_not_returned_by_the_end_of_the_day(office: Office) -> None:
    add_registry(office)
    ok(office, "L001", at("08:05"), "key", "pickup", "--key", "AREA-1F")
    assert "KEY-SHIFT-02" not in validate(office, at("22:00")).output
    assert "warning KEY-SHIFT-02" in validate(office, "2026-11-21T08:00:00+08:00").output


def test_KEY_SHIFT_01_an_area_key_is_picked_up_once_until_returned(office: Office) -> None:
    add_registry(office)
    refused(office, "KEY-SHIFT-01", "L001", at("08:05"), "key", "pickup", "--key", "AREA-1F", "--key", "AREA-1F")
    ok(office, "L001", at("08:05"), "key", "pickup", "--key", "AREA-1F")
    result = refused(office, "KEY-SHIFT-01", "L002", at("08:10"), "key", "pickup", "--key", "AREA-1F",
                     "--key", "AREA-B1")
    assert "KS-2611-A001" in result.output
    ok(office, "L002", at("08:10"), "key", "pickup", "--key", "AREA-B1")
    ok(office, "L002", at("22:10"), "key", "dropoff", "KS-2611-A001", "--key", "AREA-1F", "--count-checked")
    ok(office, "L001", at("08:05", "2026-11-21"), "key", "pickup", "--key", "AREA-1F")
