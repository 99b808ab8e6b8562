"""Sealed tenant keys (RULES.md §3.2–3.3): seal at move-in, the two unseal paths, reseal."""

from __future__ import annotations

from tests.fixtures import Office
from tests.keyhelpers import add_registry, at, ok, refused, validate

EMERGENCY = ("key", "unseal", "ST-0805", "--path", "emergency", "--reason", "0805漏水, 客户电话不通",
             "--before", "封条FC-0001完好")
WITNESSES = ("--witness", "A001", "--witness", "A002", "--witness", "B001")
FORGOTTEN = ("key", "unseal", "ST-0805", "--path", "forgotten_key", "--reason", "客户忘带钥匙",
             "--before", "封条完好")


def setup(office: Office) -> Office:
    add_registry(office)
    return office


def confirm_emergency(office: Office, when: str) -> None:
    """The GM and the three witnesses confirm, each at their own keyboard, what M001 typed in."""
    for person in ("G001", "A001", "A002", "B001"):
        office.confirm(person, "ST-0805", when)


def test_KEY_SEAL_01_entrusted_key_sealed_with_agreement_and_handover_form(office: Office) -> None:
    base = ("key", "add", "ST-1", "--name", "托管", "--location", "9F", "--category", "sealed_tenant",
            "--slot", "S-1", "--copy", "cs:A001", "--seal-no", "FC-9")
    refused(office, "KEY-SEAL-01", "A001", at("08:00"), *base, "--handover-ref", "JJ-9")
    result = refused(office, "KEY-SEAL-01", "A001", at("08:00"), *base, "--agreement-ref", "TG-9")
    assert "KEY-MOVE-01" in result.output
    ok(office, "A001", at("08:00"), *base, "--agreement-ref", "TG-9", "--handover-ref", "JJ-9")


def test_KEY_SEAL_03_emergency_needs_general_manager_and_unreachable_customer(office: Office) -> None:
    setup(office)
    refused(office, "KEY-SEAL-03", "M001", at("22:00"), *EMERGENCY, *WITNESSES, "--customer-unreachable")
    refused(office, "KEY-SEAL-03", "M001", at("22:00"), *EMERGENCY, *WITNESSES, "--customer-unreachable",
            "--approved-by", "M001")  # the requester approving their own request
    refused(office, "KEY-SEAL-03", "M001", at("22:00"), *EMERGENCY, *WITNESSES, "--approved-by", "G001")
    refused(office, "KEY-SEAL-03", "A001", at("22:00"), *EMERGENCY, *WITNESSES, "--customer-unreachable",
            "--approved-by", "G001")  # an assistant cannot request
    ok(office, "M001", at("22:00"), *EMERGENCY, *WITNESSES, "--customer-unreachable", "--approved-by", "G001")


def test_KEY_SEAL_03_general_manager_cannot_approve_own_request(office: Office) -> None:
    setup(office)
    gm = (office.root / "records/staff/G001.yaml").read_text(encoding="utf-8")
    office.write("records/staff/G001.yaml", gm.replace("  - general_manager", "  - general_manager\n  - cs_manager"))
    office.git("commit", "-qam", "G001 acting CS manager")
    result = refused(office, "KEY-SEAL-03", "G001", at("22:00"), *EMERGENCY, *WITNESSES, "--customer-unreachable",
                     "--approved-by", "G001")
    assert "不能批准自己" in result.output


def test_KEY_SEAL_04_fewer_than_three_distinct_witnesses_is_refused(office: Office) -> None:
    setup(office)
    good = ("--customer-unreachable", "--approved-by", "G001")
    refused(office, "KEY-SEAL-04", "M001", at("22:00"), *EMERGENCY, *good)
    refused(office, "KEY-SEAL-04", "M001", at("22:00"), *EMERGENCY, *good,
            "--witness", "A001", "--witness", "A001", "--witness", "B001")
    refused(office, "KEY-SEAL-04", "M001", at("22:00"), *EMERGENCY, *good,
            "--witness", "A001", "--witness", "A002", "--witness", "CS001")
    refused(office, "KEY-SEAL-04", "M001", at("22:00"), *EMERGENCY, *good,
            "--witness", "A001", "--witness", "B001", "--witness", "N001")
    ok(office, "M001", at("22:00"), *EMERGENCY, *good, *WITNESSES)


def test_KEY_SEAL_05_forgotten_key_application_confirmation_and_manager(office: Office) -> None:
    setup(office)
    refused(office, "KEY-SEAL-05", "A001", at("09:00"), *FORGOTTEN, "--confirmed-with", "王总(0805负责人)",
            "--approved-by", "M001")
    refused(office, "KEY-SEAL-05", "A001", at("09:00"), *FORGOTTEN, "--application-ref", "SQ-01",
            "--approved-by", "M001")
    refused(office, "KEY-SEAL-05", "A001", at("09:00"), *FORGOTTEN, "--application-ref", "SQ-01",
            "--confirmed-with", "王总(0805负责人)", "--approved-by", "L001")
    refused(office, "KEY-SEAL-05", "M001", at("09:00"), *FORGOTTEN, "--application-ref", "SQ-01",
            "--confirmed-with", "王总(0805负责人)", "--approved-by", "M001")  # own request
    ok(office, "A001", at("09:00"), *FORGOTTEN, "--application-ref", "SQ-01", "--confirmed-with", "王总(0805负责人)",
       "--approved-by", "M001")
    early = refused(office, "KEY-SEAL-05", "M001", at("09:05"), "key", "reseal", "ST-0805", "--seal-no", "FC-0002",
                    "--after", "锁门", "--company-seal", "--user-signature", "王总", "--filed")
    assert "csops confirm ST-0805" in early.output and "同意启封" in early.output  # not confirmed yet
    office.confirm("M001", "ST-0805", at("09:10"))  # A001 typed the CS manager's consent in
    reseal = ("key", "reseal", "ST-0805", "--seal-no", "FC-0002", "--after", "客户取走文件后锁门")
    refused(office, "KEY-SEAL-05", "M001", at("09:30"), *reseal)
    ok(office, "M001", at("09:30"), *reseal, "--company-seal", "--user-signature", "王总", "--filed")


