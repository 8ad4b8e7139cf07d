"""Warehouses and stock through the REST API: the same rules and refusals as the pages."""

import pytest

from bilge.assets.models import Movement, Warehouse
from bilge.assets.tests import test_stock as base
from bilge.assets.tests.test_stock import level, stocked

stock = base.stock  # the fixture

pytestmark = pytest.mark.django_db
JSON = "application/json"


def test_the_api_refuses_one_person_as_both_officers(stock, client, admin_user):
    client.force_login(admin_user)
    emre, ipek = stock["people"]["emre"].pk, stock["people"]["ipek"].pk
    body = {"institution": stock["institution"].pk, "code": "02", "name": "Yedek Ambar", "unit": stock["it"].pk,
            "kayit_officer": emre, "kontrol_officer": emre}
    r = client.post("/api/warehouses/", body, content_type=JSON)
    assert r.status_code == 400 and "two different people" in r.json()["kontrol_officer"][0]
    r = client.post("/api/warehouses/", {**body, "code": "x"}, content_type=JSON)
    assert r.status_code == 400 and "code" in r.json()
    r = client.post("/api/warehouses/", {**body, "code": "y2", "kontrol_officer": ipek}, content_type=JSON)
    assert r.status_code == 201, r.content
    assert Warehouse.objects.get(pk=r.json()["id"]).code == "Y2"
    r = client.patch(f"/api/warehouses/{stock['warehouse'].pk}/", {"kayit_officer": emre}, content_type=JSON)
    assert r.status_code == 400 and "two different people" in r.json()["kontrol_officer"][0]


def test_receive_accept_and_issue_through_the_api(stock, client):
    client.force_login(stock["users"]["ipek"])
    r = client.post("/api/movements/receive/", {
        "warehouse": stock["warehouse"].pk, "supplier": "Özgür Bilişim", "invoice_no": "F-17",
        "lines": [{"item": stock["toner"].pk, "quantity": 5, "unit_price": "850.00"},
                  {"device_model": stock["models"]["printer"].pk, "serial": "PHB8K2"}]}, content_type=JSON)
    assert r.status_code == 201, r.content
    receipt = r.json()
    assert receipt["state"] == "pending_inspection" and len(receipt["lines"]) == 2 and level(stock) == 0

    issue = {"warehouse": stock["warehouse"].pk, "to_unit": stock["yol"].pk,
             "lines": [{"item": stock["toner"].pk, "quantity": 2}]}
    r = client.post("/api/movements/issue/", {**issue, "ticket": stock["approved"].pk}, content_type=JSON)
    assert r.status_code == 400 and "Only 0 adet" in str(r.json())

    client.force_login(stock["users"]["emre"])
    r = client.post(f"/api/movements/{receipt['id']}/accept/", content_type=JSON)
    assert r.status_code == 200 and r.json()["state"] == "accepted" and level(stock) == 5

    client.force_login(stock["users"]["ipek"])
    r = client.post("/api/movements/issue/", issue, content_type=JSON)
    assert r.status_code == 400
    assert "Nothing leaves the warehouse without an approved request" in str(r.json())
    r = client.post("/api/movements/issue/", {**issue, "ticket": stock["waiting"].pk}, content_type=JSON)
    assert r.status_code == 400
    r = client.post("/api/movements/issue/", {**issue, "ticket": stock["approved"].pk}, content_type=JSON)
    assert r.status_code == 201, r.content
    assert r.json()["ticket"] == stock["approved"].pk and r.json()["kind"] == "issue" and level(stock) == 3

    listed = client.get("/api/movements/?kind=issue").json()
    assert listed["count"] == 1 and listed["results"][0]["lines"][0]["quantity"] == 2
    levels = client.get(f"/api/stock-levels/?warehouse={stock['warehouse'].pk}&below=true").json()
    assert [(row["quantity"], row["below_reorder"]) for row in levels["results"]] == [(3, True)]


def test_unit_staff_cannot_record_movements_through_the_api(stock, client):
    stocked(stock, 5)
    client.force_login(stock["users"]["cagri"])
    body = {"warehouse": stock["warehouse"].pk, "ticket": stock["approved"].pk,
            "lines": [{"item": stock["toner"].pk, "quantity": 1}]}
    assert client.post("/api/movements/issue/", body, content_type=JSON).status_code == 403
    assert client.post("/api/movements/receive/", body, content_type=JSON).status_code == 403
    receipt = Movement.objects.get()
    assert client.post(f"/api/movements/{receipt.pk}/cancel/", {"reason": "x"}, content_type=JSON).status_code \
        in (403, 404)
    assert level(stock) == 5
