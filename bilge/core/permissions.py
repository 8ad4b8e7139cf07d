"""Permissions in one place.

A Role grants actions per module ("org.view", "servicedesk.approve", "*.view"). A
RoleAssignment gives a role to a user with a scope:

* ``own``          records about the user's own person (own requests, own devices);
* ``unit``         records of one unit (the person's unit unless the assignment names one);
* ``unit_tree``    that unit and every unit below it;
* ``it_service``   records handled by the IT service (unit) the person works in, and below it;
* ``institution``  everything of the institution.

Each model says where its scopes point with ``scope_paths`` (paths to an institution, a unit, an
owning person and a handling service). The path "*" marks installation-wide records (the audit
trail, roles): an institution-scope right covers all of them. A model may add ``scope_conditions``:
per scope, a (Q, predicate) pair that narrows it further (e.g. the IT queues do not see a ticket
before it is approved). A model whose records the IT department keeps for the whole institution
(the inventory) sets ``it_service_covers_institution``: an ``it_service`` right then reaches the
institution's records. ``Model.objects.visible_to(user, action)`` turns the
user's assignments — and those of people the user deputises for (vekalet) — into one filter;
``can(user, action, obj)`` evaluates the same scopes on one object. Every HTML view, API
endpoint and export goes through them.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bilge.core.audit import AuditedQuerySet

ACTIONS = {
    "view": _("view"),
    "add": _("add"),
    "change": _("change"),
    "delete": _("delete / archive"),
    "approve": _("approve"),
    "export": _("export"),
    "personal": _("see personal data in full"),
}
READ_ACTIONS = {"view", "export"}

MODULES = {
    "org": _("Organization and duties"),
    "admin": _("Administration (users, roles)"),
    "audit": _("Audit trail"),
    "servicedesk": _("Service desk"),
    "assets": _("Assets and custody"),
    "security": _("Security and compliance"),
    "privacy": _("Personal data (KVKK)"),
    "registry": _("Document register"),
    "procurement": _("Procurement and contracts"),
    "projects": _("Projects"),
    "reports": _("Reports"),
    "integrations": _("Integrations"),
}

SCOPE_OWN = "own"
SCOPE_UNIT = "unit"
SCOPE_UNIT_TREE = "unit_tree"
SCOPE_IT_SERVICE = "it_service"
SCOPE_INSTITUTION = "institution"
SCOPES = [
    (SCOPE_OWN, _("own records")),
    (SCOPE_UNIT, _("own unit")),
    (SCOPE_UNIT_TREE, _("own unit and its sub-units")),
    (SCOPE_IT_SERVICE, _("the IT service the person works in")),
    (SCOPE_INSTITUTION, _("the whole institution")),
]


def grant_matches(grant: str, module: str, action: str) -> bool:
    g_module, _sep, g_action = grant.partition(".")
    return g_module in ("*", module) and g_action in ("*", action)


@dataclass(frozen=True)
class Grant:
    """One effective right: a scope with its base, and whose right it is (for delegation)."""

    scope: str
    institution_id: int | None
    unit_id: int | None
    person_id: int | None
    principal_user_id: int  # the user whose assignment this is (the user, or whom they deputise for)


def _today() -> datetime.date:
    return timezone.localdate()


def _cache(user) -> dict:
    cache = getattr(user, "_bilge_perm_cache", None)
    if cache is None:
        cache = {}
        try:
            user._bilge_perm_cache = cache
        except AttributeError:
            pass
    return cache


def clear_cache(user) -> None:
    if hasattr(user, "_bilge_perm_cache"):
        del user._bilge_perm_cache


@dataclass(frozen=True)
class _Assigned:
    """A role assignment as the rights need it (read with plain SQL: this runs on every request)."""
    scope: str
    institution_id: int | None
    unit_id: int | None


@dataclass(frozen=True)
class _Principal:
    """The person a deputy acts for."""
    pk: int
    institution_id: int | None
    unit_id: int | None


def _grants_value(value) -> list:
    return json.loads(value) if isinstance(value, str) else (value or [])


_OWN_SQL = ("SELECT ra.scope, ra.institution_id, ra.unit_id, r.grants FROM core_roleassignment ra "
            "JOIN core_role r ON r.id = ra.role_id WHERE ra.user_id = %s ORDER BY ra.id")
_DEPUTY_SQL = (
    "SELECT d.kind, p.id, p.institution_id, p.unit_id, p.user_id, ra.scope, ra.institution_id, ra.unit_id, r.grants "
    "FROM core_delegation d JOIN core_person p ON p.id = d.principal_id "
    "JOIN core_roleassignment ra ON ra.user_id = p.user_id JOIN core_role r ON r.id = ra.role_id "
    "WHERE d.delegate_id = %s AND d.start_date <= %s AND d.end_date >= %s AND d.archived_at IS NULL "
    "ORDER BY d.id, ra.id")


_OWN = object()  # stands for the user's own person in the kept rows


def _load_assignments(user_id: int, today: datetime.date):
    """The user's person (id, unit, institution) and rows as ``_assignments`` gives them, with
    ``_OWN`` for the person. Plain SQL, two or three short queries: the ORM's cost per query would
    be most of a small request's time."""
    from django.db import connection

    from bilge.core.models import Delegation

    rows = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, unit_id, institution_id FROM core_person WHERE user_id = %s "
                       "ORDER BY last_name, first_name LIMIT 1", [user_id])
        person = cursor.fetchone()
        cursor.execute(_OWN_SQL, [user_id])
        for scope, institution_id, unit_id, grants in cursor.fetchall():
            rows.append((_Assigned(scope, institution_id, unit_id), tuple(_grants_value(grants)), _OWN, user_id, None))
        if person is not None:
            cursor.execute(_DEPUTY_SQL, [person[0], today, today])
            for kind, p_id, p_inst, p_unit, p_user, scope, institution_id, unit_id, grants in cursor.fetchall():
                grants = _grants_value(grants)
                if kind != Delegation.Kind.FULL:  # yetki devri: only the principal's approvals
                    grants = [f"{g.partition('.')[0]}.approve" for g in grants if g.partition(".")[2] in ("approve", "*")]
                rows.append((_Assigned(scope, institution_id, unit_id), tuple(grants),
                             _Principal(p_id, p_inst, p_unit), p_user, kind))
    return (tuple(person) if person is not None else None), tuple(rows)


