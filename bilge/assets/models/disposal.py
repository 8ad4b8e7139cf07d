"""Disposal (kayıttan düşme): unusable devices proposed, decided by a committee of at least three
with an expert, data-bearing parts wiped or destroyed with evidence (F md.11/12; guide 3.1.1.6)."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bilge.core.models import BaseModel


class DisposalSequence(models.Model):
    """The last disposal number of a year (KDT-2026-000001), taken under a row lock (gapless)."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    audit_exclude = True  # a counter; each number it hands out is recorded with its disposal

    def __str__(self):
        return f"KDT {self.year}: {self.last}"


class Disposal(BaseModel):
    class State(models.TextChoices):
        PROPOSED = "proposed", _("proposed")
        APPROVED = "approved", _("approved by the committee")
        REJECTED = "rejected", _("rejected")
        COMPLETED = "completed", _("completed")

    class Method(models.TextChoices):
        SCRAP = "scrap", _("scrapped")
        DONATION = "donation", _("donated")
        SALE = "sale", _("sold")
        DESTRUCTION = "destruction", _("destroyed")
        RECYCLING = "recycling", _("recycled")

    institution = models.ForeignKey("core.Institution", on_delete=models.PROTECT, related_name="disposals",
                                    verbose_name=_("institution"))
    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    warehouse = models.ForeignKey("assets.Warehouse", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="disposals", verbose_name=_("warehouse"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PROPOSED)
    reason = models.TextField(_("reason"))
    method = models.CharField(_("method"), max_length=12, choices=Method.choices, default=Method.SCRAP)
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    decision_no = models.CharField(_("decision number"), max_length=60, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("proposed by"))
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    movement = models.ForeignKey("assets.Movement", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="disposals", verbose_name=_("Varlık İşlem Fişi"),
                                 help_text=_("The disposal movement recorded on completion."))

    permission_module = "assets"
    search_fields = ("number", "decision_no", "reason")
    scope_paths = {"institution": "institution", "unit": "warehouse__unit"}
    it_service_covers_institution = True  # IT staff keep the whole inventory

    class Meta:
        verbose_name = _("disposal")
        verbose_name_plural = _("disposals")

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        return reverse("assets:disposal_detail", args=[self.pk])


class DisposalMember(models.Model):
    disposal = models.ForeignKey(Disposal, on_delete=models.CASCADE, related_name="members",
                                 verbose_name=_("disposal"))
    person = models.ForeignKey("core.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("member"))
    is_chair = models.BooleanField(_("chair"), default=False)
    is_expert = models.BooleanField(_("expert"), default=False)

    class Meta:
        verbose_name = _("committee member")
        verbose_name_plural = _("committee members")
        constraints = [models.UniqueConstraint(fields=["disposal", "person"], name="disposalmember_unique")]

    def __str__(self):
        return str(self.person)


class DisposalItem(models.Model):
    disposal = models.ForeignKey(Disposal, on_delete=models.PROTECT, related_name="items", verbose_name=_("disposal"))
    device = models.ForeignKey("assets.Device", on_delete=models.PROTECT, related_name="disposal_items",
                               verbose_name=_("device"))
    previous_status = models.CharField(_("status before the proposal"), max_length=20, blank=True, editable=False,
                                       help_text=_("The device goes back to it when the proposal is rejected."))
    wipe_method = models.CharField(_("wiping / destruction method"), max_length=200, blank=True)
    wipe_evidence = models.CharField(_("evidence"), max_length=300, blank=True,
                                     help_text=_("Report number, certificate or the tool's log reference."))
    wiped_at = models.DateTimeField(_("wiped at"), null=True, blank=True)
    wiped_by = models.ForeignKey("core.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("wiped by"))

    class Meta:
        verbose_name = _("disposal item")
        verbose_name_plural = _("disposal items")
        constraints = [models.UniqueConstraint(fields=["disposal", "device"], name="disposalitem_unique")]

    def __str__(self):
        return f"{self.disposal.number}: {self.device.sicil_no}"
