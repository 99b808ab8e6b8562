"""Demo plan: rosters, two months of handovers, duty records and shift swaps, through the real CLI.

Every working day: the 08:00 takeover from the security control room, the 13:00 CS-office and
front-desk shift changes, the 18:00 handover to security, and the shift lead's review that evening.
Included on purpose: a refusal (四不接) escalated to the duty manager and resolved, a question
answered before acceptance, a liability finding, an urgent night matter reported to both managers, some late arrivals, one day left unreviewed
(2026-11-13), a major duty event with its written report, two inspections by the director, and swaps: approved ones that change who
hands over, and a fourth swap in November refused at the monthly limit (HOV-SWP-02). A refused
request writes nothing (like every refused command), so the demo asserts the refusal names the rule and
the count; tests/test_handover_demo.py files the same request against the demo records and sees it refused.
"""

from __future__ import annotations

import calendar
import tempfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path

from csops.calendar import BusinessCalendar
from csops.models.policy import Policy
from scripts.demo import DEMO_NOW, END, START, Demo, DemoError, Step, t

CAL = BusinessCalendar(Policy())
AGENTS = ("CS001", "CS002", "CS003")
LEADS = ("L001", "L002", "S001")
CHECKS = {
    "cs_office": ["phones", "computers", "water_dispenser", "keys", "records", "hygiene"],
    "front_desk": ["phones", "keys", "mail", "cabinet", "hygiene"],
    "control_room": ["monitors", "radios", "keys", "handover_book", "hygiene"],
}
SHIFTS = {
    "cs_office": {"early": "08:00-13:00", "late": "13:00-18:00"},
    "front_desk": {"early": "08:00-13:00", "late": "13:00-18:00"},
    "control_room": {"day": "08:00-18:00", "night": "18:00-08:00"},
}
UNREVIEWED = date(2026, 11, 13)
REFUSAL = date(2026, 10, 15)
QUESTION = date(2026, 10, 21)
LIABILITY = date(2026, 11, 5)
MAJOR_EVENT = date(2026, 11, 10)
URGENT = date(2026, 11, 17)
SUMMARIES = ["接听咨询电话12个, 受理报修3单", "处理投诉1起, 已回访2户", "受理报修5单, 已派工程部",
             "接待访客8人次, 办理装修登记1户", "电话咨询9个, 报修2单已完成", "处理停车咨询, 报修4单"]
NIGHT_ITEMS = ["complaint::2号楼夜间施工噪音", "service_request::1203室下水道堵塞",
               "complaint::地下车库照明不足", "service_request::18楼空调不制冷"]


def holiday(day: date) -> bool:
    return CAL.is_statutory_holiday(day)


def staffed(day: date) -> bool:
    return CAL.is_workday(day)


def cs_pair(day: date) -> tuple[str, str]:
    """(early, late) on the CS office: a three-person rotation by day of month."""
    return AGENTS[day.day % 3], AGENTS[(day.day + 1) % 3]


def front_pair(day: date) -> tuple[str, str]:
    return ("F001", "F002") if day.isocalendar()[1] % 2 == 0 else ("F002", "F001")


def duty_manager(day: date) -> str:
    if holiday(day):
        return "M001" if day.day % 2 else "D001"
    if not staffed(day):
        return "L001" if day.day % 2 else "L002"
    return LEADS[day.toordinal() % 3]


def roster_yaml(year: int, month: int) -> str:
    lines = ["shifts:"]
    for post, shifts in SHIFTS.items():
        lines.append(f"  {post}: {{" + ", ".join(f'{s}: "{w}"' for s, w in shifts.items()) + "}")
    lines.append("days:")
    for n in range(1, calendar.monthrange(year, month)[1] + 1):
        day = date(year, month, n)
        lines += [f"  {day.isoformat()}:", f"    duty_manager: {duty_manager(day)}", "    on:"]
        if staffed(day):
            early, late = cs_pair(day)
            f_early, f_late = front_pair(day)
            lines.append(f"      cs_office: {{early: {early}, late: {late}}}")
            lines.append(f"      front_desk: {{early: {f_early}, late: {f_late}}}")
        lines.append("      control_room: {day: B001, night: N001}")
    return "\n".join(lines) + "\n"


