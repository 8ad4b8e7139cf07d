"""The structured editor of a request type: its form fields, approval chain, SLA targets and
phases as rows of Django formsets (validated on the server, errors next to the row), serialized
into the request type's existing JSON fields (``form``, ``approval_chain``, ``sla``, ``phases``).

Nothing downstream changes: tickets copy the form they were filled with (``Ticket.form_schema``),
the approval chain is read by ``services._approver_for``, the SLA by ``sla.targets``.

The page posts one HTML form; the formsets use the prefixes ``fields``, ``steps``, ``phases``
and the SLA grid ``sla``. ``RequestTypeForm`` (forms.py) mixes ``TypeEditorMixin`` in: the
editor's JSON replaces the four model fields, and the model's own validation (``RequestType.clean``)
still runs on the result, so the editor can only write what the loader and the API accept.
"""

from __future__ import annotations

import re
import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.forms import formset_factory
from django.forms.formsets import ORDERING_FIELD_NAME
from django.utils.translation import gettext_lazy as _

from bilge.servicedesk.forms_schema import KEY
from bilge.servicedesk.models.catalog import APPROVER_KINDS, FIELD_TYPES

EDITOR_FIELDS = ("form", "approval_chain", "phases", "sla")
CHOICE_TYPES = ("choice", "multichoice")
PRIORITIES = (1, 2, 3, 4)
TARGETS = ("response", "resolution")
MAX_FIELDS, MAX_STEPS, MAX_PHASES, MAX_CHOICES = 60, 10, 20, 100
# A target longer than this is a typing error, not a promise (120 working days of 8 hours).
MAX_HOURS = 960

_TURKISH = str.maketrans({"ç": "c", "ğ": "g", "ı": "i", "ö": "o", "ş": "s", "ü": "u", "â": "a", "î": "i",
                          "û": "u", "Ç": "c", "Ğ": "g", "İ": "i", "I": "i", "Ö": "o", "Ş": "s", "Ü": "u",
                          "Â": "a", "Î": "i", "Û": "u"})


def suggest_key(text: str) -> str:
    """A key from a Turkish label: "Kullanıcı adı" → "kullanici_adi" (same rule as type_editor.js)."""
    ascii_text = unicodedata.normalize("NFKD", (text or "").translate(_TURKISH))
    ascii_text = "".join(ch for ch in ascii_text if not unicodedata.combining(ch)).lower()
    key = re.sub(r"[^a-z0-9]+", "_", ascii_text).strip("_")
    if key and not key[0].isalpha():
        key = f"f_{key}"
    return key[:40].rstrip("_")


def _text(label, max_length, required=False, attrs=None):
    widget = forms.TextInput(attrs={"class": "form-control form-control-sm", **(attrs or {})})
    return forms.CharField(label=label, max_length=max_length, required=required, widget=widget)


class _Row(forms.Form):
    """A formset row. A row added in the page and left empty is skipped: the ORDER the page's
    script writes into it is not a change."""

    def has_changed(self):
        return bool(set(self.changed_data) - {ORDERING_FIELD_NAME, "DELETE"})


class _Rows(forms.BaseFormSet):
    key_field = "key"

    def add_fields(self, form, index):
        super().add_fields(form, index)
        form.fields[ORDERING_FIELD_NAME].widget = forms.HiddenInput(attrs={"data-order": ""})
        form.fields["DELETE"].widget = forms.CheckboxInput(attrs={"class": "d-none", "data-delete": ""})

    def rows(self):
        """The rows kept, in the order shown (ORDER, then position): deleted and empty new rows left out."""
        kept = [(form.cleaned_data.get(ORDERING_FIELD_NAME) or 10_000 + index, index, form)
                for index, form in enumerate(self.forms)
                if form.has_changed() or index < self.initial_form_count()]
        return [form for _o, _i, form in sorted(kept, key=lambda row: row[:2])
                if not (self.can_delete and self._should_delete_form(form))]

    def display(self):
        """The rows as the page showed them (a page sent back with errors keeps the user's order)."""
        if not self.is_bound:
            return list(self.forms)

        def order(item):
            index, form = item
            try:
                return int(form[ORDERING_FIELD_NAME].value()), index
            except (TypeError, ValueError):
                return 10_000 + index, index

        return [form for _i, form in sorted(enumerate(self.forms), key=order)]

    def clean(self):
        if any(self.errors):
            return
        seen = {}
        for number, form in enumerate(self.rows(), start=1):
            key = form.cleaned_data.get(self.key_field)
            if key in seen:
                form.add_error(self.key_field, _("The key %(key)s is used twice (also in row %(row)s).")
                               % {"key": key, "row": seen[key]})
            else:
                seen[key] = number


