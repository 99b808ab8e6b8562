"""Rules on meeting minutes (RULES.md §6.1)."""

from __future__ import annotations

from collections.abc import Iterator

from csops.context import Context
from csops.findings import Severity
from csops.models.common import Role
from csops.models.meeting import Decided, Done, Held, Meeting, MeetingType
from csops.rules import Problem, record_rule

#: RPT-14: who chairs which meeting (weekly: the manager; monthly: the director; quarterly: senior management).
CHAIRS: dict[MeetingType, tuple[Role, ...]] = {
    MeetingType.weekly: (Role.cs_manager, Role.dept_manager),
    MeetingType.monthly: (Role.director, Role.cs_centre_director),
    MeetingType.quarterly: (Role.general_manager, Role.deputy_gm, Role.director),
}


@record_rule("RPT-13", "meeting", title="minutes open with the meeting; decisions are numbered and closed once")
def minutes_are_well_formed(record: Meeting, ctx: Context) -> Iterator[Problem]:
    if not isinstance(record.events[0], Held):
        yield Problem("the minutes must start with the meeting itself (action: held)", ("events", 0, "action"),
                      "put the `held` event first: type, chair, content")
    held_count = sum(isinstance(e, Held) for e in record.events)
    if held_count > 1:
        yield Problem("one file holds one meeting; a second `held` event was found", ("events",),
                      "record the other meeting with csops meeting new")
    decided = 0
    closed: set[int] = set()
    for i, event in enumerate(record.events):
        if isinstance(event, Decided):
            decided += 1
        elif isinstance(event, Done):
            if event.decision > decided:
                yield Problem(f"decision {event.decision} is marked done but only {decided} were recorded before it",
                              ("events", i, "decision"), "mark an existing decision: csops meeting show ID lists them")
            elif event.decision in closed:
                yield Problem(f"decision {event.decision} is marked done twice", ("events", i, "decision"),
                              "remove the repeated `done` event")
            closed.add(event.decision)


@record_rule("RPT-13", "meeting", title="each decision is done by its deadline", severity=Severity.warning,
             enforcement="computed deadline")
def decisions_done_on_time(record: Meeting, ctx: Context) -> Iterator[Problem]:
    decided_at = {i: e for i, e in enumerate(record.events) if isinstance(e, Decided)}
    positions = dict(enumerate(decided_at, start=1))
    for decision in record.decisions():
        late = (decision.done_at or ctx.now) > decision.due
        if late:
            state = f"done {decision.done_at.isoformat()}" if decision.done_at else "still open"
            hint = (f"{ctx.name(decision.owner)} to finish it: csops meeting done {record.id} {decision.number}"
                    if decision.done_at is None else "done late; raise it at the next meeting if it recurs")
            yield Problem(
                f"decision {decision.number} ({decision.text}) was due {decision.due.isoformat()}, {state}",
                ("events", positions[decision.number], "due"), hint,
            )


@record_rule("RPT-14", "meeting", title="the right level chairs each kind of meeting", severity=Severity.warning,
             enforcement="approval required")
def chaired_by_the_right_level(record: Meeting, ctx: Context) -> Iterator[Problem]:
    held = record.held
    if held is None or held.type not in CHAIRS:
        return
    chair = ctx.person(held.chair)
    wanted = CHAIRS[held.type]
    if chair is not None and not chair.has_role(*wanted):
        yield Problem(
            f"{held.type.label} chaired by {chair.display}, who is not {' / '.join(r.label for r in wanted)}",
            ("events", 0, "chair"), f"the {held.type.label} is chaired by {' or '.join(r.label for r in wanted)}",
        )
