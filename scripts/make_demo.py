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

    result = CliRunner().invoke(cli, ["init", str(target), "--station", "A", "--no-hook",
                                      "--name", "丰汇大厦客户服务中心"], catch_exceptions=False)
    if result.exit_code != 0:
        raise SystemExit(result.output)
    git(target, "config", "user.name", "csops demo")
    git(target, "config", "user.email", "demo@fenghui.example")
    shutil.copy(PROJECT / "records" / "policy.yaml", target / "records" / "policy.yaml")
    for staff_file in (PROJECT / "records" / "staff").glob("*.yaml"):
        shutil.copy(staff_file, target / "records" / "staff" / staff_file.name)
    git(target, "add", "records")
    git(target, "commit", "-q", "-m", "demo roster and policy")
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
