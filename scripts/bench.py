"""Benchmarks (make bench). Timing claims live here, never in unit tests.

Builds a synthetic records repo of N records, then measures: CLI start-up (`csops --help`),
`csops validate` over the tree (C loader vs pure-Python loader), and one write through the git
write path. Usage: python scripts/bench.py [--records 5000]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

TZ = timezone(timedelta(hours=8))
MEETING = """\
schema_version: 1
id: {id}
open_decisions: 1
events:
  - at: {at}
    by: M001
    action: held
    type: weekly
    chair: M001
    attendees: [CS001, CS002, S001]
    content: 第{n}次周会：本周投诉回访、报修派工、钥匙借用情况通报
  - at: {at}
    by: M001
    action: decided
    text: 补齐回访记录
    owner: CS001
    due: {due}
"""


def timed(fn, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def build(root: Path, count: int) -> None:
    from tests.fixtures import init_repo

    init_repo(root)
    base = datetime(2026, 1, 5, 9, 0, tzinfo=TZ)
    for n in range(1, count + 1):
        at = base + timedelta(hours=n)
        record_id = f"MT-{at:%y%m}-A{n:04d}"
        path = root / "records" / "meetings" / f"{at:%Y}" / f"{at:%m}" / f"{record_id}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(MEETING.format(id=record_id, at=at.isoformat(), due=(at + timedelta(days=400)).isoformat(), n=n),
                        encoding="utf-8")
    subprocess.run(["git", "add", "records"], cwd=root, check=True)
    subprocess.run(["git", "commit", "-qm", "synthetic"], cwd=root, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=5000)
    args = parser.parse_args()

    from csops import yamlio
    from csops.checker import check

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "office"
        build(root, args.records)
        now = datetime(2026, 11, 23, 9, 0, tzinfo=TZ)
        print(f"records: {args.records} meetings + 24 staff + policy")
        print(f"C-backed YAML loader in use: {yamlio.uses_c_loader()}")
        startup = timed(lambda: subprocess.run([sys.executable, "-m", "csops", "--help"], capture_output=True, check=True))
        print(f"csops --help (subprocess):              {startup * 1000:8.0f} ms")
        whole = timed(lambda: subprocess.run([sys.executable, "-m", "csops", "--root", str(root), "validate"],
                                             capture_output=True))
        print(f"csops validate, whole tree (subprocess): {whole * 1000:8.0f} ms")
        cold = timed(lambda: check(root, now, use_cache=False))
        print(f"check() in process, C loader, no cache: {cold * 1000:8.0f} ms")
        fast = yamlio._FAST
        yamlio._FAST = yamlio.YAML(typ="safe", pure=True)
        yamlio._FAST.Resolver = yamlio._FastResolver
        try:
            pure = timed(lambda: check(root, now, use_cache=False), repeat=1)
        finally:
            yamlio._FAST = fast
        print(f"check() in process, pure-Python loader: {pure * 1000:8.0f} ms  ({pure / cold:.1f}x the C loader)")
        check(root, now)
        warm = timed(lambda: check(root, now))
        print(f"check() in process, warm parse cache:   {warm * 1000:8.0f} ms")
        staged = timed(lambda: check(root, now, from_index=True))
        print(f"check() from the git index (hook):      {staged * 1000:8.0f} ms")
        late = now + timedelta(days=800)  # every decision overdue: one located warning per file
        flagged = timed(lambda: check(root, late))
        count = len(check(root, late).warnings)
        print(f"check() with a finding in every file:   {flagged * 1000:8.0f} ms  ({count} warnings located)")
        write = timed(lambda: subprocess.run(
            [sys.executable, "-m", "csops", "--root", str(root), "--as", "M001", "meeting", "new", "--type", "weekly",
             "--chair", "M001", "--content", "bench"], capture_output=True, check=True), repeat=3)
        print(f"one write + commit (subprocess):        {write * 1000:8.0f} ms")


if __name__ == "__main__":
    main()
