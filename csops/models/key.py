"""Key custody (RULES.md §3): the key registry, loans, daily checks and shift-key handovers.

- ``records/keys/<key-id>.yaml``: one key (label = id, slot, category) with its copies (sets) and
  which department holds each. Seal, unseal, reseal, loss, found, lock change and redistribution are
  events; the copies and the seal state are the fold of those events.
- ``records/key-loans/YYYY/MM/KL-....yaml``: one loan per file (two clones lending never touch the
  same file); "one holder per copy" is a tree rule (KEY-LOAN-02), so a merge of two branches that
  lend the same copy is caught by ``csops validate``.
- ``records/key-checks/YYYY/MM/KC-....yaml``: the custodian's daily check of the loan register
  (KEY-CHK-01), with a note per key still out.
- ``records/key-shifts/YYYY/MM/KS-....yaml``: the 钥匙交接单 of the shift area keys (KEY-SHIFT-01/02).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field

from csops.labels import LabeledEnum
from csops.models.common import (
    Confirmed,
    Department,
    Event,
    EventedRecord,
    Instant,
    Model,
    Record,
    StaffId,
    record_ref,
)
from csops.models.staff import once_per_events

KEY_ID_PATTERN = r"^[A-Z0-9][A-Z0-9-]{0,31}$"


class KeyCategory(LabeledEnum):
    """KEY-CAT-01 (1.1–1.4) and KEY-CAT-02 (further kinds)."""

    office_store = "office_store", "办公用房及库房"
    machine_room = "machine_room", "设备机房"
    stair_fire_exit = "stair_fire_exit", "楼梯间及消防通道"
    entrance_gate = "entrance_gate", "大门出入口"
    vacant_unit = "vacant_unit", "空置单元"
    sealed_tenant = "sealed_tenant", "客户托管封存"
    unit_room = "unit_room", "单元内房间"
    machine_room_spare = "machine_room_spare", "机房备用"
    area_shift = "area_shift", "管理区域(班次)"
    front_desk = "front_desk", "前台"
    hazmat_cabinet = "hazmat_cabinet", "危险品柜"
    material_store = "material_store", "物料库房"


class KeyState(LabeledEnum):
    active = "active", "在用"
    sealed = "sealed", "封存"
    unsealed = "unsealed", "已启封待重封"


class UnsealPath(LabeledEnum):
    """KEY-SEAL-02: the only two reasons a sealed tenant key may be used."""

    emergency = "emergency", "紧急情况"
    forgotten_key = "forgotten_key", "客户忘带/遗失钥匙"


class Incident(LabeledEnum):
    lost = "lost", "遗失"
    damaged = "damaged", "损坏"
    seal_broken = "seal_broken", "封条开封"


class LoanState(LabeledEnum):
    out = "out", "借出"
    returned = "returned", "已归还"
    lost = "lost", "遗失"


class KeyCopy(Model):
    """One physical copy (set) of a key and the department holding it (§3.1)."""

    copy_no: str = Field(pattern=r"^[0-9A-Za-z]{1,4}$", description="copy number on the tag")
    holder: Department = Field(description="KEY-HOLD-05: department keeping this copy")
    custodian: StaffId | None = Field(None, description="KEY-HOLD-06, KEY-VAC-01: designated person")
    sealed: bool = Field(False, description="KEY-HOLD-01: security's sealed emergency set")
    lost: bool = False
    #: KEY-LOCK-01: new keys after a lock change stay with security until redistributed.
    awaiting_redistribution: bool = False


# -- key events ---------------------------------------------------------------------------------


class KeyAdded(Event):
    action: Literal["add"] = "add"
    copies: list[KeyCopy] = Field(min_length=1)


class KeySealed(Event):
    """KEY-MOVE-01 / KEY-SEAL-01: sealed at move-in with the 单元钥匙交接单 and custody agreement."""

    action: Literal["seal"] = "seal"
    seal_no: str = Field(min_length=1)
    custody_agreement_ref: str | None = None
    unit_handover_ref: str | None = None


class KeyUnsealed(Event):
    """KEY-SEAL-02..06: one use of a sealed tenant key, recorded before the unit is opened."""

    action: Literal["unseal"] = "unseal"
    path: UnsealPath
    reason: str = Field(min_length=1)
    requested_by: StaffId
    approved_by: StaffId | None = None
    customer_unreachable: bool = False
    witnesses: list[StaffId] = Field(default_factory=list)
    application_ref: str | None = None
    confirmed_with: str | None = None
    before_note: str | None = None


class KeyResealed(Event):
    """KEY-SEAL-05/06: the after-use record, signed by the CS manager; sealed with a new seal."""

    action: Literal["reseal"] = "reseal"
    seal_no: str = Field(min_length=1)
    after_note: str | None = None
    signed_by: StaffId
    company_seal_affixed: bool = False
    user_signature: str | None = None
    filed: bool = False


class KeyLost(Event):
    """KEY-LOSS-01/02, KEY-VAC-04, KEY-MR-03, KEY-SEAL-07: loss, damage or a broken seal."""

    action: Literal["lost"] = "lost"
    copy_no: str
    incident: Incident = Incident.lost
    reported_to_security: StaffId | None = None
    reported_to_manager: StaffId | None = None
    precautions: str | None = None
    account: str | None = None
    liable_person: StaffId | None = None
    loss_amount: float | None = Field(None, description="KEY-LOSS-02: 经济损失 (元), a finite sum ≥ 0")
    concealed: bool = False
    loan: str | None = None


class KeyFound(Event):
    """KEY-LOSS-03: a found key handed to security (``by``), who records the find."""

    action: Literal["found"] = "found"
    copy_no: str
    found_by: StaffId
    found_at: Instant | None = None


class KeyRekeyed(Event):
    """KEY-LOCK-01: written request, security's approval, engineering (``by``) changes the lock."""

    action: Literal["rekey"] = "rekey"
    requested_by: StaffId
    request: str = Field(min_length=1, description="the written lock-change request")
    approved_by: StaffId
    handed_to: StaffId
    copies: list[KeyCopy] = Field(min_length=1)


