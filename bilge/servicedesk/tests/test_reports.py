"""Service-desk reports: exact figures from a known set of tickets, scope, Excel and PDF exports,
empty periods and bad filters."""

import datetime
import io
import os
from zoneinfo import ZoneInfo

import pytest

from bilge.servicedesk import reports, services
from bilge.servicedesk.models import RequestType, Service, Ticket

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Europe/Istanbul")
NOW = datetime.datetime(2025, 7, 1, 12, 0, tzinfo=TZ)


def at(month, day, hour=9, minute=0, year=2025):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=TZ)


def _ticket(user, requester, request_type, **fields):
    ticket = services.create_ticket(user, requester=requester, request_type=request_type, title="Yazıcı arızası",
                                    answers={"printer": "HP"} if request_type.form else {})
    created = fields.setdefault("created_at", at(1, 1))
    fields.setdefault("sla_started_at", created)
    Ticket.objects.filter(pk=ticket.pk).update(**fields)
    return Ticket.objects.get(pk=ticket.pk)


@pytest.fixture
def known(desk):
    """Eight tickets with known times (see each line); "now" is 1 July 2025, 12:00.

    2025 SLA cohort (created in 2025, not cancelled): T1 T2 T3 T4 T7 T8.
    """
    p, u = desk["people"], desk["users"]
    software = Service.objects.create(institution=desk["institution"], unit=desk["sys"], code="yazilim",
                                      name="Yazılım Geliştirme", chief=p["ipek"])
    program = RequestType.objects.create(service=software, code="program", name_tr="Program talebi",
                                         name_en="Software request", kind="request", default_impact=3,
                                         default_urgency=2)
    printer = desk["printer"]
    cagri, ilgaz, ipek = p["cagri"], p["ilgaz"], p["ipek"]
    t = {}
    # T1: response in 30 min (met), resolved in 4 h (met), rated 5 by ipek's work.
    t[1] = _ticket(u["cagri"], cagri, printer, created_at=at(1, 10), due_response_at=at(1, 10, 10),
                   first_response_at=at(1, 10, 9, 30), due_resolution_at=at(1, 11), resolved_at=at(1, 10, 13),
                   closed_at=at(1, 12), status="closed", assignee=ipek, rating=5, rated_at=at(1, 11))
    # T2: response after 2 h (breached), resolved after 48 h (breached and marked), rated 2.
    t[2] = _ticket(u["cagri"], cagri, printer, created_at=at(1, 20), due_response_at=at(1, 20, 10),
                   first_response_at=at(1, 20, 11), due_resolution_at=at(1, 21), resolved_at=at(1, 22),
                   sla_breached_at=at(1, 21), status="resolved", assignee=ipek, rating=2, rated_at=at(1, 23))
    # T3: response in 15 min (met), still in progress and marked breached on 6 Feb.
    t[3] = _ticket(u["cagri"], cagri, printer, created_at=at(2, 5), due_response_at=at(2, 5, 10),
                   first_response_at=at(2, 5, 9, 15), due_resolution_at=at(2, 6), sla_breached_at=at(2, 6),
                   status="in_progress", assignee=ipek)
    # T4: the software queue, from Zabıta; nothing due yet (pending), unassigned.
    t[4] = _ticket(u["ilgaz"], ilgaz, program, created_at=at(2, 10), due_response_at=at(7, 1, 13),
                   due_resolution_at=at(7, 5), status="open")
    # T5: cancelled: created, but in no SLA, time or satisfaction figure.
    t[5] = _ticket(u["cagri"], cagri, printer, created_at=at(3, 1), due_response_at=at(3, 1, 10),
                   due_resolution_at=at(3, 2), status="cancelled")
    # T7: response in 30 min, resolved in 2 h (both met), not rated, nobody assigned.
    t[7] = _ticket(u["cagri"], cagri, printer, created_at=at(3, 10), due_response_at=at(3, 10, 10),
                   first_response_at=at(3, 10, 9, 30), due_resolution_at=at(3, 11), resolved_at=at(3, 10, 11),
                   status="resolved")
    # T8: two days old, open, unassigned, nothing due yet.
    t[8] = _ticket(u["cagri"], cagri, printer, created_at=at(6, 29, 12), due_response_at=at(7, 2),
                   due_resolution_at=at(7, 3), status="open")
    # T6: created in 2024, resolved on 2 January 2025 (counts in January's "resolved" only).
    t[6] = _ticket(u["cagri"], cagri, printer, created_at=at(12, 31, 10, year=2024),
                   due_response_at=at(12, 31, 11, year=2024), first_response_at=at(12, 31, 10, 30, year=2024),
                   due_resolution_at=at(1, 3), resolved_at=at(1, 2, 10), status="closed", assignee=ipek)
    return {**desk, "software": software, "program": program, "t": t}


