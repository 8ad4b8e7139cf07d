"""Year-end count (sayım): a board of at least three (with the kayıt officer) counts a warehouse
or a location by QR or typed sicil no; found / missing / unexpected; closed with a Sayım Tutanağı."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bilge.core.models import BaseModel


class CountSequence(models.Model):
    """The last count number of a year (SYM-2026-0001), taken under a row lock (gapless)."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    audit_exclude = True  # a counter; each number it hands out is recorded with its count

    def __str__(self):
        return f"SYM {self.year}: {self.last}"


class Count(BaseModel):
    class State(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    institution = models.ForeignKey("core.Institution", on_delete=models.PROTECT, related_name="counts",
                                    verbose_name=_("institution"))
    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    year = models.PositiveIntegerField(_("year"))
    warehouse = models.ForeignKey("assets.Warehouse", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="counts", verbose_name=_("warehouse"))
    location = models.ForeignKey("assets.Location", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="counts", verbose_name=_("location"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    round = models.PositiveSmallIntegerField(_("round"), default=1, help_text=_("Recounts raise the round."))
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("opened by"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    movements = models.ManyToManyField("assets.Movement", blank=True, related_name="counts",
                                       verbose_name=_("proposed movements"),
                                       help_text=_("Count shortage and surplus Varlık İşlem Fişleri proposed at closing."))

    permission_module = "assets"
    search_fields = ("number",)
    scope_paths = {"institution": "institution", "unit": "warehouse__unit"}
    it_service_covers_institution = True  # IT staff keep the whole inventory

    class Meta:
        verbose_name = _("count")
        verbose_name_plural = _("counts")

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        return reverse("assets:count_detail", args=[self.pk])


class CountMember(models.Model):
    count = models.ForeignKey(Count, on_delete=models.CASCADE, related_name="members", verbose_name=_("count"))
    person = models.ForeignKey("core.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("member"))
    is_chair = models.BooleanField(_("chair"), default=False)

    class Meta:
        verbose_name = _("count board member")
        verbose_name_plural = _("count board members")
        constraints = [models.UniqueConstraint(fields=["count", "person"], name="countmember_unique")]

    def __str__(self):
        return str(self.person)


class CountLine(models.Model):
    """A device the count expected (from the records) and/or found (scanned or typed)."""

    count = models.ForeignKey(Count, on_delete=models.CASCADE, related_name="lines", verbose_name=_("count"))
    device = models.ForeignKey("assets.Device", on_delete=models.PROTECT, related_name="count_lines",
                               verbose_name=_("device"))
    expected = models.BooleanField(_("expected"), default=True)
    found = models.BooleanField(_("found"), default=False)
    found_round = models.PositiveSmallIntegerField(_("found in round"), null=True, blank=True)
    found_at = models.DateTimeField(_("found at"), null=True, blank=True)
    found_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("found by"))

    class Meta:
        verbose_name = _("count line")
        verbose_name_plural = _("count lines")
        constraints = [models.UniqueConstraint(fields=["count", "device"], name="countline_unique")]

    def __str__(self):
        return f"{self.count.number}: {self.device.sicil_no}"
