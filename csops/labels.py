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
