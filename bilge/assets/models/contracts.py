"""Warranties and maintenance contracts (D md.7/ı, 8.3/g), and the reminders sent before expiry."""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bilge.core.models import ArchivableModel


class Contract(ArchivableModel):
    class Kind(models.TextChoices):
        MAINTENANCE = "maintenance", _("maintenance")
        SUPPORT = "support", _("support")
        WARRANTY = "warranty", _("extended warranty")
        LEASE = "lease", _("lease")

    institution = models.ForeignKey("core.Institution", on_delete=models.PROTECT, related_name="asset_contracts",
                                    verbose_name=_("institution"))
    number = models.CharField(_("contract number"), max_length=60)
    title = models.CharField(pgettext_lazy("contract", "title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.MAINTENANCE)
    vendor = models.CharField(_("vendor"), max_length=200)
    vendor_phone = models.CharField(_("vendor phone"), max_length=40, blank=True)
    vendor_email = models.EmailField(_("vendor e-mail"), blank=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), db_index=True)
    response_terms = models.CharField(_("response terms"), max_length=300, blank=True,
                                      help_text=_("e.g. \"on site within 4 business hours, fixed within 2 days\""))
    cost = models.DecimalField(_("cost"), max_digits=14, decimal_places=2, null=True, blank=True)
    procurement_ref = models.CharField(_("procurement reference"), max_length=100, blank=True)
    unit = models.ForeignKey("core.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("responsible unit"))
    responsible = models.ForeignKey("core.Person", on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("followed by"),
                                    help_text=_("Receives the expiry reminders."))
    devices = models.ManyToManyField("assets.Device", blank=True, related_name="contracts",
                                     verbose_name=_("covered devices"))
    notes = models.TextField(_("notes"), blank=True)

    permission_module = "assets"
    search_fields = ("number", "title", "vendor")
    scope_paths = {"institution": "institution", "unit": "unit"}
    it_service_covers_institution = True  # IT staff keep the whole inventory

    class Meta:
        ordering = ("end_date",)
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")

    def __str__(self):
        return f"{self.number} {self.title}"

    def get_absolute_url(self):
        return reverse("assets:contract_detail", args=[self.pk])

    def clean(self):
        super().clean()
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The end date is before the start date.")})

    def days_left(self, today: datetime.date | None = None) -> int | None:
        """Days until the end date (negative once it has passed)."""
        return (self.end_date - (today or timezone.localdate())).days if self.end_date else None

    def is_active(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.archived_at is None and self.start_date <= today <= self.end_date


class Reminder(models.Model):
    """A reminder sent for something that expires (contract, warranty, licence, certificate) at one
    threshold (90, 30, 7… days before): recorded so the worker never sends it twice."""

    # The notification (in-app and e-mail) is the record of what was said; this row only keeps the
    # worker from saying it twice.
    audit_exclude = True

    object_type = models.CharField(max_length=60)
    object_id = models.PositiveBigIntegerField()
    due_date = models.DateField()
    days_before = models.IntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["object_type", "object_id", "due_date", "days_before"],
                                               name="reminder_once")]

    def __str__(self):
        return f"{self.object_type}#{self.object_id} {self.due_date} −{self.days_before}"