# --- form fields ---------------------------------------------------------------------------------

class FieldRow(_Row):
    key = _text(_("key"), 40, attrs={"data-key": ""})
    type = forms.ChoiceField(label=_("type"), choices=list(FIELD_TYPES.items()), initial="text",
                             widget=forms.Select(attrs={"class": "form-select form-select-sm", "data-type": ""}))
    label_tr = _text(_("label (Turkish)"), 150, required=True, attrs={"data-label": ""})
    label_en = _text(_("label (English)"), 150)
    help_tr = _text(_("help (Turkish)"), 500)
    help_en = _text(_("help (English)"), 500)
    required = forms.BooleanField(label=_("required"), required=False,
                                  widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))
    choices = forms.CharField(
        label=_("choices"), required=False, max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control form-control-sm font-monospace"}),
        help_text=_("One a line: value | Turkish label | English label (value and English optional)."))

    def clean_key(self):
        key = self.cleaned_data["key"].strip()
        if key and not KEY.match(key):
            raise ValidationError(_("A key is lower-case letters (without Turkish letters), digits and _, "
                                    "starting with a letter, at most 40 characters."))
        return key

    def clean(self):
        data = super().clean()
        if not data.get("key") and data.get("label_tr") and "key" not in self.errors:
            data["key"] = suggest_key(data["label_tr"])
            if not KEY.match(data["key"]):
                self.add_error("key", _("Give a key: none can be made from this label."))
        if data.get("type") in CHOICE_TYPES:
            try:
                data["parsed_choices"] = parse_choices(data.get("choices", ""))
            except ValidationError as exc:
                self.add_error("choices", exc)
            else:
                if not data["parsed_choices"]:
                    self.add_error("choices", _("A choice field needs at least one choice."))
        return data

    def to_json(self) -> dict:
        data = self.cleaned_data
        field = {"key": data["key"], "type": data["type"], "label_tr": data["label_tr"].strip()}
        for name in ("label_en", "help_tr", "help_en"):
            if data.get(name, "").strip():
                field[name] = data[name].strip()
        if data.get("required"):
            field["required"] = True
        if data["type"] in CHOICE_TYPES:
            parsed = data["parsed_choices"]
            field["choices"] = [[value, label_tr] for value, label_tr, _en in parsed]
            english = {value: label_en for value, _tr, label_en in parsed if label_en}
            if english:
                field["choices_en"] = english
        return field

    @staticmethod
    def initial_from(field: dict) -> dict:
        english = field.get("choices_en") or {}
        lines = []
        for choice in field.get("choices") or []:
            value, label = (list(choice) + ["", ""])[:2]
            lines.append(" | ".join(str(p) for p in [value, label] + ([english[value]] if english.get(value) else [])))
        return {"key": field.get("key", ""), "type": field.get("type", "text"), "label_tr": field.get("label_tr", ""),
                "label_en": field.get("label_en", ""), "help_tr": field.get("help_tr", ""),
                "help_en": field.get("help_en", ""), "required": bool(field.get("required")),
                "choices": "\n".join(lines)}


def parse_choices(text: str) -> list[tuple[str, str, str]]:
    """"value | Turkish | English" lines → (value, Turkish, English). A line with one part is the
    Turkish label, its value made from it; with two parts, value and Turkish label."""
    parsed, errors, seen = [], [], set()
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) > 3:
            errors.append(_("Line %(n)s: at most three parts (value | Turkish | English).") % {"n": number})
            continue
        if len(parts) == 1:
            parts = [suggest_key(parts[0]), parts[0]]
        value, label_tr, label_en = (parts + [""])[:3]
        if not label_tr:
            errors.append(_("Line %(n)s: the Turkish label is missing.") % {"n": number})
        elif not value:
            value = suggest_key(label_tr)
        if len(value) > 100 or len(label_tr) > 200 or len(label_en) > 200:
            errors.append(_("Line %(n)s is too long.") % {"n": number})
        elif value in seen:
            errors.append(_("Line %(n)s: the value %(value)s is used twice.") % {"n": number, "value": value})
        seen.add(value)
        parsed.append((value, label_tr, label_en))
    if len(parsed) > MAX_CHOICES:
        errors.append(_("At most %(max)s choices.") % {"max": MAX_CHOICES})
    if errors:
        raise ValidationError(errors)
    return parsed


# --- approval chain ------------------------------------------------------------------------------

