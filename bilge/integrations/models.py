"""Webhooks: other systems told about ticket events over HTTP, each call signed and logged.

``Webhook`` is an administrator's record (audited, archived not deleted); its secret never enters
the audit trail (the field is named ``secret``, which the trail masks). ``WebhookDelivery`` is the
outbox and the delivery log: written in the transaction of the event, sent by the worker with
retries. Its creation is recorded (what was sent where); the bookkeeping of each attempt is not,
or every retry would add entries to the trail."""

from __future__ import annotations

import secrets
import uuid
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bilge.core.events import EVENTS
from bilge.core.models import ArchivableModel
from bilge.core.permissions import RestrictedQuerySet

PING = "ping"
URL_SCHEMES = ("http", "https")


def new_secret() -> str:
    """A fresh signing secret: 32 random bytes, URL-safe text (43 characters)."""
    return secrets.token_urlsafe(32)


def validate_target_url(value: str) -> None:
    """http(s) only, a host, no user name or password in it (they would be shown in lists)."""
    URLValidator(schemes=list(URL_SCHEMES), message=_("Enter an http:// or https:// address."))(value)
    parts = urlsplit(value)
    if parts.scheme.lower() not in URL_SCHEMES or not parts.hostname:
        raise ValidationError(_("Enter an http:// or https:// address."), code="scheme")
    if parts.username or parts.password:
        raise ValidationError(_("Do not put a user name or password in the address; the receiver checks the "
                                "signature instead."), code="credentials")
    if parts.fragment:
        raise ValidationError(_("The address cannot have a #fragment."), code="fragment")


def validate_events(value) -> None:
    if not isinstance(value, list) or not value:
        raise ValidationError(_("Choose at least one event."), code="empty")
    unknown = [str(v) for v in value if v not in EVENTS]
    if unknown:
        raise ValidationError(_("Unknown events: %(names)s") % {"names": ", ".join(unknown)}, code="unknown")
    if len(set(value)) != len(value):
        raise ValidationError(_("An event is listed twice."), code="duplicate")


class Webhook(ArchivableModel):
    institution = models.ForeignKey("core.Institution", on_delete=models.PROTECT, related_name="webhooks",
                                    verbose_name=_("institution"))
    name = models.CharField(_("name"), max_length=150)
    url = models.URLField(_("target address"), max_length=500, validators=[validate_target_url],
                          help_text=_("Bilge POSTs JSON here (http or https)."))
    secret = models.CharField(_("signing secret"), max_length=200, default=new_secret, editable=False,
                              help_text=_("Signs every delivery (HMAC-SHA256); shown once, revealed only to those "
                                          "who may change the webhook."))
    events = models.JSONField(_("events"), default=list, validators=[validate_events],
                              help_text=_("The ticket events this webhook is told about."))
    service = models.ForeignKey("servicedesk.Service", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="webhooks", verbose_name=_("only for the IT service"),
                                help_text=_("Empty: tickets of every IT service."))
    include_title = models.BooleanField(
        _("send the ticket subject"), default=True,
        help_text=_("The subject is typed by the requester and may name people; turn it off when the receiver "
                    "does not need it."))
    active = models.BooleanField(_("active"), default=True)
    timeout = models.PositiveSmallIntegerField(
        _("timeout (seconds)"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_("Empty: the installation's default (BILGE_WEBHOOK_TIMEOUT)."))
    # Counters and the last outcome, kept by the worker (not audited: see audit_ignored_fields).
    delivered_count = models.PositiveIntegerField(_("delivered"), default=0, editable=False)
    failed_count = models.PositiveIntegerField(_("failed attempts"), default=0, editable=False)
    last_status = models.CharField(_("last outcome"), max_length=20, blank=True, editable=False)
    last_response_code = models.PositiveSmallIntegerField(_("last response code"), null=True, blank=True,
                                                          editable=False)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True, editable=False)

    permission_module = "integrations"
    search_fields = ("name", "url")
    scope_paths = {"institution": "institution"}
    audit_ignored_fields = ("delivered_count", "failed_count", "last_status", "last_response_code", "last_attempt_at")

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["name"]
        indexes = [models.Index(fields=["institution", "active"], name="webhook_active")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("integrations:webhook_detail", args=[self.pk])

    @property
    def masked_secret(self) -> str:
        return f"{self.secret[:4]}…" if self.secret else ""

    def wants(self, name: str) -> bool:
        return name in (self.events or [])

    def clean(self):
        super().clean()
        if self.service_id and self.institution_id and self.service.institution_id != self.institution_id:
            raise ValidationError({"service": _("The IT service belongs to another institution.")})


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        RETRYING = "retrying", _("failed, will retry")
        DELIVERED = "delivered", _("delivered")
        GAVE_UP = "gave_up", _("given up")

    DUE_STATUSES = (Status.PENDING, Status.RETRYING)
    REDELIVERABLE = (Status.RETRYING, Status.GAVE_UP)

    webhook = models.ForeignKey(Webhook, on_delete=models.PROTECT, related_name="deliveries",
                                verbose_name=_("webhook"))
    event = models.CharField(_("event"), max_length=40, db_index=True)
    delivery_id = models.UUIDField(_("delivery id"), default=uuid.uuid4, unique=True, editable=False)
    ticket_number = models.CharField(_("ticket"), max_length=20, blank=True)
    payload = models.JSONField(_("payload"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    response_code = models.PositiveSmallIntegerField(_("last response code"), null=True, blank=True)
    response_excerpt = models.CharField(_("response (start)"), max_length=500, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    redelivery_of = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                      verbose_name=_("redelivery of"))

    objects = RestrictedQuerySet.as_manager()

    permission_module = "integrations"
    scope_paths = {"institution": "webhook__institution"}
    # The creation is recorded (what was sent where; the payload itself stays in this row); the
    # bookkeeping of each attempt is not worth an entry per retry.
    audit_ignored_fields = ("payload", "status", "attempts", "next_attempt_at", "response_code", "response_excerpt",
                            "error", "duration_ms", "delivered_at")

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhookdelivery_due"),
            models.Index(fields=["webhook", "-id"], name="webhookdelivery_log"),
        ]

    def __str__(self):
        return f"{self.event} · {str(self.delivery_id)[:8]}"

    def get_absolute_url(self):
        return reverse("integrations:webhookdelivery_detail", args=[self.pk])

    @property
    def can_redeliver(self) -> bool:
        return self.status in self.REDELIVERABLE
