"""Ticket rules (RULES.md §1), each under its RULES.md ID.

Intake rules (required fields) refuse ``csops ticket new``; rules about what a step needs are checked
on the event that takes the step (a ``resolve``, ``assign``, ``callback`` or ``close``), so a ticket can
always be saved half-way through its life. Deadlines are computed in :mod:`csops.sla` from the record,
the policy and the calendar; the rules here only compare them with the injected ``ctx.now``.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from heapq import heappop, heappush
from typing import Any

from csops.context import Context
from csops.findings import Severity as Level
from csops.models.common import Record, Role
from csops.models.ticket import (
    ACTION_LABELS,
    ALLOWED,
    KESU_NO_RE,
    Callback,
    Close,
    RepairKind,
    Resolve,
    Severity,
    Status,
    Ticket,
    TicketType,
    Validity,
)
from csops.rules import Problem, record_rule, tree_rule
from csops.sla import (
    STATE_LABELS,
    Deadline,
    is_night,
    morning_after,
    night_mornings,
    severity_key,
    ticket_calendar,
    ticket_deadlines,
    ticket_policy,
)

T = TicketType


def _ticket(fn: Callable[[Ticket, Context], Iterable[Problem]]) -> Callable[[Record, Context], Iterator[Problem]]:
    def wrapper(record: Record, ctx: Context) -> Iterator[Problem]:
        if isinstance(record, Ticket):
            yield from fn(record, ctx)

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


def _index(t: Ticket, event: Any) -> int:
    return next(i for i, e in enumerate(t.events) if e is event)


def _closing(t: Ticket) -> tuple[int, Close] | None:
    """The close event that closed the ticket, if it is closed now."""
    if t.fold().status is not Status.closed:
        return None
    close = t.last("close")
    return _index(t, close), close


def _last_resolve(t: Ticket) -> tuple[int, Resolve] | None:
    resolve = t.last("resolve")
    return (_index(t, resolve), resolve) if resolve is not None else None


def _has_role(ctx: Context, staff_id: str | None, *roles: Role) -> bool:
    person = ctx.person(staff_id)
    return person is not None and person.has_role(*roles)


def _cmd(t: Ticket, action: str) -> str:
    return f"csops ticket {action} {t.id} ..."


# -- §1.1 intake and routing ----------------------------------------------------------------

SECTIONS = {"repair": T.repair, "installation": T.installation, "kesu": T.kesu, "fault": T.major_fault}


@record_rule("TKT-GEN-01", "ticket", title="a ticket has exactly one type; type-specific sections match it")
@_ticket
def one_type(t: Ticket, ctx: Context) -> Iterator[Problem]:
    for name, owner in SECTIONS.items():
        if getattr(t, name) is not None and t.type is not owner:
            yield Problem(f"a {t.type.value} ticket has a `{name}` section, which belongs to {owner.value} tickets",
                          (name,), f"remove `{name}`, or file a separate {owner.value} ticket")
    if t.type is not T.complaint and (t.severity is not None or t.criteria):
        yield Problem(f"severity is for complaints; this is a {t.type.value} ticket", ("severity",),
                      "remove `severity`/`criteria`, or make the ticket a complaint")


@record_rule("TKT-GEN-02", "ticket", title="every ticket records its channel", enforcement="form field")
@_ticket
def has_channel(t: Ticket, ctx: Context) -> Iterator[Problem]:
    if t.channel is None:
        yield Problem("the channel the request came in by is missing", ("channel",),
                      "add --channel phone|letter|visit|email|online|fax|on_site")


@record_rule("TKT-GEN-03", "ticket", title="customer identity, contact and the request are recorded at intake")
@_ticket
def intake_complete(t: Ticket, ctx: Context) -> Iterator[Problem]:
    if not t.customer.name:
        yield Problem("customer name is missing", ("customer", "name"), "add --customer 姓名")
    if not t.customer.contact and t.origin.value == "customer":
        yield Problem("customer contact is missing", ("customer", "contact"), "add --contact 电话")
    if not (t.content or "").strip():
        yield Problem("the content of the request is missing", ("content",), "add --content '...'")


@record_rule("TKT-GEN-05", "ticket", title="the customer is told the result before the ticket closes")
@_ticket
def customer_notified_on_close(t: Ticket, ctx: Context) -> Iterator[Problem]:
    closing = _closing(t)
    if closing and closing[1].customer_notified_at is None:
        yield Problem("closed without recording when the customer was told the result",
                      ("events", closing[0], "customer_notified_at"), "close with --customer-notified-at TIME")


@record_rule("TKT-GEN-06", "ticket", title="tickets follow the state machine; no skipped or illegal steps")
@_ticket
def state_machine(t: Ticket, ctx: Context) -> Iterator[Problem]:
    for i, event, status in t.fold().illegal:
        if i == 0:
            yield Problem(f"the first event must be `received`, not `{event.action}`", ("events", 0, "action"),
                          "a ticket starts with csops ticket new")
            continue
        allowed = ", ".join(f"{a}({ACTION_LABELS[a]})" for a in ALLOWED[status])
        yield Problem(
            f"`{event.action}` ({ACTION_LABELS.get(event.action, event.action)}) is not allowed while the ticket "
            f"is {status.value} ({status.label}); allowed next: {allowed}",
            ("events", i, "action"), _REPEAT_HINT.get((event.action, status), "") + f"do one of: {allowed}",
        )


#: A step taken again where it already stands: typically two desks' branches that each took it, joined
#: by the events merge driver (issue 11). Before the merge commit the result may still lose one of them.
_REPEAT_HINT = {
    (action, status): f"two branches each did `{action}`: before the merge is committed, delete the later "
                      f"one (edit, git add, git commit); once committed, "
    for action, status in (("close", Status.closed), ("resolve", Status.resolved), ("wait", Status.waiting))
}


@record_rule("TKT-GEN-09", "ticket", title="a complaint closes only with findings and evidence")
@_ticket
def complaint_evidence(t: Ticket, ctx: Context) -> Iterator[Problem]:
    closing, resolved = _closing(t), _last_resolve(t)
    if t.type is T.complaint and closing and resolved:
        i, resolve = resolved
        if not resolve.findings or not resolve.evidence:
            yield Problem("a complaint cannot close without findings and evidence on its resolution",
                          ("events", i), "resolve again with --findings and --evidence (reopen first)")


BANNED = ("我不知道", "这事情不归我管", "不归我管")
NEGATIVE = ("我不能够", "我不能", "我不会", "我不愿意", "可是")


@record_rule("TKT-LANG-01", "ticket", title="reply texts avoid banned and negative phrases", severity=Level.warning,
             enforcement="warning")
@_ticket
def reply_language(t: Ticket, ctx: Context) -> Iterator[Problem]:
    for i, event in enumerate(t.events):
        text = getattr(event, "reply_text", None)
        if not text:
            continue
        found = [p for p in BANNED + NEGATIVE if p in text]
        if found:
            yield Problem(f"reply text uses 服务忌语/negative wording: {'、'.join(found)}",
                          ("events", i, "reply_text"), "rephrase positively: say what will be done and when")


# -- §1.3 first-contact ownership -----------------------------------------------------------


@record_rule("TKT-FCR-01", "ticket", title="the first-contact owner is the receiver and never changes")
@_ticket
def first_owner_is_receiver(t: Ticket, ctx: Context) -> Iterator[Problem]:
    if t.events and t.events[0].action == "received" and t.events[0].by != t.first_owner:
        yield Problem(f"first_owner {t.first_owner} is not the receiver {t.events[0].by}", ("first_owner",),
                      "the first-contact owner is whoever received the request; pass it on with forward/assign")


def contact_group(record: Record) -> str | None:
    """TKT-FCR-05's group of a ticket: the same contact about the same type of matter."""
    if isinstance(record, Ticket) and record.customer.contact and record.events:
        return f"{record.customer.contact}\0{record.type.value}"
    return None


