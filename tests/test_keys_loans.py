"""Key loans, the daily check and the outstanding list (RULES.md §3.4–3.6)."""

from __future__ import annotations

import json

from csops.context import Context
from csops.keystatus import pending
from csops.session import Session
from tests.fixtures import Office
from tests.keyhelpers import DAY, add_registry, at, ok, refused, run, validate

VIEW = ("--to", "Z001", "--purpose", "带客户看房")
RETURN_CHECKS = ("--power-off", "--windows-closed", "--locked")


def setup(office: Office) -> Office:
    add_registry(office)
    return office


def test_KEY_LOAN_02_lending_a_copy_already_out_is_refused(office: Office) -> None:
    setup(office)
    ok(office, "A001", at("09:00"), "key", "lend", "VU-1203", "--copy", "1", *VIEW)
    result = refused(office, "KEY-LOAN-02", "A002", at("09:30"), "key", "lend", "VU-1203", "--copy", "1",
                     "--to", "L001", "--purpose", "巡查")
    assert "KL-2611-A001" in result.output
    # the other copy is free, and the first is free again once returned
    ok(office, "A002", at("09:31"), "key", "lend", "VU-1203", "--copy", "2", "--to", "L001", "--purpose", "巡查")
    ok(office, "A002", at("10:00"), "key", "return", "VU-1203", "--copy", "1", *RETURN_CHECKS)
    ok(office, "A002", at("10:05"), "key", "lend", "VU-1203", "--copy", "1", "--to", "L002", "--purpose", "巡查")


def test_KEY_LOAN_02_no_take_home_due_and_return_by_the_borrower(office: Office) -> None:
    setup(office)
    refused(office, "KEY-LOAN-02", "A001", at("09:00"), "key", "lend", "VU-1203", *VIEW,
            "--due", f"{DAY}T20:00:00+08:00")
    ok(office, "A001", at("09:00"), "key", "lend", "VU-1203", "--copy", "1", *VIEW)
    refused(office, "KEY-LOAN-02", "A002", at("10:00"), "key", "return", "VU-1203", "--by", "L001", *RETURN_CHECKS)
    loan = json.loads(office.ok("key", "outstanding", "--format", "json", now=at("10:00")).output)[0]
    assert loan["due"] == f"{DAY}T18:00:00+08:00"


def test_KEY_LOAN_02_overdue_loan_is_a_warning_and_listed_with_hours(office: Office) -> None:
    setup(office)
    ok(office, "A001", at("09:00"), "key", "lend", "VU-1203", "--copy", "2", *VIEW)
    late = at("21:30")
    result = validate(office, late)
    # the finding names the due time (a message that moves every second would defeat the cache);
    # `key outstanding` gives the hours
    assert "warning KEY-LOAN-02" in result.output and "借出逾期未还: 应于" in result.output
    text = office.ok("key", "outstanding", now=late).output
    assert "唐婷(Z001)" in text and "已超时 3.5 小时" in text and "VU-1203" in text
    rows = json.loads(office.ok("key", "outstanding", "--format", "json", now=late).output)
    assert rows[0]["overdue"] is True and rows[0]["hours_overdue"] == 3.5 and rows[0]["holder"] == "Z001"


def test_KEY_LOAN_01_department_head_approval_for_approval_categories(office: Office) -> None:
    setup(office)
    args = ("key", "lend", "OF-101", "--copy", "1", "--to", "CS001", "--purpose", "取物料")
    refused(office, "KEY-LOAN-01", "A001", at("09:00"), *args)
    refused(office, "KEY-LOAN-01", "A001", at("09:00"), *args, "--approved-by", "L001")  # not a dept head
    refused(office, "KEY-LOAN-01", "A001", at("09:00"), "key", "lend", "OF-101", "--copy", "1", "--to", "M001",
            "--purpose", "取物料", "--approved-by", "M001")  # own approval
    refused(office, "KEY-LOAN-01", "A001", at("09:00"), "key", "lend", "OF-101", "--copy", "7", "--to", "CS001",
            "--purpose", "取物料", "--approved-by", "M001")  # no such copy
    ok(office, "A001", at("09:00"), *args, "--approved-by", "M001")
    # vacant-unit viewings need no approval (CFL-16)
    ok(office, "A001", at("09:05"), "key", "lend", "VU-1203", *VIEW)