@pytest.fixture
def root(admin_user):
    return admin_user


def _row(rows, label):
    found = [r for r in rows if str(r["label"]) == label]
    assert len(found) == 1, [str(r["label"]) for r in rows]
    return found[0]


def test_sla_compliance_counts_met_breached_and_pending(known, root):
    result = reports.sla_compliance(root, year=2025, now=NOW)
    total = result["total"]
    assert total["tickets"] == 6
    assert (total["response_met"], total["response_breached"], total["response_pending"]) == (3, 1, 2)
    assert total["response_pct"] == 75.0
    assert (total["resolution_met"], total["resolution_breached"], total["resolution_pending"]) == (2, 2, 2)
    assert total["resolution_pct"] == 50.0
    hardware = _row(result["by_service"], "Donanım ve Teknik Destek")
    assert hardware["tickets"] == 5 and hardware["response_pct"] == 75.0 and hardware["resolution_pct"] == 50.0
    software = _row(result["by_service"], "Yazılım Geliştirme")
    assert software["tickets"] == 1 and software["response_pct"] is None and software["response_pending"] == 1
    months = {m["key"]: m for m in result["by_month"]}
    assert len(months) == 12
    assert months[(2025, 1)]["tickets"] == 2
    assert months[(2025, 1)]["response_pct"] == 50.0 and months[(2025, 1)]["resolution_pct"] == 50.0
    assert months[(2025, 2)]["response_pct"] == 100.0 and months[(2025, 2)]["resolution_pct"] == 0.0
    assert months[(2025, 3)]["tickets"] == 1  # the cancelled T5 is not counted
    assert months[(2025, 6)]["tickets"] == 1 and months[(2025, 6)]["resolution_pct"] is None
    assert months[(2025, 12)]["tickets"] == 0


def test_mean_times_are_wall_clock_hours_from_the_sla_start(known, root):
    result = reports.response_times(root, year=2025, now=NOW)
    total = result["total"]
    assert total["response_count"] == 4  # T1 0.5 h, T2 2 h, T3 0.25 h, T7 0.5 h
    assert total["response_mean_hours"] == 0.81
    assert total["resolution_count"] == 3  # T1 4 h, T2 48 h, T7 2 h
    assert total["resolution_mean_hours"] == 18.0
    months = {m["key"]: m for m in result["by_month"]}
    assert months[(2025, 1)]["resolution_mean_hours"] == 26.0
    assert months[(2025, 2)]["response_mean_hours"] == 0.25
    # The clock starts when the ticket reached the queue (after an approval), not at creation.
    Ticket.objects.filter(pk=known["t"][7].pk).update(sla_started_at=at(3, 10, 10))
    months = {m["key"]: m for m in reports.response_times(root, year=2025, now=NOW)["by_month"]}
    assert months[(2025, 3)]["resolution_mean_hours"] == 1.0


def test_satisfaction_average_distribution_and_share_rated(known, root):
    result = reports.satisfaction(root, year=2025)
    total = result["total"]
    assert (total["resolved"], total["rated"], total["rated_pct"], total["average"]) == (3, 2, 66.7, 3.5)
    assert [total[f"r{n}"] for n in range(1, 6)] == [0, 1, 0, 0, 1]
    ipek = _row(result["by_technician"], "İpek Ünal")
    assert (ipek["resolved"], ipek["rated"], ipek["average"], ipek["rated_pct"]) == (2, 2, 3.5, 100.0)
    nobody = [r for r in result["by_technician"] if r["key"] is None][0]
    assert (nobody["resolved"], nobody["rated"], nobody["average"]) == (1, 0, None)
    assert _row(result["by_service"], "Donanım ve Teknik Destek")["resolved"] == 3