def _by_contact(record: Record, ctx: Context) -> str | None:
    return contact_group(record)


@tree_rule("TKT-FCR-05", title="a second contact about an open matter is flagged as a repeat contact",
           severity=Level.warning, enforcement="warning", group=_by_contact, min_members=2)
def repeat_contact(ctx: Context) -> Iterator[Problem]:
    for later, earlier in repeat_contacts(ctx):
        yield Problem(f"the customer called again ({later.id}) while {earlier.id} was still open: "
                      "the customer should not have to call twice", ("customer", "contact"),
                      f"link the contact to {earlier.id} (csops ticket update {earlier.id}) and "
                      "tell the customer where it stands", target=later)


def repeat_contacts(ctx: Context) -> list[tuple[Ticket, Ticket]]:
    """TKT-FCR-05: (later, earlier) for each contact of the same type from a customer whose earlier
    ticket was still open when they called again (the first such earlier ticket).

    Per (contact, type), in (received_at, id) order: the earlier ticket is the first of the group
    before the later one that was not closed as of the later one's reception. Computed once per tree,
    by a sweep over the group in time: each ticket's status changes (``Ticket.timeline``, reopenings
    included) are replayed in time order and the open ones kept in a heap by position, so a group of
    n tickets costs O(n log n), not n² folds (do not mutate the list returned).
    """
    return ctx.memo("tickets.repeat_contacts", lambda: _repeat_contacts(ctx))


def _repeat_contacts(ctx: Context) -> list[tuple[Ticket, Ticket]]:
    return repeat_contacts_among(ctx.of(Ticket))


def repeat_contacts_among(tickets: Iterable[Ticket]) -> list[tuple[Ticket, Ticket]]:
    """``repeat_contacts`` over ``tickets`` (whole contact groups: see ``contact_group``)."""
    by_contact: dict[tuple[str, str], list[Ticket]] = {}
    for t in tickets:
        if t.customer.contact and t.events:
            by_contact.setdefault((t.customer.contact, t.type.value), []).append(t)
    out: list[tuple[Ticket, Ticket]] = []
    for group in by_contact.values():
        group.sort(key=lambda x: (x.received_at, x.id))
        out.extend(first_open_earlier(group))
    return out


def first_open_earlier(group: list[Any]) -> Iterator[tuple[Any, Any]]:
    """(later, earlier) for each member of ``group`` (one contact group, in (received_at, id) order)
    received while an earlier member was open, naming the first such. A member needs only
    ``received_at`` and ``timeline()`` (rows of (at, status, ...)): a ticket, or its fact
    (``csops.facts.repeat_contacts_of``)."""
    is_open: list[bool] = []  # by position in the group, for the tickets already swept in
    changes: list[tuple[Any, int, int, bool]] = []  # heap: (instant, position, step, open from then on)
    open_heap: list[int] = []  # positions open now (stale entries are skipped on the way out)
    for n, later in enumerate(group):
        now = later.received_at
        if n:
            # Sweep in the ticket before this one: its status now, and its later status changes.
            j = n - 1
            line = group[j].timeline()
            k = bisect_right(line, now, key=lambda row: row[0])
            is_open.append(k == 0 or line[k - 1][1] is not Status.closed)
            if is_open[j]:
                heappush(open_heap, j)
            for step, (at, status, _) in enumerate(line[k:], start=k):
                heappush(changes, (at, j, step, status is not Status.closed))
        while changes and changes[0][0] <= now:
            _, j, _, opened = heappop(changes)
            if opened and not is_open[j]:
                heappush(open_heap, j)
            is_open[j] = opened
        while open_heap and not is_open[open_heap[0]]:
            heappop(open_heap)
        if open_heap:
            yield later, group[open_heap[0]]


@record_rule("TKT-FCR-06", "ticket", title="a major complaint is reported to the general manager")
@_ticket
def major_reported_to_gm(t: Ticket, ctx: Context) -> Iterator[Problem]:
    closing = _closing(t)
    if not closing or t.type is not T.complaint or t.fold().severity is not Severity.major:
        return
    told = {s for e in t.of_action("report") for s in e.to}
    if not any(_has_role(ctx, s, Role.general_manager) for s in told):
        yield Problem("a major complaint closes only after it was reported to the general manager",
                      ("events", closing[0]), _cmd(t, "report") + " --to <总经理工号>")


