"""Disposal through the pages and the API: propose, committee, decide, wipe, complete, the
Kayıttan Düşme Teklif ve Onay Tutanağı PDF, the list and its export, permissions."""

import io

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from pypdf import PdfReader

from bilge.assets.models import Device, Disposal


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def pdf_text(response) -> str:
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)


def test_the_whole_disposal_through_the_pages(client, inv, make_device):
    pc, printer = make_device("pc"), make_device("printer")
    p = inv["people"]
    client.force_login(inv["users"]["ipek"])
    page = client.get(reverse("assets:disposal_propose") + f"?ids={pc.pk}")
    assert page.status_code == 200 and f'name="ids" value="{pc.pk}"' in page.content.decode()
    response = client.post(reverse("assets:disposal_propose"), {
        "ids": [pc.pk], "sicil_nos": printer.sicil_no, "reason": "Ekonomik ömrünü doldurdu", "method": "scrap",
        "warehouse": inv["warehouse"].pk})
    disposal = Disposal.objects.get()
    assert response.status_code == 302 and response["Location"] == disposal.get_absolute_url()
    assert disposal.items.count() == 2

    # A committee of two is refused with the rule named.
    client.post(reverse("assets:disposal_committee", args=[disposal.pk]), {
        "member_1": p["ipek"].pk, "chair_1": "on", "expert_1": "on", "member_2": p["emre"].pk})
    page = client.get(disposal.get_absolute_url()).content.decode()
    assert "at least 3 members" in page and not disposal.members.exists()
    client.post(reverse("assets:disposal_committee", args=[disposal.pk]), {
        "member_1": p["ipek"].pk, "chair_1": "on", "member_2": p["emre"].pk, "expert_2": "on",
        "member_3": p["oya"].pk})
    assert disposal.members.count() == 3

    today = timezone.localdate()
    client.post(reverse("assets:disposal_decide", args=[disposal.pk]), {
        "approved": "yes", "decision_date": today.isoformat(), "decision_no": "2026/14", "note": ""})
    disposal.refresh_from_db()
    assert disposal.state == Disposal.State.APPROVED

    # Completion is refused while the PC (it stores data) has no wiping evidence; the page names it.
    response = client.post(reverse("assets:disposal_complete", args=[disposal.pk]), follow=True)
    assert pc.sicil_no in response.content.decode() and "3.1.1.6" in response.content.decode()
    disposal.refresh_from_db()
    assert disposal.state == Disposal.State.APPROVED
    item = disposal.items.get(device=pc)
    page = client.get(disposal.get_absolute_url()).content.decode()
    assert f'data-testid="wiping-form-{item.pk}"' in page
    assert f'data-testid="wiping-form-{disposal.items.get(device=printer).pk}"' not in page  # stores no data
    client.post(reverse("assets:disposal_wiping", args=[disposal.pk, item.pk]), {
        "method": "Disk fiziksel olarak imha edildi", "evidence": "İmha tutanağı 2026/3", "wiped_by": p["emre"].pk})
    client.post(reverse("assets:disposal_complete", args=[disposal.pk]))
    disposal.refresh_from_db()
    assert disposal.state == Disposal.State.COMPLETED
    assert set(Device.objects.filter(pk__in=[pc.pk, printer.pk]).values_list("status", flat=True)) == {"disposed"}

    # Disposed devices are still listed (with the disposed status filter) and the disposal too.
    listing = client.get(reverse("assets:device_list") + "?status=disposed").content.decode()
    assert pc.sicil_no in listing and printer.sicil_no in listing
    assert disposal.number in client.get(reverse("assets:disposal_list")).content.decode()
    assert client.get(reverse("assets:disposal_history", args=[disposal.pk])).status_code == 200
    export = client.get(reverse("assets:disposal_list") + "?export=xlsx")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")

    text = pdf_text(client.get(reverse("assets:disposal_pdf", args=[disposal.pk])))
    for expected in ("Kayıttan Düşme Teklif ve Onay Tutanağı", "Test Büyükşehir Belediyesi", disposal.number,
                     pc.sicil_no, printer.sicil_no, pc.serial, "255.01.02.01", "Ekonomik ömrünü doldurdu",
                     "İpek Ünal", "Emre Güneş", "Oya Cem", "2026/14", "İmha tutanağı 2026/3"):
        assert expected in text, expected


