"""A generator of realistic offices of any size (``csops generate``, ``make bench``).

``generate_office(root, records)`` builds a new records repository full of records of every family the
models define — tickets of every type with rule-abiding histories, handovers, rosters with swaps and
leave, keys with loans, checks and shift sheets, duty logs, the hazmat register, meetings and ~150
staff — ending at a fixed date so results are reproducible. The same ``records`` and ``seed`` give
byte-identical files.

Speed: records are plain dicts in the key order csops writes them (``session.record_data``) and are
emitted by a small YAML emitter here (no ruamel per file); the git history is written by one
``git fast-import`` process, then checked out.
"""

from __future__ import annotations

import random
import re
import subprocess
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

TZ = timezone(timedelta(hours=8))
#: The last day of every generated office (results are reproducible: the span ends here).
END_DAY = date(2026, 11, 30)
STATION = "A"
OFFICE_NAME = "丰汇大厦客户服务中心"
COMMIT_MODES = ("monthly", "one", "daily")
#: Tickets per normal working day are drawn around this; weekends and holidays take fewer calls.
TICKETS_PER_DAY = 200

# -- the small YAML emitter -------------------------------------------------------------------

_NEEDS_QUOTE = re.compile(
    r"""^(?:[-+]?(?:0|[1-9][0-9_]*|0[0-7]+|0o[0-7]+|0x[0-9a-fA-F]+)"""
    r"""|[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?"""
    r"""|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"""
    r"""|true|True|TRUE|false|False|FALSE|null|Null|NULL|~)$"""
)
_BAD_START = set("!&*|>'\"%@`#,[]{}?")


def _scalar(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if (not text or _NEEDS_QUOTE.match(text) or text[0] in _BAD_START or text != text.strip()
            or ": " in text or " #" in text or text.endswith(":") or text[:2] in ("- ", "? ", ": ")
            or text in ("-", "?", ":")):
        if "\n" in text:
            return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
        return "'" + text.replace("'", "''") + "'"
    return text


def _emit_map(data: dict[str, Any], indent: int, out: list[str]) -> None:
    pad = " " * indent
    for key, value in data.items():
        if value is None or (isinstance(value, (list, dict)) and not value):
            continue
        if isinstance(value, dict):
            out.append(f"{pad}{_scalar(key)}:")
            _emit_map(value, indent + 2, out)
        elif isinstance(value, list):
            out.append(f"{pad}{_scalar(key)}:")
            _emit_seq(value, indent + 2, out)
        else:
            out.append(f"{pad}{_scalar(key)}: {_scalar(value)}")


def _emit_seq(items: list[Any], indent: int, out: list[str]) -> None:
    pad = " " * indent
    for item in items:
        if isinstance(item, dict):
            start = len(out)
            _emit_map(item, indent + 2, out)
            out[start] = pad + "- " + out[start][indent + 2:]
        else:
            out.append(f"{pad}- {_scalar(item)}")


def emit(data: dict[str, Any], rel: str, kind: str) -> str:
    """The file csops would write for ``data`` (record_data order) at ``rel`` (relative to the repo)."""
    from csops.session import schema_header

    out: list[str] = []
    _emit_map(data, 0, out)
    return schema_header(rel, kind) + "\n".join(out) + "\n"


# -- phrase tables ------------------------------------------------------------------------------

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英",
         "霞", "平", "刚", "桂英", "建华", "晓燕", "志强", "海涛", "雅琴", "丽娟", "建国", "小红", "文杰", "子涵",
         "思远", "嘉怡", "俊杰", "欣怡", "浩然", "梓萱", "宇航", "佳琪", "国强", "春梅", "秀兰", "立新", "海燕", "振宇"]
TOWERS = ["A座", "B座", "C座", "D座"]
COMPANIES = ["顺达物流有限公司", "嘉禾贸易有限公司", "粤通汽车租赁公司", "华南包装材料厂", "鹏程货运有限公司",
             "安捷快运公司", "恒信冷链物流", "新城公交公司", "宏远建材有限公司", "中联商贸有限公司", "德丰电子科技",
             "立信会计师事务所", "星河科技有限公司", "华润万家配送中心", "南方环卫服务公司"]
OVERSEAS = [("Lam Trading (HK) Ltd.", "+852-2388-{:04d}", "香港九龙观塘"),
            ("Tan Logistics Pte Ltd", "+65-6221-{:04d}", "新加坡裕廊"),
            ("Saigon Fleet Co.", "+84-28-3822-{:04d}", "越南胡志明市")]
CONSULT = [("停车收费标准咨询", "询问地下车库月卡收费标准和办理手续"), ("装修申报流程咨询", "询问装修申报需要准备的资料"),
           ("物业费缴纳方式", "询问物业费能否线上缴纳及发票开具"), ("访客登记规定", "询问周末访客进入大厦的登记要求"),
           ("快递收取时间", "询问前台代收快递的时间和领取方式"), ("会议室预订", "询问公共会议室的预订方式和费用"),
           ("空调开放时间", "询问加班时段空调延时开放的申请办法"), ("门禁卡补办", "门禁卡遗失, 询问补办流程和费用"),
           ("GPS终端使用咨询", "询问车载终端轨迹回放功能如何使用"), ("发票开具咨询", "询问维修费用发票如何开具"),
           ("电梯维保时间", "询问本周电梯维保的时间安排"), ("垃圾清运时间", "询问装修垃圾清运的时间和地点")]
CONSULT_REPLY = ["已告知收费标准及办理地点", "已发送办理指引, 客户表示清楚", "已说明流程, 客户将按要求准备资料",
                 "已告知办理时间和所需材料", "已解答并提供联系电话"]
REPAIRS = [("水电", "卫生间水龙头漏水", "更换水龙头阀芯"), ("水电", "办公室插座无电", "更换损坏插座并检查线路"),
           ("空调", "空调不制冷", "清洗滤网并补充冷媒"), ("空调", "空调出风口滴水", "疏通冷凝水管"),
           ("门窗", "办公室门锁损坏", "更换门锁锁芯"), ("门窗", "窗户关不严漏风", "调整窗扇并更换密封条"),
           ("土建", "墙面瓷砖脱落", "重新铺贴瓷砖"), ("弱电", "网络面板无信号", "重新压接网线水晶头"),
           ("电工", "走廊照明灯不亮", "更换灯管和镇流器"), ("水电", "下水道堵塞", "疏通下水管道"),
           ("电梯", "电梯按钮失灵", "更换电梯外呼按钮"), ("电工", "办公室跳闸", "更换漏电开关, 恢复供电")]
PRODUCTS = ["GT-06", "GT-08", "VT-300", "BD-520", "GT-06N"]
SYMPTOMS = [("终端在线但无数据上传", "sim"), ("终端离线, 平台无定位", "terminal"), ("定位漂移严重", "none"),
            ("终端指示灯不亮", "terminal"), ("SIM卡欠费后无法恢复", "sim"), ("断电报警频繁误报", "none")]
COMPLAINTS = [("夜间施工噪音", "隔壁装修夜间施工, 噪音影响休息", "装修单位违反施工时间规定", "加强装修夜间巡查"),
              ("电梯等候时间长", "早高峰电梯等候超过十分钟", "群控参数未按高峰设置", "高峰时段改为上行优先"),
              ("保洁不到位", "卫生间地面湿滑, 垃圾未及时清理", "保洁排班不足", "增加午间保洁频次"),
              ("保安态度问题", "门岗保安对访客态度生硬", "保安员服务意识不足", "组织服务礼仪培训"),
              ("车库照明不足", "地下车库照明大面积不亮", "照明回路接触器烧毁", "车库照明纳入夜间巡查"),
              ("空调温度不达标", "办公区空调温度偏高", "空调主机负荷不足", "调整主机运行策略"),
              ("维修人员迟到", "报修后维修人员迟到一小时", "派工未考虑路程时间", "派工时确认到场时间"),
              ("快递丢失", "前台代收的快递找不到", "代收登记不完整", "代收快递逐件登记签收"),
              ("停车位被占", "固定车位被外来车辆占用", "车库巡查间隔过长", "增加车库巡查并张贴提示"),
              ("漏水未修好", "天花板滴水已经第二次反映", "楼上管道接头开裂", "同类接头全楼排查")]
MAJOR = [("渗水泡坏货物", "楼上水管爆裂, 渗水泡坏仓库货物, 要求赔偿", "economic_loss"),
         ("地面湿滑摔伤", "大堂地面湿滑未设警示牌, 客户摔伤", "personal_injury"),
         ("媒体投诉电梯故障", "电梯困人事件被网络媒体报道", "negative_media")]
SUGGEST = [("增设电动车充电桩", "建议在地下车库增设电动车充电桩"), ("延长前台服务时间", "建议前台服务延长到晚上八点"),
           ("增加绿植", "建议大堂和电梯厅增加绿植"), ("开通线上报修", "建议开通微信公众号在线报修"),
           ("设置母婴室", "建议在三楼设置母婴室"), ("优化访客系统", "建议访客提前线上预约登记")]
ASSIST = [("协助搬运办公家具", "周末搬迁, 需要协助搬运办公家具"), ("协助开门", "员工忘带门禁卡, 需协助开门"),
          ("协助寻找失物", "在会议室遗失笔记本电脑包, 请协助寻找"), ("协助接收大件货物", "有大件货物到达, 请协助引导卸货"),
          ("协助调取监控", "车辆被剐蹭, 请协助调取车库监控")]
KESU = [("GPS终端外壳开裂", "退换不良品", "quality"), ("批量终端电池鼓包", "退货并赔偿", "quality"),
        ("线束接头错装", "返工并承担运费", "non_quality_human"), ("包装破损导致划伤", "补发并赔偿", "non_quality_human")]
FAULTS = [("B座给水泵故障停水", "B座地下二层水泵房", "B座全楼停水", "启用备用泵, 通知各单元"),
          ("高压配电柜跳闸", "A座配电室", "A座12-18层停电", "启动应急照明, 电工抢修"),
          ("消防报警主机故障", "消防控制室", "报警主机误报", "人工巡查值守, 联系维保单位")]
SUMMARIES = ["接听咨询电话{n}个, 受理报修{m}单", "处理投诉{m}起, 已回访{n}户", "受理报修{n}单, 已派工程部",
             "接待访客{n}人次, 办理装修登记{m}户", "电话咨询{n}个, 报修{m}单已完成", "处理停车咨询{m}起, 报修{n}单"]
DUTY_WHAT = [("巡查公共区域、会所及绿化, 按时开关效果照明", "正常, 无异常"), ("检查消防通道及安全出口", "通道畅通"),
             ("抽查各岗位在岗情况", "人员在岗, 记录齐全"), ("巡查地下车库", "发现一处照明故障, 已报修"),
             ("检查天台及设备层门锁", "门锁完好")]
