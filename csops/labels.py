"""Enum values are stable English identifiers; their Chinese names live here, beside them.

Every enum used in records derives from :class:`LabeledEnum`, declaring each member as
``name = "identifier", "中文名"``. Output (forms, reports, CLI) shows :func:`zh`; a Chinese name typed
into a record by hand is recognised by :func:`identifiers_for` so the finding can name the identifier
to use instead.
"""

from __future__ import annotations

from enum import Enum, StrEnum


class LabeledEnum(StrEnum):
    label: str

    def __new__(cls, value: str, label: str = "") -> LabeledEnum:
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.label = label or value
        return obj

    def __str__(self) -> str:
        return str(self.value)

    @classmethod
    def from_label(cls, label: str) -> LabeledEnum | None:
        for member in cls:
            if member.label == label:
                return member
        return None


def _all_enums(base: type[LabeledEnum] = LabeledEnum) -> list[type[LabeledEnum]]:
    found: list[type[LabeledEnum]] = []
    for sub in base.__subclasses__():
        found.append(sub)
        found.extend(_all_enums(sub))
    return found


def identifiers_for(label: str) -> set[str]:
    """The English identifiers whose Chinese name is ``label`` (empty when none)."""
    label = label.strip()
    return {m.value for enum in _all_enums() for m in enum if m.label == label}


