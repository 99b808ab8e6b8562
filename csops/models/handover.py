"""Shift handovers (交接班记录) and duty logs (值班记录表).

A handover has a natural id, ``<date>-<post>-<shift>`` of the shift being taken over, and lives at
``records/handovers/<YYYY>/<MM>/<id>.yaml``. The outgoing person opens it (summary, √/× checklist,
notes, after-hours items, front-desk keys and mail) and signs; the incoming person asks questions,
accepts (which completes it) or refuses on a 四不接 ground, which escalates to a supervisor. Until
it is accepted the outgoing person is still on duty. The shift lead reviews each day's records.

A duty log (``records/duty/<YYYY>/<MM>/<date>.yaml``) holds the duty person's entries for a day.
"""

from __future__ import annotations

import datetime as dt
from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field

from csops.labels import LabeledEnum
from csops.models.common import Event, EventedRecord, Instant, Model, StaffId
from csops.models.staff import once_per_events


class HandoverType(LabeledEnum):
    shift = "shift", "班组交接"
    security_to_cs = "security_to_cs", "保安监控室→客服(08:00)"
    cs_to_security = "cs_to_security", "客服→保安监控室(18:00)"
    front_desk = "front_desk", "前台交接"


class Check(LabeledEnum):
    ok = "ok", "√"
    fault = "fault", "×"


class Ground(LabeledEnum):
    """The four 四不接 grounds (HOV-REF-01), an unanswered question (HOV-REF-02), and any other unfinished
    work, which CFL-20 allows with a note and a report to the shift lead."""

    record_unclear = "record_unclear", "记录不清"
    not_clean = "not_clean", "卫生不洁"
    public_items_missing = "public_items_missing", "公物缺失"
    major_repair_open = "major_repair_open", "重大维修未完"
    unanswered_question = "unanswered_question", "疑问未获明确答复"
    other = "other", "其他未完成工作"


class Cause(LabeledEnum):
    """HOV-ACC-03: who answers for a problem traced back to the handover."""

    missed = "missed", "漏交"
    wrong_handover = "wrong_handover", "错交"
    wrong_acceptance = "wrong_acceptance", "错接"


class Party(LabeledEnum):
    outgoing = "outgoing", "交班人"
    incoming = "incoming", "接班人"


LIABLE_FOR: dict[Cause, Party] = {
    Cause.missed: Party.outgoing, Cause.wrong_handover: Party.outgoing, Cause.wrong_acceptance: Party.incoming,
}


class HandoverStatus(LabeledEnum):
    open = "open", "交班人填写中"
    signed = "signed", "已交班待接班"
    refused = "refused", "拒绝接班(已上报)"
    completed = "completed", "交接完成"


class ItemKind(LabeledEnum):
    complaint = "complaint", "投诉"
    service_request = "service_request", "服务要求"


class MailType(LabeledEnum):
    letter = "letter", "信件"
    newspaper = "newspaper", "报纸"
    periodical = "periodical", "期刊"


class CheckEntry(Model):
    item: str
    result: Check
    note: str | None = Field(None, description="required for × (HOV-REC-07)")


class AfterHoursItem(Model):
    """An after-hours complaint or service request in the CS↔security handover book (HOV-SEC-01)."""

    kind: ItemKind
    summary: str = Field(min_length=1)
    #: The ticket id, kept as a plain id; HOV-SEC-01 checks it exists once tickets are recorded.
    ticket: str | None = None


class Mail(Model):
    type: MailType
    addressee: str = Field(min_length=1)
    count: int = Field(1, ge=1)


class Opened(Event):
    action: Literal["opened"] = "opened"


class Signed(Event):
    action: Literal["signed"] = "signed"


class Asked(Event):
    action: Literal["asked"] = "asked"
    question: str = Field(min_length=1)


class Answered(Event):
    action: Literal["answered"] = "answered"
    question_no: int = Field(ge=1)
    answer: str = Field(min_length=1)


class Refused(Event):
    action: Literal["refused"] = "refused"
    ground: Ground
    escalated_to: StaffId = Field(description="supervisor the refusal is reported to (HOV-REF-02)")


class Resolved(Event):
    action: Literal["resolved"] = "resolved"
    resolution: str = Field(min_length=1)


class Accepted(Event):
    action: Literal["accepted"] = "accepted"
    read_log: bool = Field(True, description="HOV-REC-09: the incoming read the log")


class Reviewed(Event):
    action: Literal["reviewed"] = "reviewed"


class Liability(Event):
    action: Literal["liability"] = "liability"
    cause: Cause
    liable: StaffId
    what: str = Field(min_length=1)


HandoverEvent = Annotated[
    Opened | Signed | Asked | Answered | Refused | Resolved | Accepted | Reviewed | Liability,
    Field(discriminator="action"),
]


