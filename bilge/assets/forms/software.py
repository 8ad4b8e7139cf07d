"""Forms of software, licences, assignments, installations and certificates. Devices are named
by their sicil no (a select of every device of a metropolitan institution would be megabytes)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from bilge.assets.models import Certificate, Installation, Licence, LicenceAssignment, Software
from bilge.web.forms import BilgeModelForm
from bilge.web.widgets import AutocompleteSelect


class DeviceBySicilMixin:
    """A ``device_sicil`` text field standing for the model's ``device``."""

    device_required = False

    def _setup_device(self):
        field = forms.CharField(label=_("device (sicil no)"), required=self.device_required,
                                widget=forms.TextInput(attrs={"class": "form-control",
                                                              "placeholder": "255.01.02.01/26/000123"}),
                                help_text=_("The sicil number or the serial number of the device."))
        self.fields["device_sicil"] = field
        if getattr(self.instance, "device_id", None) and not self.is_bound:
            self.initial["device_sicil"] = self.instance.device.sicil_no

    def clean_device_sicil(self):
        from bilge.assets.services.contracts import resolve_devices

        text = (self.cleaned_data.get("device_sicil") or "").strip()
        if not text:
            self.device = None
            return ""
        try:
            found = resolve_devices(getattr(self.request, "user", None), text)
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc
        if len(found) != 1:
            raise forms.ValidationError(_("Name one device."))
        self.device = found[0]
        return text


class SoftwareForm(BilgeModelForm):
    class Meta:
        model = Software
        fields = ["institution", "name", "publisher", "category", "is_open_source", "approved", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


class LicenceForm(BilgeModelForm):
    class Meta:
        model = Licence
        fields = ["institution", "software", "kind", "quantity", "reference", "start_date", "expiry_date", "supplier",
                  "cost", "contract", "responsible"]
        widgets = {"responsible": AutocompleteSelect("core:person_autocomplete")}


class LicenceAssignmentForm(DeviceBySicilMixin, BilgeModelForm):
    class Meta:
        model = LicenceAssignment
        fields = ["licence", "person"]
        widgets = {"person": AutocompleteSelect("core:person_autocomplete")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._setup_device()
        self.fields["person"].required = False
        self.fields["licence"].queryset = self.fields["licence"].queryset.select_related("software")

    def clean(self):
        data = super().clean()
        if not self.errors and (data.get("person") is None) == (getattr(self, "device", None) is None):
            raise forms.ValidationError(_("Assign the licence to a person or to a device."))
        return data


class InstallationForm(DeviceBySicilMixin, BilgeModelForm):
    device_required = True

    class Meta:
        model = Installation
        fields = ["software", "version"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._setup_device()
        self.order_fields(["device_sicil", "software", "version"])


class CertificateForm(DeviceBySicilMixin, BilgeModelForm):
    class Meta:
        model = Certificate
        fields = ["institution", "kind", "subject", "holder", "issuer", "serial", "valid_from", "valid_to",
                  "responsible", "notes"]
        widgets = {"holder": AutocompleteSelect("core:person_autocomplete"),
                   "responsible": AutocompleteSelect("core:person_autocomplete"),
                   "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._setup_device()
        self.fields["device_sicil"].label = _("installed on (sicil no)")
        self.fields["device_sicil"].help_text = _("For a server certificate: the device it is installed on.")

    def _post_clean(self):
        # The device is known before the model's own checks run.
        if "device_sicil" in self.cleaned_data:
            self.instance.device = getattr(self, "device", None)
        super()._post_clean()


class RevokeForm(forms.Form):
    revoked_at = forms.DateField(label=_("revoked on"), widget=forms.DateInput(attrs={"type": "date"},
                                                                                format="%Y-%m-%d"))
    reason = forms.CharField(label=_("note"), required=False, max_length=300)
