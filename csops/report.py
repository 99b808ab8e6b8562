"""The monthly summary (月度报告, RULES.md §6.3) as plain data, computed from the records alone.

:func:`monthly` takes a Context and a month and returns mappings, lists, strings and numbers (JSON as
is; the Jinja templates in ``templates/reports/`` lay them out). Nothing is recomputed differently
from the rest of csops: deadlines and their states come from :mod:`csops.sla`, the KPIs from
:func:`csops.sla.kpis` (what ``csops kpi`` prints), compliance findings from the rule functions.
Everything is as of ``ctx.now`` for the records of the month: tickets received in it, handovers and
checks dated in it, events that happened in it. Identifiers stay English; ``*_label`` fields are
the Chinese names shown to people.
"""

from __future__ import annotations

import calendar
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from csops.labels import LabeledEnum

if TYPE_CHECKING:
    from csops.calendar import BusinessCalendar
    from csops.context import Context
    from csops.models.policy import Policy
    from csops.models.ticket import Ticket
    from csops.sla import Deadline

#: §6.3 items csops keeps no records for: (item, what, why). Listed in the report as 未纳入.
NOT_COVERED: list[tuple[str, str, str]] = [
    ("5", "满意度调查分项结果 (KPI-09)", "未记录调查问卷, 仅有回访满意率"),
    ("10", "无人值守班次", "排班表不记录缺岗"),
    ("13", "客户档案季度复核、电话号码披露审批 (REG-SEC-06, REG-PHN-01)", "未记录"),
    ("14", "前台电话费与定额 (HOV-FD-06)", "未记录"),
    ("15", "十分制考核得分 (PEN-01, 可选)", "未记录"),
    ("16", "报修回访书面汇总 (RPT-04)、《服务监督报告》素材 (RPT-03)", "未单独记录; 回访数据见第 4 节"),
]


# -- RPT-01: month, due date, file name -----------------------------------------------------


def month_bounds(cal: BusinessCalendar, month: str) -> tuple[datetime, datetime]:
    """``[start, end)`` of ``month`` (YYYY-MM) in the office's zone; ValueError for anything else."""
    start = datetime.strptime(month + "-01", "%Y-%m-%d").replace(tzinfo=cal.tz)
    if start.strftime("%Y-%m") != month or not 2000 <= start.year <= 2100:
        raise ValueError(f"{month!r} is not a month like 2026-11")
    return start, (start + timedelta(days=32)).replace(day=1)


def _next_month_day(month: str, day: int) -> date:
    """Day ``day`` of the month after ``month`` (the last day when that month is shorter)."""
    first = datetime.strptime(month + "-01", "%Y-%m-%d").date()
    following = (first + timedelta(days=32)).replace(day=1)
    return following.replace(day=min(day, calendar.monthrange(following.year, following.month)[1]))


def due_date(policy: Policy, month: str) -> date:
    """RPT-01: the monthly report is due on ``reports.monthly_due_day`` (the 5th) of the next month."""
    return _next_month_day(month, policy.reports.monthly_due_day)


def file_name(policy: Policy, month: str, version: int = 1, suffix: str = "html") -> str:
    """RPT-01: the file name carries the project (office) name, the month and the version."""
    project = "".join("_" if c in '/\\:*?"<>|' or c.isspace() else c for c in policy.office.name)
    return f"{project}_{month}_v{version}.{suffix}"


# -- small helpers ------------------------------------------------------------------------------


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _subject(t: Ticket) -> str:
    return t.subject or (t.content or "")[:24]


def _rate(met: int, decided: int) -> dict[str, Any]:
    return {"met": met, "decided": decided, "rate": round(met / decided, 4) if decided else None}


def _compliance(deadlines: Iterable[Deadline], now: datetime) -> dict[str, Any]:
    """Met ÷ decided (met, missed or overdue), as ``csops kpi`` counts KPI-08."""
    states = [d.state(now) for d in deadlines]
    return _rate(states.count("met"), sum(s in ("met", "missed", "overdue") for s in states))


