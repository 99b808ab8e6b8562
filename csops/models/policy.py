"""``records/policy.yaml``: every number the sources give, with RULES.md's proposed defaults.

Changing policy is a reviewed commit like any other. Each field's description names the rule or
conflict (CFL-nn) it comes from.
"""

from __future__ import annotations

import re
from datetime import date, time
from typing import Annotated, Any, ClassVar, Literal, TypeVar

from pydantic import BeforeValidator, Field, field_validator
from pydantic_core import PydanticCustomError

from csops.models.common import Instant, Model, Record, Role, Weekday

_WINDOW_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")

Severity3 = Literal["major", "general", "minor"]


def _number_not_bool(value: Any) -> Any:
    """`true` is not a number of minutes: YAML booleans are refused where a policy wants a number."""
    if isinstance(value, bool):
        raise PydanticCustomError("number_not_bool", "expected a number, not true or false")
    return value


# Every number of the policy is bounded, so a typo (a minus sign, digits held down) is a finding
# instead of a deadline centuries away or an overflow inside a rule.
Minutes = Annotated[int, BeforeValidator(_number_not_bool), Field(ge=0, le=7 * 24 * 60)]
Hours = Annotated[int, BeforeValidator(_number_not_bool), Field(ge=0, le=31 * 24)]
Days = Annotated[int, BeforeValidator(_number_not_bool), Field(ge=0, le=366)]
PerMonth = Annotated[int, BeforeValidator(_number_not_bool), Field(ge=0, le=31)]
DayOfMonth = Annotated[int, BeforeValidator(_number_not_bool), Field(ge=1, le=28)]
Share = Annotated[float, BeforeValidator(_number_not_bool), Field(ge=0, le=1)]


def parse_window(text: str) -> tuple[time, time]:
    match = _WINDOW_RE.match(text)
    if not match:
        raise ValueError(f"window {text!r} must look like 08:00-12:00")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    start = time(h1, m1)
    end = time(23, 59, 59, 999999) if (h2, m2) == (24, 0) else time(h2, m2)
    if end <= start:
        raise ValueError(f"window {text!r} ends before it starts")
    return start, end


_WORKDAY = ["08:00-12:00", "13:30-18:00"]
T = TypeVar("T")


def _by_severity(major: T, general: T, minor: T) -> dict[Severity3, T]:
    return {"major": major, "general": general, "minor": minor}


class BusinessHours(Model):
    """Working windows per weekday, minute precision, several a day (the lunch break is a gap)."""

    weekdays: dict[Weekday, list[str]] = Field(
        default_factory=lambda: {
            Weekday.mon: list(_WORKDAY),
            Weekday.tue: list(_WORKDAY),
            Weekday.wed: list(_WORKDAY),
            Weekday.thu: list(_WORKDAY),
            Weekday.fri: list(_WORKDAY),
            Weekday.sat: [],
            Weekday.sun: [],
        }
    )
    #: A make-up workday (调休 weekend working day) follows this weekday's windows.
    makeup_workday_as: Weekday = Weekday.mon

    @field_validator("weekdays")
    @classmethod
    def _windows_parse(cls, value: dict[Weekday, list[str]]) -> dict[Weekday, list[str]]:
        for windows in value.values():
            parsed = sorted(parse_window(w) for w in windows)
            for (_, end), (start, _) in zip(parsed, parsed[1:], strict=False):
                if start < end:
                    raise ValueError("working windows of one day overlap")
        return value


class CalendarPolicy(Model):
    """China's statutory holidays and make-up workdays come from the ``holidays`` package."""

    country: Literal["CN"] = "CN"
    #: Org overrides, e.g. when next year's official schedule is published after the package.
    extra_holidays: list[date] = Field(default_factory=list)
    extra_workdays: list[date] = Field(default_factory=list)
    #: Special occasions treated like holidays for duty rules (HOV-DUTY-07, CFL-28).
    special_days: list[date] = Field(default_factory=list)