def test_monthly_trend_counts_each_event_in_its_month(known, root):
    result = reports.monthly_trend(root, year=2025)
    months = {m["key"]: m for m in result["by_month"]}
    assert (months[(2025, 1)]["created"], months[(2025, 1)]["resolved"], months[(2025, 1)]["breached"]) == (2, 3, 1)
    assert (months[(2025, 2)]["created"], months[(2025, 2)]["resolved"], months[(2025, 2)]["breached"]) == (2, 0, 1)
    assert (months[(2025, 3)]["created"], months[(2025, 3)]["resolved"]) == (2, 1)
    assert months[(2025, 6)]["created"] == 1
    assert result["total"] == {"label": result["total"]["label"], "created": 7, "resolved": 4, "breached": 2,
                               "balance": 3}
    # A date range picks the months it covers.
    result = reports.monthly_trend(root, date_from=datetime.date(2024, 12, 1), date_to=datetime.date(2025, 1, 15))
    assert [(m["key"], m["created"], m["resolved"]) for m in result["by_month"]] == [
        ((2024, 12), 1, 0), ((2025, 1), 1, 2)]


def test_open_tickets_and_aging_are_a_snapshot_of_now(known, root):
    result = reports.open_tickets(root, now=NOW)
    assert result["total"]["total"] == 3  # T3, T4, T8
    assert result["total"]["unassigned"] == 2 and result["total"]["overdue"] == 1
    hardware = _row(result["by_service"], "Donanım ve Teknik Destek")
    assert (hardware["total"], hardware["unassigned"], hardware["overdue"]) == (2, 1, 1)
    assert _row(result["by_technician"], "İpek Ünal")["total"] == 1
    assert [r["total"] for r in result["by_technician"] if r["key"] is None] == [2]
    assert _row(result["by_unit"], "Zabıta Dairesi Başkanlığı")["total"] == 1
    assert _row(result["by_unit"], "Yol Bakım Şube Müdürlüğü")["total"] == 2
    assert _row(result["by_type"], "Yazıcı arızası")["total"] == 2
    ages = reports.aging(root, now=NOW)
    hardware = _row(ages["by_service"], "Donanım ve Teknik Destek")
    assert (hardware["lt1"], hardware["d1_3"], hardware["d3_7"], hardware["d7_30"], hardware["gt30"]) == (0, 1, 0, 0, 1)
    assert ages["total"]["gt30"] == 2 and ages["total"]["total"] == 3


def test_a_unit_scope_sees_only_its_units_figures(known, make_user):
    zabita = make_user("zabita.mudur", roles=[(["reports.view"], "unit", known["zabita"])])
    assert set(reports.tickets_for(zabita).values_list("pk", flat=True)) == {known["t"][4].pk}
    sla = reports.sla_compliance(zabita, year=2025, now=NOW)
    assert sla["total"]["tickets"] == 1
    assert [str(r["label"]) for r in sla["by_service"]] == ["Yazılım Geliştirme"]
    assert reports.open_tickets(zabita, now=NOW)["total"]["total"] == 1
    assert reports.monthly_trend(zabita, year=2025)["total"]["created"] == 1
    # The Fen İşleri manager (Birim yöneticisi over the unit tree) sees Yol Bakım's tickets.
    ismail = known["users"]["ismail"]
    assert reports.sla_compliance(ismail, year=2025, now=NOW)["total"]["tickets"] == 5
    # Nobody else sees anything.
    nobody = make_user("nobody")
    assert reports.sla_compliance(nobody, year=2025, now=NOW)["total"]["tickets"] == 0


