"""``csops key``: the key registry, loans, the daily check, sealed tenant keys, loss and lock change,
and the shift area keys. Every mutation is one event and one commit through ``Session.save``."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

from csops.cli import INSTANT
from csops.commands import at_option, format_option, interactive, list_format_option, need, refuse
from csops.completion import key_ids

if TYPE_CHECKING:
    from csops.context import Context
    from csops.models.key import Key, KeyCopy, KeyLoan
    from csops.session import Session


# -- shared helpers (hazmat uses them too) ------------------------------------------------------


def when(session: Session, at: datetime | None) -> datetime:
    return at or session.now


def staff_ref(ctx: Context, staff_id: str | None) -> str:
    return ctx.name(staff_id) if staff_id else ""


def find_key(ctx: Context, key_id: str) -> Key:
    from csops.models.key import Key

    key = ctx.get("key", key_id.upper())
    if not isinstance(key, Key):
        broken = ctx.why_missing(key_id.upper(), "key")
        raise refuse("STORE-REF-02", f"钥匙 {key_id} 未登记{broken}", "查看钥匙清单: csops key list")
    return key


def append(record: Any, event: Any) -> Any:
    """A copy of ``record`` with ``event`` appended (records are never edited in place)."""
    return type(record).model_validate(record.model_dump() | {"events": [*record.events, event]})


#: KeyCategory's values, spelled out so that `csops --help` need not import the models (a test keeps them equal).
CATEGORIES = ["office_store", "machine_room", "stair_fire_exit", "entrance_gate", "vacant_unit", "sealed_tenant",
              "unit_room", "machine_room_spare", "area_shift", "front_desk", "hazmat_cabinet", "material_store"]


def save_event(session: Session, record: Any, event: Any, *, action: str, summary: str) -> None:
    """Append one event to a record and save it: one check, one write, one commit."""
    session.save([(record, append(record, event))], action=action, summary=summary)


def parse_copy(spec: str, number: int) -> KeyCopy:
    """``DEPT[:CUSTODIAN][:sealed]``, e.g. ``cs:A001``, ``security:sealed``."""
    from csops.models.key import KeyCopy

    parts = [p.strip() for p in spec.split(":") if p.strip()]
    if not parts:
        raise click.BadParameter(f"{spec!r}: write DEPT[:工号][:sealed], e.g. cs:A001", param_hint="--copy")
    sealed = "sealed" in parts[1:]
    custodian = next((p for p in parts[1:] if p != "sealed"), None)
    copy: KeyCopy = KeyCopy(copy_no=str(number), holder=parts[0], custodian=custodian, sealed=sealed)
    return copy


def new_key(key_id: str, name: str, location: str, category: str, slot: str, copies: list[str], unit: str | None,
            approval: bool | None, seal_no: str | None, agreement_ref: str | None, handover_ref: str | None,
            moment: datetime, by: str) -> Key:
    """The key record ``key add`` writes (``csops import keys`` makes the same from a row): its
    copies registered, and a tenant's entrusted key sealed in the same step."""
    from csops.models.key import Key, KeyAdded, KeySealed

    events: list[Any] = [KeyAdded(at=moment, by=by, copies=[parse_copy(s, i) for i, s in enumerate(copies, 1)])]
    if seal_no or category == "sealed_tenant":
        events.append(KeySealed(at=moment, by=by, seal_no=seal_no, custody_agreement_ref=agreement_ref,
                                unit_handover_ref=handover_ref))
    return Key(id=key_id, name=name, location=location, category=category, slot=slot, unit=unit,
               approval=approval, events=events)


def open_loans(ctx: Context, key_id: str | None = None, at: datetime | None = None) -> list[KeyLoan]:
    from csops.rules.keys import loans_out_at

    return [x for x in loans_out_at(ctx, at or ctx.now) if key_id is None or x.key == key_id]


def overdue_hours(loan: KeyLoan, at: datetime) -> float:
    return max(0.0, (at - loan.due).total_seconds() / 3600)


def fmt_time(ctx: Context, instant: datetime | None) -> str:
    return ctx.when(instant, "%m-%d %H:%M")


# -- the group ----------------------------------------------------------------------------------


@click.group()
def key() -> None:
    """Key custody (钥匙管理): registry, loans, daily check, sealed tenant keys, loss and lock change.

    \b
    Example:
      csops key list
      csops --as A001 key lend VU-1203 --to Z001 --purpose 带客户看房
      csops key outstanding
    """


