"""The demo building's keys (丰汇大厦) and two months of custody, through the real commands.

Registry on 2026-09-21; then, on working days, viewings of vacant units, machine-room maintenance
with contractors signed out by engineering, storeroom and fire-exit loans, the shift area keys and
the custodian's daily check; a lost viewing key with its lock change (October), a forgotten-key and
an emergency unseal of tenant keys, the hazardous-materials register, and a viewing key still out
and overdue at DEMO_NOW. Deterministic: a fixed seed, no clock.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta

from csops.calendar import BusinessCalendar
from csops.models.policy import Policy
from scripts.demo import END, START, Demo, Step, t

RETURN_CHECKS = ("--power-off", "--windows-closed", "--locked")

# (id, name, location, category, slot, copies, registered by, extra options)
REGISTRY: list[tuple[str, str, str, str, str, tuple[str, ...], str, tuple[str, ...]]] = [
    ("OF-CS01", "客服中心办公室", "1F 客服中心", "office_store", "A-01", ("cs:A001", "security:sealed"), "A001", ()),
    ("OF-ST01", "客服部物品库房", "B1 库房区", "office_store", "A-02", ("cs:A001", "security:sealed"), "A001", ()),
    ("MS-01", "管理物料库房", "B1 物料库", "material_store", "A-03", ("cs:A002", "cs:A001"), "A001", ()),
    ("FD-01", "前台抽屉及文件柜", "1F 大堂前台", "front_desk", "A-04", ("cs:F001",), "A001", ()),
    ("VU-1203", "1203单元大门", "12F 1203", "vacant_unit", "B-01", ("cs:A001", "cs:A002"), "A001", ("--unit", "1203")),
    ("VU-1506", "1506单元大门", "15F 1506", "vacant_unit", "B-02", ("cs:A001", "cs:A002"), "A001", ("--unit", "1506")),
    ("VU-2208", "2208单元大门", "22F 2208", "vacant_unit", "B-03", ("cs:A002", "cs:A001"), "A001", ("--unit", "2208")),
    ("UR-1506-M", "1506单元会议室", "15F 1506", "unit_room", "B-04", ("cs:A002",), "A001", ("--unit", "1506")),
    ("ST-0805", "丰达贸易0805托管钥匙", "8F 0805", "sealed_tenant", "C-01", ("cs:A001",), "A001",
     ("--unit", "0805", "--seal-no", "FC-2609-01", "--agreement-ref", "TG-2609-01", "--handover-ref", "JJ-2609-01")),
    ("ST-1802", "华信律所1802托管钥匙", "18F 1802", "sealed_tenant", "C-02", ("cs:A002",), "A001",
     ("--unit", "1802", "--seal-no", "FC-2609-02", "--agreement-ref", "TG-2609-02", "--handover-ref", "JJ-2609-02")),
    ("MR-B1-PUMP", "B1生活水泵房", "B1", "machine_room", "D-01", ("engineering:E001", "property", "security:sealed"),
     "E002", ()),
    ("MR-B2-POWER", "B2高低压配电房", "B2", "machine_room", "D-02", ("engineering:E002", "property", "security:sealed"),
     "E002", ()),
    ("MR-RF-LIFT", "天面电梯机房", "RF", "machine_room", "D-03", ("engineering:E001", "security:sealed"), "E002", ()),
    ("FE-12N", "12层北侧消防通道门", "12F 北侧", "stair_fire_exit", "E-01", ("security:B001", "security:sealed"),
     "B002", ()),
    ("FE-RF", "天台消防门", "RF", "stair_fire_exit", "E-02", ("security:B001", "security:sealed"), "B002", ()),
    ("GATE-N", "大厦北门", "1F 北门", "entrance_gate", "E-03", ("security:B001", "security:sealed"), "B002", ()),
    ("GATE-GAR", "地下车库出入口卷闸", "B1 车库", "entrance_gate", "E-04", ("security:N001", "security:sealed"),
     "B002", ()),
    ("AREA-1F", "一层管理区域钥匙串", "中控室", "area_shift", "F-01", ("security",), "B002", ()),
    ("AREA-B1", "地下管理区域钥匙串", "中控室", "area_shift", "F-02", ("security",), "B002", ()),
    ("AREA-RF", "天面管理区域钥匙串", "中控室", "area_shift", "F-03", ("security",), "B002", ()),
    ("HZ-CAB", "危险品柜", "B1 保洁间", "hazmat_cabinet", "G-01", ("cleaning:C001",), "C001", ()),
]

#: The viewing loan still out at DEMO_NOW (lent on Friday afternoon, not back).
OVERDUE = ("2026-11-20", "14:00", "VU-2208")
#: The lost viewing key (October) and the emergency unseal (November).
LOST_DAY = "2026-10-15"
EMERGENCY_DAY = "2026-11-07"
FORGOTTEN_DAY = "2026-10-28"


def cmd(at: datetime, as_: str, *args: str, label: str = "") -> Step:
    return Step(at, lambda demo: demo.run(at, as_, *args), label or " ".join(args[:2]))


def confirm(at: datetime, who: str, record_id: str) -> Step:
    """``who`` confirms, at their own keyboard, the approvals typed in for them on ``record_id``."""
    return Step(at, lambda demo: demo.confirm(at, who, record_id), f"confirm {record_id}")


def lend(at: datetime, as_: str, memo_key: str, *args: str) -> Step:
    """A loan whose id later steps need (the check's note for a key still out)."""

    def action(demo: Demo) -> None:
        out = demo.run(at, as_, "key", "lend", *args).output
        match = re.search(r"KL-\d{4}-[A-Z]+\d+", out)
        if match:
            demo.memo[memo_key] = match.group(0)

    return Step(at, action, "key lend")


def check(at: datetime, as_: str, notes: tuple[tuple[str, str], ...] = ()) -> Step:
    def action(demo: Demo) -> None:
        args: list[str] = []
        for memo_key, text in notes:
            args += ["--note", f"{demo.memo[memo_key]}={text}"]
        demo.run(at, as_, "key", "check", *args)

    return Step(at, action, "key check")


def workdays() -> Iterator[date]:
    cal = BusinessCalendar(Policy())
    day = START.date()
    while day <= END.date():
        if cal.is_workday(day):
            yield day
        day += timedelta(days=1)


def registry() -> Iterator[Step]:
    when = t("2026-09-21", "07:30")
    for i, (key_id, name, location, category, slot, copies, by, extra) in enumerate(REGISTRY):
        args = ["key", "add", key_id, "--name", name, "--location", location, "--category", category, "--slot", slot]
        for spec in copies:
            args += ["--copy", spec]
        yield cmd(when + timedelta(minutes=i), by, *args, *extra)


def routine(day: date, n: int, rng: random.Random) -> Iterator[Step]:
    """One working day's loans, all back before the 17:30 check, and the shift area keys."""
    d = day.isoformat()
    issuer = ("A001", "A002")[n % 2]
    yield cmd(t(d, "08:05"), "L001", "key", "pickup", "--key", "AREA-1F", "--key", "AREA-B1", "--key", "AREA-RF",
              "--issued-by", "N001")
    yield cmd(t(d, "22:10"), "L002", "key", "dropoff", "--key", "AREA-1F", "--key", "AREA-B1", "--key", "AREA-RF",
              "--count-checked", "--received-by", "N001")
    if d in (LOST_DAY, OVERDUE[0]):
        return
    if rng.random() < 0.55:  # a viewing of a vacant unit by leasing
        unit = rng.choice(["VU-1203", "VU-1506", "VU-2208"])
        hour = rng.choice(["09:30", "10:00", "14:00", "15:00"])
        back = (datetime.fromisoformat(f"{d}T{hour}:00+08:00") + timedelta(minutes=rng.choice([40, 55, 70])))
        yield cmd(t(d, hour), issuer, "key", "lend", unit, "--to", "Z001", "--purpose",
                  rng.choice(["带客户看房", "陪同意向客户看房", "带客户复看并量尺寸"]))
        yield cmd(back, issuer, "key", "return", unit, "--by", "Z001", *RETURN_CHECKS)
    if day.weekday() == 1 and n % 2 == 0:  # fortnightly lift maintenance, contractor signed out by engineering
        yield cmd(t(d, "09:00"), "E002", "key", "lend", "MR-RF-LIFT", "--copy", "1", "--to", "E001", "--for",
                  "奥的斯电梯维保 陈师傅", "--purpose", "电梯月度保养", "--approved-by", "E002")
        yield cmd(t(d, "11:30"), "E002", "key", "return", "MR-RF-LIFT", "--copy", "1", "--by", "E001")
    if day.weekday() == 3:  # weekly pump-room check by engineering with the property spare set
        yield cmd(t(d, "13:40"), "E002", "key", "lend", "MR-B1-PUMP", "--copy", "2", "--to", "E001", "--purpose",
                  "水泵房周检", "--approved-by", "E002")
        yield cmd(t(d, "15:10"), "E002", "key", "return", "MR-B1-PUMP", "--copy", "2", "--by", "E001")
    if day.weekday() == 0:  # weekly storeroom draw for office supplies
        memo = f"store-{d}"
        yield lend(t(d, "10:20"), issuer, memo, "OF-ST01", "--copy", "1", "--to", "CS001", "--purpose",
                   "领取办公用品", "--approved-by", "M001")
        # the CS manager approved by phone; the custodian typed it in, so M001 confirms it at their desk
        yield Step(t(d, "10:30"), lambda demo: demo.confirm(t(d, "10:30"), "M001", demo.memo[memo]), "confirm loan")
        yield cmd(t(d, "10:45"), issuer, "key", "return", "OF-ST01", "--copy", "1", "--by", "CS001")
    if day.weekday() == 4 and n % 3 == 0:  # fire-exit inspection by security
        yield cmd(t(d, "15:30"), "B002", "key", "lend", "FE-RF", "--copy", "1", "--to", "B001", "--purpose",
                  "消防通道月检", "--approved-by", "B002")
        yield cmd(t(d, "16:20"), "B002", "key", "return", "FE-RF", "--copy", "1", "--by", "B001")


def lost_key() -> Iterator[Step]:
    """A viewing key lost, reported, the lock changed and the new keys redistributed (§3.7)."""
    d = LOST_DAY
    yield cmd(t(d, "10:00"), "A002", "key", "lend", "VU-1506", "--copy", "2", "--to", "Z001", "--purpose", "带客户看房")
    yield cmd(t(d, "11:20"), "A002", "key", "lost", "VU-1506", "--copy", "2", "--reported-to", "B002",
              "--report-to", "M001", "--precautions", "通知保安加强15F巡查, 1506暂停带看",
              "--account", "唐婷带看后在电梯厅遗失钥匙, 寻找未果, 已书面报告", "--liable", "Z001", "--amount", "180")
    yield cmd(t(d, "15:00"), "E001", "key", "rekey", "VU-1506", "--requested-by", "A002", "--request",
              "1506第2套钥匙遗失, 书面申请更换锁芯", "--approved-by", "B002", "--handed-to", "B002")
    yield confirm(t(d, "15:30"), "B002", "VU-1506")  # security confirms the approval engineering typed in
    yield cmd(t(d, "16:30"), "B002", "key", "redistribute", "VU-1506", "--copy", "1=cs:A001", "--copy", "2=cs:A002")


def unseals() -> Iterator[Step]:
    d = FORGOTTEN_DAY
    yield cmd(t(d, "08:50"), "A002", "key", "unseal", "ST-1802", "--path", "forgotten_key", "--reason",
              "华信律所员工忘带钥匙", "--application-ref", "SQ-2610-01", "--confirmed-with", "李经理(1802负责人)",
              "--approved-by", "M001", "--before", "封条FC-2609-02完好, 08:52 开启")
    yield confirm(t(d, "09:00"), "M001", "ST-1802")  # the CS manager confirms the consent A002 typed in
    yield cmd(t(d, "09:20"), "M001", "key", "reseal", "ST-1802", "--seal-no", "FC-2610-01", "--after",
              "客户开门后交回钥匙, 09:15 锁好", "--company-seal", "--user-signature", "李经理", "--filed")
    d = EMERGENCY_DAY
    yield cmd(t(d, "22:10"), "M001", "key", "unseal", "ST-0805", "--path", "emergency", "--reason",
              "0805天花漏水殃及楼下, 客户电话无人接听", "--customer-unreachable", "--approved-by", "G001",
              "--witness", "A001", "--witness", "A002", "--witness", "B001",
              "--before", "封条FC-2609-01完好, 22:15 三人在场开启")
    # the GM approved by phone and the three witnesses were present: each confirms at their own keyboard
    for n, person in enumerate(("G001", "A001", "A002", "B001")):
        yield confirm(t(d, f"22:{20 + n}"), person, "ST-0805")
    yield cmd(t(d, "23:05"), "M001", "key", "reseal", "ST-0805", "--seal-no", "FC-2611-01", "--after",
              "关闭0805分水阀, 拍照留存, 23:00 锁门", )


def hazmat() -> Iterator[Step]:
    yield cmd(t("2026-09-22", "09:00"), "S001", "hazmat", "stock-in", "rat_poison", "--qty", "10", "--unit", "包")
    yield cmd(t("2026-09-22", "09:05"), "S001", "hazmat", "stock-in", "alcohol", "--qty", "12", "--unit", "瓶")
    yield cmd(t("2026-09-22", "09:10"), "S001", "hazmat", "stock-in", "cockroach_poison", "--qty", "6", "--unit", "盒")
    uses = [("2026-09-24", "rat_poison", "2", "1.5"), ("2026-10-12", "alcohol", "3", "3"),
            ("2026-10-22", "cockroach_poison", "2", "1"), ("2026-10-26", "rat_poison", "2", "2"),
            ("2026-11-05", "alcohol", "4", "3"), ("2026-11-19", "rat_poison", "3", "2.5")]
    for i, (d, item, qty, used) in enumerate(uses, start=1):
        yield from _use(d, ("L001", "L002")[i % 2], item, qty, used, f"hz{i}")


def _use(d: str, drawer: str, item: str, qty: str, used: str, memo_key: str) -> Iterator[Step]:
    purpose = {"rat_poison": "B1及垃圾房灭鼠", "alcohol": "大堂及电梯按钮消毒", "cockroach_poison": "茶水间灭蟑"}[item]
    drawn, back = t(d, "14:00"), t(d, "16:30")

    def draw(demo: Demo) -> None:
        out = demo.run(drawn, drawer, "hazmat", "draw", item, "--qty", qty, "--purpose", purpose,
                       "--approved-by", "S001").output
        demo.memo[memo_key] = re.search(r"HZ-\d{4}-[A-Z]+\d+", out).group(0)  # type: ignore[union-attr]

    yield Step(drawn, draw, "hazmat draw")
    checked = t(d, "14:05")  # the supervisor who approved confirms it at their own desk
    yield Step(checked, lambda demo: demo.confirm(checked, "S001", demo.memo[memo_key]), "confirm draw")
    yield Step(back, lambda demo: demo.run(back, "S001", "hazmat", "return", demo.memo[memo_key], "--used", used),
               "hazmat return")


def plan(demo: Demo) -> Iterable[Step]:
    rng = random.Random(20260921)
    steps: list[Step] = [*registry(), *lost_key(), *unseals(), *hazmat()]
    for n, day in enumerate(workdays()):
        d = day.isoformat()
        steps += routine(day, n, rng)
        notes: tuple[tuple[str, str], ...] = ()
        if d == OVERDUE[0]:
            steps.append(lend(t(d, OVERDUE[1]), "A001", "overdue", OVERDUE[2], "--copy", "1", "--to", "Z001",
                              "--purpose", "带客户看房 (周末复看)"))
            notes = (("overdue", "唐婷带看未归还, 电话称周末客户复看, 已要求周一上午交回"),)
        steps.append(check(t(d, "17:30"), ("A001", "A002")[n % 2], notes))
    return steps