DUTY_MAJOR = [("3号电梯困人(2人)", "通知电梯维保, 15分钟内解救, 无人受伤"),
              ("B2车库消防水管爆裂", "关闭阀门, 组织抽水, 通知工程部抢修")]
MEETING_CONTENT = {"weekly": "本周工单情况通报, 投诉回访情况, 下周排班", "monthly": "月度服务指标总结, 投诉分析, 重点工作部署",
                   "quarterly": "季度服务质量回顾, 客户满意度分析, 下季度目标"}
DECISIONS = ["整理本周超时工单原因并通报", "完善夜间投诉移交记录", "组织新员工服务礼仪培训", "更新钥匙借用登记表格式",
             "开展车库照明专项检查", "修订回访话术", "检查各岗位交接班记录完整性", "统计客诉结案情况"]
SWAP_REASONS = ["本人需亲自办理证件", "孩子家长会", "看病复诊", "办理房产手续", "家中有事", "参加亲友婚礼"]


@dataclass
class Person:
    id: str
    name: str
    department: str
    roles: list[str]
    level: str
    active: bool = True

    @property
    def email(self) -> str:
        return f"{self.id.lower()}@fenghui.example"


@dataclass
class FileOut:
    rel: str  # under records/
    kind: str
    data: dict[str, Any]
    day: date  # the day it is committed on


@dataclass
class TicketPlan:
    id: str
    type: str
    received: datetime
    data: dict[str, Any]
    events: list[dict[str, Any]] = field(default_factory=list)
    final_close: datetime | None = None


def _t(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=TZ)


def _month_days(year: int, month: int) -> list[date]:
    first = date(year, month, 1)
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return [first + timedelta(days=i) for i in range((nxt - first).days)]