@key.command("add")
@click.argument("key_id", metavar="KEY", shell_complete=key_ids)
@click.option("--name", help="钥匙名称, e.g. 1203单元大门")
@click.option("--location", help="位置, e.g. 12F 1203")
@click.option("--category", type=click.Choice(CATEGORIES), help="类别 (KEY-CAT-01/02)")
@click.option("--slot", help="钥匙柜编号位 (KEY-LBL-01)")
@click.option("--copy", "copies", multiple=True, help="一套钥匙: DEPT[:工号][:sealed] (repeatable), e.g. cs:A001")
@click.option("--unit", help="单元号")
@click.option("--approval/--no-approval", default=None, help="借用须部门负责人批准 (default: by category, CFL-16)")
@click.option("--seal-no", help="封条号 (sealed_tenant)")
@click.option("--agreement-ref", help="钥匙托管协议编号 (sealed_tenant)")
@click.option("--handover-ref", help="《单元钥匙交接单》编号 (sealed_tenant)")
@at_option
@click.pass_obj
def key_add(session: Session, key_id: str, name: str | None, location: str | None, category: str | None,
            slot: str | None, copies: tuple[str, ...], unit: str | None, approval: bool | None,
            seal_no: str | None, agreement_ref: str | None, handover_ref: str | None, at: datetime | None) -> None:
    """Register a key and its copies (sets), each with the department holding it.

    A tenant's entrusted key (sealed_tenant) is sealed in the same step, with the seal number, the
    custody agreement and the 单元钥匙交接单 (KEY-SEAL-01, KEY-MOVE-01).

    \b
    Example:
      csops --as A001 key add VU-1203 --name 1203单元大门 --location 12F --category vacant_unit \\
          --slot A-12 --copy cs:A001 --copy cs:A002 --unit 1203
      csops --as A001 key add ST-0805 --name 0805托管钥匙 --location 8F --category sealed_tenant \\
          --slot S-01 --copy cs:A001 --seal-no FC-0001 --agreement-ref TG-2609-01 --handover-ref JJ-2609-01
    """

    ctx = session.load()
    key_id = key_id.upper()
    if ctx.get("key", key_id) is not None:
        raise refuse("KEY-LBL-01", f"钥匙编号 {key_id} 已登记", "每把钥匙编号唯一: 换一个编号, 或 csops key show " + key_id)
    name = need(name, "--name", "钥匙名称")
    location = need(location, "--location", "位置")
    category = need(category, "--category", "类别")
    slot = need(slot, "--slot", "钥匙柜编号位")
    copies = copies or (need(None, "--copy", "保管部门[:工号]"),)
    if category == "sealed_tenant":
        need(seal_no, "--seal-no", "封条号")
    record = new_key(key_id, name, location, category, slot, list(copies), unit, approval, seal_no, agreement_ref,
                     handover_ref, when(session, at), session.actor().id)
    session.save([(None, record)], action="key.add", summary=f"登记钥匙 {key_id} {name}")
    click.echo(f"已登记钥匙 (added): {key_id} {name}, {len(copies)} 套")


@key.command("lend")
@click.argument("key_id", metavar="KEY", shell_complete=key_ids)
@click.option("--copy", "copy_no", help="第几套 (default: the first copy in place)")
@click.option("--to", "borrower", help="借用人工号 (staff only, KEY-NS-01)")
@click.option("--purpose", help="用途")
@click.option("--approved-by", help="批准的部门负责人工号 (KEY-LOAN-01)")
@click.option("--for", "on_behalf_of", help="代借的施工单位及人员 (KEY-CTR-01)")
@click.option("--due", type=INSTANT,
              help="归还时限 (default: the day's cut-off in policy, KEY-LOAN-02)")
@click.option("--special-reason", help="客服助理开启机房的特殊原因 (KEY-MR-01)")
@click.option("--emergency-reason", help="启用保安部封存钥匙的紧急情况 (KEY-HOLD-01)")
@click.option("--off-site", is_flag=True, help="带出大厦 (KEY-LOAN-03)")
@click.option("--permitted-by", help="准许带出者工号 (KEY-LOAN-03)")
@at_option
@click.pass_obj
def key_lend(session: Session, key_id: str, copy_no: str | None, borrower: str | None, purpose: str | None,
             approved_by: str | None, on_behalf_of: str | None, due: datetime | None, special_reason: str | None,
             emergency_reason: str | None, off_site: bool, permitted_by: str | None, at: datetime | None) -> None:
    """Lend a copy of a key (a line of the 钥匙借用登记表); you are the issuing custodian.

    Refused when the copy is already out (one holder per copy), lost, sealed, or the rules of
    §3 are not met; the refusal names the rule.

    \b
    Example:
      csops --as A001 key lend VU-1203 --to Z001 --purpose 带客户看房
      csops --as A001 key lend MR-B1-PUMP --to E001 --for "宏达机电 王师傅" --purpose 水泵检修 --approved-by E002
    """
    from csops.models.key import KeyLoan, LoanLent
    from csops.rules.keys import loan_limit

    ctx = session.load()
    key = find_key(ctx, key_id)
    moment = when(session, at)
    if copy_no is None:
        out = {x.copy_no for x in open_loans(ctx, key.id, moment)}
        free = [c for c in key.fold()["copies"] if c.copy_no not in out and not (c.lost or c.sealed)]
        if not free:
            raise refuse("KEY-LOAN-02", f"{key.id} 没有可借出的钥匙 (均已借出、遗失或封存)", "csops key show " + key.id)
        copy_no = free[0].copy_no
    borrower = need(borrower, "--to", "借用人工号")
    purpose = need(purpose, "--purpose", "用途")
    actor = session.actor()
    loan = KeyLoan(id=session.new_id(KeyLoan, moment), key=key.id, copy_no=copy_no, borrower=borrower,
                 purpose=purpose, on_behalf_of=on_behalf_of, approved_by=approved_by, issued_by=actor.id,
                 due=due or loan_limit(moment, ctx), special_reason=special_reason,
                 emergency_reason=emergency_reason, off_site=off_site, permitted_by=permitted_by,
                 events=[LoanLent(at=moment, by=actor.id)])
    session.save([(None, loan)], action="key.lend",
                 summary=f"借出钥匙 {key.id} 第{copy_no}套 给 {staff_ref(ctx, borrower)}")
    click.echo(f"已借出 (lent): {loan.id} {key.id} {key.name} 第{copy_no}套 → {staff_ref(ctx, borrower)}, "
               f"须于 {fmt_time(ctx, loan.due)} 前归还")