@record_rule("TKT-FCR-08", "ticket", title="complaints and repairs close only after a callback")
@_ticket
def callback_before_close(t: Ticket, ctx: Context) -> Iterator[Problem]:
    closing, resolved = _closing(t), _last_resolve(t)
    if not closing or t.type not in (T.complaint, T.repair) or not resolved:
        return
    if t.type is T.repair and t.customer.internal:
        return  # internal repairs are sampled (≥70%, TKT-CB-04), not each called back
    if not any(e.reached for e in t.events[resolved[0]:] if isinstance(e, Callback)):
        yield Problem("closed without a callback after the last resolution", ("events", closing[0]),
                      _cmd(t, "callback") + " --mode phone --satisfied --notes ...")


# -- §1.8–1.11 complaints -------------------------------------------------------------------


@record_rule("TKT-CMP-05", "ticket", title="a complaint not answered at intake has a promised reply time")
@_ticket
def promised_reply(t: Ticket, ctx: Context) -> Iterator[Problem]:
    if t.type is T.complaint and not t.answered_at_intake and t.promised_reply_at is None:
        yield Problem("the customer was not answered at intake and no reply time was promised",
                      ("promised_reply_at",), "add --promised-by TIME (or --answered-at-intake)")
    if t.promised_reply_at is not None and t.events and t.promised_reply_at <= t.received_at:
        yield Problem(f"the reply time promised ({t.promised_reply_at.isoformat(timespec='minutes')}) is not after "
                      f"the request was received ({t.received_at.isoformat(timespec='minutes')})",
                      ("promised_reply_at",), "give the customer a reply time in the future (--promised-by TIME)")


@record_rule("TKT-CMP-07", "ticket", title="a complaint's severity is judged at intake")
@_ticket
def severity_at_intake(t: Ticket, ctx: Context) -> Iterator[Problem]:
    if t.type is T.complaint and t.severity is None:
        yield Problem("a complaint needs a first judgment of severity", ("severity",),
                      "add --severity major|general|minor (重大/一般/轻微)")


@record_rule("TKT-CMP-09", "ticket", title="a complaint closes only when the complainant is satisfied")
@_ticket
def complainant_satisfied(t: Ticket, ctx: Context) -> Iterator[Problem]:
    closing = _closing(t)
    if not closing or t.type is not T.complaint:
        return
    calls = [e for e in t.events[: closing[0]] if isinstance(e, Callback) and e.reached]
    if calls and calls[-1].satisfied is not True:
        yield Problem("the last callback found the complainant not satisfied", ("events", closing[0]),
                      "take new corrective action (resolve again), call back, then close")


@record_rule("TKT-CMP-10", "ticket", title="a complaint is handled by a named person")
@_ticket
def complaint_handler(t: Ticket, ctx: Context) -> Iterator[Problem]:
    resolved = _last_resolve(t)
    if t.type is not T.complaint or t.answered_at_intake or not resolved:
        return
    if not any(e.action in ("forward", "assign") for e in t.events[: resolved[0]]):
        yield Problem("resolved before anyone was named to handle the complaint", ("events", resolved[0]),
                      _cmd(t, "forward") + " --to 工号 --reason ... (before resolving)")


@record_rule("TKT-CMP-11", "ticket", title="a major complaint goes to the CS-centre director",
             enforcement="approval required")
@_ticket
def major_to_director(t: Ticket, ctx: Context) -> Iterator[Problem]:
    closing = _closing(t)
    if not closing or t.type is not T.complaint or t.fold().severity is not Severity.major:
        return
    if not any(_has_role(ctx, e.to, Role.cs_centre_director) for e in t.of_action("escalate")):
        yield Problem("a major complaint closes only after escalation to the CS-centre director",
                      ("events", closing[0]), _cmd(t, "escalate") + " --to <主任工号> --reason big_problem")


@record_rule("TKT-SEV-01", "ticket", title="a major complaint names its criterion (loss, injury, media)")
@_ticket
def major_criteria(t: Ticket, ctx: Context) -> Iterator[Problem]:
    state = t.fold()
    if t.type is T.complaint and state.severity is Severity.major and not state.criteria:
        yield Problem("severity major needs at least one criterion", ("criteria",),
                      "add --criterion economic_loss|personal_injury|negative_media, or grade it general/minor")


def _complaint_resolves(t: Ticket) -> Iterator[tuple[int, Resolve]]:
    if t.type is T.complaint:
        for i, e in enumerate(t.events):
            if isinstance(e, Resolve):
                yield i, e


@record_rule("TKT-VAL-01", "ticket", title="a complaint's validity is decided before it closes")
@_ticket
def validity_decided(t: Ticket, ctx: Context) -> Iterator[Problem]:
    closing, resolved = _closing(t), _last_resolve(t)
    if t.type is T.complaint and closing and resolved and resolved[1].validity is None:
        yield Problem("closed without deciding whether the complaint is valid", ("events", resolved[0]),
                      "resolve with --validity valid|invalid")


@record_rule("TKT-VAL-02", "ticket", title="a valid complaint is verified by CS staff or the department head",
             enforcement="approval required")
@_ticket
def validity_verified(t: Ticket, ctx: Context) -> Iterator[Problem]:
    for i, e in _complaint_resolves(t):
        if e.validity is Validity.valid and not _has_role(
            ctx, e.verified_by, Role.agent, Role.dept_head, Role.cs_supervisor, Role.cs_manager
        ):
            yield Problem("a valid complaint must be verified by CS staff or the responsible department head",
                          ("events", i, "verified_by"), "add --verified-by 工号 (客服人员或部门负责人)")


@record_rule("TKT-VAL-03", "ticket", title="an invalid complaint gives its reason")
@_ticket
def invalid_reason(t: Ticket, ctx: Context) -> Iterator[Problem]:
    for i, e in _complaint_resolves(t):
        if e.validity is Validity.invalid and e.invalid_reason is None:
            yield Problem("an invalid complaint needs its reason", ("events", i, "invalid_reason"),
                          "add --invalid-reason out_of_contract|misunderstanding|suggestion")


@record_rule("TKT-VAL-04", "ticket", title="a valid complaint records its corrective action")
@_ticket
def corrective_action(t: Ticket, ctx: Context) -> Iterator[Problem]:
    for i, e in _complaint_resolves(t):
        if e.validity is Validity.valid and not e.corrective_action:
            yield Problem("a valid complaint needs the corrective action taken", ("events", i, "corrective_action"),
                          "add --corrective-action '...'")