def test_KEY_SEAL_02_only_a_sealed_key_is_unsealed(office: Office) -> None:
    setup(office)
    refused(office, "KEY-SEAL-02", "M001", at("22:00"), "key", "unseal", "VU-1203", "--path", "emergency",
            "--reason", "x", "--before", "x", "--customer-unreachable", "--approved-by", "G001", *WITNESSES)


def test_KEY_SEAL_06_before_after_records_manager_signature_new_seal(office: Office) -> None:
    setup(office)
    good = ("--customer-unreachable", "--approved-by", "G001", *WITNESSES)
    no_before = [a for a in EMERGENCY if a not in ("--before", "封条FC-0001完好")]
    refused(office, "KEY-SEAL-06", "M001", at("22:00"), *no_before, *good)
    ok(office, "M001", at("22:00"), *EMERGENCY, *good)
    confirm_emergency(office, at("22:30"))
    assert "warning KEY-SEAL-06" in validate(office, "2026-11-22T09:00:00+08:00").output
    refused(office, "KEY-SEAL-06", "A001", at("23:00"), "key", "reseal", "ST-0805", "--seal-no", "FC-0002",
            "--after", "已关闭总阀")  # not the CS manager
    refused(office, "KEY-SEAL-06", "M001", at("23:00"), "key", "reseal", "ST-0805", "--seal-no", "FC-0001",
            "--after", "已关闭总阀")  # the old seal number
    ok(office, "M001", at("23:00"), "key", "reseal", "ST-0805", "--seal-no", "FC-0002", "--after", "已关闭总阀")
    assert "KEY-SEAL-06" not in validate(office, "2026-11-22T09:00:00+08:00").output
    assert "FC-0002" in office.ok("key", "show", "ST-0805", now=at("23:30")).output


def test_KEY_SEAL_07_broken_seal_reported_to_cs_with_account(office: Office) -> None:
    setup(office)
    args = ("key", "lost", "ST-0805", "--copy", "1", "--incident", "seal_broken")
    refused(office, "KEY-SEAL-07", "A001", at("09:00"), *args, "--report-to", "M001")
    refused(office, "KEY-SEAL-07", "A001", at("09:00"), *args, "--account", "巡查发现封条破损", "--report-to", "B002")
    ok(office, "A001", at("09:00"), *args, "--account", "巡查发现封条破损", "--report-to", "M001")
    ok(office, "A001", at("09:30"), "key", "seal", "ST-0805", "--seal-no", "FC-0003")


def test_KEY_SEAL_08_no_seal_change_without_a_use_record(office: Office) -> None:
    setup(office)
    # a reseal with no unseal before it records the use of nothing
    refused(office, "KEY-SEAL-08", "M001", at("09:00"), "key", "reseal", "ST-0805", "--seal-no", "FC-0002",
            "--after", "无")
    # a new seal on a key still sealed hides what became of the old one
    refused(office, "KEY-SEAL-08", "A001", at("09:00"), "key", "seal", "ST-0805", "--seal-no", "FC-0002")
    # seals belong to tenant keys; security's sealed set is a copy flag
    refused(office, "KEY-SEAL-08", "A001", at("09:00"), "key", "seal", "VU-1203", "--seal-no", "FC-0009")
    refused(office, "KEY-SEAL-08", "M001", at("09:00"), "key", "reseal", "VU-1203", "--seal-no", "FC-0009",
            "--after", "x")
    refused(office, "KEY-SEAL-08", "A001", at("09:00"), "key", "add", "VU-9", "--name", "x", "--location", "9F",
            "--category", "vacant_unit", "--slot", "V-9", "--copy", "cs:A001", "--seal-no", "FC-9")
    # after a use, only the CS manager's reseal with its after-use record closes it, not a plain seal
    ok(office, "M001", at("22:00"), *EMERGENCY, *WITNESSES, "--customer-unreachable", "--approved-by", "G001")
    confirm_emergency(office, at("22:30"))
    refused(office, "KEY-SEAL-08", "A001", at("23:00"), "key", "seal", "ST-0805", "--seal-no", "FC-0002")
    ok(office, "M001", at("23:00"), "key", "reseal", "ST-0805", "--seal-no", "FC-0002", "--after", "已关闭总阀")
    refused(office, "KEY-SEAL-08", "M001", at("23:10"), "key", "reseal", "ST-0805", "--seal-no", "FC-0003",
            "--after", "再封一次")