# Labels for plain identifiers that are not enum members (record kinds, states, field names).
WORDS: dict[str, str] = {
    "ticket": "工单",
    "handover": "交接班记录",
    "key": "钥匙",
    "key_loan": "钥匙借用",
    "key_check": "钥匙每日检查", "key_shift": "钥匙交接单", "hazmat": "危险品使用登记",
    # key custody and hazmat events
    "add": "登记", "lend": "借出", "return": "归还", "seal": "封存", "unseal": "启封", "reseal": "重新封存",
    "lost": "报失/损坏", "found": "拾交", "rekey": "换锁", "redistribute": "分发新钥匙", "pickup": "领取",
    "stock_in": "入库", "draw": "领用", "incident": "异常情况",
    "roster": "排班表", "swap": "换班登记", "duty_log": "值班记录",
    # ticket events
    "received": "受理", "classify": "定级", "forward": "转呈", "assign": "派工", "approve": "审批",
    "report": "上报", "escalate": "上报/升级", "update": "跟进", "wait": "等待客户", "resume": "恢复计时",
    "resolve": "处理完毕", "callback": "回访", "finance": "交财务", "analysis": "故障分析报告",
    "close": "结案", "reopen": "重开",
    # an approver confirming an approval typed in for them (issue 10): the approval's event and role
    "confirm": "确认", "event": "所确认的记录", "role": "所确认的审批",
    "staff": "员工",
    "meeting": "会议纪要",
    "policy": "制度参数",
    "open": "未结",
    "closed": "已结",
    "overdue": "已超时",
    "met": "按时",
    "missed": "超时",
    "pending": "进行中",
    "error": "错误",
    "warning": "警告",
    # common field names, for headings on forms
    "id": "编号",
    "at": "时间",
    "by": "经办人",
    "action": "事项",
    "note": "备注",
    "names": "名称对照",
    "name": "姓名",
    "department": "部门",
    "roles": "岗位",
    "level": "级别",
    "phone": "电话",
    "status": "状态",
    "open_decisions": "未完成决议",
    "held": "召开会议",
    "decided": "形成决议",
    "done": "完成",
    # event actions not named above (handovers, duty logs, swaps)
    "opened": "开始交班", "signed": "交班签字", "asked": "提出疑问", "answered": "答复疑问",
    "refused": "拒绝接班", "resolved": "问题已解决", "accepted": "接班确认", "reviewed": "领班审阅",
    "liability": "责任认定", "logged": "值班登记", "reported": "书面报告", "inspected": "督查",
    "requested": "申请换班", "agreed": "对方同意", "approved": "经理批准", "declined": "未同意",
    "withdrawn": "撤回申请",
    # fixed (Literal) values of record and policy fields
    "stocked": "在库", "drawn": "已领用", "use": "使用", "out": "借出", "returned": "已归还",
    "control_room": "监控室", "locked_separate": "单独加锁存放", "dept_manager": "部门经理批准",
    "notify": "通知即可", "workdays": "工作日", "every_day": "每天", "general": "一般", "minor": "轻微",
    # field names of every record, nested and event model (tests/test_form_labels.py checks none is
    # missing). A field name that is also a value above or an enum value keeps one label that reads
    # right as both (major 重大, complaint 投诉, incoming 接班人 ...).
    # tickets (TKT-*): intake, customer, repair / installation / 客诉 / fault details
    "type": "类型", "channel": "渠道", "origin": "来源", "customer": "客户", "subject": "主题",
    "content": "内容", "first_owner": "首问负责人", "owner": "负责人", "severity": "等级",
    "criteria": "定级依据", "answered_at_intake": "受理时已答复", "promised_reply_at": "承诺答复时间",
    "customer_requested_by": "客户要求完成时间", "reported_by": "报告人", "repair": "报修",
    "installation": "安装", "kesu": "客诉", "fault": "故障",
    "contact": "联系方式", "address": "地址", "internal": "内部报事",
    "kind": "类别", "product_model": "商品型号", "purchase_date": "购买日期", "fault_symptom": "故障现象",
    "plate_number": "车牌号", "warranty_until": "保修期至", "billing": "有偿/无偿", "trade": "工种",
    "request_form": "安装需求单", "vehicle_list": "安装车辆明细", "driver_info": "司机及车辆信息",
    "fee": "费用",
    "kesu_no": "客诉编号", "overseas": "国外", "accepted_at": "受理时间", "loss": "造成损失",
    "abnormality_form": "异常处理单", "order_no": "订单编号", "part_no": "料号", "ship_date": "交运日期",
    "qty": "数量", "defect_qty": "不良数量", "customer_request": "客户要求",
    "occurred_at": "发生时间", "location": "地点", "symptoms": "现象", "response_plan": "处理预案",
    # ticket events
    "to": "接收人", "reason": "原因", "assignee_kind": "派工对象", "text": "内容",
    "resolution": "处理结果", "reply_text": "答复客户内容", "corrective_action": "纠正措施",
    "findings": "查明情况", "evidence": "证据", "validity": "有效性", "invalid_reason": "无效原因",
    "verified_by": "核实人", "cause_class": "原因分类", "decision": "决定", "dispatch": "派工单",
    "technician": "维修技术员", "old_terminal_no": "原终端号", "new_terminal_no": "新终端号",
    "old_sim": "旧SIM卡", "new_sim": "新SIM卡", "tape_label_attached": "已贴胶带标签",
    "parts": "更换配件", "parts_fee": "配件费", "labour_fee": "人工费", "out_of_warranty": "保修期外",
    "invoice_no": "发票号", "mode": "回访方式", "reached": "已联系上", "satisfied": "满意",
    "signature": "客户签字", "joined_by": "陪同回访人", "notes": "说明", "amount": "金额", "receiver": "收款人", "impact": "影响",
    "handling": "处理经过", "root_cause": "根本原因", "corrective": "纠正措施", "preventive": "预防措施",
    "sent_to_customer_at": "送客户时间", "sent_to_business_at": "送业务部门时间",
    "customer_notified_at": "通知客户时间",
    # handovers and duty logs (HOV-*)
    "date": "日期", "post": "岗位", "shift": "班次", "from_post": "交班岗位", "outgoing": "交班人",
    "incoming": "接班人", "arrived_at": "到岗时间", "shift_summary": "本班工作情况",
    "checklist": "检查情况", "after_hours": "非工作时间事项", "urgent": "特殊紧急情况",
    "reported_to_cs_manager_at": "报客服经理时间", "reported_to_security_manager_at": "报保安经理时间",
    "keys": "钥匙", "undelivered_mail": "未派送邮件", "unfinished": "未完成事项",
    "cabinet_locked": "柜已上锁", "on_duty": "当前值班人", "item": "项目", "result": "结果",
    "summary": "摘要", "addressee": "收件人", "count": "份数", "question": "疑问",
    "question_no": "疑问序号", "answer": "答复", "ground": "拒接理由", "escalated_to": "上报给",
    "read_log": "已阅交班记录", "cause": "原因", "liable": "责任人", "what": "情况",
    "duty_person": "值班人", "start": "开始时间", "end": "结束时间", "entry": "登记事项",
    "entry_no": "登记序号", "major": "重大", "reported_to": "报告对象", "reported_at": "报告时间",
    "written_report_at": "书面报告时间",
    # rosters and swaps
    "shifts": "班次设置", "days": "每日排班", "duty_manager": "值班经理", "on": "上岗安排",
    "leave": "请假", "approved_by": "批准人", "requester": "换班者", "counterpart": "还班者",
    "repay": "还班",
    # staff
    "git_emails": "Git邮箱", "active": "在职", "signing_keys": "签名公钥", "entered_by": "录入人", "effective_from": "施行时间",
    "audit": "审计", "policy_editors": "可修改制度的角色", "require_signed": "要求提交签名",
    # keys, key loans, checks and shifts (KEY-*)
    "category": "类别", "slot": "钥匙柜位", "unit": "单位", "approval": "审批要求", "state": "状态",
    "seal_no": "封存编号", "copies": "钥匙套", "copy_no": "套号", "holder": "保管部门",
    "custodian": "保管人", "sealed": "封存", "awaiting_redistribution": "待重新分发",
    "custody_agreement_ref": "托管协议编号", "unit_handover_ref": "收楼交接编号", "path": "启封途径",
    "requested_by": "申请人", "customer_unreachable": "无法联系客户", "witnesses": "见证人",
    "application_ref": "书面申请编号", "confirmed_with": "确认对象", "before_note": "使用前记录",
    "after_note": "使用后记录", "signed_by": "签字人", "company_seal_affixed": "已盖公章",
    "user_signature": "用户签字", "filed": "已存档", "reported_to_security": "报告保安",
    "reported_to_manager": "报告经理", "precautions": "防范措施", "account": "事情经过",
    "liable_person": "责任人", "loss_amount": "经济损失(元)", "concealed": "故意隐瞒", "loan": "借用记录",
    "found_by": "拾获人", "found_at": "拾获时间", "request": "书面申请", "handed_to": "移交给",
    "borrower": "借用人", "purpose": "用途", "on_behalf_of": "代借单位", "issued_by": "发放人",
    "due": "期限", "special_reason": "特殊原因", "emergency_reason": "紧急使用原因",
    "off_site": "带离现场", "permitted_by": "带离批准人", "returned_by": "交回人",
    "power_off": "已断电", "windows_closed": "已关窗", "unit_locked": "已锁门", "day": "日期",
    "checked_by": "检查人", "checked_at": "检查时间", "outstanding": "未归还",
    "count_checked": "已清点", "received_by": "接收人",
    # hazmat (REG-HAZ-*)
    "storage": "存放方式", "lend_out_to": "外借给", "lend_out_approved_by": "外借批准人",
    "qty_used": "使用数量", "qty_returned": "退回数量",
    # meetings
    "chair": "主持人", "attendees": "参会人",
    # every record
    "schema_version": "格式版本", "events": "办理经过",
    # policy
    "timezone": "时区", "office": "办公室", "business_hours": "办公时间", "calendar": "工作日历",
    "sla": "时限", "duty": "值班", "reports": "报表", "kpi": "考核指标",
    "complaint_location": "投诉地点", "complaint_phone": "投诉电话", "weekdays": "工作日",
    "makeup_workday_as": "调休上班按", "country": "国家", "extra_holidays": "增加假日",
    "extra_workdays": "增加工作日", "special_days": "特殊日", "complaint": "投诉",
    "night_handover_time": "夜班交接时间", "reply_working_hours": "答复时限(工作小时)",
    "night_start": "夜间开始", "resolve_working_hours_by_type": "各类处理时限",
    "dispatch_approval": "派工审批", "forward_min": "转呈时限(分钟)",
    "report_major_min": "重大投诉上报(分钟)", "resolve_working_hours": "处理时限(工作小时)",
    "major_answer_days": "重大投诉答复(天)", "investigate_same_day": "当日调查",
    "investigation_start_gap_min": "调查开始间隔(分钟)", "complaint_hours": "投诉回访时限(小时)",
    "repair_working_hours": "报修回访时限(工作小时)", "repair_target": "报修回访率",
    "internal_repair_target": "内部报修回访率", "complaint_roles": "投诉回访岗位",
    "allow_delegate": "可由主管代回访", "domestic_days": "国内结案(天)", "overseas_days": "国外结案(天)",
    "qa_report_days": "质量报告(天)", "opinion_days": "意见回复(天)",
    "incoming_early_min": "接班提前(分钟)", "outgoing_prepare_min": "交班准备(分钟)",
    "security_handover_times": "保安交接时间", "check_items": "检查项目", "max_per_month": "每月上限",
    "leave_approvers": "请假审批人", "max_away_min": "最长离岗(分钟)",
    "approval_categories": "需审批类别", "contractor_escort_roles": "施工人员陪同岗位",
    "vacant_unit_holder": "空置单元钥匙保管", "loss_notify": "遗失通知", "loan_due_time": "归还时限",
    "check_days": "检查日", "check_lookback_days": "检查追溯(天)",
    "sealed_estate_require_approval": "保安封存钥匙需审批", "extra_items": "增补危险品",
    "monthly_due_day": "月报报送日", "kesu_stats_due_day": "客诉统计报送日",
    "satisfaction": "满意率", "valid_complaint_rate": "有效投诉率", "sampling_rate": "回访抽样率",
}


def zh(value: object) -> str:
    """Chinese name for an enum member or a known word; the value itself otherwise."""
    if isinstance(value, LabeledEnum):
        return value.label
    if isinstance(value, Enum):
        return str(value.value)
    if value is None:
        return ""
    text = str(value)
    return WORDS.get(text, text)


#: Display names of the identifiers an office configures itself (posts, shifts, checklist items),
#: kept apart from WORDS because they collide with field names (a `day` shift is 白班, a `day` field 日期).
#: An office names its own in policy.yaml `names:`, which takes precedence.
OFFICE_NAMES: dict[str, str] = {
    "cs_office": "客服中心", "front_desk": "前台", "control_room": "保安监控室",
    "early": "早班", "middle": "中班", "late": "晚班", "day": "白班", "night": "夜班",
    "phones": "电话", "computers": "电脑", "water_dispenser": "饮水机", "keys": "钥匙", "records": "记录本",
    "hygiene": "卫生", "mail": "信件报刊", "cabinet": "文件柜", "monitors": "监控设备", "radios": "对讲机",
    "handover_book": "交接班本", "equipment": "设备", "printer": "打印机", "fax": "传真机",
}