@record_rule("TKT-VAL-05", "ticket", title="an invalid complaint still tells the customer the cause and the help plan")
@_ticket
def invalid_customer_informed(t: Ticket, ctx: Context) -> Iterator[Problem]:
    for i, e in _complaint_resolves(t):
        if e.validity is Validity.invalid and not (e.reply_text or "").strip():
            yield Problem("an invalid complaint is still answered: record what the customer was told "
                          "(the cause and how we will help)", ("events", i, "reply_text"), "add --reply-text '...'")


# -- §1.12 night duty -----------------------------------------------------------------------


@record_rule("TKT-NGT-01", "ticket", title="complaints at night are received by night duty", severity=Level.warning,
             enforcement="warning")
@_ticket
def night_receiver(t: Ticket, ctx: Context) -> Iterator[Problem]:
    if (t.type is T.complaint and t.events and is_night(ticket_calendar(ctx, t), t.received_at)
            and not _has_role(ctx, t.events[0].by, Role.night_duty, Role.security, Role.duty_manager)):
        yield Problem("a complaint received at night should be taken by the night duty", ("first_owner",),
                      "check the receiver; night duty is the security monitoring room (CFL-24)")


def _by_morning(record: Record, ctx: Context) -> str | None:
    """The morning whose 08:00 book a night ticket belongs in; a book's own day."""
    from csops.models.handover import Handover, HandoverType

    if isinstance(record, Ticket) and record.events:
        cal = ticket_calendar(ctx, record)
        if is_night(cal, record.received_at):
            return morning_after(cal, record.received_at).date().isoformat()
    if isinstance(record, Handover) and record.type is HandoverType.security_to_cs:
        return record.date.isoformat()
    return None


@tree_rule("TKT-NGT-04", title="every after-hours ticket is in the 08:00 handover book", severity=Level.warning,
           group=_by_morning)
def night_tickets_handed_over(ctx: Context) -> Iterator[Problem]:
    """Checked once the 08:00 security→CS handover of that morning exists (HOV-SEC-01 flags a missing one)."""
    from csops.models import kinds

    if "handover" not in kinds():
        return
    from csops.models.handover import Handover, HandoverType

    books = {h.date: h for h in ctx.of(Handover) if h.type is HandoverType.security_to_cs}
    listed: dict[str, set[str | None]] = {}  # book id → tickets it lists
    for t, morning in night_mornings(ctx):
        book = books.get(morning.date())
        if book is None:
            continue
        if book.id not in listed:
            listed[book.id] = {i.ticket for i in book.after_hours}
        if t.id not in listed[book.id]:
            yield Problem(
                f"{t.id}, taken at night {t.received_at:%m-%d %H:%M}, is not in the 08:00 handover book {book.id}",
                ("events", 0, "at"),
                f"add it to the book: csops handover open … --item {'complaint' if t.type is T.complaint else 'service_request'}:{t.id}:…",
                target=t,
            )


@record_rule("TKT-NGT-03", "ticket", title="a major complaint at night is notified at once to managers",
             severity=Level.warning,
             enforcement="warning")
@_ticket
def night_major_notified(t: Ticket, ctx: Context) -> Iterator[Problem]:
    state = t.fold()
    if t.type is not T.complaint or state.severity is not Severity.major or not t.events:
        return
    if not is_night(ticket_calendar(ctx, t), t.received_at):
        return
    limit = t.received_at.timestamp() + 60 * ticket_policy(ctx, t).sla.complaint.forward_min["major"]
    told = {s for e in t.of_action("report") if e.at.timestamp() <= limit for s in e.to}
    wanted = {p.id for p in ctx.staff.values() if p.active and p.has_role(Role.dept_manager, Role.project_manager)}
    missing = sorted(wanted - told)
    if missing and (ctx.now.timestamp() > limit):
        yield Problem(f"major complaint at night: not notified within 10 minutes: {', '.join(ctx.name(m) for m in missing)}",
                      ("events",), _cmd(t, "report") + " --to " + " --to ".join(missing))


# -- §1.13 callbacks ------------------------------------------------------------------------


def _callbacks(t: Ticket) -> Iterator[tuple[int, Callback]]:
    for i, e in enumerate(t.events):
        if isinstance(e, Callback):
            yield i, e


@record_rule("TKT-CB-01", "ticket", title="complaint callbacks are made by the role the severity requires",
             enforcement="approval required")
@_ticket
def callback_role(t: Ticket, ctx: Context) -> Iterator[Problem]:
    if t.type is not T.complaint:
        return
    severity = t.fold().severity or Severity.general
    callback = ticket_policy(ctx, t).sla.callback
    roles = callback.complaint_roles[severity_key(severity)]
    allowed = set(roles) | ({Role.cs_supervisor} if callback.allow_delegate else set())
    for i, e in _callbacks(t):
        if not _has_role(ctx, e.by, *allowed):
            names = "、".join(r.label for r in sorted(allowed, key=lambda r: r.value))
            yield Problem(f"a {severity.value} complaint's callback is made by {names}; {ctx.name(e.by)} is not",
                          ("events", i, "by"), "call back as the manager (--as) or have them do it")
        if severity is Severity.major:
            # The department manager *and* the project manager, in person: every role of the
            # policy's list held by someone on the visit (the CS supervisor may stand in for the
            # CS manager where the policy allows it, CFL-06).
            present = [e.by, *e.joined_by]
            missing = [r for r in roles if not any(_has_role(ctx, who, *_stand_ins(r, callback.allow_delegate))
                                                   for who in present)]
            if missing:
                names = "、".join(r.label for r in missing)
                yield Problem(f"a major complaint's callback is a visit by {'、'.join(r.label for r in roles)}; "
                              f"no {names} is on it", ("events", i, "joined_by"),
                              f"add who came with --with 工号 ({names})")
            if e.mode.value != "on_site":
                yield Problem("a major complaint's callback is an on-site visit", ("events", i, "mode"),
                              "use --mode on_site (上门回访)")


def _stand_ins(role: Role, delegate: bool) -> tuple[Role, ...]:
    return (role, Role.cs_supervisor) if delegate and role is Role.cs_manager else (role,)


@record_rule("TKT-CB-02", "ticket",
             title="a complaint callback records satisfaction and signature; an unsatisfied one needs a new corrective action")