class StepRow(_Row):
    kind = forms.ChoiceField(label=_("approver"), choices=list(APPROVER_KINDS.items()), initial="unit_manager",
                             widget=forms.Select(attrs={"class": "form-select form-select-sm", "data-kind": ""}))
    position = forms.CharField(label=_("position"), required=False, max_length=100,
                               widget=forms.Select(attrs={"class": "form-select form-select-sm"}))
    person = forms.ModelChoiceField(
        label=_("person"), required=False, queryset=None,
        error_messages={"invalid_choice": _("Unknown person: choose a current member of staff from the list.")})
    label = _text(_("step name"), 150)

    def __init__(self, *args, positions=(), people=None, person_url="core:person_autocomplete", **kwargs):
        super().__init__(*args, **kwargs)
        from bilge.core.models import Person
        from bilge.web.widgets import AutocompleteSelect

        current = self.data.get(self.add_prefix("position")) if self.is_bound else self.initial.get("position")
        names = list(positions)
        if current and current not in names:
            names.append(current)  # shown as it is, refused on save when unknown
        self.fields["position"].widget.choices = [("", "---------")] + [(n, n) for n in names]
        self.fields["position"].widget.attrs.pop("maxlength", None)  # a select
        self.fields["person"].widget = AutocompleteSelect(person_url)
        self.fields["person"].queryset = people if people is not None else Person.objects.current()

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == "position" and not data.get("position"):
            self.add_error("position", _("Choose the position that approves."))
        if kind == "person" and not data.get("person") and "person" not in self.errors:
            self.add_error("person", _("Choose the person who approves."))
        return data

    def to_json(self) -> dict:
        data = self.cleaned_data
        step = {"kind": data["kind"]}
        if data["kind"] == "position":
            step["position"] = data["position"]
        elif data["kind"] == "person":
            step["registration_no"] = data["person"].registration_no
        if data.get("label", "").strip():
            step["label"] = data["label"].strip()
        return step


class _Steps(_Rows):
    key_field = None

    def clean(self):  # steps have no key; the same approver twice is allowed (e.g. two positions)
        pass


# --- phases --------------------------------------------------------------------------------------

class PhaseRow(_Row):
    key = _text(_("key"), 40, attrs={"data-key": ""})
    name_tr = _text(_("name (Turkish)"), 100, required=True, attrs={"data-label": ""})
    name_en = _text(_("name (English)"), 100)

    clean_key = FieldRow.clean_key

    def clean(self):
        data = super().clean()
        if not data.get("key") and data.get("name_tr") and "key" not in self.errors:
            data["key"] = suggest_key(data["name_tr"])
            if not KEY.match(data["key"]):
                self.add_error("key", _("Give a key: none can be made from this name."))
        return data

    def to_json(self) -> dict:
        data = self.cleaned_data
        return {"key": data["key"], "name_tr": data["name_tr"].strip(), "name_en": data.get("name_en", "").strip()}


FieldFormSet = formset_factory(FieldRow, formset=_Rows, extra=0, can_delete=True, can_order=True,
                               max_num=MAX_FIELDS, validate_max=True, absolute_max=MAX_FIELDS + 20)
StepFormSet = formset_factory(StepRow, formset=_Steps, extra=0, can_delete=True, can_order=True,
                              max_num=MAX_STEPS, validate_max=True, absolute_max=MAX_STEPS + 20)
PhaseFormSet = formset_factory(PhaseRow, formset=_Rows, extra=0, can_delete=True, can_order=True,
                               max_num=MAX_PHASES, validate_max=True, absolute_max=MAX_PHASES + 20)


# --- SLA grid ------------------------------------------------------------------------------------