def pick_loan(ctx: Context, key_id: str, copy_no: str | None, loan_id: str | None, at: datetime) -> KeyLoan:
    from csops.models.key import KeyLoan

    if loan_id:
        loan = ctx.get("key_loan", loan_id)
        if not isinstance(loan, KeyLoan) or not loan.out_at(at):
            raise refuse("STORE-REF-02", f"{loan_id} 不是未归还的借用记录", "csops key outstanding")
        if loan.key != key_id.upper() or copy_no not in (None, loan.copy_no):
            raise refuse("STORE-REF-02", f"{loan_id} 借出的是 {loan.key} 第{loan.copy_no}套, 不是 {key_id.upper()}"
                         + (f" 第{copy_no}套" if copy_no else ""), "csops key outstanding")
        return loan
    loans = [x for x in open_loans(ctx, key_id.upper(), at) if copy_no is None or x.copy_no == copy_no]
    if not loans:
        raise refuse("KEY-LOAN-01", f"{key_id} 没有未归还的借用记录", "csops key outstanding")
    if len(loans) > 1:
        raise refuse("KEY-LOAN-01", f"{key_id} 有 {len(loans)} 套借出未还: 请指定 --copy 或 --loan",
                     ", ".join(f"{x.id}(第{x.copy_no}套)" for x in loans))
    return loans[0]


@key.command("return")
@click.argument("key_id", metavar="KEY", shell_complete=key_ids)
@click.option("--copy", "copy_no", help="第几套")
@click.option("--loan", "loan_id", help="借用记录编号 KL-...")
@click.option("--by", "returned_by", help="交回人工号 (default: the borrower; KEY-LOAN-02)")
@click.option("--power-off", is_flag=True, help="已确认单元电源切断 (KEY-VAC-03)")
@click.option("--windows-closed", is_flag=True, help="已确认门窗关闭 (KEY-VAC-03)")
@click.option("--locked", is_flag=True, help="已确认单元锁好 (KEY-VAC-03)")
@click.option("--note", help="备注")
@at_option
@click.pass_obj
def key_return(session: Session, key_id: str, copy_no: str | None, loan_id: str | None, returned_by: str | None,
               power_off: bool, windows_closed: bool, locked: bool, note: str | None, at: datetime | None) -> None:
    """Take a key back; you are the receiving custodian and sign for it (KEY-LOAN-01).

    \b
    Example:
      csops --as A002 key return VU-1203 --power-off --windows-closed --locked
    """
    from csops.models.key import LoanReturned

    ctx = session.load()
    moment = when(session, at)
    loan = pick_loan(ctx, key_id, copy_no, loan_id, moment)
    actor = session.actor()
    event = LoanReturned(at=moment, by=actor.id, returned_by=returned_by or loan.borrower, power_off=power_off,
                  windows_closed=windows_closed, unit_locked=locked, note=note)
    save_event(session, loan, event, action="key.return",
                 summary=f"归还钥匙 {loan.key} 第{loan.copy_no}套 ({loan.id})")
    click.echo(f"已归还 (returned): {loan.id} {loan.key} 第{loan.copy_no}套, 收回人 {actor.display}")


@key.command("outstanding")
@list_format_option
@click.pass_obj
def key_outstanding(session: Session) -> None:
    """Keys not yet returned: holder, since when, due, hours overdue (KEY-CHK-01).

    \b
    Example:
      csops key outstanding
      csops --now 2026-11-23T09:00:00+08:00 key outstanding --format json
    """
    ctx = session.load()
    now = ctx.now
    rows = []
    for loan in open_loans(ctx, None, now):
        key = ctx.get("key", loan.key)
        rows.append({
            "loan": loan.id, "key": loan.key, "name": getattr(key, "name", ""), "copy": loan.copy_no,
            "holder": loan.borrower, "holder_name": ctx.name(loan.borrower), "purpose": loan.purpose,
            "since": loan.lent_at.isoformat(), "due": loan.due.isoformat(),
            "overdue": now > loan.due, "hours_overdue": round(overdue_hours(loan, now), 1),
        })
    if session.emit_rows(rows):
        return
    if not rows:
        click.echo("没有未归还的钥匙 (no keys out)")
        return
    click.echo(f"未归还钥匙 {len(rows)} 把 (as of {fmt_time(ctx, now)}):")
    for loan, row in zip(open_loans(ctx, None, now), rows, strict=True):
        late = f"已超时 {row['hours_overdue']} 小时" if row["overdue"] else f"{fmt_time(ctx, loan.due)} 前归还"
        click.echo(f"  {row['key']} {row['name']} 第{row['copy']}套  借用人 {row['holder_name']}  "
                   f"借出 {fmt_time(ctx, loan.lent_at)}  {late}  ({row['loan']}: {row['purpose']})")


