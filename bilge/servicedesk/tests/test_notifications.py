"""Notifications through the outbox: nothing lost while the mail server is down; SLA warnings."""

import datetime

import pytest
from django.core import mail

from bilge.core.models import Notification
from bilge.core.notify import send_pending
from bilge.servicedesk import services, sla
from bilge.servicedesk.models import Ticket

pytestmark = pytest.mark.django_db


def test_approval_request_mail_carries_the_signed_link_and_survives_a_mail_outage(desk, monkeypatch, settings):
    ticket = services.create_ticket(desk["users"]["cagri"], requester=desk["people"]["cagri"],
                                    request_type=desk["access"], title="EBYS", answers={"system": "ebys"})
    [note] = Notification.objects.filter(kind="approval_needed")
    assert note.recipient == desk["users"]["ismail"] and "/servicedesk/approval/" in note.url

    from django.core.mail.backends.locmem import EmailBackend

    def down(self, messages):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(EmailBackend, "send_messages", down)
    # The approver's request and the requester's receipt ("created") both wait for the server.
    assert send_pending() == {"sent": 0, "failed": 2}
    note.refresh_from_db()
    assert note.mail_status == "failed" and note.attempts == 1 and "down" in note.last_error
    assert send_pending() == {"sent": 0, "failed": 0}, "not before the back-off delay"
    monkeypatch.undo()
    Notification.objects.update(next_attempt_at=note.next_attempt_at - datetime.timedelta(minutes=5))
    assert send_pending()["sent"] == 2
    [message] = [m for m in mail.outbox if m.to == ["ismail@example.org"]]
    assert message.to == ["ismail@example.org"] and settings.BILGE_BASE_URL + note.url in message.body
    assert ticket.number in message.subject


def test_requester_and_technician_are_told(desk, client):
    ticket = services.create_ticket(desk["users"]["cagri"], requester=desk["people"]["cagri"],
                                    request_type=desk["printer"], title="Yazıcı", answers={"printer": "HP"})
    services.assign(desk["users"]["ipek"], ticket, desk["people"]["ipek"])
    services.resolve(desk["users"]["ipek"], ticket, "Toner değişti")
    kinds = set(Notification.objects.filter(recipient=desk["users"]["cagri"]).values_list("kind", flat=True))
    assert kinds == {"created", "resolved"}
    client.force_login(desk["users"]["cagri"])
    assert b'class="badge text-bg-danger">2<' in client.get("/").content
    page = client.get("/notifications/").content.decode()
    assert ticket.number in page and "Toner değişti" in page
    assert not Notification.objects.filter(recipient=desk["users"]["cagri"], read_at__isnull=True).exists()


def test_sla_warning_at_75_percent_and_breach_are_sent_once(desk):
    from django.utils import timezone

    ticket = services.create_ticket(desk["users"]["cagri"], requester=desk["people"]["cagri"],
                                    request_type=desk["printer"], title="Yazıcı", answers={"printer": "HP"})
    start = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=timezone.get_current_timezone())  # a Monday
    Ticket.objects.filter(pk=ticket.pk).update(sla_started_at=start,
                                               due_resolution_at=start + datetime.timedelta(hours=2))
    assert sla.check(start + datetime.timedelta(minutes=60)) == {"warned": 0, "breached": 0, "escalated": 0}
    assert sla.check(start + datetime.timedelta(minutes=95)) == {"warned": 1, "breached": 0, "escalated": 0}
    assert sla.check(start + datetime.timedelta(minutes=100)) == {"warned": 0, "breached": 0, "escalated": 0}
    assert sla.check(start + datetime.timedelta(minutes=121)) == {"warned": 0, "breached": 1, "escalated": 0}
    assert sla.check(start + datetime.timedelta(minutes=200)) == {"warned": 0, "breached": 0, "escalated": 0}
    chief = desk["users"]["ipek"]
    assert set(Notification.objects.filter(recipient=chief).values_list("kind", flat=True)) == \
        {"sla_warning", "sla_breach"}


def test_the_requester_gets_a_receipt_and_each_party_reads_in_their_own_language(desk):
    from bilge.core.notify import save_preferences

    save_preferences(desk["users"]["cagri"], language="en")
    save_preferences(desk["users"]["ismail"], language="tr")
    ticket = services.create_ticket(desk["users"]["cagri"], requester=desk["people"]["cagri"],
                                    request_type=desk["access"], title="EBYS", answers={"system": "ebys"})
    receipt = Notification.objects.get(kind="created")
    assert receipt.recipient == desk["users"]["cagri"] and receipt.url == ticket.get_absolute_url()
    assert receipt.subject == f"Request received: {ticket.number}"
    assert ticket.number in receipt.body and "approvers" in receipt.body
    approval = Notification.objects.get(kind="approval_needed")
    assert approval.subject == f"Onayınız bekleniyor: {ticket.number}"
    assert "talep ediyor: EBYS" in approval.body and desk["access"].name_tr in approval.body
