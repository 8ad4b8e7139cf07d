"""QR labels: one QR per device on the chosen sheet's geometry, the QR's URL, and the resolver
that opens the device page or the count screen."""

import io

import pytest
import segno
from django.urls import reverse
from pypdf import PdfReader

from bilge.assets.services import counts as count_services
from bilge.assets.views.labels import SHEETS, qr_data_uri

MM = 72 / 25.4  # PDF points per millimetre
A4 = (595.28, 841.89)


def _pdf(response):
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/pdf"
    return PdfReader(io.BytesIO(response.content))


def _placed_images(page) -> int:
    """How many images the page draws (its content stream's ``Do`` of image XObjects)."""
    from pypdf.generic import ContentStream

    xobjects = page["/Resources"]["/XObject"]
    placed = 0
    for operands, operator in ContentStream(page.get_contents(), page.pdf).operations:
        if operator == b"Do" and xobjects[operands[0]].get_object()["/Subtype"] == "/Image":
            placed += 1
    return placed


def _text_positions(page):
    """(text, x mm, y mm from the top) of every text run on the page."""
    found = []
    height = float(page.mediabox.height)

    def visit(text, cm, tm, font, size):
        if text.strip():
            x = cm[0] * tm[4] + cm[2] * tm[5] + cm[4]
            y = cm[1] * tm[4] + cm[3] * tm[5] + cm[5]
            found.append((text.strip(), x / MM, (height - y) / MM))

    page.extract_text(visitor_text=visit)
    return found


@pytest.fixture
def devices(inv, make_device):
    return [make_device("pc") for _ in range(4)] + [make_device("printer")]


@pytest.mark.parametrize("sheet_key", ["a4_3x8", "a4_2x7", "a4_4x10"])
def test_label_sheet_has_one_qr_per_device_on_the_sheet_geometry(client, inv, devices, sheet_key):
    sheet = SHEETS[sheet_key]
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "tr"  # labels in Turkish
    client.force_login(inv["users"]["ipek"])
    response = client.post(reverse("assets:labels"), {"ids": [d.pk for d in devices[:3]],
                                                      "sicil_nos": f"{devices[3].sicil_no}\n{devices[4].sicil_no}",
                                                      "sheet": sheet_key})
    reader = _pdf(response)
    assert len(reader.pages) == 1
    page = reader.pages[0]
    assert (round(float(page.mediabox.width), 0), round(float(page.mediabox.height), 0)) == (595, 842)
    assert _placed_images(page) == 5  # one QR per device
    runs = sorted(((x, y) for text, x, y in _text_positions(page) if text.startswith("255.01.02.0")),
                  key=lambda pos: (round(pos[1]), pos[0]))
    assert len(runs) == 5
    for index, (x, y) in enumerate(runs):
        left, top = sheet.position(index)
        assert left + sheet.qr_size < x < left + sheet.width, (index, x, left)
        assert top < y < top + sheet.height, (index, y, top)
    text = page.extract_text()
    for device in devices:
        assert device.sicil_no in text.replace("\n", "")
    assert "TEST" in text  # the institution's short name
    assert "Masaüstü bilgisayar" in text and "Yazıcı" in text


def test_sheet_geometry_fits_a4():
    for sheet in SHEETS.values():
        right = sheet.left + sheet.cols * sheet.width + (sheet.cols - 1) * sheet.hgap
        bottom = sheet.top + sheet.rows * sheet.height + (sheet.rows - 1) * sheet.vgap
        assert right <= 210.01 and bottom <= 297.01, sheet.key
    assert SHEETS["a4_3x8"].position(4) == (70, 37.5)
    assert SHEETS["a4_2x7"].position(3) == (4.65 + 99.1 + 2.5, 15.15 + 38.1)
    assert SHEETS["a4_4x10"].per_page == 40


def test_many_devices_take_several_pages_and_skip_leaves_used_labels(client, inv, devices, make_device):
    more = devices + [make_device("pc") for _ in range(4)]
    client.force_login(inv["users"]["ipek"])
    reader = _pdf(client.post(reverse("assets:labels"), {"ids": [d.pk for d in more], "sheet": "a4_2x7",
                                                         "skip": 10}))
    assert [_placed_images(p) for p in reader.pages] == [4, 5]


def test_the_qr_holds_the_resolver_url(client, inv, devices, settings):
    settings.BILGE_BASE_URL = "https://bilge.example.gov.tr/"
    from bilge.assets.views.labels import qr_url

    class Request:
        def build_absolute_uri(self, path):  # not used: the configured address wins
            raise AssertionError

    url = qr_url(Request(), devices[0])
    assert url == f"https://bilge.example.gov.tr/assets/q/{devices[0].sicil_no}/"
    # The PNG in the PDF is exactly segno's rendering of that URL.
    assert qr_data_uri(url) == segno.make(url, error="m", micro=False).png_data_uri(scale=8, border=2)


def test_unknown_sicil_numbers_are_named(client, inv, devices):
    client.force_login(inv["users"]["ipek"])
    response = client.post(reverse("assets:labels"), {"sicil_nos": "255.01.02.01/26/999999", "sheet": "a4_3x8"})
    assert response.status_code == 400
    assert "255.01.02.01/26/999999" in response.content.decode()


def test_labels_need_the_assets_right(client, inv, devices, make_user):
    outsider = make_user("outsider", roles=[(["org.view"], "institution")])
    client.force_login(outsider)
    assert client.post(reverse("assets:labels"), {"ids": [devices[0].pk], "sheet": "a4_3x8"}).status_code == 403
    # An employee sees only the devices in their custody: others' labels cannot be made.
    client.force_login(inv["users"]["cagri"])
    response = client.post(reverse("assets:labels"), {"sicil_nos": devices[0].sicil_no, "sheet": "a4_3x8"})
    assert response.status_code == 400


def test_resolver_opens_the_device_page_or_the_count_screen(client, inv, devices):
    device = devices[0]
    url = reverse("assets:device_qr", args=[device.sicil_no])
    assert url == f"/assets/q/{device.sicil_no}/"
    client.force_login(inv["users"]["emre"])
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == device.get_absolute_url()
    p = inv["people"]
    count = count_services.open_count(inv["users"]["ipek"], 2026, warehouse=inv["warehouse"],
                                      members=[(p["ipek"], True), (p["emre"], False), (p["oya"], False)])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(count.get_absolute_url() + "?code=")
    # The count screen then counts it at once (the form is filled and sent by the page).
    page = client.get(response["Location"])
    assert 'data-autosubmit="1"' in page.content.decode() and device.sicil_no in page.content.decode()
    # Someone not on the board who may not see the device gets nothing.
    client.force_login(inv["users"]["ismail"])
    assert client.get(url).status_code == 404
    assert client.get(reverse("assets:device_qr", args=["255.01.02.01/26/999999"])).status_code == 404


def test_the_device_lists_selection_fills_the_label_and_disposal_forms(client, inv, devices):
    client.force_login(inv["users"]["ipek"])
    ids = [devices[0].pk, devices[2].pk]
    page = client.post(reverse("assets:device_selection"), {"action": "labels", "ids": ids}).content.decode()
    assert 'data-testid="label-form"' in page
    assert all(f'name="ids" value="{pk}"' in page for pk in ids)
    page = client.post(reverse("assets:device_selection"), {"action": "dispose", "ids": ids}).content.decode()
    assert 'data-testid="propose-form"' in page and f'name="ids" value="{ids[1]}"' in page
    client.force_login(inv["users"]["cagri"])
    assert client.post(reverse("assets:device_selection"), {"action": "dispose", "ids": ids}).status_code == 403