@key.command("check")
@click.option("--note", "notes", multiple=True, help="LOAN=原因 for each key still out (repeatable)")
@at_option
@click.pass_obj
def key_check(session: Session, notes: tuple[str, ...], at: datetime | None) -> None:
    """Record today's check of the key register, with the cause for every key not returned (KEY-CHK-01).

    \b
    Example:
      csops --as A001 key check
      csops --as A001 key check --note KL-2611-A007="借用人加班, 明早归还"
    """
    from csops.models.key import CheckNote, KeyCheck

    ctx = session.load()
    moment = when(session, at)
    given: dict[str, str | None] = {}
    for spec in notes:
        loan_id, sep, text = spec.partition("=")
        if not sep or not text.strip():
            raise click.BadParameter(f"{spec!r}: write LOAN=原因", param_hint="--note")
        given[loan_id.strip()] = text.strip()
    outstanding = []
    for loan in open_loans(ctx, None, moment):
        reason = given.pop(loan.id, None)
        if reason is None and interactive():
            reason = click.prompt(f"{loan.key} 第{loan.copy_no}套 ({ctx.name(loan.borrower)}) 未归还原因")
        if reason:
            outstanding.append(CheckNote(loan=loan.id, note=reason))
    if given:
        raise refuse("KEY-CHK-01", f"这些借用记录并未借出未还: {', '.join(given)}", "csops key outstanding")
    actor = session.actor()
    record = KeyCheck(id=session.new_id(KeyCheck, moment), day=ctx.calendar.local(moment).date(),
                   checked_by=actor.id, checked_at=moment, outstanding=outstanding)
    session.save([(None, record)], action="key.check", summary=f"钥匙登记表每日检查 {record.day}")
    click.echo(f"已记录每日检查 (checked): {record.day}, 未归还 {len(outstanding)} 把")


@key.command("seal")
@click.argument("key_id", metavar="KEY", shell_complete=key_ids)
@click.option("--seal-no", help="封条号")
@click.option("--agreement-ref", help="钥匙托管协议编号")
@click.option("--handover-ref", help="《单元钥匙交接单》编号")
@at_option
@click.pass_obj
def key_seal(session: Session, key_id: str, seal_no: str | None, agreement_ref: str | None,
             handover_ref: str | None, at: datetime | None) -> None:
    """Seal a tenant's entrusted key (e.g. again after its seal was found broken, KEY-SEAL-07).

    \b
    Example:
      csops --as A001 key seal ST-0805 --seal-no FC-0009 --agreement-ref TG-2609-01 --handover-ref JJ-2609-01
    """
    from csops.models.key import KeySealed

    ctx = session.load()
    key = find_key(ctx, key_id)
    event = KeySealed(at=when(session, at), by=session.actor().id, seal_no=need(seal_no, "--seal-no", "封条号"),
                  custody_agreement_ref=agreement_ref, unit_handover_ref=handover_ref)
    save_event(session, key, event, action="key.seal", summary=f"封存钥匙 {key.id} 封条 {event.seal_no}")
    click.echo(f"已封存 (sealed): {key.id} 封条 {event.seal_no}")


@key.command("unseal")
@click.argument("key_id", metavar="KEY", shell_complete=key_ids)
@click.option("--path", "path", type=click.Choice(["emergency", "forgotten_key"]),
              help="emergency: 紧急情况; forgotten_key: 客户忘带钥匙 (KEY-SEAL-02)")
