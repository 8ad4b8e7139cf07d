"""The regulation a department works under and its duty catalog (every duty item, as data)."""

from django.core.validators import MaxValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bilge.core.models.base import ArchivableModel
from bilge.core.models.org import Institution, Unit


class Regulation(ArchivableModel):
    class Kind(models.TextChoices):
        DIRECTIVE = "yonerge", _("directive (yönerge)")
        REGULATION = "yonetmelik", _("regulation (yönetmelik)")

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="regulations",
                                    verbose_name=_("institution"))
    title = models.CharField(pgettext_lazy("regulation", "title"), max_length=300)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.DIRECTIVE)
    date = models.DateField(_("date"), null=True, blank=True)
    decision = models.CharField(_("approving decision"), max_length=300, blank=True)
    preset = models.CharField(_("preset"), max_length=40, blank=True, editable=False,
                              help_text=_("The preset it was loaded from."))

    search_fields = ("title", "decision")
    scope_paths = {"institution": "institution"}

    class Meta:
        verbose_name = _("regulation")
        verbose_name_plural = _("regulations")
        ordering = ["institution", "title"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("core:regulation_detail", args=[self.pk])


class Duty(ArchivableModel):
    """One duty item of a regulation ("md.11/26"), owned by a unit. Later modules attach their
    work to duties, so a unit's page shows the work recorded against each duty."""

    regulation = models.ForeignKey(Regulation, on_delete=models.PROTECT, related_name="duties",
                                   verbose_name=_("regulation"))
    ref = models.CharField(_("article"), max_length=40, help_text=_('E.g. "md.11/26" or "md.8.3/r".'))
    # An explicit bound: otherwise the limit comes from the database and the API schema would differ
    # between SQLite and PostgreSQL.
    position_in_text = models.PositiveIntegerField(_("order"), default=0, validators=[MaxValueValidator(100_000)])
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="duties", verbose_name=_("unit"))
    position = models.CharField(_("position"), max_length=100, blank=True,
                                help_text=_("When the article lists a position's duties (e.g. Şube Müdürü)."))
    text = models.TextField(_("text"))
    modules = models.JSONField(_("modules"), default=list, blank=True,
                               help_text=_("Bilge modules that record work for this duty."))
    is_software = models.BooleanField(_("handled in software"), default=True)
    not_software_reason = models.CharField(_("why not handled in software"), max_length=300, blank=True)

    search_fields = ("ref", "text", "position")
    scope_paths = {"institution": "regulation__institution", "unit": "unit", "service": "unit"}

    class Meta:
        verbose_name = _("duty")
        verbose_name_plural = _("duties")
        ordering = ["regulation", "position_in_text"]
        constraints = [models.UniqueConstraint(fields=["regulation", "ref"], name="duty_ref_unique")]

    def __str__(self):
        return f"{self.ref} — {self.text[:80]}"

    def get_absolute_url(self):
        return reverse("core:duty_detail", args=[self.pk])