@_ticket
def callback_signed(t: Ticket, ctx: Context) -> Iterator[Problem]:
    if t.type is T.complaint:
        for i, e in _callbacks(t):
            if e.reached and e.satisfied is None:
                yield Problem("the callback must record whether the complainant is satisfied",
                              ("events", i, "satisfied"), "add --satisfied or --unsatisfied")
            if e.reached and e.satisfied and not e.signature:
                yield Problem("the complainant signs the 投诉处理记录表 at the callback", ("events", i, "signature"),
                              "add --signature once the customer has signed")
    # An unsatisfied callback reopens the ticket (any type, issue 3 §6); the next resolution must carry a
    # corrective action, and a *new* one: repeating an earlier action is not "重新制定并实施纠正措施".
    reopened = False
    earlier: set[str] = set()
    for i, ev in enumerate(t.events):
        if isinstance(ev, Callback) and ev.satisfied is False:
            reopened = True
        elif isinstance(ev, Resolve):
            action = (ev.corrective_action or "").strip()
            if reopened and not action:
                yield Problem("after an unsatisfied callback, a new corrective action is required",
                              ("events", i, "corrective_action"), "resolve with --corrective-action '...'")
            elif reopened and action in earlier:
                yield Problem(f"after an unsatisfied callback, the corrective action must be new; "
                              f"「{action}」 was already tried", ("events", i, "corrective_action"),
                              "resolve with a different --corrective-action: what is done differently this time")
            if action:
                earlier.add(action)
            reopened = False


@record_rule("TKT-CB-04", "ticket", title="internal repairs are called back face to face", severity=Level.warning,
             enforcement="warning")
@_ticket
def internal_face_to_face(t: Ticket, ctx: Context) -> Iterator[Problem]:
    if t.type is T.repair and t.customer.internal:
        for i, e in _callbacks(t):
            if e.mode.value != "face_to_face":
                yield Problem("internal repairs are called back face to face", ("events", i, "mode"),
                              "use --mode face_to_face")


@record_rule("TKT-SAT-01", "ticket", title="every callback that reached the customer records satisfaction",
             enforcement="form field")
@_ticket
def callback_satisfaction(t: Ticket, ctx: Context) -> Iterator[Problem]:
    for i, e in _callbacks(t):
        if e.reached and e.satisfied is None and t.type is not T.complaint:  # complaints: TKT-CB-02
            yield Problem("the callback does not say whether the customer is satisfied", ("events", i, "satisfied"),
                          "add --satisfied or --unsatisfied")


@record_rule("TKT-CB-11", "ticket", title="every callback keeps notes")
@_ticket
def callback_notes(t: Ticket, ctx: Context) -> Iterator[Problem]:
    for i, e in _callbacks(t):
        if not e.notes.strip():
            yield Problem("the callback record has no notes", ("events", i, "notes"), "add --notes '客户反馈...'")


# -- §1.4–1.7 repairs, installations, swaps, fees -------------------------------------------


@record_rule("TKT-REP-01", "ticket", title="a product repair records name, address, contact, model, purchase date")
@_ticket
def product_repair_fields(t: Ticket, ctx: Context) -> Iterator[Problem]:
    r = t.repair
    if t.type is not T.repair or r is None or r.kind is not RepairKind.product:
        return
    for loc, value, flag in ((("customer", "address"), t.customer.address, "--address"),
                             (("repair", "product_model"), r.product_model, "--product-model"),
                             (("repair", "purchase_date"), r.purchase_date, "--purchase-date"),
                             (("repair", "fault_symptom"), r.fault_symptom, "--symptom")):
        if not value:
            yield Problem(f"a product repair needs `{loc[-1]}`", loc, f"add {flag}")


def _needs_approval(t: Ticket, ctx: Context) -> bool:
    flags = ticket_policy(ctx, t).sla.dispatch_approval
    if t.type is T.installation:
        return flags.get("installation", True)
    if t.type is T.repair and t.repair is not None:
        return flags.get(t.repair.kind.value, False)
    return False


def _approval_before_assign(t: Ticket, ctx: Context) -> Iterator[Problem]:
    approved = False
    for i, e in enumerate(t.events):
        if e.action == "approve":
            if not _has_role(ctx, e.by, Role.division_manager, Role.dept_manager):
                yield Problem(f"{ctx.name(e.by)} is not a division or department manager and cannot approve a dispatch",
                              ("events", i, "by"), "approve as the GPS division manager (事业部经理)")
            elif _has_role(ctx, e.by, Role.division_manager) or not _needs_approval(t, ctx):
                approved = True
        elif e.action == "assign" and _needs_approval(t, ctx) and not approved:
            yield Problem("a technician was assigned before the division manager approved the dispatch",
                          ("events", i), _cmd(t, "approve") + " (as the division manager), then assign")


@record_rule("TKT-REP-02", "ticket", title="the division manager approves a repair dispatch before a technician is assigned",
             enforcement="approval required")
@_ticket
def dispatch_approved(t: Ticket, ctx: Context) -> Iterator[Problem]:
    if t.type is not T.installation:
        yield from _approval_before_assign(t, ctx)


@record_rule("TKT-INS-02", "ticket", title="the division manager approves an installation dispatch before assigning",
             enforcement="approval required")
@_ticket
def installation_approved(t: Ticket, ctx: Context) -> Iterator[Problem]:
    if t.type is T.installation:
        yield from _approval_before_assign(t, ctx)


@record_rule("TKT-REP-04", "ticket", title="a GPS repair or installation closes with its dispatch form filled in")
@_ticket
def dispatch_form_complete(t: Ticket, ctx: Context) -> Iterator[Problem]:
    closing, resolved = _closing(t), _last_resolve(t)
    product = t.type is T.installation or (t.type is T.repair and t.repair is not None
                                           and t.repair.kind is RepairKind.product)
    if not (closing and resolved and product):
        return
    d = resolved[1].dispatch
    if d is None or not d.technician:
        yield Problem("the 维修服务单/派工单 has no technician", ("events", resolved[0], "dispatch"),
                      "resolve with --technician 工号 (reopen first)")
    if t.type is T.repair and (d is None or not (d.plate_number or (t.repair and t.repair.plate_number))):
        yield Problem("the 维修服务单 has no vehicle plate", ("events", resolved[0], "dispatch"), "resolve with --plate")