@click.option("--reason", help="事由")
@click.option("--requested-by", help="报请人工号 (default: you)")
@click.option("--approved-by", help="批准人工号: 紧急情况为总经理, 忘带钥匙为客服部经理")
@click.option("--customer-unreachable", is_flag=True, help="客户无法联系或无法到场 (KEY-SEAL-03)")
@click.option("--witness", "witnesses", multiple=True, help="在场人员工号: 两名客服助理及一名保安员 (KEY-SEAL-04)")
@click.option("--application-ref", help="客户书面申请编号 (KEY-SEAL-05)")
@click.option("--confirmed-with", help="已联系确认的单元负责人 (KEY-SEAL-05)")
@click.option("--before", "before_note", help="使用前记录 (KEY-SEAL-06)")
@at_option
@click.pass_obj
def key_unseal(session: Session, key_id: str, path: str | None, reason: str | None, requested_by: str | None,
               approved_by: str | None, customer_unreachable: bool, witnesses: tuple[str, ...],
               application_ref: str | None, confirmed_with: str | None, before_note: str | None,
               at: datetime | None) -> None:
    """Use a sealed tenant key: only in an emergency or for a tenant's forgotten key (KEY-SEAL-02..06).

    Emergency: the CS manager requests, the general manager approves, the customer cannot be
    reached, two CS assistants and a security guard are present (all distinct). Forgotten key: a
    written application, the unit's responsible person confirmed, the CS manager consents. The
    requester never approves their own request.

    \b
    Example:
      csops --as M001 key unseal ST-0805 --path emergency --reason "0805漏水, 客户电话不通" \\
          --customer-unreachable --approved-by G001 --witness A001 --witness A002 --witness B001 \\
          --before "封条FC-0001完好, 22:10开启"
    """
    from csops.models.key import KeyUnsealed

    ctx = session.load()
    key = find_key(ctx, key_id)
    actor = session.actor()
    event = KeyUnsealed(at=when(session, at), by=actor.id, path=need(path, "--path", "启封情形"),
                  reason=need(reason, "--reason", "事由"), requested_by=requested_by or actor.id,
                  approved_by=approved_by, customer_unreachable=customer_unreachable, witnesses=list(witnesses),
                  application_ref=application_ref, confirmed_with=confirmed_with, before_note=before_note)
    save_event(session, key, event, action="key.unseal",
                 summary=f"启封钥匙 {key.id} ({event.path.label})")
    click.echo(f"已启封 (unsealed): {key.id} {key.name}, 用后请由客服部经理重新封存: csops key reseal {key.id}")


@key.command("reseal")
@click.argument("key_id", metavar="KEY", shell_complete=key_ids)
@click.option("--seal-no", help="新封条号")
@click.option("--after", "after_note", help="使用后记录 (KEY-SEAL-06)")
@click.option("--company-seal", is_flag=True, help="客户已在申请书上加盖公司印章 (KEY-SEAL-05)")
@click.option("--user-signature", help="使用人签名 (KEY-SEAL-05)")
@click.option("--filed", is_flag=True, help="申请书已交回客服部存档 (KEY-SEAL-05)")
@at_option
@click.pass_obj
def key_reseal(session: Session, key_id: str, seal_no: str | None, after_note: str | None, company_seal: bool,
               user_signature: str | None, filed: bool, at: datetime | None) -> None:
    """Record the use afterwards and seal the key again with a new seal; you sign as CS manager.

    \b
    Example:
      csops --as M001 key reseal ST-0805 --seal-no FC-0002 --after "关闭总阀, 23:05锁门, 钥匙交回"
    """
    from csops.models.key import KeyResealed

    ctx = session.load()
    key = find_key(ctx, key_id)
    event = KeyResealed(at=when(session, at), by=session.actor().id, signed_by=session.actor().id,
                  seal_no=need(seal_no, "--seal-no", "新封条号"), after_note=need(after_note, "--after", "使用后记录"),
                  company_seal_affixed=company_seal, user_signature=user_signature, filed=filed)
    save_event(session, key, event, action="key.reseal", summary=f"重新封存钥匙 {key.id} 封条 {event.seal_no}")
    click.echo(f"已重新封存 (resealed): {key.id} 封条 {event.seal_no}")


@key.command("lost")
@click.argument("key_id", metavar="KEY", shell_complete=key_ids)
@click.option("--copy", "copy_no", help="第几套 (default: the copy on loan, or 1)")
@click.option("--incident", type=click.Choice(["lost", "damaged", "seal_broken"]), default="lost", show_default=True)
@click.option("--reported-to", "reported_to_security", help="报告备案的保安部人员工号 (KEY-LOSS-01)")
@click.option("--report-to", "reported_to_manager", help="书面报告的部门经理工号 (KEY-VAC-04, KEY-MR-03, CFL-11/12)")
@click.option("--precautions", help="已采取的防范措施 (KEY-LOSS-01)")
@click.option("--account", help="事情经过/书面报告 (KEY-SEAL-07, KEY-VAC-04)")
@click.option("--liable", "liable_person", help="责任人工号 (KEY-LOSS-02)")
@click.option("--amount", "loss_amount", type=click.FloatRange(min=0), help="经济损失 (元, KEY-LOSS-02)")
@click.option("--concealed", is_flag=True, help="曾故意隐瞒 (KEY-LOSS-02)")
@at_option
@click.pass_obj
def key_lost(session: Session, key_id: str, copy_no: str | None, incident: str, reported_to_security: str | None,
             reported_to_manager: str | None, precautions: str | None, account: str | None,
             liable_person: str | None, loss_amount: float | None, concealed: bool, at: datetime | None) -> None:
    """Report a key lost or damaged (or a seal found broken); a loan of the lost copy closes as lost.

    \b
    Example:
      csops --as A001 key lost VU-1203 --copy 2 --reported-to B002 --report-to M001 \\
          --precautions "通知保安加强12F巡查" --account "看房后遗失" --liable Z001 --amount 150
    """
    from csops.models.key import KeyLost, LoanLost

    ctx = session.load()
    key = find_key(ctx, key_id)
    moment = when(session, at)
    loans = open_loans(ctx, key.id, moment)
    if copy_no is None:
        copy_no = loans[0].copy_no if len(loans) == 1 else need(None, "--copy", "第几套")
    loan = next((x for x in loans if x.copy_no == copy_no), None)
    actor = session.actor()
    event = KeyLost(at=moment, by=actor.id, copy_no=copy_no, incident=incident,
                  reported_to_security=reported_to_security, reported_to_manager=reported_to_manager,
                  precautions=precautions, account=account, liable_person=liable_person, loss_amount=loss_amount,
                  concealed=concealed, loan=loan.id if loan and incident == "lost" else None)
    pairs: list[tuple[Any, Any]] = [(key, append(key, event))]
    if loan is not None and incident == "lost":
        pairs.append((loan, append(loan, LoanLost(at=moment, by=actor.id))))
    session.save(pairs, action="key.lost", summary=f"钥匙{event.incident.label} {key.id} 第{copy_no}套")
    click.echo(f"已登记{event.incident.label} (recorded): {key.id} 第{copy_no}套")


