"""Assets reports: the figures, computed in the database with grouped queries (300,000 devices
are counted by ``GROUP BY``, never walked in Python; Python only names the groups and adds up
the totals).

Every function takes the user first and covers only the records that user may see: their assets
view scope together with their "reports" view scope (like the service-desk reports), then the
optional filters ``institution``, ``unit`` (with the units below it) and ``device_type``.
Devices archived (recorded by mistake) are left out; disposed ones only where said.
"""

from __future__ import annotations

import datetime

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bilge.assets.models import (
    Certificate,
    Contract,
    Device,
    DeviceType,
    Licence,
    MovementLine,
    Software,
    StockLevel,
)
from bilge.core.permissions import grants_for, has_module_perm, scope_filter

S = Device.Status
ACTIVE = tuple(Device.ACTIVE_STATUSES)
ROW_LIMIT = 2000  # rows of a per-person or per-item section (the largest first)
# Age bands by purchase year: (key, label, youngest, oldest) in years (this year − purchase year).
AGE_BANDS = (
    ("y0_1", _("0–1 years"), 0, 1),
    ("y2_3", _("2–3 years"), 2, 3),
    ("y4_5", _("4–5 years"), 4, 5),
    ("y6_9", _("6–9 years"), 6, 9),
    ("y10", _("10 years or more"), 10, None),
    ("unknown", _("purchase date unknown"), None, None),
)
WARRANTY_SOON = 90