@record_rule("TKT-REP-06", "ticket", title="contractors or other departments go only with a department manager's consent",
             enforcement="approval required")
@_ticket
def outside_help_approved(t: Ticket, ctx: Context) -> Iterator[Problem]:
    for i, e in enumerate(t.events):
        if e.action == "assign" and e.assignee_kind.value != "staff":
            ok = any(a.action == "approve" and _has_role(ctx, a.by, Role.dept_manager) for a in t.events[:i])
            if not ok:
                yield Problem("sending a contractor or another department needs a department manager's approval",
                              ("events", i, "assignee_kind"), _cmd(t, "approve") + " (as a 部门经理) first")


@record_rule("TKT-GEN-10", "ticket", title="a patrol finding names the project manager who reported it")
@_ticket
def inspection_reporter(t: Ticket, ctx: Context) -> Iterator[Problem]:
    if t.origin.value == "inspection" and not _has_role(ctx, t.reported_by, Role.project_manager):
        yield Problem("a ticket from a quality patrol names the project manager who reported it", ("reported_by",),
                      "add --reported-by <项目经理工号>")


@record_rule("TKT-REP-07", "ticket", title="a property repair records free/paid and the trade")
@_ticket
def property_repair_fields(t: Ticket, ctx: Context) -> Iterator[Problem]:
    r = t.repair
    if t.type is T.repair and (r is None or r.kind is RepairKind.property):
        if r is None or r.billing is None:
            yield Problem("a property repair is marked free or paid", ("repair", "billing"), "add --billing free|paid")
        if r is None or not r.trade:
            yield Problem("a property repair names the trade (工种)", ("repair", "trade"), "add --trade 水电|空调|...")


@record_rule("TKT-INS-01", "ticket", title="an installation references its three input documents")
@_ticket
def installation_documents(t: Ticket, ctx: Context) -> Iterator[Problem]:
    if t.type is not T.installation:
        return
    ins = t.installation
    for name, flag in (("request_form", "--request-form"), ("vehicle_list", "--vehicle-list"),
                       ("driver_info", "--driver-info")):
        if ins is None or not getattr(ins, name):
            yield Problem(f"an installation needs `{name}`", ("installation", name), f"add {flag} <编号>")


@record_rule("TKT-INS-03", "ticket", title="on-site design and installation are free")
@_ticket
def installation_free(t: Ticket, ctx: Context) -> Iterator[Problem]:
    if t.type is not T.installation:
        return
    if t.installation is not None and t.installation.fee:
        yield Problem("installation is free of charge", ("installation", "fee"), "set fee to 0")
    for i, e in enumerate(t.events):
        if isinstance(e, Resolve) and e.dispatch is not None and e.dispatch.labour_fee:
            yield Problem("installation is free of charge: no labour fee", ("events", i, "dispatch", "labour_fee"),
                          "remove --labour-fee")


def _dispatches(t: Ticket) -> Iterator[tuple[int, Any]]:
    for i, e in enumerate(t.events):
        if isinstance(e, Resolve) and e.dispatch is not None:
            yield i, e.dispatch


@record_rule("TKT-TRM-01", "ticket", title="a terminal taken back carries a tape label with plate and symptom",
             severity=Level.warning, enforcement="form field")
@_ticket
def terminal_label(t: Ticket, ctx: Context) -> Iterator[Problem]:
    for i, d in _dispatches(t):
        if d.old_terminal_no and (not d.tape_label_attached or not d.plate_number):
            yield Problem("the terminal taken back needs a tape label with the plate number and fault symptom",
                          ("events", i, "dispatch"), "add --plate and --tape-label")


def _pair(old: str | None, new: str | None, what: str, i: int, flags: str) -> Iterator[Problem]:
    if bool(old) != bool(new):
        yield Problem(f"a {what} swap records both the old and the new number", ("events", i, "dispatch"),
                      f"add {flags}")
    elif old and old == new:
        yield Problem(f"old and new {what} numbers are the same ({old})", ("events", i, "dispatch"),
                      "check the numbers on the 维修服务单")


@record_rule("TKT-TRM-02", "ticket", title="a terminal swap records old and new terminal numbers")
@_ticket
def terminal_swap(t: Ticket, ctx: Context) -> Iterator[Problem]:
    for i, d in _dispatches(t):
        yield from _pair(d.old_terminal_no, d.new_terminal_no, "terminal", i, "--old-terminal and --new-terminal")


@record_rule("TKT-TRM-03", "ticket", title="a SIM swap records old and new SIM numbers")
@_ticket
def sim_swap(t: Ticket, ctx: Context) -> Iterator[Problem]:
    for i, d in _dispatches(t):
        yield from _pair(d.old_sim, d.new_sim, "SIM", i, "--old-sim and --new-sim")


def _with_swaps(record: Record, ctx: Context) -> str | None:
    """Tickets that fit or take off a terminal or SIM: one group (they are few)."""
    if isinstance(record, Ticket) and any(
            d.old_terminal_no or d.new_terminal_no or d.old_sim or d.new_sim for _, d in _dispatches(record)):
        return "swaps"
    return None


@tree_rule("TKT-TRM-04", title="no terminal or SIM number is active on two vehicles at once", group=_with_swaps)
def swaps_consistent(ctx: Context) -> Iterator[Problem]:
    current: dict[tuple[str, str], tuple[str, Ticket]] = {}  # (kind, number) → (plate, ticket)
    rows = []
    for t in ctx.of(Ticket):
        for _, d in _dispatches(t):
            plate = d.plate_number or (t.repair.plate_number if t.repair else None)
            if plate:
                rows.append((t.received_at, t, plate, d))
    for _, t, plate, d in sorted(rows, key=lambda r: (r[0], r[1].id)):
        for kind, old, new in (("terminal", d.old_terminal_no, d.new_terminal_no), ("SIM", d.old_sim, d.new_sim)):
            if old:
                current.pop((kind, old), None)
            if new:
                held = current.get((kind, new))
                if held and held[0] != plate:
                    yield Problem(f"{kind} {new} is fitted to {plate} but still active on {held[0]} ({held[1].id})",
                                  ("events",), f"record the swap that took {new} off {held[0]}", target=t)
                current[(kind, new)] = (plate, t)