def _assignments(user):
    """(assignment, role grants, person, principal user id, delegation kind) for the user and
    for every person the user deputises for today. Each process keeps them between changes of
    people, roles and delegations (bilge.core.configcache); the person is a fresh instance
    (id, unit and institution loaded) for every request."""
    cache = _cache(user)
    if "assignments" in cache:
        return cache["assignments"]
    from bilge.core import configcache
    from bilge.core.models import Person

    today = _today()
    person_values, kept = configcache.get(("rights", user.pk, today), lambda: _load_assignments(user.pk, today))
    person = None
    if person_values is not None:
        person = configcache.build(Person, dict(zip(("id", "unit_id", "institution_id"), person_values, strict=True)))
    rows = [(assigned, list(grants), person if who is _OWN else who, principal_user_id, kind)
            for assigned, grants, who, principal_user_id, kind in kept]
    cache["assignments"] = rows
    cache["person"] = person
    return rows


def person_of(user):
    if not getattr(user, "is_authenticated", False):
        return None
    _assignments(user)
    return _cache(user).get("person")


def grants_for(user, module: str, action: str) -> list[Grant]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cache = _cache(user)
    key = ("grants", module, action)
    if key in cache:
        return cache[key]
    result = []
    for assignment, role_grants, person, principal_user_id, _kind in _assignments(user):
        if not any(grant_matches(g, module, action) for g in role_grants):
            continue
        result.append(Grant(
            scope=assignment.scope,
            institution_id=assignment.institution_id or (person.institution_id if person else None),
            unit_id=assignment.unit_id or (person.unit_id if person else None),
            person_id=person.pk if person else None,
            principal_user_id=principal_user_id,
        ))
    cache[key] = result
    return result


def has_module_perm(user, module: str, action: str) -> bool:
    if getattr(user, "is_superuser", False) and user.is_active:
        return True
    return bool(grants_for(user, module, action))


def _unit_tree_ids(user, unit_id: int) -> list[int]:
    cache = _cache(user)
    key = ("tree", unit_id)
    if key not in cache:
        from bilge.core.models import Unit

        cache[key] = list(Unit.objects.descendant_ids(unit_id))
    return cache[key]


def _path(model, kind: str):
    return getattr(model, "scope_paths", {}).get(kind)


def _condition(model, grant: Grant, action: str):
    """A model's extra condition for a scope; creating a record is not narrowed by it."""
    return None if action == "add" else getattr(model, "scope_conditions", {}).get(grant.scope)


def _grant_q(user, model, grant: Grant, action: str = "view") -> Q | None:
    """The filter one grant allows on ``model``, or None when it allows nothing there."""
    q = _scope_q(user, model, grant)
    condition = _condition(model, grant, action)
    if q is not None and condition is not None:
        q = condition[0] if not q else q & condition[0]
    return q


