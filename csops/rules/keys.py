"""Key custody rules (RULES.md §3). Messages in Chinese, identifiers as stored."""

from __future__ import annotations

import heapq
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from datetime import datetime, time, timedelta
from typing import Generic, TypeVar

from csops.context import Context
from csops.findings import Severity
from csops.models.common import Department, Role
from csops.models.key import (
    Incident,
    Key,
    KeyAdded,
    KeyCategory,
    KeyCheck,
    KeyCopy,
    KeyFound,
    KeyLoan,
    KeyLost,
    KeyRedistributed,
    KeyRekeyed,
    KeyResealed,
    KeySealed,
    KeyShift,
    KeyState,
    KeyUnsealed,
    LoanLent,
    LoanState,
    UnsealPath,
)
from csops.rules import Problem, record_rule, tree_rule

T = TypeVar("T")

UNIT_KEYS = (KeyCategory.vacant_unit, KeyCategory.unit_room)
MACHINE_KEYS = (KeyCategory.machine_room, KeyCategory.machine_room_spare)
APPROVER_ROLES = (Role.dept_head, Role.dept_manager)


# -- helpers ------------------------------------------------------------------------------------


def has_role(ctx: Context, staff_id: str | None, *roles: Role) -> bool:
    person = ctx.person(staff_id)
    return person is not None and person.has_role(*roles)


def in_dept(ctx: Context, staff_id: str | None, *depts: Department) -> bool:
    person = ctx.person(staff_id)
    return person is not None and person.department in depts


def needs_approval(key: Key, ctx: Context) -> bool:
    """KEY-LOAN-01, CFL-16: the key's own flag, else the policy's approval categories."""
    if key.approval is not None:
        return key.approval
    return key.category.value in ctx.policy.keys.approval_categories


def unit_holders(ctx: Context) -> set[Department]:
    """CFL-15: the configured vacant-unit holder, with the reception department as an alias."""
    return {Department(ctx.policy.keys.vacant_unit_holder), Department.reception}


def loan_limit(lent_at: datetime, ctx: Context) -> datetime:
    """KEY-LOAN-02: latest due time of a loan made at ``lent_at`` (no take-home)."""
    local = ctx.calendar.local(lent_at)
    limit = datetime.combine(local.date(), ctx.policy.keys.loan_due_time, local.tzinfo)
    if local >= limit:  # lent after the cut-off (night shift): back by the end of the day
        limit = datetime.combine(local.date() + timedelta(days=1), time(0, 0), local.tzinfo)
    return limit


def loan_key(loan: KeyLoan, ctx: Context) -> Key | None:
    key = ctx.get("key", loan.key)
    return key if isinstance(key, Key) else None


def manager_roles(key: Key) -> tuple[Role, ...]:
    """CFL-11/12: who gets the written loss report, by the holder of the key."""
    if key.category in UNIT_KEYS or key.category is KeyCategory.sealed_tenant:
        return (Role.cs_manager,)
    if key.category is KeyCategory.machine_room_spare:
        return (Role.property_manager,)
    return (*APPROVER_ROLES, Role.security_manager, Role.cs_manager, Role.property_manager)


def _copies(key: Key) -> list[KeyCopy]:
    return list(key.fold()["copies"])


class Spans(Generic[T]):
    """Items held over ``[start, end)`` (``end=None``: still held), looked up by instant.

    ``at(t)`` returns the items with ``start <= t < end`` in time proportional to the items of the
    day of ``t`` plus the answer, instead of a scan of every item: spans of up to ``LONG_DAYS`` days
    are filed under each day they touch, longer and open ones in lists sorted by start.
    """

    LONG_DAYS = 62

    def __init__(self, spans: Iterable[tuple[datetime, datetime | None, T]]) -> None:
        self._days: dict[int, list[tuple[datetime, datetime | None, T]]] = {}
        long: list[tuple[datetime, datetime | None, T]] = []
        opened: list[tuple[datetime, datetime | None, T]] = []
        for span in spans:
            start, end, _ = span
            if end is None:
                opened.append(span)
            elif end > start:
                first, last = _day(start), _day(end)
                if last - first > self.LONG_DAYS:
                    long.append(span)
                else:
                    for d in range(first, last + 1):
                        self._days.setdefault(d, []).append(span)
        opened.sort(key=lambda x: x[0])
        long.sort(key=lambda x: x[0])
        self._open, self._open_starts = opened, [x[0] for x in opened]
        self._long, self._long_starts = long, [x[0] for x in long]

    def at(self, t: datetime) -> list[T]:
        found = [item for start, end, item in self._days.get(_day(t), ()) if start <= t < end]  # type: ignore[operator]
        found += [item for _, _, item in self._open[:bisect_right(self._open_starts, t)]]
        found += [item for start, end, item in self._long[:bisect_right(self._long_starts, t)]
                  if end > t]  # type: ignore[operator]
        return found