def _complaint_compliance(tickets: list[Ticket], dls: dict[str, list[Deadline]], keys: tuple[str, ...],
                          now: datetime) -> dict[str, Any]:
    """Complaints whose ``keys`` deadlines were all met ÷ complaints with one of them decided.

    Counted per complaint, not per deadline, so one late complaint with two clocks is one miss.
    """
    met = decided = 0
    for t in tickets:
        states = [s for s in (d.state(now) for d in dls[t.id] if d.key in keys) if s in ("met", "missed", "overdue")]
        if states:
            decided += 1
            met += all(s == "met" for s in states)
    return _rate(met, decided)


def _in(instant: datetime | None, start: datetime, end: datetime) -> bool:
    return instant is not None and start <= instant < end


def _enum_rows(enum: type[LabeledEnum], counts: dict[Any, dict[str, int]], empty: dict[str, int],
               name: str) -> list[dict[str, Any]]:
    rows = [{name: m.value, "label": m.label, **counts.get(m, empty)} for m in enum]
    if None in counts:
        rows.append({name: None, "label": "未记录", **counts[None]})
    return rows


# -- the report -------------------------------------------------------------------------------


def monthly(ctx: Context, month: str) -> dict[str, Any]:
    """The §6.3 monthly summary of ``month`` (YYYY-MM) as of ``ctx.now``.

    Reads the month's tickets and the few others its figures need (earlier contacts of the same
    callers, 客诉 closed in the month), found from facts kept by content (``csops.facts``)."""
    from csops.facts import tickets_received
    from csops.sla import kpis, ticket_deadlines

    start, end = month_bounds(ctx.calendar, month)
    tickets = tickets_received(ctx, start, end)
    dls = {t.id: ticket_deadlines(ctx, t) for t in tickets}
    policy = ctx.policy
    return {
        "month": month,
        "office": policy.office.name,
        "as_of": ctx.now.isoformat(),
        #: False for the month still running (or not begun): figures and balances are as of now.
        "complete": end <= ctx.now,
        "due": due_date(policy, month).isoformat(),
        "file_name": file_name(policy, month),
        "empty": not tickets and not _has_other_records(ctx, start, end),
        "tickets": _tickets(ctx, tickets, dls),
        "complaints": _complaints(ctx, tickets, dls),
        "kpis": kpis(ctx, start, end, ctx.now),
        "callbacks": _callbacks(ctx, tickets, dls),
        "first_contact": _first_contact(ctx, tickets, dls),
        "faults": _faults(ctx, tickets, start, end),
        "kesu": _kesu(ctx, tickets, dls, start, end, month),
        "handovers": _handovers(ctx, start, end),
        "swaps": _swaps(ctx, month),
        "keys": _keys(ctx, start, end),
        "hazmat": _hazmat(ctx, start, end),
        "not_covered": [{"item": i, "what": w, "why": y} for i, w, y in NOT_COVERED],
    }


def _has_other_records(ctx: Context, start: datetime, end: datetime) -> bool:
    from csops.models.handover import Handover

    return any(start.date() <= h.date < end.date() for h in ctx.of(Handover))


# -- 1. tickets by type and channel -----------------------------------------------------------


