"""Ticket rules and lookups stay linear in the number of records, with the same answers as before.

Each optimisation is checked against the plain definition it replaced (kept here as a reference), on
seeded random offices: many tickets on one switchboard number, close/reopen cycles, several tickets at
the same instant, tickets still open, events recorded late (out of time order), illegal steps.
Timings live in ``make bench``; these tests count work instead (folds, Ticket copies, reads of "now").
"""

from __future__ import annotations

import copy
import pickle
import random
from datetime import date, datetime, timedelta
from typing import Any

import pytest

import csops.models.ticket as ticket_module
from csops.calendar import CalendarError
from csops.context import Context
from csops.models.ticket import ALLOWED, Status, Ticket, fold_events
from csops.rules import check_record, check_tree
from csops.rules.tickets import repeat_contacts
from csops.sla import is_night, morning_after, next_due, night_intakes, pending
from csops.store import LoadedFile
from tests.tickets_helpers import CALLBACK, CLOSE, FORWARD, RESOLVE, at, context, ticket

STAFF = ("CS001", "CS002", "E002", "M001", "T001")
SWITCHBOARD = "0755-12345678"


# -- the definitions the optimised code replaced ------------------------------------------------


def reference_repeat_contacts(ctx: Context) -> list[tuple[Ticket, Ticket]]:
    """TKT-FCR-05 as it was defined: quadratic in a contact's tickets, one as_of copy per pair."""
    by_contact: dict[tuple[str, str], list[Ticket]] = {}
    for t in ctx.of(Ticket):
        if t.customer.contact and t.events:
            by_contact.setdefault((t.customer.contact, t.type.value), []).append(t)
    out = []
    for group in by_contact.values():
        group.sort(key=lambda x: (x.received_at, x.id))
        for n, later in enumerate(group[1:], start=1):
            earlier = next((e for e in group[:n] if e.as_of(later.received_at).status is not Status.closed), None)
            if earlier is not None:
                out.append((later, earlier))
    return out


def reference_pending(ctx: Any, staff_id: str | None, when: datetime) -> list[Any]:
    from csops.models.ticket import status_label
    from csops.pending import PendingItem

    items = []
    for t in ctx.of(Ticket):
        if t.received_at > when:
            continue
        then = t.as_of(when)
        state = then.fold()
        if state.status.value == "closed":
            continue
        if staff_id is not None and staff_id not in (state.owner, t.first_owner):
            continue
        nd = next_due(then, ctx.calendar, when)
        what = f"{nd.label}" if nd else status_label(t.type, state.status)
        items.append(PendingItem(
            kind="ticket", record_id=t.id,
            summary=f"{t.type.label} {t.id} {what}: {t.subject or (t.content or '')[:20]}",
            owner=state.owner, due=nd.due if nd else None, overdue=bool(nd and nd.state(when) == "overdue"),
        ))
    return items


def reference_night_intakes(ctx: Context, day: date) -> list[Ticket]:
    found = [t for t in ctx.of(Ticket) if t.events and is_night(ctx.calendar, t.received_at)
             and morning_after(ctx.calendar, t.received_at).date() == day]
    return sorted(found, key=lambda t: (t.received_at, t.id))


# -- random offices -----------------------------------------------------------------------------

EXTRA: dict[str, dict[str, Any]] = {
    "forward": {"reason": "转当事部门"}, "assign": {"reason": "派工"}, "update": {"text": "跟进"},
    "wait": {"reason": "等客户"}, "resume": {}, "resolve": {"resolution": "已处理"}, "close": {},
    "reopen": {"reason": "客户不满意"}, "report": {}, "approve": {}, "classify": {"severity": "major"},
    "escalate": {"reason": "big_problem"}, "finance": {"amount": 10.0, "receiver": "CS002"},
}


def _event(rng: random.Random, action: str, when: datetime) -> dict[str, Any]:
    data: dict[str, Any] = {"action": action, "at": when.isoformat(), "by": rng.choice(STAFF), **EXTRA.get(action, {})}
    if action in ("forward", "assign", "escalate"):
        data["to"] = rng.choice(STAFF)
    if action == "report":
        data["to"] = [rng.choice(STAFF)]
    if action == "callback":
        data.update(mode="phone", satisfied=rng.choice([True, False, None]), notes="回访")
    return data


