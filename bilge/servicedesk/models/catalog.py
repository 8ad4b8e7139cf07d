"""The IT services (queues) and the request catalog: each request type with its own form and
approval chain, as data an administrator changes without code."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from bilge.core.models import ArchivableModel

FIELD_TYPES = {
    "text": _("text"), "textarea": _("long text"), "number": _("number"), "date": _("date"),
    "choice": _("choice"), "multichoice": _("multiple choice"), "person": _("person"), "unit": _("unit"),
    "device": _("device"), "file": _("file"),
}
APPROVER_KINDS = {
    "unit_manager": _("the requester's unit manager"),
    "position": _("a position in the requester's unit tree"),
    "person": _("a named person"),
    "dpo": _("the data-protection officer"),
}


class BreachAction(models.TextChoices):
    NOTIFY = "notify", _("only notify")
    CHIEF = "chief", _("hand to the chief")
    PERSON = "person", _("hand to a named person")
    QUEUE = "queue", _("back to the queue (unassign)")


class Service(ArchivableModel):
    """An IT service of the department and its queue (e.g. "EBYS Destek", "Donanım ve Teknik Destek")."""

    institution = models.ForeignKey("core.Institution", on_delete=models.PROTECT, related_name="services",
                                    verbose_name=_("institution"))
    unit = models.ForeignKey("core.Unit", on_delete=models.PROTECT, related_name="services",
                             verbose_name=_("IT unit"), help_text=_("The IT unit whose staff work this queue."))
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=150)
    chief = models.ForeignKey("core.Person", on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name=_("chief"),
                              help_text=_("Receives the SLA warnings of this queue."))
    email = models.EmailField(_("e-mail"), blank=True)
    breach_action = models.CharField(
        _("when the resolution time is breached"), max_length=12, choices=BreachAction.choices,
        default=BreachAction.NOTIFY,
        help_text=_("Besides telling the chief: optionally hand the ticket to the chief or to a named person, or "
                    "put it back in the queue."))
    escalation_person = models.ForeignKey(
        "core.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("escalate to"), help_text=_("Receives breached tickets when the action is \"hand to a person\"."))

    permission_module = "servicedesk"
    search_fields = ("name", "code")
    choice_label_fields = ("name",)  # str(): select options read as tuples (bilge.web.widgets.FastSelect)
    scope_paths = {"institution": "institution", "unit": "unit", "service": "unit"}

    class Meta:
        verbose_name = _("IT service")
        verbose_name_plural = _("IT services")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["institution", "code"], name="service_code_unique")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("servicedesk:service_detail", args=[self.pk])

    def clean(self):
        super().clean()
        if self.unit_id and not self.unit.is_it:
            raise ValidationError({"unit": _("A service is worked by an IT unit.")})
        if self.unit_id and self.institution_id and self.unit.institution_id != self.institution_id:
            raise ValidationError({"unit": _("The unit belongs to another institution.")})
        if self.breach_action == BreachAction.PERSON and not self.escalation_person_id:
            raise ValidationError({"escalation_person": _("Choose who receives breached tickets.")})
        if self.breach_action == BreachAction.CHIEF and not self.chief_id:
            raise ValidationError({"chief": _("The service has no chief to hand breached tickets to.")})
        if self.escalation_person_id and (not self.escalation_person.unit.is_it or self.escalation_person.is_archived):
            raise ValidationError({"escalation_person": _("Tickets are assigned to current IT staff.")})


class RequestType(ArchivableModel):
    class Kind(models.TextChoices):
        FAULT = "fault", _("fault")
        REQUEST = "request", _("service request")
        ACCESS = "access", _("access right")
        ESIGNATURE = "esignature", _("e-signature")
        EMAIL = "email", _("e-mail account")
        SOFTWARE = "software", _("software request")
        REPORT = "report", _("report request")
        HARDWARE = "hardware", _("hardware or material")
        EVENT = "event", _("event support")
        FOOTAGE = "footage", _("camera footage")

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="request_types",
                                verbose_name=_("IT service"))
    code = models.SlugField(_("code"), max_length=50)
    name_tr = models.CharField(_("name (Turkish)"), max_length=150)
    name_en = models.CharField(_("name (English)"), max_length=150, blank=True)
    help_tr = models.TextField(_("help (Turkish)"), blank=True)
    help_en = models.TextField(_("help (English)"), blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.REQUEST)
    keywords = models.CharField(_("keywords"), max_length=500, blank=True,
                                help_text=_("Words people type when they look for this request."))
    category = models.CharField(_("category"), max_length=100, blank=True,
                                help_text=_("The ticket's category to start with (e.g. Printer, Network, EBYS); IT "
                                            "staff may change it on the ticket. Assignment rules and reports use it."))
    form = models.JSONField(_("form"), default=list, blank=True,
                            help_text=_("The fields of the request form, as data."))
    approval_chain = models.JSONField(_("approval chain"), default=list, blank=True,
                                      help_text=_("Approval steps in order; empty: no approval."))
    duties = models.ManyToManyField("core.Duty", blank=True, related_name="request_types",
                                    verbose_name=_("duties"), help_text=_("The regulation duties it fulfils."))
    default_impact = models.PositiveSmallIntegerField(_("default impact"), default=2,
                                                      validators=[MinValueValidator(1), MaxValueValidator(3)])
    default_urgency = models.PositiveSmallIntegerField(_("default urgency"), default=2,
                                                       validators=[MinValueValidator(1), MaxValueValidator(3)])
    phases = models.JSONField(_("phases"), default=list, blank=True,
                              help_text=_('Work phases in order, e.g. the software request\'s analysis → approval → '
                                          'development → test → delivery: [{"key": "analysis", "name_tr": "Analiz", '
                                          '"name_en": "Analysis"}, …].'))
    sla = models.JSONField(_("SLA targets"), default=dict, blank=True,
                           help_text=_("Business minutes per priority: first response and resolution."))
    requires_legal_basis = models.BooleanField(_("requires a legal basis"), default=False)

    permission_module = "servicedesk"
    search_fields = ("name_tr", "name_en", "keywords", "code")
    scope_paths = {"institution": "service__institution", "unit": "service__unit", "service": "service__unit"}

    class Meta:
        verbose_name = _("request type")
        verbose_name_plural = _("request types")
        ordering = ["name_tr"]
        constraints = [models.UniqueConstraint(fields=["service", "code"], name="requesttype_code_unique")]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "tr").startswith("en") and self.name_en else self.name_tr

    @property
    def help(self) -> str:
        return self.help_en if (get_language() or "tr").startswith("en") and self.help_en else self.help_tr

    def get_absolute_url(self):
        return reverse("servicedesk:requesttype_detail", args=[self.pk])

    def clean(self):
        super().clean()
        from bilge.servicedesk.forms_schema import (
            validate_approval_chain,
            validate_phases,
            validate_schema,
            validate_sla,
        )

        errors = {}
        try:
            validate_schema(self.form)
        except ValidationError as exc:
            errors["form"] = exc.messages
        try:
            validate_approval_chain(self.approval_chain)
        except ValidationError as exc:
            errors["approval_chain"] = exc.messages
        try:
            validate_sla(self.sla)
        except ValidationError as exc:
            errors["sla"] = exc.messages
        try:
            validate_phases(self.phases)
        except ValidationError as exc:
            errors["phases"] = exc.messages
        if self.requires_legal_basis and not any(
                f.get("key") == "legal_basis" and f.get("required") for f in (self.form or []) if isinstance(f, dict)):
            errors.setdefault("form", []).append(
                _('A type that requires a legal basis needs a required field with the key "legal_basis".'))
        if errors:
            raise ValidationError(errors)