class Office:
    """Builds every record of one office in memory (plain dicts), in time order."""

    def __init__(self, records: int, seed: int) -> None:
        from csops.calendar import BusinessCalendar

        self.policy = _policy()
        self.cal = BusinessCalendar(self.policy)
        self.rnd = random.Random(seed)
        self.records = records
        self.files: list[FileOut] = []
        self.serials: dict[tuple[str, str], int] = defaultdict(int)
        self.people: dict[str, Person] = {}
        self._staff()
        self._workday: dict[date, bool] = {}
        self._wm_cache: dict[tuple[datetime, int], datetime] = {}
        per_day = self._fixed_per_day()
        fixed = len(self.people) + 1 + 45  # staff, policy, keys
        ndays = max(2, round((records - fixed) / (TICKETS_PER_DAY + per_day)))
        self.days = [END_DAY - timedelta(days=ndays - 1 - i) for i in range(ndays)]
        self.start, self.end = self.days[0], self.days[-1]
        self.now = _t(self.end, 23, 59)

    # -- helpers ------------------------------------------------------------------------------

    def workday(self, day: date) -> bool:
        if day not in self._workday:
            self._workday[day] = self.cal.is_workday(day)
        return self._workday[day]

    def holiday(self, day: date) -> bool:
        return self.cal.is_statutory_holiday(day)

    def work(self, start: datetime, minutes: int) -> datetime:
        key = (start, minutes)
        if key not in self._wm_cache:
            self._wm_cache[key] = self.cal.add_working_minutes(start, minutes).astimezone(TZ)
        return self._wm_cache[key]

    def next_id(self, prefix: str, day: date) -> str:
        yymm = f"{day.year % 100:02d}{day.month:02d}"
        self.serials[(prefix, yymm)] += 1
        return f"{prefix}-{yymm}-{STATION}{self.serials[(prefix, yymm)]:03d}"

    def add(self, folder: str, kind: str, rid: str, data: dict[str, Any], day: date, dated: bool = True) -> None:
        if dated and re.match(r"^[A-Z]+-\d{4}-", rid):
            yymm = rid.split("-")[1]
            rel = f"{folder}/20{yymm[:2]}/{yymm[2:]}/{rid}.yaml"
        elif dated:
            rel = f"{folder}/{rid[:4]}/{rid[5:7]}/{rid}.yaml"
        else:
            rel = f"{folder}/{rid}.yaml"
        self.files.append(FileOut(rel, kind, data, day))

    def pick(self, seq: Sequence[Any]) -> Any:
        return seq[self.rnd.randrange(len(seq))]

    def ids(self, prefix: str) -> list[str]:
        return [p.id for p in self.people.values() if p.id.startswith(prefix) and p.active]

    def _fixed_per_day(self) -> float:
        # handovers ~4.6, duty 1, loans ~4, checks .7, key shifts .7, hazmat ~.4, meetings ~.25, swaps ~.15
        return 12.0

    # -- staff --------------------------------------------------------------------------------

    def _staff(self) -> None:
        spec = [
            ("G", 2, "gm_office", [["general_manager"], ["deputy_gm"]], "senior"),
            ("D", 2, "cs", [["cs_centre_director", "director", "duty_manager"], ["director"]], "senior"),
            ("M", 2, "cs", [["cs_manager", "dept_manager", "dept_head", "duty_manager"]], "middle"),
            ("S", 3, "cs", [["cs_supervisor", "duty_manager"]], "supervisor"),
            ("L", 6, "cs", [["shift_lead", "duty_manager"]], "shift_lead"),
            ("CS", 45, "cs", [["agent"]], "staff"),
            ("A", 8, "cs", [["cs_assistant"]], "staff"),
            ("F", 4, "cs", [["front_desk"]], "staff"),
            ("CP", 4, "cs", [["complaint_specialist", "agent"]], "staff"),
            ("IN", 1, "cs", [["cs_info_staff"]], "staff"),
            ("B", 8, "security", [["security"]], "staff"),
            ("N", 6, "security", [["night_duty", "security"]], "staff"),
            ("SM", 1, "security", [["security_manager", "dept_head"]], "middle"),
            ("E", 20, "engineering", [["engineering"]], "staff"),
            ("EM", 1, "engineering", [["dept_manager", "dept_head"]], "middle"),
            ("T", 10, "gps_division", [["technician"]], "staff"),
            ("Q", 1, "gps_division", [["division_manager"]], "middle"),
            ("P", 4, "management", [["project_manager"]], "middle"),
            ("PM", 1, "property", [["property_manager", "dept_head"]], "middle"),
            ("LS", 6, "leasing", [["leasing"]], "staff"),
            ("C", 1, "cleaning", [["cleaning_lead"]], "shift_lead"),
            ("FN", 3, "finance", [["finance"]], "staff"),
            ("QA", 4, "qa", [["qa", "quality_inspector"]], "staff"),
            ("SL", 3, "sales", [["sales_manager"], ["sales_supervisor"], ["sales_supervisor"]], "middle"),
            ("OF", 3, "office", [["office"]], "staff"),
            ("MG", 3, "management", [["management"]], "staff"),
            ("RC", 4, "reception", [["reception"]], "staff"),
        ]
        names: set[str] = set()
        for prefix, count, dept, roles, level in spec:
            for n in range(1, count + 1):
                sid = f"{prefix}{n:03d}" if len(prefix) == 1 else f"{prefix}{n:02d}" if len(prefix) == 2 and prefix != "CS" \
                    else f"{prefix}{n:03d}"
                while True:
                    name = self.pick(SURNAMES) + self.pick(GIVEN)
                    if name not in names:
                        names.add(name)
                        break
                lvl = level if not (prefix == "SL" and n > 1) else "supervisor"
                self.people[sid] = Person(sid, name, dept, list(roles[min(n - 1, len(roles) - 1)]), lvl,
                                          active=sid != "CS045")
        for i, p in enumerate(self.people.values()):
            self.add("staff", "staff", p.id, {
                "schema_version": 1, "id": p.id, "name": p.name, "department": p.department, "roles": p.roles,
                "level": p.level, "phone": f"0755-2668{1000 + i:04d}", "git_emails": [p.email], "active": p.active,
            }, date.min, dated=False)

    # -- the whole office ---------------------------------------------------------------------

    def build(self) -> None:
        self.rosters()
        self.keys()
        self.handovers()
        self.duty()
        self.loans()
        self.hazmat()
        self.meetings()
        self.tickets()
        self.after_hours_books()

    # -- rosters and swaps ----------------------------------------------------------------------

    CS_POOL = [f"CS{n:03d}" for n in range(1, 9)]
    FD_POOL = ["F001", "F002", "F003", "F004"]
    DAY_GUARDS = [f"B{n:03d}" for n in range(1, 9)]
    NIGHT_GUARDS = [f"N{n:03d}" for n in range(1, 7)]
    LEADS = ["L001", "L002", "L003", "L004", "L005", "L006"]

    def planned(self, day: date) -> dict[str, dict[str, str]]:
        i = day.toordinal()
        on: dict[str, dict[str, str]] = {}
        if self.workday(day):
            on["cs_office"] = {"early": self.CS_POOL[i % 8], "late": self.CS_POOL[(i + 3) % 8]}
            on["front_desk"] = {"early": self.FD_POOL[i % 4], "late": self.FD_POOL[(i + 1) % 4]}
        on["control_room"] = {"day": self.DAY_GUARDS[i % 8], "night": self.NIGHT_GUARDS[i % 6]}
        return on

    def duty_manager(self, day: date) -> str:
        i = day.toordinal()
        if self.holiday(day):
            return ("M001", "M002", "D001")[i % 3]
        if self.workday(day):
            return ("S001", "S002", "S003", "L001", "L002", "L003", "L004", "L005", "L006")[i % 9]
        return self.LEADS[i % 6]

    def rosters(self) -> None:
        self.effective: dict[tuple[date, str, str], str] = {}
        for day in self.days:
            for post, shifts in self.planned(day).items():
                for shift, who in shifts.items():
                    self.effective[(day, post, shift)] = who
        self.swaps()
        before = self.start - timedelta(days=1)  # the first morning's outgoing night shift
        months = sorted({(d.year, d.month) for d in [before, *self.days]})
        extra_agents = [f"CS{n:03d}" for n in range(9, 45)]
        for year, month in months:
            days: dict[str, Any] = {}
            for day in _month_days(year, month):
                plan: dict[str, Any] = {"duty_manager": self.duty_manager(day), "on": self.planned(day)}
                if self.workday(day) and not self.holiday(day) and self.rnd.random() < 0.5:
                    plan["leave"] = sorted(self.rnd.sample(extra_agents, self.rnd.randint(1, 2)))
                days[day.isoformat()] = plan
            rid = f"{year:04d}-{month:02d}"
            first = max(date(year, month, 1), self.start)
            self.add("rosters", "roster", rid, {
                "schema_version": 1, "id": rid,
                "shifts": {"cs_office": {"early": "08:00-13:00", "late": "13:00-18:00"},
                           "front_desk": {"early": "08:00-13:00", "late": "13:00-18:00"},
                           "control_room": {"day": "08:00-18:00", "night": "18:00-08:00"}},
                "days": days, "approved_by": "S001",
            }, first, dated=False)

    def swaps(self) -> None:
        busy_until: dict[str, date] = {}
        per_month: dict[tuple[str, str], int] = defaultdict(int)
        work_days = [d for d in self.days if self.workday(d)]
        for n, day in enumerate(work_days):
            if n < 3 or n % 6 != 3:
                continue
            asked = day - timedelta(days=2)
            if asked < self.start:
                continue
            later = [d for d in work_days if day < d <= day + timedelta(days=6)]
            if not later:
                continue
            repay = self.pick(later)
            shift = self.pick(["early", "late"])
            requester = self.effective[(day, "cs_office", shift)]
            on_day = {self.effective[(day, "cs_office", s)] for s in ("early", "late")}
            on_repay = {s: self.effective[(repay, "cs_office", s)] for s in ("early", "late")}
            if requester in on_repay.values():
                continue
            options = [(s, who) for s, who in on_repay.items() if who not in on_day]
            if not options:
                continue
            repay_shift, counterpart = self.pick(options)
            month = day.strftime("%Y-%m")
            if any(busy_until.get(p, date.min) >= asked or per_month[(p, month)] >= 2
                   for p in (requester, counterpart)):
                continue
            sid = self.next_id("SW", asked)
            declined = self.rnd.random() < 0.15
            at = _t(asked, 10)
            events = [{"at": at, "by": requester, "action": "requested"}]
            if declined:
                events.append({"at": at + timedelta(minutes=40), "by": counterpart, "action": "declined"})
            else:
                events.append({"at": at + timedelta(minutes=30), "by": counterpart, "action": "agreed"})
                events.append({"at": at + timedelta(minutes=60), "by": self.pick(["M001", "M002"]), "action": "approved"})
                self.effective[(day, "cs_office", shift)] = counterpart
                self.effective[(repay, "cs_office", repay_shift)] = requester
                for p in (requester, counterpart):
                    busy_until[p] = repay
                    per_month[(p, month)] += 1
            self.swap_record(sid, requester, counterpart, (day, shift), (repay, repay_shift), events, asked)
        if not any(f.kind == "swap" for f in self.files):
            # A short span: one request the counterpart declined (it changes nobody's shifts).
            day = next((d for d in self.days if self.workday(d)), self.end)
            requester, counterpart = self.planned(day).get("cs_office", {}).get("early", "CS001"), "CS008"
            if requester == counterpart:
                counterpart = "CS007"
            at = _t(self.start, 10)
            self.swap_record(self.next_id("SW", self.start), requester, counterpart, (day, "early"),
                             (day + timedelta(days=7), "early"),
                             [{"at": at, "by": requester, "action": "requested"},
                              {"at": at + timedelta(minutes=40), "by": counterpart, "action": "declined"}], self.start)

    def swap_record(self, sid: str, requester: str, counterpart: str, shift: tuple[date, str],
                    repay: tuple[date, str], events: list[dict[str, Any]], asked: date) -> None:
        self.add("swaps", "swap", sid, {
            "schema_version": 1, "id": sid, "requester": requester, "counterpart": counterpart,
            "shift": {"date": shift[0], "post": "cs_office", "shift": shift[1]},
            "repay": {"date": repay[0], "post": "cs_office", "shift": repay[1]},
            "reason": self.pick(SWAP_REASONS), "status": events[-1]["action"], "events": events,
        }, asked)

    # -- handovers and duty -------------------------------------------------------------------

    CHECKS = {
        "cs_office": ["phones", "computers", "water_dispenser", "keys", "records", "hygiene"],
        "front_desk": ["phones", "keys", "mail", "cabinet", "hygiene"],
        "control_room": ["monitors", "radios", "keys", "handover_book", "hygiene"],
    }

    def handovers(self) -> None:
        self.books: dict[date, dict[str, Any]] = {}
        for day in self.days:
            prev = day - timedelta(days=1)
            night_before = self.effective.get((prev, "control_room", "night"), self.planned(prev)["control_room"]["night"])
            made = []
            made.append(self.handover(day, "control_room", "day", None, "shift", night_before,
                                      self.effective[(day, "control_room", "day")], 8))
            if self.workday(day):
                made.append(self.handover(day, "cs_office", "early", "control_room", "security_to_cs", night_before,
                                          self.effective[(day, "cs_office", "early")], 8))
                self.books[day] = made[-1]
                made.append(self.handover(day, "cs_office", "late", None, "shift",
                                          self.effective[(day, "cs_office", "early")],
                                          self.effective[(day, "cs_office", "late")], 13))
                made.append(self.handover(day, "front_desk", "late", None, "front_desk",
                                          self.effective[(day, "front_desk", "early")],
                                          self.effective[(day, "front_desk", "late")], 13))
                made.append(self.handover(day, "control_room", "night", "cs_office", "cs_to_security",
                                          self.effective[(day, "cs_office", "late")],
                                          self.effective[(day, "control_room", "night")], 18))
            else:
                made.append(self.handover(day, "control_room", "night", None, "shift",
                                          self.effective[(day, "control_room", "day")],
                                          self.effective[(day, "control_room", "night")], 18))
            reviewer = self.LEADS[day.toordinal() % 6]
            for h in made:
                h["events"].append({"at": _t(day, 18, 30), "by": reviewer, "action": "reviewed"})

    def handover(self, day: date, post: str, shift: str, from_post: str | None, kind: str, outgoing: str,
                 incoming: str, hour: int) -> dict[str, Any]:
        rnd = self.rnd
        start = _t(day, hour)
        opened = start - timedelta(minutes=rnd.randint(12, 16))
        arrived = start - timedelta(minutes=rnd.randint(10, 20))
        items = self.CHECKS[from_post or post]
        fault = rnd.random() < 0.04
        checklist = []
        for item in items:
            if fault and item == "hygiene":
                checklist.append({"item": item, "result": "fault", "note": "地面有水渍, 已通知保洁"})
            else:
                checklist.append({"item": item, "result": "ok"})
        events: list[dict[str, Any]] = [{"at": opened, "by": outgoing, "action": "opened"},
                                        {"at": opened + timedelta(minutes=1), "by": outgoing, "action": "signed"}]
        accept = max(arrived, opened + timedelta(minutes=2)) + timedelta(minutes=rnd.randint(2, 8))
        roll = rnd.random()
        if roll < 0.03:
            lead = self.LEADS[(day.toordinal() + 1) % 6]
            at = opened + timedelta(minutes=2)
            events.append({"at": at, "by": incoming, "action": "refused", "ground": "not_clean", "escalated_to": lead})
            events.append({"at": at + timedelta(minutes=6), "by": lead, "action": "resolved",
                           "resolution": "交班人已清理台面, 领班复查合格"})
            accept = at + timedelta(minutes=10)
        elif roll < 0.08:
            at = opened + timedelta(minutes=2)
            events.append({"at": at, "by": incoming, "action": "asked", "question": "上一班的报修是否已派工?"})
            events.append({"at": at + timedelta(minutes=2), "by": outgoing, "action": "answered", "question_no": 1,
                           "answer": "已派工程部, 下午上门处理"})
            accept = max(accept, at + timedelta(minutes=4))
        events.append({"at": accept, "by": incoming, "action": "accepted", "read_log": True})
        if rnd.random() < 0.01 and hour < 18:
            events.append({"at": accept + timedelta(hours=2), "by": self.LEADS[day.toordinal() % 6],
                           "action": "liability", "cause": "missed", "liable": outgoing,
                           "what": "未交代钥匙已借出, 客户来取时未能及时答复"})
        n, m = rnd.randint(5, 20), rnd.randint(1, 6)
        data: dict[str, Any] = {
            "schema_version": 1, "id": f"{day.isoformat()}-{post}-{shift}", "type": kind, "date": day,
            "post": post, "shift": shift, "from_post": from_post, "outgoing": outgoing, "incoming": incoming,
            "arrived_at": arrived, "shift_summary": self.pick(SUMMARIES).format(n=n, m=m), "checklist": checklist,
            "notes": "交接班过程正常" if rnd.random() < 0.1 else None,
            "after_hours": [],
        }
        if kind == "security_to_cs" and rnd.random() < 0.03:
            data["urgent"] = True
            data["reported_to_cs_manager_at"] = start - timedelta(minutes=95)
            data["reported_to_security_manager_at"] = start - timedelta(minutes=100)
        if kind == "front_desk":
            data["keys"] = ["前台钥匙", "前台柜钥匙"]
            if rnd.random() < 0.4:
                data["undelivered_mail"] = [{"type": self.pick(["letter", "newspaper", "periodical"]),
                                             "addressee": f"{self.pick(TOWERS)}{rnd.randint(2, 28)}{rnd.randint(1, 20):02d}室",
                                             "count": rnd.randint(1, 3)}]
            if rnd.random() < 0.2:
                data["unfinished"] = ["访客登记本待主管签字"]
            data["cabinet_locked"] = True
        data["status"] = "completed"
        data["on_duty"] = incoming
        data["events"] = events
        self.add("handovers", "handover", data["id"], data, day)
        return data

    def duty(self) -> None:
        rnd = self.rnd
        for day in self.days:
            person = self.duty_manager(day)
            events: list[dict[str, Any]] = []
            hours = sorted(rnd.sample([9, 10, 11, 14, 15, 16, 17], rnd.randint(1, 3)))
            major_at = None
            if rnd.random() < 0.05 and day < self.end:
                major_at = rnd.choice(hours)
            reports = []
            for n, hh in enumerate(hours, start=1):
                at = _t(day, hh, rnd.randint(0, 50))
                if hh == major_at:
                    what, done = self.pick(DUTY_MAJOR)
                    entry = {"at": at, "what": what, "done": done, "major": True, "reported_to": "M001",
                             "reported_at": at + timedelta(minutes=5)}
                    reports.append(n)
                else:
                    what, done = self.pick(DUTY_WHAT)
                    entry = {"at": at, "what": what, "done": done, "major": False}
                events.append({"at": at, "by": person, "action": "logged", "entry": entry})
            if rnd.random() < 0.06:
                events.append({"at": _t(day, 17, 55), "by": "D001", "action": "inspected",
                               "findings": self.pick(["值班人员在岗, 电话记录齐全", "节日值班到岗, 记录完整"])})
            for n in reports:
                events.append({"at": _t(day + timedelta(days=1), 10), "by": person, "action": "reported", "entry_no": n})
            rid = day.isoformat()
            self.add("duty", "duty_log", rid, {
                "schema_version": 1, "id": rid, "duty_person": person, "start": _t(day, 8),
                "end": _t(day, 20), "events": events,
            }, day + timedelta(days=1 if reports else 0))

    # -- keys ---------------------------------------------------------------------------------

    def keys(self) -> None:
        rnd = self.rnd
        self.key_defs: dict[str, dict[str, Any]] = {}
        slot = 0
        t0 = _t(self.start - timedelta(days=1), 9)

        def copy(no: str, holder: str, custodian: str | None = None, sealed: bool = False) -> dict[str, Any]:
            return {"copy_no": no, "holder": holder, "custodian": custodian, "sealed": sealed, "lost": False,
                    "awaiting_redistribution": False}

        def key(kid: str, name: str, location: str, category: str, copies: list[dict[str, Any]],
                unit: str | None = None) -> dict[str, Any]:
            nonlocal slot
            slot += 1
            data = {"schema_version": 1, "id": kid, "name": name, "location": location, "category": category,
                    "slot": f"S-{slot:03d}", "unit": unit, "state": "active", "seal_no": None,
                    "copies": copies,
                    "events": [{"at": t0, "by": "A001", "action": "add", "copies": [dict(c) for c in copies]}]}
            self.key_defs[kid] = data
            return data

        for n in range(1, 11):
            key(f"K-OF-{100 + n}", f"{100 + n}办公室/库房钥匙", f"{self.pick(TOWERS)}{n}层", "office_store",
                [copy("1", "cs"), copy("2", "security", sealed=True)])
        for n in range(1, 7):
            key(f"K-MR-B{n:02d}", f"设备机房{n}号钥匙", f"地下{1 + n % 2}层设备区", "machine_room",
                [copy("1", "engineering"), copy("2", "security", sealed=True), copy("3", "property")])
        for n in range(1, 3):
            key(f"K-MS-{n:02d}", f"机房备用钥匙{n}", "物业部钥匙柜", "machine_room_spare", [copy("1", "property")])
        for n in range(1, 5):
            key(f"K-ST-{n:02d}", f"{n}号楼梯间钥匙", f"{self.pick(TOWERS)}楼梯间", "stair_fire_exit",
                [copy("1", "security"), copy("2", "security", sealed=True)])
        for n in range(1, 4):
            key(f"K-GT-{n:02d}", f"{n}号大门钥匙", f"{n}号出入口", "entrance_gate",
                [copy("1", "security"), copy("2", "security", sealed=True)])
        for n in range(1, 11):
            unit = f"{self.pick(TOWERS)}{rnd.randint(3, 28)}{n:02d}"
            key(f"K-VU-{n:02d}", f"空置单元{unit}钥匙", unit, "vacant_unit",
                [copy("1", "cs", "A001"), copy("2", "cs", "A002")], unit=unit)
        for n in range(1, 5):
            unit = f"{self.pick(TOWERS)}{rnd.randint(3, 28)}{n + 10:02d}"
            key(f"K-UR-{n:02d}", f"{unit}室内房间钥匙", unit, "unit_room", [copy("1", "cs", "A003")], unit=unit)
        for n in range(1, 7):
            unit = f"{self.pick(TOWERS)}{rnd.randint(3, 28)}{n + 20:02d}"
            k = key(f"K-TN-{n:02d}", f"{unit}客户托管钥匙", unit, "sealed_tenant", [copy("1", "cs")], unit=unit)
            k["events"].append({"at": t0 + timedelta(minutes=10), "by": "A001", "action": "seal",
                                "seal_no": f"FT-{n:03d}01", "custody_agreement_ref": f"TG-{2400 + n}",
                                "unit_handover_ref": f"JJ-{2400 + n}"})
        for n in range(1, 7):
            key(f"K-AR-{n:02d}", f"管理区域{n}号钥匙", f"{n}号管理区域", "area_shift", [copy("1", "security")])
        key("K-FD-01", "前台钥匙", "大堂前台", "front_desk", [copy("1", "cs")])
        key("K-HZ-01", "危险品柜钥匙", "保洁部库房", "hazmat_cabinet", [copy("1", "cleaning", "C001")])
        key("K-MT-01", "物料库房钥匙", "地下一层物料库房", "material_store", [copy("1", "reception"), copy("2", "reception")])
        self.key_incidents()
        for kid, data in self.key_defs.items():
            last = data["events"][-1]["at"]
            data["events"].sort(key=lambda e: e["at"])
            self.add("keys", "key", kid, data, min(self.end, max(self.start, last.date())), dated=False)

    def key_incidents(self) -> None:
        """Losses found again, a lock change with redistribution, and forgotten-key unseals (K-OF-109/110, K-TN)."""
        span = len(self.days)
        for i in range(0, span - 3, 40):
            day = self.days[i + 1]
            k = self.key_defs["K-OF-109"]
            liable = self.pick(self.ids("CS0"))
            k["events"].append({"at": _t(day, 11), "by": "A002", "action": "lost", "copy_no": "1", "incident": "lost",
                                "reported_to_security": "SM01", "reported_to_manager": "M001",
                                "precautions": "加强该办公室巡查, 必要时换锁", "account": "借用后放置在工位遗失",
                                "liable_person": liable, "loss_amount": 50.0, "concealed": False})
            found = self.days[min(i + 3, span - 1)]
            k["events"].append({"at": _t(found, 15), "by": "B001", "action": "found", "copy_no": "1",
                                "found_by": self.pick(self.ids("B0")), "found_at": _t(found, 14, 30)})
        if span >= 3:
            day = self.days[span // 2]
            k = self.key_defs["K-OF-110"]
            k["events"].append({"at": _t(day, 10), "by": "E001", "action": "rekey", "requested_by": "M001",
                                "request": "租户退租, 申请更换门锁", "approved_by": "SM01", "handed_to": "B001",
                                "copies": [{"copy_no": "1", "holder": "security", "sealed": False, "lost": False,
                                            "awaiting_redistribution": False},
                                           {"copy_no": "2", "holder": "security", "sealed": False, "lost": False,
                                            "awaiting_redistribution": False}]})
            k["events"].append({"at": _t(day, 15), "by": "B001", "action": "redistribute", "copy_no": "1",
                                "holder": "cs", "sealed": False})
            k["events"].append({"at": _t(day, 15, 10), "by": "B001", "action": "redistribute", "copy_no": "2",
                                "holder": "security", "sealed": True})
        seal_n: dict[str, int] = defaultdict(lambda: 1)
        for i in range(2, span - 1, 25):
            day = self.days[i]
            kid = f"K-TN-{1 + (i // 25) % 6:02d}"
            k = self.key_defs[kid]
            seal_n[kid] += 1
            k["events"].append({"at": _t(day, 9), "by": "A001", "action": "unseal", "path": "forgotten_key",
                                "reason": "客户忘带钥匙, 书面申请开门", "requested_by": "A001", "approved_by": "M001",
                                "customer_unreachable": False, "application_ref": f"SQ-{day:%y%m%d}",
                                "confirmed_with": f"单元负责人{self.pick(SURNAMES)}先生",
                                "before_note": "封条完好, 当面启封"})
            k["events"].append({"at": _t(day, 9, 40), "by": "M001", "action": "reseal",
                                "seal_no": f"FT-{int(kid[-2:]):03d}{seal_n[kid]:02d}", "after_note": "客户取物后锁门, 重新封存",
                                "signed_by": "M001", "company_seal_affixed": True,
                                "user_signature": self.pick(SURNAMES) + self.pick(GIVEN), "filed": True})
        for k in self.key_defs.values():
            copies = {c["copy_no"]: dict(c) for c in k["events"][0]["copies"]}
            state, seal = "active", None
            for e in sorted(k["events"], key=lambda e: e["at"]):
                a = e["action"]
                if a in ("seal", "reseal"):
                    state, seal = "sealed", e["seal_no"]
                elif a == "unseal":
                    state = "unsealed"
                elif a == "lost":
                    copies[e["copy_no"]]["lost"] = True
                elif a == "found":
                    copies[e["copy_no"]]["lost"] = False
                elif a == "rekey":
                    copies = {c["copy_no"]: dict(c, awaiting_redistribution=True) for c in e["copies"]}
                elif a == "redistribute":
                    copies[e["copy_no"]].update(holder=e["holder"], custodian=e.get("custodian"), sealed=e["sealed"],
                                                awaiting_redistribution=False)
            k["state"], k["seal_no"] = state, seal
            k["copies"] = [{"copy_no": c["copy_no"], "holder": c["holder"], "custodian": c.get("custodian"),
                            "sealed": c["sealed"], "lost": c["lost"],
                            "awaiting_redistribution": c["awaiting_redistribution"]} for c in copies.values()]

    def loans(self) -> None:
        rnd = self.rnd
        machine = [f"K-MR-B{n:02d}" for n in range(1, 7)]
        offices = [f"K-OF-{100 + n}" for n in range(1, 9)]
        units = [f"K-VU-{n:02d}" for n in range(1, 11)]
        for day in self.days:
            work = self.workday(day)
            loans: list[dict[str, Any]] = []
            count = rnd.randint(3, 6) if work else rnd.randint(0, 2)
            used: set[str] = set()
            for _ in range(count):
                kind = rnd.random()
                issuer = self.pick(["A001", "A002", "A003", "A004"])
                lent = _t(day, rnd.randint(8, 15), rnd.randint(0, 59))
                if kind < 0.35:
                    kid, copy_no, borrower = self.pick(machine), "1", self.pick(self.ids("E0"))
                    extra = {"purpose": "设备机房例行巡检", "approved_by": "EM01"}
                elif kind < 0.7:
                    kid, copy_no, borrower = self.pick(units), self.pick(["1", "2"]), self.pick(self.ids("LS"))
                    extra = {"purpose": "带客户看房"}
                elif kind < 0.85:
                    kid, copy_no, borrower = self.pick(offices), "1", self.pick(self.ids("E0"))
                    extra = {"purpose": "施工单位进场维修", "on_behalf_of": f"{self.pick(COMPANIES)} 施工人员",
                             "approved_by": "M001"}
                else:
                    kid, copy_no, borrower = self.pick(offices), "1", self.pick(self.ids("CS0"))
                    extra = {"purpose": "取库房物料", "approved_by": self.pick(["M001", "M002"])}
                if (kid, copy_no) in {(u.split("#")[0], u.split("#")[1]) for u in used}:
                    continue
                used.add(f"{kid}#{copy_no}")
                late = rnd.random() < 0.12 and work
                if late:
                    lent = _t(day, 16, rnd.randint(0, 50))
                    back = _t(day, 17, rnd.randint(40, 58))
                else:
                    back = lent + timedelta(minutes=rnd.randint(20, 120))
                lid = self.next_id("KL", day)
                ret: dict[str, Any] = {"at": back, "by": issuer, "action": "return", "returned_by": borrower,
                                       "power_off": False, "windows_closed": False, "unit_locked": False}
                if kid.startswith("K-VU"):
                    ret.update(power_off=True, windows_closed=True, unit_locked=True)
                data = {"schema_version": 1, "id": lid, "key": kid, "copy_no": copy_no, "borrower": borrower,
                        "purpose": extra["purpose"], "on_behalf_of": extra.get("on_behalf_of"),
                        "approved_by": extra.get("approved_by"), "issued_by": issuer, "due": _t(day, 18),
                        "special_reason": None, "emergency_reason": None, "off_site": False, "permitted_by": None,
                        "status": "returned",
                        "events": [{"at": lent, "by": issuer, "action": "lend"}, ret]}
                loans.append(data)
                self.add("key-loans", "key_loan", lid, data, day)
            if work:
                at = _t(day, 17, 30)
                outstanding = [{"loan": x["id"], "note": "借用人仍在现场施工, 承诺18:00前归还"}
                               for x in sorted(loans, key=lambda x: (x["events"][0]["at"], x["id"]))
                               if x["events"][0]["at"] <= at < x["events"][1]["at"]]
                cid = self.next_id("KC", day)
                self.add("key-checks", "key_check", cid, {
                    "schema_version": 1, "id": cid, "day": day, "checked_by": self.pick(["A001", "A002"]),
                    "checked_at": at, "outstanding": outstanding}, day)
                ks = self.next_id("KS", day)
                keys = [f"K-AR-{n:02d}" for n in range(1, 7)]
                self.add("key-shifts", "key_shift", ks, {
                    "schema_version": 1, "id": ks, "day": day, "location": "control_room", "status": "returned",
                    "events": [
                        {"at": _t(day, 8, 5), "by": self.effective[(day, "cs_office", "early")], "action": "pickup",
                         "keys": keys, "issued_by": self.effective[(day, "control_room", "day")]},
                        {"at": _t(day, 17, 55), "by": self.effective[(day, "cs_office", "late")], "action": "return",
                         "keys": keys, "count_checked": True, "received_by": self.effective[(day, "control_room", "day")]},
                    ]}, day)

    # -- hazmat and meetings ------------------------------------------------------------------

    HAZ = {"rat_poison": "包", "dichlorvos": "瓶", "cockroach_poison": "包", "alcohol": "瓶", "thinner": "瓶"}

    def hazmat(self) -> None:
        rnd = self.rnd
        stock = dict.fromkeys(self.HAZ, 0.0)
        for n, day in enumerate(self.days):
            for item, unit in self.HAZ.items():
                if stock[item] < 4 and (n == 0 or rnd.random() < 0.5):
                    hid = self.next_id("HZ", day)
                    qty = float(rnd.choice([10, 12, 20]))
                    stock[item] += qty
                    self.add("hazmat", "hazmat", hid, {
                        "schema_version": 1, "id": hid, "entry": "stock_in", "item": item, "unit": unit,
                        "status": "stocked", "events": [{"at": _t(day, 8, 30), "by": "C001", "action": "stock_in",
                                                         "qty": qty, "storage": "locked_separate"}]}, day)
            if n == 0 or rnd.random() < 0.35:
                item = self.pick(list(self.HAZ))
                qty = float(rnd.randint(1, 3))
                if stock[item] < qty:
                    continue
                used = float(rnd.randint(0, int(qty)))
                stock[item] -= used
                approver = self.pick(["S001", "S002", "S003"])
                hid = self.next_id("HZ", day)
                at = _t(day, rnd.randint(9, 14), rnd.randint(0, 59))
                self.add("hazmat", "hazmat", hid, {
                    "schema_version": 1, "id": hid, "entry": "use", "item": item, "unit": self.HAZ[item],
                    "status": "closed", "events": [
                        {"at": at, "by": self.pick(self.LEADS), "action": "draw", "qty": qty,
                         "purpose": self.pick(["地下室灭鼠", "垃圾房消杀", "设备清洁", "油漆稀释"]),
                         "approved_by": approver, "issued_by": approver},
                        {"at": at + timedelta(hours=2), "by": approver, "action": "return", "qty_used": used,
                         "qty_returned": qty - used, "received_by": approver}]}, day)

    def meetings(self) -> None:
        rnd = self.rnd
        seen_month: set[tuple[int, int]] = set()
        for n, day in enumerate(self.days):
            if not self.workday(day):
                continue
            kinds = []
            if day.weekday() == 0 or n == 0:
                kinds.append(("weekly", "M001", _t(day, 9)))
            if (day.year, day.month) not in seen_month:
                seen_month.add((day.year, day.month))
                kinds.append(("monthly", "D001", _t(day, 15)))
                if day.month in (1, 4, 7, 10):
                    kinds.append(("quarterly", "G001", _t(day, 16, 30)))
            for kind, chair, at in kinds:
                mid = self.next_id("MT", day)
                attendees = ["M001", "M002", "S001", "S002", "S003"] + (["D001"] if kind != "weekly" else [])
                events: list[dict[str, Any]] = [{"at": at, "by": "S001", "action": "held", "type": kind,
                                                 "chair": chair, "attendees": attendees,
                                                 "content": MEETING_CONTENT[kind]}]
                dones = []
                for d in range(rnd.randint(1, 3)):
                    due = at + timedelta(days=rnd.randint(3, 10))
                    events.append({"at": at + timedelta(minutes=30 + d), "by": "S001", "action": "decided",
                                   "text": self.pick(DECISIONS), "owner": self.pick(["S001", "S002", "S003", "L001"]),
                                   "due": due})
                    done = at + (due - at) * rnd.uniform(0.3, 0.9)
                    done = done.replace(second=0, microsecond=0)
                    if done <= self.now - timedelta(minutes=1):
                        dones.append((done, d + 1))
                for done, number in sorted(dones):
                    events.append({"at": done, "by": "S001", "action": "done", "decision": number})
                events.sort(key=lambda e: e["at"])
                decided = sum(1 for e in events if e["action"] == "decided")
                self.add("meetings", "meeting", mid, {"schema_version": 1, "id": mid,
                                                      "open_decisions": decided - len(dones), "events": events}, day)

    # -- tickets ------------------------------------------------------------------------------

    def ticket_days(self) -> list[tuple[date, int]]:
        others = len(self.files) + 1
        total = max(len(self.days), self.records - others)
        weights = []
        for day in self.days:
            w = 1.0 if self.workday(day) else 0.45
            weights.append(w * self.rnd.uniform(0.85, 1.15))
        scale = total / sum(weights)
        counts = [int(w * scale) for w in weights]
        short = total - sum(counts)
        for i in range(short):
            counts[i % len(counts)] += 1
        return list(zip(self.days, counts, strict=True))

    def tickets(self) -> None:
        from csops.sla import is_night, morning_after

        rnd = self.rnd
        self.ticket_plans: list[TicketPlan] = []
        self.contact_busy: dict[tuple[str, str], datetime] = {}
        self.customers: list[list[Any]] = []  # [name, contact, address, remaining]
        self.switchboards: list[list[Any]] = [[f"{self.pick(COMPANIES)} 总机", f"0755-8{rnd.randint(1000000, 9999999)}",
                              f"{self.pick(TOWERS)}{rnd.randint(3, 28)}层", 0] for _ in range(3)]
        self.kesu_serial: dict[str, int] = defaultdict(int)
        self.plates: list[str] = []
        self.numbers = 0
        agents = [a for a in self.ids("CS0") if a != "CS045"]
        night_staff = self.ids("N0") + self.ids("B0")
        self.is_night = lambda at: is_night(self.cal, at)
        self.morning_after = lambda at: morning_after(self.cal, at).astimezone(TZ)
        self.ticket_count = 0
        for day, count in self.ticket_days():
            work = self.workday(day)
            times = []
            for _ in range(count):
                if work:
                    r = rnd.random()
                    if r < 0.86:
                        minute = rnd.randint(8 * 60, 18 * 60 - 1)
                    elif r < 0.97:
                        minute = rnd.randint(18 * 60, 23 * 60 + 30)
                    else:
                        minute = rnd.randint(0, 8 * 60 - 1)
                else:
                    minute = rnd.randint(7 * 60, 22 * 60)
                times.append(minute)
            times.sort()
            for minute in times:
                at = _t(day, minute // 60, minute % 60)
                night = self.is_night(at)
                receiver = self.pick(night_staff) if night else self.pick(agents)
                self.ticket(at, night, receiver, agents)

    def ticket_type(self, night: bool, at: datetime) -> str:
        r = self.rnd.random()
        day_only = not night and 9 <= at.hour < 16
        table = [(0.34, "consultation"), (0.58, "repair_property"), (0.63, "repair_product"), (0.69, "complaint_minor"),
                 (0.75, "complaint_general"), (0.79, "suggestion"), (0.90, "assistance"), (0.93, "installation"),
                 (0.945, "kesu"), (0.947, "major_fault"), (0.9485, "complaint_major"), (1.0, "consultation")]
        for limit, kind in table:
            if r < limit:
                if kind in ("installation", "kesu", "major_fault", "complaint_major", "repair_product") and not day_only:
                    return "consultation" if kind != "repair_product" else "repair_property"
                return kind
        return "consultation"

    def ev(self, plan: TicketPlan, at: datetime, by: str, action: str, **fields: Any) -> datetime:
        last = plan.events[-1]["at"] if plan.events else at
        at = max(at, last).replace(second=0, microsecond=0)
        event: dict[str, Any] = {"at": at, "by": by, "action": action, "note": fields.pop("note", None)}
        order = EVENT_ORDER.get(action)
        event.update(sorted(fields.items(), key=lambda kv: order.index(kv[0])) if order else fields)
        plan.events.append(event)
        return at

    def customer(self, kind: str, at: datetime, close: datetime | None) -> tuple[str, str, str]:
        """(name, contact, address) for a ticket of ``kind`` received at ``at``, never overlapping an open one."""
        rnd = self.rnd
        self.ticket_count += 1
        busy = self.contact_busy
        for sb in self.switchboards:
            if sb[3] < 0.015 * self.ticket_count and busy.get((sb[1], kind), datetime.min.replace(tzinfo=TZ)) < at:
                sb[3] += 1
                busy[(sb[1], kind)] = close or datetime.max.replace(tzinfo=TZ)
                self.customer_contact = sb[1]
                return sb[0], sb[1], sb[2]
        if self.customers and rnd.random() < 0.55:
            for _ in range(3):
                c = self.customers[rnd.randrange(len(self.customers))]
                if c[3] > 0 and busy.get((c[1], kind), datetime.min.replace(tzinfo=TZ)) < at:
                    c[3] -= 1
                    busy[(c[1], kind)] = close or datetime.max.replace(tzinfo=TZ)
                    self.customer_contact = c[1]
                    return c[0], c[1], c[2]
        contact = f"1{rnd.choice('3456789')}{rnd.randint(0, 999999999):09d}"
        name = self.pick(SURNAMES) + self.pick(GIVEN)
        if rnd.random() < 0.5:
            name = name[0] + self.pick(["先生", "女士"])
        address = f"{self.pick(TOWERS)}{rnd.randint(2, 28)}{rnd.randint(1, 20):02d}"
        c = [name, contact, address, rnd.choice([0, 0, 0, 1, 1, 2, 3, 4])]
        if c[3]:
            self.customers.append(c)
            if len(self.customers) > 4000:
                self.customers = [x for x in self.customers if x[3] > 0][-3000:]
        busy[(contact, kind)] = close or datetime.max.replace(tzinfo=TZ)
        self.customer_contact = contact
        return name, contact, address

    def ticket(self, at: datetime, night: bool, receiver: str, agents: list[str]) -> None:
        rnd = self.rnd
        kind = self.ticket_type(night, at)
        ttype = kind.split("_")[0] if kind.startswith(("repair", "complaint")) else kind
        tid = self.next_id("T", at.date())
        plan = TicketPlan(tid, ttype, at, {})
        self.ev(plan, at, receiver, "received")
        owner = receiver
        # A night intake is passed on to a day agent first thing the next working morning.
        if night and not (kind == "consultation" and rnd.random() < 0.7):
            morning = self.morning_after(at)
            agent = self.pick(agents)
            if kind.startswith("complaint"):
                handoff = morning + timedelta(minutes=rnd.randint(2, 15))
            else:
                handoff = max(at + timedelta(minutes=1), morning - timedelta(minutes=rnd.randint(1, 25)))
            self.ev(plan, handoff, receiver, "forward", to=agent, department="cs",
                    reason="夜间受理, 次日移交客服跟进")
            owner = agent
            start = max(handoff, morning) + timedelta(minutes=rnd.randint(3, 20))
        else:
            start = at + timedelta(minutes=rnd.randint(1, 6))
        data: dict[str, Any] = {"schema_version": 1, "id": tid, "type": ttype,
                                "channel": self.pick(["phone"] * 14 + ["online", "online", "visit", "email", "fax"]),
                                "origin": "customer", "reported_by": None}
        sections: dict[str, Any] = {}
        customer_internal = False
        subject, content = "", ""
        if kind == "consultation":
            subject, content = self.pick(CONSULT)
            by = receiver if not night or owner == receiver else owner
            if rnd.random() < 0.2:
                to = self.pick(["S001", "S002", "S003", "A001", "A002"])
                self.ev(plan, start, owner, "forward", to=to, department="cs", reason="需主管答复")
                by = to
                start = self.work(start, rnd.randint(20, 300))
            else:
                start = start + timedelta(minutes=rnd.randint(1, 20))
            done = self.ev(plan, start, by, "resolve", resolution="已解答客户咨询", reply_text=self.pick(CONSULT_REPLY))
            self.ev(plan, done + timedelta(minutes=rnd.randint(1, 15)), owner, "close", customer_notified_at=done)
        elif kind == "assistance":
            subject, content = self.pick(ASSIST)
            to = self.pick(self.ids("B0") + self.ids("E0") + ["F001", "F002"])
            t1 = self.ev(plan, start, owner, "assign", to=to, assignee_kind="staff", reason="安排人员协助")
            done = self.ev(plan, self.work(t1, rnd.randint(15, 360)), to, "resolve", resolution="已协助客户处理完毕")
            self.ev(plan, done + timedelta(minutes=rnd.randint(5, 60)), owner, "close", customer_notified_at=done)
        elif kind == "suggestion":
            subject, content = self.pick(SUGGEST)
            director = self.pick(["D001", "D002"])
            t1 = self.ev(plan, start, owner, "forward", to=director, department="cs", reason="建议转主任审阅决定")
            decision = self.pick(["adopt", "reject"])
            done = self.ev(plan, self.work(t1, rnd.randint(60, 20 * 60)), director, "resolve",
                           resolution="主任已审阅建议" + ("并采纳, 纳入下月工作计划" if decision == "adopt" else ", 暂不采纳"),
                           reply_text="感谢您的建议, 我们已认真研究并答复", decision=decision)
            self.ev(plan, done + timedelta(minutes=rnd.randint(10, 120)), owner, "close", customer_notified_at=done)
        elif kind == "repair_property":
            trade, subject, fix = self.pick(REPAIRS)
            content = f"{subject}, 请尽快安排维修"
            inspection = rnd.random() < 0.05
            customer_internal = inspection or rnd.random() < 0.06
            if inspection:
                data["origin"] = "inspection"
                data["reported_by"] = self.pick(self.ids("P0"))
                data["channel"] = "on_site"
            sections["repair"] = {"kind": "property", "billing": "paid" if rnd.random() < 0.15 else "free",
                                  "trade": trade}
            tech = self.pick(self.ids("E0"))
            if rnd.random() < 0.05:
                self.ev(plan, start, "EM01", "approve", note="同意外协厂家上门")
                t1 = self.ev(plan, start + timedelta(minutes=10), owner, "assign", to=tech,
                             assignee_kind="contractor", reason="外协厂家维修, 工程部人员陪同")
            else:
                t1 = self.ev(plan, start, owner, "assign", to=tech, assignee_kind="staff", reason=f"{trade}维修")
            latest = self.work(at, 23 * 60) if not night else self.work(self.morning_after(at), 23 * 60)
            if rnd.random() < 0.05:
                # Nobody in: the clock stops until the customer is back (TKT-GEN-08 pauses).
                t2 = self.ev(plan, t1 + timedelta(minutes=rnd.randint(20, 60)), tech, "wait",
                             reason="上门时客户不在, 约定另行上门")
                t1 = self.ev(plan, self.work(t2, rnd.randint(60, 240)), owner, "resume", note="客户已回, 重新安排上门")
                latest = t1 + timedelta(minutes=rnd.randint(30, 120))
            done = self.ev(plan, min(latest, self.work(t1, rnd.randint(30, 16 * 60))), tech, "resolve", resolution=fix)
            self.callbacks(plan, done, owner, tech, internal=customer_internal, fix=fix)
        elif kind == "repair_product":
            symptom, swap = self.pick(SYMPTOMS)
            subject = f"GPS终端故障: {symptom}"
            content = f"车载GPS终端{symptom}, 请派技术员检修"
            plate = self.plate()
            bought = at.date() - timedelta(days=rnd.randint(60, 1100))
            warranty = bought + timedelta(days=730)
            sections["repair"] = {"kind": "product", "product_model": self.pick(PRODUCTS), "purchase_date": bought,
                                  "fault_symptom": symptom, "plate_number": plate, "warranty_until": warranty}
            tech = self.pick(self.ids("T0"))
            t1 = self.ev(plan, start + timedelta(minutes=rnd.randint(5, 30)), "Q001", "approve", note="同意上门")
            t1 = self.ev(plan, t1 + timedelta(minutes=rnd.randint(2, 15)), owner, "assign", to=tech,
                         assignee_kind="staff", reason="GPS终端维修")
            out = warranty < at.date()
            dispatch: dict[str, Any] = {"technician": tech, "plate_number": plate}
            parts: list[str] = []
            if swap == "terminal":
                dispatch.update(old_terminal_no=self.number("ZD"), new_terminal_no=self.number("ZD"),
                                tape_label_attached=True)
                parts.append("GPS终端")
            elif swap == "sim":
                dispatch.update(old_sim=self.number("1440"), new_sim=self.number("1440"))
                parts.append("SIM卡")
            fee = float(rnd.choice([120, 180, 260])) if out and parts else 0.0
            dispatch.update(parts=parts, parts_fee=fee, labour_fee=0.0, out_of_warranty=out,
                            invoice_no=f"FP{at:%y%m%d}{rnd.randint(100, 999)}" if fee else None)
            done = self.ev(plan, min(self.work(at, 23 * 60), self.work(t1, rnd.randint(60, 12 * 60))), tech,
                           "resolve", resolution=f"检修完毕: {symptom}" + ("" if not parts else f", 更换{parts[0]}"),
                           dispatch=dispatch)
            if fee:
                done = self.ev(plan, done + timedelta(minutes=30), tech, "finance", amount=fee,
                               receiver=self.pick(self.ids("FN")))
            self.callbacks(plan, done, owner, tech, internal=False, fix="重新检修终端", retry=False)
            data["channel"] = "phone"
        elif kind == "installation":
            company = self.pick(COMPANIES)
            subject, content = "GPS终端安装", f"{company}新购车辆{rnd.randint(3, 20)}台, 申请安装GPS终端"
            sections["installation"] = {"request_form": f"AZ-{at:%y%m}-{rnd.randint(100, 999)}",
                                        "vehicle_list": f"CL-{at:%y%m}-{rnd.randint(100, 999)}",
                                        "driver_info": f"SJ-{at:%y%m}-{rnd.randint(100, 999)}", "fee": 0.0}
            tech = self.pick(self.ids("T0"))
            t1 = self.ev(plan, start + timedelta(minutes=rnd.randint(10, 60)), "Q001", "approve", note="同意安排安装")
            t1 = self.ev(plan, t1 + timedelta(minutes=10), owner, "assign", to=tech, assignee_kind="staff",
                         reason="GPS终端安装")
            done = self.ev(plan, self.work(t1, rnd.randint(120, 30 * 60)), tech, "resolve", resolution="终端安装调试完毕",
                           dispatch={"technician": tech, "parts": ["GPS终端", "线束"], "parts_fee": 0.0,
                                     "labour_fee": 0.0, "out_of_warranty": False})
            self.ev(plan, done + timedelta(minutes=rnd.randint(30, 240)), owner, "close", customer_notified_at=done)
            data["channel"] = "email"
        elif kind == "kesu":
            defect, request, cause = self.pick(KESU)
            yymm = f"{at:%y%m}"
            loss = rnd.random() < 0.85 and self.kesu_serial[yymm] < 99
            subject, content = defect, f"客户反映{defect}, 要求{request}"
            kesu: dict[str, Any] = {"overseas": rnd.random() < 0.1, "loss": loss}
            if loss:
                self.kesu_serial[yymm] += 1
                kesu = {"kesu_no": f"{yymm}{self.kesu_serial[yymm]:02d}-{STATION}", **kesu}
                qty = rnd.randint(20, 500)
                kesu.update(order_no=f"DD{at:%y%m%d}{rnd.randint(10, 99)}", part_no=f"LH-{rnd.randint(1000, 9999)}",
                            ship_date=at.date() - timedelta(days=rnd.randint(10, 60)), qty=qty,
                            defect_qty=rnd.randint(1, max(1, qty // 10)), customer_request=request)
            else:
                kesu["abnormality_form"] = f"YC-{yymm}-{rnd.randint(100, 999)}"
            sections["kesu"] = kesu
            qa = self.pick(self.ids("QA"))
            t1 = self.ev(plan, start, owner, "forward", to=qa, department="qa", reason="客诉转质量管理部分析")
            t1 = self.ev(plan, t1 + timedelta(days=rnd.randint(1, 3)), qa, "update", text="已提交质量分析报告")
            done = self.ev(plan, t1 + timedelta(days=rnd.randint(1, 6)), qa, "resolve",
                           resolution="完成原因分析并与客户协商处理方案", corrective_action="加强出货检验",
                           cause_class=cause)
            self.ev(plan, done + timedelta(days=rnd.randint(1, 3)), owner, "close", customer_notified_at=done)
            data["channel"] = self.pick(["letter", "email", "phone"])
        elif kind == "major_fault":
            subject, location, symptoms, response = self.pick(FAULTS)
            content = f"{subject}: {symptoms}"
            sections["fault"] = {"occurred_at": at - timedelta(minutes=10), "location": location,
                                 "symptoms": symptoms, "response_plan": response}
            tech = self.pick(self.ids("E0"))
            t1 = self.ev(plan, start + timedelta(minutes=5), owner, "report", to=["M001", "G001", "EM01"])
            t1 = self.ev(plan, t1 + timedelta(minutes=5), owner, "assign", to=tech, assignee_kind="staff", reason="抢修")
            done = self.ev(plan, self.work(at, rnd.randint(120, 7 * 60)), tech, "resolve", resolution="故障已排除, 恢复正常")
            t2 = self.ev(plan, done + timedelta(days=1), "EM01", "analysis", impact=symptoms, handling=response,
                         root_cause="设备老化", corrective="更换故障部件", preventive="纳入月度设备巡检",
                         sent_to_customer_at=done + timedelta(days=1), sent_to_business_at=done + timedelta(days=1))
            self.ev(plan, t2 + timedelta(minutes=30), owner, "close", customer_notified_at=t2)
            data["channel"] = "on_site"
        else:
            subject, content = self.complaint(plan, kind, at, night, owner, start, data)
        close = plan.events[-1]["at"] if plan.events[-1]["action"] == "close" else None
        if ttype == "complaint" and close is not None and rnd.random() < 0.02:
            handler = next(e["to"] for e in plan.events if e["action"] == "forward" and e["to"] not in agents) \
                if any(e["action"] == "forward" and e["to"] not in agents for e in plan.events) else owner
            t1 = self.ev(plan, close + timedelta(days=rnd.randint(1, 3)), owner, "reopen", reason="客户反映问题再次出现")
            done = self.ev(plan, self.work(t1, rnd.randint(60, 600)), handler, "resolve",
                           resolution="再次检修并彻底处理", findings="前次处理不彻底", evidence="复查记录",
                           validity="valid", verified_by="S001", corrective_action="复查同类问题并建立回访跟踪",
                           reply_text="已为您再次处理完毕, 感谢您的耐心")
            major = data.get("_severity") == "major"  # TKT-CB-01: on site, with the project manager
            cb = self.ev(plan, done + timedelta(hours=rnd.randint(1, 20)), "M001", "callback",
                         mode="on_site" if major else "phone", reached=True, satisfied=True, signature=True,
                         notes="再次回访, 客户满意", **({"joined_by": [self.pick(self.ids("P0"))]} if major else {}))
            self.ev(plan, cb + timedelta(minutes=20), owner, "close", customer_notified_at=cb)
        final = plan.events[-1]["at"] if plan.events[-1]["action"] == "close" else None
        name, address = self.customer(ttype, at, final)[0::2]
        contact: str | None = self.customer_contact
        if customer_internal:
            dept = self.pick(["保洁部", "保安部", "工程部", "客服部"])
            name, contact = f"{dept} {self.pick(SURNAMES)}{self.pick(GIVEN)}", self.internal_line(ttype, at, final)
            if data["origin"] == "inspection":
                name, contact = f"质量巡检 {self.people[data['reported_by']].name}", None
        elif kind in ("repair_product", "installation", "kesu"):
            name = f"{self.pick(COMPANIES)} {name}"
            address = f"{self.pick(['宝安区', '南山区', '龙岗区', '福田区'])}{self.pick(['福永', '西乡', '坂田', '沙头'])}街道{rnd.randint(1, 200)}号"
            if kind == "kesu" and sections["kesu"]["overseas"]:
                oname, ocontact, oaddr = self.pick(OVERSEAS)
                name, contact, address = oname, ocontact.format(rnd.randint(0, 9999)), oaddr
        data["customer"] = {"name": name, "contact": contact, "address": address, "internal": customer_internal}
        data["subject"] = subject
        data["content"] = content
        data["first_owner"] = receiver
        data["severity"] = data.pop("_severity", None)
        data["criteria"] = data.pop("_criteria", [])
        data["answered_at_intake"] = data.pop("_answered", False)
        data["promised_reply_at"] = data.pop("_promised", None)
        data.update(sections)
        # Events after "now" have not happened yet: the ticket is still open.
        plan.events = [e for e in plan.events if e["at"] <= self.now]
        status, holder = _fold(receiver, plan.events)
        data["status"], data["owner"] = status, holder
        data["events"] = plan.events
        plan.data = data
        self.ticket_plans.append(plan)
        self.add("tickets", "ticket", tid, data, at.date())

    def complaint(self, plan: TicketPlan, kind: str, at: datetime, night: bool, owner: str, start: datetime,
                  data: dict[str, Any]) -> tuple[str, str]:
        rnd = self.rnd
        severity = kind.split("_")[1]
        data["_severity"] = severity
        if severity == "major":
            subject, content, criterion = self.pick(MAJOR)
            data["_criteria"] = [criterion]
            data["_promised"] = at + timedelta(days=2)
            handler = self.pick(self.ids("E0"))
            t1 = self.ev(plan, at + timedelta(minutes=rnd.randint(3, 9)), owner, "forward", to=handler,
                         department="engineering", reason="重大投诉, 转工程部现场处置")
            t1 = self.ev(plan, at + timedelta(minutes=rnd.randint(15, 50)), "S001", "report",
                         to=["G001", "M001", self.pick(self.ids("P0"))], note="重大投诉上报管理层")
            t1 = self.ev(plan, t1 + timedelta(minutes=5), "S001", "escalate", to="D001", reason="big_problem",
                         note="涉及赔偿")
            done = self.ev(plan, at + timedelta(hours=rnd.randint(20, 44)), "D001", "resolve",
                           resolution="与客户协商处理方案并落实整改", findings="现场核实属实", evidence="现场照片、损失清单",
                           validity="valid", verified_by="M001", corrective_action="全面排查同类隐患",
                           reply_text="已为您落实处理方案, 感谢您的理解")
            # TKT-CB-01: the department manager and the project manager visit together.
            cb = self.ev(plan, done + timedelta(hours=rnd.randint(2, 18)), "M001", "callback", mode="on_site",
                         reached=True, satisfied=True, signature=True, notes="上门回访, 客户接受处理方案",
                         joined_by=[self.pick(self.ids("P0"))])
            self.ev(plan, cb + timedelta(minutes=30), owner, "close", customer_notified_at=cb)
            return subject, content
        subject, content, finding, action = self.pick(COMPLAINTS)
        answered = not night and rnd.random() < 0.08
        data["_answered"] = answered
        if not answered:
            data["_promised"] = self.work(at, 24 * 60)
        due = self.work(at, 24 * 60 - 30)
        limit = {"general": 20, "minor": 30}[severity]
        if answered:
            done = self.ev(plan, start + timedelta(minutes=5), owner, "resolve", resolution="当场向客户解释说明",
                           findings="客户对规定存在误解", evidence="通话记录", validity="invalid",
                           invalid_reason="misunderstanding", reply_text="已向您说明相关规定, 我们会继续为您提供帮助")
            handler = owner
        else:
            handler, dept = self.pick([(self.pick(self.ids("E0")), "engineering"), (self.pick(self.ids("B0")), "security"),
                                       (self.pick(["S001", "S002", "S003"]), "cs")])
            if night:
                first = self.ev(plan, start, owner, "forward", to=handler, department=dept, reason="转当事部门处理")
            else:
                first = self.ev(plan, at + timedelta(minutes=rnd.randint(2, limit - 3)), owner, "forward", to=handler,
                                department=dept, reason="转当事部门处理")
            if rnd.random() < 0.1:
                self.ev(plan, first + timedelta(minutes=2), self.pick(["S001", "S002"]), "classify",
                        severity=severity, note="复核定级")
            if rnd.random() < 0.25:
                self.ev(plan, first + timedelta(minutes=rnd.randint(10, 60)), handler, "update",
                        text="已联系客户了解情况, 正在现场核实")
            valid = rnd.random() < 0.8
            fields: dict[str, Any] = {"resolution": f"已处理: {action}", "reply_text": "已为您处理完毕, 感谢您的反馈",
                                      "findings": finding, "evidence": "现场照片及处理记录"}
            if valid:
                fields.update(validity="valid", verified_by=self.pick(["S001", "S002", owner if owner.startswith("CS") else "S003"]),
                              corrective_action=action)
            else:
                fields.update(validity="invalid", invalid_reason=self.pick(["out_of_contract", "misunderstanding"]))
            when = self.work(first, rnd.randint(30, 12 * 60))
            done = self.ev(plan, min(max(when, first + timedelta(minutes=10)), max(due, first + timedelta(minutes=10))),
                           handler, "resolve", **fields)
        self.callbacks(plan, done, owner, handler, internal=False, fix=action, complaint=True)
        return subject, content

    def callbacks(self, plan: TicketPlan, done: datetime, owner: str, handler: str, *, internal: bool, fix: str,
                  complaint: bool = False, retry: bool = True) -> None:
        rnd = self.rnd

        def callback_at(after: datetime) -> datetime:
            if complaint:
                return after + timedelta(minutes=rnd.randint(60, 20 * 60))
            return self.work(after, rnd.randint(30, 20 * 60))

        by = self.pick(["M001", "M002", "S001", "S002", "S003"]) if complaint else owner
        if internal and not complaint:
            if rnd.random() < 0.3:
                self.ev(plan, done + timedelta(minutes=rnd.randint(30, 240)), owner, "close", customer_notified_at=done)
                return
            cb = self.ev(plan, callback_at(done), owner, "callback", mode="face_to_face", reached=True, satisfied=True,
                         signature=False, notes="当面回访, 使用正常")
            self.ev(plan, cb + timedelta(minutes=10), owner, "close", customer_notified_at=cb)
            return
        if retry and rnd.random() < 0.05:
            cb = self.ev(plan, callback_at(done), by, "callback", mode="phone", reached=True, satisfied=False,
                         signature=False, notes="问题仍未解决, 客户不满意")
            again = {"resolution": "重新处理", "corrective_action": f"重新制定措施: {fix}, 并由主管复查"}
            if complaint:
                again.update(findings="前次处理不彻底", evidence="复查记录", validity="valid", verified_by="S001",
                             reply_text="已为您重新处理, 感谢您的耐心")
            done = self.ev(plan, self.work(cb, rnd.randint(60, 8 * 60)), handler, "resolve", **again)
        cb = self.ev(plan, callback_at(done), by, "callback", mode="phone", reached=True, satisfied=True,
                     signature=complaint, notes="客户对处理结果满意")
        self.ev(plan, cb + timedelta(minutes=rnd.randint(5, 60)), owner, "close", customer_notified_at=cb)

    def internal_line(self, kind: str, at: datetime, close: datetime | None) -> str:
        """An internal extension with no open ticket of ``kind`` (a second call would be a repeat contact)."""
        for _ in range(50):
            line = f"内线{self.rnd.randint(8000, 8999)}"
            if self.contact_busy.get((line, kind), datetime.min.replace(tzinfo=TZ)) < at:
                break
        self.contact_busy[(line, kind)] = close or datetime.max.replace(tzinfo=TZ)
        return line

    def plate(self) -> str:
        letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
        if self.plates and self.rnd.random() < 0.3:
            return self.pick(self.plates)
        plate = f"粤B{self.rnd.choice(letters)}{self.rnd.randint(1000, 9999)}"
        self.plates.append(plate)
        return plate

    def number(self, prefix: str) -> str:
        self.numbers += 1
        return f"{prefix}{self.numbers:09d}"

    def after_hours_books(self) -> None:
        """TKT-NGT-04: each 08:00 security→CS handover lists the night intakes handed over that morning."""
        for plan in self.ticket_plans:
            if not self.is_night(plan.received):
                continue
            day = self.morning_after(plan.received).date()
            book = self.books.get(day)
            if book is not None:
                book["after_hours"].append({"kind": "complaint" if plan.type == "complaint" else "service_request",
                                            "summary": plan.data["subject"], "ticket": plan.id})


#: Field order of ticket events whose options are passed in any order (as csops writes them).
EVENT_ORDER = {"resolve": ["resolution", "reply_text", "corrective_action", "findings", "evidence", "validity",
                           "invalid_reason", "verified_by", "cause_class", "decision", "dispatch"]}


def _fold(first_owner: str, events: list[dict[str, Any]]) -> tuple[str, str]:
    status, owner = "received", first_owner
    for e in events[1:]:
        a = e["action"]
        if a in ("forward", "assign"):
            owner = e["to"]
        if a == "wait":
            status = "waiting"
        elif a == "resolve":
            status = "resolved"
        elif a == "close":
            status = "closed"
        elif a == "reopen":
            status = "in_progress"
        elif a == "callback":
            status = "in_progress" if e.get("satisfied") is False else status
        elif status not in ("resolved", "closed"):
            status = "in_progress"
    return status, owner


def _policy() -> Any:
    from csops.models.policy import Office, Policy

    return Policy(office=Office(name=OFFICE_NAME, complaint_location="大厦一层客户服务中心",
                                complaint_phone="0755-26680000"))


# -- the repository -----------------------------------------------------------------------------


def _commit_groups(files: list[FileOut], mode: str, start: date) -> list[tuple[str, list[FileOut]]]:
    groups: dict[str, list[FileOut]] = defaultdict(list)
    for f in files:
        day = max(f.day, start)
        key = "all" if mode == "one" else f"{day:%Y-%m}" if mode == "monthly" else day.isoformat()
        groups[key].append(f)
    return sorted(groups.items())


def _fast_import(root: Path, office: Office, scaffold: dict[str, bytes], mode: str) -> int:
    """Write the history with one ``git fast-import``; returns the number of commits."""
    ref = subprocess.run(["git", "symbolic-ref", "HEAD"], cwd=root, check=True, capture_output=True,
                         text=True).stdout.strip()
    # The day's records are entered at the service desk by its records clerk (one keyboard), so
    # every event of someone else's says so (entered_by) and the audit holds the author to it. An
    # approval the clerk typed in is confirmed by its approver in their own commit (issue 10), so
    # a record whose approver confirms is committed in turns: the clerk's part, the confirm, the rest.
    clerk = office.people["S001"]
    chunks: list[bytes] = []
    n = 0
    for key, files in _commit_groups(office.files, mode, office.start):
        versions = [_versions(f, clerk.id) for f in files]
        for turn in range(max(len(v) for v in versions)):
            by_author: dict[str, list[FileOut]] = defaultdict(list)
            for f, steps in zip(files, versions, strict=True):
                if turn < len(steps):
                    who, data = steps[turn]
                    by_author[who].append(FileOut(f.rel, f.kind, data, f.day))
            for who, part in sorted(by_author.items(), key=lambda item: (item[0] != clerk.id, item[0])):
                person = office.people[who]
                stamp = int(_commit_time(part, office, files).timestamp())
                label = {"one": "全部记录", "monthly": f"{key} 月度记录", "daily": f"{key} 当日记录"}[mode]
                if who != clerk.id:
                    label += f" {person.name}确认审批"
                message = f"{label} ({len(part)} records, csops generate)\n\nCsops-Action: generate\n".encode()
                ident = f"{person.name} <{person.email}> {stamp} +0800".encode()
                chunks.append(b"commit " + ref.encode() + b"\nauthor " + ident + b"\ncommitter " + ident + b"\n")
                chunks.append(b"data %d\n" % len(message) + message)
                if n == 0:
                    for path, blob in sorted(scaffold.items()):
                        chunks.append(b"M 100644 inline " + path.encode() + b"\ndata %d\n" % len(blob) + blob + b"\n")
                n += 1
                for f in part:
                    rel = "records/" + f.rel
                    blob = emit(f.data, rel, f.kind).encode()
                    chunks.append(b"M 100644 inline " + rel.encode() + b"\ndata %d\n" % len(blob) + blob + b"\n")
    chunks.append(b"done\n")
    subprocess.run(["git", "fast-import", "--quiet", "--done"], cwd=root, input=b"".join(chunks), check=True)
    subprocess.run(["git", "reset", "--hard", "-q"], cwd=root, check=True)
    return n


def _versions(f: FileOut, clerk: str) -> list[tuple[str, dict[str, Any]]]:
    """(author, file data) of each commit that makes the file: one by the clerk, unless an approver
    confirms an approval in it; then the clerk's events up to the confirm, the approver's confirm,
    and so on (each commit appends only its author's own or entered-by events, AUDIT-03)."""
    _entered_by(f.data, clerk)
    _confirm_approvals(f)
    events = f.data.get("events") or []
    cuts: list[tuple[str, int]] = []
    for i, event in enumerate(events):
        who = event["by"] if event["action"] == "confirm" else clerk
        if cuts and cuts[-1][0] == who:
            cuts[-1] = (who, i + 1)
        else:
            cuts.append((who, i + 1))
    if len(cuts) <= 1:
        return [(clerk, f.data)]
    return [(who, _as_of(f, end)) for who, end in cuts[:-1]] + [(cuts[-1][0], f.data)]


def _confirm_approvals(f: FileOut) -> None:
    """Each approval the clerk typed in for someone else gets that person's confirm (csops.approvals):
    right after it when a later step relies on it (a reseal, a close), else at the end."""
    from csops.approvals import COMPLETIONS, unconfirmed

    events = f.data.get("events")
    if not events:
        return
    waiting = unconfirmed(f.data, f.kind)
    if not waiting:
        return
    after: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for a in waiting:
        place = a.event if f.kind in COMPLETIONS else len(events) - 1
        nxt = events[place + 1]["at"] if place + 1 < len(events) else events[place]["at"] + timedelta(minutes=1)
        at = min(events[a.event]["at"] + timedelta(minutes=1), nxt) if place == a.event else events[-1]["at"]
        after[place].append({"at": at, "by": a.approver, "action": "confirm", "event": a.event, "role": a.role})
    out: list[dict[str, Any]] = []
    for i, event in enumerate(events):
        out.append(event)
        out.extend(after.get(i, ()))
    # the approvals name events by their index, which a confirm inserted before them would shift
    shift = [sum(len(after.get(j, ())) for j in range(i)) for i in range(len(events))]
    for event in out:
        if event["action"] == "confirm" and "role" in event:
            event["event"] += shift[event["event"]]
    f.data["events"] = out


def _as_of(f: FileOut, end: int) -> dict[str, Any]:
    """The file as it stood with its first ``end`` events: the summary fields folded from them."""
    events = f.data["events"][:end]
    if f.kind == "ticket":
        status, owner = _fold(f.data["first_owner"], events)
        return {**f.data, "status": status, "owner": owner, "events": events}
    from csops.models import kinds
    from csops.session import record_data

    record = kinds()[f.kind].model_validate({**f.data, "events": events})
    return record_data(record.model_copy(update=record.derived_summary()))


def _entered_by(data: dict[str, Any], author: str) -> None:
    """The commit's author typed in every event of someone else's, as a desk entering a day's
    records does; ``csops audit`` holds the author to that (AUDIT-03)."""
    events = data.get("events") or []
    for i, event in enumerate(events):
        if event.get("by") == author or "entered_by" in event:
            continue
        head = [k for k in ("at", "by", "action", "note") if k in event]  # where csops writes it
        events[i] = {**{k: event[k] for k in head}, "entered_by": author,
                     **{k: v for k, v in event.items() if k not in head}}


def _commit_time(files: list[FileOut], office: Office, period: list[FileOut] | None = None) -> datetime:
    """The latest record time inside the commit's period (the days of ``period``'s files: its month or
    day), else its first day at 09:00."""
    first = max(min(f.day for f in period or files), office.start)
    last = max(max(f.day for f in period or files), office.start)
    period_end = datetime.combine(last + timedelta(days=1), time(0), TZ)
    best = datetime.combine(first, time(9), TZ)
    for f in files:
        for e in f.data.get("events") or ():
            at = e["at"] if isinstance(e["at"], datetime) else datetime.fromisoformat(e["at"])  # _as_of's are text
            if best < at < period_end:
                best = at
    return min(best, office.now)


def generate_office(root: Path, records: int, *, seed: int = 1, commits: str = "monthly") -> dict[str, Any]:
    """Create a new records repository at ``root`` with about ``records`` records; see the module doc.

    Returns counts per kind, the total, the span (first and last day) and ``now``: the time right
    after the last record, to pass as ``--now`` to validate and the benchmarks.
    """
    from csops.commands.init import scaffold

    if commits not in COMMIT_MODES:
        raise ValueError(f"commits must be one of {', '.join(COMMIT_MODES)}, not {commits!r}")
    if records < 1:
        raise ValueError("records must be positive")
    root = root.resolve()
    if root.exists() and any(root.iterdir()):
        raise FileExistsError(f"{root} exists and is not empty")
    office = Office(records, seed)
    office.build()
    paths = scaffold(root, OFFICE_NAME, STATION, office.policy)
    (root / "records" / "staff" / ".gitkeep").unlink()
    blobs: dict[str, bytes] = {}
    for name in paths:
        path = root / name
        for file in sorted(path.rglob("*")) if path.is_dir() else [path]:
            if file.is_file():
                blobs[file.relative_to(root).as_posix()] = file.read_bytes()
    n_commits = _fast_import(root, office, blobs, commits)
    counts: dict[str, int] = defaultdict(int)
    counts["policy"] = 1
    for f in office.files:
        counts[f.kind] += 1
    return {
        "counts": dict(sorted(counts.items())),
        "total": sum(counts.values()),
        "first_day": office.start.isoformat(),
        "last_day": office.end.isoformat(),
        "now": office.now.isoformat(),
        "commits": n_commits,
    }

