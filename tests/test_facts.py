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


@pytest.fixture(scope="module")
def generated_office(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from csops.generate import generate_office

    root = tmp_path_factory.mktemp("facts") / "office"
    generate_office(root, 10000)  # two months: callers ring again about matters still open
    return root


def test_repeat_contacts_from_facts_are_the_rule_s_over_the_tickets(generated_office: Path) -> None:
    """TKT-FCR-05 in the monthly report: the pairs found from one fact per ticket are the pairs the
    rule finds over the loaded tickets of the same contact groups, and a second run loads nothing."""
    from csops.facts import repeat_contacts_of
    from csops.models.ticket import Ticket
    from csops.rules.tickets import contact_group, repeat_contacts_among

    office = Office(generated_office)
    now = "2026-11-30T10:00:00+08:00"
    for n, kind in enumerate(["consultation", "consultation", "repair", "consultation"]):
        extra = ["--repair-kind", "property", "--billing", "free", "--trade", "水电"] if kind == "repair" else []
        office.ok("ticket", "new", "--type", kind, *extra, "--channel", "phone", "--customer", "郑女士",
                  "--contact", "13800001111", "--content", f"第{n + 1}次来电", as_="CS001", now=now)
    ctx, _ = _counting_context(generated_office)
    tickets = list(ctx.of(Ticket))
    groups = {g for g in (contact_group(t) for t in tickets) if g is not None}
    expected = sorted((later.id, earlier.id) for later, earlier in repeat_contacts_among(tickets))
    assert len(expected) >= 2, "the caller rang again about an open matter"
    ctx, loads = _counting_context(generated_office)
    assert sorted(repeat_contacts_of(ctx, groups)) == expected
    ctx, loads = _counting_context(generated_office)
    one = {next(iter(sorted(groups)))}
    assert sorted(repeat_contacts_of(ctx, one)) == sorted(
        (later.id, earlier.id) for later, earlier in repeat_contacts_among(t for t in tickets if contact_group(t) in one))
    assert loads == []  # the facts of every ticket are kept: nothing is loaded again


def test_open_tickets_by_person_and_day_are_every_span_that_covers_the_day(generated_office: Path) -> None:
    """The index behind pending matters (a handover's, a person's) names, for a person and a day,
    exactly the tickets whose open span covers that day (short spans found by bisection, long ones
    scanned), plus those never closed."""
    import random

    from csops.facts import facts
    from csops.sla import _day, _index_of, _open_span

    ctx, _ = _counting_context(generated_office)
    spans = dict(facts(ctx, "ticket", "open-spans", _open_span))
    start = _day(datetime.fromisoformat("2026-10-01T00:00:00+08:00"))
    rng = random.Random(7)
    for n in range(300):  # and spans of every length, some of them far longer than a month
        first = start + rng.randrange(0, 60)
        spans[f"records/tickets/x/{n}.yaml"] = ([None, f"CS00{n % 3}"], first, first + rng.choice([0, 1, 30, 31, 32, 90]))
    index = _index_of(spans)
    people = sorted({who for span in spans.values() if span for who in span[0] if who is not None})[:12] + [None]
    assert index.long and index.short
    for who in people:
        for day in range(start - 2, start + 100):
            expected = sorted(rel for rel, span in spans.items() if span and who in span[0]
                              and (span[2] is None or span[1] <= day <= span[2]))
            assert sorted(index.candidates(who, day)) == expected, (who, day)