def _scope_q(user, model, grant: Grant) -> Q | None:
    scope = grant.scope
    if scope == SCOPE_IT_SERVICE and getattr(model, "it_service_covers_institution", False):
        scope = SCOPE_INSTITUTION
    if scope == SCOPE_INSTITUTION:
        path = _path(model, "institution")
        if path == "*":
            return Q()
        if path is None or grant.institution_id is None:
            return None
        return Q(**{path: grant.institution_id})
    if scope == SCOPE_OWN:
        path = _path(model, "owner")
        if path is None or grant.person_id is None:
            return None
        return Q(**{path: grant.person_id})
    if grant.unit_id is None:
        return None
    if scope == SCOPE_UNIT:
        path = _path(model, "unit")
        return None if path is None else Q(**{path: grant.unit_id})
    if scope in (SCOPE_UNIT_TREE, SCOPE_IT_SERVICE):
        path = _path(model, "service" if scope == SCOPE_IT_SERVICE else "unit")
        if path is None and scope == SCOPE_IT_SERVICE:
            path = _path(model, "unit")
        if path is None:
            return None
        return Q(**{f"{path}__in": _unit_tree_ids(user, grant.unit_id)})
    return None


def scope_filter(user, model, action: str, module: str | None = None) -> Q | None:
    """The Q a user may see/act on, None when nothing; an empty Q() means everything."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.is_superuser:
        return Q()
    module = module or model.permission_module
    combined = None
    for grant in grants_for(user, module, action):
        q = _grant_q(user, model, grant, action)
        if q is None:
            continue
        if not q:  # everything
            return Q()
        combined = q if combined is None else combined | q
    return combined


def _resolve(obj, path: str):
    """The value at ``path`` ("unit", "regulation__institution", "pk") on an object, as an id."""
    if path == "pk":
        return obj.pk
    parts = path.split("__")
    if parts[-1] in ("pk", "id"):
        parts = parts[:-1]
        if not parts:
            return obj.pk
    value = obj
    for name in parts[:-1]:
        value = getattr(value, name, None)
        if value is None:
            return None
    last = parts[-1]
    field = type(value)._meta.get_field(last)
    if field.is_relation and field.concrete:
        return getattr(value, field.attname)
    return getattr(value, last)


def _grant_allows(user, obj, grant: Grant, action: str = "view") -> bool:
    condition = _condition(type(obj), grant, action)
    if condition is not None and not condition[1](obj):
        return False
    return _scope_allows(user, obj, grant)


def _scope_allows(user, obj, grant: Grant) -> bool:
    model = type(obj)
    scope = grant.scope
    if scope == SCOPE_IT_SERVICE and getattr(model, "it_service_covers_institution", False):
        scope = SCOPE_INSTITUTION
    if scope == SCOPE_INSTITUTION:
        path = _path(model, "institution")
        if path == "*":
            return True
        return path is not None and grant.institution_id is not None and _resolve(obj, path) == grant.institution_id
    if scope == SCOPE_OWN:
        path = _path(model, "owner")
        return path is not None and grant.person_id is not None and _resolve(obj, path) == grant.person_id
    if grant.unit_id is None:
        return False
    if scope == SCOPE_UNIT:
        path = _path(model, "unit")
        return path is not None and _resolve(obj, path) == grant.unit_id
    path = _path(model, "service" if scope == SCOPE_IT_SERVICE else "unit") or _path(model, "unit")
    return path is not None and _resolve(obj, path) in set(_unit_tree_ids(user, grant.unit_id))


def authorize(user, action: str, obj, module: str | None = None):
    """(allowed, principal_user_id). The principal is the user whose right allowed it: the user
    themselves, or — under delegation — the person they deputise for."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False, None
    if user.is_superuser:
        return True, user.pk
    module = module or type(obj).permission_module
    grants = grants_for(user, module, action)
    # Own rights first, so a delegation is named only when it was needed.
    for grant in sorted(grants, key=lambda g: g.principal_user_id != user.pk):
        if _grant_allows(user, obj, grant, action):
            return True, grant.principal_user_id
    return False, None


def can(user, action: str, obj, module: str | None = None) -> bool:
    return authorize(user, action, obj, module)[0]


class RestrictedQuerySet(AuditedQuerySet):
    """``visible_to(user, action)``: the one permission filter of every list, API and export."""

    def visible_to(self, user, action: str = "view", module: str | None = None):
        q = scope_filter(user, self.model, action, module)
        if q is None:
            return self.none()
        return self.filter(q) if q else self
