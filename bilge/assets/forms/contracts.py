"""Contract form: the covered devices typed as sicil numbers (no select of every device)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from bilge.assets.models import Contract
from bilge.web.forms import BilgeModelForm
from bilge.web.widgets import AutocompleteSelect


class ContractForm(BilgeModelForm):
    device_list = forms.CharField(
        label=_("covered devices"), required=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "255.01.02.01/26/000123"}),
        help_text=_("Sicil numbers (or serial numbers), one per line or separated by commas."))

    class Meta:
        model = Contract
        fields = ["institution", "number", "title", "kind", "vendor", "vendor_phone", "vendor_email", "start_date",
                  "end_date", "response_terms", "cost", "procurement_ref", "unit", "responsible", "notes"]
        widgets = {"responsible": AutocompleteSelect("core:person_autocomplete"),
                   "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields([*[f for f in self.fields if f not in ("device_list", "notes")], "device_list", "notes"])
        self.devices = None
        if self.instance.pk and not self.is_bound:
            self.initial["device_list"] = "\n".join(self.instance.devices.order_by("sicil_no")
                                                    .values_list("sicil_no", flat=True)[:5000])

    def clean_device_list(self):
        from bilge.assets.services.contracts import resolve_devices

        text = self.cleaned_data.get("device_list") or ""
        user = getattr(self.request, "user", None)
        institution = self.cleaned_data.get("institution") or getattr(self.instance, "institution", None)
        try:
            self.devices = resolve_devices(user, text, getattr(institution, "pk", None))
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc
        return text