@key.command("found")
@click.argument("key_id", metavar="KEY", shell_complete=key_ids)
@click.option("--copy", "copy_no", help="第几套")
@click.option("--found-by", help="拾到人工号")
@at_option
@click.pass_obj
def key_found(session: Session, key_id: str, copy_no: str | None, found_by: str | None, at: datetime | None) -> None:
    """Record a found key handed to security; you are the security member recording it (KEY-LOSS-03).

    \b
    Example:
      csops --as B001 key found VU-1203 --copy 2 --found-by E001
    """
    from csops.models.key import KeyFound

    ctx = session.load()
    key = find_key(ctx, key_id)
    event = KeyFound(at=when(session, at), by=session.actor().id, copy_no=need(copy_no, "--copy", "第几套"),
                  found_by=need(found_by, "--found-by", "拾到人工号"))
    save_event(session, key, event, action="key.found", summary=f"拾交钥匙 {key.id} 第{event.copy_no}套")
    click.echo(f"已登记拾交 (found): {key.id} 第{event.copy_no}套, 拾到人 {ctx.name(event.found_by)}")


@key.command("rekey")
@click.argument("key_id", metavar="KEY", shell_complete=key_ids)
@click.option("--requested-by", help="书面申请人工号")
@click.option("--request", help="书面换锁申请 (事由)")
@click.option("--approved-by", help="批准换锁的保安部人员工号 (KEY-LOCK-01)")
@click.option("--handed-to", help="新钥匙交给的保安部人员工号")
@click.option("--copies", "count", type=click.IntRange(1, 20), default=None, help="新钥匙套数 (default: as before)")
@at_option
@click.pass_obj
def key_rekey(session: Session, key_id: str, requested_by: str | None, request: str | None, approved_by: str | None,
              handed_to: str | None, count: int | None, at: datetime | None) -> None:
    """Record a lock change done by you (engineering): all new keys go to security (KEY-LOCK-01).

    \b
    Example:
      csops --as E001 key rekey VU-1203 --requested-by A001 --request "第2套遗失, 申请换锁" \\
          --approved-by B002 --handed-to B002
    """
    from csops.models.key import KeyCopy, KeyRekeyed

    ctx = session.load()
    key = find_key(ctx, key_id)
    n = count or len(key.fold()["copies"])
    event = KeyRekeyed(at=when(session, at), by=session.actor().id,
                  requested_by=need(requested_by, "--requested-by", "申请人工号"),
                  request=need(request, "--request", "书面换锁申请"), approved_by=need(approved_by, "--approved-by", "批准人工号"),
                  handed_to=need(handed_to, "--handed-to", "接收新钥匙的保安部人员工号"),
                  copies=[KeyCopy(copy_no=str(i), holder="security") for i in range(1, n + 1)])
    save_event(session, key, event, action="key.rekey", summary=f"换锁 {key.id}, 新钥匙 {n} 套交保安部")
    click.echo(f"已换锁 (rekeyed): {key.id}, 新钥匙 {n} 套交 {ctx.name(event.handed_to)} 分发: "
               f"csops key redistribute {key.id} --copy 1=部门[:工号]")


@key.command("redistribute")
@click.argument("key_id", metavar="KEY", shell_complete=key_ids)
@click.option("--copy", "specs", multiple=True, help="N=DEPT[:工号] (repeatable), e.g. 1=cs:A001")
@at_option
@click.pass_obj
def key_redistribute(session: Session, key_id: str, specs: tuple[str, ...], at: datetime | None) -> None:
    """Hand the new keys out after a lock change; you are security (KEY-LOCK-01).

    \b
    Example:
      csops --as B002 key redistribute VU-1203 --copy 1=cs:A001 --copy 2=cs:A002
      csops --as B002 key redistribute MR-B1 --copy 1=engineering:E001 --copy 2=property --copy 3=security:sealed
    """
    from csops.models.key import KeyRedistributed

    ctx = session.load()
    key = find_key(ctx, key_id)
    specs = specs or (need(None, "--copy", "N=部门[:工号]"),)
    moment, actor = when(session, at), session.actor()
    new = key
    for spec in specs:
        number, sep, rest = spec.partition("=")
        if not sep:
            raise click.BadParameter(f"{spec!r}: write N=DEPT[:工号], e.g. 1=cs:A001", param_hint="--copy")
        target = parse_copy(rest, 1)
        new = append(new, KeyRedistributed(at=moment, by=actor.id, copy_no=number.strip(),
                                holder=target.holder, custodian=target.custodian, sealed=target.sealed))
    session.save([(key, new)], action="key.redistribute", summary=f"分发换锁后的新钥匙 {key.id}")
    click.echo(f"已分发 (redistributed): {key.id} {len(specs)} 套")


