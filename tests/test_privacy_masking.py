"""Masking of personal data (REG-PHN-01): the one function every output uses."""

from csops.privacy import has_plain_phone, mask_address, mask_name, mask_numbers_in, mask_phone


def test_reg_phn_01_mobile_masked_keeping_prefix_and_last_four() -> None:
    assert mask_phone("13412346678") == "134****6678"
    assert mask_phone("+86 134-1234-6678") == "134****6678"
    assert mask_phone("0755-8888-1234") == "0755-****1234"
    assert mask_phone(None) is None
    assert mask_phone("微信") == "微信"


def test_reg_phn_01_numbers_inside_text_are_masked() -> None:
    text = "客户13412346678来电，回拨 13800001111"
    masked = mask_numbers_in(text)
    assert "13412346678" not in masked and "13800001111" not in masked
    assert "134****6678" in masked and "138****1111" in masked
    assert has_plain_phone(text) and not has_plain_phone(masked)


def test_names_and_addresses_for_customer_facing_forms() -> None:
    assert mask_name("郑晓红") == "郑**"
    assert mask_name("郑女士") == "郑女士"
    assert mask_name("深圳市某某科技有限公司") == "深圳市某某科技有限公司"
    assert mask_address("3栋2单元1801") == "3栋2单元****"
