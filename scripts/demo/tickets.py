"""Two months of tickets at 丰汇大厦客户服务中心, driven through the real ``csops ticket`` commands.

Routine days (consultations, property repairs, suggestions, assistance, general and minor complaints)
are generated from a fixed seed and always handled within their deadlines; the hand-written stories
below add the cases worth showing: the 24-working-hour clock across National Day, a reopened complaint,
night intakes, GPS repairs with SIM and terminal swaps, an installation, 客诉 cases, a major fault and
a major complaint. ``BREACHES`` lists the tickets whose deadlines the plan misses on purpose; a test
checks that ``csops --now DEMO_NOW sla`` lists exactly those tickets and no others.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from csops.calendar import BusinessCalendar
from csops.models.policy import Policy
from scripts.demo import DEMO_NOW, Demo, DemoError, Step, t

CAL = BusinessCalendar(Policy())
AGENTS = ["CS001", "CS002", "CS003", "A001", "A002"]


@dataclass
class Story:
    ref: str
    at: datetime
    by: str
    new: list[str]
    #: (when, who, args); "{id}" in args is replaced by the ticket's id.
    steps: list[tuple[datetime, str, list[str]]] = field(default_factory=list)
    #: Deadline keys the plan misses on purpose (see BREACHES).
    breaches: tuple[str, ...] = ()

    def then(self, when: datetime, who: str, *args: str) -> Story:
        self.steps.append((when, who, list(args)))
        return self


def iso(when: datetime) -> str:
    return when.isoformat()


def customer(name: str, contact: str, address: str) -> list[str]:
    return ["--customer", name, "--contact", contact, "--address", address]


# -- hand-written stories -------------------------------------------------------------------


def complaint(at: datetime, by: str, who: list[str], content: str, severity: str = "general",
              *extra: str) -> list[str]:
    promised = CAL.add_working_minutes(at, 24 * 60)
    return ["ticket", "new", "--type", "complaint", "--severity", severity, "--channel", "phone", *who,
            "--content", content, "--promised-by", iso(promised), *extra]


def resolve_complaint(text: str, findings: str, evidence: str, *, valid: bool = True, action: str = "",
                      reply: str = "") -> list[str]:
    args = ["ticket", "resolve", "{id}", "--resolution", text, "--findings", findings, "--evidence", evidence,
            "--reply-text", reply or "已为您处理完毕,感谢您的反馈"]
    if valid:
        return [*args, "--validity", "valid", "--verified-by", "CS002", "--corrective-action", action or text]
    return [*args, "--validity", "invalid", "--invalid-reason", "misunderstanding"]


def callback(mode: str = "phone", notes: str = "客户对处理结果满意", satisfied: bool = True,
             signature: bool = True, joined: tuple[str, ...] = ()) -> list[str]:
    args = ["ticket", "callback", "{id}", "--mode", mode, "--notes", notes,
            "--satisfied" if satisfied else "--unsatisfied", *(x for who in joined for x in ("--with", who))]
    return [*args, "--signature"] if signature else args


def forward(to: str, department: str, reason: str) -> list[str]:
    return ["ticket", "forward", "{id}", "--to", to, "--department", department, "--reason", reason]


def close(notified: datetime) -> list[str]:
    return ["ticket", "close", "{id}", "--customer-notified-at", iso(notified)]


def stories() -> list[Story]:
    s: list[Story] = []

    # 1. General complaint on the eve of National Day: 24 working hours run to Sat 10 Oct 14:30 (调休).
    at = t("2026-09-30", "16:00")
    s.append(Story("national_day", at, "CS002", complaint(at, "CS002", customer("周建华", "13902218876", "A座1506"),
                                                          "空调外机噪音很大,晚上影响休息"))
             .then(t("2026-09-30", "16:12"), "CS002", *forward("E002", "engineering", "空调外机属工程部维护"))
             .then(t("2026-10-09", "10:30"), "E002", *resolve_complaint(
                 "更换外机减震垫并紧固支架", "减震垫老化", "工程部维修单 GC-1009-03", action="外机减震垫纳入季度巡检"))
             .then(t("2026-10-09", "15:00"), "M001", *callback())
             .then(t("2026-10-09", "15:20"), "CS002", *close(t("2026-10-09", "15:00"))))

    # 2. General complaint forwarded 35 minutes after intake (20 allowed).
    at = t("2026-10-13", "10:05")
    s.append(Story("late_forward", at, "A001", complaint(at, "A001", customer("孙丽娟", "13528861290", "B座803"),
                                                         "电梯早高峰等候超过十分钟"), breaches=("forward",))
             .then(t("2026-10-13", "10:40"), "A001", *forward("E002", "engineering", "电梯运行调度由工程部负责"))
             .then(t("2026-10-14", "11:00"), "E002", *resolve_complaint(
                 "调整早高峰电梯群控模式", "群控参数未按高峰设置", "电梯维保记录", action="高峰时段改为上行优先"))
             .then(t("2026-10-14", "16:00"), "S001", *callback())
             .then(t("2026-10-14", "16:30"), "A001", *close(t("2026-10-14", "16:00"))))

    # 3. Major complaint: a pipe burst damaged a tenant's stock; reported to management after 90 minutes.
    at = t("2026-10-20", "09:40")
    s.append(Story("major_late_report", at, "CS001",
                   complaint(at, "CS001", customer("深圳市嘉禾贸易有限公司 黄经理", "0755-26651188", "C座1202"),
                             "楼上水管爆裂,渗水泡坏仓库货物,要求赔偿", "major", "--criterion", "economic_loss"),
                   breaches=("report",))
             .then(t("2026-10-20", "09:47"), "CS001", *forward("E002", "engineering", "管道抢修及损失核实"))
             .then(t("2026-10-20", "11:10"), "S001", "ticket", "report", "{id}", "--to", "G001", "--to", "P001",
                   "--note", "重大投诉:渗水造成客户货物损失")
             .then(t("2026-10-20", "11:15"), "S001", "ticket", "escalate", "{id}", "--to", "D001",
                   "--reason", "big_problem", "--note", "涉及赔偿")
             .then(t("2026-10-22", "16:00"), "D001", *resolve_complaint(
                 "更换爆裂管段,与客户协商按货值赔偿", "12楼给水支管老化爆裂", "现场照片、损失清单、保险报案号",
                 action="全楼给水支管排查更换"))
             .then(t("2026-10-23", "10:00"), "M001", *callback("on_site", "上门回访,客户接受赔偿方案", joined=("P001",)))
             .then(t("2026-10-23", "11:00"), "CS001", *close(t("2026-10-23", "10:00"))))

    # 4. The reopened complaint: the first fix did not hold, the callback found the customer unhappy.
    at = t("2026-10-26", "14:20")
    s.append(Story("reopened", at, "CS003", complaint(at, "CS003", customer("林晓燕", "13760021455", "A座2203"),
                                                      "卫生间天花板滴水,已经第二次反映"))
             .then(t("2026-10-26", "14:30"), "CS003", *forward("E002", "engineering", "楼上管道渗漏需工程部检修"))
             .then(t("2026-10-27", "10:00"), "E002", *resolve_complaint(
                 "楼上地漏重新打胶", "地漏周边密封失效", "维修单 GC-1027-02", action="地漏打胶"))
             .then(t("2026-10-27", "16:00"), "M001", *callback(notes="仍有滴水,客户不满意", satisfied=False,
                                                                signature=False))
             .then(t("2026-10-28", "15:00"), "E002", *resolve_complaint(
                 "更换楼上卫生间排水立管接头并做闭水试验", "立管接头开裂", "闭水试验记录",
                 action="更换立管接头,同类接头全楼排查"))
             .then(t("2026-10-29", "10:00"), "M001", *callback(notes="已无滴水,客户满意"))
             .then(t("2026-10-29", "10:30"), "CS003", *close(t("2026-10-29", "10:00"))))

    # 5. Night intake on a Friday, passed on first thing Monday.
    at = t("2026-10-30", "22:30")
    s.append(Story("night_ok", at, "N001", complaint(at, "N001", customer("陈志强", "13612987745", "B座停车场"),
                                                     "地下车库照明大面积不亮,存在安全隐患"))
             .then(t("2026-11-02", "08:10"), "N001", *forward("CS002", "cs", "夜间投诉,次日移交客服"))
             .then(t("2026-11-02", "08:20"), "CS002", *forward("E002", "engineering", "照明维修"))
             .then(t("2026-11-02", "15:00"), "E002", *resolve_complaint(
                 "更换烧毁的照明回路接触器", "接触器烧毁", "维修单 GC-1102-05", action="车库照明纳入夜间巡查"))
             .then(t("2026-11-02", "17:00"), "S001", *callback())
             .then(t("2026-11-02", "17:20"), "CS002", *close(t("2026-11-02", "17:00"))))

    # 6. Night intake passed on only at 10:00 the next morning.
    at = t("2026-11-10", "21:15")
    s.append(Story("night_late", at, "N001", complaint(at, "N001", customer("赵雅琴", "13823367710", "A座1108"),
                                                       "隔壁装修夜间施工噪音", "minor"),
                   breaches=("night_handover",))
             .then(t("2026-11-11", "10:00"), "N001", *forward("S001", "cs", "夜间投诉移交客服主管"))
             .then(t("2026-11-11", "11:00"), "S001", *resolve_complaint(
                 "通知装修单位夜间停止施工并书面警告", "装修单位违反施工时间规定", "装修管理记录、警告通知",
                 action="加强装修夜间巡查"))
             .then(t("2026-11-11", "15:00"), "S001", *callback())
             .then(t("2026-11-11", "15:30"), "S001", *close(t("2026-11-11", "15:00"))))

    # 7. Night repair call (property), dispatched at 08:00.
    at = t("2026-10-15", "20:40")
    s.append(Story("night_repair", at, "N001", [
        "ticket", "new", "--type", "repair", "--channel", "phone", *customer("吴海涛", "13590012233", "C座605"),
        "--content", "办公室跳闸,整层无电", "--billing", "free", "--trade", "电工"])
             .then(t("2026-10-16", "08:00"), "L001", "ticket", "assign", "{id}", "--to", "E001",
                   "--reason", "夜间报修,早班派电工")
             .then(t("2026-10-16", "09:30"), "E001", "ticket", "resolve", "{id}", "--resolution", "更换漏电开关,恢复供电")
             .then(t("2026-10-16", "14:00"), "CS001", *callback(notes="供电正常", signature=False))
             .then(t("2026-10-16", "14:10"), "CS001", *close(t("2026-10-16", "14:00"))))

    # 7b. An internal repair (reported by the cleaning team), called back face to face (TKT-CB-04).
    at = t("2026-11-05", "10:40")
    s.append(Story("internal_repair", at, "A002", [
        "ticket", "new", "--type", "repair", "--channel", "visit", "--internal",
        *customer("保洁部 韩梅", "内线8012", "B座地下一层保洁间"), "--content", "保洁间热水器不出热水",
        "--billing", "free", "--trade", "电工"])
             .then(t("2026-11-05", "10:50"), "A002", "ticket", "assign", "{id}", "--to", "E001", "--reason", "热水器维修")
             .then(t("2026-11-05", "15:00"), "E001", "ticket", "resolve", "{id}", "--resolution", "更换加热管")
             .then(t("2026-11-06", "09:00"), "A002", *callback("face_to_face", "当面回访,热水正常", signature=False))
             .then(t("2026-11-06", "09:10"), "A002", *close(t("2026-11-06", "09:00"))))

    # 8. GPS repair with a SIM swap (in warranty).
    at = t("2026-10-19", "09:15")
    s.append(Story("gps_sim", at, "CS003", [
        "ticket", "new", "--type", "repair", "--repair-kind", "product", "--channel", "phone",
        *customer("顺达物流有限公司 刘师傅", "0755-27781234", "宝安区福永街道凤凰路18号"), "--product-model", "GT-06",
        "--purchase-date", "2025-06-12", "--symptom", "终端在线但无数据上传", "--plate", "粤B3K721",
        "--warranty-until", "2027-06-11"])
             .then(t("2026-10-19", "09:40"), "Q001", "ticket", "approve", "{id}", "--note", "同意上门")
             .then(t("2026-10-19", "09:50"), "CS003", "ticket", "assign", "{id}", "--to", "T001", "--reason", "GPS终端维修")
             .then(t("2026-10-19", "15:30"), "T001", "ticket", "resolve", "{id}", "--resolution", "SIM卡损坏,更换SIM卡",
                   "--technician", "T001", "--plate", "粤B3K721", "--old-sim", "1440312345601",
                   "--new-sim", "1440312345988", "--part", "SIM卡")
             .then(t("2026-10-20", "10:00"), "CS003", *callback(notes="数据上传恢复", signature=False))
             .then(t("2026-10-20", "10:10"), "CS003", *close(t("2026-10-20", "10:00"))))

    # 9. GPS repair: terminal swap out of warranty (parts only), invoice, fee to finance; then a SIM swap
    #    on the same vehicle a month later whose callback came too late.
    at = t("2026-10-21", "10:20")
    s.append(Story("gps_terminal", at, "CS003", [
        "ticket", "new", "--type", "repair", "--repair-kind", "product", "--channel", "phone",
        *customer("鹏城冷链运输 郭队长", "13316678890", "龙岗区平湖华南城"), "--product-model", "GT-02",
        "--purchase-date", "2023-04-02", "--symptom", "终端无法开机", "--plate", "粤B8F066",
        "--warranty-until", "2025-04-01"])
             .then(t("2026-10-21", "10:45"), "Q001", "ticket", "approve", "{id}")
             .then(t("2026-10-21", "11:00"), "CS003", "ticket", "assign", "{id}", "--to", "T001", "--reason", "终端维修")
             .then(t("2026-10-22", "14:00"), "T001", "ticket", "resolve", "{id}", "--resolution", "主板烧毁,更换终端",
                   "--technician", "T001", "--plate", "粤B8F066", "--old-terminal", "GT02-00318842",
                   "--new-terminal", "GT06-01127730", "--tape-label", "--part", "GT-06终端", "--parts-fee", "380",
                   "--out-of-warranty", "--invoice-no", "FP20261022001")
             .then(t("2026-10-22", "17:00"), "T001", "ticket", "finance", "{id}", "--amount", "380", "--receiver", "FN01")
             .then(t("2026-10-23", "09:30"), "CS003", *callback(notes="终端运行正常", signature=False))
             .then(t("2026-10-23", "09:40"), "CS003", *close(t("2026-10-23", "09:30"))))
    at = t("2026-11-16", "09:10")
    s.append(Story("gps_late_callback", at, "CS003", [
        "ticket", "new", "--type", "repair", "--repair-kind", "product", "--channel", "phone",
        *customer("鹏城冷链运输 郭队长", "13316678890", "龙岗区平湖华南城"), "--product-model", "GT-06",
        "--purchase-date", "2026-10-22", "--symptom", "信号时断时续", "--plate", "粤B8F066",
        "--warranty-until", "2027-10-21"], breaches=("callback",))
             .then(t("2026-11-16", "09:30"), "Q001", "ticket", "approve", "{id}")
             .then(t("2026-11-16", "09:40"), "CS003", "ticket", "assign", "{id}", "--to", "T001", "--reason", "GPS维修")
             .then(t("2026-11-16", "15:00"), "T001", "ticket", "resolve", "{id}", "--resolution", "更换SIM卡,信号恢复",
                   "--technician", "T001", "--plate", "粤B8F066", "--old-sim", "1440312377120",
                   "--new-sim", "1440312377555", "--part", "SIM卡")
             .then(t("2026-11-20", "10:00"), "CS003", *callback(notes="回访晚了,客户表示已正常", signature=False))
             .then(t("2026-11-20", "10:10"), "CS003", *close(t("2026-11-20", "10:00"))))

    # 10. GPS installation for a fleet: three input documents, approval, free installation.
    at = t("2026-11-04", "09:30")
    s.append(Story("installation", at, "CS003", [
        "ticket", "new", "--type", "installation", "--channel", "email",
        *customer("安达物流有限公司 王主管", "0755-29993456", "宝安区西乡物流园"), "--content", "新购5台货车安装GPS终端",
        "--request-form", "AZ-2611-004", "--vehicle-list", "CL-2611-004", "--driver-info", "SJ-2611-004"])
             .then(t("2026-11-04", "10:00"), "Q001", "ticket", "approve", "{id}")
             .then(t("2026-11-04", "10:10"), "CS003", "ticket", "assign", "{id}", "--to", "T001", "--reason", "批量安装")
             .then(t("2026-11-06", "16:00"), "T001", "ticket", "resolve", "{id}", "--resolution", "5台车辆安装完成并调试上线",
                   "--technician", "T001")
             .then(t("2026-11-06", "16:30"), "CS003", *close(t("2026-11-06", "16:20"))))

    # 11. 客诉: a domestic case closed in time, an overseas case still open, a domestic case overdue,
    #     and a no-loss case filed as an 异常处理单.
    kesu = ["ticket", "new", "--type", "kesu", "--channel", "letter"]
    at = t("2026-10-12", "10:00")
    s.append(Story("kesu_ok", at, "CS002", [
        *kesu, *customer("华南包装材料厂 采购部", "0769-22881234", "东莞市长安镇"), "--content", "GPS终端外壳开裂",
        "--order-no", "SO-2609-118", "--part-no", "GT06-SHELL", "--ship-date", "2026-09-18", "--qty", "200",
        "--defect-qty", "12", "--customer-request", "换货"])
             .then(t("2026-10-12", "10:30"), "CS002", *forward("Q001", "gps_division", "质量异常,事业部调查"))
             .then(t("2026-10-20", "15:00"), "Q001", "ticket", "resolve", "{id}", "--resolution", "12台外壳换新",
                   "--cause-class", "quality")
             .then(t("2026-10-22", "10:00"), "CS002", *close(t("2026-10-21", "16:00"))))
    at = t("2026-11-10", "11:00")
    s.append(Story("kesu_overseas", at, "CS002", [
        *kesu, "--overseas", *customer("Lam Trading (HK) Ltd.", "+852-2388-1234", "香港九龙观塘"),
        "--content", "出口批次终端定位漂移", "--order-no", "EX-2610-021", "--part-no", "GT06-EX", "--ship-date",
        "2026-10-15", "--qty", "500", "--defect-qty", "35", "--customer-request", "客户加工中未确定"])
             .then(t("2026-11-10", "11:30"), "CS002", *forward("Q001", "gps_division", "海外客诉,事业部调查")))
    at = t("2026-10-28", "14:00")
    s.append(Story("kesu_overdue", at, "CS002", [
        *kesu, *customer("粤通汽车租赁公司", "020-38765432", "广州市天河区"), "--content", "批量终端电池鼓包",
        "--order-no", "SO-2610-077", "--part-no", "GT02-BAT", "--ship-date", "2026-10-08", "--qty", "80",
        "--defect-qty", "9", "--customer-request", "退货并赔偿"], breaches=("kesu_close",))
             .then(t("2026-10-28", "14:20"), "CS002", *forward("Q001", "gps_division", "电池质量问题")))
    at = t("2026-11-05", "15:00")
    s.append(Story("kesu_no_loss", at, "CS002", [
        *kesu, "--no-loss", "--abnormality-form", "YC-2611-002", *customer("华南包装材料厂 采购部", "0769-22881234",
                                                                          "东莞市长安镇"),
        "--content", "个别终端标签印刷模糊,未造成损失"])
             .then(t("2026-11-06", "10:00"), "Q001", "ticket", "resolve", "{id}", "--resolution", "业务员上门更换标签",
                   "--cause-class", "non_quality_human")
             .then(t("2026-11-06", "11:00"), "CS002", *close(t("2026-11-06", "10:30"))))

    # 12. Major fault: the B-tower water pump failed; analysis report before closing.
    at = t("2026-11-09", "08:50")
    s.append(Story("major_fault", at, "CS001", [
        "ticket", "new", "--type", "major_fault", "--channel", "on_site",
        *customer("丰汇大厦B座全体租户", "0755-26680000", "B座"), "--content", "B座全楼停水",
        "--occurred-at", iso(t("2026-11-09", "08:35")), "--location", "B座地下二层水泵房",
        "--symptoms", "主供水泵停转,备用泵未自动切换", "--response-plan", "手动启用备用泵,通知租户"])
             .then(t("2026-11-09", "08:58"), "CS001", "ticket", "report", "{id}", "--to", "E002", "--to", "P001",
                   "--note", "重大故障通报")
             .then(t("2026-11-09", "09:00"), "CS001", *forward("E002", "engineering", "水泵抢修"))
             .then(t("2026-11-09", "12:30"), "E002", "ticket", "resolve", "{id}", "--resolution", "更换主泵电机,恢复供水")
             .then(t("2026-11-10", "16:00"), "E002", "ticket", "analysis", "{id}", "--impact", "B座停水约4小时",
                   "--handling", "手动切换备用泵后更换主泵电机", "--root-cause", "主泵电机过热烧毁,自动切换继电器故障",
                   "--corrective", "更换电机与切换继电器", "--preventive", "每月测试自动切换,加装过热报警",
                   "--sent-to-customer", iso(t("2026-11-10", "16:00")), "--sent-to-business", iso(t("2026-11-10", "16:00")))
             .then(t("2026-11-10", "16:30"), "CS001", *close(t("2026-11-09", "12:40"))))

    # 13. Complaint escalated to the director and answered after four days.
    at = t("2026-11-03", "09:20")
    s.append(Story("director_late", at, "CS001", complaint(at, "CS001", customer("郑美玲", "13411236678", "A座901"),
                                                           "物业费账单与合同约定不符,多次沟通未果"),
                   breaches=("answer", "resolve", "promised"))
             .then(t("2026-11-03", "09:30"), "CS001", *forward("S001", "cs", "账单争议由客服主管处理"))
             .then(t("2026-11-03", "14:00"), "S001", "ticket", "escalate", "{id}", "--to", "D001",
                   "--reason", "big_problem", "--note", "涉及合同条款解释")
             .then(t("2026-11-07", "11:00"), "D001", *resolve_complaint(
                 "核对合同后退还多收的公摊费用", "账单系统公摊系数设置错误", "合同条款、收费明细",
                 action="复核全部租户公摊系数"))
             .then(t("2026-11-07", "15:00"), "M001", *callback())
             .then(t("2026-11-07", "15:30"), "CS001", *close(t("2026-11-07", "15:00"))))

    # 14. Complaint callback 30 hours after handling (24 allowed).
    at = t("2026-11-12", "10:00")
    s.append(Story("late_callback", at, "A002", complaint(at, "A002", customer("何志明", "13925567788", "C座302"),
                                                          "保洁未按时清理楼层垃圾", "minor"),
                   breaches=("callback",))
             .then(t("2026-11-12", "10:10"), "A002", *forward("C001", "cleaning", "保洁班次安排"))
             .then(t("2026-11-12", "15:00"), "C001", *resolve_complaint(
                 "调整C座保洁班次,增加午间清运", "午间清运班次缺人", "保洁排班表", action="增加午间清运"))
             .then(t("2026-11-13", "21:00"), "S001", *callback(notes="客户满意,但回访超时"))
             .then(t("2026-11-14", "09:00"), "A002", *close(t("2026-11-13", "21:00"))))

    # 15. A property repair assigned on 17 Nov and still not finished on 23 Nov (overdue).
    at = t("2026-11-17", "14:00")
    s.append(Story("repair_overdue", at, "A001", [
        "ticket", "new", "--type", "repair", "--channel", "visit", *customer("冯晓东", "13798801122", "B座1710"),
        "--content", "办公室中央空调出风口漏水", "--billing", "free", "--trade", "空调"], breaches=("resolve",))
             .then(t("2026-11-17", "14:15"), "A001", "ticket", "assign", "{id}", "--to", "E001", "--reason", "空调维修")
             .then(t("2026-11-18", "10:00"), "E001", "ticket", "update", "{id}", "--text", "冷凝水管堵塞,需订购配件"))

    # 16. Open at demo time and within deadlines: a consultation from Friday evening, and a complaint
    #     waiting for the customer (the clock is stopped).
    at = t("2026-11-20", "17:30")
    s.append(Story("open_consultation", at, "CS001", [
        "ticket", "new", "--type", "consultation", "--channel", "phone", *customer("梁女士", "13602245566", "A座1001"),
        "--content", "年底办公室装修需要办理哪些手续"]))
    at = t("2026-11-19", "15:00")
    s.append(Story("waiting", at, "CS002", complaint(at, "CS002", customer("蔡先生", "13510098876", "C座1506"),
                                                     "门禁卡经常刷不开"))
             .then(t("2026-11-19", "15:10"), "CS002", *forward("B002", "security", "门禁系统由保安部管理"))
             .then(t("2026-11-19", "16:00"), "B002", "ticket", "wait", "{id}", "--reason", "客户出差,约定回来后带卡检测"))
    return s


# -- routine days ---------------------------------------------------------------------------

NAMES = ["王建国", "李秀英", "张丽", "刘伟", "陈静", "杨洋", "黄磊", "赵敏", "吴婷", "周杰", "徐芳", "孙浩", "胡军",
         "朱琳", "高翔", "林涛", "何雪梅", "郭峰", "马超", "罗娟", "梁晨", "宋佳", "谢宇", "韩冰", "唐亮", "冯雪"]
UNITS = ["A座", "B座", "C座"]
CONSULT = ["停车月卡如何办理", "快递代收点在哪里", "周末空调开放时间", "访客登记流程", "物业费缴纳方式",
           "会议室预订方法", "大件货物进出需要什么手续", "发票怎么开具"]
REPAIRS = [("洗手间水龙头漏水", "水工"), ("办公室灯管不亮", "电工"), ("门锁损坏打不开", "木工"),
           ("空调不制冷", "空调"), ("茶水间下水道堵塞", "水工"), ("插座没电", "电工")]
SUGGEST = ["建议大堂增设雨伞架", "建议延长周五空调时间", "建议电梯内张贴楼层指引", "建议增加充电桩车位"]
ASSIST = ["协助预约VIP车位接待客户", "协助搬运会议物资", "协助安排大型活动场地", "协助联系快递上门"]
MINOR = [("洗手间纸巾未及时补充", "C001", "cleaning"), ("大堂地面湿滑无警示牌", "C001", "cleaning"),
         ("前台接待态度冷淡", "S001", "cs")]


def workdays() -> Iterator[date]:
    day = date(2026, 9, 21)
    while day <= date(2026, 11, 20):
        if CAL.is_workday(day):
            yield day
        day += timedelta(days=1)


def routine() -> list[Story]:
    rnd = random.Random(20261123)
    out: list[Story] = []
    for n, day in enumerate(workdays()):
        d = day.isoformat()
        name = rnd.choice(NAMES)
        phone = f"13{rnd.randint(100000000, 999999999)}"
        unit = f"{rnd.choice(UNITS)}{rnd.randint(2, 28)}{rnd.randint(1, 12):02d}"
        agent = AGENTS[n % len(AGENTS)]
        who = customer(name, phone, unit)
        nxt = CAL.next_workday(day).isoformat()
        kind = n % 5
        if kind == 0:
            out.append(Story(f"r{n}", t(d, "09:20"), agent, [
                "ticket", "new", "--type", "consultation", "--channel", rnd.choice(["phone", "visit", "online"]), *who,
                "--content", rnd.choice(CONSULT)])
                .then(t(d, "09:35"), agent, "ticket", "resolve", "{id}", "--resolution", "已当场详细解答",
                      "--reply-text", "已为您说明办理流程,如有需要随时联系我们")
                .then(t(d, "09:40"), agent, *close(t(d, "09:35"))))
        elif kind == 1:
            text, trade = rnd.choice(REPAIRS)
            paid = n % 3 == 0
            billing = ["--billing", "paid" if paid else "free", "--trade", trade]
            story = (Story(f"r{n}", t(d, "10:05"), agent, [
                "ticket", "new", "--type", "repair", "--channel", "phone", *who, "--content", text, *billing])
                .then(t(d, "10:20"), agent, "ticket", "assign", "{id}", "--to", "E001", "--reason", f"{trade}维修"))
            fee = ["--labour-fee", "50", "--invoice-no", f"FP{day:%Y%m%d}{n:02d}"] if paid else []
            story.then(t(d, "14:30"), "E001", "ticket", "resolve", "{id}", "--resolution", f"{text}已修复", *fee)
            if paid:
                story.then(t(d, "17:00"), "E001", "ticket", "finance", "{id}", "--amount", "50", "--receiver", "FN01")
            story.then(t(nxt, "09:30"), agent, *callback(notes="维修效果良好", signature=False))
            story.then(t(nxt, "09:40"), agent, *close(t(nxt, "09:30")))
            out.append(story)
        elif kind == 2:
            text, handler, dept = rnd.choice(MINOR)
            at = t(d, "11:00")
            out.append(Story(f"r{n}", at, agent, complaint(at, agent, who, text, "minor"))
                       .then(t(d, "11:10"), agent, *forward(handler, dept, "转责任部门处理"))
                       .then(t(d, "15:00"), handler, *resolve_complaint(
                           "已现场整改并向客户致歉", "岗位巡查不到位", "整改照片", action="增加巡查频次"))
                       .then(t(d, "16:30"), "S001", *callback())
                       .then(t(d, "17:00"), agent, *close(t(d, "16:30"))))
        elif kind == 3:
            out.append(Story(f"r{n}", t(d, "14:00"), agent, [
                "ticket", "new", "--type", "suggestion", "--channel", rnd.choice(["letter", "online", "visit"]), *who,
                "--content", rnd.choice(SUGGEST)])
                .then(t(d, "14:10"), agent, *forward("D001", "cs", "合理化建议报主任决定"))
                .then(t(nxt, "11:00"), "D001", "ticket", "resolve", "{id}", "--resolution", "建议已采纳,列入本月整改计划",
                      "--decision", "adopt")
                .then(t(nxt, "11:30"), agent, *close(t(nxt, "11:20"))))
        else:
            out.append(Story(f"r{n}", t(d, "15:30"), agent, [
                "ticket", "new", "--type", "assistance", "--channel", "phone", *who, "--content", rnd.choice(ASSIST)])
                .then(t(d, "15:40"), agent, *forward("L001", "cs", "当班领班安排人手"))
                .then(t(d, "16:40"), "L001", "ticket", "resolve", "{id}", "--resolution", "已安排人员协助完成")
                .then(t(d, "17:00"), agent, *close(t(d, "16:50"))))
    return out


# -- ids, breaches and the plan -------------------------------------------------------------


def all_stories() -> list[Story]:
    return sorted([*stories(), *routine()], key=lambda s: s.at)


def ids() -> dict[str, str]:
    """Story ref → ticket id: serials follow intake order per month (station A)."""
    out: dict[str, str] = {}
    counters: dict[str, int] = {}
    for story in all_stories():
        yymm = story.at.strftime("%y%m")
        counters[yymm] = counters.get(yymm, 0) + 1
        out[story.ref] = f"T-{yymm}-A{counters[yymm]:03d}"
    return out


def breaches() -> dict[str, tuple[str, ...]]:
    """Ticket id → the deadline keys the plan misses on purpose (as of DEMO_NOW)."""
    refs = ids()
    return {refs[s.ref]: s.breaches for s in all_stories() if s.breaches}


def _run(story: Story, when: datetime, who: str, args: list[str], ticket_id: str) -> Step:
    def action(demo: Demo) -> None:
        result = demo.run(when, who, *[a.replace("{id}", ticket_id) for a in args])
        if args[:2] == ["ticket", "new"] and ticket_id not in result.output:
            raise DemoError(f"{story.ref}: expected {ticket_id}, got {result.output}")

    return Step(when, action, f"{story.ref} {args[1]}")


def plan(demo: Demo) -> Iterable[Step]:
    refs = ids()
    for story in all_stories():
        tid = refs[story.ref]
        yield _run(story, story.at, story.by, story.new, tid)
        for when, who, args in story.steps:
            if when > DEMO_NOW:
                raise DemoError(f"{story.ref}: step after the demo's now")
            yield _run(story, when, who, args, tid)
            verifier = args[args.index("--verified-by") + 1] if "--verified-by" in args else who
            if verifier != who:  # the verifier confirms the validity check the handler typed in for them
                yield _confirm(when + timedelta(minutes=1), verifier, tid)


def _confirm(when: datetime, who: str, ticket_id: str) -> Step:
    return Step(when, lambda demo: demo.confirm(when, who, ticket_id), f"confirm {ticket_id}")
