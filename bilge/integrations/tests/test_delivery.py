"""Webhook delivery end to end: a real HTTP receiver in a thread, the signature checked the way
docs/webhooks.md tells receivers to, retries, giving up, rollback, filters and concurrent workers."""

import datetime
import hashlib
import hmac
import json
import threading

import pytest
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from bilge.integrations import delivery, services
from bilge.integrations.models import Webhook, WebhookDelivery

S = WebhookDelivery.Status


def verify(secret: str, headers: dict, body: bytes) -> bool:
    """The receiver's check, as in docs/webhooks.md."""
    timestamp = headers["x-bilge-timestamp"]
    expected = "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, headers["x-bilge-signature"])


def _make_due(row):
    WebhookDelivery.objects.filter(pk=row.pk, status__in=WebhookDelivery.DUE_STATUSES).update(next_attempt_at=timezone.now() - datetime.timedelta(seconds=1))


@pytest.mark.django_db
def test_a_ticket_event_reaches_a_real_receiver_signed_with_the_secret(hook, receiver, new_ticket, desk):
    ticket = new_ticket()
    row = WebhookDelivery.objects.get(webhook=hook)
    assert (row.event, row.status, row.ticket_number, row.attempts) == ("ticket.created", S.PENDING, ticket.number, 0)

    assert delivery.deliver_due() == {"delivered": 1, "retrying": 0, "gave_up": 0}

    [request] = receiver.requests
    headers, body = request["headers"], request["body"]
    assert request["path"] == "/hook"
    assert headers["content-type"].startswith("application/json")
    assert headers["x-bilge-event"] == "ticket.created"
    assert headers["x-bilge-delivery"] == str(row.delivery_id)
    assert abs(int(headers["x-bilge-timestamp"]) - timezone.now().timestamp()) < 60
    assert verify(hook.secret, headers, body)
    assert not verify("another secret", headers, body)
    assert not verify(hook.secret, headers, body + b" ")  # a changed body fails the check
    payload = json.loads(body)
    assert payload["event"] == "ticket.created" and payload["delivery"] == str(row.delivery_id)
    assert payload["institution"] == "test"
    t = payload["ticket"]
    assert (t["number"], t["title"], t["status"], t["priority"]) == (ticket.number, ticket.title, "open", ticket.priority)
    assert t["service"] == {"code": "donanim", "name": "Donanım ve Teknik Destek"}
    assert t["request_type"]["code"] == "yazici-arizasi"
    assert t["requester_unit"] == {"code": "YOL", "name": "Yol Bakım Şube Müdürlüğü"}
    assert t["url"].endswith(f"/servicedesk/tickets/{ticket.pk}/")

    row.refresh_from_db()
    assert (row.status, row.attempts, row.response_code) == (S.DELIVERED, 1, 200)
    assert row.delivered_at is not None and row.next_attempt_at is None and row.duration_ms is not None
    assert row.response_excerpt == '{"received": true}'
    hook.refresh_from_db()
    assert (hook.delivered_count, hook.failed_count, hook.last_status, hook.last_response_code) == (1, 0, "delivered", 200)


@pytest.mark.django_db
def test_the_payload_names_no_requester_and_carries_no_free_text(hook, receiver, new_ticket, desk):
    person = desk["people"]["cagri"]
    ticket = new_ticket(title="Yazıcı")
    text = json.dumps(WebhookDelivery.objects.get(webhook=hook).payload, ensure_ascii=False)
    for private in (person.first_name, person.last_name, person.email or "@", ticket.description, "HP 4250"):
        assert private not in text, private
    assert ticket.title in text

    hook.include_title = False
    hook.save()
    new_ticket(title="Gizli konu başlığı")
    payload = WebhookDelivery.objects.filter(webhook=hook).latest("id").payload
    assert "title" not in payload["ticket"] and "Gizli" not in json.dumps(payload, ensure_ascii=False)


@pytest.mark.django_db
def test_event_data_passes_only_reviewed_keys(hook, desk, monkeypatch):
    from bilge.core.events import emit
    from bilge.servicedesk.models import Ticket

    monkeypatch.setattr(services, "ticket_representation", lambda t: {"number": t.number})
    ticket = Ticket(institution=desk["institution"], service=desk["service"], number="2026-000001")
    emit("ticket.reopened", ticket, None, reason="Ayşe Yılmaz'ın bilgisayarı yine bozuldu", phase="test")
    [row] = WebhookDelivery.objects.filter(webhook=hook)
    assert row.payload["data"] == {"phase": "test"}
    assert row.payload["ticket"] == {"number": "2026-000001"}