class ComplaintSla(Model):
    forward_min: dict[Severity3, Minutes] = Field(
        default_factory=lambda: _by_severity(10, 20, 30),
        description="TKT-SLA-01/02/03: forward to the responsible department within N minutes",
    )
    report_major_min: Minutes = Field(60, description="TKT-SLA-01: report a major complaint within 1 hour")
    resolve_working_hours: Hours = Field(24, description="TKT-SLA-02/03: resolve within 24 working hours")
    major_answer_days: Days = Field(3, description="TKT-SLA-04, CFL-07: clear answer within 3 days")
    investigate_same_day: bool = Field(True, description="TKT-SLA-05, CFL-07")
    investigation_start_gap_min: Minutes = Field(60, description="TKT-SLA-07 (inferred gap)")


class CallbackPolicy(Model):
    complaint_hours: Hours = Field(24, description="TKT-CB-01: clock hours after handling (CFL-26)")
    repair_working_hours: Hours = Field(24, description="TKT-CB-03: working hours after completion (CFL-05)")
    repair_target: Share = Field(1.0, description="KPI-01")
    internal_repair_target: Share = Field(0.7, description="KPI-02")
    complaint_roles: dict[Severity3, list[Role]] = Field(
        default_factory=lambda: _by_severity([Role.cs_manager, Role.project_manager], [Role.cs_manager], [Role.cs_manager]),
        description="TKT-CB-01, CFL-06: who calls back, by severity",
    )
    allow_delegate: bool = Field(True, description="CFL-06: the CS supervisor may call back for the manager")


class KesuSla(Model):
    domestic_days: Days = Field(15, description="TKT-QC-17")
    overseas_days: Days = Field(20, description="TKT-QC-17")
    qa_report_days: Days = Field(3, description="TKT-QC-07")
    opinion_days: Days = Field(1, description="TKT-QC-09")


class Sla(Model):
    complaint: ComplaintSla = Field(default_factory=ComplaintSla)
    callback: CallbackPolicy = Field(default_factory=CallbackPolicy)
    kesu: KesuSla = Field(default_factory=KesuSla)
    #: TKT-NGT-02: night intake passed on at this time of the next working day.
    night_handover_time: time = time(8, 0)
    #: TKT-GEN-04 (inferred threshold): a reply is expected within this many working hours.
    reply_working_hours: Hours = 8
    night_start: time = Field(time(18, 0), description="TKT-NGT-01/02, CFL-24: night duty runs from this time to night_handover_time")
    resolve_working_hours_by_type: dict[str, Hours] = Field(
        default_factory=lambda: {"consultation": 8, "suggestion": 24, "assistance": 8, "repair": 24,
                                 "installation": 40, "major_fault": 8},
        description="TKT-GEN-08 (inferred): due time of a ticket type the sources give no number for",
    )
    dispatch_approval: dict[str, bool] = Field(
        default_factory=lambda: {"product": True, "property": False, "installation": True},
        description="TKT-REP-02, TKT-INS-02, CFL-27: manager approval before the technician goes",
    )


class HandoverPolicy(Model):
    incoming_early_min: Minutes = Field(10, description="HOV-ARR-01/02, CFL-04")
    outgoing_prepare_min: Minutes = Field(15, description="HOV-ARR-03, CFL-04")
    security_handover_times: list[time] = Field(
        default_factory=lambda: [time(8, 0), time(18, 0)], description="HOV-SEC-01/02"
    )
    #: HOV-REC-07: the sources list no check items, so they are configured per post.
    check_items: dict[str, list[str]] = Field(
        default_factory=lambda: {
            "cs_office": ["phones", "computers", "water_dispenser", "keys", "records", "hygiene"],
            "front_desk": ["phones", "keys", "mail", "cabinet", "hygiene"],
            "control_room": ["monitors", "radios", "keys", "handover_book", "hygiene"],
        }
    )


class SwapPolicy(Model):
    max_per_month: PerMonth = Field(3, description="HOV-SWP-02, CFL-01")
    approval: Literal["dept_manager", "notify"] = Field("dept_manager", description="CFL-02")


class DutyPolicy(Model):
    leave_approvers: list[Role] = Field(
        default_factory=lambda: [Role.cs_centre_director, Role.cs_manager], description="CFL-25"
    )
    max_away_min: Minutes = Field(30, description="HOV-DUTY-10 (limit not in the source; inferred)")


