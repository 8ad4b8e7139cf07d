from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from bilge.core.models import Delegation, Institution, Person, Position, Role, RoleAssignment, Unit
from bilge.core.permissions import ACTIONS, MODULES
from bilge.web.forms import BilgeModelForm
from bilge.web.widgets import AutocompleteSelect


class InstitutionForm(BilgeModelForm):
    class Meta:
        model = Institution
        fields = ["name", "slug", "kind", "detsis_code"]


class UnitForm(BilgeModelForm):
    class Meta:
        model = Unit
        fields = ["institution", "parent", "code", "name", "kind", "is_it", "manager", "email", "phone",
                  "regulation_ref"]
        widgets = {"manager": AutocompleteSelect("core:person_autocomplete")}


class PositionForm(BilgeModelForm):
    class Meta:
        model = Position
        fields = ["institution", "name", "is_manager"]


class PersonForm(BilgeModelForm):
    class Meta:
        model = Person
        fields = ["institution", "registration_no", "first_name", "last_name", "title", "unit", "position",
                  "email", "phone", "employment_type", "start_date", "end_date", "tc_kimlik"]
        widgets = {"start_date": forms.DateInput(), "end_date": forms.DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The full number is never sent to the browser: an empty field keeps the stored value.
        if self.instance.pk and self.instance.tc_kimlik:
            self.fields["tc_kimlik"].help_text = _("Stored: %(masked)s. Leave empty to keep it.") % {
                "masked": self.instance.tc_kimlik_masked}
            self.initial["tc_kimlik"] = ""

    def clean_tc_kimlik(self):
        value = (self.cleaned_data.get("tc_kimlik") or "").strip()
        if not value and self.instance.pk:
            return self.instance.tc_kimlik
        return value

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and (cleaned.get("end_date") or (
                cleaned.get("unit") is not None and cleaned["unit"].pk != self.instance.unit_id)):
            from bilge.core.services import exit_blockers

            unit = cleaned.get("unit")
            for reason in exit_blockers(self.instance, unit.pk if unit else None, cleaned.get("end_date")):
                self.add_error(None, reason)
        return cleaned


class DelegationForm(BilgeModelForm):
    class Meta:
        model = Delegation
        fields = ["principal", "delegate", "kind", "start_date", "end_date", "reason", "decision"]
        widgets = {
            "principal": AutocompleteSelect("core:person_autocomplete"),
            "delegate": AutocompleteSelect("core:person_autocomplete"),
            "start_date": forms.DateInput(),
            "end_date": forms.DateInput(),
        }


class RoleForm(BilgeModelForm):
    rights = forms.MultipleChoiceField(label=_("rights"), required=False, widget=forms.CheckboxSelectMultiple,
                                       choices=[])

    class Meta:
        model = Role
        fields = ["name", "description"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        everything = _("every module")
        every_action = _("every action")
        choices = [("*.*", f"{everything} — {every_action}")]
        choices += [(f"*.{a}", f"{everything} — {a_label}") for a, a_label in ACTIONS.items()]
        choices += [(f"{m}.*", f"{m_label} — {every_action}") for m, m_label in MODULES.items()]
        choices += [(f"{m}.{a}", f"{m_label} — {a_label}") for m, m_label in MODULES.items()
                    for a, a_label in ACTIONS.items()]
        known = {value for value, _label in choices}
        # Rights stored earlier that are not offered any more stay visible (and kept when saving).
        choices += [(g, g) for g in (self.instance.grants or []) if g not in known]
        self.fields["rights"].choices = choices
        self.fields["rights"].initial = self.instance.grants if self.instance.pk else []

    def save(self, commit=True):
        self.instance.grants = sorted(self.cleaned_data.get("rights") or [])
        return super().save(commit=commit)


class RoleAssignmentForm(BilgeModelForm):
    class Meta:
        model = RoleAssignment
        fields = ["user", "role", "scope", "unit", "institution"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = get_user_model().objects.filter(is_active=True).order_by("username")


# --- business calendar ---------------------------------------------------------------------------

from django.core.exceptions import NON_FIELD_ERRORS  # noqa: E402

from bilge.core import calendar as business_calendar  # noqa: E402
from bilge.core.models import CalendarDay, WorkingCalendar  # noqa: E402


class WorkingCalendarForm(BilgeModelForm):
    """The weekly periods are edited as one line per weekday ("08:30-12:00, 13:00-17:30"; empty
    for a day off) and stored as data in ``periods``."""

    DAY_FIELDS = tuple(f"day_{i}" for i in range(7))

    class Meta:
        model = WorkingCalendar
        fields = ["institution", "name", "is_default", "time_zone", "half_day_ends_at", "use_official_holidays"]
        widgets = {"half_day_ends_at": forms.TimeInput(format="%H:%M")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        try:
            week = business_calendar.week_from_data(self.instance.periods)
        except Exception:
            week = business_calendar.DEFAULT_WEEK
        for i, name in enumerate(self.DAY_FIELDS):
            self.fields[name] = forms.CharField(
                label=business_calendar.WEEKDAYS[i], required=False,
                help_text=_("E.g. 08:30-12:00, 13:00-17:30; empty for a day off.") if i == 0 else "",
                widget=forms.TextInput(attrs={"class": "form-control", "placeholder": _("day off")}))
            self.initial.setdefault(name, ", ".join(
                f"{business_calendar.format_minutes(s)}-{business_calendar.format_minutes(e)}" for s, e in week[i]))
        self.order_fields(["institution", "name", "is_default", *self.DAY_FIELDS, "half_day_ends_at",
                           "use_official_holidays", "time_zone"])

    def clean(self):
        cleaned = super().clean()
        week = []
        for name in self.DAY_FIELDS:
            try:
                week.append(business_calendar.parse_periods(cleaned.get(name, "")))
            except forms.ValidationError as exc:
                self.add_error(name, exc)
        if len(week) == 7:
            self.instance.periods = business_calendar.week_to_data(week)
        return cleaned

    def _update_errors(self, errors):
        # The model names its periods error "periods", which is edited here as seven fields.
        if hasattr(errors, "error_dict") and "periods" in errors.error_dict:
            errors.error_dict.setdefault(NON_FIELD_ERRORS, []).extend(errors.error_dict.pop("periods"))
        super()._update_errors(errors)


class CalendarDayForm(BilgeModelForm):
    class Meta:
        model = CalendarDay
        fields = ["calendar", "date", "kind", "name", "description"]
        widgets = {"date": forms.DateInput(), "description": forms.Textarea(attrs={"rows": 3})}