def _tickets(ctx: Context, tickets: list[Ticket], dls: dict[str, list[Deadline]]) -> dict[str, Any]:
    from csops.models.ticket import Channel, Status, TicketType, status_label
    from csops.sla import STATE_LABELS, responsible

    now = ctx.now
    empty = {"total": 0, "open": 0, "closed": 0, "overdue": 0}
    by_type: dict[Any, dict[str, int]] = defaultdict(lambda: dict(empty))
    by_channel: dict[Any, dict[str, int]] = defaultdict(lambda: dict(empty))
    breached = []
    for t in tickets:
        closed = t.fold().status is Status.closed
        late = [d for d in dls[t.id] if d.breached(now)]
        for row in (by_type[t.type], by_channel[t.channel]):
            row["total"] += 1
            row["closed" if closed else "open"] += 1
            row["overdue"] += bool(late)
        for d in late:
            who = responsible(t, d)
            breached.append({"ticket": t.id, "type": t.type.value, "type_label": t.type.label, "key": d.key,
                             "rule": d.rule, "label": d.label, "due": _iso(d.due), "done_at": _iso(d.done_at),
                             "state": d.state(now), "state_label": STATE_LABELS[d.state(now)],
                             "status_label": status_label(t.type, t.fold().status),
                             "responsible": who, "responsible_name": ctx.name(who)})
    total = {k: sum(r[k] for r in by_type.values()) for k in empty}
    return {"total": total, "by_type": _enum_rows(TicketType, by_type, empty, "type"),
            "by_channel": [r for r in _enum_rows(Channel, by_channel, empty, "channel") if r["total"]],
            "breached": breached, "breached_tickets": sorted({r["ticket"] for r in breached})}


# -- 2. complaints ----------------------------------------------------------------------------


def _validity(t: Ticket) -> str | None:
    """As KPI-05 counts it: valid once any resolution found it valid."""
    found = {e.validity.value for e in t.of_action("resolve") if e.validity is not None}
    return "valid" if "valid" in found else "invalid" if found else None


def _complaints(ctx: Context, tickets: list[Ticket], dls: dict[str, list[Deadline]]) -> dict[str, Any]:
    from csops.models.common import Role
    from csops.models.ticket import EscalationReason, Severity, TicketType
    from csops.sla import STATE_LABELS

    now = ctx.now
    complaints = [t for t in tickets if t.type is TicketType.complaint]
    rows = []
    for severity in [*Severity, None]:
        mine = [t for t in complaints if t.fold().severity is severity]
        if severity is None and not mine:
            continue
        validity = Counter(_validity(t) for t in mine)
        rows.append({
            "severity": severity.value if severity else None, "label": severity.label if severity else "未定级",
            "total": len(mine), "valid": validity["valid"], "invalid": validity["invalid"],
            "undecided": validity[None],
            # TKT-SLA-01..03: forwarded (or, for a major one, reported within the hour) and resolved in time.
            "forward": _complaint_compliance(mine, dls, ("forward", "night_handover", "report"), now),
            "resolve": _complaint_compliance(mine, dls, ("resolve", "answer"), now),
        })
    escalations = []
    for t in complaints:
        severity = t.fold().severity
        for e in t.of_action("escalate"):
            person = ctx.person(e.to)
            if e.reason is EscalationReason.big_problem or (person and person.has_role(Role.cs_centre_director)):
                escalations.append({"ticket": t.id, "severity_label": severity.label if severity else "未定级",
                                    "at": e.at.isoformat(), "to": e.to, "to_name": ctx.name(e.to),
                                    "reason_label": e.reason.label, "subject": _subject(t)})
    major = []
    for t in complaints:
        report = next((d for d in dls[t.id] if d.key == "report"), None)
        if report is None:
            continue
        first = t.of_action("report")
        major.append({"ticket": t.id, "subject": _subject(t), "received_at": t.received_at.isoformat(),
                      "report_due": _iso(report.due), "reported_at": _iso(report.done_at),
                      "reported_to": [ctx.name(s) for s in first[0].to] if first else [],
                      "state": report.state(now), "state_label": STATE_LABELS[report.state(now)]})
    return {"total": len(complaints), "by_severity": rows, "escalations": escalations, "major": major}


# -- 4. callbacks beyond the KPIs -------------------------------------------------------------


