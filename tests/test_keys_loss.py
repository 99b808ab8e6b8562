"""Loss, found keys and lock change (RULES.md §3.7, CFL-11/12)."""

from __future__ import annotations

import json

from tests.fixtures import Office
from tests.keyhelpers import add_registry, at, ok, refused, validate

LOST = ("key", "lost", "VU-1203", "--copy", "2", "--precautions", "通知保安加强12F巡查",
        "--account", "带看后遗失", "--liable", "Z001")


def setup(office: Office) -> Office:
    add_registry(office)
    ok(office, "A001", at("09:00"), "key", "lend", "VU-1203", "--copy", "2", "--to", "Z001", "--purpose", "看房")
    return office


def test_KEY_LOSS_01_reported_to_security_with_precautions(office: Office) -> None:
    setup(office)
    refused(office, "KEY-LOSS-01", "A001", at("11:00"), *LOST, "--report-to", "M001")
    refused(office, "KEY-LOSS-01", "A001", at("11:00"), *LOST, "--report-to", "M001", "--reported-to", "A002")
    no_precautions = [a for a in LOST if a not in ("--precautions", "通知保安加强12F巡查")]
    refused(office, "KEY-LOSS-01", "A001", at("11:00"), *no_precautions, "--report-to", "M001",
            "--reported-to", "B002")
    ok(office, "A001", at("11:00"), *LOST, "--report-to", "M001", "--reported-to", "B002")
    # the loan closes as lost; the lost copy stays a warning until found or the lock is changed
    assert json.loads(office.ok("key", "outstanding", "--format", "json", now=at("11:30")).output) == []
    assert "warning KEY-LOSS-01" in validate(office, at("11:30")).output


def test_KEY_LOSS_01_machine_room_loss_also_goes_to_the_holders_manager(office: Office) -> None:
    add_registry(office)
    args = ("key", "lost", "MR-B1", "--copy", "1", "--precautions", "加锁链", "--liable", "E001",
            "--reported-to", "B002")
    refused(office, "KEY-LOSS-01", "E001", at("11:00"), *args)
    ok(office, "E001", at("11:00"), *args, "--report-to", "E002")


def test_KEY_LOSS_02_liable_person_named(office: Office) -> None:
    setup(office)
    no_liable = [a for a in LOST if a not in ("--liable", "Z001")]
    refused(office, "KEY-LOSS-02", "A001", at("11:00"), *no_liable, "--report-to", "M001", "--reported-to", "B002")


def test_KEY_VAC_04_unit_key_loss_written_report_to_cs_manager(office: Office) -> None:
    setup(office)
    refused(office, "KEY-VAC-04", "A001", at("11:00"), *LOST, "--reported-to", "B002", "--report-to", "B002")


def test_KEY_MR_03_spare_machine_room_key_loss_to_property_manager(office: Office) -> None:
    ok(office, "E002", at("08:00"), "key", "add", "MRS-1", "--name", "机房备用", "--location", "B1", "--category",
       "machine_room_spare", "--slot", "P-1", "--copy", "property")
    args = ("key", "lost", "MRS-1", "--copy", "1", "--precautions", "x", "--liable", "E001", "--reported-to", "B002",
            "--account", "遗失")
    refused(office, "KEY-MR-03", "E001", at("11:00"), *args, "--report-to", "M001")


def test_KEY_LOSS_03_found_key_handed_to_security(office: Office) -> None:
    setup(office)
    ok(office, "A001", at("11:00"), *LOST, "--report-to", "M001", "--reported-to", "B002")
    refused(office, "KEY-LOSS-03", "A001", at("15:00"), "key", "found", "VU-1203", "--copy", "2", "--found-by", "E001")
    ok(office, "B001", at("15:00"), "key", "found", "VU-1203", "--copy", "2", "--found-by", "E001")
    assert "KEY-LOSS-01" not in validate(office, at("15:30")).output


def test_KEY_LOCK_01_security_approves_engineering_changes_security_redistributes(office: Office) -> None:
    setup(office)
    ok(office, "A001", at("11:00"), *LOST, "--report-to", "M001", "--reported-to", "B002")
    rekey = ("key", "rekey", "VU-1203", "--requested-by", "A001", "--request", "第2套遗失, 申请换锁",
             "--handed-to", "B002")
    refused(office, "KEY-LOCK-01", "E001", at("14:00"), *rekey, "--approved-by", "M001")  # not security
    refused(office, "KEY-LOCK-01", "A001", at("14:00"), *rekey, "--approved-by", "B002")  # not engineering
    refused(office, "KEY-LOCK-01", "E001", at("14:00"), "key", "rekey", "VU-1203", "--requested-by", "B002",
            "--request", "换锁", "--handed-to", "B002", "--approved-by", "B002")  # own request
    refused(office, "KEY-LOCK-01", "E001", at("14:00"), "key", "rekey", "VU-1203", "--requested-by", "A001",
            "--request", "换锁", "--handed-to", "A001", "--approved-by", "B002")  # new keys not to security
    ok(office, "E001", at("14:00"), *rekey, "--approved-by", "B002")
    # security's approval was typed in by someone else: no redistribution until B002 confirms it
    result = refused(office, "KEY-LOCK-01", "B002", at("14:30"), "key", "redistribute", "VU-1203", "--copy", "1=cs:A001")
    assert "csops confirm VU-1203" in result.output and "批准换锁" in result.output
    office.confirm("B002", "VU-1203", at("14:40"))
    # new keys stay with security until redistributed: no loans meanwhile
    refused(office, "KEY-LOCK-01", "A001", at("14:30"), "key", "lend", "VU-1203", "--copy", "1", "--to", "Z001",
            "--purpose", "看房")
    refused(office, "KEY-LOCK-01", "A001", at("15:00"), "key", "redistribute", "VU-1203", "--copy", "1=cs:A001")
    ok(office, "B002", at("15:00"), "key", "redistribute", "VU-1203", "--copy", "1=cs:A001", "--copy", "2=cs:A002")
    ok(office, "A001", at("15:30"), "key", "lend", "VU-1203", "--copy", "1", "--to", "Z001", "--purpose", "看房")
    assert "KEY-LOSS-01" not in validate(office, at("15:45")).output


