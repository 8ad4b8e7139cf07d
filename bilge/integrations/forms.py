from django import forms
from django.utils.translation import gettext_lazy as _

from bilge.core.events import EVENTS
from bilge.integrations.models import Webhook
from bilge.web.forms import BilgeModelForm


class WebhookForm(BilgeModelForm):
    events = forms.MultipleChoiceField(
        label=_("events"), choices=lambda: list(EVENTS.items()), widget=forms.CheckboxSelectMultiple,
        help_text=_("The ticket events this webhook is told about."))

    class Meta:
        model = Webhook
        fields = ["institution", "name", "url", "events", "service", "include_title", "active", "timeout"]
        widgets = {"url": forms.URLInput(attrs={"placeholder": "https://"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["events"].widget.attrs.pop("class", None)

    def clean_events(self):
        chosen = set(self.cleaned_data.get("events") or [])
        return [name for name in EVENTS if name in chosen]  # the catalogue's order, no duplicates
