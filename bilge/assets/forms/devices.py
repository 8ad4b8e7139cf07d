"""Forms of devices, their catalogue and locations. A device type's own fields are data (the
service desk's form schema); the device form grows one field per entry of its type's schema."""

import json

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from bilge.assets.models import Device, DeviceModel, DeviceType, Location, Manufacturer
from bilge.servicedesk.forms_schema import validate_schema
from bilge.web.forms import BilgeModelForm

SCHEMA_HELP = _('A list of fields, e.g. [{"key": "cpu", "type": "text", "label_tr": "İşlemci", "label_en": "CPU", '
                '"required": true}, {"key": "os", "type": "choice", "label_tr": "İşletim sistemi", '
                '"choices": [["win11", "Windows 11"], ["pardus", "Pardus"]]}]. Types: text, textarea, number, '
                'date, choice, multichoice.')


class JSONTextarea(forms.Textarea):
    def format_value(self, value):
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                return value
        return json.dumps(value, ensure_ascii=False, indent=2)


class DeviceTypeForm(BilgeModelForm):
    class Meta:
        model = DeviceType
        fields = ["code", "name_tr", "name_en", "tasinir_code", "stores_data", "is_network", "icon", "fields"]
        widgets = {"fields": JSONTextarea(attrs={"rows": 12, "class": "form-control font-monospace"})}
        help_texts = {"fields": SCHEMA_HELP}

    def clean_fields(self):
        value = self.cleaned_data.get("fields") or []
        try:
            validate_schema(value)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from exc
        return value


class ManufacturerForm(BilgeModelForm):
    class Meta:
        model = Manufacturer
        fields = ["name", "website", "support_phone"]


class DeviceModelForm(BilgeModelForm):
    class Meta:
        model = DeviceModel
        fields = ["manufacturer", "device_type", "name", "attributes"]
        widgets = {"attributes": JSONTextarea(attrs={"rows": 5, "class": "form-control font-monospace"})}

    def clean(self):
        from bilge.assets.services.devices import clean_attributes

        cleaned = super().clean()
        device_type = cleaned.get("device_type")
        if device_type is not None and isinstance(cleaned.get("attributes"), dict):
            try:
                cleaned["attributes"] = clean_attributes(device_type, cleaned["attributes"])
            except ValidationError as exc:
                self.add_error("attributes", exc.messages)
        elif cleaned.get("attributes") not in (None, {}) and not isinstance(cleaned.get("attributes"), dict):
            self.add_error("attributes", _("Give the values as an object, e.g. {\"cpu\": \"i5\"}."))
        return cleaned


class LocationForm(BilgeModelForm):
    class Meta:
        model = Location
        fields = ["institution", "parent", "kind", "name", "code", "unit", "shared", "address", "is_remote",
                  "internet_provider", "internet_speed", "circuit_no"]


def _schema_field(spec: dict, lang: str):
    label = spec.get(f"label_{lang}") or spec.get("label_tr") or spec["key"]
    help_text = spec.get(f"help_{lang}") or spec.get("help_tr") or ""
    kind = spec.get("type")
    common = {"label": label, "required": False, "help_text": help_text}
    if kind == "choice":
        return forms.ChoiceField(choices=[("", "---------"), *[(str(a), b) for a, b in spec.get("choices", [])]],
                                 **common)
    if kind == "multichoice":
        return forms.MultipleChoiceField(choices=[(str(a), b) for a, b in spec.get("choices", [])],
                                         widget=forms.CheckboxSelectMultiple, **common)
    if kind == "textarea":
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), **common)
    widget = forms.TextInput(attrs={"inputmode": "decimal"} if kind == "number" else
                             {"placeholder": "gg.aa.yyyy", "inputmode": "numeric"} if kind == "date" else {})
    return forms.CharField(widget=widget, **common)


class DeviceForm(BilgeModelForm):
    """A device: its type is chosen first (``?type=``) and fixed; the type's own fields follow as
    ``attr_<key>``, checked against the type's schema (required fields, numbers, choices)."""

    NETWORK_FIELDS = ("ip_address", "mac_address", "host_name", "approved")

    class Meta:
        model = Device
        fields = ["institution", "device_type", "model", "name", "serial", "tasinir_code", "location", "warehouse",
                  "unit", "ip_address", "mac_address", "host_name", "approved", "purchase_date", "price",
                  "supplier", "procurement_ref", "invoice_no", "warranty_end", "notes"]
        widgets = {"purchase_date": forms.DateInput(), "warranty_end": forms.DateInput(),
                   "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from django.utils.translation import get_language

        device_type = self.instance.device_type if self.instance.device_type_id else None
        self.fields["device_type"].disabled = True
        self.fields["tasinir_code"].required = False
        self.fields["tasinir_code"].help_text = _("Empty: the device type's code.")
        self.schema = list(device_type.fields or []) if device_type else []
        if device_type is not None:
            self.fields["model"].queryset = self.fields["model"].queryset.filter(
                device_type=device_type).select_related("manufacturer")
            if not device_type.is_network:
                for name in self.NETWORK_FIELDS:
                    self.fields.pop(name, None)
        lang = "en" if (get_language() or "tr").startswith("en") else "tr"
        values = self.instance.attributes or {}
        for spec in self.schema:
            name = f"attr_{spec['key']}"
            field = _schema_field(spec, lang)
            field.widget.attrs.setdefault("class", "form-check-input" if isinstance(
                field.widget, forms.CheckboxSelectMultiple) else "form-select" if isinstance(
                field.widget, forms.Select) else "form-control")
            self.fields[name] = field
            if spec["key"] in values:
                value = values[spec["key"]]
                if spec.get("type") == "date" and isinstance(value, str) and len(value) == 10 and value[4] == "-":
                    value = f"{value[8:10]}.{value[5:7]}.{value[0:4]}"
                self.initial[name] = value
            if spec.get("required"):
                field.label = f"{field.label} *"

    def attribute_fields(self):
        return [self[f"attr_{spec['key']}"] for spec in self.schema]

    HEAD = ("institution", "device_type", "model", "name", "serial")

    def head_fields(self):
        """What the device is (shown before the type's own fields)."""
        return [f for f in self.visible_fields() if f.name in self.HEAD]

    def tail_fields(self):
        """Where it is, its network identity and purchase data (after the type's own fields)."""
        return [f for f in self.visible_fields() if f.name not in self.HEAD and not f.name.startswith("attr_")]

    def clean_mac_address(self):
        from bilge.assets.services.devices import normalise_mac

        return normalise_mac(self.cleaned_data.get("mac_address", ""))

    def clean(self):
        from bilge.assets.services.devices import clean_attributes

        cleaned = super().clean()
        if not self.instance.device_type_id:
            raise ValidationError(_("Choose the device type first."))
        data = {spec["key"]: cleaned.get(f"attr_{spec['key']}") for spec in self.schema}
        model = cleaned.get("model")
        if model is not None and self.instance.pk is None:  # a new device starts with its model's values
            for key, value in (model.attributes or {}).items():
                if data.get(key) in (None, "", []):
                    data[key] = value
        try:
            self.instance.attributes = clean_attributes(self.instance.device_type, data)
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                name = f"attr_{key}"
                self.add_error(name if name in self.fields else None, messages)
        return cleaned
