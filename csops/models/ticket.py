"""Tickets (工单): consultations, repairs, installations, complaints, suggestions, 客诉, major faults.

Intake facts (who called, about what, received by whom) are top-level fields written once by
``csops ticket new``; everything that happens afterwards is an event. The state (``status``, the
current ``owner``) is the fold of the events (RULES.md §1, ARCHITECTURE.md "Events are the truth").
The first-contact owner (首问负责人, TKT-FCR-01) is ``first_owner`` and never changes; passing
responsibility on is a ``forward`` or ``assign`` event carrying a reason.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Literal, cast

from pydantic import Field

from csops.labels import LabeledEnum
from csops.models.common import Confirmed, Department, Event, EventedRecord, Instant, Model, StaffId


class TicketType(LabeledEnum):
    """TKT-GEN-01: exactly one type per ticket."""

    consultation = "consultation", "咨询"
    repair = "repair", "报修"
    installation = "installation", "安装"
    complaint = "complaint", "投诉"
    suggestion = "suggestion", "建议"
    kesu = "kesu", "客诉"
    major_fault = "major_fault", "重大故障"
    assistance = "assistance", "协助"


class Channel(LabeledEnum):
    """TKT-GEN-02."""

    phone = "phone", "电话"
    letter = "letter", "信函/信箱"
    visit = "visit", "来访"
    email = "email", "电子邮件"
    online = "online", "在线客服"
    fax = "fax", "传真"
    on_site = "on_site", "现场"


class Origin(LabeledEnum):
    """TKT-GEN-10: tickets also come from proactive quality patrols."""

    customer = "customer", "客户来电来访"
    inspection = "inspection", "质量巡检"


class Severity(LabeledEnum):
    """TKT-SEV-01..03."""

    major = "major", "重大"
    general = "general", "一般"
    minor = "minor", "轻微"


class Criterion(LabeledEnum):
    """TKT-SEV-01: what makes a complaint major."""

    economic_loss = "economic_loss", "经济损失"
    personal_injury = "personal_injury", "人身伤害"
    negative_media = "negative_media", "媒体负面报道"


class Status(LabeledEnum):
    """TKT-GEN-06 (names inferred): received → in_progress → resolved → closed."""

    received = "received", "已受理"
    in_progress = "in_progress", "处理中"
    waiting = "waiting", "等待客户"
    resolved = "resolved", "已处理待回访"
    closed = "closed", "已结案"


class Validity(LabeledEnum):
    """TKT-VAL-01."""

    valid = "valid", "有效投诉"
    invalid = "invalid", "无效投诉"


class InvalidReason(LabeledEnum):
    """TKT-VAL-03."""

    out_of_contract = "out_of_contract", "非合同范畴"
    misunderstanding = "misunderstanding", "客户误会"
    suggestion = "suggestion", "属于建议"


class CallbackMode(LabeledEnum):
    """TKT-CB-01/03/04."""

    phone = "phone", "电话回访"
    on_site = "on_site", "上门回访"
    face_to_face = "face_to_face", "面对面回访"


class RepairKind(LabeledEnum):
    """TKT-REP-01 (product, e.g. GPS terminals) versus TKT-REP-07 (property/building)."""

    product = "product", "产品维修"
    property = "property", "物业维修"


class Billing(LabeledEnum):
    """TKT-REP-07, TKT-FEE-03."""

    free = "free", "无偿"
    paid = "paid", "有偿"


class EscalationReason(LabeledEnum):
    big_problem = "big_problem", "大问题上报主任"  # TKT-CMP-11, TKT-SLA-04
    non_cooperation = "non_cooperation", "部门不配合"  # TKT-FCR-09
    major_matter = "major_matter", "重大事项"  # TKT-FCR-06


class CauseClass(LabeledEnum):
    """TKT-QC-02."""

    non_quality_human = "non_quality_human", "非质量异常(人为)"
    quality = "quality", "质量异常"


class Decision(LabeledEnum):
    """TKT-SUG-01."""

    adopt = "adopt", "采纳"
    reject = "reject", "不采纳"


class AssigneeKind(LabeledEnum):
    """TKT-REP-06."""

    staff = "staff", "本部门人员"
    contractor = "contractor", "外协厂家"
    other_dept = "other_dept", "其他部门人员"


# -- intake sections ------------------------------------------------------------------------


class Customer(Model):
    name: str | None = Field(None, description="TKT-GEN-03: 客户姓名/名称")
    contact: str | None = Field(None, description="TKT-GEN-03: 联系方式")
    address: str | None = Field(None, description="TKT-REP-01: 详细地址 / 房号")
    internal: bool = Field(False, description="TKT-CB-04: reported by staff or the client organisation")


class RepairInfo(Model):
    kind: RepairKind = RepairKind.property
    product_model: str | None = Field(None, description="TKT-REP-01: 商品型号")
    purchase_date: date | None = Field(None, description="TKT-REP-01: 购买日期")
    fault_symptom: str | None = Field(None, description="TKT-REP-01, TKT-TRM-01: 故障现象")
    plate_number: str | None = Field(None, description="TKT-TRM-01: 车牌号")
    warranty_until: date | None = Field(None, description="TKT-FEE-01: 保修期至")
    billing: Billing | None = Field(None, description="TKT-REP-07: 无偿/有偿")
    trade: str | None = Field(None, description="TKT-REP-07: 工种 (水、电、空调 ...)")


class InstallationInfo(Model):
    request_form: str | None = Field(None, description="TKT-INS-01: 《安装需求单》")
    vehicle_list: str | None = Field(None, description="TKT-INS-01: 《安装车辆明细》")
    driver_info: str | None = Field(None, description="TKT-INS-01: 《司机信息和车辆基本信息》")
    fee: float = Field(0, description="TKT-INS-03: on-site design and installation are free")


KESU_NO_RE = re.compile(r"^(?P<yymm>\d{2}(?:0[1-9]|1[0-2]))(?P<serial>0[1-9]|[1-9]\d)-(?P<station>[A-Z]{1,3})$")


class KesuInfo(Model):
    kesu_no: str | None = Field(
        None, description="TKT-QC-03: YYMMNN (year, month, serial) plus the clone's station code, e.g. 261101-A"
    )
    overseas: bool = Field(False, description="TKT-QC-17: 国外 cases close in 20 days, domestic in 15")
    accepted_at: Instant | None = Field(None, description="TKT-QC-17: 总经理室受理 (default: received)")
    loss: bool = Field(True, description="TKT-QC-01: no loss ⇒ an 异常处理单 instead of a case")
    abnormality_form: str | None = Field(None, description="TKT-QC-01: 异常处理单 number")
    order_no: str | None = Field(None, description="TKT-QC-04: 编号")
    part_no: str | None = Field(None, description="TKT-QC-04: 料号")
    ship_date: date | None = Field(None, description="TKT-QC-04: 交运日期")
    qty: int | None = Field(None, description="TKT-QC-04: 数量")
    defect_qty: int | None = Field(None, description="TKT-QC-04: 不良数量")
    customer_request: str | None = Field(None, description="TKT-QC-04/05: 客户要求")


class FaultInfo(Model):
    occurred_at: Instant | None = Field(None, description="TKT-FLT-01: 发生时间")
    location: str | None = Field(None, description="TKT-FLT-01: 地点")
    symptoms: str | None = Field(None, description="TKT-FLT-01: 现象")
    response_plan: str | None = Field(None, description="TKT-FLT-01: 处理预案")


# -- events ---------------------------------------------------------------------------------


class Received(Event):
    action: Literal["received"] = "received"


class Classify(Event):
    action: Literal["classify"] = "classify"
    severity: Severity | None = None
    criteria: list[Criterion] = Field(default_factory=list)


class Forward(Event):
    """Pass the matter to the responsible department or person (TKT-CMP-08, TKT-FCR-03)."""

    action: Literal["forward"] = "forward"
    to: StaffId
    department: Department | None = None
    reason: str = Field(min_length=1)


class Report(Event):
    """Report to management / notify (TKT-SLA-01, TKT-FCR-06, TKT-NGT-03, TKT-FLT-01)."""

    action: Literal["report"] = "report"
    to: list[StaffId] = Field(min_length=1)


class Escalate(Event):
    action: Literal["escalate"] = "escalate"
    to: StaffId
    reason: EscalationReason


class Approve(Event):
    """Dispatch approval (TKT-REP-02, TKT-INS-02)."""

    action: Literal["approve"] = "approve"


class Assign(Event):
    action: Literal["assign"] = "assign"
    to: StaffId
    assignee_kind: AssigneeKind = AssigneeKind.staff
    reason: str = Field(min_length=1)


class Update(Event):
    action: Literal["update"] = "update"
    text: str = Field(min_length=1)


class Wait(Event):
    """The clock stops while the customer is awaited."""

    action: Literal["wait"] = "wait"
    reason: str = Field(min_length=1)


class Resume(Event):
    action: Literal["resume"] = "resume"


class Dispatch(Model):
    """The 《维修服务单》/《安装任务派工单》 as completed (TKT-TRM, TKT-FEE)."""

    technician: StaffId | None = None
    plate_number: str | None = None
    old_terminal_no: str | None = None
    new_terminal_no: str | None = None
    old_sim: str | None = None
    new_sim: str | None = None
    tape_label_attached: bool | None = None
    parts: list[str] = Field(default_factory=list)
    parts_fee: float = 0
    labour_fee: float = 0
    out_of_warranty: bool = False
    invoice_no: str | None = None

    @property
    def fee(self) -> float:
        return self.parts_fee + self.labour_fee


class Resolve(Event):
    action: Literal["resolve"] = "resolve"
    resolution: str = Field(min_length=1)
    reply_text: str | None = Field(None, description="TKT-LANG-01: what the customer was told")
    corrective_action: str | None = Field(None, description="TKT-VAL-04, TKT-CB-02")
    findings: str | None = Field(None, description="TKT-GEN-09")
    evidence: str | None = Field(None, description="TKT-GEN-09")
    validity: Validity | None = None
    invalid_reason: InvalidReason | None = None
    verified_by: StaffId | None = None
    cause_class: CauseClass | None = Field(None, description="TKT-QC-02")
    decision: Decision | None = Field(None, description="TKT-SUG-01: the director adopts or rejects a suggestion")
    dispatch: Dispatch | None = None


class Callback(Event):
    action: Literal["callback"] = "callback"
    mode: CallbackMode
    reached: bool = True
    satisfied: bool | None = None
    signature: bool = False
    notes: str = ""
    #: Who else made the visit (TKT-CB-01: a major complaint's callback is the department manager
    #: and the project manager in person).
    joined_by: list[StaffId] = Field(default_factory=list)


class Finance(Event):
    """TKT-FEE-02: the fee collected is handed to finance."""

    action: Literal["finance"] = "finance"
    amount: float = Field(gt=0)
    receiver: StaffId


class Analysis(Event):
    """TKT-FLT-03: fault analysis report (故障分析报告)."""

    action: Literal["analysis"] = "analysis"
    impact: str = Field(min_length=1)
    handling: str = Field(min_length=1)
    root_cause: str = Field(min_length=1)
    corrective: str = Field(min_length=1)
    preventive: str = Field(min_length=1)
    sent_to_customer_at: Instant
    sent_to_business_at: Instant


class Close(Event):
    action: Literal["close"] = "close"
    customer_notified_at: Instant | None = Field(None, description="TKT-GEN-05")


class Reopen(Event):
    action: Literal["reopen"] = "reopen"
    reason: str = Field(min_length=1)


TicketEvent = Annotated[
    Received | Classify | Forward | Report | Escalate | Approve | Assign | Update | Wait | Resume | Resolve
    | Callback | Finance | Analysis | Close | Reopen | Confirmed,
    Field(discriminator="action"),
]

#: TKT-GEN-06: which actions each status allows (the state machine). An approver may confirm an
#: approval typed in for them (issue 10) at any time, even after closing: it changes nothing else.
ALLOWED: dict[Status, tuple[str, ...]] = {
    Status.received: ("classify", "forward", "report", "escalate", "approve", "assign", "update", "wait",
                      "finance", "resolve", "confirm"),
    Status.in_progress: ("classify", "forward", "report", "escalate", "approve", "assign", "update", "wait",
                         "finance", "resolve", "confirm"),
    Status.waiting: ("resume", "update", "report", "escalate", "forward", "confirm"),
    Status.resolved: ("callback", "update", "report", "finance", "analysis", "close", "reopen", "confirm"),
    Status.closed: ("reopen", "confirm"),
}

ACTION_LABELS: dict[str, str] = {
    "received": "受理", "classify": "定级", "forward": "转呈", "report": "上报/通知", "escalate": "升级",
    "approve": "审批派工", "assign": "派工/指派", "update": "跟进", "wait": "等待客户", "resume": "恢复处理",
    "resolve": "处理完毕", "callback": "回访", "finance": "交财务", "analysis": "故障分析报告",
    "close": "结案", "reopen": "重开", "confirm": "确认",
}


#: Types whose resolution is followed by a callback to the customer (TKT-CB-01, TKT-CB-03).
CALLBACK_TYPES: tuple[TicketType, ...] = (TicketType.complaint, TicketType.repair)


def status_label(ticket_type: TicketType, status: Status) -> str:
    """The Chinese name of ``status``; a resolved ticket of a type with no callback awaits closing only."""
    if status is Status.resolved and ticket_type not in CALLBACK_TYPES:
        return "已处理待结案"
    return status.label


def step(status: Status, event: Any) -> Status:
    """The status after ``event`` (assumed allowed in ``status``)."""
    action = event.action
    if action == "confirm":  # a confirmation moves nothing: the matter stands where it was
        return status
    if action == "received":
        return Status.received
    if action == "wait":
        return Status.waiting
    if action == "resolve":
        return Status.resolved
    if action == "close":
        return Status.closed
    if action == "reopen":
        return Status.in_progress
    if action == "callback":
        return Status.in_progress if event.satisfied is False else status
    if status in (Status.resolved, Status.closed):
        return status
    return Status.in_progress


@dataclass
class Fold:
    """A ticket's state as derived from its events."""

    status: Status = Status.received
    owner: str | None = None
    severity: Severity | None = None
    criteria: list[Criterion] = field(default_factory=list)
    handler: str | None = None
    approved_at: datetime | None = None
    #: (index, event) of every event not allowed in the status it met (TKT-GEN-06).
    illegal: list[tuple[int, Any, Status]] = field(default_factory=list)
    reopened: bool = False


