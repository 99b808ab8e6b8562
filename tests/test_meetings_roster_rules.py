"""RPT-13, RPT-14 (meeting minutes) and ROLE-01 (who signs the roster), each broken once on purpose."""

from __future__ import annotations

from typing import Any

from csops.models.meeting import Meeting
from csops.models.roster import Roster
from csops.rules import check_record
from csops.yamlio import load_fast
from tests.fixtures import DEMO_RECORDS
from tests.tickets_helpers import context

HELD = {"at": "2026-11-02T09:00:00+08:00", "by": "M001", "action": "held", "type": "weekly", "chair": "M001",
        "attendees": ["CS001", "CS002"], "content": "周会: 投诉回访"}
DECIDED = {"at": "2026-11-02T09:30:00+08:00", "by": "M001", "action": "decided", "text": "补齐回访记录",
           "owner": "CS001", "due": "2026-11-09T18:00:00+08:00"}


def meeting(*events: dict[str, Any]) -> Meeting:
    return Meeting.model_validate({"id": "MT-2611-A001", "events": list(events)})


def rules_hit(record: Any, now: str = "2026-11-05 09:00") -> set[str]:
    return {p.rule for p in check_record(record, context(now))}


def test_RPT_13_one_meeting_per_file_and_decisions_kept_on_time() -> None:
    good = meeting(HELD, DECIDED)
    assert "RPT-13" not in rules_hit(good)
    assert "RPT-13" in rules_hit(meeting(HELD, DECIDED, {**HELD, "at": "2026-11-02T10:00:00+08:00"}))
    assert "RPT-13" in rules_hit(good, now="2026-11-20 09:00")  # the decision is overdue and still open


def test_RPT_14_the_right_level_chairs_a_weekly_meeting() -> None:
    assert "RPT-14" not in rules_hit(meeting(HELD))
    assert "RPT-14" in rules_hit(meeting({**HELD, "chair": "CS001"}))  # an agent chairs the weekly meeting


def test_ROLE_01_the_roster_is_signed_by_the_cs_supervisor() -> None:
    data = load_fast((DEMO_RECORDS / "rosters" / "2026-11.yaml").read_text(encoding="utf-8"))
    assert "ROLE-01" not in rules_hit(Roster.model_validate(data))
    assert "ROLE-01" in rules_hit(Roster.model_validate({**data, "approved_by": "CS001"}))