def random_ticket(rng: random.Random, n: int, received: datetime, contact: str | None, type_: str,
                  instants: list[datetime] = ()) -> Ticket:  # type: ignore[assignment]
    """A random life; steps now and then land on one of ``instants`` (others' reception times)."""
    first_owner = rng.choice(STAFF)
    events: list[dict[str, Any]] = [{"action": "received", "at": received.isoformat(), "by": first_owner}]
    when = received
    for _ in range(rng.choice([0, 1, 3, 5, 8, 12])):
        when += timedelta(minutes=rng.choice([0, 0, 5, 60, 600, 3000]))
        later = [i for i in instants if i > when]
        if later and rng.random() < 0.3:
            when = rng.choice(later[:5])
        state = fold_events(Ticket.model_validate({**_base(n, first_owner, contact, type_), "events": events}).events,
                            first_owner, None, [])
        if rng.random() < 0.85:  # mostly legal steps, biased towards closing and reopening
            choices = list(ALLOWED[state.status]) + ["close", "reopen", "resolve"] * 2
            action = rng.choice([a for a in choices if a in ALLOWED[state.status] and (a in EXTRA or a == "callback")])
        else:
            action = rng.choice(list(EXTRA) + ["callback", "received"])
        # now and then an event recorded late, with a time before earlier ones
        stamp = when if rng.random() > 0.07 else received + timedelta(minutes=rng.choice([-30, 0, 10, 90]))
        events.append(_event(rng, action, stamp))
    t = Ticket.model_validate({**_base(n, first_owner, contact, type_), "events": events})
    return t.model_copy(update=t.derived_summary())


def _base(n: int, first_owner: str, contact: str | None, type_: str) -> dict[str, Any]:
    return {"id": f"T-2611-R{n:04d}", "type": type_, "channel": "phone", "first_owner": first_owner,
            "customer": {"name": "客户", "contact": contact}, "content": "随机工单",
            **({"severity": "general"} if type_ == "complaint" else {})}


