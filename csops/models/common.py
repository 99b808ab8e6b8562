"""Types shared by every record: the base models, staff and record references, roles, ids.

Record ids have the human year-month-serial form the sources use, plus a station code so that two
clones never allocate the same id: ``T-2611-A007`` is ticket 7 of November 2026 from station ``A``.
The station is set per clone (``git config csops.station A``); uniqueness over the merged tree is
still checked by ``csops validate`` (STORE-ID-01).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
)
from pydantic_core import PydanticCustomError

from csops.labels import LabeledEnum

SCHEMA_VERSION = 1

ID_RE = re.compile(
    r"^(?P<prefix>[A-Z]{1,3})-(?P<yymm>\d{2}(?:0[1-9]|1[0-2]))-(?P<station>[A-Z]{1,3})(?P<serial>\d{3,})$"
)
STATION_RE = re.compile(r"^[A-Z]{1,3}$")


class Model(BaseModel):
    """Base of every record model: unknown fields are errors, enum values stay enums, no inf/nan."""

    model_config = ConfigDict(extra="forbid", use_enum_values=False, validate_default=True, allow_inf_nan=False)


def _text_time(value: Any) -> Any:
    """Times are written as ISO 8601 text; a bare number is not taken for a Unix timestamp."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise PydanticCustomError(
            "time_as_number", "a time must be written as text like 2026-11-23T09:12:00+08:00, not the number {value}",
            {"value": value},
        )
    return value


def _plausible(value: datetime) -> datetime:
    if not 2000 <= value.year <= 2100:
        raise PydanticCustomError("time_out_of_range", "year {year} is outside 2000-2100", {"year": value.year})
    return value


# A point in time with its UTC offset; a time without one is refused (STORE-TIME-01).
Instant = Annotated[AwareDatetime, BeforeValidator(_text_time), AfterValidator(_plausible)]


def _check_staff(value: str, info: ValidationInfo) -> str:
    staff = (info.context or {}).get("staff")
    if staff is not None and value not in staff:
        raise PydanticCustomError(
            "unknown_staff", "unknown staff id {staff_id}", {"staff_id": value}
        )
    return value


