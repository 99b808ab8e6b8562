"""Printable forms rendered by Jinja: the right template, Chinese headings, escaped content, office overrides."""

from __future__ import annotations

from html.parser import HTMLParser

from tests.fixtures import Office

NOW = "2026-11-20T10:00:00+08:00"


class Cells(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.cells: list[str] = []
        self._in = False

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in ("td", "th", "h1"):
            self._in = True
            self.cells.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th", "h1"):
            self._in = False

    def handle_data(self, data: str) -> None:
        if self._in:
            self.cells[-1] += data.strip()


def cells(html: str) -> list[str]:
    parser = Cells()
    parser.feed(html)
    return parser.cells


def test_meeting_form_lists_decisions_with_owner_and_state(office: Office) -> None:
    office.ok("meeting", "new", "--type", "weekly", "--chair", "M001", "--attendee", "CS001",
              "--content", "本周 <b>回访</b> 情况", as_="M001", now=NOW)
    office.ok("meeting", "decide", "MT-2611-A001", "--text", "补齐回访", "--owner", "CS001",
              "--due", "2026-11-19T18:00:00+08:00", as_="M001", now=NOW)
    html = office.ok("form", "MT-2611-A001", now="2026-11-21T09:00:00+08:00").output
    found = cells(html)
    assert "会议纪要" in found and "周会" in found
    assert "张伟(M001)" in found and "李娜(CS001)" in found
    assert "超时未完成" in found
    assert "&lt;b&gt;回访&lt;/b&gt;" in html  # content is escaped, never markup


def test_any_record_gets_the_generic_form(office: Office) -> None:
    html = office.ok("form", "CS001").output
    found = cells(html)
    assert found[0] == "员工"
    assert "姓名" in found and "李娜" in found and "客服专员" in found


def test_office_can_override_a_form_template(office: Office) -> None:
    office.write("templates/forms/staff.html.j2", '{% extends "forms/base.html.j2" %}{% block heading %}员工登记卡{% endblock %}{% block body %}<p>{{ record.name }}</p>{% endblock %}')
    html = office.ok("form", "CS001", "--out", str(office.root / "card.html")).output
    assert "card.html" in html
    assert "员工登记卡" in (office.root / "card.html").read_text(encoding="utf-8")


def test_unknown_record_is_a_usage_error(office: Office) -> None:
    result = office.run("form", "T-2611-Z999")
    assert result.exit_code == 2 and "no record with id" in result.output
