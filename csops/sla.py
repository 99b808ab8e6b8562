"""Ticket deadlines, computed from the record, the policy and the business calendar alone.

Nothing here reads the clock: :func:`deadlines` needs no "now" at all, and :meth:`Deadline.state`
takes it as an argument. The same record and policy therefore give the same deadlines on any machine,
on any date. Waiting-for-customer pauses come from ``wait``/``resume`` events: a pause that starts
before a deadline pushes it back by the pause's length (in working minutes for working-hour clocks,
in clock time otherwise); while a pause is open the clock is stopped and the deadline is "paused".
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from csops.calendar import BusinessCalendar
from csops.models.policy import Policy, Severity3
from csops.models.ticket import CALLBACK_TYPES, Severity, Ticket, TicketType, status_label

if TYPE_CHECKING:
    from csops.context import Context

FORWARD_RULE = {Severity.major: "TKT-SLA-01", Severity.general: "TKT-SLA-02", Severity.minor: "TKT-SLA-03"}

STATE_LABELS = {"met": "按时完成", "missed": "超时完成", "overdue": "已超时", "pending": "未到期",
                "paused": "暂停(等待客户)", "void": "不适用(已结案)"}


@dataclass(frozen=True)
class Deadline:
    key: str
    rule: str
    label: str
    due: datetime | None  # None while the clock is stopped (waiting for the customer)
    done_at: datetime | None = None
    #: When the ticket was closed with this deadline still open (its clock stops there).
    closed_at: datetime | None = None

    def settled(self) -> str | None:
        """The state when it no longer depends on "now" (met, missed, paused, void); None while open."""
        if self.done_at is not None:
            return "met" if self.due is None or self.done_at <= self.due else "missed"
        if self.due is None:
            return "paused"
        if self.closed_at is not None:
            return "void" if self.closed_at <= self.due else "missed"
        return None

    def state(self, now: datetime) -> str:
        if self.done_at is not None:
            return "met" if self.due is None or self.done_at <= self.due else "missed"
        if self.due is None:
            return "paused"
        if self.closed_at is not None:
            return "void" if self.closed_at <= self.due else "missed"
        return "overdue" if now > self.due else "pending"

    def breached(self, now: datetime) -> bool:
        return self.state(now) in ("missed", "overdue")

    def as_dict(self, now: datetime) -> dict[str, Any]:
        state = self.state(now)
        remaining = int((self.due - now).total_seconds() // 60) if self.due and state == "pending" else None
        return {
            "key": self.key, "rule": self.rule, "label": self.label,
            "due": self.due.isoformat() if self.due else None,
            "done_at": self.done_at.isoformat() if self.done_at else None,
            "state": state, "state_label": STATE_LABELS[state], "remaining_min": remaining,
        }


def severity_key(severity: Severity) -> Severity3:
    """The policy's per-severity tables are keyed by the identifier."""
    return cast(Severity3, severity.value)


def is_night(cal: BusinessCalendar, instant: datetime) -> bool:
    """Night duty (TKT-NGT-01, CFL-24): before the morning handover, after night_start, or a day off."""
    local = cal.local(instant)
    sla = cal.policy.sla
    if not cal.is_workday(local.date()):
        return True
    return local.time() >= sla.night_start or local.time() < sla.night_handover_time


def night_intakes(ctx: Context, day: date) -> list[Ticket]:
    """Tickets taken at night whose 08:00 handover to CS falls on ``day`` (TKT-NGT-04, HOV-SEC-01)."""
    return list(ctx.memo("tickets.night_intakes_by_day", lambda: _night_intakes_by_day(ctx)).get(day, ()))


def night_mornings(ctx: Context) -> list[tuple[Ticket, datetime]]:
    """(ticket, the morning handover it belongs to) for every ticket taken at night, in tree order."""
    def build() -> list[tuple[Ticket, datetime]]:
        found = []
        for t in ctx.of(Ticket):
            if t.events:
                cal = ticket_calendar(ctx, t)
                if is_night(cal, t.received_at):
                    found.append((t, morning_after(cal, t.received_at)))
        return found

    return ctx.memo("tickets.night_mornings", build)


def _night_intakes_by_day(ctx: Context) -> dict[date, list[Ticket]]:
    by_day: dict[date, list[Ticket]] = {}
    for ticket, morning in night_mornings(ctx):
        by_day.setdefault(morning.date(), []).append(ticket)
    for found in by_day.values():
        found.sort(key=lambda t: (t.received_at, t.id))
    return by_day


