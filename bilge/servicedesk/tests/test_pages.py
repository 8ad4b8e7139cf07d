"""The portal and the ticket page through the web: find a type, fill its form, approve via the
signed link, work the ticket."""

import pytest

from bilge.servicedesk import services
from bilge.servicedesk.models import Ticket

pytestmark = pytest.mark.django_db


def test_the_portal_finds_a_request_type_by_the_words_typed(desk, client):
    client.force_login(desk["users"]["cagri"])
    html = client.get("/servicedesk/new/", {"q": "YAZICI"}, HTTP_HX_REQUEST="true").content.decode()
    assert "Yazıcı arızası" in html and "EBYS" not in html
    html = client.get("/servicedesk/new/", {"q": "ebys"}, HTTP_HX_REQUEST="true").content.decode()
    assert "EBYS yetki talebi" in html


def test_a_request_from_the_portal_with_an_error_keeps_the_answers_and_writes_nothing(desk, client):
    client.force_login(desk["users"]["cagri"])
    r = client.post("/servicedesk/new/", {"type": desk["printer"].pk, "title": "Yazıcı çalışmıyor",
                                          "f_printer": ""})
    assert r.status_code == 400 and Ticket.objects.count() == 0
    assert "Yazıcı çalışmıyor" in r.content.decode()
    r = client.post("/servicedesk/new/", {"type": desk["printer"].pk, "title": "Yazıcı çalışmıyor",
                                          "f_printer": "HP 2. kat", "urgency": "1", "impact": "2"})
    ticket = Ticket.objects.get()
    assert r.status_code == 302 and r.url == ticket.get_absolute_url()
    assert ticket.priority == 2 and ticket.channel == "portal"
    assert ticket.number in client.get("/servicedesk/my/").content.decode()


def test_the_manager_approves_through_the_signed_link(desk, client):
    ticket = services.create_ticket(desk["users"]["cagri"], requester=desk["people"]["cagri"],
                                    request_type=desk["access"], title="EBYS", answers={"system": "ebys"})
    approval = ticket.approvals.get()
    link = f"/servicedesk/approval/{services.approval_link_token(approval)}/"
    client.force_login(desk["users"]["ilgaz"])  # not the approver
    assert client.get(link).status_code == 403
    client.force_login(desk["users"]["ismail"])
    assert client.get("/servicedesk/my/").content.decode().count(ticket.number) >= 1
    r = client.get(link)
    assert r.status_code == 302 and r.url.endswith("#approval")
    client.post(f"/servicedesk/tickets/{ticket.pk}/action/", {"action": "approve", "approval": approval.pk})
    ticket.refresh_from_db()
    assert ticket.status == "open"
    assert client.get(link).status_code == 302  # already decided: back to the list with a message
    tampered = link[:-3] + "xx/"
    assert client.get(tampered, follow=True).status_code == 200


def test_a_stale_page_gets_a_conflict_message(desk, client):
    ticket = services.create_ticket(desk["users"]["cagri"], requester=desk["people"]["cagri"],
                                    request_type=desk["printer"], title="x", answers={"printer": "y"})
    client.force_login(desk["users"]["ipek"])
    stale = ticket.version
    client.post(f"/servicedesk/tickets/{ticket.pk}/action/", {"action": "start", "version": stale})
    r = client.post(f"/servicedesk/tickets/{ticket.pk}/action/",
                    {"action": "resolve", "resolution": "bitti", "version": stale}, follow=True)
    assert "nothing was overwritten" in r.content.decode() or "üzerine yazılmadı" in r.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).status == "in_progress"


def test_the_queue_lists_what_the_technician_may_see(desk, client):
    services.create_ticket(desk["users"]["cagri"], requester=desk["people"]["cagri"],
                           request_type=desk["printer"], title="Yazıcı", answers={"printer": "y"})
    waiting = services.create_ticket(desk["users"]["cagri"], requester=desk["people"]["cagri"],
                                     request_type=desk["access"], title="EBYS bekliyor", answers={"system": "ebys"})
    client.force_login(desk["users"]["ipek"])
    html = client.get("/servicedesk/tickets/?open=true").content.decode()
    assert "Yazıcı" in html and waiting.number not in html
    assert client.get(waiting.get_absolute_url()).status_code == 404


def _listed(client, headers=None, **params):
    response = client.get("/servicedesk/tickets/", params, **(headers or {}))
    assert response.status_code == 200
    return {obj.number for obj, _cells in response.context["rows"]}, response