# -- shift area keys ----------------------------------------------------------------------------


@key.command("pickup")
@click.option("--key", "keys", multiple=True, help="管理区域钥匙编号 (repeatable)")
@click.option("--issued-by", help="中控室发放人工号")
@at_option
@click.pass_obj
def key_pickup(session: Session, keys: tuple[str, ...], issued_by: str | None, at: datetime | None) -> None:
    """Early shift: collect the management-area keys at the control room (KEY-SHIFT-01).

    \b
    Example:
      csops --as L001 key pickup --key AREA-1F --key AREA-B1 --issued-by N001
    """
    from csops.models.key import KeyShift, ShiftPickup

    ctx = session.load()
    moment, actor = when(session, at), session.actor()
    keys = keys or tuple(need(None, "--key", "钥匙编号, 逗号分隔").split(","))
    record = KeyShift(id=session.new_id(KeyShift, moment), day=ctx.calendar.local(moment).date(),
                   events=[ShiftPickup(at=moment, by=actor.id, keys=[k.strip().upper() for k in keys],
                                 issued_by=issued_by)])
    session.save([(None, record)], action="key.pickup", summary=f"早班领取管理区域钥匙 {len(keys)} 把")
    click.echo(f"已领取 (picked up): {record.id} {', '.join(record.events[0].keys)}")


@key.command("dropoff")
@click.argument("sheet_id", required=False, metavar="KS-ID")
@click.option("--key", "keys", multiple=True, help="交回的钥匙编号 (repeatable)")
@click.option("--count-checked", is_flag=True, help="中控室已查验数量 (KEY-SHIFT-02)")
@click.option("--received-by", help="中控室接收人工号")
@click.option("--note", help="差异说明")
@at_option
@click.pass_obj
def key_dropoff(session: Session, sheet_id: str | None, keys: tuple[str, ...], count_checked: bool,
                received_by: str | None, note: str | None, at: datetime | None) -> None:
    """Middle shift: return the area keys to the control room, count checked (KEY-SHIFT-02).

    \b
    Example:
      csops --as L002 key dropoff --key AREA-1F --key AREA-B1 --count-checked --received-by N001
    """
    from csops.models.key import KeyShift, ShiftReturn

    ctx = session.load()
    moment, actor = when(session, at), session.actor()
    sheets = [s for s in ctx.of(KeyShift)
              if s.pickup() is not None and s.return_event() is None and sheet_id in (None, s.id)]
    if not sheets:
        raise refuse("KEY-SHIFT-02", "没有未交回的钥匙交接单" + (f" {sheet_id}" if sheet_id else ""),
                     "先由早班领取: csops key pickup")
    sheet = max(sheets, key=lambda s: s.events[0].at)
    event = ShiftReturn(at=moment, by=actor.id, keys=[k.strip().upper() for k in keys],
                  count_checked=count_checked, received_by=received_by, note=note)
    save_event(session, sheet, event, action="key.dropoff", summary=f"中班交回管理区域钥匙 {sheet.id}")
    click.echo(f"已交回 (returned): {sheet.id} {len(event.keys)} 把")


# -- reading ------------------------------------------------------------------------------------



def event_text(ctx: Context, e: Any) -> str:
    """One key event in a line of Chinese: who approved, who was present, which seal."""
    from csops.labels import zh
    from csops.models.key import KeyLost, KeyRekeyed, KeyResealed, KeySealed, KeyUnsealed

    text = zh(e.action)
    if isinstance(e, KeyUnsealed):
        present = "、".join(ctx.name(w) for w in e.witnesses)
        text += f" ({e.path.label}) 报请 {ctx.name(e.requested_by)} 批准 {staff_ref(ctx, e.approved_by)}"
        text += f" 在场 {present}" if present else ""
    elif isinstance(e, (KeySealed, KeyResealed)):
        text += f" 封条 {e.seal_no}" + (f" 经理签字 {ctx.name(e.signed_by)}" if isinstance(e, KeyResealed) else "")
    elif isinstance(e, KeyLost):
        text = f"{e.incident.label} 第{e.copy_no}套 报保安 {staff_ref(ctx, e.reported_to_security)}"
        text += f" 责任人 {staff_ref(ctx, e.liable_person)}" if e.liable_person else ""
    elif isinstance(e, KeyRekeyed):
        text += f" 申请 {ctx.name(e.requested_by)} 保安部批准 {ctx.name(e.approved_by)} 新钥匙 {len(e.copies)} 套"
    elif e.action == "confirm":
        text += f" 第 {e.event + 1} 条记录的审批 ({e.role})"
    if e.entered_by:
        text += f" (由 {ctx.name(e.entered_by)} 代为录入)"
    return text