def morning_after(cal: BusinessCalendar, instant: datetime) -> datetime:
    """TKT-NGT-02: the first working morning at the handover time after a night intake."""
    local = cal.local(instant)
    at = cal.policy.sla.night_handover_time
    if cal.is_workday(local.date()) and local.time() < at:
        return datetime.combine(local.date(), at, cal.tz)
    return cal.next_working_day_at(instant, at)


def pauses(ticket: Ticket) -> list[tuple[datetime, datetime | None]]:
    out: list[tuple[datetime, datetime | None]] = []
    start: datetime | None = None
    for event in ticket.events:
        if event.action == "wait" and start is None:
            start = event.at
        elif event.action == "resume" and start is not None:
            out.append((start, event.at))
            start = None
    if start is not None:
        out.append((start, None))
    return out


def _extend(cal: BusinessCalendar, due: datetime, spans: list[tuple[datetime, datetime | None]],
            working: bool) -> datetime | None:
    for begin, end in spans:
        if begin >= due:
            break
        if end is None:
            return None
        if working:
            due = cal.add_working_minutes(due, cal.working_minutes_between(begin, end))
        else:
            due = due + (end - begin)
    return due


def _first(ticket: Ticket, actions: tuple[str, ...], after: datetime | None = None,
           before: datetime | None = None, cond: Any = None) -> datetime | None:
    for event in ticket.events[1:]:
        if event.action not in actions:
            continue
        if after is not None and event.at < after:
            continue
        if before is not None and event.at >= before:
            continue
        if cond is not None and not cond(event):
            continue
        at: datetime = event.at
        return at
    return None


def ticket_calendar(ctx: Context, ticket: Ticket) -> BusinessCalendar:
    """The calendar of the policy in force when ``ticket`` was received (issue 10, item 6): a later
    policy edit changes no deadline, verdict or KPI of a ticket received before it."""
    return ctx.calendar_at(ticket.received_at) if ticket.events else ctx.calendar


def ticket_policy(ctx: Context, ticket: Ticket) -> Policy:
    """The policy in force when ``ticket`` was received (see ``ticket_calendar``)."""
    return ctx.policy_at(ticket.received_at) if ticket.events else ctx.policy


def ticket_deadlines(ctx: Context, ticket: Ticket) -> list[Deadline]:
    """``deadlines(ticket, ticket_calendar(ctx, ticket))``, computed once per ticket per tree (do not
    mutate the list)."""
    memo: dict[str, tuple[Ticket, list[Deadline]]] = ctx.memo("tickets.deadlines", dict)
    hit = memo.get(ticket.id)
    if hit is not None and hit[0] is ticket:
        return hit[1]
    found = deadlines(ticket, ticket_calendar(ctx, ticket))
    memo[ticket.id] = (ticket, found)
    return found