def _callbacks(ctx: Context, tickets: list[Ticket], dls: dict[str, list[Deadline]]) -> dict[str, Any]:
    """TKT-CB-01: complaint callbacks within the policy's hours (24 by default), and those made by a role
    the severity does not allow."""
    from csops.models.ticket import TicketType
    from csops.rules.tickets import callback_role

    complaints = [t for t in tickets if t.type is TicketType.complaint]
    within = _compliance((d for t in complaints for d in dls[t.id] if d.rule == "TKT-CB-01"), ctx.now)
    wrong_role = sorted({t.id for t in complaints for p in callback_role(t, ctx) if p.loc[-1:] in (("by",), ("joined_by",))})
    # The key keeps its name (JSON readers rely on it); the hours are the policy's.
    return {"complaint_within_24h": within, "complaint_hours": ctx.policy.sla.callback.complaint_hours,
            "complaint_wrong_role": wrong_role}


# -- 6. first-contact ownership ---------------------------------------------------------------


def _first_contact(ctx: Context, tickets: list[Ticket], dls: dict[str, list[Deadline]]) -> dict[str, Any]:
    from csops.facts import repeat_contacts_of
    from csops.models.ticket import EscalationReason
    from csops.rules.tickets import contact_group
    from csops.sla import responsible

    by_id = {t.id: t for t in tickets}
    # TKT-FCR-05 over the month's callers only: their contact groups, earlier months included.
    groups = {g for g in (contact_group(t) for t in tickets) if g is not None}
    pairs = sorted(((by_id[later], earlier) for later, earlier in repeat_contacts_of(ctx, groups) if later in by_id),
                   key=lambda pair: (pair[0].received_at, pair[0].id))
    repeats = [{"ticket": later.id, "earlier": earlier, "type_label": later.type.label,
                "received_at": later.received_at.isoformat(), "customer": later.customer.name or "",
                "first_owner_name": ctx.name(later.first_owner)}
               for later, earlier in pairs]
    per_owner: dict[str, list[str]] = defaultdict(list)
    for t in tickets:
        for d in dls[t.id]:
            if d.breached(ctx.now) and responsible(t, d) == t.first_owner:
                per_owner[t.first_owner].append(f"{t.id} {d.label}")
    overdue = [{"staff": s, "name": ctx.name(s), "count": len(items), "items": items}
               for s, items in sorted(per_owner.items(), key=lambda kv: (-len(kv[1]), kv[0]))]
    non_coop = [{"ticket": t.id, "at": e.at.isoformat(), "by_name": ctx.name(e.by), "to_name": ctx.name(e.to),
                 "note": e.note or ""}
                for t in tickets for e in t.of_action("escalate") if e.reason is EscalationReason.non_cooperation]
    return {"repeat_contacts": repeats, "overdue_by_first_owner": overdue, "non_cooperation": non_coop}


# -- 7. major faults and major duty events ----------------------------------------------------


def _faults(ctx: Context, tickets: list[Ticket], start: datetime, end: datetime) -> dict[str, Any]:
    from csops.models.handover import DutyLog
    from csops.models.ticket import TicketType, status_label
    from csops.rules.handovers import written_report_due

    faults = []
    for t in tickets:
        if t.type is not TicketType.major_fault:
            continue
        analysis = t.last("analysis")
        faults.append({"ticket": t.id, "subject": _subject(t), "received_at": t.received_at.isoformat(),
                       "location": t.fault.location if t.fault else None,
                       "status_label": status_label(t.type, t.fold().status),
                       "analysis_at": _iso(analysis.at) if analysis else None,
                       "sent_to_customer_at": _iso(analysis.sent_to_customer_at) if analysis else None,
                       "sent_to_business_at": _iso(analysis.sent_to_business_at) if analysis else None})
    duty = []
    for log in sorted(ctx.of(DutyLog), key=lambda x: x.id):
        for entry in log.entries():
            if not entry.major or not _in(entry.at, start, end):
                continue
            due = written_report_due(ctx, entry)
            written = entry.written_report_at
            state = ("met" if written <= due else "missed") if written else ("overdue" if ctx.now >= due else "pending")
            duty.append({"day": log.id, "at": entry.at.isoformat(), "what": entry.what,
                         "reported_to_name": ctx.name(entry.reported_to), "reported_at": _iso(entry.reported_at),
                         "written_report_at": _iso(written), "written_due": due.isoformat(), "state": state})
    return {"major_faults": faults, "major_duty_events": duty}


