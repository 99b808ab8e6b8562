"""The monthly summary (RULES.md §6.3, RPT-01) on the demo office, checked against the records."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from ruamel.yaml import YAML

from tests.fixtures import DEMO_RECORDS, Office, init_repo

NOW = "2026-11-23T09:00:00+08:00"
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Office:
    root = tmp_path_factory.mktemp("demo")
    shutil.copytree(DEMO_RECORDS, root / "records")
    return Office(root)


@pytest.fixture(scope="module")
def october(demo: Office) -> dict:
    return json.loads(demo.ok("--now", NOW, "report", "monthly", "--month", "2026-10", "--format", "json").output)


def _yaml(path: Path) -> dict:
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def _october_tickets() -> list[dict]:
    """Tickets received (first event) in October, read straight from the files."""
    out = []
    for path in sorted((DEMO_RECORDS / "tickets").rglob("*.yaml")):
        data = _yaml(path)
        received = datetime.fromisoformat(str(data["events"][0]["at"])).astimezone(SHANGHAI)  # the office's month
        if (received.year, received.month) == (2026, 10):
            out.append(data)
    return out


def test_ticket_counts_by_type_and_channel(october: dict) -> None:
    tickets = _october_tickets()
    by_type = Counter(t["type"] for t in tickets)
    closed = Counter(t["type"] for t in tickets if t["events"][-1]["action"] == "close")
    rows = {r["type"]: r for r in october["tickets"]["by_type"]}
    assert {k: r["total"] for k, r in rows.items() if r["total"]} == dict(by_type)
    assert {k: r["closed"] for k, r in rows.items() if r["closed"]} == dict(closed)
    assert october["tickets"]["total"]["total"] == len(tickets) > 0
    channels = Counter(t.get("channel") for t in tickets)
    assert {r["channel"]: r["total"] for r in october["tickets"]["by_channel"]} == dict(channels)


def test_breached_deadlines_match_csops_sla(demo: Office, october: dict) -> None:
    """TKT-SLA: the report's breached October tickets are exactly those `csops sla` lists for October."""
    sla = json.loads(demo.ok("--now", NOW, "sla", "--format", "json").output)
    ids = {t["id"] for t in _october_tickets()}
    expected = sorted({r["ticket"] for r in sla["breached"] if r["ticket"] in ids})
    assert october["tickets"]["breached_tickets"] == expected
    assert october["tickets"]["total"]["overdue"] == len(expected) > 0


def test_kpis_are_those_of_csops_kpi(demo: Office, october: dict) -> None:
    kpi = json.loads(demo.ok("--now", NOW, "kpi", "--month", "2026-10", "--format", "json").output)
    assert october["kpis"] == kpi["kpis"]


def test_refused_handover_of_2026_10_15(october: dict) -> None:
    """HOV-REF-01/02: the refusal on file is reported with its ground, note and resolution."""
    refusals = []
    for path in sorted((DEMO_RECORDS / "handovers" / "2026" / "10").glob("*.yaml")):
        data = _yaml(path)
        refusals += [(data["id"], e["ground"], e.get("note")) for e in data["events"] if e["action"] == "refused"]
    assert [(r["handover"], r["ground"], r["note"]) for r in october["handovers"]["refusals"]] == refusals
    assert refusals and refusals[0][0] == "2026-10-15-cs_office-late"
    assert october["handovers"]["refusals"][0]["ground_label"] == "卫生不洁"
    assert october["handovers"]["refusals"][0]["resolution"]
    handovers = list((DEMO_RECORDS / "handovers" / "2026" / "10").glob("*.yaml"))
    assert october["handovers"]["total"] == len(handovers)


def test_complaints_keys_and_hazmat(october: dict) -> None:
    complaints = [t for t in _october_tickets() if t["type"] == "complaint"]
    assert october["complaints"]["total"] == len(complaints)
    assert sum(r["total"] for r in october["complaints"]["by_severity"]) == len(complaints)
    escalated = sorted(t["id"] for t in complaints
                       if any(e["action"] == "escalate" and e["reason"] == "big_problem" for e in t["events"]))
    assert [e["ticket"] for e in october["complaints"]["escalations"]] == escalated
    losses = []
    for path in sorted((DEMO_RECORDS / "keys").glob("*.yaml")):
        data = _yaml(path)
        losses += [data["id"] for e in data["events"]
                   if e["action"] == "lost" and str(e["at"]).startswith("2026-10")]
    assert [x["key"] for x in october["keys"]["losses"]] == losses
    draws = []
    for path in sorted((DEMO_RECORDS / "hazmat").rglob("*.yaml")):
        data = _yaml(path)
        draws += [data["id"] for e in data["events"] if e["action"] == "draw" and str(e["at"]).startswith("2026-10")]
    assert [d["id"] for d in october["hazmat"]["draws"]] == sorted(draws)


