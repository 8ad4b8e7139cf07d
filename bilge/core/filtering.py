"""Base FilterSet: Turkish-aware free-text search and the archive switch. One FilterSet per
model drives the HTML list, the API and the export; only declared fields can be filtered."""

import django_filters
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bilge.core.turkish import fold


class BaseFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A filter caches its form field on first use; the OpenAPI schema generator uses the
        # class-level filters (copied into every instance), which would freeze their labels in
        # the language of that request. Build the fields afresh for each request's language.
        for flt in self.filters.values():
            flt.__dict__.pop("_field", None)
            if isinstance(flt.__dict__.get("_label"), str):  # computed from the model, not declared lazily
                flt._label = None

    @property
    def form(self):
        form = super().form
        if not getattr(form, "_bilge_styled", False):
            from django import forms

            from bilge.web.widgets import AutocompleteSelect, FastSelect

            for field in form.fields.values():
                if isinstance(field.widget, forms.Select) and not isinstance(
                        field.widget, (forms.SelectMultiple, AutocompleteSelect)):
                    field.widget = FastSelect(attrs={"class": "form-select"}, choices=field.widget.choices)
                elif not isinstance(field.widget, forms.CheckboxInput):
                    field.widget.attrs.setdefault("class", "form-control")
            form._bilge_styled = True
        return form

    def search(self, queryset, name, value):
        for word in fold(value).split()[:8]:
            queryset = queryset.filter(search_text__contains=word)
        return queryset


class ArchivableFilterSet(BaseFilterSet):
    archived = django_filters.ChoiceFilter(
        method="filter_archived", label=pgettext_lazy("filter", "Archive"), empty_label=None,
        choices=[("no", _("current records")), ("yes", _("archived records")), ("all", _("all records"))],
    )

    def filter_archived(self, queryset, name, value):
        return queryset  # applied in filter_queryset, so it also holds when the parameter is absent

    def filter_queryset(self, queryset):
        value = self.form.cleaned_data.get("archived") or "no"
        if value == "no":
            queryset = queryset.filter(archived_at__isnull=True)
        elif value == "yes":
            queryset = queryset.filter(archived_at__isnull=False)
        return super().filter_queryset(queryset)
