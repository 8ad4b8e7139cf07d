"""The custody acts' form: devices by sicil no (typed or scanned, one per line), a person or a
shared room, the date and a note. The rules live in ``services.custody``."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from bilge.assets.models import Device, Location, Warehouse
from bilge.core.models import Person  # noqa: F401  (the field's model)
from bilge.web.widgets import AutocompleteSelect


class CustodyActForm(forms.Form):
    devices = forms.CharField(label=_("devices (sicil no, one per line)"),
                              widget=forms.Textarea(attrs={"rows": 4, "class": "form-control font-monospace"}))
    receiver = forms.ModelChoiceField(queryset=Person.objects.none(), required=False, label=_("received by"),
                                      widget=AutocompleteSelect("assets:custody_people",
                                                                attrs={"class": "form-select"}))
    room = forms.ModelChoiceField(queryset=Location.objects.none(), required=False, label=_("shared room"),
                                  help_text=_("Instead of a person: the devices go on the room's Dayanıklı "
                                              "Taşınırlar Listesi."),
                                  widget=forms.Select(attrs={"class": "form-select"}))
    warehouse = forms.ModelChoiceField(queryset=Warehouse.objects.none(), required=False, label=_("warehouse"),
                                       widget=forms.Select(attrs={"class": "form-select"}))
    date = forms.DateField(label=_("date"), required=False,
                           widget=forms.DateInput(attrs={"class": "form-control", "placeholder": _("dd.mm.yyyy"),
                                                         "inputmode": "numeric"}, format="%d.%m.%Y"))
    note = forms.CharField(label=_("note"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}))

    FIELDS = {"handover": ("devices", "receiver", "room", "date", "note"),
              "return": ("devices", "warehouse", "date", "note"),
              "transfer": ("devices", "receiver", "date", "note")}

    def __init__(self, *args, kind, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind, self.user = kind, user
        for name in list(self.fields):
            if name not in self.FIELDS[kind]:
                del self.fields[name]
        if "receiver" in self.fields:
            from bilge.assets.views.custody import custody_people

            self.fields["receiver"].queryset = custody_people(user)
            self.fields["receiver"].required = kind == "transfer"
        if "room" in self.fields:
            self.fields["room"].queryset = Location.objects.visible_to(user).filter(
                kind=Location.Kind.ROOM, shared=True, archived_at__isnull=True)
        if "warehouse" in self.fields:
            self.fields["warehouse"].queryset = Warehouse.objects.visible_to(user).filter(archived_at__isnull=True)

    def clean_devices(self):
        numbers = [n for n in re.split(r"[\s,;]+", self.cleaned_data["devices"]) if n]
        visible = Device.objects.visible_to(self.user, "change")
        found = {d.sicil_no: d for d in visible.filter(sicil_no__in=numbers)}
        missing = [n for n in numbers if n not in found]
        if missing:
            raise ValidationError(_("No device has the sicil no %(numbers)s.") % {"numbers": ", ".join(missing)})
        return [found[n] for n in dict.fromkeys(numbers)]

    def clean(self):
        cleaned = super().clean()
        if self.kind == "handover" and bool(cleaned.get("receiver")) == bool(cleaned.get("room")):
            raise ValidationError(_("Hand the devices to a person or to a shared room (one of them)."))
        return cleaned