def test_deciding_needs_the_approve_right(client, inv, make_device, make_user):
    from bilge.assets.services import disposal as svc

    p = inv["people"]
    disposal = svc.propose(inv["users"]["ipek"], [make_device("pc")], "Eski", "scrap")
    svc.set_committee(inv["users"]["ipek"], disposal,
                      [(p["ipek"], True, False), (p["emre"], False, True), (p["oya"], False, False)])
    clerk = make_user("clerk", roles=[(["assets.view", "assets.change", "assets.add"], "institution")],
                      institution=inv["institution"])
    client.force_login(clerk)
    page = client.get(disposal.get_absolute_url()).content.decode()
    assert 'data-testid="decision-form"' not in page
    response = client.post(reverse("assets:disposal_decide", args=[disposal.pk]), {
        "approved": "yes", "decision_date": timezone.localdate().isoformat(), "decision_no": "1"})
    assert response.status_code == 403
    disposal.refresh_from_db()
    assert disposal.state == Disposal.State.PROPOSED


def test_employees_cannot_reach_disposals(client, inv, make_device):
    from bilge.assets.services import disposal as svc

    disposal = svc.propose(inv["users"]["ipek"], [make_device("pc")], "Eski", "scrap")
    client.force_login(inv["users"]["cagri"])
    assert client.get(reverse("assets:disposal_propose")).status_code == 403
    assert client.get(disposal.get_absolute_url()).status_code == 404
    assert client.get(reverse("assets:disposal_pdf", args=[disposal.pk])).status_code == 404
    assert client.post(reverse("assets:disposal_complete", args=[disposal.pk])).status_code == 404


def test_disposal_through_the_api(client, inv, make_device):
    pc = make_device("pc")
    p = inv["people"]
    client.force_login(inv["users"]["ipek"])
    response = client.post("/api/disposals/", {"devices": [pc.pk], "reason": "Arızalı", "method": "recycling"},
                           content_type="application/json")
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert response.json()["number"].startswith("KDT-")
    bad = client.post(f"/api/disposals/{pk}/committee/", {"members": [{"person": p["ipek"].pk, "is_chair": True}]},
                      content_type="application/json")
    assert bad.status_code == 400 and "at least 3" in bad.content.decode()
    ok = client.post(f"/api/disposals/{pk}/committee/", {"members": [
        {"person": p["ipek"].pk, "is_chair": True}, {"person": p["emre"].pk, "is_expert": True},
        {"person": p["oya"].pk}]}, content_type="application/json")
    assert ok.status_code == 200 and len(ok.json()["members"]) == 3
    decided = client.post(f"/api/disposals/{pk}/decide/", {"approved": True, "decision_no": "7",
                                                           "decision_date": timezone.localdate().isoformat()},
                          content_type="application/json")
    assert decided.json()["state"] == "approved"
    refused = client.post(f"/api/disposals/{pk}/complete/", content_type="application/json")
    assert refused.status_code == 400 and pc.sicil_no in refused.content.decode()
    item = decided.json()["items"][0]["id"]
    client.post(f"/api/disposals/{pk}/wiping/", {"item": item, "method": "Üzerine yazma", "evidence": "Log 42",
                                                 "wiped_by": p["emre"].pk}, content_type="application/json")
    done = client.post(f"/api/disposals/{pk}/complete/", content_type="application/json")
    assert done.status_code == 200 and done.json()["state"] == "completed"
    assert client.get(f"/api/disposals/{pk}/").json()["items"][0]["wipe_evidence"] == "Log 42"
