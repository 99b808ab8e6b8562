"""A records office with the keys registry used by the key and hazmat tests."""

from __future__ import annotations

from click.testing import Result

from tests.fixtures import Office

DAY = "2026-11-20"  # a Friday, a working day


def at(hhmm: str, day: str = DAY) -> str:
    return f"{day}T{hhmm}:00+08:00"


def run(office: Office, as_: str, when: str, *args: str) -> Result:
    return office.run(*args, as_=as_, now=when)


def ok(office: Office, as_: str, when: str, *args: str) -> Result:
    result = run(office, as_, when, *args)
    assert result.exit_code == 0, f"csops {' '.join(args)} exited {result.exit_code}:\n{result.output}"
    return result


def refused(office: Office, rule: str, as_: str, when: str, *args: str) -> Result:
    """The command is refused naming ``rule``, and nothing is written or committed."""
    before = office.commits()
    result = run(office, as_, when, *args)
    assert result.exit_code != 0, f"expected a refusal naming {rule}, got exit 0:\n{result.output}"
    assert rule in result.output, f"expected {rule} in:\n{result.output}"
    assert office.commits() == before
    assert office.status() == ""
    return result


def add_registry(office: Office, when: str = at("08:00")) -> None:
    ok(office, "A001", when, "key", "add", "VU-1203", "--name", "1203单元大门", "--location", "12F",
       "--category", "vacant_unit", "--slot", "A-12", "--copy", "cs:A001", "--copy", "cs:A002", "--unit", "1203")
    ok(office, "E002", when, "key", "add", "MR-B1", "--name", "B1水泵房", "--location", "B1", "--category",
       "machine_room", "--slot", "M-01", "--copy", "engineering:E001", "--copy", "property", "--copy", "security:sealed")
    ok(office, "A001", when, "key", "add", "ST-0805", "--name", "0805托管钥匙", "--location", "8F", "--category",
       "sealed_tenant", "--slot", "S-05", "--copy", "cs:A001", "--seal-no", "FC-0001", "--agreement-ref", "TG-01",
       "--handover-ref", "JJ-01", "--unit", "0805")
    ok(office, "A001", when, "key", "add", "OF-101", "--name", "客服部库房", "--location", "1F", "--category",
       "office_store", "--slot", "O-01", "--copy", "cs:A001", "--copy", "security:sealed")
    ok(office, "B002", when, "key", "add", "AREA-1F", "--name", "一层管理区域", "--location", "1F", "--category",
       "area_shift", "--slot", "Z-01", "--copy", "security")
    ok(office, "B002", when, "key", "add", "AREA-B1", "--name", "B1管理区域", "--location", "B1", "--category",
       "area_shift", "--slot", "Z-02", "--copy", "security")


def validate(office: Office, when: str) -> Result:
    return office.run("validate", now=when)