def may_view_reports(user) -> bool:
    """The reports pages are for those with the reports view right, or an assets view right wider
    than their own devices (unit managers, IT staff, the taşınır officers, auditors)."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return True
    return has_module_perm(user, "reports", "view") or any(
        g.scope != "own" for g in grants_for(user, "assets", "view"))


def scoped(user, model):
    """``model``'s rows in the user's assets view scope or their reports view scope."""
    scopes = [q for q in (scope_filter(user, model, "view"), scope_filter(user, model, "view", module="reports"))
              if q is not None]
    if not scopes:
        return model.objects.none()
    qs = model.objects.all()
    if all(scopes):
        combined = scopes[0]
        for q in scopes[1:]:
            combined = combined | q
        qs = qs.filter(combined)
    return qs.order_by()


def _id(value):
    return getattr(value, "pk", value)


def devices_for(user, institution=None, unit=None, device_type=None, with_disposed=False):
    qs = scoped(user, Device).filter(archived_at__isnull=True)
    if not with_disposed:
        qs = qs.exclude(status=S.DISPOSED)
    if institution is not None:
        qs = qs.filter(institution_id=_id(institution))
    if unit is not None:
        from bilge.core.models import Unit

        qs = qs.filter(unit_id__in=Unit.objects.descendant_ids(_id(unit)))
    if device_type is not None:
        qs = qs.filter(device_type_id=_id(device_type))
    return qs


# --- naming groups ----------------------------------------------------------------------------------

def _names(model, ids, label) -> dict:
    ids = [i for i in ids if i is not None]
    return {obj.pk: label(obj) for obj in model.objects.filter(pk__in=ids)} if ids else {}


def _unit_names(ids):
    from bilge.core.models import Unit

    return _names(Unit, ids, lambda u: u.name)


def _type_names(ids):
    return _names(DeviceType, ids, lambda t: t.name)


def _person_names(ids):
    from bilge.core.models import Person

    return {p.pk: (p.full_name, p.unit.name) for p in Person.objects.filter(pk__in=[i for i in ids if i])
            .select_related("unit")}


def _rows(grouped, key: str, names: dict, none_label, keys, sort_by_label=True) -> list[dict]:
    rows = []
    for row in grouped:
        pk = row[key]
        rows.append({"key": pk, "label": names.get(pk, none_label if pk is None else str(pk)),
                     **{k: row.get(k) or 0 for k in keys}})
    if sort_by_label:
        rows.sort(key=lambda r: (r["key"] is None, str(r["label"]).casefold()))
    return rows


TOTAL = _("Total")


def _total(rows, keys) -> dict:
    return {"label": TOTAL, **{k: sum(r.get(k) or 0 for r in rows) for k in keys}}


STATUS_KEYS = ACTIVE + ("total",)


def _status_counts():
    return {**{s: Count("pk", filter=Q(status=s)) for s in ACTIVE}, "total": Count("pk")}


# --- devices ----------------------------------------------------------------------------------------

def devices_by_unit(user, **filters) -> dict:
    grouped = devices_for(user, **filters).values("unit_id").annotate(**_status_counts())
    rows = _rows(grouped, "unit_id", _unit_names([g["unit_id"] for g in grouped]), _("(no unit)"), STATUS_KEYS)
    return {"by_unit": rows, "total": _total(rows, STATUS_KEYS)}


def devices_by_type(user, **filters) -> dict:
    grouped = devices_for(user, **filters).values("device_type_id").annotate(**_status_counts())
    rows = _rows(grouped, "device_type_id", _type_names([g["device_type_id"] for g in grouped]), "", STATUS_KEYS)
    return {"by_type": rows, "total": _total(rows, STATUS_KEYS)}


def devices_by_status(user, **filters) -> dict:
    qs = devices_for(user, with_disposed=True, **filters)
    counts = dict(qs.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    total = sum(counts.values())
    rows = [{"key": s, "label": S(s).label, "devices": counts.get(s, 0),
             "share": round(100.0 * counts.get(s, 0) / total, 1) if total else None} for s in S.values]
    return {"by_status": rows, "total": {"label": _("Total"), "devices": total, "share": 100.0 if total else None}}


def _band(age):
    if age is None:
        return "unknown"
    for key, _label, low, high in AGE_BANDS:
        if low is not None and age >= low and (high is None or age <= high):
            return key
    return "y0_1"  # bought "next year": a date typed ahead


def devices_by_age(user, today: datetime.date | None = None, **filters) -> dict:
    year = (today or timezone.localdate()).year
    keys = [b[0] for b in AGE_BANDS] + ["total"]
    grouped = (devices_for(user, **filters).annotate(bought=ExtractYear("purchase_date"))
               .values("device_type_id", "bought").annotate(n=Count("pk")))
    by_type: dict = {}
    for row in grouped:
        band = _band(None if row["bought"] is None else year - row["bought"])
        counts = by_type.setdefault(row["device_type_id"], dict.fromkeys(keys, 0))
        counts[band] += row["n"]
        counts["total"] += row["n"]
    names = _type_names(list(by_type))
    rows = _rows([{"device_type_id": k, **v} for k, v in by_type.items()], "device_type_id", names, "", keys)
    total = _total(rows, keys)
    bands = [{"key": key, "label": label, "devices": total[key],
              "share": round(100.0 * total[key] / total["total"], 1) if total["total"] else None}
             for key, label, _low, _high in AGE_BANDS]
    return {"by_band": bands, "by_type": rows, "total": total}


# --- custody ----------------------------------------------------------------------------------------

def custody(user, **filters) -> dict:
    """Devices held by people now (set by the Taşınır Teslim Belgeleri): per person and per unit."""
    held = devices_for(user, **filters).filter(holder__isnull=False)
    keys = ("devices", "in_use", "lent", "in_repair")
    counts = {"devices": Count("pk"), "in_use": Count("pk", filter=Q(status=S.IN_USE)),
              "lent": Count("pk", filter=Q(status=S.LENT)), "in_repair": Count("pk", filter=Q(status=S.IN_REPAIR))}
    people = list(held.values("holder_id").annotate(**counts).order_by("-devices", "holder_id")[:ROW_LIMIT])
    names = _person_names([p["holder_id"] for p in people])
    by_person = [{"key": p["holder_id"], "label": names.get(p["holder_id"], ("", ""))[0],
                  "unit": names.get(p["holder_id"], ("", ""))[1], **{k: p[k] for k in keys}} for p in people]
    units = held.values(unit_key=F("holder__unit_id")).annotate(
        holders=Count("holder_id", distinct=True), **counts)
    unit_keys = ("holders",) + keys
    by_unit = _rows(units, "unit_key", _unit_names([u["unit_key"] for u in units]), "", unit_keys)
    return {"by_person": by_person, "by_unit": by_unit, "total": _total(by_unit, unit_keys)}


# --- warranty ---------------------------------------------------------------------------------------

WARRANTY_KEYS = ("ended", "ending", "covered", "unknown", "total")


def warranty(user, today: datetime.date | None = None, **filters) -> dict:
    """Active devices by their warranty: ended, ending within 90 days, covered, no date."""
    today = today or timezone.localdate()
    soon = today + datetime.timedelta(days=WARRANTY_SOON)
    counts = {"ended": Count("pk", filter=Q(warranty_end__lt=today)),
              "ending": Count("pk", filter=Q(warranty_end__gte=today, warranty_end__lt=soon)),
              "covered": Count("pk", filter=Q(warranty_end__gte=soon)),
              "unknown": Count("pk", filter=Q(warranty_end__isnull=True)), "total": Count("pk")}
    qs = devices_for(user, **filters)
    units = qs.values("unit_id").annotate(**counts)
    types = qs.values("device_type_id").annotate(**counts)
    by_unit = _rows(units, "unit_id", _unit_names([u["unit_id"] for u in units]), _("(no unit)"), WARRANTY_KEYS)
    by_type = _rows(types, "device_type_id", _type_names([t["device_type_id"] for t in types]), "", WARRANTY_KEYS)
    return {"by_unit": by_unit, "by_type": by_type, "total": _total(by_unit, WARRANTY_KEYS)}


# --- stock ------------------------------------------------------------------------------------------

def stock(user, date_from: datetime.date, date_to: datetime.date, institution=None, unit=None,
          device_type=None) -> dict:
    """Stock levels now (below the reorder level marked) and consumption (accepted issues) in the
    period: by item, by receiving unit, by printer."""
    from bilge.assets.models import Movement

    levels = scoped(user, StockLevel).select_related("warehouse", "item")
    if institution is not None:
        levels = levels.filter(warehouse__institution_id=_id(institution))
    level_rows = []
    for level in levels.order_by("warehouse__code", "item__name")[:ROW_LIMIT]:
        level_rows.append({"key": level.pk, "label": f"{level.warehouse.code} · {level.item}",
                           "measure": level.item.measure, "quantity": level.quantity, "reorder": level.threshold,
                           "below": "✓" if level.below_reorder else ""})
    movements = scoped(user, Movement).filter(kind="issue", state="accepted", date__gte=date_from, date__lte=date_to)
    if institution is not None:
        movements = movements.filter(institution_id=_id(institution))
    lines = MovementLine.objects.filter(movement__in=movements.values("pk"), item__isnull=False).order_by()
    if unit is not None:
        from bilge.core.models import Unit

        lines = lines.filter(movement__to_unit_id__in=Unit.objects.descendant_ids(_id(unit)))
    by_item = [{"key": r["item_id"], "label": f"{r['item__code']} {r['item__name']}", "measure": r["item__measure"],
                "quantity": r["quantity"], "issues": r["issues"]}
               for r in lines.values("item_id", "item__code", "item__name", "item__measure")
               .annotate(quantity=Sum("quantity"), issues=Count("movement_id", distinct=True))
               .order_by("-quantity")[:ROW_LIMIT]]
    units = lines.values("movement__to_unit_id").annotate(quantity=Sum("quantity"),
                                                          issues=Count("movement_id", distinct=True))
    by_unit = _rows(units, "movement__to_unit_id", _unit_names([u["movement__to_unit_id"] for u in units]),
                    _("(to a person or warehouse)"), ("quantity", "issues"))
    printers = list(lines.filter(for_device__isnull=False).values("for_device_id", "for_device__sicil_no")
                    .annotate(quantity=Sum("quantity"), issues=Count("movement_id", distinct=True))
                    .order_by("-quantity")[:ROW_LIMIT])
    by_printer = [{"key": p["for_device_id"], "label": p["for_device__sicil_no"], "quantity": p["quantity"],
                   "issues": p["issues"]} for p in printers]
    return {"levels": level_rows, "by_item": by_item, "by_unit": by_unit, "by_printer": by_printer}


# --- licences ---------------------------------------------------------------------------------------

def licence_compliance(user, institution=None, today: datetime.date | None = None, **_filters) -> dict:
    from bilge.assets.services.software import software_compliance

    software = scoped(user, Software).filter(archived_at__isnull=True)
    if institution is not None:
        software = software.filter(institution_id=_id(institution))
    figures = software_compliance(software, today)
    names = dict(software.values_list("pk", "name"))
    rows = []
    for pk, c in figures.items():
        rows.append({"key": pk, "label": names[pk], "owned": c.owned, "assigned": c.assigned,
                     "installed": c.installed, "shortfall": c.shortfall, "status": c.status_label})
    rows.sort(key=lambda r: (-r["shortfall"], str(r["label"]).casefold()))
    return {"by_software": rows}


# --- expiring ---------------------------------------------------------------------------------------

def expiring(user, days: int = 90, institution=None, today: datetime.date | None = None, **_filters) -> dict:
    """Contracts, licences and certificates that end within ``days`` days, soonest first."""
    today = today or timezone.localdate()
    end = today + datetime.timedelta(days=days)

    def limit(qs):
        qs = qs.filter(archived_at__isnull=True)
        return qs.filter(institution_id=_id(institution)) if institution is not None else qs

    contracts = [{"key": c.pk, "label": f"{c.number} {c.title}", "vendor": c.vendor, "end": c.end_date,
                  "days": (c.end_date - today).days, "devices": c.n}
                 for c in limit(scoped(user, Contract)).filter(end_date__gte=today, end_date__lte=end)
                 .annotate(n=Count("devices")).order_by("end_date", "pk")[:ROW_LIMIT]]
    licences = [{"key": lic.pk, "label": lic.software.name, "kind": lic.get_kind_display(), "seats": lic.quantity,
                 "end": lic.expiry_date, "days": (lic.expiry_date - today).days}
                for lic in limit(scoped(user, Licence)).filter(expiry_date__gte=today, expiry_date__lte=end)
                .select_related("software").order_by("expiry_date", "pk")[:ROW_LIMIT]]
    certificates = [{"key": c.pk, "label": c.subject, "kind": c.get_kind_display(),
                     "holder": c.holder.full_name if c.holder_id else "", "end": c.valid_to,
                     "days": (c.valid_to - today).days, "renewable": c.renewable_from}
                    for c in limit(scoped(user, Certificate)).filter(revoked_at__isnull=True, valid_to__gte=today,
                                                                     valid_to__lte=end)
                    .select_related("holder").order_by("valid_to", "pk")[:ROW_LIMIT]]
    return {"contracts": contracts, "licences": licences, "certificates": certificates}
