"""Regenerate the demo records: python scripts/make_demo.py [--keep DIR]

Runs every family's plan (scripts/demo/*.py) through the real commands in a temporary records repo,
merged by time, then replaces the generated folders under records/ (policy and staff are inputs and
are left alone).
"""

from __future__ import annotations

import argparse
import importlib
import shutil
import sys
import tempfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from scripts.demo import Demo, Step  # noqa: E402

#: Family plans, in the order their steps run when two fall on the same minute.
PLANS = ["scripts.demo.tickets", "scripts.demo.keys", "scripts.demo.handovers"]
INPUTS = {"policy.yaml", "staff"}


def build(target: Path) -> Demo:
    from click.testing import CliRunner

    from csops.cli import cli
    from tests.fixtures import git

    # The office starts as a real one does: its prepared policy, then its roster from a sheet,
    # imported by the CS manager at their own keyboard. Nothing is committed by hand.
    result = CliRunner().invoke(cli, ["init", str(target), "--station", "A", "--no-hook",
                                      "--policy", str(PROJECT / "records" / "policy.yaml")], catch_exceptions=False)
    if result.exit_code != 0:
        raise SystemExit(result.output)
    git(target, "config", "user.name", "csops demo")
    git(target, "config", "user.email", "demo@fenghui.example")
    roster = target.parent / f"{target.name}-花名册.csv"
    write_roster(PROJECT / "records" / "staff", roster)
    manager = _staff_yaml(PROJECT / "records" / "staff" / "M001.yaml")
    env = {f"GIT_{who}_{part}": value for who in ("AUTHOR", "COMMITTER")
           for part, value in (("NAME", manager["name"]), ("EMAIL", manager["git_emails"][0]))}
    result = CliRunner().invoke(cli, ["--root", str(target), "--now", ROSTER_AT, "import", "staff", str(roster)],
                                env=env, catch_exceptions=False)
    roster.unlink()
    if result.exit_code != 0:
        raise SystemExit(result.output)
    demo = Demo(target)
    steps: list[tuple[object, int, int, Step]] = []
    for order, name in enumerate(PLANS):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError:
            continue
        for seq, step in enumerate(module.plan(demo)):
            steps.append((step.at, order, seq, step))
    for _, _, _, step in sorted(steps, key=lambda s: s[:3]):
        step.action(demo)
    return demo


#: When the roster is imported: before the first step of any plan.
ROSTER_AT = "2026-09-01T09:00:00+08:00"
ROSTER_COLUMNS = ["id", "name", "department", "roles", "level", "phone", "git_emails", "signing_keys", "active"]


def _staff_yaml(path: Path) -> dict[str, object]:
    from ruamel.yaml import YAML

    return dict(YAML(typ="safe").load(path.read_text(encoding="utf-8")))


def write_roster(folder: Path, out: Path) -> None:
    """The demo roster (records/staff/*.yaml, the demo's input) as the sheet an office would keep."""
    import csv

    with out.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(ROSTER_COLUMNS)
        for path in sorted(folder.glob("*.yaml")):
            data = _staff_yaml(path)
            row = []
            for column in ROSTER_COLUMNS:
                value = data.get(column)
                if isinstance(value, list):
                    value = ("\n" if column == "signing_keys" else "; ").join(str(v) for v in value)
                elif isinstance(value, bool):
                    value = "是" if value else "否"
                row.append("" if value is None else str(value))
            writer.writerow(row)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it (default: a temp folder)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        target = args.keep or Path(tmp) / "office"
        demo = build(target)
        records = PROJECT / "records"
        for child in records.iterdir():
            if child.name not in INPUTS:
                shutil.rmtree(child) if child.is_dir() else child.unlink()
        for child in (target / "records").iterdir():
            if child.name not in INPUTS:
                shutil.copytree(child, records / child.name) if child.is_dir() else shutil.copy(child, records)
        print(f"{len(demo.log)} commands run; records/ regenerated")


if __name__ == "__main__":
    main()