def test_period_validation():
    with pytest.raises(reports.ReportError):
        reports.Period.make(date_from=datetime.date(2025, 2, 1), date_to=datetime.date(2025, 1, 1))
    with pytest.raises(reports.ReportError):
        reports.Period.make(date_from=datetime.date(2025, 2, 1))
    with pytest.raises(reports.ReportError):
        reports.Period.make(year=1900)
    with pytest.raises(reports.ReportError):
        reports.Period.make(date_from=datetime.date(2000, 1, 1), date_to=datetime.date(2025, 1, 1))
    period = reports.Period.make(year=2024)
    assert len(period.months) == 12 and str(period) == "2024"


# --- pages and exports ---------------------------------------------------------------------------------

def test_report_pages_need_the_reports_right(known, client, make_user):
    client.force_login(known["users"]["cagri"])  # an employee: own requests, no reports right
    assert client.get("/servicedesk/reports/").status_code == 403
    assert client.get("/servicedesk/reports/sla/?export=xlsx").status_code == 403
    client.force_login(make_user("nobody"))
    for slug in ("open", "aging", "sla", "times", "satisfaction", "trend"):
        assert client.get(f"/servicedesk/reports/{slug}/").status_code == 403
    client.force_login(known["users"]["ipek"])  # IT staff
    index = client.get("/servicedesk/reports/")
    assert index.status_code == 200
    assert b'href="/servicedesk/reports/trend/"' in index.content
    assert "/servicedesk/reports/" in [url for _label, items in index.context["menu"] for _l, url in items]


def test_every_report_page_renders_with_tables_and_charts(known, client):
    client.force_login(known["users"]["ipek"])
    for slug in ("open", "aging", "sla", "times", "satisfaction", "trend"):
        response = client.get(f"/servicedesk/reports/{slug}/", {"year": 2025} if slug not in ("open", "aging") else {})
        assert response.status_code == 200, slug
        html = response.content.decode()
        assert '<svg xmlns="http://www.w3.org/2000/svg" class="bilge-chart" role="img"' in html, slug
        assert "<title id=" in html and "export=pdf" in html and "export=xlsx" in html


def test_sla_page_shows_the_figures(known, client):
    client.force_login(known["users"]["ipek"])
    response = client.get("/servicedesk/reports/sla/", {"year": "2025"})
    html = response.content.decode()
    # Ticket times are fixed in 2025; "now" is the real now, so every due time has passed:
    # T4 and T8 are late too (response and resolution breached): 3 met of 5, 2 met of 6.
    assert "Donanım ve Teknik Destek" in html and "Yazılım Geliştirme" in html
    assert "60,0 %" in html and "33,3 %" in html
    tables = {t["key"]: t for t in response.context["tables"]}
    assert [c["text"] for c in tables["by_month"]["rows"][0][:2]] == ["Ocak 2025", "2"]


def test_a_unit_scope_page_shows_only_its_unit(known, client, make_user):
    client.force_login(make_user("zabita.mudur", roles=[(["reports.view"], "unit", known["zabita"])]))
    html = client.get("/servicedesk/reports/open/").content.decode()
    assert "Yazılım Geliştirme" in html and "Donanım ve Teknik Destek" not in html