class Plan:
    def __init__(self) -> None:
        self.steps: list[Step] = []
        #: (date, post, shift) → staff, for approved swaps (the effective roster).
        self.swapped: dict[tuple[date, str, str], str] = {}
        self.drafts = Path(tempfile.mkdtemp(prefix="csops-demo-rosters-"))

    def add(self, at: datetime, as_: str, *args: str, expect: int = 0) -> None:
        def action(demo: Demo) -> None:
            demo.run(at, as_, *args, expect=expect)

        self.steps.append(Step(at, action, " ".join(args[:2])))

    def on(self, day: date, post: str, shift: str) -> str:
        if (day, post, shift) in self.swapped:
            return self.swapped[(day, post, shift)]
        if post == "cs_office":
            return cs_pair(day)[shift == "late"]
        if post == "front_desk":
            return front_pair(day)[shift == "late"]
        return "B001" if shift == "day" else "N001"

    # -- rosters ----------------------------------------------------------------------------

    def roster(self, at: datetime, year: int, month: int) -> None:
        path = self.drafts / f"{year}-{month:02d}.yaml"
        path.write_text(roster_yaml(year, month), encoding="utf-8")
        self.add(at, "S001", "roster", "new", f"{year}-{month:02d}", "--file", str(path))

    # -- swaps ------------------------------------------------------------------------------

    def swap(self, asked: date, who: str, day: date, repay: date, expect: int = 0, reason: str = "",
             refused_for: str = "") -> None:
        """``who`` gives their early shift on ``day`` to the colleague off that day; repays ``repay``.

        A refused request (``expect=1``) writes nothing; ``refused_for`` is the rule it must be refused by.
        """
        early, late = cs_pair(day)
        assert who == early
        other = next(a for a in AGENTS if a not in (early, late))
        r_early, r_late = cs_pair(repay)
        assert who not in (r_early, r_late) and other in (r_early, r_late)
        repay_shift = "early" if other == r_early else "late"
        args = ["swap", "request", "--with", other, "--shift", f"{day.isoformat()}:cs_office.early",
                "--repay", f"{repay.isoformat()}:cs_office.{repay_shift}", "--reason", reason or "本人需亲自办理证件"]
        key = f"swap:{who}:{day.isoformat()}"

        def request(demo: Demo) -> None:
            result = demo.run(t(asked.isoformat(), "10:00"), who, *args, expect=expect)
            if expect and refused_for not in result.output:
                raise DemoError(f"swap {key} was refused, but not for {refused_for}:\n{result.output}")
            if not expect:
                demo.memo[key] = result.output.split(": ", 1)[1].split(";")[0]

        self.steps.append(Step(t(asked.isoformat(), "10:00"), request, "swap request"))
        if expect:
            return
        for hhmm, actor, verb in (("10:30", other, "agree"), ("11:00", "M001", "approve")):
            at = t(asked.isoformat(), hhmm)
            self.steps.append(Step(at, partial(_swap_step, at, actor, verb, key), f"swap {verb}"))
        self.swapped[(day, "cs_office", "early")] = other
        self.swapped[(repay, "cs_office", repay_shift)] = who

    # -- handovers --------------------------------------------------------------------------

    def checks(self, post: str, fault: str | None = None) -> list[str]:
        out = []
        for item in CHECKS[post]:
            out += ["--check", f"{item}=x:{fault}" if fault and item == "hygiene" else f"{item}=ok"]
        return out

    def handover(self, day: date, n: int, post: str, shift: str, from_post: str | None, kind: str | None,
                 at: str, extra: list[str]) -> str:
        hid = f"{day.isoformat()}-{post}-{shift}"
        incoming = self.on(day, post, shift)
        source = from_post or post
        out_shift = {"control_room": "night", "cs_office": "late" if from_post else "early",
                     "front_desk": "early"}[source]
        out_day = day - timedelta(days=1) if source == "control_room" else day
        outgoing = self.on(out_day, source, out_shift)
        hh, mm = (int(x) for x in at.split(":"))
        opened = datetime.combine(day, datetime.min.time(), DEMO_NOW.tzinfo).replace(hour=hh, minute=mm)
        late = n % 9 == 4
        arrived = (opened + timedelta(minutes=5 if late else 0)).strftime("%H:%M")
        args = ["handover", "open", day.isoformat(), post, shift, "--summary", SUMMARIES[n % len(SUMMARIES)],
                *self.checks(source), *extra, "--arrived", arrived, "--sign"]
        if kind:
            args[5:5] = ["--type", kind]
        if from_post:
            args[5:5] = ["--from-post", from_post]
        self.add(opened, outgoing, *args)
        accept = opened + timedelta(minutes=14 if late else 7)
        if day == REFUSAL and post == "cs_office" and shift == "late":
            self.add(opened + timedelta(minutes=5), incoming, "handover", "refuse", hid, "--ground", "not_clean",
                     "--note", "接待台有茶渍, 垃圾未清")
            self.add(opened + timedelta(minutes=12), duty_manager(day), "handover", "resolve", hid,
                     "--resolution", "交班人已清理台面, 领班复查合格")
            accept += timedelta(minutes=10)
        if day == QUESTION and post == "cs_office" and shift == "late":
            self.add(opened + timedelta(minutes=3), incoming, "handover", "ask", hid, "--question",
                     "1806室报修是否已派工?")
            self.add(opened + timedelta(minutes=5), outgoing, "handover", "answer", hid, "1", "--answer",
                     "已派工程部梁宇, 下午2点上门")
        self.add(accept, incoming, "handover", "accept", hid)
        if day == LIABILITY and post == "cs_office" and shift == "late":
            self.add(t(day.isoformat(), "16:20"), "L001", "handover", "liable", hid, "--cause", "missed",
                     "--what", "未交代1203室钥匙已借出, 业主来取时未能及时答复")
        return hid

    def day(self, day: date, n: int) -> None:
        items = ["--item", NIGHT_ITEMS[n % len(NIGHT_ITEMS)]] if n % 3 == 0 else []
        if day == URGENT:
            items += ["--item", "service_request::B2车库消防水管爆裂, 已关阀", "--urgent",
                      "--reported-cs-manager", "06:20", "--reported-security-manager", "06:15"]
        self.handover(day, n, "cs_office", "early", "control_room", "security_to_cs", "07:50", items)
        if day > END.date():
            return
        self.handover(day, n, "cs_office", "late", None, None, "12:45", [])
        mail = ["--mail", f"letter:{1201 + n % 8}室:{1 + n % 2}"] if n % 2 else []
        self.handover(day, n, "front_desk", "late", None, None, "12:45",
                      ["--key", "前台钥匙", "--key", "前台柜钥匙", "--cabinet-locked", *mail])
        self.handover(day, n, "control_room", "night", "cs_office", "cs_to_security", "17:50", [])
        if day != UNREVIEWED:
            self.add(t(day.isoformat(), "18:30"), "L001" if n % 2 else "L002", "handover", "review", day.isoformat())


