"""Merging duplicates, linking related tickets, bulk actions, escalation on breach, and the files and
ticket links of knowledge-base articles."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from bilge.core.events import event
from bilge.servicedesk import services, sla
from bilge.servicedesk.models import Article, Comment, Ticket, TicketLink

pytestmark = pytest.mark.django_db


def _printer(desk, who="cagri", title="Yazıcı çalışmıyor", devices=""):
    user = desk["users"][who]
    return services.create_ticket(user, requester=user.person, request_type=desk["printer"], title=title,
                                  answers={"printer": "HP"}, related_devices=devices)


@pytest.fixture
def events():
    seen = []

    def receiver(sender, name, instance, actor, data, **kw):
        seen.append((name, instance.number, data))

    event.connect(receiver)
    yield seen
    event.disconnect(receiver)


def test_merge_closes_the_duplicate_and_carries_it_to_the_target(desk, events):
    ipek = desk["users"]["ipek"]
    original = _printer(desk, devices="PRN-1")
    duplicate = _printer(desk, "ilgaz", "Kat yazıcısı yine bozuk", devices="PRN-2")
    services.merge(ipek, duplicate, original)
    duplicate.refresh_from_db()
    original.refresh_from_db()
    assert duplicate.status == "closed" and duplicate.merged_into == original
    assert original.number in duplicate.resolution
    assert original.related_devices.split() == ["PRN-1", "PRN-2"]
    note = Comment.objects.get(ticket=original)
    assert note.is_internal and duplicate.number in note.body and "Ilgaz" in note.body
    assert TicketLink.objects.filter(from_ticket=duplicate, to_ticket=original, kind="duplicate").exists()
    assert ("ticket.merged", duplicate.number, {"into": original.number}) in events
    # The duplicate's requester is told where the work continues.
    told = desk["users"]["ilgaz"].notifications.order_by("-id").first()
    assert told is not None and duplicate.number in told.subject
    # A merged (closed) ticket cannot be merged again, nor can a ticket merge into itself.
    with pytest.raises(ValidationError):
        services.merge(ipek, duplicate, original)
    with pytest.raises(ValidationError):
        services.merge(ipek, original, original)


def test_merge_needs_the_right_on_both_tickets(desk):
    original = _printer(desk)
    duplicate = _printer(desk, "ilgaz")
    with pytest.raises(PermissionError):
        services.merge(desk["users"]["cagri"], duplicate, original)
    assert Ticket.objects.get(pk=duplicate.pk).status == "open"


def test_link_is_shown_on_both_tickets_and_only_once(desk, events):
    ipek = desk["users"]["ipek"]
    a, b = _printer(desk), _printer(desk, "ilgaz")
    services.perform(ipek, a, "link", {"target": b.number})
    with pytest.raises(ValidationError):
        services.link(ipek, b, a)  # the other direction is the same link
    rows_a, rows_b = services.links_of(ipek, a), services.links_of(ipek, b)
    assert [r["other"].pk for r in rows_a] == [b.pk] and [r["other"].pk for r in rows_b] == [a.pk]
    assert ("ticket.linked", a.number, {"to": b.number}) in events
    with pytest.raises(ValidationError):
        services.perform(ipek, a, "link", {"target": "2099-999999"})
    services.perform(ipek, b, "unlink", {"link": rows_b[0]["link"].pk})
    assert not TicketLink.objects.exists()


def test_bulk_action_changes_all_or_nothing(desk):
    ipek = desk["users"]["ipek"]
    tickets = [_printer(desk, title=f"Yazıcı {n}") for n in range(3)]
    ids = [t.pk for t in tickets]
    assert services.bulk(ipek, ids, "assign", {"assignee": desk["people"]["ipek"].pk}) == 3
    assert set(Ticket.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"assigned"}
    # One of them is resolved already: closing all is refused, each reason named, nothing changed.
    services.resolve(ipek, tickets[0], "Toner değişti")
    with pytest.raises(services.BulkError) as refused:
        services.bulk(ipek, ids, "start", {})
    assert [number for number, _reason in refused.value.failures] == [tickets[0].number]
    assert set(Ticket.objects.filter(pk__in=ids[1:]).values_list("status", flat=True)) == {"assigned"}
    # A requester (no change right) gets every ticket refused.
    with pytest.raises(services.BulkError):
        services.bulk(desk["users"]["cagri"], ids[1:], "close", {})
    with pytest.raises(ValidationError):
        services.bulk(ipek, [], "start", {})


def test_bulk_from_the_queue_page_and_the_api(desk, client):
    ipek = desk["users"]["ipek"]
    tickets = [_printer(desk, title=f"Yazıcı {n}") for n in range(2)]
    client.force_login(ipek)
    page = client.get("/servicedesk/tickets/")
    assert b'data-testid="bulk-form"' in page.content and f'value="{tickets[0].pk}"'.encode() in page.content
    r = client.post("/servicedesk/tickets/bulk/", {"ids": [t.pk for t in tickets], "action": "resolve",
                                                   "resolution": "Sürücü güncellendi"})
    assert r.status_code == 302
    assert set(Ticket.objects.values_list("status", flat=True)) == {"resolved"}
    r = client.post("/api/tickets/bulk/", {"ids": [t.pk for t in tickets], "action": "start"},
                    content_type="application/json")
    assert r.status_code == 400 and len(r.json()["failures"]) == 2
    r = client.post("/api/tickets/bulk/", {"ids": [t.pk for t in tickets], "action": "close"},
                    content_type="application/json")
    assert r.status_code == 200 and r.json() == {"changed": 2}
    # The requester's list has no bulk bar, and the bulk URL refuses them.
    client.force_login(desk["users"]["cagri"])
    assert b'data-testid="bulk-form"' not in client.get("/servicedesk/tickets/").content
    assert client.post("/servicedesk/tickets/bulk/", {"ids": [tickets[0].pk], "action": "close"}).status_code == 403


def test_merge_through_the_api(desk, client):
    a, b = _printer(desk), _printer(desk, "ilgaz")
    client.force_login(desk["users"]["ipek"])
    r = client.post(f"/api/tickets/{b.pk}/action/", {"action": "merge", "target": a.number},
                    content_type="application/json")
    assert r.status_code == 200 and r.json()["merged_into"] == a.pk and r.json()["status"] == "closed"


@pytest.mark.parametrize(("action", "expect"), [("chief", "ipek"), ("queue", None), ("notify", "cagri-tech")])
def test_breach_escalates_as_the_service_says(desk, make_user, action, expect):
    from bilge.core.models import Person

    other = Person.objects.create(institution=desk["institution"], registration_no="2001", first_name="Oğuz",
                                  last_name="Teknisyen", unit=desk["sys"], position=desk["positions"]["staff"])
    make_user("oguz", person=other, roles=[("BT personeli", "it_service")])
    service = desk["service"]
    service.breach_action = action
    service.save()
    ticket = _printer(desk)
    services.assign(desk["users"]["ipek"], ticket, other)
    start = timezone.now() - datetime.timedelta(hours=1)
    Ticket.objects.filter(pk=ticket.pk).update(sla_started_at=start, due_resolution_at=start)
    counts = sla.check(timezone.now())
    ticket.refresh_from_db()
    assert counts["breached"] == 1
    if expect == "ipek":
        assert ticket.assignee == desk["people"]["ipek"] and counts["escalated"] == 1
    elif expect is None:
        assert ticket.assignee is None and ticket.status == "open" and counts["escalated"] == 1
    else:
        assert ticket.assignee == other and counts["escalated"] == 0


def test_service_refuses_escalation_without_a_target(desk):
    service = desk["service"]
    service.breach_action = "person"
    with pytest.raises(ValidationError) as refused:
        service.full_clean()
    assert "escalation_person" in refused.value.message_dict


def test_article_files_and_ticket_links(desk, client):
    ipek = desk["users"]["ipek"]
    article = Article.objects.create(institution=desk["institution"], title="Yazıcı kağıt sıkışması",
                                     body="Arka kapağı açın.", owner_unit=desk["sys"])
    guide = SimpleUploadedFile("kılavuz.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    services.attach_to_article(ipek, article, [guide])
    stored = article.attachments.get()
    assert stored.name == "kılavuz.pdf"
    with pytest.raises(PermissionError):
        services.attach_to_article(desk["users"]["cagri"], article,
                                   [SimpleUploadedFile("a.pdf", b"%PDF-1", content_type="application/pdf")])
    with pytest.raises(ValidationError):
        services.attach_to_article(ipek, article, [SimpleUploadedFile("a.exe", b"MZ..", content_type="x")])
    assert article.attachments.count() == 1
    # Staff (all-staff article) may download it; an IT-only article's file is hidden from staff.
    client.force_login(desk["users"]["cagri"])
    assert client.get(stored.get_absolute_url()).status_code == 200
    Article.objects.filter(pk=article.pk).update(visibility="it")
    assert client.get(stored.get_absolute_url()).status_code == 404
    # A technician links the article to the ticket it solved; the article lists the ticket.
    ticket = _printer(desk)
    services.perform(ipek, ticket, "link_article", {"article": article.pk})
    assert list(ticket.articles.all()) == [article]
    client.force_login(ipek)
    page = client.get(article.get_absolute_url()).content.decode()
    assert ticket.number in page and "kılavuz.pdf" in page
    services.perform(ipek, ticket, "unlink_article", {"article": article.pk})
    assert not ticket.articles.exists()


def test_category_comes_from_the_type_rules_match_it_and_it_staff_change_it(desk):
    from bilge.servicedesk.models import AssignmentRule

    desk["printer"].category = "Yazıcı"
    desk["printer"].save()
    rule = AssignmentRule.objects.create(service=desk["service"], name="Yazıcılar", category="YAZICI",
                                         strategy="round_robin")
    rule.members.set([desk["people"]["ipek"]])
    ticket = _printer(desk)
    assert ticket.category == "Yazıcı" and ticket.assignee == desk["people"]["ipek"]  # İ/ı folded: YAZICI = Yazıcı
    rule.category = "Ağ"
    rule.save()
    assert _printer(desk).assignee is None
    services.perform(desk["users"]["ipek"], ticket, "categorize", {"category": "Toner"})
    assert Ticket.objects.get(pk=ticket.pk).category == "Toner"
    with pytest.raises(PermissionError):
        services.perform(desk["users"]["cagri"], ticket, "categorize", {"category": "Başka"})


def test_queue_overview_counts_per_service(desk, client):
    ipek = desk["users"]["ipek"]
    first, second, third = (_printer(desk, title=f"Yazıcı {n}") for n in range(3))
    services.assign(ipek, first, desk["people"]["ipek"])
    Ticket.objects.filter(pk=second.pk).update(sla_breached_at=timezone.now(), sla_warned_at=timezone.now())
    Ticket.objects.filter(pk=third.pk).update(sla_warned_at=timezone.now())
    services.create_ticket(desk["users"]["cagri"], requester=desk["people"]["cagri"], request_type=desk["access"],
                           title="EBYS", answers={"system": "ebys"})  # awaiting approval: not in the queue
    [row] = services.queue_overview(ipek)
    assert (row["service"], row["total"], row["unassigned"], row["breached"], row["warned"], row["mine"]) == \
        (desk["service"], 3, 2, 1, 1, 1)
    client.force_login(ipek)
    page = client.get("/servicedesk/queues/")
    assert page.status_code == 200 and b'data-testid="queue-donanim"' in page.content
    assert client.get("/servicedesk/my-work/").url.endswith("?mine=true&open=true&sort=due_resolution_at")
    client.force_login(desk["users"]["cagri"])
    assert client.get("/servicedesk/queues/").status_code == 403


def test_it_staff_record_a_phone_call_for_someone(desk, client):
    client.force_login(desk["users"]["ipek"])
    page = client.get(f"/servicedesk/new/?type={desk['printer'].pk}")
    assert b'data-testid="on-behalf"' in page.content
    r = client.post("/servicedesk/new/", {"type": desk["printer"].pk, "title": "Telefonla bildirildi",
                                          "f_printer": "HP", "requester": desk["people"]["oya"].pk,
                                          "channel": "phone"})
    assert r.status_code == 302
    ticket = Ticket.objects.get()
    assert (ticket.requester, ticket.requester_unit, ticket.channel, ticket.created_by) == \
        (desk["people"]["oya"], desk["yol"], "phone", desk["users"]["ipek"])
    # An employee has no such choice: their request is their own, whatever they post.
    client.force_login(desk["users"]["cagri"])
    assert b'data-testid="on-behalf"' not in client.get(f"/servicedesk/new/?type={desk['printer'].pk}").content
    client.post("/servicedesk/new/", {"type": desk["printer"].pk, "title": "Benim", "f_printer": "HP",
                                      "requester": desk["people"]["oya"].pk, "channel": "phone"})
    mine = Ticket.objects.get(title="Benim")
    assert (mine.requester, mine.channel) == (desk["people"]["cagri"], "portal")


def test_requester_picker_serves_the_whole_institution_to_it_staff_only(desk, client):
    client.force_login(desk["users"]["ipek"])
    options = client.get("/servicedesk/requesters/autocomplete/?q=oya").content.decode()
    assert f'value="{desk["people"]["oya"].pk}"' in options
    r = client.post("/servicedesk/new/", {"type": desk["printer"].pk, "title": "X", "f_printer": "HP",
                                          "requester": 999999, "channel": "phone"})
    assert r.status_code == 400 and not Ticket.objects.exists()
    client.force_login(desk["users"]["cagri"])
    assert client.get("/servicedesk/requesters/autocomplete/?q=oya").status_code == 403
