"""Domain operations of the organization module, each in one transaction."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from bilge.core import audit
from bilge.core.models import Duty, Institution, Person, Position, Regulation, Role, Unit
from bilge.core.permissions import MODULES, authorize

PRESET_DIR = Path(__file__).resolve().parent / "presets"
PRESETS = ("denizli", "defne", "izmir", "kocaeli", "batman")


# --- presets -------------------------------------------------------------------------------------

@dataclass
class LoadResult:
    institution: Institution
    created: dict = field(default_factory=dict)
    updated: dict = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return any(self.created.values()) or any(self.updated.values())


def read_preset(name: str) -> dict:
    """A built-in preset by name, or an institution's own preset file (same format, see
    presets/FORMAT.md) by path."""
    path = Path(name) if name.endswith((".yaml", ".yml")) else PRESET_DIR / f"{name}.yaml"
    if not path.exists() or (path.parent == PRESET_DIR and name not in PRESETS):
        raise ValueError(_("Unknown preset %(name)s. Choose one of: %(names)s, or give a .yaml file")
                         % {"name": name, "names": ", ".join(PRESETS)})
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ValueError(_("The preset file is not valid YAML: %(error)s") % {"error": exc}) from exc
    missing = [key for key in ("preset", "institution", "regulation", "units", "duties") if key not in (data or {})]
    if missing:
        raise ValueError(_("The preset file lacks: %(keys)s") % {"keys": ", ".join(missing)})
    return data


def _upsert(model, lookup: dict, values: dict, result: LoadResult):
    obj = model.objects.filter(**lookup).first()
    key = model._meta.model_name
    if obj is None:
        obj = model(**lookup, **values)
        obj.full_clean()
        obj.save()
        result.created[key] = result.created.get(key, 0) + 1
        return obj
    dirty = [name for name, value in values.items() if getattr(obj, name) != value]
    if dirty:
        for name in dirty:
            setattr(obj, name, values[name])
        obj.full_clean()
        obj.save()
        result.updated[key] = result.updated.get(key, 0) + 1
    return obj


@transaction.atomic
def load_preset(name: str) -> LoadResult:
    """Create (or bring up to date) an institution, its IT units and every duty of its
    regulation from a preset file. Loading the same preset again changes nothing."""
    data = read_preset(name)
    name = data["preset"]
    inst = data["institution"]
    institution = Institution.objects.filter(slug=name).first()
    result = LoadResult(institution=institution)
    institution = _upsert(Institution, {"slug": name},
                          {"name": inst["name"], "kind": inst["kind"], "detsis_code": inst.get("detsis") or ""},
                          result)
    result.institution = institution

    units: dict[str, Unit] = {}
    for item in data["units"]:
        parent = units[item["parent"]] if item.get("parent") else None
        units[item["code"]] = _upsert(
            Unit, {"institution": institution, "code": item["code"]},
            {"name": item["name"], "kind": item["kind"], "parent": parent, "is_it": True,
             "regulation_ref": item.get("ref") or ""},
            result,
        )
    for title in data.get("positions") or []:
        _upsert(Position, {"institution": institution, "name": title},
                {"is_manager": _is_managerial(title)}, result)

    reg = data["regulation"]
    date = reg.get("date")
    if isinstance(date, str):
        date = datetime.date.fromisoformat(date)
    regulation = _upsert(Regulation, {"institution": institution, "preset": name},
                         {"title": reg["title"], "kind": reg.get("kind") or Regulation.Kind.DIRECTIVE,
                          "date": date, "decision": reg.get("decision") or ""}, result)
    for order, item in enumerate(data["duties"], start=1):
        if item["unit"] not in units:
            raise ValueError(_("Duty %(ref)s names an unknown unit %(unit)s.") % {"ref": item["ref"], "unit": item["unit"]})
        _upsert(Duty, {"regulation": regulation, "ref": item["ref"]},
                {"unit": units[item["unit"]], "position": item.get("position") or "", "text": item["text"].strip(),
                 "modules": list(item.get("modules") or []), "is_software": bool(item.get("software", True)),
                 "not_software_reason": item.get("reason") or "", "position_in_text": order},
                result)
    return result


def _is_managerial(title: str) -> bool:
    lowered = title.lower()
    return any(word in lowered for word in ("başkan", "müdür", "şef", "sorumlu"))


# --- roles ----------------------------------------------------------------------------------------

# Built-in roles (data: names and descriptions in Turkish, the institution's language). Created by
# migration core 0003 and by ensure_builtin_roles(); an administrator may change them later.
BUILTIN_ROLES = {
    "Denetçi": ("Her şeyi okur, hiçbir şeyi değiştirmez (iç veya dış denetçi).",
                ["*.view", "*.export"]),
    "Birim personeli": ("Kurumun her çalışanı: kendi kayıtları.",
                        ["org.view", "servicedesk.view", "servicedesk.add", "assets.view"]),
    "Birim yöneticisi": ("Birim amiri: biriminin kayıtlarını görür, taleplerini onaylar.",
                         ["org.view", "org.export", "servicedesk.view", "servicedesk.approve", "servicedesk.export",
                          "assets.view", "assets.export", "reports.view"]),
    "BT personeli": ("Bilgi işlem personeli: talepleri ve cihazları yürütür.",
                     ["org.view", "servicedesk.*", "assets.*", "security.view", "security.add", "security.change",
                      "reports.view", "reports.export"]),
    "Personel yöneticisi": ("Birimleri, personeli ve vekaletleri yönetir.",
                            ["org.view", "org.add", "org.change", "org.delete", "org.export", "org.personal"]),
    "Sistem yöneticisi": ("Kullanıcıları, rolleri ve denetim izini yönetir.",
                          ["admin.*", "audit.view", "audit.export", "org.*"]),
}


@transaction.atomic
def ensure_builtin_roles() -> dict[str, Role]:
    roles = {}
    for name, (description, grants) in BUILTIN_ROLES.items():
        role, created = Role.objects.get_or_create(
            name=name, defaults={"description": description, "grants": grants, "is_builtin": True})
        roles[name] = role
    return roles


# --- people ----------------------------------------------------------------------------------------

def reveal_tc_kimlik(user, person: Person) -> str:
    """The full TC identity number, for those allowed; each view is recorded."""
    allowed, principal = authorize(user, "personal", person)
    if not allowed:
        raise PermissionError(_("You may not see this personal data."))
    with audit.acting_for(user, principal):
        audit.record("view_personal", person, {"field": "tc_kimlik"})
    return person.tc_kimlik


@transaction.atomic
def archive(obj, user, reason: str = "") -> None:
    allowed, principal = authorize(user, "delete", obj)
    if not allowed:
        raise PermissionError(_("You may not archive this record."))
    if isinstance(obj, Unit) and obj.people.filter(archived_at__isnull=True).exists():
        raise ValidationError(_("The unit still has people; move them first."))
    if isinstance(obj, Unit) and obj.children.filter(archived_at__isnull=True).exists():
        raise ValidationError(_("The unit still has sub-units; move or archive them first."))
    with audit.acting_for(user, principal):
        obj.archive(reason)



def duty_work_counts(duties) -> dict[int, int]:
    """Work recorded against each duty, by duty id. Modules register counters with
    ``register_duty_work``; until one does, every duty shows no work."""
    ids = [d.pk for d in duties]
    totals = dict.fromkeys(ids, 0)
    for counter in _DUTY_WORK_COUNTERS:
        for duty_id, n in counter(ids).items():
            totals[duty_id] = totals.get(duty_id, 0) + n
    return totals


_DUTY_WORK_COUNTERS = []


def register_duty_work(counter) -> None:
    """``counter(duty_ids) -> {duty_id: count}``; called by modules that attach work to duties."""
    _DUTY_WORK_COUNTERS.append(counter)


def role_matrix(role: Role):
    from bilge.core.permissions import ACTIONS, grant_matches

    return [
        (label, [(a_label, any(grant_matches(g, m, a) for g in role.grants)) for a, a_label in ACTIONS.items()])
        for m, label in MODULES.items()
    ]


def lockouts() -> list[dict]:
    """Accounts and addresses over the failure limit (lockouts count per account and per address)."""
    from axes.models import AccessAttempt
    from django.conf import settings
    from django.db.models import Max, Sum

    rows = []
    for column, kind in (("username", "account"), ("ip_address", "address")):
        grouped = (AccessAttempt.objects.exclude(**{column: None}).exclude(**{column: ""}).values(column)
                   .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
                   .filter(failures__gte=settings.AXES_FAILURE_LIMIT).order_by("-last"))
        for row in grouped:
            rows.append({"kind": kind, "value": row[column], "failures": row["failures"], "last": row["last"],
                         "username": row[column] if kind == "account" else "",
                         "ip": row[column] if kind == "address" else ""})
    return rows


def unlock(username: str, ip: str) -> int:
    """Lift a lockout (by user name and/or address); recorded in the audit trail."""
    from axes.models import AccessAttempt

    qs = AccessAttempt.objects.all()
    if username:
        qs = qs.filter(username=username)
    if ip:
        qs = qs.filter(ip_address=ip)
    if not username and not ip:
        return 0
    count, _detail = qs.delete()
    audit.record("unlock", object_type="auth.user", object_repr=username or ip,
                 changes={"username": username, "ip": ip, "attempts_cleared": count})
    return count


# --- user accounts ----------------------------------------------------------------------------------

def random_password() -> str:
    """A random password that passes the password policy."""
    import secrets

    from django.contrib.auth.password_validation import validate_password

    while True:
        password = secrets.token_urlsafe(12)
        try:
            validate_password(password)
            return password
        except ValidationError:
            continue


@transaction.atomic
def create_account(person: Person, by_user) -> tuple:
    """Give a person a sign-in account (user name: the registration number; also the e-mail).
    Returns (user, one-time password). Needs the "admin.add" right."""
    from django.contrib.auth import get_user_model

    from bilge.core.permissions import has_module_perm

    if not has_module_perm(by_user, "admin", "add"):
        raise PermissionError(_("You may not create user accounts."))
    if person.user_id:
        raise ValidationError(_("This person already has a user account."))
    if person.is_archived:
        raise ValidationError(_("An archived person cannot get a user account."))
    User = get_user_model()
    username = person.registration_no
    if User.objects.filter(username=username).exists():
        username = f"{person.institution.slug}-{person.registration_no}"
    if User.objects.filter(username=username).exists():
        raise ValidationError(_("The user name %(name)s is taken.") % {"name": username})
    password = random_password()
    user = User(username=username, first_name=person.first_name, last_name=person.last_name, email=person.email)
    user.set_password(password)
    user.save()
    person.user = user
    person.save(update_fields=["user", "updated_at"])
    return user, password


@transaction.atomic
def set_account_active(person: Person, by_user, active: bool) -> None:
    from bilge.core.permissions import has_module_perm

    if not has_module_perm(by_user, "admin", "change"):
        raise PermissionError(_("You may not change user accounts."))
    if person.user_id is None:
        raise ValidationError(_("This person has no user account."))
    user = person.user
    user.is_active = active
    user.save(update_fields=["is_active"])


# --- hooks of other modules on people ------------------------------------------------------------------

_EXIT_CHECKS = []
_PERSON_PANELS = []


def register_exit_check(check) -> None:
    """``check(person, new_unit_id, new_end_date) -> list[str]``: reasons a person may not leave
    (end date set) or change unit yet, e.g. devices still in their custody. Registered by other
    modules in their ``ready()``, so the core knows none of them."""
    if check not in _EXIT_CHECKS:
        _EXIT_CHECKS.append(check)


def exit_blockers(person: Person, new_unit_id, new_end_date) -> list[str]:
    """Every registered check's reasons; empty when the exit or unit change may be saved."""
    reasons = []
    for check in _EXIT_CHECKS:
        reasons.extend(check(person, new_unit_id, new_end_date))
    return reasons


def register_person_panel(panel) -> None:
    """``panel(request, person) -> str``: HTML shown on the person's page (empty: nothing)."""
    if panel not in _PERSON_PANELS:
        _PERSON_PANELS.append(panel)


def person_panels(request, person: Person) -> list[str]:
    return [html for html in (panel(request, person) for panel in _PERSON_PANELS) if html]