@record_rule("TKT-FEE-01", "ticket", title="out-of-warranty repairs charge parts only, no labour")
@_ticket
def parts_only(t: Ticket, ctx: Context) -> Iterator[Problem]:
    for i, d in _dispatches(t):
        if d.out_of_warranty and d.labour_fee:
            yield Problem("out of warranty, only parts are charged: labour fee must be 0",
                          ("events", i, "dispatch", "labour_fee"), "remove --labour-fee")


@record_rule("TKT-FEE-02", "ticket", title="a fee collected has an invoice and goes to finance")
@_ticket
def fee_invoiced(t: Ticket, ctx: Context) -> Iterator[Problem]:
    for i, d in _dispatches(t):
        if d.fee > 0 and not d.invoice_no:
            yield Problem(f"a fee of {d.fee:g} yuan was collected without an invoice number",
                          ("events", i, "dispatch", "invoice_no"), "add --invoice-no")


@record_rule("TKT-FEE-02", "ticket", title="the fee collected is handed to finance", severity=Level.warning,
             enforcement="warning")
@_ticket
def fee_to_finance(t: Ticket, ctx: Context) -> Iterator[Problem]:
    collected = sum(d.fee for _, d in _dispatches(t))
    handed = sum(e.amount for e in t.of_action("finance"))
    if collected > handed:
        yield Problem(f"{collected - handed:g} yuan collected has not been handed to finance", ("events",),
                      _cmd(t, "finance") + f" --amount {collected - handed:g} --receiver <财务工号>")


@record_rule("TKT-SUG-01", "ticket", title="the director decides whether a suggestion is adopted",
             enforcement="approval required")
@_ticket
def suggestion_decided(t: Ticket, ctx: Context) -> Iterator[Problem]:
    if t.type is not T.suggestion:
        return
    for i, e in enumerate(t.events):
        if isinstance(e, Resolve):
            if e.decision is None:
                yield Problem("a suggestion is resolved with the director's decision", ("events", i, "decision"),
                              "add --decision adopt|reject")
            if not _has_role(ctx, e.by, Role.director, Role.cs_centre_director):
                yield Problem(f"{ctx.name(e.by)} is not the director; the director decides on suggestions",
                              ("events", i, "by"), "forward the suggestion to the director, who resolves it")


# -- §1.15 major faults ---------------------------------------------------------------------


@record_rule("TKT-FLT-01", "ticket", title="a major fault records time, place, symptoms and response plan")
@_ticket
def fault_facts(t: Ticket, ctx: Context) -> Iterator[Problem]:
    if t.type is not T.major_fault:
        return
    f = t.fault
    for name, flag in (("occurred_at", "--occurred-at"), ("location", "--location"),
                       ("symptoms", "--symptoms"), ("response_plan", "--response-plan")):
        if f is None or not getattr(f, name):
            yield Problem(f"a major fault needs `{name}`", ("fault", name), f"add {flag}")


@record_rule("TKT-FLT-03", "ticket", title="a major fault closes only with a fault analysis report")
@_ticket
def fault_report(t: Ticket, ctx: Context) -> Iterator[Problem]:
    closing = _closing(t)
    if t.type is T.major_fault and closing and not t.of_action("analysis"):
        yield Problem("a major fault cannot close without its fault analysis report (故障分析报告)",
                      ("events", closing[0]), _cmd(t, "analysis") + " --impact ... --root-cause ...")


# -- §1.16 客诉 -----------------------------------------------------------------------------


@record_rule("TKT-QC-01", "ticket", title="no loss: an 异常处理单 instead of a numbered case")
@_ticket
def kesu_loss(t: Ticket, ctx: Context) -> Iterator[Problem]:
    k = t.kesu
    if t.type is not T.kesu:
        return
    if k is None:
        yield Problem("a 客诉 ticket needs its kesu section", ("kesu",), "create it with csops ticket new --type kesu")
        return
    if not k.loss and not k.abnormality_form:
        yield Problem("no loss: file an 异常处理单 and give its number", ("kesu", "abnormality_form"),
                      "add --abnormality-form <编号>")
    if not k.loss and k.kesu_no:
        yield Problem("no loss: no 客诉 number is assigned", ("kesu", "kesu_no"), "remove kesu_no")
    if k.loss and not k.kesu_no:
        yield Problem("a 客诉 case with a loss needs its number", ("kesu", "kesu_no"),
                      "csops ticket new allocates it (YYMMNN-station)")


@record_rule("TKT-QC-02", "ticket", title="a 客诉 is resolved with its cause class (quality or human)")
@_ticket
def kesu_cause(t: Ticket, ctx: Context) -> Iterator[Problem]:
    if t.type is not T.kesu:
        return
    for i, e in enumerate(t.events):
        if isinstance(e, Resolve) and e.cause_class is None:
            yield Problem("a 客诉 resolution states the cause class", ("events", i, "cause_class"),
                          "add --cause-class quality|non_quality_human")


@record_rule("TKT-QC-03", "ticket", title="客诉 numbers read YYMMNN (plus the station code)")
@_ticket
def kesu_number(t: Ticket, ctx: Context) -> Iterator[Problem]:
    if t.kesu and t.kesu.kesu_no and not KESU_NO_RE.match(t.kesu.kesu_no):
        yield Problem(f"客诉 number {t.kesu.kesu_no!r} is not YYMMNN-S (e.g. 261101-A)", ("kesu", "kesu_no"),
                      "serial 01–99 per year-month and station")


@tree_rule("TKT-QC-03", title="客诉 numbers are unique over the merged tree", enforcement="validation error",
           group=lambda r, ctx: r.kesu.kesu_no or None if isinstance(r, Ticket) and r.kesu else None,
           min_members=2)
def kesu_unique(ctx: Context) -> Iterator[Problem]:
    seen: dict[str, str] = {}
    for t in sorted(ctx.of(Ticket), key=lambda x: x.id):
        no = t.kesu.kesu_no if t.kesu else None
        if not no:
            continue
        if no in seen:
            yield Problem(f"客诉 number {no} is used by {seen[no]} and {t.id}", ("kesu", "kesu_no"),
                          "renumber one of them (each clone numbers with its own station code)", target=t)
        else:
            seen[no] = t.id


