"""The built-in request catalog: IT services and request types, as data in
``bilge/servicedesk/catalog/default.yaml`` (format: docs/design/catalog.md), loaded into an
institution that was created from a preset (``Institution.slug`` is the preset's name).

Like ``bilge.core.services.load_preset`` the load is an idempotent upsert in one transaction:
loading the same file twice changes nothing (and writes no audit entry); a changed file updates
what changed; a request type removed from the file is archived, never deleted, so its tickets
keep their type. Services are keyed by (institution, code), request types by (service, code),
duties by their ref in the institution's regulation.

Writes are attributed in the audit trail to the source ``catalog`` (the user of the context is
kept). That source is also how the loader knows which types it created: a type an administrator
added in the interface is never archived by a load, and a type an administrator archived is
not brought back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction

from bilge.core import audit
from bilge.core.models import AuditEntry, Duty, Institution, Regulation, Unit
from bilge.servicedesk.models import RequestType, Service

CATALOG_DIR = Path(__file__).resolve().parent / "catalog"
DEFAULT_CATALOG = CATALOG_DIR / "default.yaml"
AUDIT_SOURCE = "catalog"
ARCHIVE_REASON = "Yerleşik katalogdan kaldırıldı."  # removed from the built-in catalog
PRIORITIES = ("1", "2", "3", "4")

SERVICE_KEYS = {"code", "name", "units"}
TYPE_REQUIRED = {"code", "service", "kind", "name_tr", "name_en", "help_tr", "help_en", "keywords",
                 "default_impact", "default_urgency", "sla", "approval_chain", "form"}
TYPE_OPTIONAL = {"duties", "requires_legal_basis", "phases", "category"}
# Model fields a type sets (besides service, code and the duties).
TYPE_FIELDS = ("name_tr", "name_en", "help_tr", "help_en", "kind", "category", "keywords", "form", "approval_chain",
               "default_impact", "default_urgency", "sla", "requires_legal_basis")
SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


class CatalogError(ValueError):
    """The catalog file is wrong, or does not fit the institution (unknown unit or duty)."""


@dataclass
class CatalogResult:
    institution: Institution
    created: dict = field(default_factory=dict)
    updated: dict = field(default_factory=dict)
    archived: dict = field(default_factory=dict)
    removed: dict = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return any(any(d.values()) for d in (self.created, self.updated, self.archived, self.removed))

    def count(self, bucket: dict, key: str, n: int = 1) -> None:
        if n:
            bucket[key] = bucket.get(key, 0) + n


# --- reading and checking the file ---------------------------------------------------------------

def read_catalog(path: str | Path | None = None) -> dict:
    """The catalog file, checked and normalized (SLA profiles resolved, keywords joined, SLA
    priorities as strings). Raises CatalogError with the offending service or type named."""
    path = Path(path) if path else DEFAULT_CATALOG
    if not path.exists():
        raise CatalogError(f"No catalog file {path}.")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CatalogError(f"The catalog file {path.name} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("services"), list) or not isinstance(
            data.get("types"), list):
        raise CatalogError(f"The catalog file {path.name} needs the lists 'services' and 'types'.")
    profiles = data.get("sla_profiles") or {}
    if not isinstance(profiles, dict):
        raise CatalogError("'sla_profiles' must map profile names to SLA targets.")
    profiles = {name: _check_sla(f"SLA profile {name}", value) for name, value in profiles.items()}

    services = {}
    for item in data["services"]:
        code = item.get("code") if isinstance(item, dict) else None
        where = f"Service {code}" if code else f"Service {item!r}"
        if not isinstance(item, dict) or not code:
            raise CatalogError(f"{where}: a service needs a code.")
        _check_keys(where, item, SERVICE_KEYS, set())
        if not SLUG.match(str(code)) or len(code) > 40:
            raise CatalogError(f"{where}: the code must be lower-case letters, digits, - and _ (at most 40).")
        if code in services:
            raise CatalogError(f"{where} is defined twice.")
        if not isinstance(item["units"], dict) or not all(isinstance(v, str) and v for v in item["units"].values()):
            raise CatalogError(f"{where}: 'units' must map preset names to unit codes.")
        services[code] = {"code": code, "name": str(item["name"]).strip(), "units": dict(item["units"])}

    types, seen = [], set()
    kinds = set(RequestType.Kind.values)
    for item in data["types"]:
        code = item.get("code") if isinstance(item, dict) else None
        where = f"Request type {code}" if code else f"Request type {item!r}"
        if not isinstance(item, dict) or not code:
            raise CatalogError(f"{where}: a request type needs a code.")
        _check_keys(where, item, TYPE_REQUIRED, TYPE_OPTIONAL)
        if not SLUG.match(str(code)) or len(code) > 50:
            raise CatalogError(f"{where}: the code must be lower-case letters, digits, - and _ (at most 50).")
        if code in seen:
            raise CatalogError(f"{where} is defined twice.")
        seen.add(code)
        if item["service"] not in services:
            raise CatalogError(f"{where}: unknown service {item['service']!r}.")
        if item["kind"] not in kinds:
            raise CatalogError(f"{where}: unknown kind {item['kind']!r} (one of {', '.join(sorted(kinds))}).")
        for name in ("default_impact", "default_urgency"):
            if item[name] not in (1, 2, 3):
                raise CatalogError(f"{where}: {name} is 1 (high), 2 or 3 (low).")
        sla = item["sla"]
        if isinstance(sla, str):
            if sla not in profiles:
                raise CatalogError(f"{where}: unknown SLA profile {sla!r}.")
            sla = profiles[sla]
        else:
            sla = _check_sla(where, sla)
        keywords = item["keywords"]
        if isinstance(keywords, list):
            keywords = " ".join(str(word).strip() for word in keywords if str(word).strip())
        duties = item.get("duties") or {}
        if not isinstance(duties, dict) or not all(isinstance(refs, list) for refs in duties.values()):
            raise CatalogError(f"{where}: 'duties' must map preset names to lists of duty refs.")
        for preset, refs in duties.items():
            if len(set(refs)) != len(refs):
                raise CatalogError(f"{where}: a duty is listed twice for {preset}.")
        requires_legal_basis = bool(item.get("requires_legal_basis", False))
        if requires_legal_basis and not any(
                isinstance(f, dict) and f.get("key") == "legal_basis" and f.get("required")
                for f in item["form"] or []):
            raise CatalogError(f"{where}: a type that requires a legal basis needs a required form field "
                               f"'legal_basis'.")
        phases = item.get("phases") or []
        if not isinstance(phases, list) or not all(
                isinstance(p, dict) and p.get("key") and p.get("name_tr") for p in phases):
            raise CatalogError(f"{where}: 'phases' must be a list of {{key, name_tr, name_en}}.")
        types.append({
            "code": code, "service": item["service"], "kind": item["kind"],
            "name_tr": str(item["name_tr"]).strip(), "name_en": str(item["name_en"]).strip(),
            "help_tr": str(item["help_tr"]).strip(), "help_en": str(item["help_en"]).strip(),
            "keywords": str(keywords).strip(), "category": str(item.get("category") or "").strip()[:100],
            "form": item["form"] or [], "approval_chain": item["approval_chain"] or [],
            "default_impact": item["default_impact"], "default_urgency": item["default_urgency"], "sla": sla,
            "requires_legal_basis": requires_legal_basis, "phases": phases,
            "duties": {preset: [str(ref) for ref in refs] for preset, refs in duties.items()},
        })
    return {"catalog": data.get("catalog") or path.stem, "services": list(services.values()), "types": types}


def _check_keys(where: str, item: dict, required: set, optional: set) -> None:
    missing = sorted(required - item.keys())
    if missing:
        raise CatalogError(f"{where} lacks: {', '.join(missing)}.")
    unknown = sorted(item.keys() - required - optional)
    if unknown:
        raise CatalogError(f"{where}: unknown keys {', '.join(unknown)}.")


def _check_sla(where: str, value) -> dict:
    """{"1": {"response": minutes, "resolution": minutes}, … "4": …} with whole business minutes."""
    if not isinstance(value, dict) or {str(k) for k in value} != set(PRIORITIES):
        raise CatalogError(f"{where}: SLA targets are needed for exactly the priorities 1, 2, 3 and 4.")
    sla = {}
    for priority, targets in value.items():
        if not isinstance(targets, dict) or set(targets) != {"response", "resolution"}:
            raise CatalogError(f"{where}: priority {priority} needs 'response' and 'resolution' (business minutes).")
        response, resolution = targets["response"], targets["resolution"]
        if not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in (response, resolution)):
            raise CatalogError(f"{where}: priority {priority}: the targets are whole minutes above zero.")
        if response > resolution:
            raise CatalogError(f"{where}: priority {priority}: the response target exceeds the resolution target.")
        sla[str(priority)] = {"response": response, "resolution": resolution}
    return {p: sla[p] for p in PRIORITIES}


# --- loading ----------------------------------------------------------------------------------

@transaction.atomic
def load_catalog(institution_slug: str, path: str | Path | None = None) -> CatalogResult:
    """Create or bring up to date the IT services and request types of the institution loaded
    from the preset ``institution_slug``. Nothing is written when anything is wrong."""
    catalog = read_catalog(path)
    institution = Institution.objects.filter(slug=institution_slug).first()
    if institution is None:
        raise CatalogError(f"No institution {institution_slug!r}: load its preset first "
                           f"(bilge load_preset {institution_slug}).")
    preset = institution.slug
    regulation = Regulation.objects.filter(institution=institution, preset=preset).first()
    if regulation is None:
        raise CatalogError(f"{institution.name} has no regulation loaded from the preset {preset!r}.")
    units = {unit.code: unit for unit in Unit.objects.filter(institution=institution)}
    duties = {duty.ref: duty for duty in Duty.objects.filter(regulation=regulation)}
    _check_references(catalog, preset, units, duties, institution)

    result = CatalogResult(institution=institution)
    with audit.audit_context(source=AUDIT_SOURCE):
        services = {}
        for item in catalog["services"]:
            services[item["code"]] = _upsert(
                Service, {"institution": institution, "code": item["code"]},
                {"unit": units[item["units"][preset]], "name": item["name"]}, result,
                where=f"Service {item['code']}")
        has_phases = any(f.name == "phases" for f in RequestType._meta.get_fields())
        loaded = set()
        for item in catalog["types"]:
            values = {name: item[name] for name in TYPE_FIELDS}
            if has_phases:  # stored once the model has a place for the phases (docs/design/catalog.md)
                values["phases"] = item["phases"]
            request_type = _upsert(RequestType, {"service": services[item["service"]], "code": item["code"]},
                                   values, result, where=f"Request type {item['code']}")
            _link_duties(request_type, [duties[ref] for ref in item["duties"].get(preset, [])], result)
            loaded.add(request_type.pk)
        _archive_removed(institution, loaded, set(services), result)
    return result


def _check_references(catalog: dict, preset: str, units: dict, duties: dict, institution) -> None:
    for item in catalog["services"]:
        code = item["units"].get(preset)
        if code is None:
            raise CatalogError(f"Service {item['code']}: the catalog names no unit for the preset {preset!r} "
                               f"(add it under 'units').")
        unit = units.get(code)
        if unit is None:
            raise CatalogError(f"Service {item['code']}: {institution.name} has no unit with the code {code!r} "
                               f"(the codes are: {', '.join(sorted(units))}).")
        if not unit.is_it:
            raise CatalogError(f"Service {item['code']}: the unit {code} is not an IT unit.")
    for item in catalog["types"]:
        unknown = [ref for ref in item["duties"].get(preset, []) if ref not in duties]
        if unknown:
            raise CatalogError(f"Request type {item['code']}: the regulation of {institution.name} has no duty "
                               f"{', '.join(unknown)}.")


def _upsert(model, lookup: dict, values: dict, result: CatalogResult, *, where: str):
    """Create, or update the fields that differ (load_preset's _upsert), validating with
    full_clean. A record the catalog archived earlier comes back; one an administrator
    archived stays archived."""
    key = model._meta.model_name
    obj = model.objects.filter(**lookup).first()
    try:
        if obj is None:
            obj = model(**lookup, **values)
            obj.full_clean()
            obj.save()
            result.count(result.created, key)
            return obj
        if obj.is_archived and obj.archive_reason == ARCHIVE_REASON:
            values = {**values, "archived_at": None, "archive_reason": ""}
        dirty = [name for name, value in values.items() if getattr(obj, name) != value]
        if dirty:
            for name in dirty:
                setattr(obj, name, values[name])
            obj.full_clean()
            obj.save()
            result.count(result.updated, key)
    except ValidationError as exc:
        raise CatalogError(f"{where}: {_messages(exc)}") from exc
    return obj


def _messages(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{name}: {' '.join(str(m) for m in msgs)}" for name, msgs in exc.message_dict.items())
    return " ".join(str(m) for m in exc.messages)


def _link_duties(request_type: RequestType, wanted: list, result: CatalogResult) -> None:
    current = set(request_type.duties.values_list("pk", flat=True))
    wanted_ids = {duty.pk for duty in wanted}
    add, remove = wanted_ids - current, current - wanted_ids
    if add:  # only real changes: an empty add would still write an audit entry
        request_type.duties.add(*add)
        result.count(result.created, "duty link", len(add))
    if remove:
        request_type.duties.remove(*remove)
        result.count(result.removed, "duty link", len(remove))


def _created_by_catalog(model, ids) -> set[int]:
    """Which of these records the catalog loader created (by the audit trail's source)."""
    if not ids:
        return set()
    rows = AuditEntry.objects.filter(object_type=model._meta.label_lower, action=AuditEntry.Action.CREATE,
                                     source=AUDIT_SOURCE, object_id__in=[str(pk) for pk in ids])
    return {int(pk) for pk in rows.values_list("object_id", flat=True)}


def _archive_removed(institution, loaded_type_ids: set, service_codes: set, result: CatalogResult) -> None:
    """Types (and services) the catalog created and the file no longer has are archived."""
    candidates = (RequestType.objects.filter(service__institution=institution, archived_at__isnull=True)
                  .exclude(pk__in=loaded_type_ids))
    ours = _created_by_catalog(RequestType, list(candidates.values_list("pk", flat=True)))
    for request_type in candidates.filter(pk__in=ours).order_by("pk"):
        request_type.archive(ARCHIVE_REASON)
        result.count(result.archived, "requesttype")
    services = Service.objects.filter(institution=institution, archived_at__isnull=True).exclude(code__in=service_codes)
    ours = _created_by_catalog(Service, list(services.values_list("pk", flat=True)))
    for service in services.filter(pk__in=ours).order_by("pk"):
        if not service.request_types.filter(archived_at__isnull=True).exists():  # an administrator's types stay
            service.archive(ARCHIVE_REASON)
            result.count(result.archived, "service")


def catalog_presets(path: str | Path | None = None) -> list[str]:
    """The presets the catalog names units for (the institutions it can be loaded into)."""
    catalog = read_catalog(path)
    names = []
    for item in catalog["services"]:
        names.extend(name for name in item["units"] if name not in names)
    return names