def test_rpt_01_due_date_and_file_name(october: dict) -> None:
    """RPT-01: due before the 5th of the next month; the file name carries project, month and version."""
    from csops.models.policy import Policy
    from csops.report import due_date, file_name

    policy = Policy.model_validate(_yaml(DEMO_RECORDS / "policy.yaml"))
    assert october["due"] == "2026-11-05" == due_date(policy, "2026-10").isoformat()
    assert due_date(policy, "2026-12") == date(2027, 1, 5)
    assert october["file_name"] == f"{policy.office.name}_2026-10_v1.html"
    assert file_name(policy, "2026-10", 2) == f"{policy.office.name}_2026-10_v2.html"


def test_markdown_by_default_in_chinese(demo: Office) -> None:
    out = demo.ok("--now", NOW, "report", "monthly", "--month", "2026-10").output
    assert out.startswith("# 丰汇大厦客户服务中心 客户服务月度报告 2026-10")
    assert "提交期限: 2026-11-05" in out and "2026-10-15-cs_office-late" in out and "未纳入" in out
    assert "&#" not in out and "&amp;" not in out  # Markdown is not HTML-escaped


def test_out_folder_writes_one_html_file(demo: Office, tmp_path: Path) -> None:
    out = tmp_path / "reports"
    out.mkdir()
    result = demo.ok("--now", NOW, "report", "monthly", "--month", "2026-10", "--out", str(out))
    files = list(out.iterdir())
    assert [f.name for f in files] == ["丰汇大厦客户服务中心_2026-10_v1.html"], result.output
    html = files[0].read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>") and "@page { size: A4" in html and "提交期限 2026-11-05" in html
    again = demo.run("--now", NOW, "report", "monthly", "--month", "2026-10", "--out", str(out))
    assert again.exit_code == 2 and "--revision 2" in again.output
    demo.ok("--now", NOW, "report", "monthly", "--month", "2026-10", "--out", str(out), "--revision", "2")
    assert sorted(f.name for f in out.iterdir()) == ["丰汇大厦客户服务中心_2026-10_v1.html",
                                                     "丰汇大厦客户服务中心_2026-10_v2.html"]


def test_failed_render_leaves_no_file(tmp_path: Path) -> None:
    office = Office(init_repo(tmp_path / "office"))
    office.write("templates/reports/monthly.html.j2", "{{ report.no_such_field.x }}")
    out = tmp_path / "out"
    out.mkdir()
    result = office.run("report", "monthly", "--month", "2026-10", "--out", str(out))
    assert result.exit_code == 1 and "nothing was written" in result.output
    assert list(out.iterdir()) == []


def test_month_without_records_is_an_empty_valid_report(demo: Office) -> None:
    data = json.loads(demo.ok("--now", NOW, "report", "monthly", "--month", "2026-03", "--format", "json").output)
    assert data["empty"] and data["tickets"]["total"]["total"] == 0 and data["handovers"]["total"] == 0
    assert data["due"] == "2026-04-05"
    text = demo.ok("--now", NOW, "report", "monthly", "--month", "2026-03").output
    assert "本月没有工单和交接班记录" in text


def test_bad_month_is_a_usage_error(demo: Office) -> None:
    assert demo.run("report", "monthly", "--month", "2026-13").exit_code == 2
    assert demo.run("report", "monthly", "--month", "9999-12").exit_code == 2  # no date overflow crash


def test_out_a_new_folder_gets_the_rpt_01_name_and_files_are_never_overwritten_silently(
        demo: Office, tmp_path: Path) -> None:
    folder = tmp_path / "new" / "reports"
    demo.ok("--now", NOW, "report", "monthly", "--month", "2026-10", "--out", f"{folder}/")
    assert [f.name for f in folder.iterdir()] == ["丰汇大厦客户服务中心_2026-10_v1.html"]
    mine = tmp_path / "mine.md"
    mine.write_text("我的笔记", encoding="utf-8")
    refused = demo.run("--now", NOW, "report", "monthly", "--month", "2026-10", "--out", str(mine))
    assert refused.exit_code == 2 and "--force" in refused.output
    assert mine.read_text(encoding="utf-8") == "我的笔记"
    demo.ok("--now", NOW, "report", "monthly", "--month", "2026-10", "--out", str(mine), "--force")
    assert mine.read_text(encoding="utf-8").startswith("# 丰汇大厦客户服务中心")
    as_folder = demo.run("--now", NOW, "report", "monthly", "--month", "2026-10", "--out", f"{mine}/")
    assert as_folder.exit_code == 2 and "not a folder" in as_folder.output
    under_a_file = demo.run("--now", NOW, "report", "monthly", "--month", "2026-10", "--out", f"{mine}/x.md")
    assert under_a_file.exit_code == 1 and "cannot write" in under_a_file.output


def test_TKT_SLA_complaints_on_time_are_counted_per_complaint(demo: Office) -> None:
    """A complaint with two late clocks is one late complaint; a major one's 1-hour report counts as forwarding."""
    data = json.loads(demo.ok("--now", NOW, "report", "monthly", "--month", "2026-11", "--format", "json").output)
    rows = {r["severity"]: r for r in data["complaints"]["by_severity"]}
    for row in rows.values():
        assert row["resolve"]["decided"] <= row["total"] and row["forward"]["decided"] <= row["total"]
    october = json.loads(demo.ok("--now", NOW, "report", "monthly", "--month", "2026-10", "--format", "json").output)
    major = {r["severity"]: r for r in october["complaints"]["by_severity"]}["major"]
    assert major["forward"] == {"met": 0, "decided": 1, "rate": 0.0}  # T-2610-A014 reported late


def test_a_month_still_running_says_so(demo: Office) -> None:
    text = demo.ok("--now", NOW, "report", "monthly", "--month", "2026-11").output
    assert "数据截至 2026-11-23 09:00 (本月尚未结束)\n" in text and "当前结存" in text and "月末结存" not in text
    october = demo.ok("--now", NOW, "report", "monthly", "--month", "2026-10").output
    assert "本月尚未结束" not in october and "月末结存" in october


def test_RPT_02_kesu_statistics_due_on_the_policy_day_of_the_next_month(tmp_path: Path) -> None:
    office = Office(init_repo(tmp_path / "office"))
    data = json.loads(office.ok("report", "monthly", "--month", "2027-01", "--format", "json").output)
    assert data["kesu"]["stats_due"] == "2027-02-10"  # 每月十日前 (reports.kesu_stats_due_day)
    policy = office.root / "records" / "policy.yaml"
    text = policy.read_text(encoding="utf-8")
    assert "kesu_stats_due_day: 10" in text
    policy.write_text(text.replace("kesu_stats_due_day: 10", "kesu_stats_due_day: 8"), encoding="utf-8")
    data = json.loads(office.ok("report", "monthly", "--month", "2027-01", "--format", "json").output)
    assert data["kesu"]["stats_due"] == "2027-02-08"


def test_TKT_CB_01_the_report_says_the_policy_s_callback_hours(tmp_path: Path) -> None:
    """Not a fixed 「投诉24小时内回访」: the line follows sla.callback.complaint_hours."""
    root = tmp_path / "office"
    shutil.copytree(DEMO_RECORDS, root / "records")
    office = Office(root)
    default = office.ok("--now", NOW, "report", "monthly", "--month", "2026-10").output
    assert "投诉24小时内回访" in default
    policy = root / "records" / "policy.yaml"
    text = policy.read_text(encoding="utf-8")
    assert "complaint_hours: 24" in text
    policy.write_text(text.replace("complaint_hours: 24", "complaint_hours: 12", 1), encoding="utf-8")
    changed = office.ok("--now", NOW, "report", "monthly", "--month", "2026-10").output
    assert "投诉12小时内回访" in changed and "投诉24小时内回访" not in changed


def test_csv_writes_every_table_of_the_same_data_for_a_spreadsheet(demo: Office, october: dict, tmp_path: Path) -> None:
    """RPT-01 / issue 13: --format csv is the data the JSON has, one file per table, UTF-8 with the
    BOM Excel needs for Chinese, in a folder named as the report; an issued version stays."""
    import csv
    import re

    out = tmp_path / "reports"
    assert demo.run("--now", NOW, "report", "monthly", "--month", "2026-10", "--format", "csv").exit_code == 2
    result = demo.ok("--now", NOW, "report", "monthly", "--month", "2026-10", "--format", "csv", "--out", f"{out}/")
    folder = out / "丰汇大厦客户服务中心_2026-10_v1"
    assert str(folder) in result.output and not list(out.glob(".csops-*"))

    def read(name: str) -> list[dict[str, str]]:
        raw = (folder / f"{name}.csv").read_bytes()
        assert raw.startswith("\ufeff".encode()), name
        return list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))

    by_type = read("tickets.by_type")
    assert [(r["type"], int(r["total"]), int(r["overdue"])) for r in by_type] == \
        [(r["type"], r["total"], r["overdue"]) for r in october["tickets"]["by_type"]]
    kpis = {r["key"]: r for r in read("kpis")}
    assert set(kpis) == set(october["kpis"]) and kpis["KPI-01"]["label"] == october["kpis"]["KPI-01"]["label"]
    assert read("summary")[0]["due"] == "2026-11-05"
    assert len(read("tickets.breached")) == len(october["tickets"]["breached"])
    for path in folder.iterdir():  # REG-PHN-01: no full mobile number on an output
        assert not re.search(r"1[3-9]\d{9}", path.read_text(encoding="utf-8-sig")), path.name
    again = demo.run("--now", NOW, "report", "monthly", "--month", "2026-10", "--format", "csv", "--out", str(out))
    assert again.exit_code == 2 and "--revision 2" in again.output
