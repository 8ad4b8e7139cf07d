"""In a real browser: upload an Excel file with one bad row, see the rejection naming the row and
the reason, and nothing imported; then the good file, its preview, and the confirmation."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from bilge.assets.models import Device, ImportJob

pytestmark = pytest.mark.browser
SAMPLES = Path(__file__).parent / "samples"


def test_excel_with_one_bad_row_imports_nothing(inv, new_page, sign_in):
    page = sign_in(new_page(), inv["users"]["ipek"])
    page.goto("/assets/imports/new/")
    page.select_option("#id_kind", "devices")
    page.set_input_files("#id_file", str(SAMPLES / "devices_bad_row.xlsx"))
    page.get_by_test_id("upload").click()
    rejected = page.get_by_test_id("import-rejected")
    expect(rejected).to_be_visible()
    errors = page.get_by_test_id("import-errors")
    expect(errors.locator("tbody tr")).to_have_count(1)
    expect(errors.locator("tbody tr td").first).to_have_text("4")
    expect(errors).to_contain_text("ZZ:11:22")
    assert Device.objects.count() == 0
    assert ImportJob.objects.get().state == ImportJob.State.REJECTED

    page.goto("/assets/imports/new/")
    expect(page.locator("#id_kind")).to_have_value("devices")  # the first choice
    page.set_input_files("#id_file", str(SAMPLES / "devices_good.xlsx"))
    page.get_by_test_id("upload").click()
    expect(page.get_by_test_id("import-preview")).to_contain_text("CSP-0001")
    page.get_by_test_id("confirm-import").click()
    expect(page.get_by_test_id("import-done")).to_be_visible()
    assert Device.objects.count() == 4
