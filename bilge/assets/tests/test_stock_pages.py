"""The pages of warehouses and stock: lists with their Excel export, the officer rule in the form,
the issue form refusing an issue without an approved request, inspection, the PDF, consumption."""

import io

import pytest
from openpyxl import load_workbook

from bilge.assets.models import Movement, StockLevel, Warehouse
from bilge.assets.services import stock as services
from bilge.assets.tests import test_stock as base
from bilge.assets.tests.test_stock import level, stocked

stock = base.stock  # the fixture

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def signed_in(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize("name", ["warehouse_list", "stockitem_list", "stocklevel_list", "movement_list"])
def test_lists_render_and_export_to_excel(stock, client, name):
    stocked(stock, 2)
    signed_in(client, stock["users"]["ipek"])
    page = client.get(f"/assets/{ {'warehouse_list': 'warehouses', 'stockitem_list': 'stock-items',
                                   'stocklevel_list': 'stock-levels', 'movement_list': 'movements'}[name]}/")
    assert page.status_code == 200
    first = page.context["page"].object_list[0]
    assert client.get(first.get_absolute_url()).status_code == 200
    assert client.get(first.get_absolute_url() + "history/").status_code == 200
    export = client.get(page.request["PATH_INFO"] + "?export=xlsx")
    assert export.status_code == 200 and export["Content-Type"] == XLSX
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert len(rows) >= 2


def test_below_reorder_filter(stock, client):
    stocked(stock, 2)  # toner: reorder level 3
    stocked(stock, 9, item=stock["cable"])
    signed_in(client, stock["users"]["ipek"])

    def codes(query):
        return [row.item.code for row in client.get(f"/assets/stock-levels/?{query}").context["page"].object_list]

    assert codes("below=true") == ["TN-59A"]
    assert codes("below=false") == ["KB-C6"]
    assert sorted(codes("")) == ["KB-C6", "TN-59A"]


def test_the_warehouse_form_refuses_one_person_as_both_officers(stock, client):
    signed_in(client, stock["users"]["ipek"])
    emre = stock["people"]["emre"].pk
    response = client.post("/assets/warehouses/add/", {"code": "02", "name": "Yedek Ambar", "unit": stock["it"].pk,
                                                       "kayit_officer": emre, "kontrol_officer": emre})
    assert response.status_code == 400
    assert "two different people" in response.content.decode()
    assert not Warehouse.objects.filter(code="02").exists()