_FOLD_CACHE = "_csops_fold"
_TIMELINE_CACHE = "_csops_timeline"
_CACHES = (_FOLD_CACHE, _TIMELINE_CACHE)


def _same_key(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    """Fold cache keys: the events list by identity (a replaced list is a new fold), the rest by value."""
    return a[0] is b[0] and a[1:] == b[1:]


def fold_events(events: list[Any], first_owner: str, severity: Severity | None, criteria: list[Criterion]) -> Fold:
    """A ticket's state from its events (TKT-GEN-06: an event not allowed where it stands is set aside)."""
    state = Fold(owner=first_owner, severity=severity, criteria=list(criteria))
    for i, event in enumerate(events):
        _apply(state, i, event)
    return state


def _apply(state: Fold, i: int, event: Any) -> None:
    if i == 0:
        if event.action != "received":
            state.illegal.append((i, event, state.status))
        return
    if event.action == "received" or event.action not in ALLOWED[state.status]:
        state.illegal.append((i, event, state.status))
        return
    if isinstance(event, Classify):
        state.severity = event.severity or state.severity
        state.criteria = list(event.criteria) or state.criteria
    elif isinstance(event, (Forward, Assign)):
        state.owner = event.to
        state.handler = event.to
    elif isinstance(event, Approve):
        state.approved_at = event.at
    elif isinstance(event, (Reopen,)) or (isinstance(event, Callback) and event.satisfied is False):
        state.reopened = True
    state.status = step(state.status, event)


class Ticket(EventedRecord):
    KIND: ClassVar[str] = "ticket"
    FOLDER: ClassVar[str] = "tickets"
    ID_PREFIX: ClassVar[str] = "T"
    SUMMARY_FIELDS: ClassVar[tuple[str, ...]] = ("status", "owner")
    FINAL_STATES: ClassVar[tuple[str, ...]] = ("closed",)
    REOPEN_ACTIONS: ClassVar[tuple[str, ...]] = ("reopen",)

    type: TicketType
    channel: Channel | None = Field(None, description="TKT-GEN-02")
    origin: Origin = Origin.customer
    reported_by: StaffId | None = Field(None, description="TKT-GEN-10: the project manager whose patrol found it")
    customer: Customer = Field(default_factory=Customer)
    subject: str | None = Field(None, description="one line for lists; the content says it all")
    content: str | None = Field(None, description="TKT-GEN-03, TKT-CMP-04")
    first_owner: StaffId = Field(description="TKT-FCR-01: 首问负责人, the receiving agent; never changes")
    severity: Severity | None = Field(None, description="TKT-CMP-07: first judgment at intake")
    criteria: list[Criterion] = Field(default_factory=list, description="TKT-SEV-01")
    answered_at_intake: bool = Field(False, description="TKT-CMP-05")
    promised_reply_at: Instant | None = Field(None, description="TKT-CMP-05, TKT-GEN-08")
    customer_requested_by: Instant | None = Field(None, description="TKT-SLA-03: the customer's own limit")
    repair: RepairInfo | None = None
    installation: InstallationInfo | None = None
    kesu: KesuInfo | None = None
    fault: FaultInfo | None = None
    status: Status = Status.received
    owner: StaffId | None = Field(None, description="who holds the matter now (folded from events)")
    events: list[TicketEvent] = Field(default_factory=list)

    def model_dump(self, **kwargs: Any) -> dict[str, Any]:
        """As the base, with the history last, so a file reads intake first, then what happened."""
        data: dict[str, Any] = super().model_dump(**kwargs)
        if "events" in data:
            data["events"] = data.pop("events")
        return data

    # -- fold -------------------------------------------------------------------------------

    def fold(self) -> Fold:
        """The state folded from the events, computed once per instance (do not mutate the result).

        The cache is keyed by what the fold reads (the events list itself and its length, the
        first owner, the intake severity and criteria), so a copy made with ``model_copy(update=...)``
        that changes any of them folds afresh, while one that only fills the summary fields keeps it.
        It lives in the instance ``__dict__`` under a non-field name: ``model_dump``, equality and
        validation ignore it, and it is left out of pickles (see ``__getstate__``).
        """
        key = self._fold_key()
        cached = self.__dict__.get(_FOLD_CACHE)
        if cached is not None and _same_key(cached[0], key):
            return cast(Fold, cached[1])
        state = fold_events(self.events, self.first_owner, self.severity, self.criteria)
        self.__dict__[_FOLD_CACHE] = (key, state)
        return state

    def _fold_key(self) -> tuple[Any, ...]:
        return (self.events, len(self.events), self.first_owner, self.severity, tuple(self.criteria))

    def __getstate__(self) -> dict[Any, Any]:
        state = super().__getstate__()
        if any(k in state["__dict__"] for k in _CACHES):
            state["__dict__"] = {k: v for k, v in state["__dict__"].items() if k not in _CACHES}
        return state

    def timeline(self) -> list[tuple[datetime, Status, str | None]]:
        """(instant, status, owner) as of each distinct event time, ascending: what ``as_of(t)`` would
        fold to for any ``t`` from that instant up to the next one (before the first: received, the
        first owner). Computed once per instance, like the fold; one pass when the events are in
        time order, else one fold per distinct time (events may be recorded late with ``--at``)."""
        key = self._fold_key()
        cached = self.__dict__.get(_TIMELINE_CACHE)
        if cached is not None and _same_key(cached[0], key):
            return cast(list[tuple[datetime, Status, str | None]], cached[1])
        events = self.events
        out: list[tuple[datetime, Status, str | None]] = []
        if all(events[i].at <= events[i + 1].at for i in range(len(events) - 1)):
            state = Fold(owner=self.first_owner, severity=self.severity, criteria=list(self.criteria))
            for i, event in enumerate(events):
                _apply(state, i, event)
                if i + 1 == len(events) or events[i + 1].at != event.at:
                    out.append((event.at, state.status, state.owner))
        else:
            for at in sorted({e.at for e in events}):
                state = fold_events([e for e in events if e.at <= at], self.first_owner, self.severity,
                                    self.criteria)
                out.append((at, state.status, state.owner))
        self.__dict__[_TIMELINE_CACHE] = (key, out)
        return out

    def status_at(self, at: datetime) -> tuple[Status, str | None]:
        """(status, owner) of ``self.as_of(at)``, without building a Ticket."""
        line = self.timeline()
        i = bisect_right(line, at, key=lambda row: row[0])
        if i == 0:
            return Status.received, self.first_owner
        return line[i - 1][1], line[i - 1][2]

    def derived_summary(self) -> dict[str, Any]:
        state = self.fold()
        return {"status": state.status, "owner": state.owner}

    # -- convenience ------------------------------------------------------------------------

    @property
    def received_at(self) -> datetime:
        return self.events[0].at if self.events else datetime.min

    def of_action(self, *actions: str) -> list[Any]:
        return [e for e in self.events if e.action in actions]

    def last(self, action: str) -> Any:
        found = self.of_action(action)
        return found[-1] if found else None

    def as_of(self, at: datetime) -> Ticket:
        """This ticket as it stood at ``at`` (events after it ignored)."""
        events = [e for e in self.events if e.at <= at]
        if len(events) == len(self.events):
            summary = self.derived_summary()
            if all(getattr(self, k) == v for k, v in summary.items()):
                return self  # nothing to ignore: the same record (records are never changed in place)
        copy = self.model_copy(update={"events": events})
        summary = copy.derived_summary()
        return copy.model_copy(update=summary)

    @property
    def label(self) -> str:
        return f"{self.type.label} {self.id}"
