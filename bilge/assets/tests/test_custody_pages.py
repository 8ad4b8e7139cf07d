"""Custody pages and API: the acts' form, the document and its PDF, "my devices" with the
one-click confirmation, the person page's list and refused exit, and the API's actions."""

import io

import pytest
from django.urls import reverse

from bilge.assets.models import Custody, Device
from bilge.assets.services.custody import hand_over

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())


@pytest.fixture
def client_for(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def test_handover_through_the_form_and_the_pdf(inv, make_device, client_for):
    pc, printer = make_device(), make_device("printer")
    c = client_for(inv["users"]["ipek"])
    url = reverse("assets:custody_act", args=["handover"])
    assert pc.sicil_no in c.get(url, {"devices": f"{pc.pk},{printer.pk}"}).content.decode()
    bad = c.post(url, {"devices": f"{pc.sicil_no}\nYOK-1"})
    assert bad.status_code == 400 and "YOK-1" in bad.content.decode() and not Custody.objects.exists()
    response = c.post(url, {"devices": f"{pc.sicil_no}\n{printer.sicil_no}", "receiver": inv["people"]["cagri"].pk,
                            "note": "Göreve başlama"})
    custody = Custody.objects.get()
    assert response.status_code == 302 and response["Location"] == custody.get_absolute_url()
    assert custody.lines.count() == 2
    detail = c.get(custody.get_absolute_url()).content.decode()
    assert "Çağrı Öztürk" in detail and pc.sicil_no in detail
    pdf = c.get(reverse("assets:custody_pdf", args=[custody.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    text = pdf_text(pdf.content)
    assert "Çağrı Öztürk" in text and pc.sicil_no in text and printer.sicil_no in text
    listed = c.get(reverse("assets:custody_list"), {"unconfirmed": "true"}).content.decode()
    assert custody.number in listed
    assert custody.number not in c.get(reverse("assets:custody_list"), {"unconfirmed": "false"}).content.decode()
    assert c.get(reverse("assets:custody_history", args=[custody.pk])).status_code == 200
    assert c.get(reverse("assets:custody_list"), {"export": "xlsx"}).status_code == 200
    again = c.post(url, {"devices": pc.sicil_no, "receiver": inv["people"]["oya"].pk})
    assert again.status_code == 400 and "Çağrı Öztürk" in again.content.decode()  # "already held by"
    # an outsider neither lists nor downloads it
    ilgaz = client_for(inv["users"]["ilgaz"])
    assert ilgaz.get(reverse("assets:custody_pdf", args=[custody.pk])).status_code == 404
    assert ilgaz.get(custody.get_absolute_url()).status_code == 404
    assert ilgaz.get(url).status_code == 403


def test_my_devices_and_one_click_confirmation(inv, make_device, client_for):
    pc = make_device()
    custody = hand_over(inv["users"]["ipek"], [pc], receiver=inv["people"]["cagri"])
    c = client_for(inv["users"]["cagri"])
    page = c.get(reverse("assets:my_devices")).content.decode()
    assert pc.sicil_no in page and custody.number in page and f'data-testid="confirm-{custody.pk}"' in page
    assert c.get(reverse("assets:custody_pdf", args=[custody.pk])).status_code == 200
    c.post(reverse("assets:custody_confirm", args=[custody.pk]))
    custody.refresh_from_db()
    assert custody.confirmed_at is not None and custody.confirmed_by == inv["users"]["cagri"]
    page = c.get(reverse("assets:my_devices")).content.decode()
    assert f'data-testid="confirm-{custody.pk}"' not in page
    other = client_for(inv["users"]["oya"]) if "oya" in inv["users"] else client_for(inv["users"]["ilgaz"])
    assert other.post(reverse("assets:custody_confirm", args=[custody.pk])).status_code == 403


def test_person_page_lists_open_items_and_the_exit_is_refused(inv, make_device, client_for, make_user):
    pc = make_device()
    hand_over(inv["users"]["ipek"], [pc], receiver=inv["people"]["cagri"])
    hr = make_user("ik", roles=[("Personel yöneticisi", "institution")], institution=inv["institution"])
    c = client_for(hr)
    cagri = inv["people"]["cagri"]
    page = c.get(cagri.get_absolute_url()).content.decode()
    assert 'data-testid="person-custody"' not in page  # no assets right: the panel is not shown
    it_head = make_user("bidb", roles=[(["org.view", "assets.view"], "institution")],
                        institution=inv["institution"])
    page = client_for(it_head).get(cagri.get_absolute_url()).content.decode()
    assert 'data-testid="person-custody"' in page and pc.sicil_no in page
    hr_client = client_for(hr)
    data = {"registration_no": cagri.registration_no, "first_name": cagri.first_name, "last_name": cagri.last_name,
            "unit": cagri.unit_id, "position": cagri.position_id, "employment_type": cagri.employment_type,
            "end_date": "31.12.2026"}
    response = hr_client.post(reverse("core:person_edit", args=[cagri.pk]), data)
    assert response.status_code == 400 and pc.sicil_no in response.content.decode()
    cagri.refresh_from_db()
    assert cagri.end_date is None


def test_the_room_list_pdf(inv, make_device, client_for):
    screen = make_device("printer")
    hand_over(inv["users"]["ipek"], [screen], room=inv["locations"]["meeting"])
    c = client_for(inv["users"]["ipek"])
    page = c.get(inv["locations"]["meeting"].get_absolute_url()).content.decode()
    assert 'data-testid="room-list-pdf"' in page and screen.sicil_no in page
    text = pdf_text(c.get(reverse("assets:custody_room_pdf", args=[inv["locations"]["meeting"].pk])).content)
    assert "Dayanıklı Taşınırlar Listesi" in text and screen.sicil_no in text


def test_the_api_acts_through_the_services(inv, make_device):
    from rest_framework.test import APIClient

    pc, printer = make_device(), make_device("printer")
    api = APIClient()
    api.force_authenticate(inv["users"]["ipek"])
    response = api.post("/api/custodies/handover/", {"devices": [pc.pk, printer.pk],
                                                        "receiver": inv["people"]["cagri"].pk}, format="json")
    assert response.status_code == 201, response.content
    custody_id = response.json()["id"]
    assert response.json()["number"].startswith("TTB-") and len(response.json()["lines"]) == 2
    again = api.post("/api/custodies/handover/", {"devices": [pc.pk], "receiver": inv["people"]["oya"].pk},
                     format="json")
    assert again.status_code == 400 and pc.sicil_no in str(again.json())
    moved = api.post("/api/custodies/transfer/", {"devices": [printer.pk], "receiver": inv["people"]["oya"].pk},
                     format="json")
    assert moved.status_code == 201 and Device.objects.get(pk=printer.pk).holder == inv["people"]["oya"]
    back = api.post("/api/custodies/take-back/", {"devices": [printer.pk], "warehouse": inv["warehouse"].pk},
                    format="json")
    assert back.status_code == 201 and Device.objects.get(pk=printer.pk).status == "in_warehouse"

    employee = APIClient()
    employee.force_authenticate(inv["users"]["cagri"])
    listed = employee.get("/api/custodies/").json()
    assert {row["id"] for row in listed["results"]} == {custody_id, moved.json()["id"]}  # received, and given
    assert employee.post("/api/custodies/handover/", {"devices": [pc.pk], "receiver": inv["people"]["oya"].pk},
                         format="json").status_code == 403
    confirmed = employee.post(f"/api/custodies/{custody_id}/confirm/")
    assert confirmed.status_code == 200 and confirmed.json()["confirmed_at"]
    assert api.post(f"/api/custodies/{moved.json()['id']}/confirm/").status_code == 403


def test_my_devices_explains_an_account_without_a_person(client, inv, admin_user):
    client.force_login(admin_user)
    response = client.get("/assets/my-devices/")
    assert response.status_code == 200
    assert 'data-testid="no-person"' in response.content.decode()