def key_row(ctx: Context, key: Key) -> dict[str, Any]:
    folded = key.fold()
    out = {x.copy_no: x for x in open_loans(ctx, key.id)}
    copies = []
    for c in folded["copies"]:
        loan = out.get(c.copy_no)
        copies.append(c.model_dump(mode="json", exclude_none=True) | (
            {"loan": loan.id, "borrower": loan.borrower, "due": loan.due.isoformat()} if loan else {}))
    return {"id": key.id, "name": key.name, "category": key.category.value, "category_label": key.category.label,
            "location": key.location, "slot": key.slot, "unit": key.unit, "state": folded["state"].value,
            "seal_no": folded["seal_no"], "copies": copies, "out": len(out)}


def copy_text(ctx: Context, c: dict[str, Any]) -> str:
    from csops.models.common import Department

    text = f"第{c['copy_no']}套 {Department(c['holder']).label}"
    if c.get("custodian"):
        text += f" ({ctx.name(c['custodian'])})"
    for flag, label in (("sealed", "封存"), ("lost", "遗失"), ("awaiting_redistribution", "待保安部分发")):
        if c.get(flag):
            text += f" [{label}]"
    if c.get("loan"):
        text += f" → 借出给 {ctx.name(c['borrower'])} ({c['loan']})"
    return text


@key.command("list")
@click.option("--category", type=click.Choice(CATEGORIES), help="只看此类别, e.g. vacant_unit")
@list_format_option
@click.pass_obj
def key_list(session: Session, category: str | None) -> None:
    """The key registry: label, name, category, slot, copies and who holds them.

    \b
    Example:
      csops key list
      csops key list --category machine_room --format json
    """
    from csops.models.key import Key, KeyState

    ctx = session.load()
    keys = sorted((k for k in ctx.of(Key) if category in (None, k.category.value)), key=lambda k: k.id)
    rows = [key_row(ctx, k) for k in keys]
    if session.emit_rows(rows):
        return
    for row in rows:
        state = "" if row["state"] == "active" else f" [{KeyState(row['state']).label} {row['seal_no'] or ''}]"
        out = f" 借出 {row['out']}" if row["out"] else ""
        click.echo(f"{row['id']:<14} {row['name']}  {row['category_label']}  位置 {row['location']}  "
                   f"钥匙位 {row['slot']}  {len(row['copies'])} 套{out}{state}")
    click.echo(f"共 {len(rows)} 把钥匙")


@key.command("show")
@click.argument("key_id", metavar="KEY", shell_complete=key_ids)
@format_option
@click.pass_obj
def key_show(session: Session, key_id: str) -> None:
    """One key: its copies and holders, seal state, current loans and its history.

    \b
    Example:
      csops key show ST-0805
    """
    from csops.commands.confirm import pending_json, pending_lines
    from csops.models.key import KeyLoan, KeyState

    ctx = session.load()
    key = find_key(ctx, key_id)
    row = key_row(ctx, key)
    loans = sorted((x for x in ctx.of(KeyLoan) if x.key == key.id and x.events), key=lambda x: (x.lent_at, x.id))
    # Approvals typed in by someone else and not yet confirmed by the approver (issue 10), the key's
    # own (unseal, lock change) and its loans' (KEY-LOAN-01).
    waiting = [(key, line) for line in pending_lines(ctx, key)] + [(x, line) for x in loans for line in pending_lines(ctx, x)]
    if session.json:
        row["events"] = [e.model_dump(mode="json", exclude_none=True) for e in key.events]
        row["loans"] = [x.model_dump(mode="json", exclude_none=True) for x in loans]
        row["unconfirmed"] = pending_json(ctx, key) + [
            {"loan": x.id} | item for x in loans for item in pending_json(ctx, x)]
        session.emit_json(row)
        return
    click.echo(f"{key.id} {key.name} ({key.category.label})")
    click.echo(f"  位置 {key.location}  钥匙位 {key.slot}" + (f"  单元 {key.unit}" if key.unit else ""))
    if row["state"] != "active":
        click.echo(f"  状态 {KeyState(row['state']).label}  封条 {row['seal_no'] or ''}")
    for c in row["copies"]:
        click.echo(f"  {copy_text(ctx, c)}")
    click.echo("  记录:")
    for e in key.events:
        click.echo(f"    {fmt_time(ctx, e.at)} {ctx.name(e.by)} {event_text(ctx, e)}" + (f" {e.note}" if e.note else ""))
    for x in loans[-10:]:
        back = x.closed_at()
        click.echo(f"    借用 {x.id} 第{x.copy_no}套 {ctx.name(x.borrower)} {fmt_time(ctx, x.lent_at)}"
                   f" → {fmt_time(ctx, back) if back else '未还'} ({x.purpose})")
    for record, line in waiting:
        click.echo(f"  {line}" if record is key else f"  借用 {record.id} {line}")

