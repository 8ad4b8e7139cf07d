"""Contract pages and API: add with devices by sicil no, the "ends within 90 days" filter, days
left, Excel export, history, rights; the support endpoint."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from bilge.assets.models import Contract


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def contract(inv, number, days, **kw):
    today = timezone.localdate()
    return Contract.objects.create(institution=inv["institution"], number=number, title=f"Bakım {number}",
                                   vendor="Örnek Bilişim", start_date=today - datetime.timedelta(days=200),
                                   end_date=today + datetime.timedelta(days=days), **kw)


def test_add_contract_with_devices_by_sicil_no(client, inv, make_device):
    a, b = make_device(), make_device()
    client.force_login(inv["users"]["ipek"])
    form = {"number": "2026/31", "title": "Yazıcı bakım onarım", "kind": "maintenance", "vendor": "Örnek Bilişim",
            "vendor_phone": "0312 000 00 00", "start_date": "01.01.2026", "end_date": "31.12.2027",
            "response_terms": "4 saat", "device_list": f"{a.sicil_no}\n{b.sicil_no}, 255.01.02.01/26/999999"}
    response = client.post(reverse("assets:contract_add"), form)
    assert response.status_code == 400
    assert "255.01.02.01/26/999999" in response.content.decode()
    assert not Contract.objects.exists()
    form["device_list"] = f"{a.sicil_no}\n{b.sicil_no}"
    response = client.post(reverse("assets:contract_add"), form)
    saved = Contract.objects.get()
    assert response.status_code == 302 and response["Location"] == saved.get_absolute_url()
    assert saved.institution == inv["institution"]  # preset from the user's person
    assert set(saved.devices.all()) == {a, b}
    page = client.get(saved.get_absolute_url()).content.decode()
    assert a.sicil_no in page and b.sicil_no in page and "days left" in page
    history = client.get(reverse("assets:contract_history", args=[saved.pk]))
    assert history.status_code == 200
    # Editing shows the devices and can remove one.
    edit = client.get(reverse("assets:contract_edit", args=[saved.pk])).content.decode()
    assert a.sicil_no in edit
    form["device_list"] = a.sicil_no
    client.post(reverse("assets:contract_edit", args=[saved.pk]), form)
    assert list(saved.devices.all()) == [a]


def test_list_filters_and_export(client, inv, make_device):
    contract(inv, "SOON", 40)
    contract(inv, "LATER", 200)
    contract(inv, "OVER", -5)
    client.force_login(inv["users"]["ipek"])
    url = reverse("assets:contract_list")
    page = client.get(url, {"expires_within": "90"}).content.decode()
    assert "SOON" in page and "LATER" not in page and "OVER" not in page
    page = client.get(url, {"state": "ended"}).content.decode()
    assert "OVER" in page and "SOON" not in page
    export = client.get(url, {"export": "xlsx", "expires_within": "90"})
    assert export.status_code == 200
    from openpyxl import load_workbook

    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][0] == "SOON"
    assert 40 in rows[1]  # days left


def test_filter_by_covered_device(client, inv, make_device):
    device = make_device()
    covering = contract(inv, "COVER", 100)
    covering.devices.add(device)
    contract(inv, "OTHER", 100)
    client.force_login(inv["users"]["ipek"])
    page = client.get(reverse("assets:contract_list"), {"devices": device.sicil_no}).content.decode()
    assert "COVER" in page and "OTHER" not in page


def test_rights(client, inv):
    c = contract(inv, "X", 10)
    client.force_login(inv["users"]["cagri"])  # an employee: sees their own devices only
    assert client.get(reverse("assets:contract_list")).status_code == 200
    assert client.get(c.get_absolute_url()).status_code == 404
    assert client.get(reverse("assets:contract_add")).status_code == 403


def test_api_contracts_and_support(client, inv, make_device):
    device = make_device(warranty_end=timezone.localdate() + datetime.timedelta(days=300))
    client.force_login(inv["users"]["ipek"])
    response = client.post("/api/contracts/", {
        "institution": inv["institution"].pk, "number": "API-1", "title": "Sunucu desteği", "kind": "support",
        "vendor": "Destek A.Ş.", "vendor_phone": "444 0 444", "start_date": "2026-01-01",
        "end_date": (timezone.localdate() + datetime.timedelta(days=30)).isoformat(), "devices": [device.pk]},
        content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["days_left"] == 30 and response.json()["devices"] == [device.pk]
    support = client.get("/api/contracts/support/", {"device": device.pk}).json()
    assert [(s["vendor"], s["phone"], s["contract_number"], s["is_warranty"]) for s in support] == [
        ("Destek A.Ş.", "444 0 444", "API-1", False), ("Casper", "", "", True)]
    listed = client.get("/api/contracts/", {"expires_within": "90"}).json()
    assert [c["number"] for c in listed["results"]] == ["API-1"]
    client.force_login(inv["users"]["cagri"])
    assert client.get("/api/contracts/support/", {"device": device.pk}).status_code == 404
