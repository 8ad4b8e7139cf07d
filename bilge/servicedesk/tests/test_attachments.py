"""Attachments: limits refused with a clear message and nothing half-created; served only to
those who may see the ticket, always as a download."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from bilge.servicedesk import services
from bilge.servicedesk.models import Attachment, Ticket, TicketSequence

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def create(desk, files):
    return services.create_ticket(desk["users"]["cagri"], requester=desk["people"]["cagri"],
                                  request_type=desk["printer"], title="Yazıcı", answers={"printer": "HP"}, files=files)


def test_files_are_stored_outside_the_web_root_and_listed(desk, settings):
    ticket = create(desk, [SimpleUploadedFile("hata ekranı.pdf", PDF, content_type="application/pdf")])
    [attachment] = ticket.attachments.all()
    assert attachment.name == "hata ekranı.pdf" and attachment.size == len(PDF)
    path = attachment.file.path
    assert path.startswith(str(settings.MEDIA_ROOT)) and not path.startswith(str(settings.STATIC_ROOT))


@pytest.mark.parametrize("upload,problem", [
    (SimpleUploadedFile("büyük.pdf", PDF + b"0" * (1024 * 1024)), "MB"),
    (SimpleUploadedFile("virus.exe", b"MZ\x90\x00"), "not accepted"),
    (SimpleUploadedFile("sahte.pdf", b"MZ\x90\x00 not a pdf"), "does not match"),
    (SimpleUploadedFile("bos.txt", b""), "empty"),
])
def test_a_bad_file_refuses_the_whole_request_and_writes_nothing(desk, settings, upload, problem):
    settings.SERVICEDESK_ATTACHMENT_MAX_MB = 1
    good = SimpleUploadedFile("iyi.pdf", PDF)
    from django.utils import translation

    with translation.override("en"), pytest.raises(ValidationError) as info:
        create(desk, [good, upload])
    message = " ".join(info.value.message_dict["attachments"])
    assert upload.name in message and problem in message
    assert Ticket.objects.count() == 0 and Attachment.objects.count() == 0
    assert not TicketSequence.objects.filter(last__gt=0).exists()
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_the_portal_shows_the_file_error_next_to_the_field(desk, client):
    client.force_login(desk["users"]["cagri"])
    r = client.post("/servicedesk/new/", {"type": desk["printer"].pk, "title": "Yazıcı", "f_printer": "HP",
                                          "attachments": SimpleUploadedFile("script.sh", b"#!/bin/sh\nrm -rf /\n")})
    assert r.status_code == 400 and 'data-testid="error-attachments"' in r.content.decode()
    assert Ticket.objects.count() == 0


def test_download_only_for_those_who_see_the_ticket(desk, client):
    ticket = create(desk, [SimpleUploadedFile("ek.pdf", PDF)])
    url = ticket.attachments.get().get_absolute_url()
    client.force_login(desk["users"]["ilgaz"])
    assert client.get(url).status_code == 404
    client.force_login(desk["users"]["cagri"])
    r = client.get(url)
    assert r.status_code == 200 and b"".join(r.streaming_content) == PDF
    assert r["Content-Disposition"].startswith("attachment") and r["Content-Type"] == "application/octet-stream"
    client.force_login(desk["users"]["ipek"])
    r = client.post(f"/servicedesk/tickets/{ticket.pk}/action/",
                    {"action": "attach", "attachments": SimpleUploadedFile("log.txt", b"hata kaydi")})
    assert r.status_code == 302 and ticket.attachments.count() == 2