@pytest.mark.django_db
def test_a_failed_call_is_retried_with_back_off_and_then_delivered(hook, receiver, new_ticket):
    receiver.script = [500, 200]
    new_ticket()
    row = WebhookDelivery.objects.get(webhook=hook)

    before = timezone.now()
    assert delivery.deliver_due()["retrying"] == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, row.response_code) == (S.RETRYING, 1, 500)
    assert row.error == "HTTP 500" and row.response_excerpt == "receiver trouble"
    assert before + datetime.timedelta(seconds=55) < row.next_attempt_at < timezone.now() + datetime.timedelta(minutes=2)

    assert delivery.deliver_due() == {"delivered": 0, "retrying": 0, "gave_up": 0}, "not due yet"
    assert len(receiver.requests) == 1

    _make_due(row)
    assert delivery.deliver_due()["delivered"] == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, row.response_code, row.error) == (S.DELIVERED, 2, 200, "")
    assert receiver.deliveries() == [str(row.delivery_id)] * 2, "a retry is the same delivery"
    hook.refresh_from_db()
    assert (hook.delivered_count, hook.failed_count) == (1, 1)


def test_back_off_doubles_and_is_capped():
    minutes = [delivery.backoff(n).total_seconds() / 60 for n in range(1, 10)]
    assert minutes == [1, 2, 4, 8, 16, 32, 60, 60, 60]


@pytest.mark.django_db
def test_gives_up_after_the_configured_number_of_attempts(hook, receiver, new_ticket, settings):
    settings.BILGE_WEBHOOK_MAX_ATTEMPTS = 3
    receiver.default = 503
    new_ticket()
    row = WebhookDelivery.objects.get(webhook=hook)
    statuses = []
    for _attempt in range(5):
        _make_due(row)
        delivery.deliver_due()
        row.refresh_from_db()
        statuses.append(row.status)
    assert statuses == [S.RETRYING, S.RETRYING, S.GAVE_UP, S.GAVE_UP, S.GAVE_UP]
    assert row.attempts == 3 and row.next_attempt_at is None and row.response_code == 503
    assert len(receiver.requests) == 3


@pytest.mark.django_db
def test_connection_errors_and_timeouts_are_retried(hook, receiver, new_ticket):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    hook.url = f"http://127.0.0.1:{closed_port}/hook"
    hook.save()
    new_ticket()
    row = WebhookDelivery.objects.get(webhook=hook)
    delivery.deliver_due()
    row.refresh_from_db()
    assert row.status == S.RETRYING and row.response_code is None and "refused" in row.error.lower()

    hook.url, hook.timeout = receiver.url(), 1
    hook.save()
    receiver.delay = 2
    _make_due(row)
    delivery.deliver_due()
    row.refresh_from_db()
    assert row.status == S.RETRYING and row.attempts == 2 and "timed out" in row.error.lower()
    assert 900 <= row.duration_ms < 2000


@pytest.mark.django_db
def test_redirects_to_another_host_are_not_followed(hook, receiver, new_ticket):
    receiver.script = [(302, {"Location": "http://attacker.example/steal"})]
    new_ticket()
    row = WebhookDelivery.objects.get(webhook=hook)
    delivery.deliver_due()
    row.refresh_from_db()
    assert row.status == S.RETRYING and row.response_code == 302
    assert "attacker.example" in row.error and "not followed" in row.error
    assert len(receiver.requests) == 1

    # A permanent move on the same server keeps the method and the body, so it is followed.
    receiver.script = [(308, {"Location": "/moved"}), 200]
    _make_due(row)
    delivery.deliver_due()
    row.refresh_from_db()
    assert row.status == S.DELIVERED
    moved = receiver.requests[-1]
    assert moved["path"] == "/moved" and moved["method"] == "POST"
    assert verify(hook.secret, moved["headers"], moved["body"])


@pytest.mark.django_db
def test_rolled_back_ticket_creation_produces_no_delivery(hook, new_ticket):
    with pytest.raises(RuntimeError), transaction.atomic():
        new_ticket()
        assert WebhookDelivery.objects.filter(webhook=hook).count() == 1, "written in the caller's transaction"
        raise RuntimeError("the work fails after the event")
    assert not WebhookDelivery.objects.exists()


@pytest.mark.django_db
def test_an_invalid_ticket_announces_nothing(hook, new_ticket):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        new_ticket(title="   ")
    assert not WebhookDelivery.objects.exists()


@pytest.mark.django_db
def test_event_service_institution_and_state_filters_are_respected(desk, receiver, new_ticket):
    from bilge.core.models import Institution
    from bilge.servicedesk.models import Service

    inst = desk["institution"]
    other_service = Service.objects.create(institution=inst, unit=desk["sys"], code="ebys", name="EBYS Destek")
    other_inst = Institution.objects.create(slug="baska", name="Başka Belediye")

    def make(name, **kw):
        values = {"institution": inst, "url": receiver.url(), "events": ["ticket.created"], **kw}
        return Webhook.objects.create(name=name, **values)

    wanted = make("hardware, created", service=desk["service"])
    everything = make("every service")
    make("assigned only", events=["ticket.assigned", "ticket.resolved"])
    make("another service", service=other_service)
    make("inactive", active=False)
    archived = make("archived")
    archived.archive("no longer used")
    make("another institution", institution=other_inst)

    new_ticket()
    assert set(WebhookDelivery.objects.values_list("webhook__name", flat=True)) == {wanted.name, everything.name}

    assigned = Webhook.objects.get(name="assigned only")
    from bilge.servicedesk import services as desk_services

    ticket = new_ticket(title="İkinci")
    desk_services.perform(desk["users"]["ipek"], ticket, "assign", {"assignee": desk["people"]["ipek"].pk}, None)
    row = WebhookDelivery.objects.get(webhook=assigned)
    assert row.event == "ticket.assigned" and row.ticket_number == ticket.number
    assert row.payload["ticket"]["technician"] == {"name": desk["people"]["ipek"].full_name}


