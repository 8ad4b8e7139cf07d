"""Request forms as data: validating a form definition (what an administrator writes) and the
answers to it (what a requester submits).

A form is a list of fields:
``{"key": "system", "type": "choice", "label_tr": "Sistem", "label_en": "System",
   "required": true, "help_tr": "...", "help_en": "...", "choices": [["ebys", "EBYS"], ["ybs", "YBS"]]}``
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from bilge.servicedesk.models.catalog import APPROVER_KINDS, FIELD_TYPES

KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def _label(field: dict) -> str:
    lang = (get_language() or "tr")[:2]
    return field.get(f"label_{lang}") or field.get("label_tr") or field.get("key", "")


def validate_schema(schema) -> None:
    if not isinstance(schema, list):
        raise ValidationError(_("The form must be a list of fields."))
    errors, keys = [], set()
    for index, field in enumerate(schema, start=1):
        if not isinstance(field, dict):
            errors.append(_("Field %(n)s is not an object.") % {"n": index})
            continue
        key = field.get("key", "")
        if not KEY.match(str(key)):
            errors.append(_("Field %(n)s: the key must be lower-case letters, digits and _.") % {"n": index})
        elif key in keys:
            errors.append(_("Field %(n)s: the key %(key)s is used twice.") % {"n": index, "key": key})
        keys.add(key)
        if field.get("type") not in FIELD_TYPES:
            errors.append(_("Field %(n)s: unknown type %(type)s.") % {"n": index, "type": field.get("type")})
        if not field.get("label_tr"):
            errors.append(_("Field %(n)s needs a Turkish label.") % {"n": index})
        if field.get("type") in ("choice", "multichoice"):
            choices = field.get("choices")
            if not choices or not all(isinstance(c, list) and len(c) == 2 for c in choices):
                errors.append(_("Field %(n)s: choices must be [value, label] pairs.") % {"n": index})
    if errors:
        raise ValidationError(errors)


def validate_approval_chain(chain) -> None:
    if not isinstance(chain, list):
        raise ValidationError(_("The approval chain must be a list of steps."))
    errors = []
    for index, step in enumerate(chain, start=1):
        kind = step.get("kind") if isinstance(step, dict) else None
        if kind not in APPROVER_KINDS:
            errors.append(_("Step %(n)s: unknown approver %(kind)s.") % {"n": index, "kind": kind})
        elif kind == "position" and not step.get("position"):
            errors.append(_("Step %(n)s names no position.") % {"n": index})
        elif kind == "person" and not step.get("registration_no"):
            errors.append(_("Step %(n)s names no person (registration no).") % {"n": index})
    if errors:
        raise ValidationError(errors)


def validate_sla(sla) -> None:
    """{"1": {"response": 30, "resolution": 240}, …}: business minutes per priority 1–4."""
    if not isinstance(sla, dict):
        raise ValidationError(_("The SLA targets must be an object keyed by priority."))
    errors = []
    for priority, target in sla.items():
        if str(priority) not in ("1", "2", "3", "4"):
            errors.append(_("Unknown priority %(p)s (1–4).") % {"p": priority})
            continue
        ok = isinstance(target, dict) and all(
            isinstance(target.get(k), int) and not isinstance(target.get(k), bool) and target[k] > 0
            for k in ("response", "resolution"))
        if not ok or target["response"] > target["resolution"]:
            errors.append(_("Priority %(p)s: response and resolution are positive minutes, response not after "
                            "resolution.") % {"p": priority})
    if errors:
        raise ValidationError(errors)


def validate_phases(phases) -> None:
    if not isinstance(phases, list) or not all(
            isinstance(p, dict) and KEY.match(str(p.get("key", ""))) and p.get("name_tr") for p in phases):
        raise ValidationError(_("Phases are a list of {key, name_tr, name_en}."))
    keys = [p["key"] for p in phases]
    if len(keys) != len(set(keys)):
        raise ValidationError(_("Phase keys must be unique."))


def clean_answers(schema: list, data: dict, *, institution=None) -> dict:
    """The answers, typed and checked against the form; ValidationError maps field keys to
    messages. Keys not in the form are dropped."""
    from bilge.core.models import Person, Unit

    cleaned, errors = {}, {}
    data = data or {}
    for field in schema:
        key, kind = field["key"], field["type"]
        raw = data.get(key)
        empty = raw is None or raw == "" or raw == []
        if empty:
            if field.get("required"):
                errors[key] = [_("%(label)s is required.") % {"label": _label(field)}]
            continue
        try:
            if kind in ("text", "textarea"):
                value = str(raw).strip()
                if len(value) > (200 if kind == "text" else 5000):
                    raise ValueError(_("too long"))
            elif kind == "number":
                value = str(Decimal(str(raw).replace(",", ".")))
            elif kind == "date":
                value = _parse_date(str(raw)).isoformat()
            elif kind == "choice":
                allowed = {str(c[0]) for c in field.get("choices", [])}
                value = str(raw)
                if value not in allowed:
                    raise ValueError(_("not one of the choices"))
            elif kind == "multichoice":
                allowed = {str(c[0]) for c in field.get("choices", [])}
                value = [str(v) for v in (raw if isinstance(raw, list) else [raw])]
                if not set(value) <= allowed:
                    raise ValueError(_("not one of the choices"))
            elif kind == "person":
                qs = Person.objects.filter(pk=int(raw))
                if institution is not None:
                    qs = qs.filter(institution=institution)
                if not qs.exists():
                    raise ValueError(_("no such person"))
                value = int(raw)
            elif kind == "unit":
                qs = Unit.objects.filter(pk=int(raw))
                if institution is not None:
                    qs = qs.filter(institution=institution)
                if not qs.exists():
                    raise ValueError(_("no such unit"))
                value = int(raw)
            else:  # device, file: a reference kept as text until those modules link them
                value = str(raw)[:200]
        except (ValueError, TypeError, InvalidOperation) as exc:
            errors[key] = [_("%(label)s: %(problem)s.") % {"label": _label(field), "problem": exc}]
            continue
        cleaned[key] = value
    if errors:
        raise ValidationError(errors)
    return cleaned


def _parse_date(text: str) -> datetime.date:
    for fmt in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise ValueError(_("not a date (dd.mm.yyyy)"))


def labelled_answers(schema: list, answers: dict) -> list[tuple[str, object]]:
    """(label, answer) pairs in form order, for showing a ticket (with the form it was filled with)."""
    rows = []
    for field in schema:
        if field["key"] in answers:
            value = answers[field["key"]]
            choices = {str(c[0]): c[1] for c in field.get("choices", [])}
            if field["type"] == "choice":
                value = choices.get(value, value)
            elif field["type"] == "multichoice":
                value = ", ".join(choices.get(v, v) for v in value)
            rows.append((_label(field), value))
    return rows
