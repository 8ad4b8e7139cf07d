"""Form base: takes the request, limits every choice of a related record to what the user may
see, and renders with Bootstrap classes and errors next to the fields."""

from django import forms
from django.utils.translation import gettext_lazy as _

from bilge.web.widgets import AutocompleteSelect


class BilgeModelForm(forms.ModelForm):
    def __init__(self, *args, request=None, **kwargs):
        self.request = request
        super().__init__(*args, **kwargs)
        user = getattr(request, "user", None)
        self._limit_institution(user)
        for name, field in self.fields.items():
            if isinstance(field, forms.ModelChoiceField) and user is not None and not field.disabled:
                model = field.queryset.model
                if hasattr(model.objects, "visible_to"):
                    qs = model.objects.visible_to(user, "view")
                    if hasattr(model, "archived_at"):
                        current = getattr(self.instance, f"{name}_id", None) if hasattr(self.instance, f"{name}_id") else None
                        from django.db.models import Q

                        qs = qs.filter(Q(archived_at__isnull=True) | Q(pk=current)) if current else qs.filter(archived_at__isnull=True)
                    field.queryset = qs
            widget = field.widget
            if isinstance(widget, AutocompleteSelect):
                continue
            if isinstance(widget, (forms.CheckboxInput,)):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, (forms.Select, forms.SelectMultiple)):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")
            if isinstance(widget, forms.DateInput):
                widget.format = "%d.%m.%Y"
                widget.attrs.setdefault("placeholder", _("dd.mm.yyyy"))
                widget.attrs.setdefault("inputmode", "numeric")

    def _limit_institution(self, user):
        """Staff work in their own institution: preset and fixed, not a choice."""
        field = self.fields.get("institution")
        if field is None or user is None or getattr(user, "is_superuser", False):
            return
        from bilge.core.permissions import person_of

        person = person_of(user)
        if person is None:
            return
        field.queryset = field.queryset.model.objects.filter(pk=person.institution_id)
        if not getattr(self.instance, "institution_id", None):
            self.initial["institution"] = person.institution_id
        field.disabled = True

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = (widget.attrs.get("class", "") + " is-invalid").strip()
                widget.attrs["aria-invalid"] = "true"
