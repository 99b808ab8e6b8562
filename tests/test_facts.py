"""Facts kept by content (csops.facts) give ``status`` and ``sla`` exactly what loading every record
gives, load only what is not known yet, and never hide a broken file.

Real git repositories in temporary folders: the demo office, changed by hand and by commands.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest

from csops.cli import EXIT_UNREADABLE
from csops.context import Context
from csops.facts import facts
from csops.lazy import TreeSource
from csops.models.policy import Policy
from csops.store import CACHE_DIR
from tests.fixtures import Office, demo_repo

DEMO_NOW = "2026-11-23T09:00:00+08:00"


@pytest.fixture
def demo(tmp_path: Path) -> Office:
    return Office(demo_repo(tmp_path / "demo"))


def _outputs(office: Office, now: str = DEMO_NOW) -> list[str]:
    return [office.run("--format", "json", command, now=now).output for command in ("status", "sla")] + \
           [office.run(command, now=now).output for command in ("status", "sla")]


def _cold(office: Office, now: str = DEMO_NOW) -> list[str]:
    shutil.rmtree(office.root / CACHE_DIR, ignore_errors=True)
    return _outputs(office, now)


def test_status_and_sla_from_facts_equal_a_cold_read(demo: Office) -> None:
    cold = _cold(demo)
    assert "未结工单" in cold[2] and "时限" in cold[3]
    assert _outputs(demo) == cold  # the facts written by the cold run, read back
    # A hand edit: a closed complaint made major has other deadlines; they come from its new blob,
    # not from the fact of the old one.
    ticket = demo.root / "records/tickets/2026/10/T-2610-A001.yaml"
    text = ticket.read_text(encoding="utf-8")
    assert "type: complaint" in text and "action: close" in text
    ticket.write_text(text.replace("severity: minor", "severity: major", 1), encoding="utf-8")
    warm = _outputs(demo)
    assert warm != cold and warm == _cold(demo)
    # Another moment: rows that were settled stay; the others move with the clock.
    later = "2026-11-25T17:30:00+08:00"
    assert _outputs(demo, later) == _cold(demo, later)


def test_a_policy_change_is_a_new_set_of_deadline_facts(demo: Office) -> None:
    _outputs(demo)
    policy = demo.root / "records" / "policy.yaml"
    policy.write_text(policy.read_text(encoding="utf-8") + "# another policy blob\n", encoding="utf-8")
    names = {p.name for p in (demo.root / CACHE_DIR).glob("facts-ticket-sla-rows.marshal")}
    assert names  # written by the first run
    assert _outputs(demo) == _cold(demo)


def _counting_context(root: Path) -> tuple[Context, list[str]]:
    source = TreeSource(root)
    loads: list[str] = []
    real = source.load_rel

    def counted(rel: str, kind: str, ctx: Context):  # type: ignore[no-untyped-def]
        loads.append(rel)
        return real(rel, kind, ctx)

    source.load_rel = counted  # type: ignore[method-assign]
    ctx = Context(policy=Policy(), now=datetime.fromisoformat(DEMO_NOW), root=root, _source=source)
    return ctx, loads


def test_known_facts_load_nothing_and_a_change_loads_that_file(demo: Office) -> None:
    tickets = sorted((demo.root / "records" / "tickets").rglob("*.yaml"))
    ctx, loads = _counting_context(demo.root)
    first = facts(ctx, "ticket", "open", lambda t, _: t.fold().status.value != "closed")
    assert len(first) == len(tickets) and len(loads) == len(tickets)
    ctx, loads = _counting_context(demo.root)
    assert facts(ctx, "ticket", "open", lambda t, _: t.fold().status.value != "closed") == first
    assert loads == []
    tickets[0].write_text(tickets[0].read_text(encoding="utf-8") + "# note\n", encoding="utf-8")
    ctx, loads = _counting_context(demo.root)
    assert facts(ctx, "ticket", "open", lambda t, _: t.fold().status.value != "closed") == first
    assert loads == [tickets[0].relative_to(demo.root).as_posix()]


def test_a_broken_file_is_said_on_every_status_even_with_facts_kept(demo: Office) -> None:
    assert demo.run("status", now=DEMO_NOW).exit_code == 0
    broken = sorted((demo.root / "records" / "tickets").rglob("*.yaml"))[2]
    broken.write_text(broken.read_text(encoding="utf-8") + "events: [\n", encoding="utf-8")
    rel = broken.relative_to(demo.root).as_posix()
    for _ in range(2):  # the second run has every other ticket's facts: the broken one has none
        result = demo.run("status", now=DEMO_NOW)
        assert result.exit_code == EXIT_UNREADABLE and rel in result.stderr


def test_a_monthly_report_reads_its_month_not_the_past(demo: Office) -> None:
    """RPT-01 from facts: the same report as a cold read, and the ticket kind is never loaded whole."""
    from csops.models.policy import Policy
    from csops.report import monthly
    from csops.yamlio import load_fast

    args = ("--format", "json", "report", "monthly", "--month", "2026-10")
    shutil.rmtree(demo.root / CACHE_DIR, ignore_errors=True)
    cold = demo.run(*args, now=DEMO_NOW).output
    assert demo.run(*args, now=DEMO_NOW).output == cold and '"tickets"' in cold
    ctx, loads = _counting_context(demo.root)
    ctx.policy = Policy.model_validate(load_fast((demo.root / "records" / "policy.yaml").read_text(encoding="utf-8")))
    monthly(ctx, "2026-10")
    tickets = list((demo.root / "records" / "tickets").rglob("*.yaml"))
    october = [rel for rel in loads if "/tickets/2026/10/" in rel]
    assert "ticket" not in ctx._loaded_kinds
    assert october and len(loads) < len(tickets)
