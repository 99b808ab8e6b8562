"""Printable forms of the key and hazmat records (csops form): the registers the sources name."""

from __future__ import annotations

from tests.fixtures import Office
from tests.keyhelpers import add_registry, at, ok


def test_key_forms_print_the_register_lines_in_chinese(office: Office) -> None:
    add_registry(office)
    ok(office, "A001", at("09:00"), "key", "lend", "VU-1203", "--to", "Z001", "--purpose", "带客户看房")
    ok(office, "A002", at("10:00"), "key", "return", "VU-1203", "--power-off", "--windows-closed", "--locked")
    ok(office, "M001", at("22:00"), "key", "unseal", "ST-0805", "--path", "emergency", "--reason", "漏水",
       "--customer-unreachable", "--approved-by", "G001", "--witness", "A001", "--witness", "A002",
       "--witness", "B001", "--before", "封条完好")
    ok(office, "L001", at("08:05"), "key", "pickup", "--key", "AREA-1F")
    ok(office, "S001", at("08:00"), "hazmat", "stock-in", "alcohol", "--qty", "5", "--unit", "瓶")
    ok(office, "L001", at("09:00"), "hazmat", "draw", "alcohol", "--qty", "1", "--purpose", "消毒",
       "--approved-by", "S001")
    when = at("23:00")
    loan = office.ok("form", "KL-2611-A001", now=when).output
    assert "钥匙借用登记表" in loan and "唐婷(Z001)" in loan and "电源已切断 ✔" in loan and "借用人签名" in loan
    sealed = office.ok("form", "ST-0805", now=when).output
    assert "封存钥匙使用记录" in sealed and "陈建国(G001)" in sealed and "罗军(B001)" in sealed
    assert "启封" in sealed and "客服部经理签字" in sealed
    sheet = office.ok("form", "KS-2611-A001", now=when).output
    assert "钥匙交接单" in sheet and "AREA-1F" in sheet and "未交回" in sheet
    use = office.ok("form", "HZ-2611-A002", now=when).output
    assert "危险品使用登记表" in use and "周敏(L001)" in use and "孙丽(S001)" in use