def deadlines(ticket: Ticket, cal: BusinessCalendar) -> list[Deadline]:
    """Every deadline of ``ticket`` with the time it was met (if it was)."""
    if not ticket.events:
        return []
    sla = cal.policy.sla
    received = ticket.received_at
    state = ticket.fold()
    severity = state.severity
    spans = pauses(ticket)
    closes = ticket.of_action("close")
    closed_at = closes[-1].at if closes and state.status.value == "closed" else None
    handled = _first(ticket, ("forward", "assign", "resolve"))
    resolved = _first(ticket, ("resolve",))
    night = is_night(cal, received)
    out: list[Deadline] = []

    def add(key: str, rule: str, label: str, due: datetime | None, done: datetime | None) -> None:
        out.append(Deadline(key, rule, label, due, done, closed_at if done is None else None))

    def working(hours: int) -> datetime | None:
        return _extend(cal, cal.add_working_minutes(received, hours * 60), spans, True)

    major_matter = ticket.type is TicketType.complaint and severity is Severity.major
    if ticket.type is TicketType.complaint and severity is not None:
        if night and not major_matter:
            # "次日第一时间": the morning handover, plus the usual forwarding allowance of the severity.
            due = morning_after(cal, received) + timedelta(minutes=sla.complaint.forward_min[severity_key(severity)])
            add("night_handover", "TKT-NGT-02", "夜间受理次日移交", due, handled)
        elif not ticket.answered_at_intake:
            due = received + timedelta(minutes=sla.complaint.forward_min[severity_key(severity)])
            add("forward", FORWARD_RULE[severity], "转呈当事部门", due, handled)
        if major_matter:
            add("report", "TKT-SLA-01", "上报管理层",
                received + timedelta(minutes=sla.complaint.report_major_min), _first(ticket, ("report",)))
            add("answer", "TKT-SLA-04", f"明确答复({sla.complaint.major_answer_days}天)",
                _extend(cal, received + timedelta(days=sla.complaint.major_answer_days), spans, False), resolved)
        else:
            resolve_due = working(sla.complaint.resolve_working_hours)
            rule = "TKT-SLA-02" if severity is Severity.general else "TKT-SLA-03"
            if severity is Severity.minor and ticket.customer_requested_by and resolve_due:
                resolve_due = min(resolve_due, ticket.customer_requested_by)
            add("resolve", rule, f"处理结束({sla.complaint.resolve_working_hours}工作小时)", resolve_due, resolved)
    elif ticket.type is TicketType.kesu:
        kesu = ticket.kesu
        start = (kesu.accepted_at if kesu and kesu.accepted_at else received)
        days = sla.kesu.overseas_days if kesu and kesu.overseas else sla.kesu.domestic_days
        add("kesu_close", "TKT-QC-17", f"客诉结案({days}天)",
            _extend(cal, start + timedelta(days=days), spans, False), closed_at)
    else:
        if night and ticket.type is not TicketType.major_fault:
            add("night_handover", "TKT-NGT-02", "夜间受理次日移交", morning_after(cal, received), handled)
        hours = sla.resolve_working_hours_by_type.get(ticket.type.value)
        if hours:
            add("resolve", "TKT-GEN-08", f"处理完毕({hours}工作小时)", working(hours), resolved)
    if ticket.promised_reply_at is not None and ticket.type is not TicketType.kesu:
        add("promised", "TKT-CMP-05", "约定答复时间", ticket.promised_reply_at, resolved)
    escalated = _first(ticket, ("escalate",), cond=lambda e: e.reason.value == "big_problem")
    if escalated is not None and not major_matter:
        add("answer", "TKT-SLA-04", f"主任答复({sla.complaint.major_answer_days}天)",
            _extend(cal, received + timedelta(days=sla.complaint.major_answer_days), spans, False),
            _first(ticket, ("resolve",), after=escalated))
    out.extend(_callbacks(ticket, cal, closed_at))
    return out


def _callbacks(ticket: Ticket, cal: BusinessCalendar, closed_at: datetime | None) -> list[Deadline]:
    """TKT-CB-01 (complaints, 24 clock hours by default) and TKT-CB-03 (repairs, 24 working hours) per
    resolution; the labels say the policy's numbers."""
    policy = cal.policy.sla.callback
    if ticket.type not in CALLBACK_TYPES:
        return []
    if ticket.type is TicketType.repair and ticket.customer.internal:
        return []  # internal repairs: a 70% face-to-face target (TKT-CB-04, KPI-02), no per-ticket clock
    resolves = ticket.of_action("resolve")
    out = []
    for n, event in enumerate(resolves):
        after = event.at
        before = resolves[n + 1].at if n + 1 < len(resolves) else None
        done = _first(ticket, ("callback",), after=after, before=before, cond=lambda e: e.reached)
        if ticket.type is TicketType.complaint:
            due = after + timedelta(hours=policy.complaint_hours)
            rule, label = "TKT-CB-01", f"投诉回访({policy.complaint_hours}小时)"
        else:
            due = cal.add_working_minutes(after, policy.repair_working_hours * 60)
            rule, label = "TKT-CB-03", f"报修回访({policy.repair_working_hours}工作小时)"
        key = "callback" if n == 0 else f"callback_{n + 1}"
        out.append(Deadline(key, rule, label, due, done, closed_at if done is None else None))
    return out


def next_due(ticket: Ticket, cal: BusinessCalendar, now: datetime) -> Deadline | None:
    """The earliest deadline still open (pending or overdue)."""
    open_ = [d for d in deadlines(ticket, cal) if d.state(now) in ("pending", "overdue") and d.due]
    return min(open_, key=lambda d: d.due or now) if open_ else None


#: Deadlines the first-contact owner answers for (TKT-FCR-02/08/10); the others fall on the holder.
FIRST_OWNER_KEYS = ("forward", "report", "night_handover", "callback", "promised")


def responsible(ticket: Ticket, deadline: Deadline) -> str | None:
    if deadline.key.split("_")[0] in FIRST_OWNER_KEYS or deadline.key in FIRST_OWNER_KEYS:
        return ticket.first_owner
    return ticket.fold().owner