class KeyPolicy(Model):
    approval_categories: list[str] = Field(
        default_factory=lambda: [
            "office_store", "machine_room", "stair_fire_exit", "entrance_gate", "machine_room_spare",
        ],
        description="KEY-LOAN-01, CFL-16: loans of these categories need a department head's approval",
    )
    contractor_escort_roles: list[Role] = Field(
        default_factory=lambda: [Role.engineering, Role.management], description="KEY-CTR-01, CFL-14"
    )
    vacant_unit_holder: str = Field("cs", description="CFL-15")
    loss_notify: list[str] = Field(
        default_factory=lambda: ["security", "holder_manager"], description="CFL-11/12"
    )
    #: KEY-LOAN-02: no take-home; a loan is due back by this time on the day it was lent.
    loan_due_time: time = time(18, 0)
    #: KEY-CHK-01 (inferred): which days need a register check, and how far back a missing one is reported.
    check_days: Literal["workdays", "every_day"] = "workdays"
    check_lookback_days: Days = Field(31, ge=1)
    #: CFL-17: security's sealed estate set may additionally require the security manager's approval.
    sealed_estate_require_approval: bool = False


class HazmatPolicy(Model):
    #: REG-HAZ-01: extra controlled materials, identifier → Chinese name ("extendable in config").
    extra_items: dict[str, str] = Field(default_factory=dict)


class ReportPolicy(Model):
    monthly_due_day: DayOfMonth = Field(5, description="RPT-01, CFL-21")
    kesu_stats_due_day: DayOfMonth = Field(10, description="RPT-02")


class KpiPolicy(Model):
    satisfaction: Share = Field(0.95, description="KPI-04")
    valid_complaint_rate: Share = Field(0.01, description="KPI-05")
    sampling_rate: Share = Field(0.2, description="KPI-07, TKT-CB-06")


class AuditPolicy(Model):
    """Who may change what the audit holds others to (issue 10)."""

    policy_editors: list[Role] = Field(
        default_factory=lambda: [Role.cs_manager, Role.cs_centre_director, Role.director, Role.deputy_gm,
                                 Role.general_manager],
        description="AUDIT-09/10: roles that may change records/policy.yaml and staff roles, levels and "
                    "identities (default: the CS manager and above)")
    require_signed: bool = Field(False, description="AUDIT-12: every commit must carry a good SSH signature "
                                                    "of its author's key (csops audit --require-signed)")


class Office(Model):
    name: str = "客户服务中心"
    #: TKT-CMP-12: the complaint office and phone are printed on customer-facing forms.
    complaint_location: str | None = None
    complaint_phone: str | None = None


class Policy(Record):
    KIND: ClassVar[str] = "policy"
    FOLDER: ClassVar[str] = ""

    id: Literal["policy"] = "policy"
    effective_from: Instant | None = Field(
        None, description="AUDIT-14, issue 10: the moment this version takes effect for tickets received from "
                          "then on (default: its commit time; a later moment announces a change ahead, an "
                          "earlier one is held to the commit time)")
    timezone: str = "Asia/Shanghai"
    office: Office = Field(default_factory=Office)
    business_hours: BusinessHours = Field(default_factory=BusinessHours)
    calendar: CalendarPolicy = Field(default_factory=CalendarPolicy)
    sla: Sla = Field(default_factory=Sla)
    handover: HandoverPolicy = Field(default_factory=HandoverPolicy)
    swap: SwapPolicy = Field(default_factory=SwapPolicy)
    duty: DutyPolicy = Field(default_factory=DutyPolicy)
    keys: KeyPolicy = Field(default_factory=KeyPolicy)
    hazmat: HazmatPolicy = Field(default_factory=HazmatPolicy)
    reports: ReportPolicy = Field(default_factory=ReportPolicy)
    kpi: KpiPolicy = Field(default_factory=KpiPolicy)
    audit: AuditPolicy = Field(default_factory=AuditPolicy)
    #: Chinese display names of the office's own identifiers (posts, shifts, checklist items), e.g.
    #: `lobby: 大堂岗`; csops knows the common ones (csops.labels.OFFICE_NAMES).
    names: dict[str, str] = Field(default_factory=dict)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    def expected_relpath(self) -> str:
        return "policy.yaml"