# -- 8. 客诉 ------------------------------------------------------------------------------------


def _kesu(ctx: Context, tickets: list[Ticket], dls: dict[str, list[Deadline]], start: datetime, end: datetime,
          month: str) -> dict[str, Any]:
    from csops.facts import kesu_closed_between
    from csops.models.ticket import TicketType, status_label
    from csops.sla import STATE_LABELS

    now = ctx.now
    rows = []
    for t in tickets:
        if t.type is not TicketType.kesu:
            continue
        d = next(d for d in dls[t.id] if d.key == "kesu_close")
        rows.append({"ticket": t.id, "kesu_no": t.kesu.kesu_no if t.kesu else None,
                     "overseas": bool(t.kesu and t.kesu.overseas), "label": d.label, "due": _iso(d.due),
                     "closed_at": _iso(d.done_at), "state": d.state(now), "state_label": STATE_LABELS[d.state(now)],
                     "status_label": status_label(t.type, t.fold().status)})
    closed = sorted(t.id for t in kesu_closed_between(ctx, start, end))
    return {"opened": len(rows), "closed_in_month": closed,
            "overdue": sum(r["state"] in ("missed", "overdue") for r in rows), "cases": rows,
            "stats_due": _next_month_day(month, ctx.policy.reports.kesu_stats_due_day).isoformat()}


# -- 9. handovers -----------------------------------------------------------------------------


def _handovers(ctx: Context, start: datetime, end: datetime) -> dict[str, Any]:
    from csops.models.handover import Handover, HandoverStatus, HandoverType
    from csops.pending import pending_for
    from csops.rules.handovers import missed_security_handovers, unreviewed_days

    first, last = start.date(), end.date()
    records = sorted((h for h in ctx.of(Handover) if first <= h.date < last), key=lambda h: h.id)
    by_type = Counter(h.type for h in records)
    incomplete = [{"id": h.id, "type_label": h.type.label, "status_label": h.fold().label,
                   "signed": h.first("signed") is not None, "accepted": h.first("accepted") is not None}
                  for h in records if h.fold() is not HandoverStatus.completed]
    refusals = [{"handover": h.id, "at": e.at.isoformat(), "by_name": ctx.name(e.by), "ground": e.ground.value,
                 "ground_label": e.ground.label, "note": e.note or "", "escalated_to_name": ctx.name(e.escalated_to),
                 "resolution": settled.resolution if settled else None,
                 "resolved_at": _iso(settled.at) if settled else None}
                for h in records for e, settled in h.refusals()]
    passed = []
    for h in records:
        if h.type is HandoverType.shift:
            items = pending_for(ctx, h.outgoing, h.as_of or ctx.now)
            if items:
                passed.append({"id": h.id, "count": len(items), "overdue": sum(i.overdue for i in items)})
    security = {t.value: [day.isoformat() for day, _ in missed_security_handovers(ctx, t) if first <= day < last]
                for t in (HandoverType.security_to_cs, HandoverType.cs_to_security)}
    return {
        "total": len(records),
        "by_type": [{"type": t.value, "label": t.label, "count": by_type[t]} for t in HandoverType],
        "incomplete": incomplete,
        "unreviewed_days": [{"day": d.isoformat(), "handovers": ids}
                            for d, ids in unreviewed_days(ctx).items() if first <= d < last],
        "refusals": refusals, "pending_passed_on": passed,
        "pending_passed_on_total": sum(p["count"] for p in passed),
        "security_missed": security,
    }


# -- 10. swaps --------------------------------------------------------------------------------


