"""Every field of every record model has a Chinese heading; generic forms print no English keys."""

from __future__ import annotations

import re
import shutil
import typing
from html.parser import HTMLParser

from pydantic import BaseModel

from csops.labels import WORDS
from csops.models import kinds
from tests.fixtures import DEMO_RECORDS, Office

CJK = re.compile(r"[\u3400-\u9fff]")


def field_names() -> dict[str, set[str]]:
    """Field name → the models declaring it: every kind, its nested models and its event models."""
    found: dict[str, set[str]] = {}
    seen: set[type[BaseModel]] = set()

    def walk_type(annotation: object) -> None:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            walk_model(annotation)
            return
        for arg in typing.get_args(annotation):  # unions, Annotated, list[...], dict[..., ...]
            walk_type(arg)

    def walk_model(model: type[BaseModel]) -> None:
        if model in seen:
            return
        seen.add(model)
        for name, info in model.model_fields.items():
            found.setdefault(name, set()).add(model.__name__)
            walk_type(info.annotation)

    for model in kinds().values():
        walk_model(model)
    return found


def test_the_walk_reaches_nested_and_event_models() -> None:
    names = field_names()
    assert {"Ticket", "Dispatch"} <= {m for ms in names.values() for m in ms}
    assert "old_sim" in names and "read_log" in names and "question_no" in names


def test_every_field_name_has_a_chinese_label() -> None:
    missing = sorted(f"{name} ({', '.join(sorted(models))})" for name, models in field_names().items()
                     if not CJK.search(WORDS.get(name, "")))
    assert not missing, "field names with no Chinese label in csops.labels.WORDS:\n" + "\n".join(missing)


class Headings(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.headings: list[str] = []
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag == "th":
            self._depth += 1
            self.headings.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "th":
            self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._depth:
            self.headings[-1] += data.strip()


def generic_form(office: Office, rel: str) -> str:
    """The form of a real demo record, copied into a fresh office."""
    target = office.root / "records" / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(DEMO_RECORDS / rel, target)
    record_id = target.stem
    return office.ok("form", record_id, now="2026-11-23T09:00:00+08:00").output


def assert_reads_in_chinese(html: str) -> None:
    parser = Headings()
    parser.feed(html)
    english = [h for h in parser.headings if not CJK.search(h)]
    assert parser.headings and not english, f"headings with no Chinese: {english}"
    body = html.split("</style>", 1)[1]  # not the stylesheet's `background:`
    keys = [name for name in field_names() if f"{name}：" in body or f"{name}:" in body]
    assert not keys, f"English field keys in event details: {keys}"
    assert "True" not in html and "False" not in html  # booleans print as 是/否
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", html)  # instants go through `when`


def test_generic_ticket_form_has_chinese_headings(office: Office) -> None:
    html = generic_form(office, "tickets/2026/11/T-2611-A019.yaml")
    assert_reads_in_chinese(html)
    for text in ("首问负责人", "车牌号", "保修期至", "旧SIM卡", "新SIM卡", "派工单", "回访方式"):
        assert text in html
    assert "2026-11-20 10:00" in html  # the callback, local time


def test_generic_handover_form_has_chinese_headings(office: Office) -> None:
    html = generic_form(office, "handovers/2026/11/2026-11-10-front_desk-late.yaml")
    assert_reads_in_chinese(html)
    for text in ("交班人", "接班人", "检查情况", "未派送邮件", "接班确认", "已阅交班记录"):
        assert text in html
    assert "柜已上锁</th><td>是" in html


def body_words(html: str, record_id: str) -> set[str]:
    """Lower-case identifier-like words printed in the form's body (tags, stylesheet and the id left out)."""
    body = re.sub(r"<[^>]+>", " ", html.split("<body", 1)[1]).replace(record_id, " ")
    return set(re.findall(r"\b[a-z][a-z_]{2,}\b", body))


def test_generic_forms_name_posts_shifts_and_check_items(office: Office) -> None:
    handover = generic_form(office, "handovers/2026/11/2026-11-10-front_desk-late.yaml")
    assert "前台" in handover and "晚班" in handover and "电话" in handover
    roster = generic_form(office, "rosters/2026-11.yaml")
    assert "保安监控室" in roster and "白班" in roster and "夜班" in roster and "日期</th>" not in roster
    swap = generic_form(office, "swaps/2026/10/SW-2610-A001.yaml")
    assert "客服中心" in swap and "早班" in swap
    for html, record_id in ((handover, "2026-11-10-front_desk-late"), (roster, "2026-11"), (swap, "SW-2610-A001")):
        # the commands the footer names (csops history, the csops verify line to type back) are not prose
        assert not body_words(html, record_id) - {"csops", "git", "history", "verify", "worktree"}