class KeyRedistributed(Event):
    """KEY-LOCK-01: security hands the new keys out to the holding departments."""

    action: Literal["redistribute"] = "redistribute"
    copy_no: str
    holder: Department
    custodian: StaffId | None = None
    sealed: bool = False


KeyEvent = Annotated[
    KeyAdded | KeySealed | KeyUnsealed | KeyResealed | KeyLost | KeyFound | KeyRekeyed | KeyRedistributed
    | Confirmed,
    Field(discriminator="action"),
]


class Key(EventedRecord):
    KIND: ClassVar[str] = "key"
    FOLDER: ClassVar[str] = "keys"
    SUMMARY_FIELDS: ClassVar[tuple[str, ...]] = ("state", "seal_no", "copies")

    id: str = Field(pattern=KEY_ID_PATTERN, description="KEY-LBL-01: the label on the key tag")
    name: str = Field(min_length=1)
    location: str = Field(min_length=1)
    category: KeyCategory
    slot: str = Field(min_length=1, description="KEY-LBL-01: numbered place in the key cabinet")
    unit: str | None = Field(None, description="unit number, for unit and tenant keys")
    approval: bool | None = Field(
        None, description="KEY-LOAN-01, CFL-16: loans need a department head (default: by category, policy)"
    )
    state: KeyState = KeyState.active
    seal_no: str | None = None
    copies: list[KeyCopy] = Field(default_factory=list)
    events: list[KeyEvent] = Field(default_factory=list)

    def fold(self) -> dict[str, Any]:
        folded = self._fold()
        return {**folded, "copies": list(folded["copies"])}

    @once_per_events
    def _fold(self) -> dict[str, Any]:
        state = KeyState.active
        seal_no: str | None = None
        copies: dict[str, KeyCopy] = {}
        for event in self.events:
            if isinstance(event, KeyAdded):
                copies = {c.copy_no: c.model_copy() for c in event.copies}
            elif isinstance(event, (KeySealed, KeyResealed)):
                state, seal_no = KeyState.sealed, event.seal_no
            elif isinstance(event, KeyUnsealed) or isinstance(event, KeyLost) and event.incident is Incident.seal_broken:
                state = KeyState.unsealed
            elif isinstance(event, KeyLost) and event.copy_no in copies and event.incident is Incident.lost:
                copies[event.copy_no] = copies[event.copy_no].model_copy(update={"lost": True})
            elif isinstance(event, KeyFound) and event.copy_no in copies:
                copies[event.copy_no] = copies[event.copy_no].model_copy(update={"lost": False})
            elif isinstance(event, KeyRekeyed):
                copies = {c.copy_no: c.model_copy(update={"awaiting_redistribution": True}) for c in event.copies}
            elif isinstance(event, KeyRedistributed) and event.copy_no in copies:
                copies[event.copy_no] = copies[event.copy_no].model_copy(
                    update={"holder": event.holder, "custodian": event.custodian, "sealed": event.sealed,
                            "awaiting_redistribution": False})
        return {"state": state, "seal_no": seal_no, "copies": list(copies.values())}

    def derived_summary(self) -> dict[str, Any]:
        return self.fold()

    def copy_of(self, copy_no: str) -> KeyCopy | None:
        return next((c for c in self._fold()["copies"] if c.copy_no == copy_no), None)

    def last(self, kind: type[Event]) -> Any:
        return next((e for e in reversed(self.events) if isinstance(e, kind)), None)


# -- loans --------------------------------------------------------------------------------------


class LoanLent(Event):
    action: Literal["lend"] = "lend"


class LoanReturned(Event):
    """``by`` is the custodian who received the key back and signs for it (KEY-LOAN-01)."""

    action: Literal["return"] = "return"
    returned_by: StaffId
    power_off: bool = False
    windows_closed: bool = False
    unit_locked: bool = False


class LoanLost(Event):
    action: Literal["lost"] = "lost"


LoanEvent = Annotated[LoanLent | LoanReturned | LoanLost | Confirmed, Field(discriminator="action")]


