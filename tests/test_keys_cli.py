"""Bad input to the key and hazmat commands never crashes: a finding or a usage error, nothing written."""

from __future__ import annotations

import pytest

from tests.fixtures import Office
from tests.keyhelpers import add_registry, at, ok

BAD = [
    (1, "STORE-REF-02", ("key", "lend", "NOPE", "--to", "Z001", "--purpose", "x")),
    (1, "KEY-LOAN-01", ("key", "lend", "VU-1203", "--copy", "9", "--to", "Z001", "--purpose", "x")),
    (1, "STORE-REF-01", ("key", "lend", "VU-1203", "--to", "NOBODY", "--purpose", "x")),
    (2, "--to", ("key", "lend", "OF-101", "--purpose", "x")),
    (2, "ISO 8601", ("key", "lend", "OF-101", "--to", "Z001", "--purpose", "x", "--due", "tomorrow")),
    (1, "STORE-SCHEMA-01", ("key", "add", "X-1", "--name", "x", "--location", "1", "--category", "office_store",
                            "--slot", "s", "--copy", "moon")),
    (1, "STORE-SCHEMA-01", ("key", "add", "x y", "--name", "x", "--location", "1", "--category", "office_store",
                            "--slot", "s", "--copy", "cs")),
    (2, "N=DEPT", ("key", "redistribute", "VU-1203", "--copy", "abc")),
    (1, "KEY-LOAN-01", ("key", "return", "OF-101")),
    (2, "--copy", ("key", "lost", "VU-1203")),
    (2, "--path", ("key", "unseal", "ST-0805", "--reason", "x")),
    (1, "STORE-REF-01", ("key", "unseal", "ST-0805", "--path", "emergency", "--reason", "x", "--witness", "NOBODY")),
    (2, "LOAN=", ("key", "check", "--note", "garbage")),
    (1, "KEY-SHIFT-02", ("key", "dropoff",)),
    (1, "STORE-REF-02", ("hazmat", "return", "HZ-2611-A001", "--used", "1")),
    (2, "--qty", ("hazmat", "draw", "rat_poison", "--qty", "-1")),
    (2, "--unit", ("hazmat", "stock-in", "rat_poison", "--qty", "1")),
]


@pytest.mark.parametrize(("code", "says", "args"), BAD, ids=[" ".join(b[2][:3]) for b in BAD])
def test_bad_input_is_refused_without_a_crash_and_nothing_is_written(office: Office, code: int, says: str,
                                                                     args: tuple[str, ...]) -> None:
    add_registry(office)
    before = office.commits()
    result = office.run(*args, as_="A001", now=at("10:00"))
    assert result.exit_code == code, result.output
    assert says in result.output
    assert office.commits() == before and office.status() == ""


def test_shift_keys_picked_up_are_pending_for_the_early_shift(office: Office) -> None:
    from datetime import datetime

    from csops.keystatus import pending
    from csops.session import Session

    add_registry(office)
    ok(office, "L001", at("08:05"), "key", "pickup", "--key", "AREA-1F")
    ok(office, "L002", at("22:10"), "key", "dropoff", "--key", "AREA-1F", "--count-checked")
    ctx = Session(root_option=office.root).load()
    noon = pending(ctx, "L001", datetime.fromisoformat(at("12:00")))
    assert [(i.kind, i.owner) for i in noon] == [("key_shift", "L001")] and "AREA-1F" in noon[0].summary
    assert pending(ctx, "L001", datetime.fromisoformat(at("22:30"))) == []


MINIMAL = {
    "records/keys/BARE.yaml": "schema_version: 1\nid: BARE\nname: x\nlocation: x\ncategory: sealed_tenant\nslot: X\n",
    "records/key-shifts/2026/11/KS-2611-A001.yaml": "schema_version: 1\nid: KS-2611-A001\nday: 2026-11-20\n",
    "records/key-checks/2026/11/KC-2611-A001.yaml": "schema_version: 1\nid: KC-2611-A001\nday: 2026-11-20\n"
                                                    "checked_by: A001\nchecked_at: 2026-11-20T17:30:00+08:00\n",
    "records/hazmat/2026/11/HZ-2611-A001.yaml": "schema_version: 1\nid: HZ-2611-A001\nentry: use\nitem: x\nunit: x\n",
}


def test_hand_written_records_without_events_give_findings_not_crashes(office: Office) -> None:
    add_registry(office)
    for rel, text in MINIMAL.items():
        office.write(rel, text)
    result = office.run("validate", now=at("10:00"))
    assert result.exit_code == 1 and "internal error" not in result.output
    for rule in ("KEY-HOLD-05", "KEY-SEAL-01", "KEY-SHIFT-01", "REG-HAZ-01", "REG-HAZ-02"):
        assert f"error {rule}" in result.output
    for args in (("key", "show", "BARE"), ("key", "list"), ("key", "outstanding"), ("hazmat", "list"),
                 ("hazmat", "balance"), ("status",)):
        assert office.run(*args, now=at("10:00")).exit_code == 0


def test_KEY_CAT_01_the_category_choices_are_the_models_categories(office: Office) -> None:
    from csops.commands.key import CATEGORIES
    from csops.models.key import KeyCategory

    assert [c.value for c in KeyCategory] == CATEGORIES
    result = office.run("key", "list", "--category", "bogus")
    assert result.exit_code == 2 and "vacant_unit" in result.output
