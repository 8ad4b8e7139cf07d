"""Widgets: a searchable choice for large tables (people, units) driven by htmx."""

import html

from django import forms
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe


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


class FastSelect(forms.Select):
    """A select rendered in one pass instead of one template per option: filter dropdowns hold
    hundreds of units, and per-option templates cost tens of milliseconds per page."""

    def _pairs(self):
        """(value, label) of every option. For a model whose labels are plain columns
        (``choice_label_fields``) the rows are read as tuples, not as model instances."""
        queryset = getattr(self.choices, "queryset", None)
        fields = getattr(getattr(queryset, "model", None), "choice_label_fields", None)
        if not fields:
            return ((str(k if not hasattr(k, "value") else k.value), label) for k, label in self.choices)
        from bilge.core import configcache

        field = self.choices.field
        empty = [("", field.empty_label)] if field.empty_label is not None else []
        rows = queryset.values_list("pk", *fields)

        def load():
            return tuple((str(pk), " ".join(str(part) for part in parts if part)) for pk, *parts in rows)

        if configcache.registered(queryset.model):  # units, services: kept between their changes
            sql, params = rows.query.sql_with_params()
            return empty + list(configcache.get(("choices", sql, tuple(params)), load))
        return empty + list(load())

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        selected = {str(v) for v in (value if isinstance(value, (list, tuple)) else [value]) if v is not None}
        # The standard library's escape: Django's format_html costs ~25 µs per option, and a
        # metropolitan institution's locations and units are thousands of options per page.
        esc = html.escape
        options = "".join(
            f'<option value="{esc(key)}"{" selected" if key in selected else ""}>{esc(str(label))}</option>'
            for key, label in self._pairs())
        attr_html = format_html_join("", ' {}="{}"', ((k, v) for k, v in attrs.items() if v not in (None, False)))
        return format_html('<select name="{}"{}>{}</select>', name, attr_html, mark_safe(options))
