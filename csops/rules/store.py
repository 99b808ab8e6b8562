"""The store's own checks: files where their ids say, ids unique, events in order, summaries folded.

These are not RULES.md rules; their ids are STORE-*. Format checks that happen while reading
(STORE-ENC/EMPTY/CONFLICT/YAML) and schema checks (STORE-SCHEMA/TIME/REF/ENUM) live in the store
and the checker; the ones here need a validated record or the whole tree.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from csops.context import Context
from csops.findings import Severity
from csops.models.common import EventedRecord, Record
from csops.rules import Problem, record_rule, tree_rule

# Clock skew between desks tolerated before an event counts as "in the future".
FUTURE_TOLERANCE = timedelta(minutes=5)


@record_rule("STORE-PATH-01", title="a record lives in the folder its id implies")
def record_in_its_folder(record: Record, ctx: Context) -> Iterator[Problem]:
    loaded = ctx.file_of(record)
    if loaded is None:
        return
    expected = record.expected_relpath()
    if loaded.records_rel != expected:
        yield Problem(
            f"record {record.id} is at records/{loaded.records_rel}, its id puts it at records/{expected}",
            ("id",), f"git mv {loaded.rel} records/{expected}",
        )


@tree_rule("STORE-ID-01", title="record ids are unique across the tree", enforcement="validation error",
           group=lambda r, ctx: f"{r.KIND}:{r.id}", min_members=2)
def unique_ids(ctx: Context) -> Iterator[Problem]:
    seen: dict[tuple[str, str], str] = {}
    for record, loaded in ctx.entries:
        key = (record.KIND, record.id)
        if key in seen:
            yield Problem(
                f"duplicate {record.KIND} id {record.id}: also in {seen[key]}", ("id",),
                "give one of them a new id (csops allocates ids per station; check `git config csops.station` "
                "differs between clones)", target=record,
            )
        else:
            seen[key] = loaded.rel


@record_rule("STORE-EVT-01", title="events are appended in time order")
def events_in_order(record: Record, ctx: Context) -> Iterator[Problem]:
    if not isinstance(record, EventedRecord):
        return
    events = record.events
    for i in range(1, len(events)):
        if events[i].at < events[i - 1].at:
            yield Problem(
                f"event {i + 1} ({events[i].action}) at {events[i].at.isoformat()} is earlier than the event before it",
                ("events", i, "at"), "events are append-only: add a correcting event instead of editing history",
            )


@record_rule("STORE-EVT-03", title="an evented record has at least one event")
def has_events(record: Record, ctx: Context) -> Iterator[Problem]:
    if isinstance(record, EventedRecord) and not record.events:
        yield Problem(
            f"{record.KIND} {record.id} has no events: nothing says who made it, when, or what state it is in",
            ("events",), "restore its history from git (git log -p -- FILE), or delete the file if the record was never real",
        )


@record_rule("STORE-EVT-02", title="no event is dated in the future")
def events_not_in_future(record: Record, ctx: Context) -> Iterator[Problem]:
    if not isinstance(record, EventedRecord):
        return
    for i, event in enumerate(record.events):
        if event.at > ctx.now + FUTURE_TOLERANCE:
            yield Problem(
                f"event {i + 1} ({event.action}) is dated {event.at.isoformat()}, after now ({ctx.now.isoformat()})",
                ("events", i, "at"), "check the machine clock and the event's time and UTC offset",
            )


@record_rule("STORE-FOLD-01", title="stored summary fields equal the fold of the events")
def summary_matches_fold(record: Record, ctx: Context) -> Iterator[Problem]:
    if not record.SUMMARY_FIELDS:
        return
    derived = record.derived_summary()
    for name in record.SUMMARY_FIELDS:
        stored = getattr(record, name, None)
        if name in derived and stored != derived[name]:
            shown = getattr(derived[name], "value", derived[name])
            yield Problem(
                f"`{name}` says {getattr(stored, 'value', stored)!r} but the events give {shown!r}",
                (name,), f"set `{name}: {shown}` (or let csops write the record)",
            )


@tree_rule("CAL-01", title="the calendar has official holiday data for this year and next",
           severity=Severity.warning)
def calendar_has_official_data(ctx: Context) -> Iterator[Problem]:
    covered = {d.year for d in ctx.policy.calendar.extra_holidays + ctx.policy.calendar.extra_workdays}
    this_year = ctx.calendar.local(ctx.now).date().year  # the same answer all day (csops.tracking)
    for year in (this_year, this_year + 1):
        if year not in covered and not ctx.calendar.has_official_data(year):
            yield Problem(
                f"no official holiday schedule for {year}: make-up workdays (调休) are unknown, deadlines may be off",
                ("calendar",),
                f"upgrade the holidays package, or add {year}'s schedule to calendar.extra_holidays and "
                "calendar.extra_workdays in records/policy.yaml",
                target=ctx.policy,
            )