@record_rule("TKT-QC-04", "ticket", title="a 客诉 records order, part, ship date, quantities and the request")
@_ticket
def kesu_facts(t: Ticket, ctx: Context) -> Iterator[Problem]:
    k = t.kesu
    if t.type is not T.kesu or k is None or not k.loss:
        return
    for name in ("order_no", "part_no", "ship_date", "qty", "defect_qty", "customer_request"):
        if getattr(k, name) in (None, ""):
            yield Problem(f"a 客诉 needs `{name}`", ("kesu", name), f"add --{name.replace('_', '-')}")
    if k.qty is not None and k.qty <= 0:
        yield Problem(f"the quantity delivered must be positive (got {k.qty})", ("kesu", "qty"), "check --qty")
    if k.defect_qty is not None and (k.defect_qty < 0 or (k.qty is not None and k.defect_qty > k.qty)):
        yield Problem(f"the defective quantity ({k.defect_qty}) must be between 0 and the quantity ({k.qty})",
                      ("kesu", "defect_qty"), "check --defect-qty against --qty")


#: TKT-QC-05: what 客户要求 says, word for word, while the customer is still processing the goods.
QTY_UNKNOWN = "客户加工中未确定"
_UNSURE = ("未确定", "不确定", "待定", "未定", "加工中", "不清楚")


@record_rule("TKT-QC-05", "ticket", title="a quantity not yet known reads exactly 客户加工中未确定")
@_ticket
def kesu_quantity_unknown(t: Ticket, ctx: Context) -> Iterator[Problem]:
    request = (t.kesu.customer_request or "").strip() if t.type is T.kesu and t.kesu is not None else ""
    if request and request != QTY_UNKNOWN and any(word in request for word in _UNSURE):
        yield Problem(f"客户要求 「{request}」 says the quantity is not known yet: the form reads exactly "
                      f"「{QTY_UNKNOWN}」", ("kesu", "customer_request"),
                      f"--customer-request {QTY_UNKNOWN} (and the return or exchange quantity once the customer knows it)")


@tree_rule("TKT-CMP-12", title="the complaint office and phone are configured for customer-facing forms",
           severity=Level.warning, enforcement="validation error (site config)",
           group=lambda r, ctx: "complaint" if isinstance(r, Ticket) and r.type is T.complaint else None,
           first_only=True)
def complaint_office(ctx: Context) -> Iterator[Problem]:
    if any(t.type is T.complaint for t in ctx.of(Ticket)):
        office = ctx.policy.office
        if not office.complaint_location or not office.complaint_phone:
            yield Problem("the complaint office location and phone are not configured", ("office",),
                          "set office.complaint_location and office.complaint_phone in records/policy.yaml",
                          target=ctx.policy)


# -- computed deadlines (warnings when missed) ----------------------------------------------

DEADLINE_RULES = {
    "TKT-SLA-01": "major complaint forwarded in 10 min and reported in 1 h",
    "TKT-SLA-02": "general complaint forwarded in 20 min, finished in 24 working hours",
    "TKT-SLA-03": "minor complaint forwarded in 30 min, resolved in 24 working hours or the customer's limit",
    "TKT-SLA-04": "a big problem escalated to the director is answered within 3 days",
    "TKT-CB-01": "complaint callback within 24 hours of handling",
    "TKT-CB-03": "repair callback within 24 working hours",
    "TKT-NGT-02": "night intake passed on first thing next working morning",
    "TKT-QC-17": "客诉 closes within 15 (domestic) / 20 (overseas) days",
    "TKT-GEN-08": "every open ticket has a due time",
    "TKT-CMP-05": "the promised reply time is kept",
}


def _deadline_rule(rule_id: str) -> Callable[[Ticket, Context], Iterator[Problem]]:
    def check(t: Ticket, ctx: Context) -> Iterator[Problem]:
        # Closed tickets keep their misses in `csops sla` and `csops kpi`; validate warns while it can act.
        if t.status is Status.closed:
            return
        for d in _deadlines_by_rule(t, ctx).get(rule_id, ()):
            # "Now" is consulted only for a deadline still open: a step done (on time or late), a paused
            # clock or a closed ticket's deadline gives the same answer on any date.
            state = d.settled() or d.state(ctx.now)
            if state in ("missed", "overdue"):
                due = d.due.isoformat(timespec="minutes") if d.due else ""
                yield Problem(f"{d.label}: {STATE_LABELS[state]} (due {due})", ("events",),
                              "see csops sla; record the step with its real time")

    return check


def _deadlines_by_rule(t: Ticket, ctx: Context) -> dict[str, list[Deadline]]:
    """The ticket's deadlines grouped by rule id, computed once per ticket per tree."""
    memo: dict[str, tuple[Ticket, dict[str, list[Deadline]]]] = ctx.memo("tickets.deadlines_by_rule", dict)
    hit = memo.get(t.id)
    if hit is not None and hit[0] is t:
        return hit[1]
    grouped: dict[str, list[Deadline]] = {}
    for d in ticket_deadlines(ctx, t):
        grouped.setdefault(d.rule, []).append(d)
    memo[t.id] = (t, grouped)
    return grouped


for _rid, _title in DEADLINE_RULES.items():
    record_rule(_rid, "ticket", title=_title, severity=Level.warning, enforcement="computed deadline")(
        _ticket(_deadline_rule(_rid)))


# -- history (csops audit) ------------------------------------------------------------------


def first_owner_unchanged(change: Any) -> Iterator[Problem]:
    """TKT-FCR-01 over git history: a ticket's first-contact owner is never replaced.

    Registered in ``csops.audit.HISTORY_CHECKS``; ``change`` is an audit ``RecordChange``.
    """
    before, after = change.before or {}, change.after or {}
    if "/tickets/" not in f"/{change.path}" or not before or not after:
        return
    old, new = before.get("first_owner"), after.get("first_owner")
    if old and new != old:
        yield Problem(
            f"commit {change.commit.sha[:10]} changed the first-contact owner of {change.record_id} from {old} to {new}",
            ("first_owner",), f"restore first_owner: {old}; pass the matter on with csops ticket forward",
            rule="TKT-FCR-01",
        )
