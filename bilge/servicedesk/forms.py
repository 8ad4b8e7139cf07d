import json

from django import forms
from django.utils.translation import gettext_lazy as _

from bilge.servicedesk.models import Article, AssignmentRule, RequestType, Service
from bilge.servicedesk.type_editor import TypeEditorMixin
from bilge.web.forms import BilgeModelForm
from bilge.web.widgets import AutocompleteSelect


class OnBehalfForm(forms.Form):
    """IT staff recording a request for someone who called, walked in or wrote an e-mail."""

    requester = forms.ModelChoiceField(queryset=None, required=False, label=_("on behalf of"),
                                       widget=AutocompleteSelect("servicedesk:requester_autocomplete"),
                                       help_text=_("Empty: the request is your own."))
    channel = forms.ChoiceField(label=_("received by"), required=False,
                                choices=[("phone", _("phone")), ("walk_in", _("walk-in")), ("email", _("e-mail"))],
                                widget=forms.Select(attrs={"class": "form-select"}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["requester"].queryset = requesters_for(user)


def requesters_for(user):
    """Whom IT staff may record a request for: the current people of their institution (the help
    desk serves everyone, whatever the staff member's own view of the organization)."""
    from bilge.core.models import Person
    from bilge.core.permissions import person_of

    person = person_of(user)
    if person is None:
        return Person.objects.none()
    return Person.objects.current().filter(institution_id=person.institution_id)


class ServiceForm(BilgeModelForm):
    class Meta:
        model = Service
        fields = ["institution", "unit", "code", "name", "chief", "email", "breach_action", "escalation_person"]
        widgets = {"chief": AutocompleteSelect("core:person_autocomplete"),
                   "escalation_person": AutocompleteSelect("core:person_autocomplete")}


class PrettyJSONField(forms.JSONField):
    def prepare_value(self, value):
        if isinstance(value, str):
            return value
        return json.dumps(value, ensure_ascii=False, indent=2)


class RequestTypeForm(TypeEditorMixin, BilgeModelForm):
    """The request type's own fields; its form, approval chain, phases and SLA targets come from
    the structured editor (bilge.servicedesk.type_editor), serialized into the same JSON fields."""

    class Meta:
        model = RequestType
        fields = ["service", "code", "name_tr", "name_en", "kind", "category", "help_tr", "help_en", "keywords", "form",
                  "approval_chain", "phases", "sla", "default_impact", "default_urgency", "requires_legal_basis",
                  "duties"]
        widgets = {"duties": forms.SelectMultiple(attrs={"size": 8}), "help_tr": forms.Textarea(attrs={"rows": 3}),
                   "help_en": forms.Textarea(attrs={"rows": 3})}


class AssignmentRuleForm(BilgeModelForm):
    class Meta:
        model = AssignmentRule
        fields = ["service", "order", "name", "request_type", "category", "requester_unit", "strategy", "members"]
        widgets = {"members": forms.SelectMultiple(attrs={"size": 8})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from bilge.core.models import Person

        # Technicians: current people of IT units, among those the user may see.
        self.fields["members"].queryset = (Person.objects.visible_to(self.request.user, "view").current()
                                           .filter(unit__is_it=True).order_by("last_name", "first_name")
                                           if self.request else Person.objects.none())


class ArticleForm(BilgeModelForm):
    class Meta:
        model = Article
        fields = ["institution", "owner_unit", "title", "category", "keywords", "visibility", "body", "request_types"]
        widgets = {"body": forms.Textarea(attrs={"rows": 12}), "request_types": forms.SelectMultiple(attrs={"size": 6})}
