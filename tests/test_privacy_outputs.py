"""REG-PHN-01: no command shows a customer's full phone number: text, JSON, findings, forms on
stdout or written to a file, the monthly report."""

from __future__ import annotations

import json
import re

from tests.fixtures import Office

NOW = "2026-11-02T09:00:00+08:00"
PHONE = "13912345678"
MASKED = "139****5678"


def _ticket(office: Office) -> str:
    out = office.ok("ticket", "new", "--type", "consultation", "--channel", "phone", "--customer", "刘女士",
                    "--contact", PHONE, "--content", f"客户来电 {PHONE} 询问停车月卡", as_="CS001", now=NOW).output
    found = re.search(r"T-\d{4}-[A-Z]\d+", out)
    assert found, out
    return found.group(0)


def test_show_list_and_json_mask_the_number(office: Office) -> None:
    ticket = _ticket(office)
    assert PHONE in next((office.root / "records" / "tickets").rglob("*.yaml")).read_text(encoding="utf-8")
    for args in (("ticket", "show", ticket), ("ticket", "list"), ("--format", "json", "ticket", "show", ticket)):
        result = office.ok(*args, as_="CS001", now=NOW)
        assert PHONE not in result.output, args
    shown = office.ok("ticket", "show", ticket, as_="CS001", now=NOW).output
    assert MASKED in shown
    data = json.loads(office.ok("--format", "json", "ticket", "show", ticket, as_="CS001", now=NOW).output)
    assert MASKED in json.dumps(data, ensure_ascii=False)


def test_a_form_masks_the_number_on_stdout_and_in_its_file(office: Office) -> None:
    ticket = _ticket(office)
    printed = office.ok("form", ticket, as_="CS001", now=NOW).output
    assert PHONE not in printed and MASKED in printed
    out = office.root.parent / "form.html"
    office.ok("form", ticket, "--out", str(out), as_="CS001", now=NOW)
    html = out.read_text(encoding="utf-8")
    assert PHONE not in html and MASKED in html


def test_a_finding_never_echoes_a_full_number(office: Office) -> None:
    _ticket(office)
    path = next((office.root / "records" / "tickets").rglob("*.yaml"))
    text = path.read_text(encoding="utf-8").replace("received_at:", f"received_at: {PHONE}  #", 1)
    text = text.replace("channel: phone", f"channel: '{PHONE}'", 1)
    path.write_text(text, encoding="utf-8")
    result = office.run("validate", now=NOW)
    assert result.exit_code == 1 and PHONE not in result.output and MASKED in result.output
