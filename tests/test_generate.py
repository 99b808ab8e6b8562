"""csops generate: a realistic office of any size that validates clean, byte-identical per seed."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from csops.cli import cli
from csops.generate import generate_office
from csops.models import kind_for_relpath, kinds
from csops.session import render
from csops.yamlio import load_fast

RECORDS = 400


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file() and not {".git", ".csops-cache"} & set(p.relative_to(root).parts)}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    root = tmp_path_factory.mktemp("gen") / "office"
    return root, generate_office(root, RECORDS)


def test_validates_with_no_errors(generated: tuple[Path, dict[str, object]]) -> None:
    root, result = generated
    out = CliRunner().invoke(cli, ["--root", str(root), "--now", str(result["now"]), "--format", "json", "validate"])
    assert out.exit_code in (0, 2), out.output  # warnings are fine, errors are not
    import json

    findings = json.loads(out.stdout)["findings"]
    errors = [f for f in findings if f["severity"] == "error"]
    assert errors == []
    assert len(findings) <= 5, findings


def test_every_family_and_the_requested_size(generated: tuple[Path, dict[str, object]]) -> None:
    root, result = generated
    counts = result["counts"]
    assert isinstance(counts, dict)
    assert set(counts) == set(kinds())
    assert abs(int(str(result["total"])) - RECORDS) <= RECORDS * 0.03
    files = list((root / "records").rglob("*.yaml"))
    assert len(files) == result["total"]
    assert counts["ticket"] > sum(v for k, v in counts.items() if k not in ("ticket", "staff"))


def test_records_are_what_csops_would_write(generated: tuple[Path, dict[str, object]]) -> None:
    root, _ = generated
    seen: set[str] = set()
    for path in sorted((root / "records").rglob("*.yaml")):
        rel = path.relative_to(root / "records").as_posix()
        kind = kind_for_relpath(rel)
        assert kind is not None
        if kind in seen and kind != "ticket":
            continue
        seen.add(kind)
        text = path.read_text(encoding="utf-8")
        record = kinds()[kind].model_validate(load_fast(text))
        assert render(record, f"records/{rel}", None) == text, rel


def test_git_history_and_clean_checkout(generated: tuple[Path, dict[str, object]]) -> None:
    root, result = generated
    assert _git(root, "status", "--porcelain") == ""
    assert _git(root, "config", "csops.station").strip() == "A"
    months = {str(result["first_day"])[:7], str(result["last_day"])[:7]}
    log = _git(root, "log", "--format=%ae %ad", "--date=format:%Y-%m").splitlines()
    # one commit a month by the records clerk, and one by each approver confirming what the clerk
    # typed in for them (issue 10), made in turns so that each commit appends its author's events
    assert len(log) == result["commits"] and len(log) > len(months)
    assert all(line.split()[0].endswith("@fenghui.example") for line in log)
    assert {line.split()[1] for line in log} == months
    assert len({line.split()[0] for line in log}) > 1


def test_deterministic_and_commit_modes(tmp_path: Path, generated: tuple[Path, dict[str, object]]) -> None:
    first, result = generated
    again = tmp_path / "again"
    daily = generate_office(again, RECORDS, commits="daily")
    assert {k: v for k, v in daily.items() if k != "commits"} == {k: v for k, v in result.items() if k != "commits"}
    assert _tree(again) == _tree(first)
    assert len(_git(again, "log", "--format=%H").splitlines()) == daily["commits"] >= _days(result)
    days = _git(again, "log", "--format=%ad", "--date=format:%Y-%m-%d").splitlines()
    assert len(set(days)) == _days(result)
    assert _git(again, "status", "--porcelain") == ""


def _days(result: dict[str, object]) -> int:
    from datetime import date

    return (date.fromisoformat(str(result["last_day"])) - date.fromisoformat(str(result["first_day"]))).days + 1


def test_command_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "file").write_text("x")
    out = CliRunner().invoke(cli, ["generate", str(tmp_path / "x"), "--records", "100"])
    assert out.exit_code != 0
    assert "not empty" in out.output


def test_command_prints_the_now_to_use(tmp_path: Path) -> None:
    out = CliRunner().invoke(cli, ["generate", str(tmp_path / "one"), "--records", "250", "--commits", "one"])
    assert out.exit_code == 0, out.output
    assert "--now 2026-11-30T23:59:00+08:00 validate" in out.output
    # one batch: the clerk's records and, between their turns, each approver's own confirm commits
    subjects = _git(tmp_path / "one", "log", "--format=%s").splitlines()
    assert subjects and all(s.startswith("全部记录") for s in subjects)
    assert sum("确认审批" not in s for s in subjects) <= 4
