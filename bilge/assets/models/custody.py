"""Custody (zimmet): the Taşınır Teslim Belgesi of every handover, take-back and transfer
(F md.11/21, 11/25; Taşınır Mal Yönetmeliği)."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bilge.core.models import BaseModel


class CustodySequence(models.Model):
    """The last Taşınır Teslim Belgesi number of a year (row-locked, gapless)."""

    year = models.PositiveIntegerField(unique=True)
    last = models.PositiveIntegerField(default=0)

    audit_exclude = True  # a counter; each number it hands out is recorded with its document

    def __str__(self):
        return f"{self.year}: {self.last}"


class Custody(BaseModel):
    """One Taşınır Teslim Belgesi: one or more devices handed to a person (or a shared room),
    taken back from one, or transferred between two. Never deleted."""

    class Kind(models.TextChoices):
        HANDOVER = "handover", _("handover")
        RETURN = "return", _("take back")
        TRANSFER = "transfer", _("transfer")

    institution = models.ForeignKey("core.Institution", on_delete=models.PROTECT, related_name="custodies",
                                    verbose_name=_("institution"))
    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    date = models.DateField(_("date"))
    giver = models.ForeignKey("core.Person", on_delete=models.PROTECT, related_name="custodies_given",
                              verbose_name=_("handed over by"))
    receiver = models.ForeignKey("core.Person", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="custodies_received", verbose_name=_("received by"))
    room = models.ForeignKey("assets.Location", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="custodies", verbose_name=_("shared room"))
    unit = models.ForeignKey("core.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="custodies",
                             verbose_name=_("unit"))
    warehouse = models.ForeignKey("assets.Warehouse", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="custodies", verbose_name=_("warehouse"))
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("recorded by"))
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("confirmed by"))

    permission_module = "assets"
    search_fields = ("number", "giver__first_name", "giver__last_name", "receiver__first_name",
                     "receiver__last_name")
    scope_paths = {"institution": "institution", "unit": "unit", "owner": "receiver"}
    it_service_covers_institution = True  # IT staff keep the whole inventory

    class Meta:
        verbose_name = _("Taşınır Teslim Belgesi")
        verbose_name_plural = _("Taşınır Teslim Belgeleri")
        indexes = [models.Index(fields=["receiver", "confirmed_at"], name="custody_receiver")]

    def __str__(self):
        return f"{self.number} {self.get_kind_display()}"

    def get_absolute_url(self):
        return reverse("assets:custody_detail", args=[self.pk])


class CustodyLine(models.Model):
    custody = models.ForeignKey(Custody, on_delete=models.PROTECT, related_name="lines",
                                verbose_name=_("Taşınır Teslim Belgesi"))
    device = models.ForeignKey("assets.Device", on_delete=models.PROTECT, related_name="custody_lines",
                               verbose_name=_("device"))
    condition = models.CharField(_("condition"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("custody line")
        verbose_name_plural = _("custody lines")
        constraints = [models.UniqueConstraint(fields=["custody", "device"], name="custodyline_unique")]

    def __str__(self):
        return f"{self.custody.number}: {self.device.sicil_no}"