def test_excel_export_holds_the_figures_with_number_formats(known, client):
    from openpyxl import load_workbook

    client.force_login(known["users"]["ipek"])
    response = client.get("/servicedesk/reports/satisfaction/", {"year": "2025", "export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    assert len(book.sheetnames) == 3  # about the report, by service, by technician
    sheet = book[book.sheetnames[1]]
    rows = list(sheet.iter_rows(values_only=True))
    hardware = [r for r in rows if r[0] == "Donanım ve Teknik Destek"][0]
    assert hardware[1:5] == (3, 2, pytest.approx(0.667, abs=0.001), 3.5)
    assert sheet.cell(row=2, column=4).number_format == "0.0%"
    about = [r for r in book[book.sheetnames[0]].iter_rows(values_only=True)]
    assert any(r[1] == "2025" for r in about if len(r) > 1)
    trend = load_workbook(io.BytesIO(client.get("/servicedesk/reports/trend/", {"year": "2025", "export": "xlsx"}).content))
    months = list(trend[trend.sheetnames[1]].iter_rows(values_only=True))
    assert months[1][0] == datetime.datetime(2025, 1, 1) and months[1][1:4] == (2, 3, 1)
    assert months[-1][1:4] == (7, 4, 2)  # the total row


def _pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_pdf_export_is_a_pdf_with_turkish_letters_intact(known, client):
    client.force_login(known["users"]["ipek"])
    response = client.get("/servicedesk/reports/satisfaction/", {"year": "2025", "export": "pdf"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    text = _pdf_text(response.content)
    assert "Donanım ve Teknik Destek" in text and "İpek Ünal" in text
    # The institution's name is upper-cased by CSS under lang="tr": i → İ, not I.
    assert "TEST BÜYÜKŞEHİR BELEDİYESİ" in text
    assert "66,7 %" in text and "3,50" in text
    from pypdf import PdfReader

    fonts = {str(font) for page in PdfReader(io.BytesIO(response.content)).pages
             for font in (page["/Resources"].get_object().get("/Font") or {}).values()
             for font in [font.get_object().get("/BaseFont")]}
    assert fonts and all("DejaVu" in f for f in fonts), fonts  # the vendored font, nothing else


def test_empty_period_renders_everywhere(known, client):
    client.force_login(known["users"]["ipek"])
    for slug in ("sla", "times", "satisfaction", "trend"):
        page = client.get(f"/servicedesk/reports/{slug}/", {"year": "2031"})
        assert page.status_code == 200, slug
        assert client.get(f"/servicedesk/reports/{slug}/", {"year": "2031", "export": "xlsx"}).status_code == 200
        pdf = client.get(f"/servicedesk/reports/{slug}/", {"year": "2031", "export": "pdf"})
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert "Bu dönemde talep yok." in client.get("/servicedesk/reports/sla/", {"year": "2031"}).content.decode()
    assert "No tickets in this period." in client.get("/servicedesk/reports/sla/", {"year": "2031"},
                                                      HTTP_ACCEPT_LANGUAGE="en").content.decode()


@pytest.mark.parametrize(("query", "message"), [
    ({"year": "abc"}, "Enter a whole number."),
    ({"year": "1850"}, "2000"),
    ({"date_from": "2025-05-01", "date_to": "2025-01-01"}, "The start date is after the end date."),
    ({"date_from": "2025-05-01"}, "Give both the start and the end date."),
    ({"year": "2025", "date_from": "2025-01-01", "date_to": "2025-02-01"}, "Give either a year or a date range"),
    ({"date_from": "31.02.2025", "date_to": "2025-03-01"}, "Enter a valid date."),
    ({"service": "999999"}, "Select a valid choice."),
])
def test_bad_filters_give_a_clear_message(known, client, query, message):
    client.force_login(known["users"]["ipek"])
    response = client.get("/servicedesk/reports/sla/", {**query, "export": "pdf"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert message in response.content.decode()


@pytest.mark.browser
def test_report_page_in_chromium_filters_and_explains_a_bad_range(known, page, sign_in):
    from playwright.sync_api import expect

    page = sign_in(page, known["users"]["ipek"])
    page.goto("/servicedesk/reports/")
    page.get_by_test_id("report-sla").click()
    page.fill("#id_year", "2025")
    page.get_by_test_id("report-filters").locator("button[type=submit]").click()
    expect(page.get_by_test_id("table-by_service")).to_contain_text("Donanım ve Teknik Destek")
    expect(page.locator("svg.bilge-chart[role=img]")).to_be_visible()
    if os.environ.get("BILGE_SCREENSHOTS"):
        page.screenshot(path=os.path.join(os.environ["BILGE_SCREENSHOTS"], "report-sla.png"), full_page=True)
    page.fill("#id_year", "")
    page.fill("#id_date_from", "2025-05-01")
    page.fill("#id_date_to", "2025-01-01")
    page.get_by_test_id("report-filters").locator("button[type=submit]").click()
    expect(page.get_by_test_id("report-error")).to_be_visible()
    expect(page.get_by_test_id("report-exports")).to_have_count(0)