class KeyLoan(EventedRecord):
    """One line of the 钥匙借用登记表 (KEY-LOAN-01): who took which copy, why, until when."""

    KIND: ClassVar[str] = "key_loan"
    FOLDER: ClassVar[str] = "key-loans"
    ID_PREFIX: ClassVar[str] = "KL"
    SUMMARY_FIELDS: ClassVar[tuple[str, ...]] = ("status",)

    key: record_ref("key")  # type: ignore[valid-type]
    copy_no: str
    borrower: StaffId = Field(description="KEY-NS-01: staff only; signs the register")
    purpose: str = Field(min_length=1)
    on_behalf_of: str | None = Field(None, description="KEY-CTR-01: the contractor the borrower signs for")
    approved_by: StaffId | None = Field(None, description="KEY-LOAN-01, CFL-16: department head")
    issued_by: StaffId = Field(description="KEY-VAC-02: the custodian who issued the key")
    due: Instant = Field(description="KEY-LOAN-02: no take-home; due back by end of shift/day")
    special_reason: str | None = Field(None, description="KEY-MR-01: why a CS assistant opens a machine room")
    emergency_reason: str | None = Field(None, description="KEY-HOLD-01: use of security's sealed set")
    off_site: bool = False
    permitted_by: StaffId | None = Field(None, description="KEY-LOAN-03: permission to take the key off site")
    status: LoanState = LoanState.out
    events: list[LoanEvent] = Field(default_factory=list)

    def state_at(self, at: datetime | None = None) -> LoanState:
        if at is None:
            return self._fold()[0]
        state = LoanState.out
        for event in self.events:
            if at is not None and event.at > at:
                break
            if isinstance(event, LoanReturned):
                state = LoanState.returned
            elif isinstance(event, LoanLost):
                state = LoanState.lost
        return state

    @once_per_events
    def _fold(self) -> tuple[LoanState, LoanReturned | None, datetime | None]:
        """(state after every event, the first return, when the loan closed: first return or loss)."""
        state = LoanState.out
        returned: LoanReturned | None = None
        closed: datetime | None = None
        for event in self.events:
            if isinstance(event, LoanReturned):
                state = LoanState.returned
                returned = returned or event
            elif isinstance(event, LoanLost):
                state = LoanState.lost
            if closed is None and isinstance(event, (LoanReturned, LoanLost)):
                closed = event.at
        return state, returned, closed

    def derived_summary(self) -> dict[str, Any]:
        return {"status": self.state_at()}

    @property
    def lent_at(self) -> datetime:
        return self.events[0].at

    @property
    def returned(self) -> LoanReturned | None:
        return self._fold()[1]

    def closed_at(self) -> datetime | None:
        return self._fold()[2]

    def out_at(self, at: datetime) -> bool:
        """Whether the key was out on this loan at ``at``."""
        closed = self.closed_at()
        return self.lent_at <= at and (closed is None or closed > at)


# -- daily check --------------------------------------------------------------------------------


class CheckNote(Model):
    loan: record_ref("key_loan")  # type: ignore[valid-type]
    note: str = Field(min_length=1, description="KEY-CHK-01: why it is still out, and when it comes back")


class KeyCheck(Record):
    """KEY-CHK-01: the custodian's daily check of the loan register."""

    KIND: ClassVar[str] = "key_check"
    FOLDER: ClassVar[str] = "key-checks"
    ID_PREFIX: ClassVar[str] = "KC"

    day: date
    checked_by: StaffId
    checked_at: Instant
    outstanding: list[CheckNote] = Field(default_factory=list)


# -- shift keys ---------------------------------------------------------------------------------


class ShiftPickup(Event):
    """KEY-SHIFT-01: the early shift collects the area keys at the control room."""

    action: Literal["pickup"] = "pickup"
    keys: list[str] = Field(min_length=1)
    issued_by: StaffId | None = None


class ShiftReturn(Event):
    """KEY-SHIFT-02: the middle shift returns them; the control room checks the count."""

    action: Literal["return"] = "return"
    keys: list[str] = Field(default_factory=list)
    count_checked: bool = False
    received_by: StaffId | None = None


ShiftEvent = Annotated[ShiftPickup | ShiftReturn, Field(discriminator="action")]


class KeyShift(EventedRecord):
    """One day's 钥匙交接单 for the management-area keys."""

    KIND: ClassVar[str] = "key_shift"
    FOLDER: ClassVar[str] = "key-shifts"
    ID_PREFIX: ClassVar[str] = "KS"
    SUMMARY_FIELDS: ClassVar[tuple[str, ...]] = ("status",)

    day: date
    location: Literal["control_room"] = "control_room"
    status: Literal["out", "returned"] = "out"
    events: list[ShiftEvent] = Field(default_factory=list)

    def derived_summary(self) -> dict[str, Any]:
        return {"status": "returned" if self.return_event() else "out"}

    def pickup(self) -> ShiftPickup | None:
        return next((e for e in self.events if isinstance(e, ShiftPickup)), None)

    def return_event(self) -> ShiftReturn | None:
        return next((e for e in self.events if isinstance(e, ShiftReturn)), None)
