"""``csops ticket ...``: take a request, route it, resolve it, call the customer back and close it.

Every mutating subcommand appends one event to the ticket and makes one commit through the
session's write path, which runs the same rules as ``csops validate`` and refuses (naming the rule,
the allowed next steps and a fix) a change that would add an error. Required options missing on
the command line are asked for on a terminal and are an error otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import click

from csops.commands import (
    at_option,
    find_record,
    format_option,
    list_format_option,
    need,
    period,
    period_options,
)
from csops.completion import ticket_ids

if TYPE_CHECKING:
    from csops.context import Context
    from csops.models.ticket import Ticket
    from csops.session import Session


def _instant() -> Any:
    from csops.cli import INSTANT

    return INSTANT


def _build(model: Any, **kwargs: Any) -> Any:
    """Build a model from the options given (unset options keep the model's defaults).

    A value the model rejects becomes a refusal with rule ids and fix hints (csops.cli.LazyGroup).
    """
    return model(**{k: v for k, v in kwargs.items() if v is not None})


def _get(session: Session, ticket_id: str) -> tuple[Context, Ticket]:
    from csops.models.ticket import Ticket

    ctx = session.load()
    return ctx, find_record(ctx, Ticket, ticket_id, "csops ticket list")


def _append(session: Session, ticket_id: str, cls_name: str, at: datetime | None, *,
            precheck: Callable[[Context, Ticket, Ticket, str], None] | None = None, **fields: Any) -> Ticket:
    """Append one event (``cls_name`` from csops.models.ticket) and save it as one commit;
    ``precheck(ctx, old, new, actor_id)`` may refuse the new version before anything is written."""
    from csops.models import ticket as m

    ctx, ticket = _get(session, ticket_id)
    actor = session.actor()
    event = _build(getattr(m, cls_name), at=at or session.now, by=actor.id, **fields)
    new = ticket.model_copy(update={"events": [*ticket.events, event]})
    if precheck is not None:
        precheck(ctx, ticket, new, actor.id)
    label = m.ACTION_LABELS.get(event.action, event.action)
    saved = session.save([(ticket, new)], action=f"ticket.{event.action}",
                         summary=f"{ticket.type.label} {ticket.id} {label}", actor=actor)[0]
    assert isinstance(saved, m.Ticket)
    click.echo(f"{saved.id} {label}: {m.status_label(saved.type, saved.status)} ({saved.status.value})")
    return saved


@click.group()
def ticket() -> None:
    """Tickets (工单): consultations, repairs, installations, complaints, suggestions, 客诉, major faults.

    \b
    Example:
      csops --as CS001 ticket new --type complaint --severity general --channel phone \\
          --customer 陈先生 --contact 13800000000 --content "空调不制冷" --promised-by 2026-11-23T17:00:00+08:00
      csops --as CS001 ticket forward T-2611-A001 --to E002 --reason 空调归工程部
      csops ticket show T-2611-A001
    """


# -- intake ---------------------------------------------------------------------------------


def _kesu_no(ctx: Context, at: datetime, station: str) -> str:
    from csops.models.ticket import KESU_NO_RE, Ticket
    from csops.rules import Problem
    from csops.session import Refused

    yymm = ctx.calendar.local(at).strftime("%y%m")
    serials = [0]
    for t in ctx.of(Ticket):
        match = KESU_NO_RE.match(t.kesu.kesu_no or "") if t.kesu else None
        if match and match.group("yymm") == yymm and match.group("station") == station:
            serials.append(int(match.group("serial")))
    serial = max(serials) + 1
    if serial > 99:
        raise Refused([Problem(f"客诉 serials for {yymm} at station {station} are used up (99)",
                               hint="use another station code for the rest of the month", rule="TKT-QC-03")])
    return f"{yymm}{serial:02d}-{station}"


def _ticket_type(value: str) -> Any:
    from csops.models.ticket import TicketType
    from csops.rules import Problem
    from csops.session import Refused

    try:
        return TicketType(value)
    except ValueError:
        label = TicketType.from_label(value)
        hint = (f"write `{label.value}` (shown as {value})" if label
                else "one of " + ", ".join(f"{t.value} ({t.label})" for t in TicketType))
        raise Refused([Problem(f"`{value}` is not a ticket type", ("type",), hint, rule="TKT-GEN-01")]) from None


@ticket.command("new")
@click.option("--type", "type_", help="consultation|repair|installation|complaint|suggestion|kesu|major_fault|assistance")
@click.option("--channel", help="phone|letter|visit|email|online|fax|on_site")
@click.option("--customer", help="客户姓名/名称")
@click.option("--contact", help="联系方式")
@click.option("--address", help="地址/房号")
@click.option("--internal", is_flag=True, help="Reported by staff or the client organisation (TKT-CB-04).")
@click.option("--content", help="The request in the customer's words.")
@click.option("--subject", help="One line for lists.")
@click.option("--origin", type=click.Choice(["customer", "inspection"]), default="customer", show_default=True)
@click.option("--reported-by", help="Patrol findings: the project manager who reported it (TKT-GEN-10).")
@click.option("--severity", help="Complaints: major|general|minor (TKT-CMP-07).")
@click.option("--criterion", "criteria", multiple=True, help="economic_loss|personal_injury|negative_media (TKT-SEV-01).")
@click.option("--answered-at-intake", is_flag=True, help="The complaint was answered on the spot (TKT-CMP-05).")
@click.option("--promised-by", type=_instant(), help="Reply time promised to the customer (TKT-CMP-05).")
@click.option("--customer-deadline", type=_instant(), help="The customer's own limit (TKT-SLA-03).")
@click.option("--repair-kind", type=click.Choice(["product", "property"]), help="Repairs: product (GPS) or property.")
@click.option("--product-model", help="TKT-REP-01")
@click.option("--purchase-date", type=click.DateTime(["%Y-%m-%d"]), help="TKT-REP-01")
@click.option("--symptom", help="故障现象 (TKT-REP-01)")
@click.option("--plate", help="车牌号 (TKT-TRM-01)")
@click.option("--warranty-until", type=click.DateTime(["%Y-%m-%d"]))
@click.option("--billing", type=click.Choice(["free", "paid"]), help="Property repairs (TKT-REP-07).")
@click.option("--trade", help="工种 (TKT-REP-07).")
@click.option("--request-form", help="Installations: 《安装需求单》 (TKT-INS-01).")
@click.option("--vehicle-list", help="《安装车辆明细》")
@click.option("--driver-info", help="《司机信息和车辆基本信息》")
@click.option("--overseas", is_flag=True, help="客诉 from abroad: 20 days (TKT-QC-17).")
@click.option("--no-loss", is_flag=True, help="客诉 without loss: 异常处理单 instead (TKT-QC-01).")
@click.option("--abnormality-form", help="异常处理单 number (TKT-QC-01).")
@click.option("--order-no")
@click.option("--part-no")
@click.option("--ship-date", type=click.DateTime(["%Y-%m-%d"]))
@click.option("--qty", type=int)
@click.option("--defect-qty", type=int)
@click.option("--customer-request", help="客户要求, or 客户加工中未确定 (TKT-QC-05).")
@click.option("--occurred-at", type=_instant(), help="Major faults (TKT-FLT-01).")
@click.option("--location")
@click.option("--symptoms")
@click.option("--response-plan")
@at_option
@click.pass_obj
def ticket_new(session: Session, type_: str | None, channel: str | None, customer: str | None,
               contact: str | None, address: str | None, internal: bool, content: str | None,
               subject: str | None, origin: str, reported_by: str | None, severity: str | None, criteria: tuple[str, ...],
               answered_at_intake: bool, promised_by: datetime | None, customer_deadline: datetime | None,
               repair_kind: str | None, product_model: str | None, purchase_date: datetime | None,
               symptom: str | None, plate: str | None, warranty_until: datetime | None, billing: str | None,
               trade: str | None, request_form: str | None, vehicle_list: str | None, driver_info: str | None,
               overseas: bool, no_loss: bool, abnormality_form: str | None, order_no: str | None,
               part_no: str | None, ship_date: datetime | None, qty: int | None, defect_qty: int | None,
               customer_request: str | None, occurred_at: datetime | None, location: str | None,
               symptoms: str | None, response_plan: str | None, at: datetime | None) -> None:
    """Take a request (受理): the receiver becomes its first-contact owner (首问负责人).

    \b
    Example:
      csops --as CS001 ticket new --type consultation --channel phone --customer 刘女士 \\
          --contact 13900000000 --content "停车月卡怎么办理"
      csops --as CS003 ticket new --type repair --repair-kind product --channel phone --customer 顺达物流 \\
          --contact 0755-8888 --address 宝安区福永街道 --product-model GT-06 --purchase-date 2025-03-01 \\
          --symptom 终端无定位 --plate 粤B12345
    """
    from csops.models.ticket import (
        Customer,
        FaultInfo,
        InstallationInfo,
        KesuInfo,
        Received,
        RepairInfo,
        Ticket,
        TicketType,
    )

    ctx = session.load()
    actor = session.actor()
    when = at or session.now
    kind = _ticket_type(need(type_, "--type", "类型 " + "|".join(t.value for t in TicketType)))
    channel = need(channel, "--channel", "渠道 phone|letter|visit|email|online|fax|on_site")
    customer = need(customer, "--customer", "客户姓名")
    content = need(content or symptom or symptoms, "--content", "内容")
    if kind is TicketType.complaint:
        severity = need(severity, "--severity", "严重程度 major|general|minor")

    def d(value: datetime | None) -> date | None:
        return value.date() if value else None

    sections: dict[str, Any] = {}
    if kind is TicketType.repair:
        sections["repair"] = _build(RepairInfo, kind=repair_kind or "property", product_model=product_model,
            purchase_date=d(purchase_date), fault_symptom=symptom, plate_number=plate,
            warranty_until=d(warranty_until), billing=billing, trade=trade)
    elif kind is TicketType.installation:
        sections["installation"] = _build(InstallationInfo, request_form=request_form,
                                                   vehicle_list=vehicle_list, driver_info=driver_info)
    elif kind is TicketType.kesu:
        sections["kesu"] = _build(KesuInfo, kesu_no=None if no_loss else _kesu_no(ctx, when, session.station()),
            overseas=overseas, loss=not no_loss, abnormality_form=abnormality_form, order_no=order_no,
            part_no=part_no, ship_date=d(ship_date), qty=qty, defect_qty=defect_qty,
            customer_request=customer_request, accepted_at=when)
    elif kind is TicketType.major_fault:
        sections["fault"] = _build(FaultInfo, occurred_at=occurred_at, location=location,
                                            symptoms=symptoms, response_plan=response_plan)
    record = _build(Ticket, id=session.new_id(Ticket, when), type=kind, channel=channel, origin=origin,
        customer=_build(Customer, name=customer, contact=contact, address=address, internal=internal),
        subject=subject, content=content, first_owner=actor.id, reported_by=reported_by, severity=severity, criteria=list(criteria),
        answered_at_intake=answered_at_intake, promised_reply_at=promised_by,
        customer_requested_by=customer_deadline, events=[Received(at=when, by=actor.id)], **sections)
    saved = session.save([(None, record)], action="ticket.received",
                         summary=f"{kind.label} {record.id} 受理: {subject or content[:20]}", actor=actor)[0]
    number = f" 客诉编号 {saved.kesu.kesu_no}" if isinstance(saved, Ticket) and saved.kesu and saved.kesu.kesu_no else ""
    click.echo(f"已受理 (created): {saved.id}{number}")


# -- lifecycle ------------------------------------------------------------------------------


@ticket.command("classify")
@click.argument("ticket_id", shell_complete=ticket_ids)
@click.option("--severity", help="major|general|minor")
@click.option("--criterion", "criteria", multiple=True, help="economic_loss|personal_injury|negative_media")
@at_option
@click.pass_obj
def ticket_classify(session: Session, ticket_id: str, severity: str | None, criteria: tuple[str, ...],
                    at: datetime | None) -> None:
    """Re-grade a complaint's severity (定级) after investigation.

    \b
    Example:
      csops --as S001 ticket classify T-2611-A003 --severity major --criterion economic_loss
    """
    _append(session, ticket_id, "Classify", at, severity=need(severity, "--severity", "严重程度"),
            criteria=list(criteria))


@ticket.command("forward")
@click.argument("ticket_id", shell_complete=ticket_ids)
@click.option("--to", "to", help="工号 of the person now responsible.")
@click.option("--department", help="Their department, e.g. engineering.")
@click.option("--reason", help="Why it is passed on (required: handing on is never silent).")
@at_option
@click.pass_obj
def ticket_forward(session: Session, ticket_id: str, to: str | None, department: str | None, reason: str | None,
                   at: datetime | None) -> None:
    """Pass the matter to the responsible department or person (转呈); the first owner stays.

    \b
    Example:
      csops --as CS002 ticket forward T-2611-A003 --to E002 --department engineering --reason 空调维修属工程部
    """
    _append(session, ticket_id, "Forward", at, to=need(to, "--to", "转给(工号)"), department=department,
            reason=need(reason, "--reason", "原因"))


@ticket.command("assign")
@click.argument("ticket_id", shell_complete=ticket_ids)
@click.option("--to", "to", help="工号 of the technician or handler.")
@click.option("--kind", "assignee_kind", type=click.Choice(["staff", "contractor", "other_dept"]), default="staff",
              show_default=True, help="TKT-REP-06: contractors and other departments need approval.")
@click.option("--reason", help="Why this person (required).")
@at_option
@click.pass_obj
def ticket_assign(session: Session, ticket_id: str, to: str | None, assignee_kind: str, reason: str | None,
                  at: datetime | None) -> None:
    """Dispatch a technician or name a handler (派工); product repairs need approval first.

    \b
    Example:
      csops --as CS003 ticket assign T-2611-A005 --to T001 --reason GPS终端维修
    """
    _append(session, ticket_id, "Assign", at, to=need(to, "--to", "派给(工号)"), assignee_kind=assignee_kind,
            reason=need(reason, "--reason", "原因"))


@ticket.command("approve")
@click.argument("ticket_id", shell_complete=ticket_ids)
@click.option("--note", help="Remarks.")
@at_option
@click.pass_obj
def ticket_approve(session: Session, ticket_id: str, note: str | None, at: datetime | None) -> None:
    """Approve the dispatch (审批派工单) as the division manager (TKT-REP-02, TKT-INS-02).

    \b
    Example:
      csops --as Q001 ticket approve T-2611-A005
    """
    _append(session, ticket_id, "Approve", at, note=note)


@ticket.command("report")
@click.argument("ticket_id", shell_complete=ticket_ids)
@click.option("--to", "to", multiple=True, help="工号 told (repeatable).")
@click.option("--note", help="What was reported.")
@at_option
@click.pass_obj
def ticket_report(session: Session, ticket_id: str, to: tuple[str, ...], note: str | None, at: datetime | None) -> None:
    """Report to management or notify managers (上报): major complaints within 1 hour, night majors at once.

    \b
    Example:
      csops --as S001 ticket report T-2611-A003 --to G001 --to P001 --note 重大投诉
    """
    people = list(to) or [str(need(None, "--to", "上报给(工号)"))]
    _append(session, ticket_id, "Report", at, to=people, note=note)


@ticket.command("escalate")
@click.argument("ticket_id", shell_complete=ticket_ids)
@click.option("--to", "to", help="工号 escalated to (the CS-centre director for big problems).")
@click.option("--reason", type=click.Choice(["big_problem", "non_cooperation", "major_matter"]))
@click.option("--note")
@at_option
@click.pass_obj
def ticket_escalate(session: Session, ticket_id: str, to: str | None, reason: str | None, note: str | None,
                    at: datetime | None) -> None:
    """Escalate (上报主任 / 投诉不配合部门); a big problem must be answered within 3 days (TKT-SLA-04).

    \b
    Example:
      csops --as S001 ticket escalate T-2611-A003 --to D001 --reason big_problem
    """
    _append(session, ticket_id, "Escalate", at, to=need(to, "--to", "升级给(工号)"),
            reason=need(reason, "--reason", "原因 big_problem|non_cooperation|major_matter"), note=note)


@ticket.command("update")
@click.argument("ticket_id", shell_complete=ticket_ids)
@click.option("--text", help="What happened.")
@at_option
@click.pass_obj
def ticket_update(session: Session, ticket_id: str, text: str | None, at: datetime | None) -> None:
    """Record progress (跟进), e.g. the customer was told where things stand.

    \b
    Example:
      csops --as E002 ticket update T-2611-A003 --text 已到现场检查,需更换压缩机
    """
    _append(session, ticket_id, "Update", at, text=need(text, "--text", "跟进内容"))


@ticket.command("wait")
@click.argument("ticket_id", shell_complete=ticket_ids)
@click.option("--reason", help="What the customer is to do.")
@at_option
@click.pass_obj
def ticket_wait(session: Session, ticket_id: str, reason: str | None, at: datetime | None) -> None:
    """Stop the clock while waiting for the customer (等待客户).

    \b
    Example:
      csops --as E002 ticket wait T-2611-A003 --reason 客户出差,约定返回后上门
    """
    _append(session, ticket_id, "Wait", at, reason=need(reason, "--reason", "原因"))


@ticket.command("resume")
@click.argument("ticket_id", shell_complete=ticket_ids)
@at_option
@click.pass_obj
def ticket_resume(session: Session, ticket_id: str, at: datetime | None) -> None:
    """Restart the clock after waiting for the customer.

    \b
    Example:
      csops --as E002 ticket resume T-2611-A003
    """
    _append(session, ticket_id, "Resume", at)


@ticket.command("resolve")
@click.argument("ticket_id", shell_complete=ticket_ids)
@click.option("--resolution", help="What was done.")
@click.option("--reply-text", help="What the customer was told (checked for 服务忌语).")
@click.option("--corrective-action", help="TKT-VAL-04, TKT-CB-02")
@click.option("--findings", help="TKT-GEN-09: what the investigation found")
@click.option("--evidence", help="TKT-GEN-09: records, photos, witnesses")
@click.option("--validity", type=click.Choice(["valid", "invalid"]), help="Complaints (TKT-VAL-01).")
@click.option("--invalid-reason", type=click.Choice(["out_of_contract", "misunderstanding", "suggestion"]))
@click.option("--verified-by", help="工号 who verified a valid complaint (TKT-VAL-02).")
@click.option("--cause-class", type=click.Choice(["non_quality_human", "quality"]), help="客诉 (TKT-QC-02).")
@click.option("--decision", type=click.Choice(["adopt", "reject"]), help="Suggestions: the director's decision (TKT-SUG-01).")
@click.option("--technician", help="Dispatch form: technician 工号.")
@click.option("--plate", help="Vehicle plate.")
@click.option("--old-terminal")
@click.option("--new-terminal")
@click.option("--old-sim")
@click.option("--new-sim")
@click.option("--tape-label", is_flag=True, help="Tape label with plate and symptom on the terminal taken back.")
@click.option("--part", "parts", multiple=True, help="Part used (repeatable).")
@click.option("--parts-fee", type=float, default=0)
@click.option("--labour-fee", type=float, default=0)
@click.option("--out-of-warranty", is_flag=True)
@click.option("--invoice-no")
@at_option
@click.pass_obj
def ticket_resolve(session: Session, ticket_id: str, resolution: str | None, reply_text: str | None,
                   corrective_action: str | None, findings: str | None, evidence: str | None,
                   validity: str | None, invalid_reason: str | None, verified_by: str | None,
                   cause_class: str | None, decision: str | None, technician: str | None, plate: str | None,
                   old_terminal: str | None, new_terminal: str | None, old_sim: str | None, new_sim: str | None,
                   tape_label: bool, parts: tuple[str, ...], parts_fee: float, labour_fee: float,
                   out_of_warranty: bool, invoice_no: str | None, at: datetime | None) -> None:
    """Record the handling as finished (处理完毕); callbacks fall due from here.

    \b
    Example:
      csops --as E002 ticket resolve T-2611-A003 --resolution 更换压缩机 --validity valid --verified-by CS002 \\
          --corrective-action 加强设备巡检 --findings 压缩机老化 --evidence 维修记录 --reply-text 已为您修好
      csops --as T001 ticket resolve T-2611-A005 --resolution 更换SIM卡 --technician T001 --plate 粤B12345 \\
          --old-sim 1440012345678 --new-sim 1440087654321
    """
    from csops.models.ticket import Dispatch

    dispatch = None
    if any([technician, plate, old_terminal, new_terminal, old_sim, new_sim, tape_label, parts, parts_fee,
            labour_fee, out_of_warranty, invoice_no]):
        dispatch = _build(Dispatch, technician=technician, plate_number=plate, old_terminal_no=old_terminal,
            new_terminal_no=new_terminal, old_sim=old_sim, new_sim=new_sim, tape_label_attached=tape_label or None,
            parts=list(parts), parts_fee=parts_fee, labour_fee=labour_fee, out_of_warranty=out_of_warranty,
            invoice_no=invoice_no)
    _append(session, ticket_id, "Resolve", at, precheck=_close_would_refuse,
            resolution=need(resolution, "--resolution", "处理结果"),
            reply_text=reply_text, corrective_action=corrective_action, findings=findings, evidence=evidence,
            validity=validity, invalid_reason=invalid_reason, verified_by=verified_by, cause_class=cause_class,
            decision=decision, dispatch=dispatch)


#: What to add to a resolution that a later close would be refused for (the rules' own hints
#: speak of a ticket already closed).
EARLY_HINTS = {
    "TKT-GEN-09": "add --findings '调查结果' --evidence '记录/照片/证人' to this resolve",
    "TKT-VAL-01": "add --validity valid|invalid to this resolve (invalid: with --invalid-reason)",
}


def _close_would_refuse(ctx: Context, old: Ticket, new: Ticket, actor_id: str) -> None:
    """Check early what close will require of this resolution (issue 14): a resolution accepted now
    and found lacking at closing means reopening, resolving again and calling the customer twice.

    The ticket is closed in thought (a reached, satisfied callback, then the close, both now); the
    errors that appear, located at this resolution, refuse it now, together with the errors the
    resolution makes by itself. What later steps lack (the callback itself, a report) is theirs."""
    from csops.findings import Severity
    from csops.models import ticket as m
    from csops.rules import check_record
    from csops.session import Refused

    index, at = len(new.events) - 1, new.events[-1].at
    later = [m.Callback(at=at, by=actor_id, mode=m.CallbackMode.phone, reached=True, satisfied=True, notes="-"),
             m.Close(at=at, by=actor_id, customer_notified_at=at)]
    closed = new.model_copy(update={"events": [*new.events, *later]})

    def errors(ticket: Ticket) -> list[Any]:
        return [p for p in check_record(ticket, ctx) if p.severity is Severity.error]

    had = {(p.rule, p.message) for p in errors(old)}
    own = [p for p in errors(new) if (p.rule, p.message) not in had]
    seen = had | {(p.rule, p.message) for p in own}
    lacking = [p for p in errors(closed) if p.loc[:2] == ("events", index) and (p.rule, p.message) not in seen]
    if not lacking:
        return  # the save checks the resolution itself, over the whole tree
    early = [replace(p, message=f"关闭时将被拒绝 (close would be refused): {p.message}",
                     hint=EARLY_HINTS.get(p.rule, (p.hint or "").replace(" (reopen first)", "") or None))
             for p in lacking]
    raise Refused([*own, *early], f"{new.id} 处理结果缺少关闭所需内容 (the resolution lacks what closing needs)")


@ticket.command("callback")
@click.argument("ticket_id", shell_complete=ticket_ids)
@click.option("--mode", type=click.Choice(["phone", "on_site", "face_to_face"]))
@click.option("--satisfied/--unsatisfied", default=None, help="Is the customer satisfied? (unsatisfied reopens)")
@click.option("--signature", is_flag=True, help="The customer signed the record (TKT-CB-02).")
@click.option("--unreached", is_flag=True, help="An attempt that did not reach the customer.")
@click.option("--notes", help="What the customer said (TKT-CB-11).")
@click.option("--with", "joined", multiple=True, metavar="工号",
              help="Who else came on the visit (repeatable): a major complaint's is the department manager and the project manager (TKT-CB-01).")
@at_option
@click.pass_obj
def ticket_callback(session: Session, ticket_id: str, mode: str | None, satisfied: bool | None, signature: bool,
                    unreached: bool, notes: str | None, joined: tuple[str, ...], at: datetime | None) -> None:
    """Call the customer back (回访); an unsatisfied customer reopens the ticket.

    \b
    Example:
      csops --as M001 ticket callback T-2611-A003 --mode phone --satisfied --signature --notes 客户满意
      csops --as M001 ticket callback T-2610-A004 --mode on_site --with P001 --satisfied --signature --notes 上门回访
    """
    _append(session, ticket_id, "Callback", at, mode=need(mode, "--mode", "方式 phone|on_site|face_to_face"),
            satisfied=satisfied, signature=signature, reached=not unreached,
            notes=need(notes, "--notes", "回访记录"), joined_by=list(joined))


@ticket.command("finance")
@click.argument("ticket_id", shell_complete=ticket_ids)
@click.option("--amount", type=float, help="Yuan handed over.")
@click.option("--receiver", help="工号 in finance who took it.")
@at_option
@click.pass_obj
def ticket_finance(session: Session, ticket_id: str, amount: float | None, receiver: str | None,
                   at: datetime | None) -> None:
    """Hand a collected fee to finance (交财务, TKT-FEE-02).

    \b
    Example:
      csops --as T001 ticket finance T-2611-A005 --amount 80 --receiver FN01
    """
    _append(session, ticket_id, "Finance", at, amount=float(need(amount, "--amount", "金额")),
            receiver=need(receiver, "--receiver", "财务(工号)"))


@ticket.command("analysis")
@click.argument("ticket_id", shell_complete=ticket_ids)
@click.option("--impact")
@click.option("--handling")
@click.option("--root-cause")
@click.option("--corrective")
@click.option("--preventive")
@click.option("--sent-to-customer", type=_instant())
@click.option("--sent-to-business", type=_instant())
@at_option
@click.pass_obj
def ticket_analysis(session: Session, ticket_id: str, impact: str | None, handling: str | None,
                    root_cause: str | None, corrective: str | None, preventive: str | None,
                    sent_to_customer: datetime | None, sent_to_business: datetime | None, at: datetime | None) -> None:
    """File the fault analysis report (故障分析报告) of a major fault (TKT-FLT-03).

    \b
    Example:
      csops --as E002 ticket analysis T-2611-A009 --impact 全楼停水4小时 --handling 抢修 --root-cause 阀门老化 \\
          --corrective 更换阀门 --preventive 季度巡检 --sent-to-customer 2026-11-20T10:00:00+08:00 \\
          --sent-to-business 2026-11-20T10:00:00+08:00
    """
    _append(session, ticket_id, "Analysis", at, impact=need(impact, "--impact", "影响"),
            handling=need(handling, "--handling", "处理情况"), root_cause=need(root_cause, "--root-cause", "原因分析"),
            corrective=need(corrective, "--corrective", "纠正措施"), preventive=need(preventive, "--preventive", "预防措施"),
            sent_to_customer_at=need(sent_to_customer, "--sent-to-customer", "反馈客户时间"),
            sent_to_business_at=need(sent_to_business, "--sent-to-business", "反馈业务部时间"))


@ticket.command("close")
@click.argument("ticket_id", shell_complete=ticket_ids)
@click.option("--customer-notified-at", type=_instant(), help="When the customer was told the result (TKT-GEN-05).")
@click.option("--note")
@at_option
@click.pass_obj
def ticket_close(session: Session, ticket_id: str, customer_notified_at: datetime | None, note: str | None,
                 at: datetime | None) -> None:
    """Close the ticket (结案) once every closing rule holds.

    \b
    Example:
      csops --as CS001 ticket close T-2611-A003 --customer-notified-at 2026-11-21T10:00:00+08:00
    """
    _append(session, ticket_id, "Close", at, customer_notified_at=customer_notified_at, note=note)


@ticket.command("reopen")
@click.argument("ticket_id", shell_complete=ticket_ids)
@click.option("--reason", help="Why it is reopened.")
@at_option
@click.pass_obj
def ticket_reopen(session: Session, ticket_id: str, reason: str | None, at: datetime | None) -> None:
    """Reopen a resolved or closed ticket (重开).

    \b
    Example:
      csops --as S001 ticket reopen T-2611-A003 --reason 客户反映问题复发
    """
    _append(session, ticket_id, "Reopen", at, reason=need(reason, "--reason", "原因"))


# -- reading --------------------------------------------------------------------------------


def ticket_view(ctx: Context, t: Ticket, now: datetime) -> dict[str, Any]:
    """Everything ``show`` prints, as data (the JSON form)."""
    from csops.models.ticket import ACTION_LABELS, status_label
    from csops.sla import ticket_calendar, ticket_deadlines

    state = t.fold()
    version = ctx.policy_version_at(t.received_at) if t.events else None
    return {
        "id": t.id, "type": t.type.value, "type_label": t.type.label,
        "status": state.status.value, "status_label": status_label(t.type, state.status),
        "severity": state.severity.value if state.severity else None,
        "severity_label": state.severity.label if state.severity else None,
        "first_owner": t.first_owner, "first_owner_name": ctx.name(t.first_owner),
        "owner": state.owner, "owner_name": ctx.name(state.owner),
        "received_at": t.received_at.isoformat(), "channel": t.channel.value if t.channel else None,
        "customer": t.customer.model_dump(mode="json", exclude_none=True), "content": t.content,
        "kesu_no": t.kesu.kesu_no if t.kesu else None,
        "deadlines": [d.as_dict(now) for d in ticket_deadlines(ctx, t)],
        # Which version of records/policy.yaml the deadlines follow: the one in force at reception.
        "policy_version": version.as_dict() | {"label": version.label(ticket_calendar(ctx, t).tz)}
        if version is not None else None,
        "events": [{"at": e.at.isoformat(), "by": e.by, "by_name": ctx.name(e.by), "action": e.action,
                    "action_label": ACTION_LABELS.get(e.action, e.action)} for e in t.events],
    }


def _fmt(instant: str | None, ctx: Context) -> str:
    return ctx.when(instant) or "-"


def _remaining(minutes: int) -> str:
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    return (f"{days}天" if days else "") + (f"{hours}小时" if hours else "") + f"{mins}分"


@ticket.command("show")
@click.argument("ticket_id", shell_complete=ticket_ids)
@format_option
@click.pass_obj
def ticket_show(session: Session, ticket_id: str) -> None:
    """State, owner and every deadline (met, missed, or time remaining) of one ticket.

    \b
    Example:
      csops ticket show T-2611-A003
      csops --now 2026-11-23T09:00:00+08:00 ticket show T-2611-A003 --format json
    """
    from csops.commands.confirm import pending_json, pending_lines

    ctx, t = _get(session, ticket_id)
    view = ticket_view(ctx, t, session.now)
    if session.json:
        session.emit_json(view | {"unconfirmed": pending_json(ctx, t)})
        return
    sev = f" [{view['severity_label']}]" if view["severity_label"] else ""
    click.echo(f"{t.id} {view['type_label']}{sev}  状态: {view['status_label']}")
    if view["kesu_no"]:
        click.echo(f"  客诉编号: {view['kesu_no']}")
    click.echo(f"  受理: {_fmt(view['received_at'], ctx)} {t.channel.label if t.channel else ''}  "
               f"首问负责人: {view['first_owner_name']}  当前负责人: {view['owner_name']}")
    click.echo(f"  客户: {t.customer.name or ''} {t.customer.contact or ''} {t.customer.address or ''}".rstrip())
    click.echo(f"  内容: {t.content or ''}")
    version = view["policy_version"]
    click.echo(f"  时限: (依据受理时施行的{version['label']})" if version else "  时限:")
    for d in view["deadlines"]:
        extra = f" 剩余 {_remaining(d['remaining_min'])}" if d["remaining_min"] is not None else ""
        done = f" 完成于 {_fmt(d['done_at'], ctx)}" if d["done_at"] else ""
        click.echo(f"    {d['label']:<12} 截止 {_fmt(d['due'], ctx)}  {d['state_label']}{done}{extra}  ({d['rule']})")
    click.echo("  记录:")
    for e in view["events"]:
        click.echo(f"    {_fmt(e['at'], ctx)} {e['by_name']} {e['action_label']}")
    for line in pending_lines(ctx, t):  # approvals typed in for someone who has not confirmed them
        click.echo(f"  {line}")


@ticket.command("list")
@click.option("--status", type=click.Choice(["received", "in_progress", "waiting", "resolved", "closed"]))
@click.option("--type", "type_", type=click.Choice(["consultation", "repair", "installation", "complaint", "suggestion",
                                                    "kesu", "major_fault", "assistance"]), help="Ticket type.")
@click.option("--owner", help="工号: tickets this person holds or first took.")
@click.option("--open", "open_only", is_flag=True, help="Only tickets not closed.")
@period_options
@list_format_option
@click.pass_obj
def ticket_list(session: Session, status: str | None, type_: str | None, owner: str | None, open_only: bool,
                since: datetime | None, until: datetime | None, month: datetime | None) -> None:
    """List tickets with their state and next deadline; --since/--until/--month by reception.

    \b
    Example:
      csops ticket list --open
      csops ticket list --type complaint --month 2026-11 --format csv > 11月投诉.csv
    """
    from csops.facts import tickets_received
    from csops.models.ticket import Ticket, status_label
    from csops.sla import next_due, ticket_calendar

    ctx = session.load()
    start, end = period(ctx.calendar.tz, since, until, month)
    if start or end:  # the period's tickets only, found from facts: not the office's whole past
        chosen = tickets_received(ctx, start or datetime.min.replace(tzinfo=UTC), end or datetime.max.replace(tzinfo=UTC))
    else:
        chosen = sorted(ctx.of(Ticket), key=lambda x: (x.received_at, x.id))
    rows = []
    for t in chosen:
        state = t.fold()
        if (status and state.status.value != status) or (type_ and t.type.value != type_):
            continue
        if owner and owner not in (state.owner, t.first_owner):
            continue
        if open_only and state.status.value == "closed":
            continue
        nd = next_due(t, ticket_calendar(ctx, t), session.now)
        rows.append({"id": t.id, "type": t.type.value, "type_label": t.type.label, "status": state.status.value,
                     "status_label": status_label(t.type, state.status), "owner": state.owner, "owner_name": ctx.name(state.owner),
                     "subject": t.subject or (t.content or "")[:24],
                     "next_due": nd.due.isoformat() if nd and nd.due else None,
                     "next_due_label": nd.label if nd else None,
                     "overdue": bool(nd and nd.state(session.now) == "overdue")})
    if session.emit_rows(rows):
        return
    for r in rows:
        due = f"  下一时限 {r['next_due_label']} {_fmt(str(r['next_due']), ctx)}" if r["next_due"] else ""
        flag = " [已超时]" if r["overdue"] else ""
        click.echo(f"{r['id']}  {r['type_label']:<4} {r['status_label']:<6} {r['owner_name']:<10} {r['subject']}{due}{flag}")
    click.echo(f"共 {len(rows)} 张工单")
