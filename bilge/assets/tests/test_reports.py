"""Assets reports: the numbers on a small data set, each page's Excel and PDF, and who sees what."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from bilge.assets import reports
from bilge.assets.models import (
    Certificate,
    Contract,
    Installation,
    Licence,
    Movement,
    MovementLine,
    Software,
    StockItem,
    StockLevel,
)
from bilge.assets.views.reports import REPORTS

TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def data(inv, make_device):
    p, units = inv["people"], inv
    year = TODAY.year
    devices = {
        "pc1": make_device(unit=units["yol"], status="in_use", holder=p["cagri"],
                           purchase_date=datetime.date(year, 1, 5), warranty_end=TODAY + datetime.timedelta(days=30)),
        "pc2": make_device(unit=units["yol"], status="in_use", holder=p["cagri"],
                           purchase_date=datetime.date(year - 3, 6, 1), warranty_end=TODAY - datetime.timedelta(days=1)),
        "pc3": make_device(unit=units["fen"], status="in_repair", holder=p["ismail"],
                           purchase_date=datetime.date(year - 12, 6, 1)),
        "pr1": make_device("printer", unit=units["zabita"], status="in_use",
                           warranty_end=TODAY + datetime.timedelta(days=400)),
        "pr2": make_device("printer", status="in_warehouse", purchase_date=datetime.date(year - 5, 2, 2)),
        "old": make_device(unit=units["yol"], status="disposed", purchase_date=datetime.date(year - 15, 1, 1)),
    }
    return devices


def rows_by_label(rows):
    return {str(r["label"]): r for r in rows}


def test_device_figures(inv, data):
    ipek = inv["users"]["ipek"]
    by_unit = rows_by_label(reports.devices_by_unit(ipek)["by_unit"])
    assert (by_unit["Yol Bakım Şube Müdürlüğü"]["in_use"], by_unit["Yol Bakım Şube Müdürlüğü"]["total"]) == (2, 2)
    assert by_unit["(no unit)"]["in_warehouse"] == 1
    assert reports.devices_by_unit(ipek)["total"]["total"] == 5  # the disposed one is left out
    assert reports.devices_by_unit(ipek, unit=inv["fen"])["total"]["total"] == 3  # Fen and Yol below it
    by_type = rows_by_label(reports.devices_by_type(ipek)["by_type"])
    assert (by_type["Desktop computer"]["total"], by_type["Printer"]["total"]) == (3, 2)
    status = reports.devices_by_status(ipek)
    assert rows_by_label(status["by_status"])["disposed"]["devices"] == 1 and status["total"]["devices"] == 6
    age = reports.devices_by_age(ipek)
    assert {r["key"]: r["devices"] for r in age["by_band"]} == {"y0_1": 1, "y2_3": 1, "y4_5": 1, "y6_9": 0,
                                                                "y10": 1, "unknown": 1}
    assert age["total"]["total"] == 5
    assert rows_by_label(age["by_type"])["Printer"]["unknown"] == 1


def test_custody_and_warranty(inv, data):
    ipek = inv["users"]["ipek"]
    custody = reports.custody(ipek)
    assert [(r["label"], r["unit"], r["devices"]) for r in custody["by_person"]] == [
        ("Çağrı Öztürk", "Yol Bakım Şube Müdürlüğü", 2), ("İSMAİL IŞIK", "Fen İşleri Dairesi Başkanlığı", 1)]
    assert custody["total"]["devices"] == 3 and custody["total"]["holders"] == 2
    w = reports.warranty(ipek)
    assert (w["total"]["ended"], w["total"]["ending"], w["total"]["covered"], w["total"]["unknown"]) == (1, 1, 1, 2)


def test_stock_licences_expiring(inv, data, make_device):
    ipek, inst = inv["users"]["ipek"], inv["institution"]
    toner = StockItem.objects.create(institution=inst, code="TN-59A", name="HP 59A toner", kind="toner",
                                     reorder_level=3)
    StockLevel.objects.create(warehouse=inv["warehouse"], item=toner, quantity=2)
    for n, qty in ((1, 2), (2, 1)):
        movement = Movement.objects.create(institution=inst, warehouse=inv["warehouse"], year=TODAY.year, sequence=n,
                                           number=f"{TODAY.year}/{n:06d}", kind="issue", state="accepted", date=TODAY,
                                           to_unit=inv["zabita"], order_ref="Olur 12", created_by=ipek)
        MovementLine.objects.create(movement=movement, item=toner, quantity=qty, for_device=data["pr1"])
    stock = reports.stock(ipek, date_from=TODAY.replace(month=1, day=1), date_to=TODAY.replace(month=12, day=31))
    assert [(r["quantity"], r["reorder"], r["below"]) for r in stock["levels"]] == [(2, 3, "✓")]
    assert [(r["quantity"], r["issues"]) for r in stock["by_item"]] == [(3, 2)]
    assert [(r["label"], r["quantity"]) for r in stock["by_unit"]] == [("Zabıta Dairesi Başkanlığı", 3)]
    assert [(r["label"], r["quantity"]) for r in stock["by_printer"]] == [(data["pr1"].sicil_no, 3)]
    office = Software.objects.create(institution=inst, name="Office")
    Licence.objects.create(institution=inst, software=office, kind="per_device", quantity=1,
                           expiry_date=TODAY + datetime.timedelta(days=20))
    for d in (data["pc1"], data["pc2"]):
        Installation.objects.create(device=d, software=office)
    [row] = reports.licence_compliance(ipek)["by_software"]
    assert (row["owned"], row["installed"], row["shortfall"]) == (1, 2, 1)
    Contract.objects.create(institution=inst, number="K1", title="Bakım", vendor="V", start_date=TODAY,
                            end_date=TODAY + datetime.timedelta(days=45))
    Certificate.objects.create(institution=inst, kind="tls", subject="www.example.gov.tr", valid_from=TODAY,
                               valid_to=TODAY + datetime.timedelta(days=100))
    soon = reports.expiring(ipek, days=90)
    assert [r["days"] for r in soon["contracts"]] == [45] and [r["days"] for r in soon["licences"]] == [20]
    assert soon["certificates"] == []
    assert len(reports.expiring(ipek, days=180)["certificates"]) == 1


def test_scope_unit_manager_sees_own_units(inv, data):
    ismail = inv["users"]["ismail"]  # manager of Fen (Yol is below it)
    assert reports.devices_by_unit(ismail)["total"]["total"] == 3
    assert {r["label"] for r in reports.custody(ismail)["by_person"]} == {"Çağrı Öztürk", "İSMAİL IŞIK"}


@pytest.mark.parametrize("slug", list(REPORTS))
def test_every_page_with_excel_and_pdf(client, inv, data, slug):
    from openpyxl import load_workbook
    from pypdf import PdfReader

    client.force_login(inv["users"]["ipek"])
    url = reverse(f"assets:report_{slug}")
    page = client.get(url)
    assert page.status_code == 200
    xlsx = client.get(url, {"export": "xlsx"})
    assert xlsx.status_code == 200
    workbook = load_workbook(io.BytesIO(xlsx.content))
    assert workbook.active["A1"].value == str(REPORTS[slug].title)
    assert len(workbook.sheetnames) == 1 + len(REPORTS[slug].sections)
    pdf = client.get(url, {"export": "pdf"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert str(REPORTS[slug].title).split()[0] in text


def test_unit_report_numbers_in_excel_and_pdf(client, inv, data):
    from openpyxl import load_workbook
    from pypdf import PdfReader

    client.force_login(inv["users"]["ipek"])
    url = reverse("assets:report_units")
    sheet = load_workbook(io.BytesIO(client.get(url, {"export": "xlsx"}).content)).worksheets[1]
    values = list(sheet.iter_rows(min_row=2, values_only=True))
    rows = {r[0]: r for r in values}
    assert rows["Yol Bakım Şube Müdürlüğü"][-1] == 2 and values[-1][-1] == 5  # the last row: the total
    text = PdfReader(io.BytesIO(client.get(url, {"export": "pdf"}).content)).pages[0].extract_text()
    assert "Yol Bakım Şube Müdürlüğü" in text and "Zabıta" in text


def test_rights(client, inv, data, make_user):
    client.force_login(inv["users"]["cagri"])  # an employee: their own devices, no reports right
    assert client.get(reverse("assets:reports")).status_code == 403
    assert client.get(reverse("assets:report_units")).status_code == 403
    client.force_login(inv["users"]["ismail"])
    assert client.get(reverse("assets:reports")).status_code == 200
    page = client.get(reverse("assets:report_units")).content.decode()
    table = page[page.index('data-testid="table-by_unit"'):]
    assert "Yol Bakım" in table and "Zabıta" not in page  # nor among the units to filter by
    auditor = make_user("denetci", person=inv["people"]["oya"], roles=[("Denetçi", "institution")])
    client.force_login(auditor)
    assert "Zabıta" in client.get(reverse("assets:report_units")).content.decode()
    bad = client.get(reverse("assets:report_stock"), {"date_from": "2026-05-01"})
    assert bad.status_code == 400


def test_queries_do_not_grow_with_the_devices(inv, data, make_device):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ipek = inv["users"]["ipek"]
    functions = (reports.devices_by_unit, reports.devices_by_type, reports.devices_by_age, reports.devices_by_status,
                 reports.custody, reports.warranty)

    def queries():
        counts = []
        for function in functions:
            with CaptureQueriesContext(connection) as ctx:
                function(ipek)
            counts.append(len(ctx))
        return counts

    queries()  # the user's rights are read once, then cached on the user
    before = queries()
    for unit in ("fen", "zabita", "it", "sys"):
        make_device(unit=inv[unit], holder=inv["people"]["oya"], status="in_use",
                    purchase_date=datetime.date(2019, 1, 1), warranty_end=TODAY)
    assert queries() == before
    assert max(before) <= 4  # grouped queries plus the names of the groups
