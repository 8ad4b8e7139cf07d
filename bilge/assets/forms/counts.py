"""Forms of the count pages: opening a count with its board, the scan box, the label sheet."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bilge.assets.forms.disposal import DeviceChoiceForm, MembersForm, StyledForm
from bilge.assets.models import Location, Warehouse


class BoardForm(MembersForm):
    expert_column = False


class OpenCountForm(BoardForm):
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    warehouse = forms.ModelChoiceField(label=_("warehouse"), queryset=Warehouse.objects.none(), required=False)
    location = forms.ModelChoiceField(label=_("or a place"), queryset=Location.objects.none(), required=False,
                                      help_text=_("Every active device there and in the places inside it."))
    note = forms.CharField(label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    field_order = ["year", "warehouse", "location", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = getattr(self.request, "user", None)
        self.fields["warehouse"].queryset = Warehouse.objects.visible_to(user, "view").filter(archived_at__isnull=True)
        self.fields["location"].queryset = Location.objects.visible_to(user, "view").filter(archived_at__isnull=True)
        self.initial.setdefault("year", timezone.localdate().year)

    def clean(self):
        data = super().clean()
        if bool(data.get("warehouse")) == bool(data.get("location")):
            raise forms.ValidationError(_("Choose either a warehouse or a place to count."))
        return data


class ScanForm(forms.Form):
    code = forms.CharField(label=_("sicil no"), max_length=300)


class LabelForm(DeviceChoiceForm):
    sheet = forms.ChoiceField(label=_("label sheet"))
    skip = forms.IntegerField(label=_("skip labels"), min_value=0, initial=0, required=False,
                              help_text=_("Labels already used on a partly used sheet (printing starts after them)."))

    def __init__(self, *args, **kwargs):
        from bilge.assets.views.labels import SHEETS

        super().__init__(*args, **kwargs)
        self.fields["sheet"].choices = [(key, sheet.label) for key, sheet in SHEETS.items()]
        self.fields["sheet"].widget.attrs["class"] = "form-select"

    def clean_skip(self):
        return self.cleaned_data.get("skip") or 0


__all__ = ["BoardForm", "LabelForm", "OpenCountForm", "ScanForm", "StyledForm"]
