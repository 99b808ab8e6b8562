"""Rules of RULES.md §2: handovers (HOV-ARR/REC/SIGN/REF/ACC/REV/SEC/FD), duty (HOV-DUTY) and
shift swaps (HOV-SWP), plus the roster's approver (ROLE-01)."""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta

from csops import shifts
from csops.context import Context
from csops.findings import Severity
from csops.models.common import Level, Record, Role
from csops.models.handover import LIABLE_FOR, DutyEntry, DutyLog, Handover, HandoverType, Party
from csops.models.roster import Roster, Swap
from csops.models.staff import Staff
from csops.rules import Problem, record_rule, tree_rule

SUPERVISOR_HINT = "a shift lead (领班) or anyone of level shift_lead or above (csops staff list)"


def supervisor(person: Staff | None) -> bool:
    """Shift lead or above (HOV-REF-02, HOV-REV-01)."""
    return person is not None and (person.has_role(Role.shift_lead) or person.at_least(Level.shift_lead))


def _name(ctx: Context, staff_id: str | None) -> str:
    return ctx.name(staff_id)


# -- roster ---------------------------------------------------------------------------------


@record_rule("ROLE-01", "roster", title="the roster is drawn up by the CS supervisor (or the CS manager)",
             enforcement="approval required")
def roster_approver(record: Record, ctx: Context) -> Iterator[Problem]:
    assert isinstance(record, Roster)
    person = ctx.person(record.approved_by)
    if person is not None and not person.has_role(Role.cs_supervisor, Role.cs_manager):
        yield Problem(f"roster {record.id} approved_by {person.display}, who is not a CS supervisor or manager",
                      ("approved_by",), "the CS supervisor (客服主管) draws up and signs the roster")


@record_rule("STORE-ROSTER-01", "roster", title="roster days use the posts and shifts it defines, in its month")
def roster_well_formed(record: Record, ctx: Context) -> Iterator[Problem]:
    assert isinstance(record, Roster)
    year, month = record.month
    for day, plan in record.days.items():
        if (day.year, day.month) != (year, month):
            yield Problem(f"{day.isoformat()} is not in {record.id}", ("days", day.isoformat()),
                          f"move it to the roster of {day.year:04d}-{day.month:02d}")
        for post, by_shift in plan.on.items():
            for shift in by_shift:
                if record.window(post, shift) is None:
                    yield Problem(f"{day.isoformat()}: {post}.{shift} is not a shift of this roster",
                                  ("days", day.isoformat(), "on", post),
                                  "defined shifts: " + ", ".join(f"{p}.{s}" for p, ss in record.shifts.items() for s in ss))


def _month_days(year: int, month: int) -> list[date]:
    first = date(year, month, 1)
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return [first + timedelta(days=i) for i in range((nxt - first).days)]


@record_rule("HOV-DUTY-01", "roster", title="a duty manager for every calendar day")
def duty_every_day(record: Record, ctx: Context) -> Iterator[Problem]:
    assert isinstance(record, Roster)
    missing = [d for d in _month_days(*record.month) if record.days.get(d) is None or not record.days[d].duty_manager]
    if missing:
        shown = ", ".join(d.isoformat() for d in missing[:10]) + (" …" if len(missing) > 10 else "")
        yield Problem(f"roster {record.id} has no duty manager (值班经理) on {len(missing)} day(s): {shown}",
                      ("days",), f"csops roster set {missing[0].isoformat()} --duty 工号")
    for day, plan in record.days.items():
        person = ctx.person(plan.duty_manager)
        if person is not None and not (person.has_role(Role.duty_manager) or person.at_least(Level.middle)):
            yield Problem(f"{day.isoformat()}: duty manager {person.display} is not a duty manager",
                          ("days", day.isoformat(), "duty_manager"), "pick someone with the duty_manager role")


