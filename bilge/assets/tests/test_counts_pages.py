"""Counts through the pages and the API: opening with the board, the count screen's htmx answers,
recount, close, the Sayım Tutanağı PDF, who may see and count."""

import io

import pytest
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from bilge.assets.models import Count, Device
from bilge.assets.services import counts as svc


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def stocked(inv, make_device):
    return [make_device("pc"), make_device("pc"), make_device("printer")]


@pytest.fixture
def board(inv):
    p = inv["people"]
    return [(p["ipek"], False), (p["emre"], True), (p["oya"], False)]


def test_open_a_count_on_the_page(client, inv, stocked):
    p = inv["people"]
    client.force_login(inv["users"]["ipek"])
    assert client.get(reverse("assets:count_open")).status_code == 200
    # Without the kayıt officer the board is refused, and the page says why.
    response = client.post(reverse("assets:count_open"), {
        "year": 2026, "warehouse": inv["warehouse"].pk, "member_1": p["emre"].pk, "chair_1": "on",
        "member_2": p["oya"].pk, "member_3": p["cagri"].pk})
    assert response.status_code == 400 and "İpek Ünal" in response.content.decode()
    assert not Count.objects.exists()
    response = client.post(reverse("assets:count_open"), {
        "year": 2026, "warehouse": inv["warehouse"].pk, "member_1": p["emre"].pk, "chair_1": "on",
        "member_2": p["oya"].pk, "member_3": p["ipek"].pk})
    count = Count.objects.get()
    assert response.status_code == 302 and response["Location"] == count.get_absolute_url()
    assert count.lines.count() == 3 and count.members.count() == 3
    # People of other units can be found for the board.
    options = client.get(reverse("assets:board_person_autocomplete") + "?q=oya").content.decode()
    assert f'value="{p["oya"].pk}"' in options


def test_count_screen_answers_each_scan(client, inv, stocked, board, make_device):
    elsewhere = make_device("printer", warehouse=None, location=inv["locations"]["room"])
    count = svc.open_count(inv["users"]["ipek"], 2026, warehouse=inv["warehouse"], members=board)
    client.force_login(inv["users"]["emre"])
    page = client.get(count.get_absolute_url()).content.decode()
    assert 'data-testid="scan-form"' in page and "jsQR.js" in page and "count_scan.js" in page
    url = reverse("assets:count_scan", args=[count.pk])
    htmx = {"HTTP_HX_REQUEST": "true"}
    panel = client.post(url, {"code": stocked[0].sicil_no}, **htmx).content.decode()
    assert 'data-result="found"' in panel and 'data-testid="n-found">1<' in panel
    assert 'data-testid="n-missing">2<' in panel
    panel = client.post(url, {"code": stocked[0].sicil_no}, **htmx).content.decode()
    assert 'data-result="already"' in panel
    panel = client.post(url, {"code": elsewhere.sicil_no}, **htmx).content.decode()
    assert 'data-result="unexpected"' in panel and 'data-testid="n-unexpected">1<' in panel
    panel = client.post(url, {"code": "255.01.02.01/26/999999"}, **htmx).content.decode()
    assert 'data-result="unknown"' in panel and "255.01.02.01/26/999999" in panel
    # Without htmx the page comes back with the answer as a message.
    response = client.post(url, {"code": stocked[1].sicil_no}, follow=True)
    assert response.status_code == 200 and stocked[1].sicil_no in response.content.decode()
    assert count.lines.filter(found=True).count() == 3

    client.post(reverse("assets:count_recount", args=[count.pk]))
    count.refresh_from_db()
    assert count.round == 2
    client.post(reverse("assets:count_close", args=[count.pk]))
    count.refresh_from_db()
    assert count.state == Count.State.CLOSED
    page = client.get(count.get_absolute_url()).content.decode()
    assert 'data-testid="scan-form"' not in page and 'data-testid="movements"' in page

    response = client.get(reverse("assets:count_pdf", args=[count.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "\n".join(pg.extract_text() for pg in PdfReader(io.BytesIO(response.content)).pages)
    for expected in ("Sayım Tutanağı", "Test Büyükşehir Belediyesi", count.number, "Bilgi İşlem Ambarı",
                     stocked[0].sicil_no, stocked[1].sicil_no, stocked[2].sicil_no, elsewhere.sicil_no,
                     "İpek Ünal", "Emre Güneş", "Oya Cem", "taşınır kayıt yetkilisi"):
        assert expected in text, expected
    missing = text.index("Missing")
    assert text.index(stocked[2].sicil_no, missing) < text.index("Unexpected")


def test_board_members_see_their_count_and_others_do_not(client, inv, stocked, board, make_user):
    count = svc.open_count(inv["users"]["ipek"], 2026, warehouse=inv["warehouse"], members=board)
    # Oya is on the board though she is an ordinary employee: she may see and count.
    oya = make_user("oya", person=inv["people"]["oya"], roles=[("Birim personeli", "own")])
    client.force_login(oya)
    assert client.get(count.get_absolute_url()).status_code == 200
    response = client.post(reverse("assets:count_scan", args=[count.pk]), {"code": stocked[0].sicil_no},
                           HTTP_HX_REQUEST="true")
    assert 'data-result="found"' in response.content.decode()
    client.force_login(inv["users"]["cagri"])
    assert client.get(count.get_absolute_url()).status_code == 404
    assert client.post(reverse("assets:count_scan", args=[count.pk]), {"code": stocked[1].sicil_no}).status_code == 404
    assert client.get(reverse("assets:count_open")).status_code == 403
    assert not count.lines.get(device=stocked[1]).found


def test_count_list_and_export(client, inv, stocked, board):
    count = svc.open_count(inv["users"]["ipek"], 2026, warehouse=inv["warehouse"], members=board)
    client.force_login(inv["users"]["ipek"])
    assert count.number in client.get(reverse("assets:count_list")).content.decode()
    assert client.get(reverse("assets:count_list") + "?export=xlsx").status_code == 200
    assert client.get(reverse("assets:count_history", args=[count.pk])).status_code == 200


def test_count_through_the_api(client, inv, stocked):
    p = inv["people"]
    client.force_login(inv["users"]["ipek"])
    refused = client.post("/api/counts/", {"year": 2026, "warehouse": inv["warehouse"].pk, "members": [
        {"person": p["emre"].pk, "is_chair": True}, {"person": p["oya"].pk}]}, content_type="application/json")
    assert refused.status_code == 400 and "at least 3" in refused.content.decode()
    response = client.post("/api/counts/", {"year": 2026, "warehouse": inv["warehouse"].pk, "members": [
        {"person": p["emre"].pk, "is_chair": True}, {"person": p["oya"].pk}, {"person": p["ipek"].pk}]},
        content_type="application/json")
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    scan = client.post(f"/api/counts/{pk}/scan/", {"code": stocked[0].sicil_no}, content_type="application/json")
    assert scan.json() == {"result": "found", "device": stocked[0].pk, "sicil_no": stocked[0].sicil_no}
    unknown = client.post(f"/api/counts/{pk}/scan/", {"code": "nope"}, content_type="application/json")
    assert unknown.json()["result"] == "unknown"
    closed = client.post(f"/api/counts/{pk}/close/", content_type="application/json").json()
    assert closed["state"] == "closed" and closed["found"] == [stocked[0].sicil_no]
    assert sorted(closed["missing"]) == sorted(d.sicil_no for d in stocked[1:])
    assert len(closed["movements"]) == 1  # the shortage; nothing unexpected
    assert Device.objects.filter(pk=stocked[1].pk, status="in_warehouse").exists()  # only proposed
