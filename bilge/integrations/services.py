"""Webhook operations: the event receiver (writes the outbox in the caller's transaction), the
payload sent for a ticket, the secret (shown once, revealed only to those who may change the
webhook, each reading recorded), the test ping and redelivery."""

from __future__ import annotations

import datetime
import logging
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bilge.core import audit, configcache
from bilge.core.permissions import authorize
from bilge.integrations.models import PING, Webhook, WebhookDelivery, new_secret

log = logging.getLogger("bilge.integrations")
PAYLOAD_VERSION = 1

# Event facts passed on to receivers. Anything else a service adds to an event later (free text,
# e.g. a reopening reason, which may name people) stays out until it is reviewed and added here.
EVENT_DATA_KEYS = {
    "step", "approved", "approver", "on_behalf_of", "waiting_for", "phase", "rating", "into", "to", "due",
    "action", "technician", "comment", "internal",
}


# --- the payload ------------------------------------------------------------------------------------

def _iso(value: datetime.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _plain(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return str(value)


def _absolute(path: str) -> str:
    return f"{(settings.BILGE_BASE_URL or '').rstrip('/')}{path}"


def ticket_representation(ticket) -> dict:
    """What a receiver learns about a ticket. Data minimisation (KVKK md. 4/2-ç): the requester is
    named by their unit only — no name, identity number, e-mail or telephone; the description,
    form answers, comments and attachments are never sent (they are free text and files typed by
    people, often about people). The technician is named: IT staff acting in their office. The
    subject is sent unless the webhook turns it off (``include_title``)."""
    service, rtype, unit, tech = ticket.service, ticket.request_type, ticket.requester_unit, ticket.assignee
    return {
        "number": ticket.number,
        "title": ticket.title,
        "status": ticket.status,
        "priority": ticket.priority,
        "channel": ticket.channel,
        "category": ticket.category,
        "phase": ticket.phase,
        "service": {"code": service.code, "name": service.name},
        "request_type": {"code": rtype.code, "name_tr": rtype.name_tr, "name_en": rtype.name_en, "kind": rtype.kind},
        "requester_unit": {"code": unit.code, "name": unit.name},
        "technician": {"name": tech.full_name} if tech is not None else None,
        "created_at": _iso(ticket.created_at),
        "due_response_at": _iso(ticket.due_response_at),
        "due_resolution_at": _iso(ticket.due_resolution_at),
        "resolved_at": _iso(ticket.resolved_at),
        "closed_at": _iso(ticket.closed_at),
        "url": _absolute(ticket.get_absolute_url()),
    }


def _object_representation(instance) -> dict:
    from bilge.servicedesk.models import Ticket

    if isinstance(instance, Ticket):
        return {"ticket": ticket_representation(instance)}
    return {"object": {"type": instance._meta.label_lower, "id": instance.pk}}


def build_payload(name: str, represented: dict, data: dict, webhook: Webhook, delivery_id, occurred) -> dict:
    body = {key: value for key, value in represented.items()}
    if "ticket" in body and not webhook.include_title:
        body["ticket"] = {k: v for k, v in body["ticket"].items() if k != "title"}
    return {
        "version": PAYLOAD_VERSION,
        "event": name,
        "delivery": str(delivery_id),
        "occurred_at": occurred.isoformat(),
        "institution": webhook.institution.slug,
        **body,
        "data": {k: _plain(v) for k, v in (data or {}).items() if k in EVENT_DATA_KEYS},
    }


# --- the receiver of bilge.core.events ------------------------------------------------------------------

def matching_webhooks(name: str, instance) -> list[Webhook]:
    institution_id = getattr(instance, "institution_id", None)
    if institution_id is None:
        return []
    service_id = getattr(instance, "service_id", None)
    hooks = configcache.get(("webhooks", institution_id), lambda: list(
        Webhook.objects.filter(institution_id=institution_id, active=True, archived_at__isnull=True)
        .select_related("institution")))
    return [h for h in hooks if h.wants(name) and (h.service_id is None or h.service_id == service_id)]


def on_event(sender, name, instance, actor=None, data=None, **kwargs) -> None:
    """One delivery per matching active webhook, written in the transaction of the event: kept
    when it commits, gone when it rolls back."""
    hooks = matching_webhooks(name, instance)
    if not hooks:
        return
    occurred = timezone.now()
    represented = _object_representation(instance)
    rows = []
    for hook in hooks:
        delivery_id = uuid.uuid4()
        rows.append(WebhookDelivery(
            webhook=hook, event=name, delivery_id=delivery_id, next_attempt_at=occurred,
            ticket_number=represented.get("ticket", {}).get("number", ""),
            payload=build_payload(name, represented, data or {}, hook, delivery_id, occurred)))
    WebhookDelivery.objects.bulk_create(rows)
    nudge_on_commit()


def _nudge() -> None:
    from bilge.integrations.tasks import deliver_webhooks

    try:
        deliver_webhooks.enqueue()
    except Exception:  # no queue right now: the periodic task sends them within a minute
        log.warning("could not enqueue webhook deliveries; the periodic task will send them", exc_info=True)


def nudge_on_commit() -> None:
    """Ask a worker to send right after the commit (once per transaction)."""
    pending = getattr(connection, "run_on_commit", None) or []
    if any(entry[1] is _nudge for entry in pending):
        return
    transaction.on_commit(_nudge, robust=True)


# --- operations on a webhook ---------------------------------------------------------------------------

def _allowed(user, action: str, webhook: Webhook) -> int:
    allowed, principal = authorize(user, action, webhook)
    if not allowed:
        raise PermissionError(_("You may not do this with this webhook."))
    return principal


def reveal_secret(user, webhook: Webhook) -> str:
    """The signing secret, to those who may change the webhook; each reading is recorded."""
    principal = _allowed(user, "change", webhook)
    with transaction.atomic(), audit.acting_for(user, principal):
        audit.record("view_secret", webhook, {"field": "secret"})
    return webhook.secret


@transaction.atomic
def rotate_secret(user, webhook: Webhook) -> str:
    """A new signing secret (recorded, masked); the old one stops working at once."""
    principal = _allowed(user, "change", webhook)
    webhook = Webhook.objects.select_for_update().get(pk=webhook.pk)
    webhook.secret = new_secret()
    with audit.acting_for(user, principal):
        webhook.save(update_fields=["secret", "updated_at"])
    return webhook.secret


def send_ping(user, webhook: Webhook) -> WebhookDelivery:
    """A test call (event ``ping``), sent at once and only once; returns the logged delivery."""
    from bilge.integrations import delivery

    principal = _allowed(user, "change", webhook)
    if not webhook.active or webhook.is_archived:
        raise ValidationError(_("The webhook is not active."))
    now = timezone.now()
    delivery_id = uuid.uuid4()
    payload = {"version": PAYLOAD_VERSION, "event": PING, "delivery": str(delivery_id), "occurred_at": now.isoformat(),
               "institution": webhook.institution.slug, "webhook": {"id": webhook.pk, "name": webhook.name},
               "data": {}}
    with transaction.atomic(), audit.acting_for(user, principal):
        row = WebhookDelivery.objects.create(webhook=webhook, event=PING, delivery_id=delivery_id, payload=payload,
                                             next_attempt_at=now)
    delivery.deliver(row.pk)
    row.refresh_from_db()
    return row


@transaction.atomic
def redeliver(user, original: WebhookDelivery) -> WebhookDelivery:
    """Send a failed or given-up delivery again, as a new delivery (new id, same content, marked as
    a redelivery); a failed one still waiting for its retry is given up in its favour."""
    principal = _allowed(user, "change", original.webhook)
    original = WebhookDelivery.objects.select_for_update().select_related("webhook").get(pk=original.pk)
    if not original.can_redeliver:
        raise ValidationError(_("Only a failed or given-up delivery can be sent again."))
    webhook = original.webhook
    if not webhook.active or webhook.is_archived:
        raise ValidationError(_("The webhook is not active."))
    if original.status == WebhookDelivery.Status.RETRYING:
        WebhookDelivery.objects.filter(pk=original.pk).update(
            status=WebhookDelivery.Status.GAVE_UP, next_attempt_at=None,
            error=_("Replaced by a redelivery.")[:500])
    delivery_id = uuid.uuid4()
    payload = {**original.payload, "delivery": str(delivery_id), "redelivery_of": str(original.delivery_id)}
    with audit.acting_for(user, principal):
        row = WebhookDelivery.objects.create(
            webhook=webhook, event=original.event, delivery_id=delivery_id, payload=payload,
            ticket_number=original.ticket_number, next_attempt_at=timezone.now(), redelivery_of=original)
    nudge_on_commit()
    return row
