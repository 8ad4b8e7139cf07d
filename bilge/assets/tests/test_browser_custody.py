"""Custody in a real browser: IT staff register a PC through the form (with its type's own
fields), hand it to a person, download the Taşınır Teslim Belgesi and read its text; the person
signs in on a phone and confirms it in "my devices"."""

import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from bilge.assets.models import Custody, Device

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 3}


def test_register_hand_over_download_and_confirm(inv, new_page, sign_in):
    cagri = inv["people"]["cagri"]
    desk = sign_in(new_page(), inv["users"]["ipek"])

    desk.goto("/assets/devices/add/")
    desk.get_by_test_id("type-pc").click()
    desk.select_option("#id_model", str(inv["models"]["pc"].pk))
    desk.fill("#id_serial", "CSP-2026-ÇĞ")
    desk.fill("#id_mac_address", "a0-b1-c2-d3-e4-f5")
    desk.fill("#id_attr_cpu", "Intel i5-13400")
    desk.fill("#id_attr_ram_gb", "16")
    desk.select_option("#id_attr_os", "pardus")
    desk.select_option("#id_warehouse", str(inv["warehouse"].pk))
    desk.get_by_test_id("save").click()
    expect(desk.get_by_test_id("device-attributes")).to_contain_text("Pardus")
    device = Device.objects.get()
    assert device.mac_address == "A0:B1:C2:D3:E4:F5" and device.serial == "CSP-2026-ÇĞ"

    desk.get_by_test_id("hand-over").click()
    expect(desk.locator("#id_devices")).to_have_value(device.sicil_no)
    desk.get_by_test_id("autocomplete-receiver").fill("Öztürk")
    expect(desk.locator(f"#id_receiver option[value='{cagri.pk}']")).to_have_count(1)
    desk.select_option("#id_receiver", str(cagri.pk))
    desk.fill("#id_note", "Göreve başlarken teslim")
    desk.get_by_test_id("custody-save").click()
    expect(desk.get_by_test_id("custody-unconfirmed")).to_be_visible()
    custody = Custody.objects.get()
    device.refresh_from_db()
    assert device.holder == cagri and device.status == Device.Status.IN_USE

    with desk.expect_download() as download:
        desk.get_by_test_id("custody-pdf").click()
    data = open(download.value.path(), "rb").read()
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())
    assert "Taşınır Teslim Belgesi" in text and custody.number in text
    assert "Çağrı Öztürk" in text and device.sicil_no in text and "Yol Bakım Şube Müdürlüğü" in text
    assert "CSP-2026-ÇĞ" in text and "İpek Ünal" in text

    phone = sign_in(new_page(**PHONE), inv["users"]["cagri"])
    phone.goto("/assets/my-devices/")
    expect(phone.get_by_test_id("my-devices")).to_contain_text(device.sicil_no)
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone.get_by_test_id(f"confirm-{custody.pk}").click()
    expect(phone.get_by_test_id("pending")).to_have_count(0)
    expect(phone.get_by_test_id("my-documents")).to_contain_text(custody.number)
    custody.refresh_from_db()
    assert custody.confirmed_at is not None and custody.confirmed_by == inv["users"]["cagri"]
