"""Key registry rules (RULES.md §3.1): categories, holders, labels and slots."""

from __future__ import annotations

import json

from tests.fixtures import Office
from tests.keyhelpers import add_registry, at, ok, refused

T = at("08:00")


def add(office: Office, as_: str, key_id: str, category: str, *copies: str, slot: str | None = None) -> list[str]:
    args = ["key", "add", key_id, "--name", key_id, "--location", "1F", "--category", category,
            "--slot", slot or f"S-{key_id}"]
    for spec in copies:
        args += ["--copy", spec]
    return [as_, T, *args]


def test_KEY_CAT_01_02_category_enum_refuses_unknown_and_lists_the_extended_kinds(office: Office) -> None:
    result = office.run("--as", "A001", "--now", T, "key", "add", "X-1", "--name", "x", "--location", "1F",
                        "--category", "garage", "--slot", "X", "--copy", "cs")
    assert result.exit_code == 2 and "garage" in result.output
    for category in ("office_store", "stair_fire_exit", "entrance_gate", "front_desk", "material_store"):
        assert category in result.output


def test_KEY_HOLD_02_machine_room_needs_exactly_one_engineering_set(office: Office) -> None:
    refused(office, "KEY-HOLD-02", *add(office, "E002", "MR-1", "machine_room", "property"))
    refused(office, "KEY-HOLD-02", *add(office, "E002", "MR-1", "machine_room", "engineering", "engineering"))
    ok(office, *add(office, "E002", "MR-1", "machine_room", "engineering:E001", "property", "security:sealed"))


def test_KEY_HOLD_03_material_store_two_reception_sets(office: Office) -> None:
    refused(office, "KEY-HOLD-03", *add(office, "A001", "MS-1", "material_store", "reception"))
    ok(office, *add(office, "A001", "MS-1", "material_store", "reception", "reception"))


def test_KEY_HOLD_04_spare_machine_room_key_one_set_at_property(office: Office) -> None:
    refused(office, "KEY-HOLD-04", *add(office, "E002", "MRS-1", "machine_room_spare", "engineering"))
    refused(office, "KEY-HOLD-04", *add(office, "E002", "MR-2", "machine_room", "engineering", "property", "property"))
    ok(office, *add(office, "E002", "MRS-1", "machine_room_spare", "property"))


def test_KEY_HOLD_05_key_without_copies_is_an_error(office: Office) -> None:
    office.write("records/keys/BARE-1.yaml", "schema_version: 1\nid: BARE-1\nname: x\nlocation: 1F\n"
                 "category: office_store\nslot: B-1\n")
    result = office.run("validate", "--format", "json", now=T)
    rules = {f["rule"] for f in json.loads(result.output)["findings"]}
    assert result.exit_code == 1 and "KEY-HOLD-05" in rules


def test_KEY_HOLD_06_unit_room_key_at_cs_with_named_custodian(office: Office) -> None:
    refused(office, "KEY-HOLD-06", *add(office, "A001", "UR-1", "unit_room", "cs"))
    refused(office, "KEY-HOLD-06", *add(office, "A001", "UR-1", "unit_room", "security:B001"))
    ok(office, *add(office, "A001", "UR-1", "unit_room", "cs:A002"))


def test_KEY_VAC_01_vacant_unit_key_at_cs_managed_by_cs_assistant(office: Office) -> None:
    refused(office, "KEY-VAC-01", *add(office, "A001", "VU-1", "vacant_unit", "leasing:Z001"))
    refused(office, "KEY-VAC-01", *add(office, "A001", "VU-1", "vacant_unit", "cs:CS001"))
    ok(office, *add(office, "A001", "VU-1", "vacant_unit", "cs:A001"))


def test_KEY_HAZ_01_hazmat_cabinet_key_held_by_cleaning_lead(office: Office) -> None:
    refused(office, "KEY-HAZ-01", *add(office, "C001", "HZ-CAB", "hazmat_cabinet", "cs:L001"))
    ok(office, *add(office, "C001", "HZ-CAB", "hazmat_cabinet", "cleaning:C001"))


def test_KEY_LBL_01_label_unique_and_one_key_per_slot(office: Office) -> None:
    ok(office, *add(office, "A001", "OF-1", "office_store", "cs", slot="O-01"))
    refused(office, "KEY-LBL-01", *add(office, "A001", "OF-1", "office_store", "cs", slot="O-09"))
    refused(office, "KEY-LBL-01", *add(office, "A001", "OF-2", "office_store", "cs", slot="O-01"))
    ok(office, *add(office, "A001", "OF-2", "office_store", "cs", slot="O-02"))


def test_key_list_and_show_read_in_chinese_and_json(office: Office) -> None:
    add_registry(office)
    listing = office.ok("key", "list", now=T).output
    assert "空置单元" in listing and "客户托管封存" in listing and "FC-0001" in listing
    shown = office.ok("key", "show", "MR-B1", now=T).output
    assert "工程部" in shown and "物业部" in shown and "[封存]" in shown
    data = json.loads(office.ok("key", "list", "--category", "machine_room", "--format", "json", now=T).output)
    assert [row["id"] for row in data] == ["MR-B1"] and len(data[0]["copies"]) == 3


def test_missing_required_option_is_an_error_off_a_terminal(office: Office) -> None:
    result = office.run("--as", "A001", "--now", T, "key", "add", "OF-9", "--location", "1F")
    assert result.exit_code == 2 and "--name" in result.output
    assert office.status() == ""


def test_KEY_HOLD_01_estate_keys_have_a_sealed_set_at_security(office: Office) -> None:
    ok(office, *add(office, "B002", "GATE-1", "entrance_gate", "security:B001"))
    ok(office, *add(office, "B002", "GATE-2", "entrance_gate", "security:B001", "security:sealed"))
    ok(office, *add(office, "A001", "VU-9", "vacant_unit", "cs:A001"))
    result = office.run("validate", "--format", "json", now=T)
    flagged = {f["path"] for f in json.loads(result.output)["findings"] if f["rule"] == "KEY-HOLD-01"}
    assert flagged == {"records/keys/GATE-1.yaml"}
