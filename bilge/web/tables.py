"""List columns: one definition drives the HTML table, sorting and the Excel/CSV export.

(We do not use django-tables2: choosable columns, Turkish collation sorting and the export
share this small definition, which django-tables2 would need overriding for all three.)"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.formats import date_format, number_format
from django.utils.html import format_html


@functools.cache
def _parts(accessor: str) -> tuple[str, ...]:
    return tuple(accessor.split("."))


@functools.cache
def _choice_labels(model, name: str) -> dict | None:
    """{value: label} of a field with choices whose ``get_<name>_display`` is Django's own (a
    model may define its own, which is then called); the labels stay lazy (the reader's language)."""
    display = inspect.getattr_static(model, f"get_{name}_display", None)
    if not isinstance(display, functools.partialmethod):
        return None
    try:
        field = model._meta.get_field(name)
    except Exception:  # noqa: BLE001 - not a field (a property of the same name)
        return None
    return {key: label for key, label in field.flatchoices} if field.flatchoices else None


@dataclass
class Column:
    name: str
    label: Any
    accessor: str | Callable | None = None     # attribute path ("unit.name") or callable(obj)
    sort: tuple[str, ...] = ()                  # ORM fields to order by; empty: not sortable
    turkish: bool = True                        # sort text in Turkish alphabetical order
    link: bool = False                          # link to the object's page
    default: bool = True                        # shown unless the user chose otherwise
    export: Callable | None = None              # value for Excel/CSV when different from display

    def value(self, obj):
        accessor = self.accessor or self.name
        if callable(accessor):
            return accessor(obj)
        value = obj
        for part in _parts(accessor):
            if value is None:
                return None
            labels = _choice_labels(type(value), part)
            if labels is not None:  # what get_<part>_display() gives, without building its dict per cell
                raw = getattr(value, part, None)
                value = labels.get(raw, raw)
                continue
            display = getattr(value, f"get_{part}_display", None)
            value = display() if display else getattr(value, part, None)
            if callable(value) and not hasattr(value, "all"):
                value = value()
        return value

    def export_value(self, obj):
        value = self.export(obj) if self.export else self.value(obj)
        if value is None:
            return ""
        if isinstance(value, bool):
            return "✓" if value else ""
        return value if isinstance(value, (int, float)) or hasattr(value, "isoformat") else str(value)

    def render(self, obj):
        value = self.value(obj)
        if value is None or value == "":
            text = "—"
        elif isinstance(value, bool):
            text = "✓" if value else "—"
        elif hasattr(value, "hour") and hasattr(value, "date"):
            text = date_format(value, "SHORT_DATETIME_FORMAT")
        elif hasattr(value, "isoformat"):
            text = date_format(value, "SHORT_DATE_FORMAT")
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            text = number_format(value, force_grouping=True)
        else:
            text = str(value)
        if self.link and hasattr(obj, "get_absolute_url"):
            return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), text)
        return text


@dataclass
class Table:
    columns: list[Column]
    default_sort: tuple[str, ...] = ()
    select_related: tuple[str, ...] = ()
    # Small catalogue tables (types, models) read once per page instead of joined: each join
    # costs PostgreSQL planning time on every page.
    prefetch_related: tuple[str, ...] = ()
    # Fields the list and its export never show (long texts, JSON): not loaded, so a page of
    # 50 rows does not read and copy kilobytes per row.
    defer: tuple[str, ...] = ()
    extra: dict = field(default_factory=dict)

    def by_name(self) -> dict[str, Column]:
        return {c.name: c for c in self.columns}

    def default_names(self) -> list[str]:
        return [c.name for c in self.columns if c.default]