def random_office(seed: int, count: int = 90) -> Context:
    rng = random.Random(seed)
    ctx = context(now="2026-11-30 09:00")
    start = at("2026-11-02 09:00")
    instants = sorted(start + timedelta(minutes=rng.randint(0, 20 * 24 * 60)) for _ in range(count // 3))
    for n in range(count):
        received = rng.choice(instants) if rng.random() < 0.3 else start + timedelta(minutes=rng.randint(0, 20 * 24 * 60))
        contact = rng.choice([SWITCHBOARD] * 6 + ["13800000001", "13800000002", None])
        t = random_ticket(rng, n, received, contact, rng.choice(["complaint", "repair", "repair", "consultation"]),
                          instants)
        ctx.add(t, LoadedFile(rel=f"records/{t.expected_relpath()}", kind="ticket"))
    return ctx


def probe_times(ctx: Context, rng: random.Random, count: int) -> list[datetime]:
    """Event instants (where ``<=`` matters), a microsecond either side, and random moments."""
    stamps = sorted({e.at for t in ctx.of(Ticket) for e in t.events})
    out = []
    for _ in range(count):
        base = rng.choice(stamps)
        out.append(base + rng.choice([timedelta(0), timedelta(microseconds=1), -timedelta(microseconds=1),
                                      timedelta(minutes=rng.randint(0, 3000))]))
    return out


# -- TKT-FCR-05 -----------------------------------------------------------------------------------


def _ids(pairs: list[tuple[Ticket, Ticket]]) -> list[tuple[str, str]]:
    return [(later.id, earlier.id) for later, earlier in pairs]


@pytest.mark.parametrize("seed", range(12))
def test_TKT_FCR_05_repeat_contacts_equal_the_definition(seed: int) -> None:
    ctx = random_office(seed)
    expected = reference_repeat_contacts(ctx)
    fresh = Context(policy=ctx.policy, now=ctx.now)  # no index built yet
    for record, loaded in ctx.entries:
        fresh.add(record, loaded)
    got = repeat_contacts(fresh)
    assert _ids(got) == _ids(expected)
    assert all(a is b for pair, ref in zip(got, expected, strict=True) for a, b in zip(pair, ref, strict=True))


def test_TKT_FCR_05_random_offices_cover_the_hard_cases() -> None:
    """The randomized groups really contain reopenings, shared instants and out-of-order events."""
    tickets = [t for seed in range(12) for t in random_office(seed).of(Ticket)]
    assert any(t.of_action("reopen") and t.fold().status is Status.closed for t in tickets)
    assert any(any(a.at > b.at for a, b in zip(t.events, t.events[1:], strict=False)) for t in tickets)
    received = [(t.received_at, t.customer.contact) for t in tickets]
    assert len(set(received)) < len(received)
    assert any(t.fold().status is not Status.closed for t in tickets)


def test_TKT_FCR_05_reopened_ticket_is_open_again_between_its_closes() -> None:
    ctx = context()
    reopen = ("reopen", "2026-11-04 09:00", "CS001", {"reason": "客户又来电"})
    again = [("resolve", "2026-11-06 10:00", "E002", {"resolution": "再次处理", "validity": "valid",
                                                      "verified_by": "CS002", "corrective_action": "更换",
                                                      "findings": "f", "evidence": "e"}),
             ("callback", "2026-11-06 11:00", "M001", {"mode": "phone", "satisfied": True, "signature": True,
                                                      "notes": "满意"}),
             ("close", "2026-11-06 12:00", "CS001", {"customer_notified_at": "2026-11-06T12:00:00+08:00"})]
    first = ticket(events=[FORWARD, RESOLVE, CALLBACK, CLOSE, reopen, *again])
    ctx.add(first, LoadedFile(rel="records/x.yaml", kind="ticket"))
    for n, when in ((2, "2026-11-03 17:00"), (3, "2026-11-05 09:00"), (4, "2026-11-06 12:00"),
                    (5, "2026-11-04 09:00")):
        ctx.add(ticket(received=when).model_copy(update={"id": f"T-2611-A{n:03d}"}),
                LoadedFile(rel=f"records/{n}.yaml", kind="ticket"))
    # A002 called after the first close: nothing open. A005 at the very minute of the reopening and A003
    # while it was open again: A001. A004 at the minute of the second close: A001 is closed, A002 is open.
    expected = [("T-2611-A005", "T-2611-A001"), ("T-2611-A003", "T-2611-A001"), ("T-2611-A004", "T-2611-A002")]
    assert _ids(reference_repeat_contacts(ctx)) == expected
    assert _ids(repeat_contacts(ctx)) == expected
    hits = [p.message for p in check_tree(ctx) if p.rule == "TKT-FCR-05"]
    assert len(hits) == 3 and "(T-2611-A004) while T-2611-A002 was still open" in hits[2]


def test_TKT_FCR_05_no_copies_and_linear_folds_for_one_busy_number(monkeypatch: pytest.MonkeyPatch) -> None:
    """1,500 tickets on one switchboard number: no Ticket.as_of copies, each ticket's events folded once."""
    ctx = context()
    rng = random.Random(5)
    start = at("2026-01-05 09:00")
    total_events = 0
    for n in range(1500):
        t = random_ticket(rng, n, start + timedelta(minutes=37 * n), SWITCHBOARD, "repair")
        total_events += len(t.events)
        ctx.add(t, LoadedFile(rel=f"records/{n}.yaml", kind="ticket"))

    def no_copies(self: Ticket, when: datetime) -> Ticket:
        raise AssertionError("repeat_contacts must not build a Ticket per pair")

    applied = []
    real_apply = ticket_module._apply
    monkeypatch.setattr(Ticket, "as_of", no_copies)
    monkeypatch.setattr(ticket_module, "_apply", lambda *a: (applied.append(1), real_apply(*a))[1])
    pairs = repeat_contacts(ctx)
    assert pairs  # open repairs on the same number are flagged
    # every ticket's timeline is built once: at most (events per ticket)² applications for out-of-order ones
    assert len(applied) <= 20 * total_events


def test_TKT_FCR_05_index_follows_the_tree() -> None:
    """The memoised result is dropped when a command puts a changed ticket in the tree."""
    ctx = context()
    first = ticket(received="2026-11-02 09:00")
    ctx.add(first, LoadedFile(rel="records/a.yaml", kind="ticket"))
    ctx.add(ticket(received="2026-11-05 09:00").model_copy(update={"id": "T-2611-A002"}),
            LoadedFile(rel="records/b.yaml", kind="ticket"))
    assert _ids(repeat_contacts(ctx)) == [("T-2611-A002", "T-2611-A001")]
    closed = first.model_copy(update={"events": ticket(events=[FORWARD, RESOLVE, CALLBACK, CLOSE]).events})
    ctx.replace(first, closed)
    assert repeat_contacts(ctx) == []
    hits = [p for p in check_tree(ctx) if p.rule == "TKT-FCR-05"]
    assert hits == []


# -- fold once ------------------------------------------------------------------------------------


def test_TKT_GEN_06_fold_is_cached_and_copies_fold_afresh() -> None:
    t = ticket(events=[FORWARD, RESOLVE])
    assert t.fold() is t.fold()
    assert t.fold().status is Status.resolved
    # how csops ticket <action> builds the next version (commands/ticket.py _append)
    new = t.model_copy(update={"events": [*t.events, ticket(events=[FORWARD, RESOLVE, CALLBACK]).events[-1]]})
    assert new.fold() is not t.fold() and new.fold().status is Status.resolved
    closed = new.model_copy(update={"events": [*new.events, ticket(events=[FORWARD, RESOLVE, CALLBACK, CLOSE]).events[-1]]})
    assert closed.fold().status is Status.closed and t.fold().status is Status.resolved
    # severity, criteria and first owner feed the fold as well
    assert t.model_copy(update={"severity": "major"}).fold().severity == "major"
    assert t.model_copy(update={"criteria": ["economic_loss"]}).fold().criteria == ["economic_loss"]
    assert ticket().model_copy(update={"first_owner": "CS002"}).fold().owner == "CS002"
    # filling the summary keeps the fold (same events)
    summary = t.model_copy(update=t.derived_summary())
    assert summary.fold() is t.fold()
    # a list replaced by assignment is seen, too
    late = ticket(events=[FORWARD])
    late.fold()
    late.events = ticket(events=[FORWARD, RESOLVE]).events
    assert late.fold().status is Status.resolved


def test_TKT_GEN_06_cached_fold_is_invisible_to_dump_equality_and_pickle() -> None:
    folded, plain = ticket(events=[FORWARD, RESOLVE]), ticket(events=[FORWARD, RESOLVE])
    folded.fold()
    folded.timeline()
    assert folded == plain and plain == folded
    assert folded.model_dump() == plain.model_dump()
    assert folded.model_dump_json() == plain.model_dump_json()
    assert repr(folded) == repr(plain)
    assert Ticket.model_validate(folded.model_dump(mode="json")) == plain
    assert folded != ticket(events=[FORWARD])
    restored = pickle.loads(pickle.dumps(folded))
    assert restored == plain and not any(k.startswith("_csops") for k in restored.__dict__)
    assert restored.fold().status is Status.resolved
    deep = copy.deepcopy(folded)
    assert deep == plain and deep.fold().status is Status.resolved
    deep_copy = folded.model_copy(deep=True)
    assert deep_copy.fold() == folded.fold() and deep_copy.fold() is not folded.fold()


@pytest.mark.parametrize("seed", range(6))
def test_status_at_and_as_of_agree_with_a_fresh_fold(seed: int) -> None:
    ctx = random_office(seed, count=40)
    rng = random.Random(seed)
    for t in ctx.of(Ticket):
        for when in probe_times(ctx, rng, 15):
            fresh = fold_events([e for e in t.events if e.at <= when], t.first_owner, t.severity, t.criteria)
            assert t.status_at(when) == (fresh.status, fresh.owner)
            then = t.as_of(when)
            assert (then.status, then.owner) == (fresh.status, fresh.owner)
            assert then.events == [e for e in t.events if e.at <= when]
            assert then.fold() == fresh


# -- TKT-NGT-04 / HOV-SEC-01 and the handovers' pending matters -----------------------------------


@pytest.mark.parametrize("seed", range(4))
def test_TKT_NGT_04_night_intakes_by_day_equal_the_scan(seed: int) -> None:
    ctx = random_office(seed)
    days = {at("2026-11-01 08:00").date() + timedelta(days=n) for n in range(30)}
    for day in sorted(days):
        assert night_intakes(ctx, day) == reference_night_intakes(ctx, day)
    assert any(night_intakes(ctx, day) for day in days)
    night_intakes(ctx, min(days)).clear()  # a caller's list is its own
    assert night_intakes(ctx, min(days)) == reference_night_intakes(ctx, min(days))


@pytest.mark.parametrize("seed", range(4))
def test_pending_tickets_per_person_equal_the_scan(seed: int) -> None:
    ctx = random_office(seed)
    rng = random.Random(100 + seed)
    found = 0
    for when in probe_times(ctx, rng, 25):
        for who in (None, *STAFF):
            got = pending(ctx, who, when)
            assert got == reference_pending(ctx, who, when)
            found += len(got)
    assert found


# -- deadlines: computed once, and "now" read only for a deadline still open ----------------------


def spy_context(now: str = "2026-11-30 09:00") -> Context:
    return context(now)


def _deadline_hits(t: Ticket, ctx: Context) -> list[tuple[str, str]]:
    from csops.rules.tickets import DEADLINE_RULES

    return [(p.rule, p.message) for p in check_record(t, ctx) if p.rule in DEADLINE_RULES and p.loc == ("events",)]


def _ticket_rule_reads(t: Ticket, ctx: Context) -> int:
    """Uses of "now" by the ticket family's record rules, as the result cache tracks them (csops.tracking):
    how many rules compared with the clock or used it otherwise."""
    from csops.rules import load_rules
    from csops.tracking import Tracker

    used = 0
    for rule in load_rules():
        if rule.scope == "record" and rule.fn.__module__ == "csops.rules.tickets":
            with ctx.tracking(Tracker()) as tracker:
                list(rule.fn(t, ctx))
            used += tracker.lo is not None or tracker.hi is not None or tracker.opaque
    return used


def test_TKT_SLA_02_deadline_rules_read_now_only_for_open_deadlines() -> None:
    done = ticket(events=[FORWARD, RESOLVE, CALLBACK])  # resolved, called back: every clock stopped in time
    ctx = spy_context()
    ctx.add(done, LoadedFile(rel="records/a.yaml", kind="ticket"))
    assert _deadline_hits(done, ctx) == []
    assert _ticket_rule_reads(done, ctx) == 0
    late = ticket(events=[("forward", "2026-11-02 11:00", "CS001", {"to": "E002", "reason": "r"})])
    ctx = spy_context()
    ctx.add(late, LoadedFile(rel="records/b.yaml", kind="ticket"))
    hits = _deadline_hits(late, ctx)
    assert ("TKT-SLA-02", "转呈当事部门: 超时完成 (due 2026-11-02T09:20+08:00)") in hits  # missed: no "now" needed
    assert _ticket_rule_reads(late, ctx) > 0  # the resolve and the promised reply are still open: they need "now"
    assert any(rule == "TKT-SLA-02" and "处理结束" in m and "已超时" in m for rule, m in hits)


def test_TKT_GEN_08_deadline_findings_equal_the_plain_computation() -> None:
    from csops.rules.tickets import DEADLINE_RULES
    from csops.sla import STATE_LABELS, deadlines

    found = 0
    for seed in range(3):
        ctx = random_office(seed, count=40)
        for t in ctx.of(Ticket):
            expected = [] if t.status is Status.closed else [
                (rule, f"{d.label}: {STATE_LABELS[d.state(ctx.now)]} (due "
                       f"{d.due.isoformat(timespec='minutes') if d.due else ''})")
                for rule in DEADLINE_RULES for d in deadlines(t, ctx.calendar)
                if d.rule == rule and d.breached(ctx.now)]
            assert _deadline_hits(t, ctx) == expected
            found += len(expected)
    assert found


def test_deadlines_are_computed_once_per_ticket(monkeypatch: pytest.MonkeyPatch) -> None:
    import csops.sla as sla

    ctx = random_office(1, count=30)
    calls: list[str] = []
    real = sla.deadlines
    monkeypatch.setattr(sla, "deadlines", lambda t, cal: (calls.append(t.id), real(t, cal))[1])
    for t in ctx.of(Ticket):
        check_record(t, ctx)
    check_tree(ctx)
    # ten deadline rules, one computation per open ticket; a computation that fails (the random
    # office has a resume recorded before its wait: CalendarError) is not kept, and each rule says so
    once = {i for i in set(calls) if calls.count(i) == 1}
    assert set(calls) == {t.id for t in ctx.of(Ticket) if t.status is not Status.closed}
    for t in ctx.of(Ticket):
        if t.id in set(calls) - once:
            with pytest.raises(CalendarError):
                real(t, ctx.calendar)
    assert len(once) > len(set(calls)) / 2