class SLAForm(forms.Form):
    """Priority 1–4 × first response and resolution, in business hours and minutes; stored as
    business minutes. An empty row: the priority has no target of its own (the defaults apply)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for p in PRIORITIES:
            for target in TARGETS:
                self.fields[f"p{p}_{target}_hours"] = forms.IntegerField(
                    required=False, min_value=0, max_value=MAX_HOURS, label=_("hours"),
                    widget=forms.NumberInput(attrs={"class": "form-control form-control-sm", "min": 0,
                                                    "max": MAX_HOURS, "inputmode": "numeric"}))
                self.fields[f"p{p}_{target}_minutes"] = forms.IntegerField(
                    required=False, min_value=0, max_value=59, label=_("minutes"),
                    widget=forms.NumberInput(attrs={"class": "form-control form-control-sm", "min": 0, "max": 59,
                                                    "inputmode": "numeric"}))

    @staticmethod
    def initial_from(sla: dict) -> dict:
        initial = {}
        for p in PRIORITIES:
            target = (sla or {}).get(str(p))
            if not isinstance(target, dict):
                continue
            for name in TARGETS:
                minutes = target.get(name)
                if isinstance(minutes, int):
                    initial[f"p{p}_{name}_hours"], initial[f"p{p}_{name}_minutes"] = divmod(minutes, 60)
        return initial

    def rows(self):
        """[(priority, its name, [(target, hours field, minutes field)], row errors)] for the template."""
        from bilge.servicedesk.models.tickets import Priority

        result = []
        for p in PRIORITIES:
            cells = [(t, self[f"p{p}_{t}_hours"], self[f"p{p}_{t}_minutes"]) for t in TARGETS]
            errors = [e for t in TARGETS for part in ("hours", "minutes") for e in self[f"p{p}_{t}_{part}"].errors]
            result.append((p, Priority(p).label, cells, errors))
        return result

    def clean(self):
        data = super().clean()
        sla = {}
        for p in PRIORITIES:
            names = [f"p{p}_{t}_{part}" for t in TARGETS for part in ("hours", "minutes")]
            if any(name in self.errors for name in names):
                continue
            if all(data.get(name) is None for name in names):
                continue
            minutes = {t: (data.get(f"p{p}_{t}_hours") or 0) * 60 + (data.get(f"p{p}_{t}_minutes") or 0)
                       for t in TARGETS}
            where = f"p{p}_resolution_hours"
            if not minutes["response"] or not minutes["resolution"]:
                self.add_error(where, _("Priority %(p)s: give both the first response and the resolution time, "
                                        "each more than zero.") % {"p": p})
            elif minutes["resolution"] < minutes["response"]:
                self.add_error(where, _("Priority %(p)s: the resolution time is shorter than the first response "
                                        "time.") % {"p": p})
            elif minutes["resolution"] > MAX_HOURS * 60:
                self.add_error(where, _("Priority %(p)s: at most %(max)s business hours.") % {"p": p, "max": MAX_HOURS})
            else:
                sla[str(p)] = minutes
        data["sla"] = sla
        return data


# --- the editor ----------------------------------------------------------------------------------

def _institution_of(instance, user):
    from bilge.core.permissions import person_of

    if getattr(instance, "service_id", None):
        return instance.service.institution
    person = person_of(user) if user is not None else None
    return person.institution if person is not None else None


class TypeEditor:
    """The four parts of the editor, bound to the POSTed data or filled from the request type."""

    def __init__(self, data=None, *, instance, user=None):
        from bilge.core.models import Person, Position
        from bilge.core.permissions import has_module_perm, person_of

        self.instance, self.user = instance, user
        self.institution = _institution_of(instance, user)
        positions = Position.objects.filter(archived_at__isnull=True)
        people = Person.objects.current()
        if self.institution is not None:
            positions, people = positions.filter(institution=self.institution), people.filter(
                institution=self.institution)
        self.position_names = list(positions.order_by("name").values_list("name", flat=True).distinct())
        # The IT staff's picker lists the whole institution; an administrator without a person record
        # uses the organization's picker.
        person_url = ("servicedesk:requester_autocomplete"
                      if user is not None and person_of(user) is not None and has_module_perm(user, "servicedesk", "change")
                      else "core:person_autocomplete")
        step_kwargs = {"positions": self.position_names, "people": people, "person_url": person_url}
        if data is not None:
            self.fields = FieldFormSet(data, prefix="fields")
            self.steps = StepFormSet(data, prefix="steps", form_kwargs=step_kwargs)
            self.phases = PhaseFormSet(data, prefix="phases")
            self.sla = SLAForm(data, prefix="sla")
        else:
            chain = instance.approval_chain or []
            registration = [s.get("registration_no") for s in chain if isinstance(s, dict) and s.get("registration_no")]
            by_regno = {p.registration_no: p.pk for p in people.filter(registration_no__in=registration)}
            self.fields = FieldFormSet(prefix="fields", initial=[
                FieldRow.initial_from(f) for f in (instance.form or []) if isinstance(f, dict)])
            self.steps = StepFormSet(prefix="steps", form_kwargs=step_kwargs, initial=[
                {"kind": s.get("kind"), "position": s.get("position", ""), "label": s.get("label", ""),
                 "person": by_regno.get(s.get("registration_no"))} for s in chain if isinstance(s, dict)])
            self.phases = PhaseFormSet(prefix="phases", initial=[
                {"key": p.get("key", ""), "name_tr": p.get("name_tr", ""), "name_en": p.get("name_en", "")}
                for p in (instance.phases or []) if isinstance(p, dict)])
            self.sla = SLAForm(prefix="sla", initial=SLAForm.initial_from(instance.sla))

    @property
    def formsets(self):
        return (self.fields, self.steps, self.phases)

    def clean(self, service) -> dict | None:
        """The JSON of the four fields, or None (errors are on the rows and in ``errors``)."""
        valid = all([fs.is_valid() for fs in self.formsets] + [self.sla.is_valid()])  # every error at once
        institution = service.institution if service is not None else self.institution
        if institution is not None:
            valid = self._check_approvers(institution) and valid
        if not valid:
            self._mark_invalid()
            return None
        return {
            "form": [form.to_json() for form in self.fields.rows()],
            "approval_chain": [form.to_json() for form in self.steps.rows()],
            "phases": [form.to_json() for form in self.phases.rows()],
            "sla": self.sla.cleaned_data["sla"],
        }

    def _mark_invalid(self) -> None:
        """Inputs with an error get Bootstrap's red border, as on every other form of Bilge."""
        from bilge.web.widgets import AutocompleteSelect

        for form in [*self.fields.forms, *self.steps.forms, *self.phases.forms, self.sla]:
            for name in getattr(form, "_errors", None) or {}:
                widget = form.fields[name].widget if name in form.fields else None
                if widget is not None and not isinstance(widget, AutocompleteSelect):
                    widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
                    widget.attrs["aria-invalid"] = "true"

    def _check_approvers(self, institution) -> bool:
        """A named position or person must exist in the institution of the type's service."""
        from bilge.core.models import Position

        known = set(Position.objects.filter(institution=institution, archived_at__isnull=True)
                    .values_list("name", flat=True))
        ok = True
        for form in self.steps.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or form.errors or data.get("DELETE"):
                continue
            if data["kind"] == "position" and data.get("position") not in known:
                form.add_error("position", _("Unknown position %(name)s in %(institution)s.")
                               % {"name": data.get("position"), "institution": institution})
                ok = False
            if data["kind"] == "person" and data.get("person") is not None and (
                    data["person"].institution_id != institution.pk):
                form.add_error("person", _("Unknown person: %(person)s does not work in %(institution)s.")
                               % {"person": data["person"], "institution": institution})
                ok = False
        return ok

    def preview(self) -> dict:
        """What the requester would see: the fields whose rows are valid so far, and the approvers."""
        fields, skipped = [], 0
        if self.fields.is_bound:
            self.fields.is_valid()
            for index, form in enumerate(self.fields.forms):
                if self.fields._should_delete_form(form) or not (
                        form.has_changed() or index < self.fields.initial_form_count()):
                    continue
                if form.is_valid():
                    fields.append((form.cleaned_data.get(ORDERING_FIELD_NAME) or 10_000 + index, form.to_json()))
                else:
                    skipped += 1
        steps = []
        if self.steps.is_bound:
            self.steps.is_valid()
            for index, form in enumerate(self.steps.forms):
                if self.steps._should_delete_form(form) or not form.is_valid() or not (
                        form.has_changed() or index < self.steps.initial_form_count()):
                    continue
                data = form.cleaned_data
                label = data.get("label") or {"position": data.get("position"),
                                              "person": data.get("person")}.get(data["kind"]) or APPROVER_KINDS[data["kind"]]
                steps.append((data.get(ORDERING_FIELD_NAME) or 10_000 + index, label))
        return {"preview_fields": [f for _o, f in sorted(fields, key=lambda r: r[0])], "skipped": skipped,
                "preview_steps": [s for _o, s in sorted(steps, key=lambda r: r[0])]}


class EditorJSONWidget(forms.HiddenInput):
    """Never rendered; never "omitted", so an empty list written by the editor replaces the old value."""

    def value_omitted_from_data(self, data, files, name):
        return False


class EditorJSONField(forms.Field):
    widget = EditorJSONWidget

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)


class TypeEditorMixin:
    """For RequestTypeForm: the editor's JSON replaces the four JSON fields; the model's own
    validation still runs on the result; nothing is saved when any row is wrong."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in EDITOR_FIELDS:
            self.fields[name] = EditorJSONField(label=self._meta.model._meta.get_field(name).verbose_name)
        user = getattr(self.request, "user", None)
        self.editor = TypeEditor(self.data if self.is_bound else None, instance=self.instance, user=user)

    def clean(self):
        cleaned = super().clean()
        values = self.editor.clean(cleaned.get("service"))
        if values is None:
            for name in EDITOR_FIELDS:
                cleaned.pop(name, None)
            raise ValidationError(_("Nothing was saved: correct the marked rows of the editor."))
        cleaned.update(values)
        return cleaned
