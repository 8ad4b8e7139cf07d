import json

from django import forms
from django.utils.translation import gettext_lazy as _

from bilge.servicedesk.models import Article, AssignmentRule, RequestType, Service
from bilge.web.forms import BilgeModelForm
from bilge.web.widgets import AutocompleteSelect


class ServiceForm(BilgeModelForm):
    class Meta:
        model = Service
        fields = ["institution", "unit", "code", "name", "chief", "email"]
        widgets = {"chief": AutocompleteSelect("core:person_autocomplete")}


class PrettyJSONField(forms.JSONField):
    def prepare_value(self, value):
        if isinstance(value, str):
            return value
        return json.dumps(value, ensure_ascii=False, indent=2)


class RequestTypeForm(BilgeModelForm):
    form = PrettyJSONField(label=_("form"), required=False, widget=forms.Textarea(attrs={"rows": 10}),
                           help_text=_('Fields as data, e.g. [{"key": "system", "type": "choice", "label_tr": '
                                       '"Sistem", "required": true, "choices": [["ebys", "EBYS"]]}]. Tickets keep '
                                       'the form they were filled with, so a change never breaks them.'))
    approval_chain = PrettyJSONField(label=_("approval chain"), required=False,
                                     widget=forms.Textarea(attrs={"rows": 4}),
                                     help_text=_('Steps in order, e.g. [{"kind": "unit_manager"}, {"kind": "dpo"}].'))
    phases = PrettyJSONField(label=_("phases"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_('Work phases in order, e.g. [{"key": "analysis", "name_tr": "Analiz"}].'))
    sla = PrettyJSONField(label=_("SLA targets"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
                          help_text=_('Business minutes per priority, e.g. {"1": {"response": 30, "resolution": 240}}.'))

    class Meta:
        model = RequestType
        fields = ["service", "code", "name_tr", "name_en", "kind", "help_tr", "help_en", "keywords", "form",
                  "approval_chain", "phases", "sla", "default_impact", "default_urgency", "requires_legal_basis",
                  "duties"]
        widgets = {"duties": forms.SelectMultiple(attrs={"size": 8})}

    def clean_form(self):
        return self.cleaned_data.get("form") or []

    def clean_approval_chain(self):
        return self.cleaned_data.get("approval_chain") or []

    def clean_phases(self):
        return self.cleaned_data.get("phases") or []

    def clean_sla(self):
        return self.cleaned_data.get("sla") or {}


class AssignmentRuleForm(BilgeModelForm):
    class Meta:
        model = AssignmentRule
        fields = ["service", "order", "name", "request_type", "requester_unit", "strategy", "members"]
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
