"""Multi-party approvals and their confirmation by each party (issue 10 item 3).

An *approval* is a place in a record where a rule names someone who must say yes: the general
manager's approval of an emergency unseal (KEY-SEAL-03) and its three witnesses (KEY-SEAL-04), the
counterpart's consent to a swap and the manager's approval (HOV-SWP-01), a dispatch approval
(TKT-REP-02) and so on (``SPECS``). Whoever typed an event in is ``entered_by`` or else ``by``
(the audit proves that against the commit's author, AUDIT-03). An approval is **confirmed** when
its typist is the approver, or when a later ``confirm`` event of the same record, ``by`` the
approver and without ``entered_by``, names the approval's event (its index in ``events``, stable
because events are only appended) and its role. Otherwise it is **unconfirmed**: a clerk typing
"approved by the GM" proves nothing about the GM.

A *completion* (``COMPLETIONS``) is the step that relies on the approvals before it: the reseal after
an unseal, the redistribution after a lock change, a swap's approval after the consent, the return
of a drawn hazardous material, a ticket's close. It may not follow unconfirmed approvals.

Everything here is a pure function over a record given either as its model or as the plain dict
of its file (the audit and the generator read dicts), so the same table serves validate, the
commands, the audit and the generator.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

#: What a confirm event is called in ``events``.
CONFIRM = "confirm"


def _get(obj: Any, name: str) -> Any:
    """A field of an event or record, whether it is a model or the dict of its file."""
    if isinstance(obj, Mapping):
        return obj.get(name)
    value = getattr(obj, name, None)
    return getattr(value, "value", value)  # enums as their stored value, like the file


@dataclass(frozen=True)
class Spec:
    """One kind of approval: on events ``action`` of records ``kind``, the approver is ``field``
    (``by``: the event's own actor; ``record.X``: field X of the record; a list field gives one
    approval per entry)."""

    kind: str
    action: str
    field: str
    #: Who approves, in words (总经理), and what they approve (批准紧急启封).
    title: str
    what: str
    rule: str
    #: Only events for which this holds (e.g. the unseal's path).
    when: Callable[[Any, Any], bool] | None = None


def _path(path: str) -> Callable[[Any, Any], bool]:
    return lambda record, event: _get(event, "path") == path


def _dispatch_rule(record: Any) -> str:
    return "TKT-INS-02" if _get(record, "type") == "installation" else "TKT-REP-02"


SPECS: tuple[Spec, ...] = (
    Spec("key", "unseal", "approved_by", "总经理", "批准紧急启封", "KEY-SEAL-03", _path("emergency")),
    Spec("key", "unseal", "approved_by", "客服部经理", "同意启封", "KEY-SEAL-05", _path("forgotten_key")),
    Spec("key", "unseal", "witnesses", "在场人员", "见证启封", "KEY-SEAL-04", _path("emergency")),
    Spec("key", "rekey", "approved_by", "保安部", "批准换锁", "KEY-LOCK-01"),
    Spec("key_loan", "lend", "record.approved_by", "部门负责人", "批准借用钥匙", "KEY-LOAN-01"),
    Spec("hazmat", "draw", "approved_by", "领班", "批准领用危险品", "REG-HAZ-04"),
    Spec("hazmat", "draw", "lend_out_approved_by", "领班", "许可外借危险品", "REG-HAZ-07"),
    Spec("swap", "agreed", "by", "还班者", "同意换班", "HOV-SWP-01"),
    Spec("swap", "approved", "by", "部门经理", "批准换班", "HOV-SWP-01"),
    Spec("ticket", "approve", "by", "事业部经理", "审批派工", "TKT-REP-02"),
    Spec("ticket", "resolve", "verified_by", "确认人", "确认投诉有效性", "TKT-VAL-02",
         lambda record, event: _get(event, "validity") is not None),
)

#: kind → completing action → the actions whose approvals it relies on (those since the previous
#: completion of the same action: a second reseal relies on the second unseal, not the first).
COMPLETIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "key": {"reseal": ("unseal",), "redistribute": ("rekey",)},
    "hazmat": {"return": ("draw",)},
    "swap": {"approved": ("agreed",)},
    "ticket": {"close": ("approve", "resolve")},
}

KINDS: frozenset[str] = frozenset(spec.kind for spec in SPECS)


@dataclass(frozen=True)
class Approval:
    """One approval of one record: event ``event`` (index in ``events``), ``role`` of it, ``approver``."""

    event: int
    role: str
    approver: str
    typist: str
    title: str
    what: str
    rule: str
    #: Index of the confirm event that confirmed it; None when typed by the approver or unconfirmed.
    confirmed_at: int | None = None
    typed_by_approver: bool = False

    @property
    def confirmed(self) -> bool:
        return self.typed_by_approver or self.confirmed_at is not None

    def confirmed_before(self, index: int) -> bool:
        """Whether it was confirmed by the time event ``index`` was appended."""
        return self.typed_by_approver or (self.confirmed_at is not None and self.confirmed_at < index)

    def text(self, name: Callable[[str], str] = str) -> str:
        """「总经理 M003 批准紧急启封 (第 3 条记录)」: the approver by ``name``, the event by its number."""
        return f"{self.title} {name(self.approver)} {self.what} (第 {self.event + 1} 条记录)"

    def as_dict(self) -> dict[str, Any]:
        return {"event": self.event, "role": self.role, "approver": self.approver, "typist": self.typist,
                "title": self.title, "what": self.what, "rule": self.rule, "confirmed": self.confirmed,
                "confirmed_by_event": self.confirmed_at}


def events_of(record: Any) -> list[Any]:
    events = _get(record, "events")
    return list(events) if isinstance(events, (list, tuple)) else []


def typist(event: Any) -> str:
    """Who typed the event in: ``entered_by`` when someone entered it for its ``by``, else ``by``."""
    return str(_get(event, "entered_by") or _get(event, "by") or "")


def kind_of(record: Any) -> str:
    return str(getattr(record, "KIND", "") or "")


def _raw(record: Any, kind: str) -> list[Approval]:
    """Every approval of the record, none confirmed yet (the confirm events are matched after)."""
    events = events_of(record)
    out: list[Approval] = []
    for i, event in enumerate(events):
        action = _get(event, "action")
        if action == CONFIRM:
            continue
        for spec in SPECS:
            if spec.kind != kind or spec.action != action or (spec.when and not spec.when(record, event)):
                continue
            rule = _dispatch_rule(record) if spec.rule == "TKT-REP-02" else spec.rule
            value = _get(record, spec.field[7:]) if spec.field.startswith("record.") else _get(event, spec.field)
            pairs = ([(f"{spec.field}[{n}]", v) for n, v in enumerate(value)] if isinstance(value, (list, tuple))
                     else [(spec.field, value)])
            who = typist(event)
            for role, approver in pairs:
                if isinstance(approver, str) and approver:
                    out.append(Approval(i, role, approver, who, spec.title, spec.what, rule,
                                        typed_by_approver=who == approver))
    return out


def confirms(record: Any) -> Iterator[tuple[int, Any]]:
    for i, event in enumerate(events_of(record)):
        if _get(event, "action") == CONFIRM:
            yield i, event


def approvals(record: Any, kind: str | None = None) -> list[Approval]:
    """The record's approvals in event order, each with whether (and by which event) it is confirmed.

    A confirm counts only if it comes after the approval, is ``by`` the approver and was typed by
    them (no ``entered_by``); one that does not fit any approval confirms nothing (the audit reports
    it, AUDIT-15).
    """
    kind = kind or kind_of(record)
    if kind not in KINDS:
        return []
    found = _raw(record, kind)
    if not found:
        return found
    by_place = {(a.event, a.role): n for n, a in enumerate(found)}
    for j, event in confirms(record):
        if _get(event, "entered_by"):
            continue
        n = by_place.get((_get(event, "event"), _get(event, "role")))
        if n is None:
            continue
        a = found[n]
        if a.event < j and a.approver == _get(event, "by") and not a.confirmed:
            found[n] = Approval(a.event, a.role, a.approver, a.typist, a.title, a.what, a.rule, confirmed_at=j)
    return found


def unconfirmed(record: Any, kind: str | None = None) -> list[Approval]:
    return [a for a in approvals(record, kind) if not a.confirmed]


def awaiting(record: Any, staff_id: str, kind: str | None = None) -> list[Approval]:
    """The unconfirmed approvals of ``record`` that name ``staff_id``: what they may confirm."""
    return [a for a in unconfirmed(record, kind) if a.approver == staff_id]


def completions_on_unconfirmed(record: Any, kind: str | None = None) -> list[tuple[int, list[Approval]]]:
    """(index of a completing event, the approvals it relies on that were unconfirmed when it was
    appended), for every completion that relied on any."""
    kind = kind or kind_of(record)
    table = COMPLETIONS.get(kind)
    if not table:
        return []
    found = approvals(record, kind)
    if not found:
        return []
    events = events_of(record)
    out: list[tuple[int, list[Approval]]] = []
    last: dict[str, int] = {}
    for k, event in enumerate(events):
        action = _get(event, "action")
        relies = table.get(str(action))
        if relies is None:
            continue
        since = last.get(str(action), -1)
        last[str(action)] = k
        open_ = [a for a in found if since < a.event < k and _get(events[a.event], "action") in relies
                 and not a.confirmed_before(k)]
        if open_:
            out.append((k, open_))
    return out


def who_must_confirm(open_: list[Approval], name: Callable[[str], str] = str) -> str:
    """「总经理 王五(G001)、在场人员 …」: the people who still have to run ``csops confirm``."""
    return "、".join(dict.fromkeys(f"{a.title} {name(a.approver)}" for a in open_))


def bad_confirms(record: Any, kind: str | None = None) -> Iterator[tuple[int, Any, str]]:
    """(index, confirm event, why) of each confirm that proves nothing (AUDIT-15): typed in by
    someone else, or naming no unconfirmed approval of its ``by``."""
    kind = kind or kind_of(record)
    raw = {(a.event, a.role): a for a in _raw(record, kind)} if kind in KINDS else {}
    for j, event in confirms(record):
        by, entered = _get(event, "by"), _get(event, "entered_by")
        target = raw.get((_get(event, "event"), _get(event, "role")))
        if entered:
            yield j, event, f"it was entered by {entered} for {by}: only the approver confirms, at their own keyboard"
        elif target is None or target.event >= j:
            yield j, event, (f"it names event {_get(event, 'event')} role {_get(event, 'role')}, "
                             "which holds no approval before it")
        elif target.approver != by:
            yield j, event, f"that approval names {target.approver}, not {by}"