@pytest.mark.django_db
def test_webhooks_kept_by_each_process_follow_every_change(desk, receiver, new_ticket, shared_cache):
    """With the production cache each process keeps the institution's webhooks between changes:
    a new, a stopped and a changed webhook all count from the next event."""
    new_ticket()
    assert not WebhookDelivery.objects.exists()
    hook = Webhook.objects.create(institution=desk["institution"], name="created", url=receiver.url(),
                                  events=["ticket.created"])
    new_ticket(title="İkinci")
    assert WebhookDelivery.objects.filter(webhook=hook).count() == 1
    hook.events = ["ticket.resolved"]
    hook.save()
    new_ticket(title="Üçüncü")
    assert WebhookDelivery.objects.filter(webhook=hook).count() == 1
    hook.events = ["ticket.created"]
    hook.active = False
    hook.save()
    new_ticket(title="Dördüncü")
    assert WebhookDelivery.objects.filter(webhook=hook).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_commit_nudges_the_worker_so_the_delivery_goes_out_at_once(hook, receiver, new_ticket):
    """Tests run tasks with the immediate backend: the task enqueued on commit sends at once."""
    ticket = new_ticket()
    assert [json.loads(r["body"])["ticket"]["number"] for r in receiver.requests] == [ticket.number]
    assert WebhookDelivery.objects.get().status == S.DELIVERED


@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_never_send_the_same_delivery(hook, receiver, desk, monkeypatch):
    monkeypatch.setattr(services, "nudge_on_commit", lambda: None)  # only the workers below send
    from bilge.servicedesk.models import Ticket

    ticket = Ticket(institution=desk["institution"], service=desk["service"], number="2026-000001")
    monkeypatch.setattr(services, "ticket_representation", lambda t: {"number": t.number})
    from bilge.core.events import emit

    with transaction.atomic():
        for _n in range(24):
            emit("ticket.sla_warning", ticket, None, due="2026-05-01T10:00:00+03:00")
    ids = {str(d) for d in WebhookDelivery.objects.values_list("delivery_id", flat=True)}
    assert len(ids) == 24

    barrier = threading.Barrier(4)
    errors = []

    def worker():
        try:
            barrier.wait()
            delivery.deliver_due()
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=worker) for _n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    sent = receiver.deliveries()
    assert sorted(sent) == sorted(ids), "every delivery sent exactly once"
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {S.DELIVERED}
    assert set(WebhookDelivery.objects.values_list("attempts", flat=True)) == {1}


@pytest.mark.django_db(transaction=True)
def test_a_claimed_row_is_skipped_not_waited_for(hook, desk, monkeypatch):
    """PostgreSQL: while one worker holds a delivery's row lock, another's claim skips it at once."""
    from bilge.testing import require

    require(connection.vendor == "postgresql", "row locks with SKIP LOCKED need PostgreSQL")
    monkeypatch.setattr(services, "nudge_on_commit", lambda: None)
    row = WebhookDelivery.objects.create(webhook=hook, event="ticket.created", payload={}, next_attempt_at=timezone.now())
    locked, release, results = threading.Event(), threading.Event(), {}

    def holder():
        try:
            with transaction.atomic():
                WebhookDelivery.objects.select_for_update().get(pk=row.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    def other():
        try:
            results["claimed"] = delivery.claim(row.pk)
        finally:
            connection.close()

    t = threading.Thread(target=holder)
    t.start()
    assert locked.wait(10)
    c = threading.Thread(target=other)
    c.start()
    c.join(5)
    assert not c.is_alive(), "the claim did not wait for the lock"
    assert results["claimed"] is None
    release.set()
    t.join(10)
    claimed = delivery.claim(row.pk)
    assert claimed is not None and claimed.attempts == 1
    assert delivery.claim(row.pk) is None, "once claimed, the lease keeps it from the next worker"


@pytest.mark.django_db
def test_an_expired_lease_does_not_let_a_late_worker_overwrite_the_outcome(hook, receiver):
    row = WebhookDelivery.objects.create(webhook=hook, event="ticket.created", payload={}, next_attempt_at=timezone.now())
    first = delivery.claim(row.pk)
    _make_due(row)  # the first worker hangs past its lease; a second takes over and delivers
    assert delivery.deliver(row.pk) == S.DELIVERED
    assert delivery.record(first, delivery.Outcome(False, 500, "", "HTTP 500")) == ""
    row.refresh_from_db()
    assert (row.status, row.attempts) == (S.DELIVERED, 2)
