"""The demo office's tickets: produced by scripts/demo/tickets.py through the real commands; they
validate clean, and ``csops sla`` as of the demo's now lists exactly the breaches the plan intends."""

from __future__ import annotations

import json
from collections import Counter

from csops.models.ticket import Ticket
from csops.session import Session
from scripts.demo import DEMO_NOW
from scripts.demo.tickets import breaches
from tests.fixtures import DEMO_RECORDS, Office

PROJECT = DEMO_RECORDS.parent


def demo_office() -> Office:
    return Office(PROJECT)


def test_sla_on_demo_lists_exactly_the_planned_breaches() -> None:
    out = demo_office().ok("sla", "--format", "json", now=DEMO_NOW).output
    data = json.loads(out)
    found = {(r["ticket"], r["key"]) for r in data["breached"]}
    planned = {(tid, key) for tid, keys in breaches().items() for key in keys}
    assert planned and found == planned
    assert data["breached_tickets"] == sorted(breaches())


def test_demo_tickets_validate_without_errors() -> None:
    result = demo_office().run("validate", "--format", "json", now=DEMO_NOW)
    findings = json.loads(result.output)["findings"]
    errors = [f for f in findings if f["severity"] == "error"]
    assert errors == [] and result.exit_code == 0


def test_demo_covers_every_type_and_the_showcase_cases() -> None:
    ctx = Session(root_option=PROJECT, now_option=DEMO_NOW).load()
    tickets = list(ctx.of(Ticket))
    assert len(tickets) >= 50
    types = Counter(t.type.value for t in tickets)
    assert set(types) == {"consultation", "repair", "installation", "complaint", "suggestion", "kesu",
                          "major_fault", "assistance"}
    assert any(t.fold().reopened for t in tickets)  # the reopened complaint
    assert any(t.first_owner == "N001" for t in tickets)  # night intakes
    swaps = [e.dispatch for t in tickets for e in t.of_action("resolve") if e.dispatch and e.dispatch.new_sim]
    assert len(swaps) >= 2
    assert any(t.of_action("analysis") for t in tickets)
    statuses = Counter(t.status.value for t in tickets)
    assert statuses["closed"] and statuses["waiting"] and statuses["in_progress"]


def test_kpis_of_the_demo_october() -> None:
    """KPI-01..05 and KPI-08 on the demo's October (a golden test of the committed demo): 6 customer
    repairs all called back in time, no internal repair, one unhappy callback handled, 14 of 15
    callbacks satisfied, 27 tickets, 26 decided deadlines, one of two 客诉 closed in its 15 days."""
    import json

    from click.testing import CliRunner

    from csops.cli import cli
    from tests.fixtures import PROJECT

    out = CliRunner().invoke(cli, ["--root", str(PROJECT), "--now", "2026-11-23T09:00:00+08:00", "kpi",
                                   "--month", "2026-10", "--format", "json"]).output
    kpis = json.loads(out)["kpis"]
    got = {k: (v["value"], v["base"], v["ok"]) for k, v in kpis.items()}
    assert got["KPI-01"] == (1.0, 6, True)
    assert got["KPI-02"] == (None, 0, None)
    assert got["KPI-03"] == (1.0, 1, True)
    assert got["KPI-04"][1] == 15 and round(got["KPI-04"][0], 3) == 0.933 and got["KPI-04"][2] is False
    assert got["KPI-05"][1] == 27 and got["KPI-05"][2] is False
    assert got["KPI-08"][1] == 26 and round(got["KPI-08"][0], 3) == 0.923
    assert got["KPI-08-QC"] == (0.5, 2, False)
