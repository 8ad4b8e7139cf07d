"""The upload form of an import: what the file holds, and the file."""

from django import forms
from django.utils.translation import gettext_lazy as _

from bilge.assets import importers


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("The file holds"), choices=(), widget=forms.Select(attrs={"class": "form-select"}))
    file = forms.FileField(label=_("File (Excel .xlsx or CSV)"),
                           widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".xlsx,.csv"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = importers.choices()
