"""csops init: a new records repository that validates, has the hook, and a first commit."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from csops.cli import cli
from csops.store import SCHEMA_HEADER
from tests.fixtures import DEMO_RECORDS, PROJECT, Office, git


def test_init_creates_a_working_records_repository(tmp_path: Path) -> None:
    root = tmp_path / "office"
    result = CliRunner().invoke(cli, ["init", str(root), "--name", "测试大厦客户服务中心", "--station", "B"])
    assert result.exit_code == 0, result.output
    assert (root / "records" / "policy.yaml").read_text(encoding="utf-8").startswith(SCHEMA_HEADER)
    assert "测试大厦客户服务中心" in (root / "records" / "policy.yaml").read_text(encoding="utf-8")
    assert (root / "schemas" / "ticket.schema.json").is_file()
    assert "csops validate" in (root / "README.md").read_text(encoding="utf-8")
    assert "csops validate --staged" in (root / ".git" / "hooks" / "pre-commit").read_text()
    assert git(root, "config", "csops.station").stdout.strip() == "B"
    assert git(root, "status", "--porcelain").stdout == ""
    assert git(root, "rev-list", "--count", "HEAD").stdout.strip() == "1"
    office = Office(root)
    assert office.run("validate").exit_code == 0
    # The first person added to an empty roster signs for themself; after that, --as is needed.
    office.ok("staff", "add", "M001", "--name", "张伟", "--department", "cs", "--role", "cs_manager",
              "--email", "zw@example.com")
    # The commit is the keyboard's (git's identity), the actor is in its trailer.
    assert git(root, "log", "-1", "--format=%an").stdout.strip() == "Test Runner"
    assert "Csops-Actor: M001" in git(root, "log", "-1", "--format=%B").stdout


def test_init_refuses_an_existing_records_repository(office: Office) -> None:
    result = CliRunner().invoke(cli, ["init", str(office.root)])
    assert result.exit_code == 1 and "already" in result.output


def test_init_refuses_a_bad_station_code(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["init", str(tmp_path / "o"), "--station", "a1"])
    assert result.exit_code == 2 and "capital letters" in result.output


def test_every_demo_record_names_its_schema() -> None:
    for path in DEMO_RECORDS.rglob("*.yaml"):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith(SCHEMA_HEADER), path
        schema = (path.parent / first[len(SCHEMA_HEADER):]).resolve()
        assert schema.is_file() and schema.parent == PROJECT / "schemas", path


def test_init_starts_from_a_prepared_policy_kept_as_written(tmp_path: Path) -> None:
    """--policy: the office's first policy version is its own file (comments kept), made by csops,
    named after the office it names; a policy that does not validate creates nothing."""
    prepared = tmp_path / "制度参数.yaml"
    prepared.write_text("# 本中心的制度参数\n" + (DEMO_RECORDS / "policy.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    root = tmp_path / "office"
    result = CliRunner().invoke(cli, ["init", str(root), "--no-hook", "--policy", str(prepared)])
    assert result.exit_code == 0, result.output
    assert (root / "records" / "policy.yaml").read_bytes() == prepared.read_bytes()
    assert "丰汇大厦客户服务中心" in (root / "README.md").read_text(encoding="utf-8")
    assert "Csops-Action: init" in git(root, "log", "-1", "--format=%B").stdout
    assert git(root, "status", "--porcelain").stdout == ""
    broken = tmp_path / "broken.yaml"
    broken.write_text("sla:\n  complaint: 5\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["init", str(tmp_path / "other"), "--no-hook", "--policy", str(broken)])
    assert result.exit_code == 1 and "STORE-SCHEMA-01" in result.output and "什么也没有建立" in result.output
    assert not (tmp_path / "other").exists()
