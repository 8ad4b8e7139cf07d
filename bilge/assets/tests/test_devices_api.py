"""Devices API: create and update through the services, filters and sort, scopes, status moves."""

import pytest
from rest_framework.test import APIClient

from bilge.assets.models import Device
from bilge.assets.services.custody import hand_over

pytestmark = pytest.mark.django_db


def api_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_create_update_and_status(inv):
    api = api_for(inv["users"]["ipek"])
    payload = {"device_type": inv["types"]["pc"].pk, "model": inv["models"]["pc"].pk, "serial": "API-1",
               "mac_address": "00-11-22-33-44-55", "attributes": {"cpu": "i3", "os": "win11"},
               "warehouse": inv["warehouse"].pk, "status": "disposed"}
    created = api.post("/api/devices/", payload, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["sicil_no"].startswith("255.01.02.01/") and body["mac_address"] == "00:11:22:33:44:55"
    assert body["status"] == "in_warehouse" and body["institution"] == inv["institution"].pk  # status is read-only
    bad = api.post("/api/devices/", {**payload, "serial": "API-2", "attributes": {"os": "dos"}}, format="json")
    assert bad.status_code == 400 and "attributes" in bad.json()
    changed = api.patch(f"/api/devices/{body['id']}/", {"host_name": "bt-pc-01", "holder": inv["people"]["oya"].pk},
                        format="json")
    assert changed.status_code == 200 and changed.json()["host_name"] == "bt-pc-01"
    assert changed.json()["holder"] is None  # custody gives a holder, not an edit
    moved = api.post(f"/api/devices/{body['id']}/status/", {"status": "in_repair"}, format="json")
    assert moved.status_code == 200 and moved.json()["status"] == "in_repair"
    refused = api.post(f"/api/devices/{body['id']}/status/", {"status": "disposed"}, format="json")
    assert refused.status_code == 400


def test_list_filters_sort_and_scope(inv, make_device):
    pcs = [make_device() for _ in range(3)]
    printer = make_device("printer")
    hand_over(inv["users"]["ipek"], [pcs[0], printer], receiver=inv["people"]["cagri"])
    api = api_for(inv["users"]["ipek"])
    rows = api.get("/api/devices/", {"device_type": inv["types"]["pc"].pk, "sort": "sicil_no"}).json()["results"]
    assert [r["sicil_no"] for r in rows] == sorted(d.sicil_no for d in pcs)
    rows = api.get("/api/devices/", {"unit": inv["yol"].pk, "status": "in_use"}).json()["results"]
    assert {r["id"] for r in rows} == {pcs[0].pk, printer.pk}
    newest = api.get("/api/devices/").json()["results"][0]
    assert newest["id"] == printer.pk

    employee = api_for(inv["users"]["cagri"])
    assert {r["id"] for r in employee.get("/api/devices/").json()["results"]} == {pcs[0].pk, printer.pk}
    assert employee.post("/api/devices/", {"device_type": inv["types"]["pc"].pk}, format="json").status_code == 403
    manager = api_for(inv["users"]["ismail"])
    assert {r["id"] for r in manager.get("/api/devices/").json()["results"]} == {pcs[0].pk, printer.pk}
    assert Device.objects.count() == 4


def test_types_and_locations(inv):
    api = api_for(inv["users"]["ipek"])
    types = api.get("/api/device-types/").json()["results"]
    assert {t["code"] for t in types} == {"pc", "printer"}
    bad = api.post("/api/device-types/", {"code": "cam", "name_tr": "Kamera", "name_en": "Camera",
                                          "tasinir_code": inv["codes"]["pc"].pk, "fields": [{"key": "X"}]},
                   format="json")
    assert bad.status_code == 400 and "fields" in bad.json()
    locations = api.get("/api/locations/", {"kind": "room"}).json()["results"]
    assert {loc["path"] for loc in locations} == {"Hizmet Binası / A Blok / 3. Kat / Oda 312",
                                                  "Hizmet Binası / A Blok / 3. Kat / Toplantı Salonu"}
