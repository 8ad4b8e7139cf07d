"""Webhooks as records: validation, the secret (write-only, shown once, revealed with the right
and recorded, masked in the audit trail), permissions in the UI and the API, the delivery log,
test ping and redelivery."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.utils.translation import override

from bilge.core.audit import MASK
from bilge.core.models import AuditEntry
from bilge.integrations import delivery
from bilge.integrations.models import Webhook, WebhookDelivery

pytestmark = pytest.mark.django_db
S = WebhookDelivery.Status


@pytest.fixture
def people(desk, make_user):
    """An integrations administrator, a reader (auditor-like) and a technician without the module."""
    p = desk["people"]
    return {
        "admin": make_user("entegrasyon", person=p["ismail"],
                           roles=[(["integrations.*", "org.view", "servicedesk.view"], "institution")]),
        "reader": make_user("okur", person=p["oya"], roles=[(["integrations.view"], "institution")]),
        "tech": desk["users"]["ipek"],
    }


def _webhook(desk, **kw):
    values = {"institution": desk["institution"], "name": "Sohbet kanalı", "url": "https://hooks.example.gov.tr/bilge",
              "events": ["ticket.created"], **kw}
    return Webhook.objects.create(**values)


@pytest.mark.parametrize("url", ["ftp://files.example/hook", "javascript:alert(1)", "file:///etc/passwd",
                                 "https://user:pass@hooks.example/x", "not an address", "https://hooks.example/x#frag",
                                 "//hooks.example/x"])
def test_bad_target_addresses_are_refused(desk, url):
    hook = Webhook(institution=desk["institution"], name="x", url=url, events=["ticket.created"])
    with pytest.raises(ValidationError) as err:
        hook.full_clean()
    assert "url" in err.value.message_dict


def test_events_must_be_known_and_not_empty(desk):
    for events, fragment in ([], ""), (["ticket.exploded"], "ticket.exploded"), \
            (["ticket.created", "ticket.created"], "twice"), ("ticket.created", "at least one"):
        hook = Webhook(institution=desk["institution"], name="x", url="http://10.0.0.5:8080/hook", events=events)
        with override("en"):
            with pytest.raises(ValidationError) as err:
                hook.full_clean()
            assert fragment in " ".join(err.value.message_dict["events"])
    Webhook(institution=desk["institution"], name="x", url="http://10.0.0.5:8080/hook",
            events=["ticket.created", "ticket.sla_breached"]).full_clean()


def test_the_service_filter_must_belong_to_the_institution(desk):
    from bilge.core.models import Institution, Unit
    from bilge.servicedesk.models import Service

    other = Institution.objects.create(slug="baska", name="Başka")
    unit = Unit.objects.create(institution=other, code="BT", name="BT", kind="birim", is_it=True)
    service = Service.objects.create(institution=other, unit=unit, code="x", name="X")
    hook = Webhook(institution=desk["institution"], name="x", url="https://h.example/", events=["ticket.created"],
                   service=service)
    with pytest.raises(ValidationError) as err:
        hook.full_clean()
    assert "service" in err.value.message_dict


def test_the_secret_is_generated_and_masked_in_the_audit_trail(desk, people):
    from bilge.integrations import services

    hook = _webhook(desk)
    first = hook.secret
    assert len(first) >= 40 and _webhook(desk, name="b").secret != first
    second = services.rotate_secret(people["admin"], hook)
    assert second != first
    entries = AuditEntry.objects.filter(object_type="integrations.webhook", object_id=str(hook.pk))
    assert entries.filter(action="create").get().changes["secret"] == [None, MASK]
    assert entries.filter(action="update").get().changes == {"secret": [MASK, MASK]}
    everything = json.dumps(list(AuditEntry.objects.values_list("changes", flat=True)))
    assert first not in everything and second not in everything


def test_users_without_the_right_are_refused_in_the_ui_and_the_api(desk, people, client):
    hook = _webhook(desk)
    row = WebhookDelivery.objects.create(webhook=hook, event="ticket.created", payload={}, status=S.GAVE_UP)
    client.force_login(people["tech"])
    for url in ("/integrations/webhooks/", f"/integrations/webhooks/{hook.pk}/", "/integrations/webhooks/add/",
                f"/integrations/deliveries/{row.pk}/", "/api/webhooks/", f"/api/webhooks/{hook.pk}/secret/",
                "/api/webhook-deliveries/"):
        assert client.get(url).status_code == 403, url
    for url in (f"/integrations/webhooks/{hook.pk}/ping/", f"/integrations/webhooks/{hook.pk}/secret/",
                f"/integrations/deliveries/{row.pk}/redeliver/", f"/api/webhooks/{hook.pk}/ping/",
                f"/api/webhook-deliveries/{row.pk}/redeliver/", "/api/webhooks/"):
        assert client.post(url, {}).status_code == 403, url
    assert WebhookDelivery.objects.count() == 1
    menu = client.get("/").content.decode()
    assert "/integrations/webhooks/" not in menu


def test_readers_see_webhooks_but_never_the_secret(desk, people, client):
    hook = _webhook(desk)
    client.force_login(people["reader"])
    listing = client.get("/api/webhooks/")
    assert listing.status_code == 200
    [item] = listing.json()["results"]
    assert item["name"] == hook.name and "secret" not in item
    assert hook.secret not in listing.content.decode()
    assert hook.secret not in client.get(f"/api/webhooks/{hook.pk}/").content.decode()
    assert client.get(f"/api/webhooks/{hook.pk}/secret/").status_code == 403
    page = client.get(f"/integrations/webhooks/{hook.pk}/")
    assert page.status_code == 200 and hook.secret not in page.content.decode()
    assert b'data-testid="reveal-secret"' not in page.content
    assert client.post(f"/integrations/webhooks/{hook.pk}/secret/").status_code == 403
    assert client.post(f"/api/webhooks/{hook.pk}/rotate_secret/").status_code == 403
    assert "/integrations/webhooks/" in client.get("/").content.decode(), "the menu shows the module"


def test_api_creates_a_webhook_shows_the_secret_once_and_reveals_it_with_a_record(desk, people, client):
    client.force_login(people["admin"])
    response = client.post("/api/webhooks/", {
        "institution": desk["institution"].pk, "name": "Olay yolu", "url": "https://hooks.example.gov.tr/bilge",
        "events": ["ticket.resolved", "ticket.created"], "service": desk["service"].pk}, content_type="application/json")
    assert response.status_code == 201, response.content
    created = response.json()
    hook = Webhook.objects.get(pk=created["id"])
    assert created["secret"] == hook.secret
    assert hook.events == ["ticket.created", "ticket.resolved"]
    assert "secret" not in client.get(f"/api/webhooks/{hook.pk}/").json()

    revealed = client.get(f"/api/webhooks/{hook.pk}/secret/")
    assert revealed.json() == {"secret": hook.secret}
    entry = AuditEntry.objects.get(action="view_secret")
    assert entry.object_id == str(hook.pk) and entry.actor_id == people["admin"].pk and hook.secret not in str(entry.changes)

    rotated = client.post(f"/api/webhooks/{hook.pk}/rotate_secret/").json()["secret"]
    hook.refresh_from_db()
    assert rotated == hook.secret != created["secret"]

    own = client.post("/api/webhooks/", {"institution": desk["institution"].pk, "name": "Kendi sırrı",
                                          "url": "http://10.1.2.3/h", "events": ["ticket.closed"],
                                          "secret": "bizim-paylasilan-sirrimiz-2026"},
                      content_type="application/json")
    assert own.status_code == 201 and Webhook.objects.get(pk=own.json()["id"]).secret == "bizim-paylasilan-sirrimiz-2026"


@pytest.mark.parametrize("body, field", [
    ({"url": "ftp://x.example/h"}, "url"),
    ({"url": "https://u:p@x.example/h"}, "url"),
    ({"events": ["ticket.nope"]}, "events"),
    ({"events": []}, "events"),
    ({"timeout": 600}, "timeout"),
    ({"secret": "short"}, "secret"),
])
def test_api_refuses_bad_values(desk, people, client, body, field):
    client.force_login(people["admin"])
    data = {"institution": desk["institution"].pk, "name": "x", "url": "https://x.example/h",
            "events": ["ticket.created"], **body}
    response = client.post("/api/webhooks/", data, content_type="application/json")
    assert response.status_code == 400 and field in response.json(), response.content
    assert not Webhook.objects.exists()


def test_ui_creates_a_webhook_and_shows_the_secret_once(desk, people, client):
    client.force_login(people["admin"])
    form = {"name": "Olay yolu", "url": "ftp://bad.example/", "events": ["ticket.created", "ticket.assigned"],
            "active": "on", "include_title": "on"}
    refused = client.post("/integrations/webhooks/add/", form)
    assert refused.status_code == 400 and b'data-testid="error-url"' in refused.content
    assert not Webhook.objects.exists()

    response = client.post("/integrations/webhooks/add/", {**form, "url": "https://hooks.example.gov.tr/b"}, follow=True)
    hook = Webhook.objects.get()
    assert hook.name in client.get("/integrations/webhooks/").content.decode()
    assert hook.institution == desk["institution"] and hook.events == ["ticket.created", "ticket.assigned"]
    assert hook.secret in response.content.decode(), "shown once, right after the creation"
    again = client.get(f"/integrations/webhooks/{hook.pk}/").content.decode()
    assert hook.secret not in again and 'data-testid="reveal-secret"' in again
    revealed = client.post(f"/integrations/webhooks/{hook.pk}/secret/", HTTP_HX_REQUEST="true")
    assert hook.secret in revealed.content.decode()
    assert AuditEntry.objects.filter(action="view_secret", object_id=str(hook.pk)).count() == 1


def test_ping_and_the_delivery_log(desk, people, client, receiver):
    hook = _webhook(desk, url=receiver.url("/ping"))
    client.force_login(people["admin"])
    page = client.post(f"/integrations/webhooks/{hook.pk}/ping/", follow=True)
    ping = WebhookDelivery.objects.get(event="ping")
    assert ping.status == S.DELIVERED and ping.attempts == 1
    assert page.redirect_chain[-1][0] == ping.get_absolute_url()
    assert receiver.requests[0]["headers"]["x-bilge-event"] == "ping"
    assert json.loads(receiver.requests[0]["body"])["webhook"] == {"id": hook.pk, "name": hook.name}

    receiver.default = 500
    client.post(f"/integrations/webhooks/{hook.pk}/ping/")
    failed = WebhookDelivery.objects.filter(event="ping").latest("id")
    assert failed.status == S.GAVE_UP and failed.attempts == 1, "a test call is tried once"

    log = client.get(f"/integrations/deliveries/?webhook={hook.pk}&status=gave_up")
    assert log.status_code == 200
    text = log.content.decode()
    assert failed.get_absolute_url() in text and ping.get_absolute_url() not in text
    by_event = client.get("/integrations/deliveries/?event=ticket.created").content.decode()
    assert ping.get_absolute_url() not in by_event
    api = client.get(f"/api/webhook-deliveries/?webhook={hook.pk}&status=delivered").json()
    assert [d["id"] for d in api["results"]] == [ping.pk]
    detail = client.get(ping.get_absolute_url()).content.decode()
    assert str(ping.delivery_id) in detail and 'data-testid="redeliver"' not in detail
    assert 'data-testid="redeliver"' in client.get(failed.get_absolute_url()).content.decode()


def test_redeliver_a_given_up_delivery(desk, people, client, receiver, new_ticket):
    _webhook(desk, url=receiver.url())
    new_ticket()
    original = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=original.pk).update(status=S.GAVE_UP, attempts=10, next_attempt_at=None)
    client.force_login(people["reader"])
    assert client.post(f"/api/webhook-deliveries/{original.pk}/redeliver/").status_code == 403

    client.force_login(people["admin"])
    response = client.post(f"/api/webhook-deliveries/{original.pk}/redeliver/")
    assert response.status_code == 201
    again = WebhookDelivery.objects.get(pk=response.json()["id"])
    assert again.redelivery_of == original and again.delivery_id != original.delivery_id
    assert again.payload["redelivery_of"] == str(original.delivery_id)
    assert again.payload["ticket"] == original.payload["ticket"]
    delivery.deliver_due()
    again.refresh_from_db()
    assert again.status == S.DELIVERED
    assert receiver.requests[0]["headers"]["x-bilge-redelivery"] == "1"

    assert client.post(f"/api/webhook-deliveries/{again.pk}/redeliver/").status_code == 400, "delivered: nothing to redo"


def test_redelivering_a_delivery_waiting_for_its_retry_replaces_it(desk, people, client, receiver, new_ticket):
    hook = _webhook(desk, url=receiver.url())
    new_ticket()
    original = WebhookDelivery.objects.get(webhook=hook)
    receiver.script = [500]
    delivery.deliver_due()
    original.refresh_from_db()
    assert original.status == S.RETRYING
    client.force_login(people["admin"])
    response = client.post(f"/integrations/deliveries/{original.pk}/redeliver/")
    assert response.status_code == 302
    original.refresh_from_db()
    assert original.status == S.GAVE_UP and original.next_attempt_at is None
    assert WebhookDelivery.objects.filter(redelivery_of=original, status=S.PENDING).count() == 1


def test_delivery_bookkeeping_does_not_flood_the_audit_trail(desk, receiver, new_ticket):
    hook = _webhook(desk, url=receiver.url())
    receiver.script = [500, 500]
    new_ticket()
    row = WebhookDelivery.objects.get()
    created = AuditEntry.objects.filter(object_type="integrations.webhookdelivery")
    assert created.count() == 1 and created.get().action == "create"
    assert "payload" not in created.get().changes
    before = AuditEntry.objects.count()
    for _n in range(3):
        WebhookDelivery.objects.filter(pk=row.pk).update(next_attempt_at="2000-01-01T00:00:00Z")
        delivery.deliver_due()
    row.refresh_from_db()
    hook.refresh_from_db()
    assert row.status == S.DELIVERED and row.attempts == 3 and hook.failed_count == 2
    assert AuditEntry.objects.count() == before


def test_an_archived_webhook_gives_up_its_pending_deliveries(desk, receiver, new_ticket):
    hook = _webhook(desk, url=receiver.url())
    new_ticket()
    hook.archive("replaced")
    delivery.deliver_due()
    row = WebhookDelivery.objects.get()
    assert row.status == S.GAVE_UP and "inactive" in row.error and not receiver.requests
