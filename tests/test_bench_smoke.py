"""The benchmark's machinery at a tiny size, so scripts/bench.py cannot rot between `make bench` runs.

No timing is asserted (timing claims live in `make bench`, never in unit tests): this only proves the
script still builds an office, runs rows as real subprocesses, checks their exit codes, resets the
write rows and writes its JSON and Markdown. The demo office, one repeat, a few rows: a few seconds.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
ROWS = ["help", "validate-warm", "ticket-new", "ticket-show", "floor"]


def test_bench_runs_its_rows_on_the_demo_office(tmp_path: Path) -> None:
    out_json, out_md = tmp_path / "bench.json", tmp_path / "bench.md"
    result = subprocess.run(
        [sys.executable, str(PROJECT / "scripts" / "bench.py"), "--stand-in", "--sizes", "0", "--repeat", "1",
         "--timeout", "60", "--rows", ",".join(ROWS), "--offices", str(tmp_path / "offices"),
         "--peer-venv", str(tmp_path / "no-peers"), "--json", str(out_json), "--md", str(out_md)],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    doc = json.loads(out_json.read_text())
    rows = {r["key"]: r for r in doc["rows"]}
    assert list(rows) == ROWS
    for key, row in rows.items():
        (cell,) = row["results"].values()
        assert cell["status"] == "ok", (key, cell)
        assert cell["median_s"] is not None and cell["median_s"] > 0, (key, cell)
        assert cell["runs"][0]["rss_mb"] > 0
    assert rows["floor"]["results"]["0"]["note"].startswith(f"{doc['offices']['0']['total']} files")
    assert "| `validate`, warm, nothing changed |" in out_md.read_text()
    assert "`csops --help` CPU time" in result.stdout
    # the pristine office is untouched by the write row and the run copy is gone
    office = next((tmp_path / "offices").iterdir())
    assert not (office / "run").exists()
    log = subprocess.run(["git", "log", "--format=%s"], cwd=office / "office", capture_output=True, text=True)
    assert log.stdout.strip() and "受理" not in log.stdout