def _swaps(ctx: Context, month: str) -> dict[str, Any]:
    """Per person, as HOV-SWP-02 counts them: swaps still active whose shift falls in the month."""
    from csops.models.roster import Swap

    limit = ctx.policy.swap.max_per_month
    mine = sorted((s for s in ctx.of(Swap) if s.shift.date.strftime("%Y-%m") == month), key=lambda s: s.id)
    per: Counter[str] = Counter(p for s in mine if s.active for p in s.parties())
    people = [{"staff": p, "name": ctx.name(p), "count": n, "over": n > limit}
              for p, n in sorted(per.items(), key=lambda kv: (-kv[1], kv[0]))]
    return {"limit": limit, "total": len(mine), "active": sum(s.active for s in mine), "per_person": people,
            "not_taken": [{"id": s.id, "status_label": s.fold().label, "requester_name": ctx.name(s.requester),
                           "counterpart_name": ctx.name(s.counterpart), "shift": str(s.shift), "reason": s.reason}
                          for s in mine if not s.active]}


# -- 11. key custody --------------------------------------------------------------------------


def _keys(ctx: Context, start: datetime, end: datetime) -> dict[str, Any]:
    from csops.models.key import (
        Key,
        KeyCheck,
        KeyFound,
        KeyLoan,
        KeyLost,
        KeyRekeyed,
        KeyResealed,
        KeyShift,
        KeyUnsealed,
        LoanState,
    )
    from csops.rules.keys import shift_return

    first, last, now = start.date(), end.date(), ctx.now
    checks = sorted((c for c in ctx.of(KeyCheck) if first <= c.day < last), key=lambda c: (c.day, c.id))
    noted = {n.loan for c in checks for n in c.outstanding}
    loans = {loan.id: loan for loan in ctx.of(KeyLoan)}
    unresolved = []
    for loan_id in sorted(noted):
        loan = loans.get(loan_id)
        if loan is not None and loan.events and loan.state_at(now) is LoanState.out:
            unresolved.append({"loan": loan.id, "key": loan.key, "copy_no": loan.copy_no,
                               "borrower_name": ctx.name(loan.borrower), "due": loan.due.isoformat(),
                               "overdue_hours": round(max((now - loan.due).total_seconds(), 0) / 3600, 1)})
    unseals, losses, found, rekeys = [], [], [], []
    for key in sorted(ctx.of(Key), key=lambda k: k.id):
        for i, e in enumerate(key.events):
            if not _in(e.at, start, end):
                continue
            if isinstance(e, KeyUnsealed):
                reseal = next((r for r in key.events[i + 1:] if isinstance(r, KeyResealed)), None)
                unseals.append({"key": key.id, "at": e.at.isoformat(), "path_label": e.path.label, "reason": e.reason,
                                "requested_by_name": ctx.name(e.requested_by),
                                "approved_by_name": ctx.name(e.approved_by),
                                "witnesses": [ctx.name(w) for w in e.witnesses],
                                "resealed_at": _iso(reseal.at) if reseal else None})
            elif isinstance(e, KeyLost):
                losses.append({"key": key.id, "copy_no": e.copy_no, "at": e.at.isoformat(),
                               "incident_label": e.incident.label, "liable_name": ctx.name(e.liable_person),
                               "reported_to_security_name": ctx.name(e.reported_to_security)})
            elif isinstance(e, KeyFound):
                found.append({"key": key.id, "copy_no": e.copy_no, "at": e.at.isoformat(),
                              "found_by_name": ctx.name(e.found_by)})
            elif isinstance(e, KeyRekeyed):
                rekeys.append({"key": key.id, "at": e.at.isoformat(), "approved_by_name": ctx.name(e.approved_by),
                               "copies": len(e.copies)})
    sheets = sorted((s for s in ctx.of(KeyShift) if first <= s.day < last), key=lambda s: (s.day, s.id))
    mismatches = [{"sheet": s.id, "day": s.day.isoformat(), "message": p.message, "rule": "KEY-SHIFT-02"}
                  for s in sheets for p in shift_return(s, ctx)]
    return {"checks": [{"day": c.day.isoformat(), "checked_by_name": ctx.name(c.checked_by),
                        "outstanding": len(c.outstanding)} for c in checks],
            "checks_with_outstanding": sum(bool(c.outstanding) for c in checks),
            "unresolved": unresolved, "unseals": unseals, "losses": losses, "found": found, "rekeys": rekeys,
            "shift_sheets": len(sheets), "shift_mismatches": mismatches}