def test_issue_page_refuses_an_issue_without_an_approved_request(stock, client):
    stocked(stock, 5)
    signed_in(client, stock["users"]["ipek"])
    form = {"warehouse": stock["warehouse"].pk, "to_unit": stock["yol"].pk, "line-0-item": stock["toner"].pk,
            "line-0-quantity": 1}
    refused = client.post("/assets/movements/new/issue/", form)
    assert refused.status_code == 400
    errors = refused.context["form"].non_field_errors()
    assert len(errors) == 1 and errors[0].startswith("Nothing leaves the warehouse without an approved request")
    assert level(stock) == 5 and Movement.objects.filter(kind="issue").count() == 0

    page = client.get("/assets/movements/new/issue/").content.decode()
    assert stock["approved"].number in page and stock["waiting"].number not in page
    done = client.post("/assets/movements/new/issue/", {**form, "ticket": stock["approved"].pk})
    movement = Movement.objects.get(kind="issue")
    assert done.status_code == 302 and done["Location"] == movement.get_absolute_url()
    assert level(stock) == 4
    detail = client.get(movement.get_absolute_url()).content.decode()
    assert stock["approved"].number in detail and movement.number in detail
    pdf = client.get(f"/assets/movements/{movement.pk}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_issue_of_more_than_in_stock_shows_what_is_left(stock, client):
    stocked(stock, 1)
    signed_in(client, stock["users"]["ipek"])
    response = client.post("/assets/movements/new/issue/", {
        "warehouse": stock["warehouse"].pk, "ticket": stock["approved"].pk, "line-0-item": stock["toner"].pk,
        "line-0-quantity": 4})
    assert response.status_code == 400
    assert "Only 1 adet of TN-59A HP 59A siyah toner left" in response.context["form"].non_field_errors()[0]


def test_receipt_inspection_through_the_pages(stock, client, make_device):
    signed_in(client, stock["users"]["ipek"])
    response = client.post("/assets/movements/new/receipt/", {
        "warehouse": stock["warehouse"].pk, "supplier": "Özgür Bilişim", "invoice_no": "F-17",
        "line-0-item": stock["toner"].pk, "line-0-quantity": 6, "line-0-unit_price": "850",
        "line-1-device_model": stock["models"]["printer"].pk, "line-1-serial": "PHB8K9"})
    receipt = Movement.objects.get(kind="receipt")
    assert response.status_code == 302 and receipt.state == "pending_inspection" and receipt.lines.count() == 2
    assert level(stock) == 0
    signed_in(client, stock["users"]["emre"])
    assert 'data-testid="accept"' in client.get(receipt.get_absolute_url()).content.decode()
    client.post(f"/assets/movements/{receipt.pk}/action/", {"action": "accept"})
    receipt.refresh_from_db()
    assert receipt.state == "accepted" and level(stock) == 6


def test_unit_staff_cannot_issue_or_record(stock, client):
    signed_in(client, stock["users"]["cagri"])
    assert client.get("/assets/movements/new/issue/").status_code == 403
    response = client.post("/assets/movements/new/issue/", {
        "warehouse": stock["warehouse"].pk, "ticket": stock["approved"].pk, "line-0-item": stock["toner"].pk,
        "line-0-quantity": 1})
    assert response.status_code == 403
    assert client.get("/assets/stock/consumption/?export=xlsx").status_code == 403


def test_the_person_picker_offers_the_institutions_people(stock, client):
    signed_in(client, stock["users"]["ipek"])
    options = client.get("/assets/stock/people/?q=Öztürk").content.decode()
    assert "Çağrı Öztürk" in options
    signed_in(client, stock["users"]["cagri"])
    assert client.get("/assets/stock/people/?q=Öztürk").status_code == 403


def test_consumption_page_and_excel(stock, client, make_device):
    stocked(stock, 5)
    printer = make_device("printer", name="Yol Bakım yazıcısı")
    services.issue(stock["users"]["ipek"], stock["warehouse"],
                   [{"item": stock["toner"], "quantity": 2, "for_device": printer}], ticket=stock["approved"])
    signed_in(client, stock["users"]["ipek"])
    page = client.get("/assets/stock/consumption/").content.decode()
    assert stock["yol"].name in page and printer.sicil_no in page
    export = client.get("/assets/stock/consumption/?export=xlsx")
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert [stock["yol"].name, None, "TN-59A", "HP 59A siyah toner", 2, "adet"] in [list(r) for r in rows]
    assert any(r[1] and printer.sicil_no in r[1] and r[4] == 2 for r in rows)


def test_stock_level_keeps_its_quantity_out_of_the_form(stock, client):
    stocked(stock, 5)
    level_row = StockLevel.objects.get()
    signed_in(client, stock["users"]["ipek"])
    client.post(f"/assets/stock-levels/{level_row.pk}/edit/", {"reorder_level": 8, "quantity": 999})
    level_row.refresh_from_db()
    assert (level_row.quantity, level_row.reorder_level, level_row.below_reorder) == (5, 8, True)


def test_an_approved_material_request_offers_the_issue_from_its_ticket_page(client, stock):
    client.force_login(stock["users"]["ipek"])
    page = client.get(stock["approved"].get_absolute_url()).content.decode()
    assert f'/assets/movements/new/issue/?ticket={stock["approved"].pk}' in page
    waiting = client.get(stock["waiting"].get_absolute_url()).content.decode()
    assert "/assets/movements/new/issue/" not in waiting  # still awaiting approval