def test_KEY_LOCK_01_machine_room_rekey_keeps_loans_out_and_holder_rules_wait(office: Office) -> None:
    add_registry(office)
    ok(office, "E002", at("09:00"), "key", "lend", "MR-B1", "--copy", "1", "--to", "E001", "--purpose", "检修",
       "--approved-by", "E002")
    ok(office, "E001", at("10:00"), "key", "rekey", "MR-B1", "--requested-by", "E002", "--request", "锁芯损坏",
       "--approved-by", "B002", "--handed-to", "B002")
    office.confirm("B002", "MR-B1", at("10:10"))
    assert "warning KEY-LOCK-01" in validate(office, at("10:30")).output
    refused(office, "KEY-HOLD-02", "B002", at("11:00"), "key", "redistribute", "MR-B1", "--copy", "1=property",
            "--copy", "2=property", "--copy", "3=security:sealed")
    ok(office, "B002", at("11:00"), "key", "redistribute", "MR-B1", "--copy", "1=engineering:E001",
       "--copy", "2=property", "--copy", "3=security:sealed")
    result = validate(office, at("11:30"))
    assert "KEY-LOCK-01" not in result.output and "KEY-HOLD" not in result.output
    assert "[封存]" in office.ok("key", "show", "MR-B1", now=at("11:30")).output


def test_KEY_HOLD_05_events_name_registered_copies(office: Office) -> None:
    add_registry(office)
    refused(office, "KEY-HOLD-05", "B001", at("15:00"), "key", "found", "VU-1203", "--copy", "9", "--found-by", "E001")


def test_KEY_LOSS_01_a_copy_already_lost_is_not_reported_again(office: Office) -> None:
    setup(office)
    ok(office, "A001", at("11:00"), *LOST, "--report-to", "M001", "--reported-to", "B002")
    result = refused(office, "KEY-LOSS-01", "A001", at("11:05"), *LOST, "--report-to", "M001", "--reported-to", "B002")
    assert "不能重复登记" in result.output


def test_KEY_LOSS_02_loss_amount_is_a_real_non_negative_sum(office: Office) -> None:
    setup(office)
    args = (*LOST, "--report-to", "M001", "--reported-to", "B002")
    assert office.run(*args, "--amount", "-5", as_="A001", now=at("11:00")).exit_code == 2
    refused(office, "STORE-SCHEMA-01", "A001", at("11:00"), *args, "--amount", "inf")
    ok(office, "A001", at("11:00"), *args, "--amount", "180")
    path = office.root / "records" / "keys" / "VU-1203.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("loss_amount: 180", "loss_amount: -180"), encoding="utf-8")
    found = office.run("--format", "json", "validate", now=at("11:30"))
    assert found.exit_code == 1 and '"rule": "KEY-LOSS-02"' in found.output


def test_KEY_LOSS_03_a_find_matches_a_recorded_loss(office: Office) -> None:
    setup(office)
    result = refused(office, "KEY-LOSS-03", "B001", at("10:00"), "key", "found", "VU-1203", "--copy", "1",
                     "--found-by", "E001")
    assert "没有登记遗失" in result.output
    ok(office, "A001", at("11:00"), *LOST, "--report-to", "M001", "--reported-to", "B002")
    ok(office, "E001", at("14:00"), "key", "rekey", "VU-1203", "--requested-by", "A001", "--request", "第2套遗失",
       "--approved-by", "B002", "--handed-to", "B002")
    # the old key lost before the lock change can still be handed in, once
    ok(office, "B001", at("15:00"), "key", "found", "VU-1203", "--copy", "2", "--found-by", "E001")
    refused(office, "KEY-LOSS-03", "B001", at("15:10"), "key", "found", "VU-1203", "--copy", "2", "--found-by", "E001")


def test_KEY_LOCK_01_only_new_keys_awaiting_security_are_redistributed_once(office: Office) -> None:
    setup(office)
    refused(office, "KEY-LOCK-01", "B002", at("10:00"), "key", "redistribute", "VU-1203", "--copy", "1=cs:A002")
    ok(office, "E001", at("14:00"), "key", "rekey", "VU-1203", "--requested-by", "A001", "--request", "锁芯损坏",
       "--approved-by", "B002", "--handed-to", "B002")
    office.confirm("B002", "VU-1203", at("14:10"))
    ok(office, "B002", at("15:00"), "key", "redistribute", "VU-1203", "--copy", "1=cs:A001")
    refused(office, "KEY-LOCK-01", "B002", at("15:10"), "key", "redistribute", "VU-1203", "--copy", "1=cs:A002")
    ok(office, "B002", at("15:10"), "key", "redistribute", "VU-1203", "--copy", "2=cs:A002")