# -- 12. hazardous materials ------------------------------------------------------------------


def _hazmat(ctx: Context, start: datetime, end: datetime) -> dict[str, Any]:
    from csops.models.hazmat import HazmatEntry, StockIn
    from csops.rules.hazmat import balance_not_negative, balances, items, remainder_returned

    names = items(ctx)
    entries = sorted(ctx.of(HazmatEntry), key=lambda e: e.id)
    draws, stock_in = [], []
    problems = []
    for entry in entries:
        draw, ret = entry.draw(), entry.returned()
        if draw is not None and _in(draw.at, start, end):
            draws.append({"id": entry.id, "item": entry.item, "item_label": names.get(entry.item, entry.item),
                          "unit": entry.unit, "at": draw.at.isoformat(), "by_name": ctx.name(draw.by),
                          "purpose": draw.purpose, "qty": draw.qty,
                          "used": ret.qty_used if ret else None, "returned": ret.qty_returned if ret else None})
            problems += [p.message for p in remainder_returned(entry, ctx)]
        for e in entry.events:
            if isinstance(e, StockIn) and _in(e.at, start, end):
                stock_in.append({"id": entry.id, "item_label": names.get(entry.item, entry.item), "unit": entry.unit,
                                 "at": e.at.isoformat(), "qty": e.qty})
    month_ids = {d["id"] for d in draws} | {s["id"] for s in stock_in}
    problems += [p.message for p in balance_not_negative(ctx) if getattr(p.target, "id", None) in month_ids]
    units = {e.item: e.unit for e in entries}
    balance = [{"item": k, "item_label": names.get(k, k), "qty": round(v, 6), "unit": units.get(k, "")}
               for k, v in sorted(balances(ctx, min(end, ctx.now)).items())]
    return {"draws": draws, "stock_in": stock_in, "balance": balance, "problems": problems}


# -- CSV: every table of the summary, one file each -----------------------------------------------


def tables(data: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The summary's tables by name (``tickets.by_type``, ``kpis.rows`` ...), each a list of flat rows:
    a list of mappings is a table, a mapping of plain values a table of one row, and the report's
    own plain fields (month, office, due, ...) the ``summary`` table. The same data the Markdown,
    HTML and JSON are made from; nested values in a cell are JSON."""
    import json

    def cell(value: Any) -> Any:
        return value if value is None or isinstance(value, (str, int, float, bool)) else \
            json.dumps(value, ensure_ascii=False)

    def plain(value: Any) -> bool:
        return value is None or isinstance(value, (str, int, float, bool))

    out: dict[str, list[dict[str, Any]]] = {}

    def walk(name: str, value: Any) -> None:
        if isinstance(value, list):
            if value and all(isinstance(row, dict) for row in value):
                out[name] = [{k: cell(v) for k, v in row.items()} for row in value]
            elif value and all(plain(v) for v in value):
                out[name] = [{"value": v} for v in value]
            return
        if not isinstance(value, dict):
            return
        if value and all(isinstance(v, dict) and v and all(plain(x) for x in v.values()) for v in value.values()):
            out[name] = [{"key": k, **v} for k, v in value.items()]  # e.g. the KPIs: one row each
            return
        flat = {k: v for k, v in value.items() if plain(v)}
        if flat:
            out[name] = [flat]
        for key, inner in value.items():
            if not plain(inner):
                walk(f"{name}.{key}", inner)

    out["summary"] = [{k: v for k, v in data.items() if plain(v)}]
    for key, value in data.items():
        if not plain(value):
            walk(key, value)
    return out


def csv_text(rows: list[dict[str, Any]]) -> str:
    """One table as CSV, columns in the order they first appear."""
    import csv
    import io

    columns = list(dict.fromkeys(k for row in rows for k in row))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()
