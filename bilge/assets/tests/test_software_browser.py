"""Licences and certificates in a real browser: seats assigned by sicil no until the licence is
full (the refusal shown in words), the compliance figures; a KamuSM certificate's renewal date
and its revocation; a report downloaded as Excel."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bilge.assets.models import Certificate, Installation, Licence, Software

pytestmark = pytest.mark.browser


def test_licence_seats_and_certificate_revocation(inv, make_device, new_page, sign_in):
    netcad = Software.objects.create(institution=inv["institution"], name="Netcad")
    lic = Licence.objects.create(institution=inv["institution"], software=netcad, kind="per_device", quantity=1)
    first, second = make_device(), make_device()
    for device in (first, second):
        Installation.objects.create(device=device, software=netcad)
    page = sign_in(new_page(), inv["users"]["ipek"])
    page.goto(lic.get_absolute_url())
    expect(page.get_by_test_id("compliance-status")).to_be_visible()
    page.locator("#id_device_sicil").fill(first.sicil_no)
    page.get_by_test_id("assign").click()
    expect(page.get_by_test_id("assignments")).to_contain_text(first.sicil_no)
    expect(page.get_by_test_id("assigned")).to_have_text("1")
    page.locator("#id_device_sicil").fill(second.sicil_no)
    page.get_by_test_id("assign").click()
    # Refused: the edit page names the reason (the seats) and the device.
    expect(page.locator("form[data-testid=edit-form]")).to_contain_text(second.sicil_no)
    expect(page.locator("form[data-testid=edit-form]")).to_contain_text("(1)")
    assert lic.assignments.count() == 1

    today = timezone.localdate()
    cert = Certificate.objects.create(
        institution=inv["institution"], kind="esign", issuer="KamuSM", subject="Oya Cem", holder=inv["people"]["oya"],
        valid_from=today - datetime.timedelta(days=1000),
        valid_to=today - datetime.timedelta(days=1000) + datetime.timedelta(days=1096))
    page.goto(cert.get_absolute_url())
    expect(page.get_by_test_id("renewable-from")).to_contain_text(cert.renewable_from.strftime("%d.%m.%Y"))
    page.locator("#id_revoked_at").fill(today.isoformat())
    page.get_by_test_id("revoke-form").get_by_role("button").click()
    expect(page.get_by_test_id("certificate-state")).to_contain_text(today.strftime("%d.%m.%Y"))
    cert.refresh_from_db()
    assert cert.revoked_at == today

    page.goto("/assets/reports/licences/")
    expect(page.get_by_test_id("table-by_software")).to_contain_text("Netcad")
    with page.expect_download() as download:
        page.get_by_test_id("export-xlsx").click()
    assert download.value.suggested_filename.endswith(".xlsx")
