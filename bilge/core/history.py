"""The History tab: an object's audit entries with field names and related objects resolved."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from bilge.core.audit import MASK, object_type_of
from bilge.core.models import AuditEntry


@dataclass
class Change:
    label: str
    before: str
    after: str


@dataclass
class HistoryRow:
    entry: AuditEntry
    changes: list[Change]


class LazyHistory:
    """A sliceable sequence for the paginator: resolves labels only for the page shown."""

    def __init__(self, obj):
        self.model = type(obj)
        self.qs = AuditEntry.objects.filter(object_type=object_type_of(self.model), object_id=str(obj.pk)).order_by("-id")

    def count(self):
        return self.qs.count()

    def __len__(self):
        return self.count()

    def __getitem__(self, item):
        entries = list(self.qs[item]) if isinstance(item, slice) else [self.qs[item]]
        rows = resolve(self.model, entries)
        return rows if isinstance(item, slice) else rows[0]


def history_rows(obj):
    return LazyHistory(obj)


def _display(field, value, labels) -> str:
    if value is None or value == "":
        return "—"
    if value == MASK:
        return MASK
    if field is not None and field.is_relation and field.many_to_one:
        return labels.get((field.related_model, value), f"#{value}")
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "✓" if value else "✗"
    return str(value)


def resolve(model, entries) -> list[HistoryRow]:
    wanted = defaultdict(set)
    fields = {}
    for entry in entries:
        for name, pair in (entry.changes or {}).items():
            try:
                field = model._meta.get_field(name)
            except Exception:
                field = None
            if field is not None and not getattr(field, "concrete", False):
                field = None  # a reverse relation's name used as a key of a recorded action
            fields[name] = field
            if field is not None and field.is_relation and field.many_to_one and isinstance(pair, list):
                for v in pair:
                    if v not in (None, "", MASK):
                        wanted[field.related_model].add(v)
    labels = {}
    for related, ids in wanted.items():
        for o in related._base_manager.filter(pk__in=ids):
            labels[(related, o.pk)] = str(o)
    rows = []
    for entry in entries:
        changes = []
        for name, pair in (entry.changes or {}).items():
            field = fields.get(name)
            label = str(field.verbose_name) if field is not None and hasattr(field, "verbose_name") else name
            if isinstance(pair, list) and len(pair) == 2:
                changes.append(Change(label, _display(field, pair[0], labels), _display(field, pair[1], labels)))
            else:
                changes.append(Change(label, "", str(pair)))
        rows.append(HistoryRow(entry, changes))
    return rows