def test_KEY_LOAN_03_off_site_needs_permission(office: Office) -> None:
    setup(office)
    refused(office, "KEY-LOAN-03", "A001", at("09:00"), "key", "lend", "VU-1203", *VIEW, "--off-site")
    ok(office, "A001", at("09:00"), "key", "lend", "VU-1203", *VIEW, "--off-site", "--permitted-by", "M001")


def test_KEY_NS_01_only_active_staff_borrow(office: Office) -> None:
    setup(office)
    refused(office, "STORE-REF-01", "A001", at("09:00"), "key", "lend", "VU-1203", "--to", "CONTRACTOR",
            "--purpose", "装修")
    staff = (office.root / "records/staff/CS003.yaml").read_text(encoding="utf-8")
    office.write("records/staff/CS003.yaml", staff.replace("active: true", "active: false"))
    office.git("commit", "-qam", "CS003 left")
    refused(office, "KEY-NS-01", "A001", at("09:00"), "key", "lend", "VU-1203", "--to", "CS003", "--purpose", "x")


def test_KEY_CTR_01_contractor_only_through_engineering_or_management(office: Office) -> None:
    setup(office)
    refused(office, "KEY-CTR-01", "A001", at("09:00"), "key", "lend", "VU-1203", "--to", "A002",
            "--for", "美家装修 李师傅", "--purpose", "装修量房")
    ok(office, "A001", at("09:00"), "key", "lend", "VU-1203", "--to", "E001", "--for", "美家装修 李师傅",
       "--purpose", "装修量房")


def test_KEY_MR_01_cs_assistant_opens_machine_room_only_with_special_reason(office: Office) -> None:
    setup(office)
    args = ("key", "lend", "MR-B1", "--copy", "1", "--to", "A002", "--purpose", "查看漏水", "--approved-by", "E002")
    refused(office, "KEY-MR-01", "E001", at("09:00"), *args)
    ok(office, "E001", at("09:00"), *args, "--special-reason", "夜间漏水, 工程人员未到")


def test_KEY_HOLD_01_sealed_security_set_only_in_an_emergency(office: Office) -> None:
    setup(office)
    args = ("key", "lend", "MR-B1", "--copy", "3", "--to", "E001", "--purpose", "抢修", "--approved-by", "E002")
    refused(office, "KEY-HOLD-01", "B001", at("02:00"), *args)
    ok(office, "B001", at("02:00"), *args, "--emergency-reason", "B1水泵房漏水, 工程部钥匙在外")


def test_KEY_VAC_02_unit_keys_lent_by_cs_assistant(office: Office) -> None:
    setup(office)
    refused(office, "KEY-VAC-02", "F001", at("09:00"), "key", "lend", "VU-1203", *VIEW)
    ok(office, "A002", at("09:00"), "key", "lend", "VU-1203", *VIEW)


def test_KEY_VAC_03_viewing_return_needs_power_windows_lock(office: Office) -> None:
    setup(office)
    ok(office, "A001", at("09:00"), "key", "lend", "VU-1203", *VIEW)
    result = refused(office, "KEY-VAC-03", "A001", at("10:00"), "key", "return", "VU-1203", "--power-off")
    assert "--windows-closed" in result.output and "--locked" in result.output
    ok(office, "A001", at("10:00"), "key", "return", "VU-1203", *RETURN_CHECKS)


def test_KEY_SEAL_02_sealed_tenant_key_is_never_lent(office: Office) -> None:
    setup(office)
    refused(office, "KEY-SEAL-02", "A001", at("09:00"), "key", "lend", "ST-0805", "--copy", "1", "--to", "A002",
            "--purpose", "开门")


def test_KEY_CHK_01_daily_check_needs_a_note_per_key_out(office: Office) -> None:
    setup(office)
    ok(office, "A001", at("09:00"), "key", "lend", "VU-1203", *VIEW)
    refused(office, "KEY-CHK-01", "A001", at("17:30"), "key", "check")
    refused(office, "KEY-CHK-01", "A001", at("17:30"), "key", "check", "--note", "KL-2611-A999=不存在")
    refused(office, "KEY-CHK-01", "CS001", at("17:30"), "key", "check", "--note", "KL-2611-A001=x")  # not a custodian
    ok(office, "A001", at("17:30"), "key", "check", "--note", "KL-2611-A001=唐婷仍在带看, 18:00前归还")


