"""In a real browser: open a small count with its board, count on a phone by typing sicil numbers,
see found / missing / unexpected update at once, close the count and download the Sayım Tutanağı."""

import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from bilge.assets.models import Count
from bilge.assets.views.labels import qr_data_uri

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 3}


DECODE = """async (src) => {
  const img = new Image();
  img.src = src;
  await img.decode();
  const canvas = document.createElement("canvas");
  canvas.width = img.width + 64;
  canvas.height = img.height + 64;
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(img, 32, 32);
  const data = ctx.getImageData(0, 0, canvas.width, canvas.height);
  const code = window.jsQR(data.data, data.width, data.height);
  return code ? code.data : null;
}"""


def pick_person(page, row: int, person):
    page.get_by_test_id(f"autocomplete-member_{row}").fill(person.last_name)
    expect(page.locator(f"#id_member_{row} option[value='{person.pk}']")).to_have_count(1)
    page.select_option(f"#id_member_{row}", str(person.pk))


def test_a_small_count_typed_on_a_phone_and_closed_with_its_record(inv, make_device, new_page, sign_in):
    devices = [make_device("pc"), make_device("pc"), make_device("printer")]
    stray = make_device("printer", warehouse=None, location=inv["locations"]["room"])
    p = inv["people"]

    desk = sign_in(new_page(), inv["users"]["ipek"])
    desk.goto("/assets/counts/open/")
    desk.select_option("#id_warehouse", str(inv["warehouse"].pk))
    pick_person(desk, 1, p["emre"])
    desk.get_by_test_id("chair-1").check()
    pick_person(desk, 2, p["oya"])
    desk.get_by_test_id("open-count").click()
    # The warehouse's kayıt officer is missing from the board: refused, and said so.
    expect(desk.get_by_test_id("form-errors")).to_contain_text("İpek Ünal")
    assert not Count.objects.exists()
    pick_person(desk, 1, p["emre"])
    desk.get_by_test_id("chair-1").check()
    pick_person(desk, 2, p["oya"])
    pick_person(desk, 3, p["ipek"])
    desk.get_by_test_id("open-count").click()
    expect(desk.get_by_test_id("count-state")).to_be_visible()
    count = Count.objects.get()
    expect(desk.get_by_test_id("n-expected")).to_have_text("3")

    phone = sign_in(new_page(**PHONE), inv["users"]["emre"])
    phone.goto(count.get_absolute_url())
    expect(phone.get_by_test_id("n-missing")).to_have_text("3")
    box = phone.get_by_test_id("scan-code")
    box.fill(devices[0].sicil_no)
    box.press("Enter")
    expect(phone.get_by_test_id("scan-result")).to_have_attribute("data-result", "found")
    expect(phone.get_by_test_id("n-found")).to_have_text("1")
    expect(phone.get_by_test_id("n-missing")).to_have_text("2")
    expect(box).to_have_value("")  # ready for the next one
    # A label's QR read by the phone's own camera app opens the resolver: the count screen counts it.
    phone.goto(f"/assets/q/{devices[1].sicil_no}/")
    expect(phone.get_by_test_id("scan-result")).to_have_attribute("data-result", "found")
    expect(phone.get_by_test_id("n-found")).to_have_text("2")
    box = phone.get_by_test_id("scan-code")
    # The vendored decoder (used where the browser has no BarcodeDetector) reads our labels' QR codes.
    url = f"http://bilge.example/assets/q/{devices[2].sicil_no}/"
    assert phone.evaluate(DECODE, qr_data_uri(url)) == url
    box.fill(stray.sicil_no)
    box.press("Enter")
    expect(phone.get_by_test_id("scan-result")).to_have_attribute("data-result", "unexpected")
    expect(phone.get_by_test_id("n-unexpected")).to_have_text("1")
    expect(phone.get_by_test_id("list-unexpected")).to_contain_text(stray.sicil_no)
    box.fill("255.01.02.01/26/999999")
    box.press("Enter")
    expect(phone.get_by_test_id("scan-result")).to_have_attribute("data-result", "unknown")
    expect(phone.get_by_test_id("list-missing")).to_contain_text(devices[2].sicil_no)
    expect(phone.get_by_test_id("list-found")).to_contain_text(devices[0].sicil_no)
    expect(phone.get_by_test_id("camera-start")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    phone.once("dialog", lambda dialog: dialog.accept())
    phone.get_by_test_id("close-count").click()
    expect(phone.get_by_test_id("scan-form")).to_have_count(0)
    count.refresh_from_db()
    assert count.state == Count.State.CLOSED
    with phone.expect_download() as download:
        phone.get_by_test_id("count-pdf").click()
    data = open(download.value.path(), "rb").read()
    text = "\n".join(pg.extract_text() for pg in PdfReader(io.BytesIO(data)).pages)
    assert "Sayım Tutanağı" in text and count.number in text
    for device in devices + [stray]:
        assert device.sicil_no in text