def _month_before(day: date) -> str:
    return (day.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")


def is_holiday(ctx: Context, day: date) -> bool:
    """Statutory holiday or a configured special day (HOV-DUTY-07, HOV-SWP-05, CFL-28)."""
    return ctx.calendar.is_statutory_holiday(day) or day in ctx.policy.calendar.special_days


@record_rule("HOV-DUTY-07", "roster", title="a middle-level-or-above manager on duty on holidays")
def holiday_duty_level(record: Record, ctx: Context) -> Iterator[Problem]:
    assert isinstance(record, Roster)
    for day, plan in sorted(record.days.items()):
        person = ctx.person(plan.duty_manager)
        if is_holiday(ctx, day) and person is not None and not person.at_least(Level.middle):
            name = ctx.calendar.holiday_name(day) or "特殊日"
            yield Problem(f"{day.isoformat()} ({name}): duty manager {person.display} is {person.level.label}, "
                          "holidays need middle level (中级) or above", ("days", day.isoformat(), "duty_manager"),
                          f"put a manager of level middle or senior on duty that day: "
                          f"csops roster set {day.isoformat()} --duty 工号 (a new month: csops roster new "
                          f"{day:%Y-%m} --from {_month_before(day)} --holiday-duty 工号)")


# -- swaps ----------------------------------------------------------------------------------


def _active_swaps(ctx: Context) -> list[Swap]:
    return list(_active(ctx))


def _active(ctx: Context) -> list[Swap]:
    return ctx.memo("keys.active_swaps", lambda: sorted(
        (s for s in ctx.of(Swap) if s.active),
        key=lambda s: (s.requested_at or datetime.max.replace(tzinfo=ctx.calendar.tz), s.id)))


def _swap_ids_by_month(ctx: Context) -> dict[tuple[str, str], list[str]]:
    """(month of the swapped shift, party) → ids of the active swaps, in ``_active_swaps`` order."""
    def build() -> dict[tuple[str, str], list[str]]:
        out: dict[tuple[str, str], list[str]] = defaultdict(list)
        for s in _active(ctx):
            month = s.shift.date.strftime("%Y-%m")
            for party in dict.fromkeys(s.parties()):
                out[(month, party)].append(s.id)
        return out

    return ctx.memo("keys.swap_ids_by_month", build)


def _swaps_by_party(ctx: Context) -> dict[str, tuple[list[datetime], list[date], list[tuple[int, Swap]]]]:
    """Party → their active requested swaps in ``_active_swaps`` order: request times, the latest last day
    (shift or repay) of any swap so far, and (position, swap)."""
    def build() -> dict[str, tuple[list[datetime], list[date], list[tuple[int, Swap]]]]:
        out: dict[str, tuple[list[datetime], list[date], list[tuple[int, Swap]]]] = {}
        for pos, s in enumerate(_active(ctx)):
            if s.requested_at is None:
                continue
            last_day = max(s.shift.date, s.repay.date)
            for party in dict.fromkeys(s.parties()):
                times, reach, rows = out.setdefault(party, ([], [], []))
                times.append(s.requested_at)
                reach.append(max(reach[-1], last_day) if reach else last_day)
                rows.append((pos, s))
        return out

    return ctx.memo("keys.swaps_by_party", build)


def _approver(ctx: Context, staff_id: str) -> bool:
    """The department (or CS) manager signs the 换班登记表 (HOV-SWP-01, CFL-02)."""
    person = ctx.person(staff_id)
    return person is not None and person.has_role(Role.dept_manager, Role.cs_manager)


@record_rule("HOV-SWP-01", "swap", title="a swap takes effect only with both consents and the manager's approval",
             enforcement="approval required")
def swap_consent_and_approval(record: Record, ctx: Context) -> Iterator[Problem]:
    assert isinstance(record, Swap)
    if record.requester == record.counterpart:
        yield Problem("a swap needs two different people", ("counterpart",), "name the colleague who takes the shift")
    actions = [e.action for e in record.events]
    for i, event in enumerate(record.events):
        if event.action == "requested" and event.by != record.requester:
            yield Problem(f"the request must come from the requester {_name(ctx, record.requester)}",
                          ("events", i, "by"), "the person giving up the shift files the swap")
        if event.action == "agreed" and event.by != record.counterpart:
            yield Problem(f"only the counterpart {_name(ctx, record.counterpart)} can consent",
                          ("events", i, "by"), f"csops --as {record.counterpart} swap agree {record.id}")
        if event.action == "declined" and event.by != record.counterpart and not (
                "agreed" in actions[:i] and _approver(ctx, event.by)):
            yield Problem(f"only the counterpart {_name(ctx, record.counterpart)}, or the manager once they agreed, "
                          "can decline", ("events", i, "by"), f"csops --as {record.counterpart} swap decline {record.id}")
        if event.action == "withdrawn" and (event.by != record.requester or "approved" in actions[:i]):
            yield Problem(f"only the requester {_name(ctx, record.requester)} withdraws, and only before approval",
                          ("events", i, "by"), "an approved swap stands; file a new swap to undo it")
        if event.action == "approved":
            if "agreed" not in actions[:i]:
                yield Problem("approved before the counterpart consented", ("events", i),
                              f"csops --as {record.counterpart} swap agree {record.id} first")
            if ctx.policy.swap.approval == "dept_manager" and not _approver(ctx, event.by):
                yield Problem(f"{_name(ctx, event.by)} cannot approve swaps: the department manager signs "
                              "the 换班登记表", ("events", i, "by"), "ask the CS/department manager to approve")
    if not record.active:
        return
    others = shifts.approved(ctx, without=[record.id])
    for ref, party, loc in ((record.shift, record.requester, "shift"), (record.repay, record.counterpart, "repay")):
        slot = shifts.who(ctx, ref.date, ref.post, ref.shift, others)
        if slot is None or slot.staff != party:
            holder = _name(ctx, slot.staff) if slot else "nobody"
            yield Problem(f"{ref} is not {_name(ctx, party)}'s shift in the roster (it is {holder}'s)", (loc,),
                          "check the roster: csops roster show --month " + ref.date.strftime("%Y-%m"))


@record_rule("HOV-SWP-02", "swap", title="at most swap.max_per_month swaps per person per month")
def swap_monthly_limit(record: Record, ctx: Context) -> Iterator[Problem]:
    assert isinstance(record, Swap)
    if not record.active:
        return
    limit = ctx.policy.swap.max_per_month
    month = record.shift.date.strftime("%Y-%m")
    by_month = _swap_ids_by_month(ctx)
    for party in record.parties():
        ids = by_month.get((month, party), [])
        if record.id in ids and ids.index(record.id) >= limit:
            earlier = ", ".join(ids[:limit])
            yield Problem(f"{_name(ctx, party)} would have {ids.index(record.id) + 1} swaps in {month}; the limit "
                          f"is {limit} (swap.max_per_month) and {limit} are already filed: {earlier}",
                          ("shift", "date"), "swap in another month, or withdraw a swap not yet approved (csops swap withdraw ID)")


@record_rule("HOV-SWP-03", "swap", title="no consecutive swaps and no back-to-back shifts (连班)")
def swap_no_back_to_back(record: Record, ctx: Context) -> Iterator[Problem]:
    assert isinstance(record, Swap)
    if not record.active or record.requested_at is None:
        return
    asked_on = ctx.calendar.local(record.requested_at).date()
    # Only earlier swaps of the same people not repaid before this one was asked can yield a finding.
    earlier: dict[int, Swap] = {}
    by_party = _swaps_by_party(ctx)
    for party in set(record.parties()):
        times, reach, rows = by_party.get(party, ([], [], []))
        j = bisect_left(times, record.requested_at) - 1
        while j >= 0 and reach[j] >= asked_on:
            pos, other = rows[j]
            if max(other.shift.date, other.repay.date) >= asked_on:
                earlier[pos] = other
            j -= 1
    for _, other in sorted(earlier.items()):
        if other.id == record.id or other.requested_at is None or other.requested_at >= record.requested_at:
            continue
        last_day = max(other.shift.date, other.repay.date)
        # In the record's own order (requester, counterpart): the same findings in the same order on every run.
        for party in dict.fromkeys(p for p in record.parties() if p in other.parties()):
            if last_day >= asked_on:
                yield Problem(f"{_name(ctx, party)}'s previous swap {other.id} is not repaid until "
                              f"{last_day.isoformat()}: consecutive swaps are not allowed", ("events", 0),
                              f"request this swap after {last_day.isoformat()}")
    days = {record.shift.date, record.repay.date}
    around = {d + timedelta(days=k) for d in days for k in (-1, 0, 1)}
    swaps = shifts.approved(ctx, extra=[record])
    for party in record.parties():
        for a, b in shifts.back_to_back(shifts.person_slots(ctx, party, around, swaps)):
            if a.day in days or b.day in days:
                yield Problem(f"after the swap {_name(ctx, party)} would work back-to-back shifts (连班): "
                              f"{a.label} then {b.label}", ("repay",), "pick a shift that leaves a gap for both")


@tree_rule("HOV-SWP-04", title="no leave on a swap or repay day", enforcement="validation error")
def swap_no_leave(ctx: Context) -> Iterator[Problem]:
    for record in _active_swaps(ctx):
        for loc, ref in (("shift", record.shift), ("repay", record.repay)):
            roster = shifts.roster_for(ctx, ref.date)
            plan = roster.days.get(ref.date) if roster else None
            for party in record.parties():
                if plan is not None and party in plan.leave:
                    yield Problem(f"{_name(ctx, party)} is on leave on {ref.date.isoformat()}, a swap/repay day of "
                                  f"{record.id} (leave on a swapped shift counts as absenteeism)", (loc, "date"),
                                  "cancel the leave or the swap", target=record)


@record_rule("HOV-SWP-05", "swap", title="no swaps of statutory-holiday shifts")
def swap_not_on_holiday(record: Record, ctx: Context) -> Iterator[Problem]:
    assert isinstance(record, Swap)
    if not record.active:
        return
    for loc, ref in (("shift", record.shift), ("repay", record.repay)):
        if is_holiday(ctx, ref.date):
            name = ctx.calendar.holiday_name(ref.date) or "特殊日"
            yield Problem(f"{ref.date.isoformat()} is a holiday ({name}): staff rostered on holidays may not swap",
                          (loc, "date"), "holiday shifts stay as rostered")


@record_rule("HOV-SWP-05", "roster", title="no leave on statutory holidays")
def no_leave_on_holiday(record: Record, ctx: Context) -> Iterator[Problem]:
    """节假日当班人员不允许换班或请假: the roster's leave list is empty on holidays and special days."""
    assert isinstance(record, Roster)
    for day, plan in sorted(record.days.items()):
        if plan.leave and is_holiday(ctx, day):
            name = ctx.calendar.holiday_name(day) or "特殊日"
            who = "、".join(_name(ctx, s) for s in plan.leave)
            yield Problem(f"{day.isoformat()} is a holiday ({name}): staff on holiday duty may not take leave ({who})",
                          ("days", day.isoformat(), "leave"), "holiday shifts stay as rostered; no leave that day")


@record_rule("HOV-SWP-07", "swap", title="a swap is arranged before the shift starts")
def swap_in_advance(record: Record, ctx: Context) -> Iterator[Problem]:
    assert isinstance(record, Swap)
    asked = record.requested_at
    if asked is None or not record.active:
        return
    for loc, ref in (("shift", record.shift), ("repay", record.repay)):
        start = shifts.shift_start(ctx, ref.date, ref.post, ref.shift)
        if start is not None and asked >= start:
            yield Problem(f"requested at {asked.isoformat()}, after {ref} started ({start.isoformat()})",
                          (loc,), "swaps are agreed in advance; an absence without one is recorded as such")


@record_rule("HOV-SWP-08", "swap", title="a swap states its reason", enforcement="form field")
def swap_reason(record: Record, ctx: Context) -> Iterator[Problem]:
    assert isinstance(record, Swap)
    if not record.reason.strip():
        yield Problem("the swap has no reason", ("reason",), "say why (e.g. 本人需亲自处理的事情)")


# -- handovers ------------------------------------------------------------------------------


@record_rule("STORE-HANDOVER-01", "handover", title="a handover's id is its date, post and shift")
def handover_id_matches(record: Record, ctx: Context) -> Iterator[Problem]:
    assert isinstance(record, Handover)
    expected = Handover.make_id(record.date, record.post, record.shift)
    if record.id != expected:
        yield Problem(f"id {record.id} does not match date/post/shift ({expected})", ("id",),
                      f"set id: {expected} and move the file to records/{record.model_copy(update={'id': expected}).expected_relpath()}")


@record_rule("HOV-SIGN-01", "handover", title="the outgoing signs and the incoming accepts; parties as rostered")
def handover_parties(record: Record, ctx: Context) -> Iterator[Problem]:
    assert isinstance(record, Handover)
    if record.outgoing == record.incoming:
        yield Problem("outgoing and incoming are the same person", ("incoming",), "the next shift's person takes over")
    signed = False
    for i, event in enumerate(record.events):
        if event.action in ("opened", "signed", "answered") and event.by != record.outgoing:
            yield Problem(f"{event.action} by {_name(ctx, event.by)}, not the outgoing {_name(ctx, record.outgoing)}",
                          ("events", i, "by"), f"only the outgoing {record.outgoing} does this")
        if event.action in ("asked", "accepted", "refused") and event.by != record.incoming:
            yield Problem(f"{event.action} by {_name(ctx, event.by)}, not the incoming {_name(ctx, record.incoming)}",
                          ("events", i, "by"), f"csops --as {record.incoming} handover …")
        signed = signed or event.action == "signed"
        if event.action in ("accepted", "refused") and not signed:
            yield Problem(f"{event.action} before the outgoing signed", ("events", i),
                          f"csops --as {record.outgoing} handover sign {record.id}")


@record_rule("HOV-SWP-01", "handover", title="handover parties are who the effective roster (swaps applied) says")
def handover_matches_roster(record: Record, ctx: Context) -> Iterator[Problem]:
    assert isinstance(record, Handover)
    if shifts.roster_for(ctx, record.date) is None:
        yield Problem(f"there is no roster for {record.date:%Y-%m}: the handover's parties and shift times "
                      "cannot be checked against it", ("date",),
                      f"the CS supervisor adds it first: csops roster new {record.date:%Y-%m} "
                      f"--from {_month_before(record.date)} (or --file draft.yaml)")
        return
    incoming = shifts.who(ctx, record.date, record.post, record.shift)
    outgoing = shifts.outgoing_slot(ctx, record.date, record.post, record.shift, record.from_post)
    for party, slot, what in (("incoming", incoming, record.incoming), ("outgoing", outgoing, record.outgoing)):
        if slot is None:
            yield Problem(f"the roster has nobody on the {party} shift of {record.id}", (party,),
                          f"csops roster show --month {record.date:%Y-%m}")
        elif slot.staff != what:
            via = " (by an approved swap)" if slot.origin != "roster" else ""
            yield Problem(f"{party} is {_name(ctx, what)}, but the roster has {_name(ctx, slot.staff)} on "
                          f"{slot.label}{via}", (party,), f"the {party} is {slot.staff}")


@record_rule("HOV-ARR-01", "handover", title="the incoming arrives incoming_early_min before the shift",
             severity=Severity.warning, enforcement="warning")
def arrival_early(record: Record, ctx: Context) -> Iterator[Problem]:
    assert isinstance(record, Handover)
    start = shifts.shift_start(ctx, record.date, record.post, record.shift)
    early = ctx.policy.handover.incoming_early_min
    if start is not None and record.arrived_at is not None and record.arrived_at > start - timedelta(minutes=early):
        late = int((record.arrived_at - (start - timedelta(minutes=early))).total_seconds() // 60)
        yield Problem(f"{_name(ctx, record.incoming)} arrived {ctx.calendar.local(record.arrived_at):%H:%M}, "
                      f"{late} min later than {early} min before the shift ({start:%H:%M})", ("arrived_at",),
                      "the incoming shift arrives early to prepare the handover")


@record_rule("HOV-REC-01", "handover", title="the outgoing records the shift's work before signing")
def shift_summary(record: Record, ctx: Context) -> Iterator[Problem]:
    assert isinstance(record, Handover)
    if record.first("signed") and not record.shift_summary.strip():
        yield Problem("signed without a shift summary (本班工作情况)", ("shift_summary",),
                      f"csops --as {record.outgoing} handover sign {record.id} --summary '本班…'")


@record_rule("HOV-REC-07", "handover", title="each configured check item is √ or ×, × with a note")
def checklist_complete(record: Record, ctx: Context) -> Iterator[Problem]:
    assert isinstance(record, Handover)
    for i, entry in enumerate(record.checklist):
        if entry.result.value == "fault" and not (entry.note or "").strip():
            yield Problem(f"check item {entry.item} is × without a note", ("checklist", i, "note"),
                          f"csops --as {record.outgoing} handover check {record.id} --check {entry.item}=x:'what is wrong'")
    if not record.first("signed"):
        return
    items = ctx.policy.handover.check_items.get(record.from_post or record.post, [])
    done = {e.item for e in record.checklist}
    missing = [item for item in items if item not in done]
    if missing:
        yield Problem(f"signed with check items not recorded: {', '.join(missing)}", ("checklist",),
                      f"csops --as {record.outgoing} handover sign {record.id} "
                      + " ".join(f"--check {m}=ok" for m in missing) + " (× with a note: --check ITEM=x:'…')")


@record_rule("HOV-SIGN-03", "handover", title="complete only when both signed and every question is answered")
def completion(record: Record, ctx: Context) -> Iterator[Problem]:
    assert isinstance(record, Handover)
    accepted = record.first("accepted")
    if accepted is None:
        return
    loc = ("events", record.events.index(accepted))
    open_questions = [n for n, (_, answer) in enumerate(record.questions(), 1)
                      if answer is None or any(e.action == "answered" and e.question_no == n and e.at > accepted.at
                                               for e in record.events)]
    if open_questions:
        yield Problem(f"accepted with question(s) {', '.join(map(str, open_questions))} unanswered", loc,
                      f"csops --as {record.outgoing} handover answer {record.id} N --answer …")


@record_rule("HOV-REF-01", "handover", title="no completion while a refusal (四不接) stands")
def refusal_blocks(record: Record, ctx: Context) -> Iterator[Problem]:
    assert isinstance(record, Handover)
    standing = None
    for i, event in enumerate(record.events):
        if event.action == "refused":
            standing = event
        elif event.action == "resolved":
            standing = None
        elif event.action == "accepted" and standing is not None:
            yield Problem(f"accepted while the refusal ({standing.ground.label}) is not resolved by the supervisor",
                          ("events", i), f"csops --as {standing.escalated_to} handover resolve {record.id} --resolution …")


@record_rule("HOV-REF-02", "handover", title="a refusal is reported to a supervisor, who resolves it",
             enforcement="approval required")
def refusal_escalated(record: Record, ctx: Context) -> Iterator[Problem]:
    assert isinstance(record, Handover)
    escalated: str | None = None
    for i, event in enumerate(record.events):
        if event.action == "refused":
            escalated = event.escalated_to
            person = ctx.person(event.escalated_to)
            if not supervisor(person) or event.escalated_to in (record.outgoing, record.incoming):
                yield Problem(f"refusal escalated to {_name(ctx, event.escalated_to)}, who is not a supervisor",
                              ("events", i, "escalated_to"), SUPERVISOR_HINT)
        if event.action == "resolved":
            person = ctx.person(event.by)
            if escalated is None:
                yield Problem("resolved without a refusal", ("events", i), "only a refused handover is resolved")
            elif event.by != escalated and not (person and person.at_least(Level.supervisor)):
                yield Problem(f"resolved by {_name(ctx, event.by)}; the refusal went to {_name(ctx, escalated)}",
                              ("events", i, "by"), f"csops --as {escalated} handover resolve {record.id} …")


@record_rule("HOV-REF-01", "handover",
             title="a refusal on other grounds than 四不接 says what is unfinished (CFL-20's default)")
def other_refusal(record: Record, ctx: Context) -> Iterator[Problem]:
    """RULES.md CFL-20's default: the four fixed grounds block; ``other`` unfinished work or an
    unanswered problem (制度4 1.6) may be refused too, with what it is and a report to the shift lead."""
    assert isinstance(record, Handover)
    for i, event in enumerate(record.events):
        if event.action == "refused" and event.ground.value == "other" and not (event.note or "").strip():
            yield Problem("a refusal on other grounds must say what is unfinished (CFL-20)", ("events", i, "note"),
                          f"csops --as {record.incoming} handover refuse {record.id} --ground other "
                          "--note '未完成的工作或未答复的问题'")


@record_rule("HOV-ACC-03", "handover", title="missed or wrong handover → outgoing; wrong acceptance → incoming",
             enforcement="audit check")
def accountability(record: Record, ctx: Context) -> Iterator[Problem]:
    assert isinstance(record, Handover)
    for i, event in enumerate(record.events):
        if event.action == "liability":
            if not any(e.action == "accepted" for e in record.events[:i]):
                yield Problem("liability recorded on a handover that is not complete: until the incoming accepts, "
                              f"the outgoing {_name(ctx, record.outgoing)} is still on duty and answers for the post",
                              ("events", i), "a problem found before acceptance is a refusal (csops handover refuse)")
            if not supervisor(ctx.person(event.by)):
                yield Problem(f"liability recorded by {_name(ctx, event.by)}, who is not a shift lead or above",
                              ("events", i, "by"), SUPERVISOR_HINT)
            party = LIABLE_FOR[event.cause]
            expected = record.outgoing if party is Party.outgoing else record.incoming
            if event.liable != expected:
                yield Problem(f"{event.cause.label}: liable is the {party.label} {_name(ctx, expected)}, not "
                              f"{_name(ctx, event.liable)}", ("events", i, "liable"), f"liable: {expected}")


@record_rule("HOV-SEC-01", "handover", title="after-hours items in the 08:00 handover link real tickets")
def after_hours_items(record: Record, ctx: Context) -> Iterator[Problem]:
    assert isinstance(record, Handover)
    from csops.models import kinds

    if "ticket" not in kinds():
        return
    for i, item in enumerate(record.after_hours):
        if item.ticket and ctx.get("ticket", item.ticket) is None:
            yield Problem(f"after-hours item {i + 1} links ticket {item.ticket}, which does not exist",
                          ("after_hours", i, "ticket"), "csops ticket list")


@record_rule("HOV-SEC-03", "handover", title="urgent matters at a CS-security handover go to both managers at once")
def urgent_reported(record: Record, ctx: Context) -> Iterator[Problem]:
    assert isinstance(record, Handover)
    if not record.urgent:
        return
    for field, who, option in (("reported_to_cs_manager_at", "the CS manager", "--reported-cs-manager"),
                               ("reported_to_security_manager_at", "the security manager",
                                "--reported-security-manager")):
        if getattr(record, field) is None:
            yield Problem(f"urgent handover not reported to {who}", (field,), f"{option} HH:MM")


@record_rule("HOV-FD-03", "handover", title="the front-desk handover lists the keys handed over")
def front_desk_keys(record: Record, ctx: Context) -> Iterator[Problem]:
    assert isinstance(record, Handover)
    if record.type is HandoverType.front_desk and record.first("signed") and not record.keys:
        yield Problem("front-desk handover signed without the front-desk keys (前台钥匙) listed", ("keys",),
                      "--key 前台钥匙 (KEY-FD-01)")


@record_rule("HOV-FD-05", "handover", title="front-desk items locked in the cabinet at handover")
def front_desk_cabinet(record: Record, ctx: Context) -> Iterator[Problem]:
    assert isinstance(record, Handover)
    if record.type is HandoverType.front_desk and record.first("signed") and record.cabinet_locked is not True:
        yield Problem("front-desk handover signed without the cabinet locked", ("cabinet_locked",),
                      "lock the front-desk cabinet, then --cabinet-locked")


def _local_day(ctx: Context) -> date:
    return ctx.calendar.local(ctx.now).date()


@tree_rule("HOV-REV-01", title="the shift lead reviews each day's handover records",
           severity=Severity.warning, enforcement="audit check")
def daily_review(ctx: Context) -> Iterator[Problem]:
    by_day = handovers_by_day(ctx)
    for _day, records in sorted(by_day.items()):
        for record in records:
            for i, event in enumerate(record.events):
                if event.action == "reviewed" and not supervisor(ctx.person(event.by)):
                    yield Problem(f"reviewed by {_name(ctx, event.by)}, who is not a shift lead", ("events", i, "by"),
                                  SUPERVISOR_HINT, severity=Severity.error, target=record)
    for day, ids in unreviewed_days(ctx).items():
        yield Problem(f"{day.isoformat()}: {len(ids)} handover record(s) not reviewed by the shift lead: "
                      + ", ".join(ids), ("events",), f"csops handover review {day.isoformat()}",
                      target=min(by_day[day], key=lambda r: r.id))


def handovers_by_day(ctx: Context) -> dict[date, list[Handover]]:
    """Day → its handover records, in tree order."""
    def build() -> dict[date, list[Handover]]:
        by_day: dict[date, list[Handover]] = defaultdict(list)
        for record in ctx.of(Handover):
            by_day[record.date].append(record)
        return dict(by_day)

    return ctx.memo("keys.handovers_by_day", build)


def unreviewed_days(ctx: Context) -> dict[date, list[str]]:
    """HOV-REV-01: each past day with handover records the shift lead has not reviewed, and their ids."""
    by_day = handovers_by_day(ctx)
    return unreviewed_of(((day, r.id, bool(r.first("reviewed"))) for day, records in by_day.items() for r in records),
                         _local_day(ctx))


def unreviewed_of(handovers: Iterable[tuple[date, str, bool]], today: date) -> dict[date, list[str]]:
    """HOV-REV-01 over (day, id, reviewed) of each handover record: past days → ids not reviewed."""
    by_day: dict[date, list[str]] = {}
    for day, record_id, reviewed in handovers:
        if day < today and not reviewed:
            by_day.setdefault(day, []).append(record_id)
    return {day: sorted(ids) for day, ids in sorted(by_day.items())}


def missed_security_handovers(ctx: Context, rule_type: HandoverType) -> list[tuple[date, datetime]]:
    """HOV-SEC-01/02: (day, due time) of each working day, from the first handover record to today, whose
    08:00 (security → CS) or 18:00 (CS → security) handover record is missing though it was due."""
    handovers = list(ctx.of(Handover))
    slot_index = SECURITY_SLOT[rule_type]
    times = ctx.policy.handover.security_handover_times
    if not handovers or len(times) <= slot_index:
        return []
    have = {h.date for h in handovers if h.type is rule_type}
    out = []
    day = min(h.date for h in handovers)
    while day <= _local_day(ctx):
        due = shifts.at_time(ctx, day, times[slot_index])
        if ctx.calendar.is_workday(day) and shifts.roster_for(ctx, day) and due <= ctx.now and day not in have:
            out.append((day, due))
        day += timedelta(days=1)
    return out


#: Which of ``handover.security_handover_times`` each CS↔security handover is due at.
SECURITY_SLOT = {HandoverType.security_to_cs: 0, HandoverType.cs_to_security: 1}


def _security_due(ctx: Context, rule_type: HandoverType) -> Iterator[Problem]:
    target: Handover | None = None
    for day, due in missed_security_handovers(ctx, rule_type):
        target = target or min(ctx.of(Handover), key=lambda r: r.id)
        yield Problem(f"{day.isoformat()}: no {rule_type.label} handover record (due {due:%H:%M})", ("date",),
                      f"csops handover open {day.isoformat()} … --type {rule_type.value}", target=target)


@tree_rule("HOV-SEC-01", title="CS takes over from the security control room at 08:00 on working days",
           severity=Severity.warning, enforcement="computed deadline")
def morning_handover_due(ctx: Context) -> Iterator[Problem]:
    yield from _security_due(ctx, HandoverType.security_to_cs)


@tree_rule("HOV-SEC-02", title="CS hands the book to the security control room at 18:00 on working days",
           severity=Severity.warning, enforcement="computed deadline")
def evening_handover_due(ctx: Context) -> Iterator[Problem]:
    yield from _security_due(ctx, HandoverType.cs_to_security)


# -- duty log -------------------------------------------------------------------------------


@record_rule("HOV-DUTY-02", "duty_log", title="the duty record names the duty person, start and end")
def duty_log_complete(record: Record, ctx: Context) -> Iterator[Problem]:
    assert isinstance(record, DutyLog)
    if record.end <= record.start:
        yield Problem("duty ends before it starts", ("end",), "check start and end times")
    roster = shifts.roster_for(ctx, date.fromisoformat(record.id))
    plan = roster.days.get(date.fromisoformat(record.id)) if roster else None
    if plan is not None and plan.duty_manager and plan.duty_manager != record.duty_person:
        yield Problem(f"duty person is {_name(ctx, record.duty_person)}, the roster has {_name(ctx, plan.duty_manager)}",
                      ("duty_person",), "change the roster first (csops roster set … --duty)",
                      severity=Severity.warning)


@record_rule("HOV-REV-02", "duty_log", title="duty inspections are by the CS-centre director (or a senior manager)",
             enforcement="form field")
def duty_inspections(record: Record, ctx: Context) -> Iterator[Problem]:
    assert isinstance(record, DutyLog)
    for i, event in enumerate(record.events):
        person = ctx.person(event.by)
        if event.action == "inspected" and not (
                person and (person.has_role(Role.cs_centre_director) or person.at_least(Level.senior))):
            yield Problem(f"inspection by {_name(ctx, event.by)}, who is not the CS-centre director",
                          ("events", i, "by"), "the CS-centre director (客户服务中心主任) inspects duty")


@record_rule("HOV-DUTY-04", "duty_log", title="major events are reported at once and in writing the next day")
def duty_major_events(record: Record, ctx: Context) -> Iterator[Problem]:
    assert isinstance(record, DutyLog)
    for n, entry in enumerate(record.entries(), 1):
        if not entry.major:
            continue
        if not entry.reported_to or not entry.reported_at:
            yield Problem(f"major event {n} has no reported_to/reported_at", ("events",),
                          "--reported-to 工号 of the CS manager")
        due = written_report_due(ctx, entry)
        if entry.written_report_at is None and ctx.now >= due:
            yield Problem(f"major event {n}: written report was due by the end of "
                          f"{(due - timedelta(days=1)).date().isoformat()}", ("events",),
                          f"csops duty report {record.id} {n}", severity=Severity.warning)


def written_report_due(ctx: Context, entry: DutyEntry) -> datetime:
    """HOV-DUTY-04: a major duty event's written report is due by the end of the next day."""
    return datetime.combine(ctx.calendar.local(entry.at).date() + timedelta(days=2), datetime.min.time(),
                            ctx.calendar.tz)