class Handover(EventedRecord):
    KIND: ClassVar[str] = "handover"
    FOLDER: ClassVar[str] = "handovers"
    SUMMARY_FIELDS: ClassVar[tuple[str, ...]] = ("status", "on_duty")
    #: handover check/sign set the checklist and summary, accept the arrival time (csops.commands.handover).
    AMENDABLE_FIELDS: ClassVar[tuple[str, ...]] = ("checklist", "shift_summary", "arrived_at")

    id: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}-[a-z][a-z0-9_]*-[a-z][a-z0-9_]*$",
                    description="<date>-<post>-<shift> of the shift taken over")
    type: HandoverType = HandoverType.shift
    date: dt.date
    post: str
    shift: str
    #: The post handing over, when it differs (the security control room at 08:00, CS at 18:00).
    from_post: str | None = None
    outgoing: StaffId = Field(description="交班人 工号 (HOV-REC-02)")
    incoming: StaffId = Field(description="接班人 工号 (HOV-SIGN-02)")
    arrived_at: Instant | None = Field(None, description="incoming arrival (HOV-ARR-01)")
    shift_summary: str = Field("", description="本班工作情况 (HOV-REC-01)")
    checklist: list[CheckEntry] = Field(default_factory=list, description="HOV-REC-07")
    notes: str | None = None
    after_hours: list[AfterHoursItem] = Field(default_factory=list, description="HOV-SEC-01")
    urgent: bool | None = Field(None, description="something special or urgent came up (HOV-SEC-03)")
    reported_to_cs_manager_at: Instant | None = Field(None, description="HOV-SEC-03")
    reported_to_security_manager_at: Instant | None = Field(None, description="HOV-SEC-03")
    keys: list[str] = Field(default_factory=list, description="front-desk keys handed over (HOV-FD-03)")
    undelivered_mail: list[Mail] = Field(default_factory=list, description="HOV-FD-02")
    unfinished: list[str] = Field(default_factory=list, description="HOV-FD-01")
    cabinet_locked: bool | None = Field(None, description="HOV-FD-05")
    status: HandoverStatus = HandoverStatus.open
    on_duty: StaffId | None = Field(None, description="who is on duty at this post now (HOV-ARR-04)")
    events: list[HandoverEvent] = Field(default_factory=list)

    @staticmethod
    def make_id(day: dt.date, post: str, shift: str) -> str:
        return f"{day.isoformat()}-{post}-{shift}"

    def expected_relpath(self) -> str:
        return f"{self.FOLDER}/{self.id[:4]}/{self.id[5:7]}/{self.id}.yaml"

    @once_per_events
    def fold(self) -> HandoverStatus:
        state = HandoverStatus.open
        for event in self.events:
            if event.action == "signed" and state is HandoverStatus.open:
                state = HandoverStatus.signed
            elif event.action == "refused":
                state = HandoverStatus.refused
            elif event.action == "resolved":
                state = HandoverStatus.signed
            elif event.action == "accepted":
                state = HandoverStatus.completed
        return state

    def derived_summary(self) -> dict[str, Any]:
        done = self.fold() is HandoverStatus.completed
        return {"status": self.fold(), "on_duty": self.incoming if done else self.outgoing}

    def first(self, action: str) -> Any:
        return next((e for e in self.events if e.action == action), None)

    def last(self, action: str) -> Any:
        return next((e for e in reversed(self.events) if e.action == action), None)

    def questions(self) -> list[tuple[str, str | None]]:
        """(question, answer or None), numbered from 1 in the order asked."""
        out: list[list[Any]] = [[e.question, None] for e in self.events if e.action == "asked"]
        for e in self.events:
            if e.action == "answered" and 1 <= e.question_no <= len(out):
                out[e.question_no - 1][1] = e.answer
        return [(q, a) for q, a in out]

    def refusals(self) -> list[tuple[Refused, Resolved | None]]:
        """Each 四不接 refusal with the supervisor's resolution that settled it (None while it stands)."""
        out = []
        for i, event in enumerate(self.events):
            if isinstance(event, Refused):
                settled = next((r for r in self.events[i + 1:] if isinstance(r, Resolved)), None)
                out.append((event, settled))
        return out

    @property
    def completed_at(self) -> datetime | None:
        accepted = self.first("accepted")
        return accepted.at if accepted else None

    @property
    def as_of(self) -> datetime | None:
        """The moment the handover's pending matters are computed for: signing, else opening."""
        event = self.first("signed") or self.first("opened")
        return event.at if event else None


class DutyEntry(Model):
    at: Instant
    what: str = Field(min_length=1, description="值班情况")
    done: str = Field(min_length=1, description="处理结果")
    major: bool = False
    reported_to: StaffId | None = Field(None, description="HOV-DUTY-04")
    reported_at: Instant | None = None
    written_report_at: Instant | None = Field(None, description="written report, due the next day (HOV-DUTY-04)")


class DutyLogged(Event):
    action: Literal["logged"] = "logged"
    entry: DutyEntry


class DutyReported(Event):
    action: Literal["reported"] = "reported"
    entry_no: int = Field(ge=1)


class DutyInspected(Event):
    """The CS-centre director's irregular inspection of the duty (HOV-REV-02)."""

    action: Literal["inspected"] = "inspected"
    findings: str = Field(min_length=1)


class DutyLog(EventedRecord):
    """值班记录表 for one day; entries come from ``logged`` events (HOV-DUTY-02)."""

    KIND: ClassVar[str] = "duty_log"
    FOLDER: ClassVar[str] = "duty"

    id: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    duty_person: StaffId
    start: Instant
    end: Instant
    events: list[Annotated[DutyLogged | DutyReported | DutyInspected, Field(discriminator="action")]] = Field(
        default_factory=list)

    def expected_relpath(self) -> str:
        return f"{self.FOLDER}/{self.id[:4]}/{self.id[5:7]}/{self.id}.yaml"

    def entries(self) -> list[DutyEntry]:
        out = [e.entry.model_copy() for e in self.events if e.action == "logged"]
        for e in self.events:
            if e.action == "reported" and 1 <= e.entry_no <= len(out):
                out[e.entry_no - 1] = out[e.entry_no - 1].model_copy(update={"written_report_at": e.at})
        return out