def test_ticket_search_by_number_words_and_short_words_on_every_path(desk, client, monkeypatch):
    from bilge.servicedesk.filters import TicketFilterSet

    user = desk["users"]["ipek"]
    make = lambda title: services.create_ticket(user, requester=desk["people"]["oya"],  # noqa: E731
                                                request_type=desk["printer"], title=title,
                                                answers={"printer": "HP"}, channel="phone")
    toner, paper, network = make("Toner bitti, İPEKÇİ odası"), make("Ekran titriyor"), make("Ağ yazıcısı toner")
    client.force_login(user)
    # A ticket's number finds that ticket (also typed without the leading zeros).
    assert _listed(client, q=paper.number)[0] == {paper.number}
    year, seq = paper.number.split("-")
    assert _listed(client, q=f"{year}-{int(seq)}")[0] == {paper.number}
    # Words: Turkish-folded, every word must match; a two-letter word narrows the longer ones' matches.
    for limit in (5000, 1):  # the ids-first path, and the common-word path
        monkeypatch.setattr(TicketFilterSet, "SEARCH_ID_LIMIT", limit)
        assert _listed(client, q="TONER")[0] == {toner.number, network.number}
        assert _listed(client, q="toner ipekçi")[0] == {toner.number}
        assert _listed(client, q="ağ toner")[0] == {network.number}
        assert _listed(client, q="ağ")[0] == {network.number}
        assert _listed(client, q="yok böyle")[0] == set()


def test_each_word_finds_the_words_it_begins_on_postgresql(desk, client, monkeypatch):
    """PostgreSQL answers from the index of word beginnings: a word typed finds the words it begins
    (Turkish suffixes: "yazıcı" finds "yazıcım"), device numbers by any of their parts, and not
    the middle of a word; SQLite finds the letters anywhere. Rare and common words (the list's own
    query) give the same answer."""
    from django.db import connection

    from bilge.servicedesk.filters import TicketFilterSet

    user = desk["users"]["ipek"]
    make = lambda title, devices="": services.create_ticket(  # noqa: E731
        user, requester=desk["people"]["oya"], request_type=desk["printer"], title=title,
        answers={"printer": "HP"}, channel="phone", related_devices=devices)
    mine = make("Yazıcım kağıt sıkıştırıyor", "DMR-2023-82012")
    bag = make("Bağlantı kopuyor")
    client.force_login(user)
    for estimate_limit in (60_000, 0):  # the ids from the index, and the walk over the newest tickets
        monkeypatch.setattr(TicketFilterSet, "SEARCH_ESTIMATE_LIMIT", estimate_limit)
        assert _listed(client, q="YAZICI")[0] == {mine.number}
        assert _listed(client, q="yazıc KAĞIT")[0] == {mine.number}
        assert _listed(client, q="82012")[0] == {mine.number}
        assert _listed(client, q="dmr-2023")[0] == {mine.number}
        assert _listed(client, q="2023 yok")[0] == set()
        middle = _listed(client, q="ağlantı")[0]
        assert middle == (set() if connection.vendor == "postgresql" else {bag.number})
        assert _listed(client, q="bağ")[0] == {bag.number}
        assert _listed(client, q="-- ' & !")[0] == set()


def _three_printer_faults(desk, client, title):
    """Three tickets recorded by the technician, who is then signed in."""
    user = desk["users"]["ipek"]
    for n in range(3):
        services.create_ticket(user, requester=desk["people"]["oya"], request_type=desk["printer"],
                               title=f"{title} {n}", answers={"printer": "HP"}, channel="phone")
    client.force_login(user)


def test_a_long_list_says_more_than_its_count_limit(desk, client, monkeypatch):
    from bilge.servicedesk.views import TicketUI

    _three_printer_faults(desk, client, "Arıza")
    numbers, response = _listed(client)
    assert len(numbers) == 3 and response.context["total"] == 3 and not response.context["total_capped"]
    monkeypatch.setattr(TicketUI, "count_limit", 2)
    numbers, response = _listed(client, headers={"HTTP_ACCEPT_LANGUAGE": "en"})
    assert len(numbers) == 2 and response.context["total_capped"]
    assert "more than 2 records" in response.content.decode()
    # A free-text search counts to its own, lower limit.
    monkeypatch.setattr(TicketUI, "search_count_limit", 1)
    numbers, response = _listed(client, q="arıza")
    assert len(numbers) == 1 and response.context["total"] == 1 and response.context["total_capped"]
    assert "1 kayıttan fazla" in response.content.decode()


def test_the_api_list_says_when_it_stopped_counting(desk, client, monkeypatch):
    from bilge.servicedesk.api.views import TicketViewSet

    _three_printer_faults(desk, client, "Toner")
    data = client.get("/api/tickets/").json()
    assert (data["count"], data["count_capped"], len(data["results"])) == (3, False, 3)
    monkeypatch.setattr(TicketViewSet, "search_count_limit", 2)
    data = client.get("/api/tickets/", {"q": "toner"}).json()
    assert (data["count"], data["count_capped"], len(data["results"])) == (2, True, 2)
    assert client.get("/api/tickets/").json()["count_capped"] is False  # no search: the higher limit
