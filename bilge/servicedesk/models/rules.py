"""Assignment rules: who gets a ticket when it reaches the queue."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bilge.core.models import ArchivableModel


class AssignmentRule(ArchivableModel):
    class Strategy(models.TextChoices):
        ROUND_ROBIN = "round_robin", _("in turn (round robin)")
        LEAST_LOADED = "least_loaded", _("to whoever has the fewest open tickets")

    service = models.ForeignKey("servicedesk.Service", on_delete=models.PROTECT, related_name="rules",
                                verbose_name=_("IT service"))
    order = models.PositiveSmallIntegerField(_("order"), default=10, validators=[MaxValueValidator(999)],
                                             help_text=_("Rules are tried in this order; the first that matches assigns."))
    name = models.CharField(_("name"), max_length=150)
    request_type = models.ForeignKey("servicedesk.RequestType", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("request type"),
                                     help_text=_("Empty: every type of the service."))
    requester_unit = models.ForeignKey("core.Unit", on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="+", verbose_name=_("requester's unit"),
                                       help_text=_("Matches this unit and the units below it; empty: every unit."))
    category = models.CharField(_("category"), max_length=100, blank=True,
                                help_text=_("Matches tickets of this category (letter case ignored); empty: any."))
    strategy = models.CharField(_("strategy"), max_length=20, choices=Strategy.choices,
                                default=Strategy.LEAST_LOADED)
    members = models.ManyToManyField("core.Person", related_name="+", verbose_name=_("technicians"))
    last_assigned = models.ForeignKey("core.Person", on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="+", editable=False)

    permission_module = "servicedesk"
    search_fields = ("name",)
    scope_paths = {"institution": "service__institution", "unit": "service__unit", "service": "service__unit"}

    class Meta:
        verbose_name = _("assignment rule")
        verbose_name_plural = _("assignment rules")
        ordering = ["service", "order", "id"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("servicedesk:assignmentrule_detail", args=[self.pk])

    def clean(self):
        super().clean()
        if self.request_type_id and self.service_id and self.request_type.service_id != self.service_id:
            raise ValidationError({"request_type": _("The request type belongs to another service.")})
