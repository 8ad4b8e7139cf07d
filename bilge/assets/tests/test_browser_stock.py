"""Stock in a real browser: IT staff try to issue toner without a request and are refused with
the clear message; then they issue it against an approved material request (built through the
service desk's own services) and download the Varlık İşlem Fişi."""

import io

import pytest
from django.utils import translation
from playwright.sync_api import expect

from bilge.assets.models import Movement
from bilge.assets.services import stock as services
from bilge.assets.tests import test_stock as base
from bilge.assets.tests.test_stock import level, stocked

stock = base.stock  # the fixture

pytestmark = pytest.mark.browser


def tr(text) -> str:
    with translation.override("tr"):
        return str(text)


def test_toner_is_issued_only_against_an_approved_material_request(stock, new_page, sign_in):
    stocked(stock, 5)
    request = stock["approved"]  # filed by Çağrı, approved by İsmail, his unit manager (service desk services)
    assert request.status == "open" and request.approvals.get().decision == "approved"

    page = sign_in(new_page(), stock["users"]["ipek"])
    page.goto(stock["warehouse"].get_absolute_url())
    page.get_by_test_id("new-issue").click()
    page.select_option("#id_to_unit", str(stock["yol"].pk))
    page.select_option("[data-testid=line-0-item]", str(stock["toner"].pk))
    page.get_by_test_id("line-0-quantity").fill("1")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("form-errors")).to_have_text(tr(services.NO_BASIS))
    assert level(stock) == 5 and not Movement.objects.filter(kind="issue").exists()

    # The form keeps what was typed; now name the approved request it rests on.
    page.select_option("#id_ticket", str(request.pk))
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("movement-ticket")).to_contain_text(request.number)
    movement = Movement.objects.get(kind="issue")
    expect(page.get_by_test_id("movement-number")).to_contain_text(movement.number)
    expect(page.get_by_test_id("movement-lines")).to_contain_text("HP 59A siyah toner")
    assert level(stock) == 4 and movement.ticket == request and movement.to_unit == stock["yol"]

    with page.expect_download() as download:
        page.get_by_test_id("movement-pdf").click()
    from pypdf import PdfReader

    with open(download.value.path(), "rb") as handle:
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(handle.read())).pages)
    for expected in ("Varlık İşlem Fişi", movement.number, request.number, "HP 59A siyah toner", "İpek Ünal",
                     "Emre Güneş"):
        assert expected in text, expected
