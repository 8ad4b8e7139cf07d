"""Forms of the disposal pages: the proposal, the committee, the decision, the wiping evidence.
The rules (committee size, chair, expert, evidence) are checked by ``services.disposal``."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from bilge.assets.models import Device, Disposal, Warehouse
from bilge.core.models import Person
from bilge.web.widgets import AutocompleteSelect

ROWS = 6
SICIL_SPLIT = re.compile(r"[\s,;]+")


class StyledForm(forms.Form):
    def __init__(self, *args, request=None, **kwargs):
        self.request = request
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, (AutocompleteSelect, forms.HiddenInput, forms.MultipleHiddenInput)):
                continue
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")


PEOPLE_PICKER = "assets:board_person_autocomplete"


def institution_people(user):
    """Committee and board members, wipers: the current people of the user's institution (they
    need not be in the user's own scope)."""
    from bilge.core.permissions import person_of

    person = person_of(user)
    if person is not None:
        return Person.objects.current().filter(institution_id=person.institution_id)
    return Person.objects.current() if getattr(user, "is_superuser", False) else Person.objects.none()


def devices_from(user, ids, sicil_text: str):
    """The devices named by ids (a list's selection) and/or sicil numbers typed, that the user may
    see; and the sicil numbers not found."""
    qs = Device.objects.visible_to(user, "view")
    sicils = [s for s in SICIL_SPLIT.split(sicil_text or "") if s]
    clean_ids = [int(i) for i in ids if str(i).isdigit()]
    found = list(qs.filter(pk__in=clean_ids)) if clean_ids else []
    by_sicil = {d.sicil_no: d for d in qs.filter(sicil_no__in=sicils)} if sicils else {}
    unknown = [s for s in sicils if s not in by_sicil]
    seen = {d.pk for d in found}
    found += [d for s in sicils if (d := by_sicil.get(s)) and d.pk not in seen and not seen.add(d.pk)]
    return found, unknown


class DeviceChoiceForm(StyledForm):
    """Devices by the list's selection (``ids``) or typed sicil numbers."""

    sicil_nos = forms.CharField(label=_("sicil numbers"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                help_text=_("One or more, separated by spaces or new lines."))

    def ids(self) -> list[str]:
        """The ids of the devices chosen in a list (hidden ``ids`` fields, or the URL's)."""
        data = self.data if self.is_bound else getattr(self.request, "GET", {})
        return [i for i in (data.getlist("ids") if hasattr(data, "getlist") else []) if str(i).isdigit()][:1000]

    def clean(self):
        data = super().clean()
        user = getattr(self.request, "user", None)
        devices, unknown = devices_from(user, self.ids(), data.get("sicil_nos", ""))
        if unknown:
            self.add_error("sicil_nos", _("No device you may see has these sicil numbers: %(list)s.")
                           % {"list": ", ".join(unknown)})
        elif not devices:
            self.add_error("sicil_nos", _("Choose at least one device."))
        data["devices"] = devices
        return data


class ProposeForm(DeviceChoiceForm):
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 3}))
    method = forms.ChoiceField(label=_("method"), choices=Disposal.Method.choices)
    warehouse = forms.ModelChoiceField(label=_("warehouse"), queryset=Warehouse.objects.none(), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = getattr(self.request, "user", None)
        self.fields["warehouse"].queryset = Warehouse.objects.visible_to(user, "view").filter(archived_at__isnull=True)


class MembersForm(StyledForm):
    """Rows of (person, chair, expert); empty rows are ignored."""

    expert_column = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for i in range(1, ROWS + 1):
            self.fields[f"member_{i}"] = forms.ModelChoiceField(
                label=_("member %(n)s") % {"n": i}, required=False, queryset=Person.objects.all(),
                widget=AutocompleteSelect(PEOPLE_PICKER, attrs={"id": f"id_member_{i}"}))
            self.fields[f"chair_{i}"] = forms.BooleanField(label=_("chair"), required=False)
            if self.expert_column:
                self.fields[f"expert_{i}"] = forms.BooleanField(label=_("expert"), required=False)
        user = getattr(self.request, "user", None)
        for i in range(1, ROWS + 1):
            self.fields[f"member_{i}"].queryset = institution_people(user)

    def rows(self):
        return [(self[f"member_{i}"], self[f"chair_{i}"], self[f"expert_{i}"] if self.expert_column else None)
                for i in range(1, ROWS + 1)]

    def members(self):
        data = self.cleaned_data
        result = []
        for i in range(1, ROWS + 1):
            person = data.get(f"member_{i}")
            if person is not None:
                row = (person, bool(data.get(f"chair_{i}")))
                result.append(row + ((bool(data.get(f"expert_{i}")),) if self.expert_column else ()))
        return result

    @classmethod
    def initial_for(cls, members):
        initial = {}
        for i, member in enumerate(members, start=1):
            initial[f"member_{i}"] = member.person_id
            initial[f"chair_{i}"] = member.is_chair
            if cls.expert_column:
                initial[f"expert_{i}"] = member.is_expert
        return initial


class DecisionForm(StyledForm):
    approved = forms.TypedChoiceField(label=_("decision"), coerce=lambda v: v == "yes",
                                      choices=[("yes", _("approved: dispose of the devices")),
                                               ("no", _("rejected: the devices stay"))])
    decision_date = forms.DateField(label=_("decision date"), widget=forms.DateInput(attrs={"type": "date"}))
    decision_no = forms.CharField(label=_("decision number"), max_length=60)
    note = forms.CharField(label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class WipingForm(StyledForm):
    method = forms.CharField(label=_("wiping / destruction method"), max_length=200,
                             help_text=_("E.g. \"overwritten 3 passes\", \"disk shredded\", \"degaussed\"."))
    evidence = forms.CharField(label=_("evidence"), max_length=300,
                               help_text=_("Report number, certificate or the tool's log reference."))
    wiped_by = forms.ModelChoiceField(label=_("wiped by"), queryset=Person.objects.all(),
                                      widget=AutocompleteSelect(PEOPLE_PICKER))

    def __init__(self, *args, prefix=None, **kwargs):
        super().__init__(*args, prefix=prefix, **kwargs)
        self.fields["wiped_by"].queryset = institution_people(getattr(self.request, "user", None))