def plan(demo: Demo) -> Iterable[Step]:
    p = Plan()
    p.roster(t("2026-09-20", "09:00"), 2026, 9)
    p.roster(t("2026-09-20", "09:05"), 2026, 10)
    p.roster(t("2026-10-26", "09:00"), 2026, 11)
    # Swaps: one in October, three in November for CS001 and CS003, and a fourth refused at the limit.
    p.swap(date(2026, 10, 12), "CS002", date(2026, 10, 13), date(2026, 10, 14), reason="孩子家长会")
    p.swap(date(2026, 11, 2), "CS001", date(2026, 11, 3), date(2026, 11, 4))
    p.swap(date(2026, 11, 5), "CS001", date(2026, 11, 6), date(2026, 11, 10), reason="看病复诊")
    p.swap(date(2026, 11, 11), "CS001", date(2026, 11, 12), date(2026, 11, 13), reason="办理房产手续")
    p.swap(date(2026, 11, 16), "CS001", date(2026, 11, 18), date(2026, 11, 19), expect=1, reason="家中有事",
           refused_for="HOV-SWP-02: 李娜(CS001) would have 4 swaps in 2026-11; the limit is 3")
    # Every working day's handovers, and the 08:00 takeover on the demo's "today".
    day, n = START.date(), 0
    while day <= DEMO_NOW.date():
        if staffed(day):
            p.day(day, n)
            n += 1
        day += timedelta(days=1)
    # Duty records, with a major event written up the next day.
    for d in _every(date(2026, 9, 22), END.date(), 7):
        p.add(t(d.isoformat(), "16:30"), duty_manager(d), "duty", "log", d.isoformat(), "--what",
              "巡查公共区域、会所及绿化, 按时开关效果照明", "--done", "正常, 无异常")
    for d, findings in ((date(2026, 10, 4), "节日值班到岗, 记录完整"), (date(2026, 11, 18), "值班人员在岗, 电话记录齐全")):
        p.add(t(d.isoformat(), "15:00"), "D001", "duty", "inspect", d.isoformat(), "--findings", findings)
    p.add(t(MAJOR_EVENT.isoformat(), "15:10"), duty_manager(MAJOR_EVENT), "duty", "log", MAJOR_EVENT.isoformat(),
          "--what", "3号电梯困人(2人)", "--done", "通知电梯维保, 15分钟内解救, 无人受伤", "--major",
          "--reported-to", "M001")
    p.add(t((MAJOR_EVENT + timedelta(days=1)).isoformat(), "10:00"), duty_manager(MAJOR_EVENT), "duty", "report",
          MAJOR_EVENT.isoformat(), "1")
    return sorted(p.steps, key=lambda s: s.at)


def _swap_step(at: datetime, actor: str, verb: str, key: str, demo: Demo) -> None:
    demo.run(at, actor, "swap", verb, demo.memo[key])


def _every(start: date, end: date, step: int) -> Iterator[date]:
    day = start
    while day <= end:
        yield day
        day += timedelta(days=step)