def _day(t: datetime) -> int:
    return int(t.timestamp() // 86400)


def _held(key: Key, category: KeyCategory) -> list[KeyCopy] | None:
    """The copies of a key of ``category`` whose holders the §3.1 rules check; None otherwise.

    After a lock change the new keys are all with security until redistributed (KEY-LOCK-01), so
    the holder rules wait until then.
    """
    copies = _copies(key)
    if key.category is not category or any(c.awaiting_redistribution for c in copies):
        return None
    return copies


def _count(key: Key, category: KeyCategory, holders: set[Department]) -> int | None:
    """How many copies of a key of ``category`` the given departments hold (None: not checked)."""
    copies = _held(key, category)
    return None if copies is None else sum(1 for c in copies if c.holder in holders)


# -- the registry (§3.1) ------------------------------------------------------------------------


@record_rule("KEY-HOLD-01", "key_loan", title="security's sealed set is used only in an emergency, with a use record")
def sealed_set_emergency_only(loan: KeyLoan, ctx: Context) -> Iterator[Problem]:
    key = loan_key(loan, ctx)
    copy = key.copy_of(loan.copy_no) if key else None
    if copy is None or not copy.sealed:
        return
    if not loan.emergency_reason:
        yield Problem(f"{loan.key} 第{loan.copy_no}套是保安部封存的紧急备用钥匙, 只能在紧急情况下使用",
                      ("emergency_reason",), "写明紧急情况: --emergency-reason '...' (或借用在用的另一套)")
    if ctx.policy.keys.sealed_estate_require_approval and not has_role(ctx, loan.approved_by, Role.security_manager):
        yield Problem("启用保安部封存钥匙须保安部经理批准 (CFL-17)", ("approved_by",),
                      "--approved-by 保安部经理工号")


ESTATE_SET = (KeyCategory.office_store, KeyCategory.machine_room, KeyCategory.stair_fire_exit,
              KeyCategory.entrance_gate)


@record_rule("KEY-HOLD-01", "key", title="security keeps a sealed set of every category 1.1-1.4 key",
             severity=Severity.warning)
def security_sealed_set(key: Key, ctx: Context) -> Iterator[Problem]:
    for category in ESTATE_SET:
        copies = _held(key, category)
        if copies is not None and not any(c.holder is Department.security and c.sealed for c in copies):
            yield Problem(f"{key.id} ({key.category.label}) 在保安部没有封存的紧急备用钥匙", ("copies",),
                          "保安部集中封存一套: --copy security:sealed")


@record_rule("KEY-HOLD-02", "key", title="engineering holds exactly one set of each machine-room key")
def engineering_machine_set(key: Key, ctx: Context) -> Iterator[Problem]:
    n = _count(key, KeyCategory.machine_room, {Department.engineering})
    if n is not None and n != 1:
        yield Problem(f"设备机房钥匙 {key.id} 应由工程部保管一套, 现有 {n} 套", ("copies",),
                      "登记时给工程部一套: --copy engineering")


@record_rule("KEY-HOLD-03", "key", title="reception holds two sets of material-storeroom keys")
def reception_store_sets(key: Key, ctx: Context) -> Iterator[Problem]:
    n = _count(key, KeyCategory.material_store, unit_holders(ctx))
    if n is not None and n != 2:
        yield Problem(f"物料库房钥匙 {key.id} 应由接待部门保管两套, 现有 {n} 套", ("copies",),
                      "--copy reception --copy reception (接待部门即客服部时用 cs, CFL-15)")


@record_rule("KEY-HOLD-04", "key", title="the property department keeps one spare set of machine-room keys")
def property_spare_set(key: Key, ctx: Context) -> Iterator[Problem]:
    copies = _held(key, KeyCategory.machine_room_spare) or _held(key, KeyCategory.machine_room) or []
    spare = [c for c in copies if c.holder is Department.property]
    if key.category is KeyCategory.machine_room_spare and copies and (len(spare) != 1 or len(copies) != 1):
        yield Problem(f"机房备用钥匙 {key.id} 应只有一套, 由物业部保管", ("copies",), "--copy property")
    elif key.category is KeyCategory.machine_room and len(spare) > 1:
        yield Problem(f"机房钥匙 {key.id} 在物业部的备用钥匙只能有一套 (现有 {len(spare)} 套)", ("copies",))


@record_rule("KEY-HOLD-05", "key", title="every key has copies, each held by a department")
def every_key_held(key: Key, ctx: Context) -> Iterator[Problem]:
    if not _copies(key):
        yield Problem(f"钥匙 {key.id} 没有登记任何一套及其保管部门", ("events",),
                      "用 csops key add 登记钥匙 (每套 --copy 部门)")
    known: set[str] = set()
    for i, e in enumerate(key.events):
        if isinstance(e, (KeyAdded, KeyRekeyed)):
            known = {c.copy_no for c in e.copies}
        elif isinstance(e, (KeyLost, KeyFound, KeyRedistributed)) and e.copy_no not in known:
            yield Problem(f"{key.id} 没有第{e.copy_no}套钥匙", ("events", i, "copy_no"),
                          f"现有: {', '.join(sorted(known)) or '无'} (csops key show {key.id})")


@record_rule("KEY-HOLD-06", "key", title="unit-room keys are kept at CS by a designated person")
def unit_room_custodian(key: Key, ctx: Context) -> Iterator[Problem]:
    for c in _held(key, KeyCategory.unit_room) or []:
        if c.holder is not Department.cs or not c.custodian:
            yield Problem(f"单元房间钥匙 {key.id} 第{c.copy_no}套须存放在客服部并指定专人", ("copies",),
                          "--copy cs:工号")


@record_rule("KEY-VAC-01", "key", title="vacant-unit keys are kept at CS and managed by a CS assistant")
def vacant_unit_custody(key: Key, ctx: Context) -> Iterator[Problem]:
    for c in _held(key, KeyCategory.vacant_unit) or []:
        if c.holder not in unit_holders(ctx):
            yield Problem(f"空置单元钥匙 {key.id} 第{c.copy_no}套应存放在客服部 (现为 {c.holder.label})",
                          ("copies",), f"--copy {ctx.policy.keys.vacant_unit_holder}:客服助理工号")
        elif not has_role(ctx, c.custodian, Role.cs_assistant):
            yield Problem(f"空置单元钥匙 {key.id} 第{c.copy_no}套须由客服助理负责管理", ("copies",),
                          "--copy cs:客服助理工号 (如 cs:A001)")


@record_rule("KEY-HAZ-01", "key", title="the hazardous-materials cabinet key is held by the cleaning lead")
def hazmat_key_holder(key: Key, ctx: Context) -> Iterator[Problem]:
    for c in _held(key, KeyCategory.hazmat_cabinet) or []:
        if not has_role(ctx, c.custodian, Role.cleaning_lead):
            yield Problem(f"危险品柜钥匙 {key.id} 第{c.copy_no}套须由保洁领班保管", ("copies",),
                          "--copy cleaning:保洁领班工号 (如 cleaning:C001)")


@tree_rule("KEY-LBL-01", title="every key has its own numbered place (slot)", enforcement="validation error")
def one_key_per_slot(ctx: Context) -> Iterator[Problem]:
    seen: dict[str, str] = {}
    for key in sorted(ctx.of(Key), key=lambda k: k.id):
        if key.slot in seen:
            yield Problem(f"钥匙 {key.id} 与 {seen[key.slot]} 登记在同一钥匙位 {key.slot}", ("slot",),
                          "每把钥匙对号入座: 给它一个空的钥匙位编号", target=key)
        else:
            seen[key.slot] = key.id


# -- sealed tenant keys (§3.2–3.3) --------------------------------------------------------------


@record_rule("KEY-SEAL-01", "key", title="entrusted tenant keys are sealed with the handover form and custody agreement")
def tenant_key_sealed(key: Key, ctx: Context) -> Iterator[Problem]:
    if key.category is not KeyCategory.sealed_tenant:
        return
    first = next((e for e in key.events if isinstance(e, KeySealed)), None)
    if first is None:
        yield Problem(f"客户托管钥匙 {key.id} 未封存登记", ("events",),
                      "登记时一并封存: --seal-no 封条号 --agreement-ref 托管协议号 --handover-ref 单元钥匙交接单号")
        return
    i = key.events.index(first)
    if not first.custody_agreement_ref:
        yield Problem("封存须有钥匙托管协议编号", ("events", i, "custody_agreement_ref"), "--agreement-ref ...")
    if not first.unit_handover_ref:
        yield Problem("封存须有《单元钥匙交接单》编号 (KEY-MOVE-01)", ("events", i, "unit_handover_ref"),
                      "--handover-ref ...")


@record_rule("KEY-SEAL-02", "key", "key_loan", title="a sealed key is used only through an unseal, never lent")
def sealed_not_lent(record: Key | KeyLoan, ctx: Context) -> Iterator[Problem]:
    if isinstance(record, KeyLoan):
        key = loan_key(record, ctx)
        if key is not None and key.category is KeyCategory.sealed_tenant:
            yield Problem(f"{key.id} 是客户托管封存钥匙, 不能借用", ("key",),
                          "按启封程序办理: csops key unseal (紧急情况或客户忘带钥匙)")
        return
    state = KeyState.active
    for i, event in enumerate(record.events):
        if isinstance(event, KeyUnsealed) and (record.category is not KeyCategory.sealed_tenant
                                              or state is not KeyState.sealed):
            yield Problem(f"{record.id} 当前不是封存状态, 不能启封", ("events", i), "只有已封存的客户托管钥匙才能启封")
        if isinstance(event, (KeySealed, KeyResealed)):
            state = KeyState.sealed
        elif isinstance(event, KeyUnsealed):
            state = KeyState.unsealed


@record_rule("KEY-SEAL-08", "key", title="a seal changes only with a record: sealed once, resealed only after a use",
             enforcement="audit check")
def seal_changes_recorded(key: Key, ctx: Context) -> Iterator[Problem]:
    """No sealed key changes state without a matching use record (the inferred audit rule).

    A new seal on a key that is still sealed would hide the old seal's fate; a reseal with no use
    before it is an after-use record of nothing; after a use, the CS manager's reseal (KEY-SEAL-06)
    is the only way back, not a plain seal. Seals belong to tenant keys only: security's sealed
    estate set is a copy flag (KEY-HOLD-01).
    """
    state: str | None = None  # None: never sealed; "sealed"; "used" (unsealed); "broken" (seal found broken)
    for i, e in enumerate(key.events):
        if isinstance(e, (KeySealed, KeyResealed)):
            verb = "封存" if isinstance(e, KeySealed) else "重新封存"
            if key.category is not KeyCategory.sealed_tenant:
                yield Problem(f"{key.id} ({key.category.label}) 不是客户托管钥匙, 不能{verb}", ("events", i),
                              "只有 sealed_tenant 钥匙封存; 保安部封存的一套写 --copy security:sealed")
            elif isinstance(e, KeySealed) and state == "sealed":
                yield Problem(f"{key.id} 仍在封存中, 不能直接换封条 {e.seal_no}", ("events", i, "seal_no"),
                              "先登记原封条的情况: csops key lost --incident seal_broken, 或按程序启封后重新封存")
            elif isinstance(e, KeySealed) and state == "used":
                yield Problem(f"{key.id} 启封使用后须由客服部经理登记使用后记录并重新封存", ("events", i),
                              f"csops key reseal {key.id} --after '使用后记录' --seal-no 新封条号")
            elif isinstance(e, KeyResealed) and state not in ("used", "broken"):
                yield Problem(f"{key.id} 没有启封使用记录, 不能重新封存", ("events", i),
                              "先按程序启封: csops key unseal; 首次封存用 csops key seal")
            state = "sealed"
        elif isinstance(e, KeyUnsealed):
            state = "used"
        elif isinstance(e, KeyLost) and e.incident is Incident.seal_broken:
            state = "broken"


def _unseals(key: Key, path: UnsealPath) -> Iterator[tuple[int, KeyUnsealed]]:
    for i, event in enumerate(key.events):
        if isinstance(event, KeyUnsealed) and event.path is path:
            yield i, event


@record_rule("KEY-SEAL-03", "key", title="emergency use: CS manager requests, general manager approves, customer unreachable",
             enforcement="approval required")
def emergency_approval(key: Key, ctx: Context) -> Iterator[Problem]:
    for i, e in _unseals(key, UnsealPath.emergency):
        if not has_role(ctx, e.requested_by, Role.cs_manager):
            yield Problem(f"紧急启封须由客服部经理报请, {ctx.name(e.requested_by)} 不是客服部经理",
                          ("events", i, "requested_by"), "--requested-by 客服部经理工号")
        if not e.approved_by or not has_role(ctx, e.approved_by, Role.general_manager):
            yield Problem("紧急启封须经总经理批准" + (f", {ctx.name(e.approved_by)} 不是总经理" if e.approved_by else ""),
                          ("events", i, "approved_by"), "--approved-by 总经理工号")
        elif e.approved_by == e.requested_by:
            yield Problem("报请人不能批准自己的启封申请", ("events", i, "approved_by"), "由总经理另行批准")
        if not e.customer_unreachable:
            yield Problem("紧急启封仅限客户无法联系或无法到场", ("events", i, "customer_unreachable"),
                          "确认无法联系客户后加 --customer-unreachable")


@record_rule("KEY-SEAL-04", "key", title="two CS assistants and a security guard present, all named and distinct")
def emergency_witnesses(key: Key, ctx: Context) -> Iterator[Problem]:
    for i, e in _unseals(key, UnsealPath.emergency):
        distinct = list(dict.fromkeys(e.witnesses))
        if len(distinct) != len(e.witnesses):
            yield Problem("在场人员重复登记: 每人只算一次", ("events", i, "witnesses"), "列出不同的在场人员")
        cs = [w for w in distinct if has_role(ctx, w, Role.cs_assistant)]
        guards = [w for w in distinct if w not in cs and has_role(ctx, w, Role.security, Role.security_manager)]
        if len(cs) < 2 or not guards:
            yield Problem(f"启封须两名客服助理及一名保安员同时在场 (现有客服助理 {len(cs)} 名, 保安员 {len(guards)} 名)",
                          ("events", i, "witnesses"), "--witness 客服助理 --witness 客服助理 --witness 保安员")


@record_rule("KEY-SEAL-05", "key", title="forgotten key: written application, responsible person confirmed, CS manager consents",
             enforcement="approval required")
def forgotten_key_path(key: Key, ctx: Context) -> Iterator[Problem]:
    for i, e in _unseals(key, UnsealPath.forgotten_key):
        if not e.application_ref:
            yield Problem("客户忘带钥匙启封须有书面申请", ("events", i, "application_ref"), "--application-ref 申请单号")
        if not e.confirmed_with:
            yield Problem("须与该单元负责人联系确认", ("events", i, "confirmed_with"), "--confirmed-with '单元负责人姓名'")
        if not e.approved_by or not has_role(ctx, e.approved_by, Role.cs_manager):
            yield Problem("客户忘带钥匙启封须经客服部经理同意", ("events", i, "approved_by"), "--approved-by 客服部经理工号")
        elif e.approved_by == e.requested_by:
            yield Problem("申请人不能批准自己的启封申请", ("events", i, "approved_by"), "由另一位客服部经理批准")
        after = next((x for x in key.events[i + 1:] if isinstance(x, KeyResealed)), None)
        if after is not None:
            j = key.events.index(after)
            if not (after.company_seal_affixed and after.user_signature and after.filed):
                yield Problem("用后须在申请书上加盖公司印章、使用人签名并交回客服部存档", ("events", j),
                              "--company-seal --user-signature 姓名 --filed")


@record_rule("KEY-SEAL-06", "key", title="every use recorded before and after, signed by the CS manager, resealed")
def use_recorded(key: Key, ctx: Context) -> Iterator[Problem]:
    seal_no: str | None = None
    for i, e in enumerate(key.events):
        if isinstance(e, KeyUnsealed) and not e.before_note:
            yield Problem("启封前须详细记录", ("events", i, "before_note"), "--before '使用前记录'")
        if isinstance(e, KeyResealed):
            if not e.after_note:
                yield Problem("使用后须详细记录", ("events", i, "after_note"), "--after '使用后记录'")
            if not has_role(ctx, e.signed_by, Role.cs_manager):
                yield Problem("使用记录须由客服部经理签字", ("events", i, "signed_by"), "由客服部经理办理重新封存")
            if e.seal_no == seal_no:
                yield Problem(f"重新封存须用新封条 (封条号 {seal_no} 已用过)", ("events", i, "seal_no"), "--seal-no 新封条号")
        if isinstance(e, (KeySealed, KeyResealed)):
            seal_no = e.seal_no
    if key.fold()["state"] is KeyState.unsealed and key.events:
        # since the use began: a confirmation of its approvals afterwards does not restart the clock
        since = ctx.calendar.local([e for e in key.events if e.action != "confirm"][-1].at)
        if ctx.now - since > timedelta(hours=24):
            yield Problem(f"{key.id} 自 {since:%Y-%m-%d %H:%M} 启封后尚未重新封存", ("state",),
                          "csops key reseal ... --after ... --seal-no 新封条号", severity=Severity.warning)


# -- loss, found, lock change (§3.7) ------------------------------------------------------------


def _incidents(key: Key) -> Iterator[tuple[int, KeyLost]]:
    for i, e in enumerate(key.events):
        if isinstance(e, KeyLost):
            yield i, e


def _lost_before(key: Key) -> Iterator[tuple[int, KeyLost | KeyFound, bool]]:
    """Each loss or find, with whether its copy was already recorded lost just before it.

    An old key lost before a lock change may still turn up and be handed in (KEY-LOSS-03), so a find
    also matches a loss from before the rekey; a new loss only counts the current copies.
    """
    lost: set[str] = set()
    lost_old: set[str] = set()
    for i, e in enumerate(key.events):
        if isinstance(e, KeyRekeyed):
            lost_old |= lost
            lost = set()
        elif isinstance(e, KeyLost) and e.incident is Incident.lost:
            yield i, e, e.copy_no in lost
            lost.add(e.copy_no)
        elif isinstance(e, KeyFound):
            yield i, e, e.copy_no in lost or e.copy_no in lost_old
            if e.copy_no in lost:
                lost.discard(e.copy_no)
            else:
                lost_old.discard(e.copy_no)


@record_rule("KEY-SEAL-07", "key", title="a sealed key found unsealed, damaged or lost is reported to CS with an account")
def sealed_incident(key: Key, ctx: Context) -> Iterator[Problem]:
    if key.category is not KeyCategory.sealed_tenant:
        return
    for i, e in _incidents(key):
        if not e.account:
            yield Problem("封存钥匙开封、损坏或丢失须写出事情详细经过", ("events", i, "account"), "--account '...'")
        if not in_dept(ctx, e.reported_to_manager, Department.cs):
            yield Problem("封存钥匙异常须立即上报客服部", ("events", i, "reported_to_manager"), "--report-to 客服部经理工号")


@record_rule("KEY-LOSS-01", "key", title="a lost key is reported to security at once, with precautions; then replaced")
def loss_reported(key: Key, ctx: Context) -> Iterator[Problem]:
    for i, e in _incidents(key):
        if e.incident is not Incident.lost:
            continue
        if "security" in ctx.policy.keys.loss_notify and not in_dept(ctx, e.reported_to_security, Department.security):
            yield Problem("遗失钥匙须立即向保安部门报告备案", ("events", i, "reported_to_security"),
                          "--reported-to 保安部工号")
        if not e.precautions:
            yield Problem("遗失钥匙须及时采取必要的防范措施并记录", ("events", i, "precautions"), "--precautions '...'")
        if (key.category is KeyCategory.machine_room and "holder_manager" in ctx.policy.keys.loss_notify
                and not has_role(ctx, e.reported_to_manager, *manager_roles(key))):
            yield Problem("机房钥匙遗失还须书面报告保管部门负责人 (CFL-11)", ("events", i, "reported_to_manager"),
                          "--report-to 部门负责人工号")
    for j, event, was_lost in _lost_before(key):
        if isinstance(event, KeyLost) and was_lost:
            yield Problem(f"{key.id} 第{event.copy_no}套已登记遗失, 不能重复登记", ("events", j, "copy_no"),
                          f"查看遗失记录: csops key show {key.id}; 找回用 csops key found")
    for c in _copies(key):
        if c.lost:
            yield Problem(f"{key.id} 第{c.copy_no}套已遗失, 尚未找回或换锁", ("copies",),
                          "找回后 csops key found, 或换锁 csops key rekey", severity=Severity.warning)


@record_rule("KEY-LOSS-02", "key", title="the loss record names the liable person", enforcement="form field")
def loss_liability(key: Key, ctx: Context) -> Iterator[Problem]:
    for i, e in _incidents(key):
        if e.incident is Incident.lost and not e.liable_person:
            yield Problem("遗失记录须写明责任人 (遗失者承担经济损失)", ("events", i, "liable_person"), "--liable 工号")
        if e.loss_amount is not None and e.loss_amount < 0:  # inf/nan never load (Model config)
            yield Problem(f"经济损失金额 {e.loss_amount:g} 元不是有效金额", ("events", i, "loss_amount"),
                          "--amount 写实际金额 (元, ≥ 0)")


@record_rule("KEY-VAC-04", "key", title="a lost or damaged unit or room key is reported in writing to the CS manager")
def unit_loss_report(key: Key, ctx: Context) -> Iterator[Problem]:
    if key.category not in UNIT_KEYS:
        return
    for i, e in _incidents(key):
        if not has_role(ctx, e.reported_to_manager, Role.cs_manager) or not e.account:
            yield Problem("单元钥匙损坏或丢失须立即写出书面报告上报客服部经理", ("events", i, "reported_to_manager"),
                          "--report-to 客服部经理工号 --account '书面报告'")


@record_rule("KEY-MR-03", "key", title="a lost spare machine-room key is reported to the property manager and replaced")
def spare_loss_report(key: Key, ctx: Context) -> Iterator[Problem]:
    if key.category is not KeyCategory.machine_room_spare:
        return
    for i, e in _incidents(key):
        if not has_role(ctx, e.reported_to_manager, Role.property_manager) or not e.account:
            yield Problem("机房备用钥匙损坏或丢失须书面报告物业部经理", ("events", i, "reported_to_manager"),
                          "--report-to 物业部经理工号 --account '书面报告'")


@record_rule("KEY-LOSS-03", "key", title="found keys are handed to security, who records the find", enforcement="form field")
def found_to_security(key: Key, ctx: Context) -> Iterator[Problem]:
    for i, e in enumerate(key.events):
        if isinstance(e, KeyFound) and not in_dept(ctx, e.by, Department.security):
            yield Problem("拾到的钥匙须交保安部门并由保安部门做拾交记录", ("events", i, "by"),
                          "由保安部人员办理: csops --as 保安工号 key found ...")
    for j, event, was_lost in _lost_before(key):
        if isinstance(event, KeyFound) and not was_lost:
            yield Problem(f"{key.id} 第{event.copy_no}套没有登记遗失, 拾交记录对不上", ("events", j, "copy_no"),
                          f"核对钥匙编号和第几套: csops key show {key.id}")


@record_rule("KEY-LOCK-01", "key", "key_loan", title="a lock change needs security's approval; new keys go to security",
             enforcement="approval required")
def lock_change(record: Key | KeyLoan, ctx: Context) -> Iterator[Problem]:
    if isinstance(record, KeyLoan):
        key = loan_key(record, ctx)
        copy = key.copy_of(record.copy_no) if key else None
        rekey = key.last(KeyRekeyed) if key else None
        if (copy is not None and copy.awaiting_redistribution and rekey is not None and record.events
                and record.lent_at >= rekey.at):
            yield Problem(f"{record.key} 换锁后的新钥匙尚未由保安部门分发, 不能借出", ("copy_no",),
                          "先由保安部门分发: csops key redistribute")
        return
    waiting_now: set[str] = set()
    for i, e in enumerate(record.events):
        if isinstance(e, KeyRekeyed):
            if not in_dept(ctx, e.approved_by, Department.security):
                yield Problem("换锁须经保安部门批准", ("events", i, "approved_by"), "--approved-by 保安部工号")
            elif e.approved_by == e.requested_by:
                yield Problem("换锁申请人不能自己批准", ("events", i, "approved_by"), "由保安部门另一人批准")
            if not in_dept(ctx, e.by, Department.engineering):
                yield Problem("换锁由工程部门执行", ("events", i, "by"), "由工程部人员办理: csops --as 工程工号 key rekey")
            if not in_dept(ctx, e.handed_to, Department.security) or any(
                    c.holder is not Department.security for c in e.copies):
                yield Problem("新钥匙须交保安部门统一分发", ("events", i, "handed_to"), "--handed-to 保安部工号")
        if isinstance(e, KeyRedistributed) and not in_dept(ctx, e.by, Department.security):
            yield Problem("换锁后的新钥匙由保安部门分发", ("events", i, "by"), "由保安部人员办理 csops key redistribute")
        if isinstance(e, (KeyAdded, KeyRekeyed)):
            waiting_now = {c.copy_no for c in e.copies} if isinstance(e, KeyRekeyed) else set()
        elif isinstance(e, KeyRedistributed):
            if e.copy_no not in waiting_now:
                yield Problem(f"{record.id} 第{e.copy_no}套不是换锁后待分发的新钥匙", ("events", i, "copy_no"),
                              "只分发换锁后交保安部的新钥匙 (每套一次): csops key show " + record.id)
            waiting_now.discard(e.copy_no)
    waiting = [c.copy_no for c in _copies(record) if c.awaiting_redistribution]
    if waiting:
        yield Problem(f"{record.id} 换锁后的新钥匙第{'、'.join(waiting)}套仍在保安部待分发", ("copies",),
                      f"csops key redistribute {record.id} --copy N=部门[:工号]", severity=Severity.warning)


# -- loans (§3.4–3.6) ---------------------------------------------------------------------------


@record_rule("KEY-LOAN-01", "key_loan", title="a loan names a real copy, purpose and, where required, a department head's approval",
             enforcement="approval required")
def loan_register(loan: KeyLoan, ctx: Context) -> Iterator[Problem]:
    lends = [i for i, e in enumerate(loan.events) if isinstance(e, LoanLent)]
    if lends != [0]:
        yield Problem("借用记录须以一条借出记录 (action: lend) 开始, 且只有一条", ("events",),
                      "每次借用一个文件: csops key lend")
    key = loan_key(loan, ctx)
    if key is None:
        return
    copy = key.copy_of(loan.copy_no)
    still_out = loan.state_at() is LoanState.out
    if copy is None and still_out:
        numbers = ", ".join(c.copy_no for c in _copies(key))
        yield Problem(f"{key.id} 没有第{loan.copy_no}套钥匙", ("copy_no",), f"现有: {numbers}")
    elif copy is not None and copy.lost and still_out:
        yield Problem(f"{key.id} 第{loan.copy_no}套已登记遗失, 不能借出", ("copy_no",), "借用另一套")
    if needs_approval(key, ctx):
        if not loan.approved_by:
            yield Problem(f"借用{key.category.label}钥匙须经部门负责人批准", ("approved_by",), "--approved-by 部门负责人工号")
        elif not has_role(ctx, loan.approved_by, *APPROVER_ROLES):
            yield Problem(f"{ctx.name(loan.approved_by)} 不是部门负责人, 不能批准借用", ("approved_by",),
                          "--approved-by 部门负责人工号")
        elif loan.approved_by == loan.borrower:
            yield Problem("借用人不能批准自己的借用", ("approved_by",), "由另一位部门负责人批准")


@record_rule("KEY-LOAN-02", "key_loan", title="no take-home: due back the same day, returned by the borrower")
def loan_no_take_home(loan: KeyLoan, ctx: Context) -> Iterator[Problem]:
    limit = loan_limit(loan.lent_at, ctx) if loan.events else None
    if loan.events and loan.due <= loan.lent_at:
        yield Problem(f"归还时限 {ctx.calendar.local(loan.due):%Y-%m-%d %H:%M} 早于借出时间", ("due",),
                      "--due 写借出之后、当天下班前的时间 (或不写, 按当天截止时间)")
    elif limit is not None and loan.due > limit:
        yield Problem(f"钥匙不得带回家: 最迟 {ctx.calendar.local(limit):%Y-%m-%d %H:%M} 归还", ("due",),
                      f"--due 不晚于 {ctx.calendar.local(limit).isoformat()}")
    ret = loan.returned
    if ret is not None and ret.returned_by != loan.borrower:
        yield Problem(f"钥匙须由借用人本人交回 (借用人 {ctx.name(loan.borrower)}), 不得转交他人",
                      ("events", loan.events.index(ret), "returned_by"), "转交他人须先归还再重新借用")
    if loan.state_at() is LoanState.out and ctx.now > loan.due:
        # The due time, not "N hours overdue": a message that changes every second would make this
        # evaluation (and so every unchanged-tree answer) depend on the exact clock reading.
        yield Problem(f"{loan.key} 借出逾期未还: 应于 {ctx.calendar.local(loan.due):%Y-%m-%d %H:%M} 归还 "
                      f"(借用人 {ctx.name(loan.borrower)})", ("status",),
                      "追回钥匙: csops key return; 并在每日检查中写明原因", severity=Severity.warning)


@tree_rule("KEY-LOAN-02", title="one holder per copy at a time", enforcement="validation error",
           group=lambda r, ctx: f"{r.key}#{r.copy_no}" if isinstance(r, KeyLoan) and r.events else None)
def one_holder_per_copy(ctx: Context) -> Iterator[Problem]:
    by_copy: dict[tuple[str, str], list[KeyLoan]] = {}
    for loan in ctx.of(KeyLoan):
        if loan.events:
            by_copy.setdefault((loan.key, loan.copy_no), []).append(loan)
    for (key_id, copy_no), loans in sorted(by_copy.items()):
        loans.sort(key=lambda x: (x.lent_at, x.id))
        # A sweep in lending order: ``out`` holds the earlier loans not known to be back (by position),
        # ``ends`` when each comes back; the first earlier loan still out is the one reported.
        out: list[int] = []
        ends: list[tuple[datetime, int]] = []
        back: set[int] = set()
        for i, later in enumerate(loans):
            while ends and ends[0][0] <= later.lent_at:
                back.add(heapq.heappop(ends)[1])
            while out and out[0] in back:
                heapq.heappop(out)
            if out:
                earlier = loans[out[0]]
                yield Problem(
                    f"{key_id} 第{copy_no}套在 {earlier.id} ({ctx.name(earlier.borrower)}) 未归还时又借给了 "
                    f"{ctx.name(later.borrower)} ({later.id})", ("copy_no",),
                    f"同一套钥匙同一时间只能有一位借用人: 先归还 {earlier.id}, 或借用另一套", target=later)
            heapq.heappush(out, i)
            closed = later.closed_at()
            if closed is not None:
                heapq.heappush(ends, (closed, i))


@record_rule("KEY-LOAN-03", "key_loan", title="keys leave the site only with permission", enforcement="approval required")
def off_site_permission(loan: KeyLoan, ctx: Context) -> Iterator[Problem]:
    if loan.off_site and (not loan.permitted_by or loan.permitted_by == loan.borrower):
        yield Problem("未经许可不得将钥匙带出大厦", ("permitted_by",), "--permitted-by 批准人工号 (不能是借用人本人)")


@record_rule("KEY-NS-01", "key_loan", title="only active staff may borrow keys")
def staff_only(loan: KeyLoan, ctx: Context) -> Iterator[Problem]:
    person = ctx.person(loan.borrower)
    if person is not None and not person.active:
        yield Problem(f"{person.display} 已不在职, 不能借用钥匙", ("borrower",), "非管理处工作人员一律不准借用钥匙")


@record_rule("KEY-CTR-01", "key_loan", title="contractors borrow only through engineering or management staff")
def contractor_escort(loan: KeyLoan, ctx: Context) -> Iterator[Problem]:
    if loan.on_behalf_of and not has_role(ctx, loan.borrower, *ctx.policy.keys.contractor_escort_roles):
        roles = "、".join(r.label for r in ctx.policy.keys.contractor_escort_roles)
        yield Problem(f"施工人员不得直接借用, 须由{roles}代为借用并签名 ({ctx.name(loan.borrower)} 不是)",
                      ("borrower",), "--to 工程人员工号 --for '施工单位及人员'")


@record_rule("KEY-MR-01", "key_loan", title="a CS assistant opens a machine room only for a special reason, approved")
def cs_assistant_machine_room(loan: KeyLoan, ctx: Context) -> Iterator[Problem]:
    key = loan_key(loan, ctx)
    if key is None or key.category not in MACHINE_KEYS or not has_role(ctx, loan.borrower, Role.cs_assistant):
        return
    if not loan.special_reason or not loan.approved_by:
        yield Problem("无特殊情况, 客服助理严禁开启机房", ("special_reason",),
                      "--special-reason '...' --approved-by 部门负责人工号")


@record_rule("KEY-VAC-02", "key_loan", title="unit keys are lent by the CS assistant or the designated custodian")
def unit_key_issuer(loan: KeyLoan, ctx: Context) -> Iterator[Problem]:
    key = loan_key(loan, ctx)
    if key is None or key.category not in UNIT_KEYS:
        return
    custodians = {c.custodian for c in _copies(key)}
    if loan.issued_by not in custodians and not has_role(ctx, loan.issued_by, Role.cs_assistant):
        yield Problem(f"单元钥匙由客服助理统一办理借用, {ctx.name(loan.issued_by)} 不是", ("issued_by",),
                      "由客服助理办理: csops --as 客服助理工号 key lend ...")


@record_rule("KEY-VAC-03", "key_loan", title="after a viewing: power off, doors and windows closed, unit locked")
def viewing_return_checks(loan: KeyLoan, ctx: Context) -> Iterator[Problem]:
    key = loan_key(loan, ctx)
    ret = loan.returned
    if key is None or ret is None or key.category not in UNIT_KEYS:
        return
    missing = [name for name, ok in (("--power-off", ret.power_off), ("--windows-closed", ret.windows_closed),
                                      ("--locked", ret.unit_locked)) if not ok]
    if missing:
        yield Problem("交回单元钥匙前须确认电源已切断、门窗关闭、单元已锁好", ("events", loan.events.index(ret)),
                      "确认后加 " + " ".join(missing))


# -- daily check (KEY-CHK-01) -------------------------------------------------------------------


def loan_spans(ctx: Context) -> Spans[tuple[int, KeyLoan]]:
    """Every lent loan, (its place in the tree, the loan), by the time it is out (``KeyLoan.out_at``)."""
    return ctx.memo("keys.loan_spans", lambda: Spans(
        (loan.lent_at, loan.closed_at(), (pos, loan)) for pos, loan in enumerate(ctx.of(KeyLoan)) if loan.events))


def loans_out_at(ctx: Context, at: datetime) -> list[KeyLoan]:
    return sorted((x for _, x in loan_spans(ctx).at(at)), key=lambda x: (x.lent_at, x.id))


def custodians(ctx: Context) -> set[str]:
    """Everyone designated as the custodian of a key copy."""
    return ctx.memo("keys.custodians", lambda: {c.custodian for k in ctx.of(Key) for c in _copies(k) if c.custodian})


@record_rule("KEY-CHK-01", "key_check", title="the daily check notes the cause for every key not returned",
             enforcement="audit check")
def check_notes(check: KeyCheck, ctx: Context) -> Iterator[Problem]:
    if not has_role(ctx, check.checked_by, Role.cs_assistant) and check.checked_by not in custodians(ctx):
        yield Problem(f"钥匙登记表每日检查由客服助理或钥匙保管人负责, {ctx.name(check.checked_by)} 不是", ("checked_by",),
                      "由客服助理办理: csops --as 客服助理工号 key check")
    noted = {n.loan for n in check.outstanding}
    for loan in loans_out_at(ctx, check.checked_at):
        if loan.id not in noted:
            yield Problem(f"未收回的钥匙 {loan.key} ({loan.id}, {ctx.name(loan.borrower)}) 没有查明原因的记录",
                          ("outstanding",), f"--note {loan.id}='原因'")


@tree_rule("KEY-CHK-01", title="the key register is checked every day", severity=Severity.warning)
def daily_check_done(ctx: Context) -> Iterator[Problem]:
    lent = [ctx.calendar.local(x.lent_at).date() for x in ctx.of(KeyLoan) if x.events]
    if not lent:
        return
    first = min(lent)
    checked = {c.day for c in ctx.of(KeyCheck)}
    today = ctx.calendar.local(ctx.now).date()
    day = max(first, today - timedelta(days=ctx.policy.keys.check_lookback_days))
    every_day = ctx.policy.keys.check_days == "every_day"
    while day < today:
        if day not in checked and (every_day or ctx.calendar.is_workday(day)):
            yield Problem(f"{day.isoformat()} 没有钥匙登记表每日检查记录", (),
                          f"补记: csops --now {day.isoformat()}T17:30:00+08:00 key check ...", target=ctx.policy)
        day += timedelta(days=1)


# -- shift keys (KEY-SHIFT-01/02) ---------------------------------------------------------------


@record_rule("KEY-SHIFT-01", "key_shift", title="the early shift collects the area keys at the control room")
def shift_pickup(record: KeyShift, ctx: Context) -> Iterator[Problem]:
    pickup = record.pickup()
    if pickup is None:
        yield Problem("钥匙交接单缺少早班领取记录", ("events",), "csops key pickup --key ...")
        return
    i = record.events.index(pickup)
    for key_id in pickup.keys:
        key = ctx.get("key", key_id)
        if not isinstance(key, Key) or key.category is not KeyCategory.area_shift:
            yield Problem(f"{key_id} 不是登记在册的管理区域钥匙", ("events", i, "keys"),
                          "管理区域钥匙: csops key list --category area_shift")
    doubled = sorted({k for k in pickup.keys if pickup.keys.count(k) > 1})
    if doubled:
        yield Problem(f"钥匙交接单上 {', '.join(doubled)} 登记了不止一次", ("events", i, "keys"), "每把钥匙写一次")
    held_then = sheet_spans(ctx)
    candidates = {pos: other for key_id in set(pickup.keys) for pos, other in held_then.get(key_id, _NO_SPANS).at(pickup.at)}
    for _, other in sorted(candidates.items()):
        theirs, back = other.pickup(), other.return_event()
        if other.id == record.id or theirs is None or (theirs.at, other.id) > (pickup.at, record.id):
            continue
        held = sorted(set(theirs.keys) & set(pickup.keys))
        if held and (back is None or back.at > pickup.at):
            yield Problem(f"{', '.join(held)} 已由 {ctx.name(theirs.by)} 在 {other.id} 领取, 尚未交回中控室",
                          ("events", i, "keys"), f"先交回: csops key dropoff {other.id} --key ... --count-checked")


_NO_SPANS: Spans[tuple[int, KeyShift]] = Spans(())


def sheet_spans(ctx: Context) -> dict[str, Spans[tuple[int, KeyShift]]]:
    """Area key → the sheets (place in the tree, sheet) that picked it up, by the time it was out."""
    def build() -> dict[str, Spans[tuple[int, KeyShift]]]:
        spans: dict[str, list[tuple[datetime, datetime | None, tuple[int, KeyShift]]]] = {}
        for pos, sheet in enumerate(ctx.of(KeyShift)):
            pickup, back = sheet.pickup(), sheet.return_event()
            if pickup is not None:
                for key_id in set(pickup.keys):
                    spans.setdefault(key_id, []).append((pickup.at, back.at if back else None, (pos, sheet)))
        return {key_id: Spans(rows) for key_id, rows in spans.items()}

    return ctx.memo("keys.sheet_spans", build)


@record_rule("KEY-SHIFT-02", "key_shift", title="the middle shift returns the area keys and the count is checked")
def shift_return(record: KeyShift, ctx: Context) -> Iterator[Problem]:
    pickup, ret = record.pickup(), record.return_event()
    if ret is None:
        day_end = datetime.combine(record.day + timedelta(days=1), time(0, 0), ctx.calendar.tz)
        if pickup is not None and ctx.now > day_end:
            yield Problem(f"{record.day} 领取的管理区域钥匙当天未交回中控室", ("status",),
                          f"csops key dropoff {record.id} --key ... --count-checked", severity=Severity.warning)
        return
    i = record.events.index(ret)
    if not ret.count_checked:
        yield Problem("交回中控室时须查验钥匙数量", ("events", i, "count_checked"), "查验后加 --count-checked")
    if pickup is not None and sorted(ret.keys) != sorted(pickup.keys):
        missing = sorted(set(pickup.keys) - set(ret.keys))
        extra = sorted(set(ret.keys) - set(pickup.keys))
        yield Problem(f"交回钥匙与领取不符: 缺 {missing or '无'}, 多 {extra or '无'}", ("events", i, "keys"),
                      "查明差异并在钥匙交接单上说明 (--note)", severity=Severity.warning)