def test_KEY_CHK_01_a_working_day_without_a_check_is_a_warning(office: Office) -> None:
    setup(office)
    ok(office, "A001", at("09:00"), "key", "lend", "VU-1203", *VIEW)
    ok(office, "A001", at("10:00"), "key", "return", "VU-1203", *RETURN_CHECKS)
    monday = "2026-11-23T09:00:00+08:00"
    result = validate(office, monday)
    assert f"{DAY} 没有钥匙登记表每日检查记录" in result.output and "warning KEY-CHK-01" in result.output
    assert "2026-11-21" not in result.output  # Saturday is not a working day
    ok(office, "A001", at("17:30"), "key", "check")
    assert "KEY-CHK-01" not in validate(office, monday).output


def test_pending_provider_lists_loans_held_as_of_a_moment(office: Office) -> None:
    setup(office)
    ok(office, "A001", at("09:00"), "key", "lend", "VU-1203", *VIEW)
    ok(office, "A001", at("12:00"), "key", "return", "VU-1203", *RETURN_CHECKS)
    ctx: Context = Session(root_option=office.root).load()
    from datetime import datetime

    held = pending(ctx, "Z001", datetime.fromisoformat(at("11:00")))
    assert [i.kind for i in held] == ["key_loan"] and held[0].due and not held[0].overdue
    assert pending(ctx, "Z001", datetime.fromisoformat(at("12:30"))) == []
    assert pending(ctx, "A002", datetime.fromisoformat(at("11:00"))) == []


def test_lend_without_copy_picks_a_free_one_and_refuses_when_none(office: Office) -> None:
    setup(office)
    ok(office, "A001", at("09:00"), "key", "lend", "VU-1203", *VIEW)
    second = ok(office, "A001", at("09:01"), "key", "lend", "VU-1203", "--to", "L001", "--purpose", "巡查")
    assert "第2套" in second.output
    refused(office, "KEY-LOAN-02", "A001", at("09:02"), "key", "lend", "VU-1203", "--to", "L002", "--purpose", "x")
    status = run(office, "A001", at("21:00"), "status")
    assert "借出未还 2 把, 其中超时 2 把" in status.output


def test_KEY_HOLD_01_CFL_17_optional_security_manager_approval(office: Office) -> None:
    setup(office)
    policy = (office.root / "records/policy.yaml").read_text(encoding="utf-8")
    office.write("records/policy.yaml", policy.replace("  loan_due_time:", "  sealed_estate_require_approval: true\n"
                                                       "  loan_due_time:"))
    office.git("commit", "-qam", "sealed estate set needs the security manager")
    args = ("key", "lend", "OF-101", "--copy", "2", "--to", "M001", "--purpose", "火警复查",
            "--emergency-reason", "烟感报警, 客服库房无人")
    refused(office, "KEY-HOLD-01", "B001", at("02:00"), *args, "--approved-by", "E002")
    ok(office, "B001", at("02:00"), *args, "--approved-by", "B002")


def test_KEY_LOAN_01_a_hand_written_loan_without_its_lend_event_is_a_finding_not_a_crash(office: Office) -> None:
    setup(office)
    office.write("records/key-loans/2026/11/KL-2611-A001.yaml",
                 "schema_version: 1\nid: KL-2611-A001\nkey: VU-1203\ncopy_no: '1'\nborrower: Z001\npurpose: 看房\n"
                 "issued_by: A001\ndue: 2026-11-20T18:00:00+08:00\nstatus: out\n")
    result = validate(office, at("10:00"))
    assert result.exit_code == 1 and "error KEY-LOAN-01" in result.output and "internal error" not in result.output
    assert "没有未归还的钥匙" in office.ok("key", "outstanding", now=at("10:00")).output


def test_KEY_LOAN_02_due_before_the_loan_is_refused(office: Office) -> None:
    setup(office)
    result = refused(office, "KEY-LOAN-02", "A001", at("09:00"), "key", "lend", "VU-1203", *VIEW,
                     "--due", f"{DAY}T08:00:00+08:00")
    assert "早于借出时间" in result.output


def test_return_by_loan_id_must_match_the_key_named(office: Office) -> None:
    setup(office)
    ok(office, "A001", at("09:00"), "key", "lend", "VU-1203", "--copy", "1", *VIEW)
    refused(office, "STORE-REF-02", "A001", at("10:00"), "key", "return", "OF-101", "--loan", "KL-2611-A001")
    refused(office, "STORE-REF-02", "A001", at("10:00"), "key", "return", "VU-1203", "--copy", "2",
            "--loan", "KL-2611-A001", *RETURN_CHECKS)
    ok(office, "A001", at("10:00"), "key", "return", "VU-1203", "--loan", "KL-2611-A001", *RETURN_CHECKS)
