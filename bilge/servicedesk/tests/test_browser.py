"""The service desk in a real browser: an employee reports a printer fault from the portal, a
technician takes it, logs work and resolves it; an EBYS access request waits for the manager, who
approves through the e-mail link, and then reaches the queue; a deputy approves during a delegation."""

import datetime
import re

import pytest
from django.utils import translation
from playwright.sync_api import expect

from bilge.core.models import Delegation
from bilge.servicedesk import services
from bilge.servicedesk.models import Ticket

pytestmark = pytest.mark.browser


def tr(label) -> str:
    """A status as the Turkish page shows it (from the same catalogue as the server)."""
    with translation.override("tr"):
        return str(label)


PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 3}


def no_sideways_scrolling(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_printer_fault_from_the_portal_to_resolution(desk, new_page, sign_in):
    # The employee uses a phone: the portal must work there without sideways scrolling.
    employee = sign_in(new_page(**PHONE), desk["users"]["cagri"])
    employee.goto("/servicedesk/new/")
    employee.get_by_test_id("type-search").fill("yazici")
    employee.get_by_role("link", name="Yazıcı arızası").click()
    employee.fill("#title", "Yazıcı kağıt sıkıştırıyor")
    employee.fill("#f_printer", "HP LaserJet, 2. kat")
    assert no_sideways_scrolling(employee)
    employee.get_by_test_id("submit-request").click()
    expect(employee.get_by_test_id("status")).to_have_text(tr(Ticket.Status.OPEN.label))
    ticket = Ticket.objects.get()
    assert ticket.request_type == desk["printer"] and ticket.service == desk["service"]

    technician = sign_in(new_page(), desk["users"]["ipek"])
    technician.goto("/servicedesk/tickets/?open=true")
    technician.get_by_role("link", name=ticket.number).click()
    technician.get_by_test_id("move-start").click()
    expect(technician.get_by_test_id("status")).to_have_text(tr(Ticket.Status.IN_PROGRESS.label))
    technician.get_by_test_id("minutes").fill("20")
    technician.get_by_test_id("work-note").fill("Merdane temizlendi")
    technician.get_by_test_id("log-work").click()
    expect(technician.get_by_test_id("worklog")).to_contain_text("Merdane temizlendi")
    technician.get_by_test_id("resolution").fill("Merdane değiştirildi, test sayfası basıldı")
    technician.get_by_test_id("resolve").click()
    expect(technician.get_by_test_id("status")).to_have_text(tr(Ticket.Status.RESOLVED.label))

    employee.goto("/servicedesk/my/")
    expect(employee.get_by_test_id("my-requests")).to_contain_text(tr(Ticket.Status.RESOLVED.label))
    assert no_sideways_scrolling(employee)
    employee.get_by_role("link", name=ticket.number).click()
    employee.get_by_test_id("rating-5").click()
    employee.fill("textarea[name=comment]", "Hızlı ve temiz iş, teşekkürler")
    employee.get_by_test_id("rate").click()
    expect(employee.get_by_test_id("rating")).to_contain_text("5/5")
    assert no_sideways_scrolling(employee)
    ticket.refresh_from_db()
    assert ticket.rating == 5 and ticket.rating_comment.startswith("Hızlı")


def test_access_request_waits_for_the_manager_who_approves_through_the_link(desk, new_page, sign_in, live_server,
                                                                             settings, mailoutbox):
    from bilge.core.notify import send_pending
    from bilge.servicedesk.models import Service

    settings.BILGE_BASE_URL = live_server.url
    ebys = Service.objects.create(institution=desk["institution"], unit=desk["sys"], code="ebys",
                                  name="EBYS Destek", chief=desk["people"]["ipek"])
    desk["access"].service = ebys
    desk["access"].save()

    employee = sign_in(new_page(), desk["users"]["cagri"])
    employee.goto("/servicedesk/new/")
    employee.get_by_test_id("type-search").fill("ebys")
    employee.get_by_role("link", name="EBYS yetki talebi").click()
    employee.fill("#title", "EBYS evrak havale yetkisi")
    employee.select_option("#f_system", "ebys")
    employee.get_by_test_id("submit-request").click()
    expect(employee.get_by_test_id("status")).to_have_text(tr(Ticket.Status.AWAITING_APPROVAL.label))
    ticket = Ticket.objects.get()

    technician = sign_in(new_page(), desk["users"]["ipek"])
    technician.goto(f"/servicedesk/tickets/?service={ebys.pk}")
    expect(technician.get_by_test_id("list-table")).not_to_contain_text(ticket.number)

    # The manager decides from the link in the e-mail the worker sends.
    send_pending()
    [mail] = [m for m in mailoutbox if desk["users"]["ismail"].email in m.to]
    link = re.search(r"https?://\S+/servicedesk/approval/\S+/", mail.body).group(0)
    manager = sign_in(new_page(), desk["users"]["ismail"])
    manager.goto(link)
    manager.get_by_test_id("approve").click()
    expect(manager.get_by_test_id("status")).to_have_text(tr(Ticket.Status.OPEN.label))

    # Now it is in the EBYS support queue.
    technician.goto("/servicedesk/queues/")
    expect(technician.get_by_test_id("queue-ebys")).to_contain_text("1")
    technician.goto(f"/servicedesk/tickets/?service={ebys.pk}&open=true")
    expect(technician.get_by_test_id("list-table")).to_contain_text(ticket.number)


def test_a_deputy_approves_during_a_delegation(desk, new_page, sign_in):
    p = desk["people"]
    Delegation.objects.create(principal=p["ismail"], delegate=p["ilgaz"], kind="yetki_devri",
                              start_date=datetime.date.today(), end_date=datetime.date.today())
    ticket = services.create_ticket(desk["users"]["cagri"], requester=p["cagri"], request_type=desk["access"],
                                    title="YBS yetkisi", answers={"system": "ybs"})
    deputy = sign_in(new_page(), desk["users"]["ilgaz"])
    deputy.goto("/servicedesk/my/")
    deputy.get_by_test_id("pending-approvals").get_by_role("link").click()
    deputy.get_by_test_id("approve").click()
    expect(deputy.get_by_test_id("approvals")).to_contain_text(p["ismail"].full_name)
    approval = ticket.approvals.get()
    assert approval.decided_by == desk["users"]["ilgaz"] and approval.on_behalf_of == p["ismail"]