def pending(ctx: Any, staff_id: str | None, at: datetime) -> list[Any]:
    """Pending provider (csops.pending): open tickets owed by ``staff_id`` as of ``at``."""
    from csops.pending import PendingItem

    items = []
    for ticket in _pending_candidates(ctx, staff_id, at):
        if ticket.received_at > at:
            continue
        status, owner = ticket.status_at(at)  # what ticket.as_of(at).fold() says, without the copy
        if status.value == "closed":
            continue
        if staff_id is not None and staff_id not in (owner, ticket.first_owner):
            continue
        then = ticket.as_of(at)
        state = then.fold()
        nd = next_due(then, ticket_calendar(ctx, ticket), at)
        what = f"{nd.label}" if nd else status_label(ticket.type, state.status)
        items.append(PendingItem(
            kind="ticket", record_id=ticket.id,
            summary=f"{ticket.type.label} {ticket.id} {what}: {ticket.subject or (ticket.content or '')[:20]}",
            owner=state.owner, due=nd.due if nd else None, overdue=bool(nd and nd.state(at) == "overdue"),
        ))
    return items


_DAY = 86400


def _day(instant: datetime) -> int:
    return int(instant.timestamp() // _DAY)


#: Spans of at most this many days are found by their first day (most tickets close within days).
_SHORT_DAYS = 31


@dataclass
class _OpenIndex:
    """Which tickets may be open at a time, per person who may owe them (first owner or any owner).

    A ticket stays closed for good from its last close on (``timeline``); until then it may be open
    on every day from its reception to that close, or it is among the never-closed ones. The answers
    are a superset; ``pending`` still asks each candidate for its exact status at the time. Built
    from a fact per ticket (``_open_span``), so a command asking for one person's pending matters
    loads the candidates only, not every ticket. A span is kept once per person, not once per day
    it lasts: the short ones sorted by their first day, to be found by bisection.
    """

    order: dict[str, Any]  # file → its place in the tree's order, to answer in tree order
    #: person → (first days, ascending; the (first, closed, file) spans in that order)
    short: dict[str | None, tuple[list[int], list[tuple[int, int, str]]]]
    long: dict[str | None, list[tuple[int, int, str]]]
    unclosed: dict[str | None, list[str]]

    def candidates(self, who: str | None, day: int) -> list[str]:
        firsts, spans = self.short.get(who, ([], []))
        out = [rel for _, closed, rel in spans[bisect_left(firsts, day - _SHORT_DAYS):bisect_right(firsts, day)]
               if closed >= day]
        out += [rel for first, closed, rel in self.long.get(who, ()) if first <= day <= closed]
        return out + self.unclosed.get(who, [])


def _open_span(ticket: Ticket, ctx: Any) -> tuple[list[str | None], int, int | None] | None:
    """The fact: who may owe the ticket, the day of its first event and of its last close (None: open)."""
    if not ticket.events:
        return None
    line = ticket.timeline()
    people = sorted({ticket.first_owner} | {owner for _, _, owner in line if owner is not None})
    closed_from = line[-1][0] if line[-1][1].value == "closed" else None
    return [None, *people], _day(line[0][0]), _day(closed_from) if closed_from is not None else None


def _open_index(ctx: Any) -> _OpenIndex:
    from csops.facts import facts

    return _index_of(facts(ctx, "ticket", "open-spans", _open_span))


def _index_of(spans: dict[str, tuple[list[str | None], int, int | None] | None]) -> _OpenIndex:
    order = {rel: rel.replace("/", "\0") for rel in spans}  # the order of path components
    short: dict[str | None, list[tuple[int, int, str]]] = {}
    long: dict[str | None, list[tuple[int, int, str]]] = {}
    unclosed: dict[str | None, list[str]] = {}
    for rel, span in spans.items():
        if span is None:
            continue
        people, first, closed = span
        if closed is None:
            for who in people:
                unclosed.setdefault(who, []).append(rel)
            continue
        into = short if closed - first <= _SHORT_DAYS else long
        for who in people:
            into.setdefault(who, []).append((first, closed, rel))
    by_first = {}
    for who, found in short.items():
        found.sort()
        by_first[who] = ([first for first, _, _ in found], found)
    return _OpenIndex(order, by_first, long, unclosed)


def _pending_candidates(ctx: Any, staff_id: str | None, at: datetime) -> list[Ticket]:
    from csops.facts import records_at

    index: _OpenIndex = ctx.memo("tickets.open_by_person_day", lambda: _open_index(ctx))
    found = index.candidates(staff_id, _day(at))
    return records_at(ctx, "ticket", sorted(set(found), key=lambda rel: index.order[rel]))  # type: ignore[return-value]


# -- KPIs (RULES.md §6.2) ---------------------------------------------------------------------


def _rate(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def kpis(ctx: Any, start: datetime, end: datetime, now: datetime, targets: Policy | None = None) -> dict[str, Any]:
    """Ticket KPIs over tickets received in ``[start, end)``, as of ``now``; the targets those of
    ``targets`` when given (a review's "what if this policy were merged").

    KPI-05's denominator is not in the sources; this uses all tickets of the period (RULES.md §6.2).
    """
    from csops.facts import tickets_received

    # The targets in force at the period's end: a later policy edit leaves a past month's figures.
    policy = targets or ctx.policy_at(end - timedelta(microseconds=1))
    tickets = tickets_received(ctx, start, end)
    repairs = [t for t in tickets if t.type is TicketType.repair and t.of_action("resolve")]
    external = [t for t in repairs if not t.customer.internal]
    internal = [t for t in repairs if t.customer.internal]

    def called(t: Ticket) -> bool:
        return any(e.reached for e in t.of_action("callback"))

    def called_in_person(t: Ticket) -> bool:
        """KPI-02 counts an internal repair's callback made face to face (or on site), not by phone."""
        return any(e.reached and e.mode.value in ("face_to_face", "on_site") for e in t.of_action("callback"))

    repair_cb = [d for t in external for d in ticket_deadlines(ctx, t) if d.rule == "TKT-CB-03"]
    callbacks = [e for t in tickets for e in t.of_action("callback") if e.reached and e.satisfied is not None]
    unhappy = [(t, i) for t in tickets for i, e in enumerate(t.events)
               if e.action == "callback" and e.satisfied is False]
    handled = [1 for t, i in unhappy if any(e.action == "resolve" for e in t.events[i:])]
    complaints = [t for t in tickets if t.type is TicketType.complaint]
    valid = [t for t in complaints if any(getattr(e, "validity", None) and e.validity.value == "valid"
                                          for e in t.of_action("resolve"))]
    sla_rules = ("TKT-SLA-01", "TKT-SLA-02", "TKT-SLA-03", "TKT-SLA-04", "TKT-CB-01", "TKT-NGT-02")
    complaint_dl = [d for t in complaints for d in ticket_deadlines(ctx, t) if d.rule in sla_rules]
    decided = [d for d in complaint_dl if d.state(now) in ("met", "missed", "overdue")]
    kesu_dl = [d for t in tickets if t.type is TicketType.kesu for d in ticket_deadlines(ctx, t)
               if d.state(now) in ("met", "missed", "overdue")]
    one_go = [t for t in tickets if t.of_action("resolve") and not t.of_action("forward", "assign")]
    rows = {
        "KPI-01": ("客户报修回访率", _rate(sum(called(t) for t in external), len(external)),
                   policy.sla.callback.repair_target, len(external)),
        "KPI-01-SLA": (f"报修{policy.sla.callback.repair_working_hours}工作小时内回访率", _rate(sum(d.state(now) == "met" for d in repair_cb), len(repair_cb)),
                       policy.sla.callback.repair_target, len(repair_cb)),
        "KPI-02": ("内部报修面访回访率", _rate(sum(called_in_person(t) for t in internal), len(internal)),
                   policy.sla.callback.internal_repair_target, len(internal)),
        "KPI-03": ("回访问题处理率", _rate(len(handled), len(unhappy)), 1.0, len(unhappy)),
        "KPI-04": ("满意率", _rate(sum(bool(e.satisfied) for e in callbacks), len(callbacks)),
                   policy.kpi.satisfaction, len(callbacks)),
        "KPI-05": ("有效投诉率(÷工单总数)", _rate(len(valid), len(tickets)), policy.kpi.valid_complaint_rate,
                   len(tickets)),
        "KPI-08": ("投诉时限达标率", _rate(sum(d.state(now) == "met" for d in decided), len(decided)), 1.0,
                   len(decided)),
        "KPI-08-QC": ("客诉按期结案率", _rate(sum(d.state(now) == "met" for d in kesu_dl), len(kesu_dl)), 1.0,
                      len(kesu_dl)),
        "TKT-FCR-04": ("首问一次办结率", _rate(len(one_go), len(tickets)), None, len(tickets)),
    }
    out = {}
    for key, (label, value, target, base) in rows.items():
        lower_is_better = key == "KPI-05"
        ok = None if value is None or target is None else (value <= target if lower_is_better else value >= target)
        out[key] = {"label": label, "value": value, "target": target, "base": base, "ok": ok}
    return out
