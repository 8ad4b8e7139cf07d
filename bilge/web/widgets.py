"""Widgets: a searchable choice for large tables (people, units) driven by htmx."""

from django import forms
from django.urls import reverse


class AutocompleteSelect(forms.Select):
    """A select holding only the chosen option, with a search box that loads matching options
    from ``url`` (htmx). Works for tens of thousands of people without sending them all."""

    template_name = "web/widgets/autocomplete.html"

    def __init__(self, url_name: str, attrs=None):
        super().__init__(attrs)
        self.url_name = url_name

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["url"] = reverse(self.url_name)
        return context

    def optgroups(self, name, value, attrs=None):
        # Render only the selected option(s), not the whole queryset.
        selected = {str(v) for v in value if v not in (None, "")}
        if not selected:
            return [(None, [self.create_option(name, "", "---------", False, 0)], 0)]
        options = []
        queryset = self.choices.queryset.filter(pk__in=selected)
        for index, obj in enumerate(queryset):
            options.append(self.create_option(name, str(obj.pk), str(obj), True, index))
        return [(None, options, 0)]
