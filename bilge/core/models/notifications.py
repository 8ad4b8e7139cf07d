"""The notification outbox: written in the event's transaction, shown in the app at once and
e-mailed by the worker with retries (nothing is lost while the mail server is down)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bilge.core.permissions import RestrictedQuerySet


class Notification(models.Model):
    class Mail(models.TextChoices):
        PENDING = "pending", _("to be sent")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed, will retry")
        SKIPPED = "skipped", _("not e-mailed (no address, or turned off)")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications",
                                  verbose_name=_("recipient"), db_index=False)  # notification_inbox serves it
    kind = models.CharField(_("kind"), max_length=40)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"))
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    mail_status = models.CharField(_("e-mail"), max_length=10, choices=Mail.choices, default=Mail.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)

    objects = RestrictedQuerySet.as_manager()

    # Who was told what is recorded (the create); delivery bookkeeping is not worth an entry per retry.
    audit_ignored_fields = ("read_at", "mail_status", "attempts", "next_attempt_at", "last_error")
    permission_module = "org"
    scope_paths = {"owner": "recipient__person"}

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at", "-id"], name="notification_inbox"),
            models.Index(fields=["mail_status", "next_attempt_at"], name="notification_outbox"),
        ]

    def __str__(self):
        return self.subject