StaffId = Annotated[str, Field(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9_-]+$"), AfterValidator(_check_staff)]


def record_ref(kind: str) -> Any:
    """A reference to another record of ``kind``; unknown ids are findings (STORE-REF-02)."""

    def check(value: str, info: ValidationInfo) -> str:
        context = info.context or {}
        seen = context.get("refs")
        if seen is not None:  # the result cache notes who references what (a vanished id re-checks them)
            seen.add(f"{kind}#{value}")
        ids = context.get("ids")
        if ids is not None and value not in ids.get(kind, ()):
            raise PydanticCustomError(
                "unknown_record", "unknown {kind} id {record_id}", {"kind": kind, "record_id": value}
            )
        return value

    return Annotated[str, Field(min_length=1), AfterValidator(check)]


class Role(LabeledEnum):
    """Roles named in the sources (RULES.md §5.1)."""

    agent = "agent", "客服专员"
    cs_assistant = "cs_assistant", "客服助理"
    front_desk = "front_desk", "客务助理"
    complaint_specialist = "complaint_specialist", "投诉专员"
    tech_agent = "tech_agent", "技术客服"
    technician = "technician", "维修技术员"
    shift_lead = "shift_lead", "领班"
    cleaning_lead = "cleaning_lead", "保洁领班"
    cs_supervisor = "cs_supervisor", "客服主管"
    guest_services_supervisor = "guest_services_supervisor", "客务主管"
    cs_manager = "cs_manager", "客服部经理"
    dept_manager = "dept_manager", "部门经理"
    dept_head = "dept_head", "部门负责人"
    cs_centre_director = "cs_centre_director", "客户服务中心主任"
    duty_manager = "duty_manager", "值班经理"
    night_duty = "night_duty", "夜间值班"
    project_manager = "project_manager", "项目经理"
    division_manager = "division_manager", "事业部经理"
    general_manager = "general_manager", "总经理"
    deputy_gm = "deputy_gm", "副总经理"
    sales_manager = "sales_manager", "业务部经理"
    sales_supervisor = "sales_supervisor", "业务主管"
    security = "security", "保安员"
    security_manager = "security_manager", "保安部经理"
    engineering = "engineering", "工程人员"
    property_manager = "property_manager", "物业部经理"
    reception = "reception", "接待人员"
    leasing = "leasing", "租务人员"
    finance = "finance", "财务"
    qa = "qa", "质量管理"
    ops = "ops", "运作管理"
    business = "business", "业务部"
    office = "office", "办公室"
    quality_inspector = "quality_inspector", "质检员"
    director = "director", "总监"
    cs_info_staff = "cs_info_staff", "客服信息管理员"
    management = "management", "管理人员"


class Department(LabeledEnum):
    cs = "cs", "客服部"
    security = "security", "保安部"
    engineering = "engineering", "工程部"
    property = "property", "物业部"
    reception = "reception", "接待部"
    leasing = "leasing", "租务部"
    finance = "finance", "财务部"
    qa = "qa", "质量管理部"
    ops = "ops", "运作管理部"
    business = "business", "业务部"
    office = "office", "办公室"
    cleaning = "cleaning", "保洁部"
    management = "management", "管理处"
    gps_division = "gps_division", "GPS事业部"
    sales = "sales", "销售部"
    manufacturing = "manufacturing", "制造部"
    rnd = "rnd", "研发部"
    gm_office = "gm_office", "总经理室"


class Level(LabeledEnum):
    """Seniority, for rules that say "shift lead or above" or "middle management or above"."""

    staff = "staff", "员工"
    shift_lead = "shift_lead", "领班"
    supervisor = "supervisor", "主管"
    middle = "middle", "中级管理"
    senior = "senior", "高级管理"

    @property
    def rank(self) -> int:
        return list(Level).index(self)


class Weekday(LabeledEnum):
    mon = "mon", "周一"
    tue = "tue", "周二"
    wed = "wed", "周三"
    thu = "thu", "周四"
    fri = "fri", "周五"
    sat = "sat", "周六"
    sun = "sun", "周日"


class Record(Model):
    """A record stored as one YAML file under ``records/``."""

    KIND: ClassVar[str] = ""
    #: Folder under records/ holding this kind.
    FOLDER: ClassVar[str] = ""
    #: Id prefix for allocated ids; empty when the id is natural (staff number, key label).
    ID_PREFIX: ClassVar[str] = ""
    #: Top-level fields that summarise the event history and must equal the fold (STORE-FOLD-01).
    SUMMARY_FIELDS: ClassVar[tuple[str, ...]] = ()

    schema_version: Literal[1] = 1
    id: str

    @classmethod
    def relpath_for(cls, record_id: str) -> str:
        """Path under the records folder that an allocated id of this kind implies."""
        match = ID_RE.match(record_id) if cls.ID_PREFIX else None
        if match:
            yymm = match.group("yymm")
            return f"{cls.FOLDER}/20{yymm[:2]}/{yymm[2:]}/{record_id}.yaml"
        return f"{cls.FOLDER}/{record_id}.yaml"

    def expected_relpath(self) -> str:
        """Path under the records folder implied by the id."""
        return self.relpath_for(self.id)

    def derived_summary(self) -> dict[str, Any]:
        """Summary fields as folded from the events; overridden by evented kinds."""
        return {}


def _check_entered_by(value: str, info: ValidationInfo) -> str:
    """A staff id (checked like ``by``) or, for a keyboard outside the roster, a git email."""
    return value if "@" in value else _check_staff(value, info)


#: Who typed an event in for its ``by`` (csops sets it from the git identity on ``--as``).
EnteredBy = Annotated[str, Field(min_length=1, max_length=254, pattern=r"^[^\s]+$"), AfterValidator(_check_entered_by)]


class Event(Model):
    """One entry of a record's append-only history.

    ``by`` is who acted; ``entered_by`` is who typed it in when that was someone else (``--as``):
    csops sets it from the git identity at the keyboard, and the audit holds the commit's author to
    it. An approval entered for its approver stays unconfirmed until they confirm it themselves.
    """

    at: Instant
    by: StaffId
    action: str
    note: str | None = None
    entered_by: EnteredBy | None = None


class EventedRecord(Record):
    """A record whose state is the fold of its append-only ``events`` list.

    Subclasses declare ``events`` themselves (a discriminated union of their Event subclasses), after
    their summary fields, so that files read summary first and history last.
    """

    #: Fields besides the summary that a csops command may still set after creation (the audit's
    #: AUDIT-06 holds every other field to what the record was created with).
    AMENDABLE_FIELDS: ClassVar[tuple[str, ...]] = ()
    #: Values of ``status`` after which the record changes only through one of ``REOPEN_ACTIONS`` (AUDIT-07).
    FINAL_STATES: ClassVar[tuple[str, ...]] = ()
    REOPEN_ACTIONS: ClassVar[tuple[str, ...]] = ()

    if TYPE_CHECKING:
        events: list[Any]

    def event_times(self) -> list[datetime]:
        return [e.at for e in self.events]


class Confirmed(Event):
    """An approver confirms, at their own keyboard, an approval someone else typed in for them (issue 10).

    ``by`` is the approver and there is no ``entered_by``: the audit holds the commit's author to
    ``by`` (AUDIT-03), so a confirm proves that the approver themself said yes. ``event`` is the
    approval's index in ``events`` (0 = the first), stable because events are only appended;
    ``role`` says which approval of that event (``approved_by``, ``witnesses[1]``, ``by`` ...).
    """

    action: Literal["confirm"] = "confirm"
    event: int = Field(ge=0, description="index in events of the approval confirmed (0 = the first event)")
    role: str = Field(min_length=1, max_length=64, description="which approval of that event: approved_by, witnesses[1], by")
