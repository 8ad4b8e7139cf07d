"""The service desk through the REST API: the same rules as the portal."""

import pytest

from bilge.servicedesk.models import Ticket

pytestmark = pytest.mark.django_db


def test_create_and_work_a_ticket_through_the_api(desk, client):
    client.force_login(desk["users"]["cagri"])
    r = client.post("/api/tickets/", {"request_type": desk["printer"].pk, "title": "Yazıcı",
                                      "answers": {"printer": "HP"}}, content_type="application/json")
    assert r.status_code == 201, r.content
    ticket = r.json()
    assert ticket["status"] == "open" and ticket["channel"] == "api"
    r = client.post("/api/tickets/", {"request_type": desk["printer"].pk, "title": "Eksik"},
                    content_type="application/json", HTTP_ACCEPT_LANGUAGE="tr")
    assert r.status_code == 400 and "printer" in r.json()
    assert client.post(f"/api/tickets/{ticket['id']}/action/", {"action": "start"},
                       content_type="application/json").status_code == 403
    client.force_login(desk["users"]["ipek"])
    r = client.post(f"/api/tickets/{ticket['id']}/action/", {"action": "start", "version": ticket["version"]},
                    content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "in_progress"
    r = client.post(f"/api/tickets/{ticket['id']}/action/",
                    {"action": "resolve", "resolution": "x", "version": ticket["version"]},
                    content_type="application/json")
    assert r.status_code == 409
    r = client.post(f"/api/tickets/{ticket['id']}/action/", {"action": "worklog", "minutes": 15, "note": "Temizlik"},
                    content_type="application/json")
    assert r.status_code == 200
    assert client.get("/api/tickets/?open=true").json()["count"] == 1


@pytest.mark.parametrize("kept", [False, True], ids=["database", "kept"])
def test_a_ticket_is_recorded_only_for_a_person_the_caller_may_see(desk, client, request, kept, make_user):
    """A request is recorded for a person the caller may see (a help-desk clerk of Fen İşleri for
    its staff); anyone else is "not found", with nothing written. The same with the people kept by
    each process (Redis)."""
    if kept:
        request.getfixturevalue("shared_cache")
    body = {"request_type": desk["printer"].pk, "title": "Yazıcı", "answers": {"printer": "HP"}, "channel": "phone"}
    client.force_login(desk["users"]["cagri"])
    other = desk["people"]["oya"]
    assert client.post("/api/tickets/", {**body, "requester": other.pk},
                       content_type="application/json").status_code == 404
    assert client.post("/api/tickets/", {**body, "requester": 10**9},
                       content_type="application/json").status_code == 404
    assert not Ticket.objects.exists()
    clerk = make_user("masa", roles=[(["org.view", "servicedesk.view", "servicedesk.add"], "unit_tree", desk["fen"])])
    client.force_login(clerk)  # Fen İşleri and below: Oya's Yol Bakım
    r = client.post("/api/tickets/", {**body, "requester": other.pk}, content_type="application/json")
    assert r.status_code == 201 and r.json()["requester"] == other.pk
    # Oya moves to Zabıta: out of the manager's units from the next request on.
    other.unit = desk["zabita"]
    other.save()
    assert client.post("/api/tickets/", {**body, "requester": other.pk},
                       content_type="application/json").status_code == 404
    assert Ticket.objects.count() == 1


def test_approvals_through_the_api(desk, client):
    client.force_login(desk["users"]["cagri"])
    r = client.post("/api/tickets/", {"request_type": desk["access"].pk, "title": "EBYS",
                                      "answers": {"system": "ebys"}}, content_type="application/json")
    ticket = Ticket.objects.get(pk=r.json()["id"])
    approval = ticket.approvals.get()
    client.force_login(desk["users"]["ismail"])
    assert [a["id"] for a in client.get("/api/approvals/").json()["results"]] == [approval.pk]
    r = client.post(f"/api/approvals/{approval.pk}/decide/", {"approve": True}, content_type="application/json")
    assert r.status_code == 200 and r.json()["decision"] == "approved"
    ticket.refresh_from_db()
    assert ticket.status == "open"


def test_serializers_write_out_what_drf_writes_and_never_share_a_field(desk, client):
    """Fields are cloned per serializer instance, and records are written out with fields bound
    once per class (bilge.api.serializers): the answer is what DRF's own serializer gives, and a
    change to one instance's field (the rights-limited queryset of a related field) stays there."""
    from rest_framework import serializers

    from bilge.api.serializers import _shared_output_fields
    from bilge.servicedesk.api.serializers import AssignmentRuleSerializer, TicketSerializer

    client.force_login(desk["users"]["cagri"])
    r = client.post("/api/tickets/", {"request_type": desk["printer"].pk, "title": "Yazıcı çıktı vermiyor",
                                      "answers": {"printer": "HP"}}, content_type="application/json")
    assert r.status_code == 201, r.content
    ticket = Ticket.objects.get(pk=r.json()["id"])
    plain = type("Plain", (serializers.ModelSerializer,), {"Meta": TicketSerializer.Meta})
    assert _shared_output_fields(TicketSerializer) is not None
    assert TicketSerializer(ticket).data == plain(ticket).data
    assert [TicketSerializer(t).data for t in (ticket, ticket)] == [plain(ticket).data] * 2
    assert r.json() == plain(ticket).data

    one, two = AssignmentRuleSerializer(), AssignmentRuleSerializer()
    members_one, members_two = one.fields["members"], two.fields["members"]
    assert members_one is not members_two and members_one.child_relation is not members_two.child_relation
    assert members_one.child_relation.parent is members_one
    members_one.child_relation.queryset = members_one.child_relation.queryset.none()
    assert members_one.child_relation.get_queryset().query.is_empty()
    assert not members_two.child_relation.get_queryset().query.is_empty()
    assert not AssignmentRuleSerializer().fields["members"].child_relation.get_queryset().query.is_empty()
    assert _shared_output_fields(AssignmentRuleSerializer) is None  # it limits related records per caller
