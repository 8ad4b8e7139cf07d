"""The audit trail: every create, update and delete of every model, wherever it comes from.

How it catches every write:
* ``pre_save``/``post_save``/``post_delete``/``m2m_changed`` receivers cover ``save()`` and
  ``delete()`` from views, the API, management commands, tasks and the shell alike;
* ``AuditedQuerySet`` (the base of Bilge's managers) covers ``update()``, ``bulk_create()`` and
  ``bulk_update()``, which Django performs without signals.
It does not rely on database triggers, so it works the same on SQLite and PostgreSQL.

Who and from where come from a context variable set by the web middleware, the API, the
``bilge`` command (source ``command:<name>``) and the task wrapper (``task:<name>``); code that
sets nothing is recorded as ``system`` with the operating-system user.

Entries are hash-chained: each entry's hash covers its content and the previous entry's hash.
Writers take a lock (PostgreSQL advisory transaction lock; SQLite serializes writers itself with
IMMEDIATE transactions) so the chain is a single line even with many processes.
"""

from __future__ import annotations

import contextlib
import datetime
import decimal
import functools
import getpass
import hashlib
import json
import uuid
from contextvars import ContextVar
from dataclasses import dataclass, replace

from django.db import connections, models, router, transaction
from django.utils import timezone

from bilge.core import configcache

GENESIS_HASH = "0" * 64
ADVISORY_LOCK_KEY = 0x6231_6765  # "b1ge"
MASK = "••••••"

# Fields whose values never enter the trail (a change is still recorded, masked).
GLOBAL_MASKED_FIELDS = {"password", "key", "secret", "token", "tc_kimlik", "bin_key"}
# Fields whose changes alone are not worth an entry (derived, or recorded as events elsewhere).
GLOBAL_IGNORED_FIELDS = {"last_login", "search_text", "updated_at"}
EXCLUDED_APPS = {"sessions", "contenttypes", "admin", "axes", "migrations", "huey"}


@dataclass(frozen=True)
class AuditContext:
    user_id: int | None = None
    user_label: str = ""
    on_behalf_of_id: int | None = None
    on_behalf_of_label: str = ""
    ip: str | None = None
    source: str = "system"
    request_id: str = ""
    enabled: bool = True


_context: ContextVar[AuditContext | None] = ContextVar("bilge_audit_context", default=None)


@functools.cache
def _system_context() -> AuditContext:
    # The same for the whole process (frozen): looked up once.
    try:
        who = getpass.getuser()
    except Exception:  # no user name on the system (containers)
        who = "?"
    return AuditContext(user_label=f"system ({who})", source="system")


def current_context() -> AuditContext:
    return _context.get() or _system_context()


@contextlib.contextmanager
def audit_context(**fields):
    """Run a block with (parts of) the audit context replaced; nests."""
    token = _context.set(replace(current_context(), **fields))
    try:
        yield current_context()
    finally:
        _context.reset(token)


def user_label(user) -> str:
    if user is None or not getattr(user, "is_authenticated", False):
        return ""
    full = user.get_full_name() if hasattr(user, "get_full_name") else ""
    return f"{full} ({user.get_username()})" if full else user.get_username()


@contextlib.contextmanager
def acting_as(user, *, source: str | None = None, ip: str | None = None, on_behalf_of=None):
    """Attribute writes in the block to ``user`` (and, under delegation, ``on_behalf_of``)."""
    fields = {"user_id": getattr(user, "pk", None), "user_label": user_label(user)}
    if source:
        fields["source"] = source
    if ip:
        fields["ip"] = ip
    if on_behalf_of is not None:
        fields["on_behalf_of_id"] = on_behalf_of.pk
        fields["on_behalf_of_label"] = user_label(on_behalf_of)
    with audit_context(**fields) as ctx:
        yield ctx


def set_context(**fields):
    """Replace parts of the context until ``reset_context(token)`` (for frameworks whose request
    cycle is not one ``with`` block, e.g. DRF authenticating inside the view)."""
    return _context.set(replace(current_context(), **fields))


def reset_context(token) -> None:
    _context.reset(token)


def acting_for(user, principal_id):
    """The audit context of an action allowed by ``principal_id``'s right: when that is not the
    user's own (delegation), the entries name both; otherwise nothing changes."""
    if not principal_id or principal_id == getattr(user, "pk", None):
        return contextlib.nullcontext()
    from django.contrib.auth import get_user_model

    ctx = current_context()
    return acting_as(user, ip=ctx.ip, source=ctx.source, on_behalf_of=get_user_model().objects.get(pk=principal_id))


@contextlib.contextmanager
def suspended():
    """No entries in the block. Only for restoring a backup, whose entries come with it."""
    with audit_context(enabled=False):
        yield


# --- what is audited --------------------------------------------------------------------------

def is_audited(model) -> bool:
    meta = model._meta
    if meta.app_label in EXCLUDED_APPS:
        return False
    if getattr(model, "audit_exclude", False):
        return False
    return True


def _masked_fields(model) -> set[str]:
    return GLOBAL_MASKED_FIELDS | set(getattr(model, "audit_masked_fields", ()))


def _ignored_fields(model) -> set[str]:
    return GLOBAL_IGNORED_FIELDS | set(getattr(model, "audit_ignored_fields", ()))


def _tracked_fields(model):
    cached = model.__dict__.get("_audit_fields_cache")
    if cached is None:
        ignored = _ignored_fields(model)
        cached = [f for f in model._meta.concrete_fields if f.name not in ignored and f.attname not in ignored]
        model._audit_fields_cache = cached
    return cached


def _jsonable(value):
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, float, uuid.UUID)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (bytes, memoryview)):
        return MASK
    if hasattr(value, "name") and hasattr(value, "storage"):  # FieldFile
        return value.name or ""
    return str(value)


def snapshot(instance) -> dict:
    """The tracked field values of an instance, keyed by field name, JSON-ready (unmasked: only
    ``diff`` output is stored, and it masks)."""
    return {field.name: _jsonable(getattr(instance, field.attname)) for field in _tracked_fields(type(instance))}


def _row_snapshot(model, row: dict) -> dict:
    return {field.name: _jsonable(row.get(field.attname)) for field in _tracked_fields(model)}


def _mask(value):
    return MASK if value not in (None, "") else value


def diff(before: dict | None, after: dict | None, model=None) -> dict:
    """Field-level [before, after] pairs of what changed; masked fields show that they changed
    (and whether they were empty) but never their values."""
    before = before or {}
    after = after or {}
    masked = _masked_fields(model) if model is not None else GLOBAL_MASKED_FIELDS
    changes = {}
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old != new:
            changes[key] = [_mask(old), _mask(new)] if key in masked else [old, new]
    return changes


# --- the chain --------------------------------------------------------------------------------

def canonical(entry_fields: dict) -> str:
    return json.dumps(entry_fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def entry_hash(fields: dict, prev_hash: str) -> str:
    payload = canonical({**fields, "prev_hash": prev_hash})
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def hashed_fields(entry) -> dict:
    """The fields of an AuditEntry that its hash covers (also used by audit_verify)."""
    return {
        "timestamp": entry.timestamp.isoformat(),
        "actor_id": entry.actor_id,
        "actor_label": entry.actor_label,
        "on_behalf_of_id": entry.on_behalf_of_id,
        "on_behalf_of_label": entry.on_behalf_of_label,
        "ip": entry.ip,
        "source": entry.source,
        "request_id": entry.request_id,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "changes": entry.changes,
    }


_LAST_HASH_SQL = "SELECT hash FROM core_auditentry ORDER BY id DESC LIMIT 1"


def _lock_chain(using: str) -> str:
    """Take the chain lock for this transaction and return the last hash.

    PostgreSQL: the advisory lock and the read go in one round trip as two statements, so the read
    gets its own snapshot taken after the lock is held (READ COMMITTED: one snapshot per
    statement). SQLite: writers are already serialized (IMMEDIATE transactions)."""
    conn = connections[using]
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(f"SELECT pg_advisory_xact_lock({ADVISORY_LOCK_KEY}); {_LAST_HASH_SQL}")
            cursor.nextset()
        else:
            cursor.execute(_LAST_HASH_SQL)
        row = cursor.fetchone()
    return row[0] if row else GENESIS_HASH


def _new_entry(action: str, object_type: str, object_id, object_repr: str, changes: dict, ctx: AuditContext):
    from bilge.core.models import AuditEntry

    return AuditEntry(
        timestamp=timezone.now(),
        actor_id=ctx.user_id,
        actor_label=ctx.user_label or "",
        on_behalf_of_id=ctx.on_behalf_of_id,
        on_behalf_of_label=ctx.on_behalf_of_label or "",
        ip=ctx.ip,
        source=ctx.source[:60],
        request_id=ctx.request_id,
        action=action,
        object_type=object_type,
        object_id="" if object_id is None else str(object_id),
        object_repr=(object_repr or "")[:200],
        changes=changes,  # JSON-ready: made so by record() or built from snapshots
    )


_batch: ContextVar[tuple[str, list] | None] = ContextVar("bilge_audit_batch", default=None)


@contextlib.contextmanager
def batched(using: str = "default"):
    """Collect the entries written in the block and chain them all at its end, in one lock and one
    insert, inside the caller's transaction (which must be open). The chain lock serializes every
    audited transaction of the installation from the moment it is taken until commit: taking it
    once, at the end of a busy operation (creating a ticket), keeps that window short. The entries
    keep their order and their times; on an error nothing is written. Nests (the outermost writes)."""
    if _batch.get() is not None:
        yield
        return
    if not connections[using].in_atomic_block:
        raise RuntimeError("audit.batched() must run inside a transaction")
    pending: list = []
    token = _batch.set((using, pending))
    try:
        yield
    finally:
        _batch.reset(token)
    write_entries(pending, using=using)


def chain(entries, using: str = "default") -> None:
    """Take the chain lock (held until the caller's transaction ends) and give each entry, in order,
    its ``prev_hash`` and ``hash``. ``entries`` are AuditEntry instances or objects with the same
    attributes (a bulk writer that stores them itself, e.g. with PostgreSQL's COPY)."""
    prev = _lock_chain(using)
    for entry in entries:
        entry.prev_hash = prev
        entry.hash = prev = entry_hash(hashed_fields(entry), prev)


def creation_changes(model, values: dict) -> dict:
    """The field-level changes of a "create" entry for a row of ``model`` given as ``{attname:
    value}``: what the trail records when such a row is saved (tracked fields, masked alike)."""
    return diff(None, {f.name: _jsonable(values.get(f.attname)) for f in _tracked_fields(model)}, model)


def write_entries(entries: list, using: str = "default") -> None:
    """Chain and store entries in order, inside the caller's transaction (or a new one)."""
    from bilge.core.models import AuditEntry

    if not entries:
        return
    batch = _batch.get()
    if batch is not None and batch[0] == using:
        batch[1].extend(entries)
        return
    conn = connections[using]
    with transaction.atomic(using=using, savepoint=False):
        chain(entries, using)
        if len(entries) <= _INSERT_ROWS:
            _insert(entries, conn)
        else:
            AuditEntry.objects.using(using).bulk_create(entries, batch_size=500)


_INSERT_FIELDS = ("timestamp", "actor_id", "actor_label", "on_behalf_of_id", "on_behalf_of_label", "ip", "source",
                  "request_id", "action", "object_type", "object_id", "object_repr", "changes", "prev_hash", "hash")


_INSERT_ROWS = 20  # up to this many entries go in one plain INSERT; more through bulk_create


def _insert(entries, conn) -> None:
    """A few entries in one plain INSERT (the hot path of every audited save or operation)."""
    from bilge.core.models import AuditEntry

    fields = [AuditEntry._meta.get_field(name) for name in _INSERT_FIELDS]
    values = [f.get_db_prep_save(getattr(entry, f.attname), connection=conn) for entry in entries for f in fields]
    columns = ", ".join(conn.ops.quote_name(f.column) for f in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = f"INSERT INTO core_auditentry ({columns}) VALUES " + ", ".join([row] * len(entries))
    with conn.cursor() as cursor:
        if conn.features.can_return_rows_from_bulk_insert:
            cursor.execute(sql + " RETURNING id", values)
            ids = [r[0] for r in cursor.fetchall()]  # in the order of the rows, as bulk_create relies on
        else:
            cursor.execute(sql, values)
            last = cursor.lastrowid  # SQLite: the rows of one statement get consecutive ids
            ids = list(range(last - len(entries) + 1, last + 1))
    for entry, pk in zip(entries, ids, strict=True):
        entry.id = pk
        entry._state.adding = False
        entry._state.db = conn.alias


def object_type_of(model) -> str:
    return model._meta.label_lower


def _safe_repr(instance) -> str:
    try:
        return str(instance)
    except Exception:
        return f"{type(instance).__name__} #{instance.pk}"


def record(action: str, instance=None, changes: dict | None = None, *, object_type: str = "",
           object_id=None, object_repr: str = "", using: str | None = None) -> None:
    """Record one entry about ``instance`` (or a named object) in the current context."""
    _record(action, instance, _jsonable(changes or {}), object_type=object_type, object_id=object_id,
            object_repr=object_repr, using=using)


def _record(action: str, instance, changes: dict, *, object_type: str = "", object_id=None, object_repr: str = "",
            using: str | None = None) -> None:
    # ``changes`` already JSON-ready (a diff of snapshots).
    ctx = current_context()
    if not ctx.enabled:
        return
    if instance is not None:
        model = instance.__class__  # not type(): request.user is a lazy proxy
        object_type = object_type or object_type_of(model)
        object_id = instance.pk if object_id is None else object_id
        object_repr = object_repr or _safe_repr(instance)
        using = using or instance._state.db or router.db_for_write(model)
    write_entries([_new_entry(action, object_type, object_id, object_repr, changes, ctx)],
                  using=using or "default")


# --- signal receivers ---------------------------------------------------------------------------

def remember_loaded(instance, field_names, values) -> None:
    """Keep the values a row was loaded with (``Model.from_db``): the before image of the next
    save, without reading the row again. Only for fully loaded rows."""
    if len(values) == len(instance._meta.concrete_fields):
        instance._audit_loaded = {name: _frozen(value) for name, value in zip(field_names, values, strict=True)}


# JSON values are mutable: an in-place change (role.grants.append) must not alter the before image.
_frozen = configcache.copy_json


def on_pre_save(sender, instance, raw=False, using=None, update_fields=None, **kwargs):
    if raw or not is_audited(sender) or not current_context().enabled:
        return
    instance._audit_before = None
    loaded = getattr(instance, "_audit_loaded", None)
    if loaded is not None and not instance._state.adding and instance._state.db == using:
        instance._audit_before = _row_snapshot(sender, loaded)
    elif instance.pk is not None and not instance._state.adding:
        row = (
            sender._base_manager.using(using)
            .filter(pk=instance.pk)
            .values(*[f.attname for f in _tracked_fields(sender)])
            .first()
        )
        instance._audit_before = _row_snapshot(sender, row) if row is not None else None


def on_post_save(sender, instance, created, raw=False, using=None, update_fields=None, **kwargs):
    if raw or not is_audited(sender) or not current_context().enabled:
        return
    after = snapshot(instance)
    before = None if created else getattr(instance, "_audit_before", None)
    if update_fields is not None and before is not None:
        names = {sender._meta.get_field(n).name for n in update_fields}
        after = {k: v for k, v in after.items() if k in names}
        before = {k: v for k, v in before.items() if k in names}
    # The saved state is the before image of the next save of this instance.
    instance._audit_loaded = {f.attname: _frozen(getattr(instance, f.attname)) for f in sender._meta.concrete_fields}
    changes = diff(before, after, sender)
    if not created and not changes:
        return
    action = "create" if created or before is None else "update"
    _record(action, instance, changes, using=using)


def on_post_delete(sender, instance, using=None, origin=None, **kwargs):
    if not is_audited(sender) or not current_context().enabled:
        return
    record("delete", instance, diff(snapshot(instance), None, sender), using=using)


def on_m2m_changed(sender, instance, action, reverse, model, pk_set, using=None, **kwargs):
    if action not in {"post_add", "post_remove", "post_clear"} or not current_context().enabled:
        return
    if not is_audited(type(instance)):
        return
    field_name = next(
        (f.name for f in type(instance)._meta.many_to_many if f.remote_field.through is sender),
        sender._meta.model_name,
    )
    verb = {"post_add": "added", "post_remove": "removed", "post_clear": "cleared"}[action]
    record("update", instance, {field_name: {verb: sorted(pk_set or [])}}, using=using)


# --- querysets: the writes Django makes without signals -----------------------------------------

class AuditedQuerySet(models.QuerySet):
    """Base queryset of Bilge's models: records bulk writes too."""

    def update(self, **kwargs):
        model = self.model
        configcache.bulk_write(model, kwargs)
        if not is_audited(model) or not current_context().enabled:
            return super().update(**kwargs)
        tracked = {f.attname: f for f in _tracked_fields(model)}
        names = [model._meta.get_field(k).attname for k in kwargs]
        watched = [n for n in names if n in tracked]
        with transaction.atomic(using=self.db, savepoint=False):
            before_rows = list(self.values("pk", *watched)) if watched else []
            count = super().update(**kwargs)
            if before_rows:
                ids = [r["pk"] for r in before_rows]
                after_rows = {r["pk"]: r for r in model._base_manager.using(self.db).filter(pk__in=ids)
                              .values("pk", *watched)}
                ctx = current_context()
                masked = _masked_fields(model)
                entries = []
                for row in before_rows:
                    after = after_rows.get(row["pk"], {})
                    changes = {}
                    for attname in watched:
                        name = tracked[attname].name
                        old, new = _jsonable(row.get(attname)), _jsonable(after.get(attname))
                        if old != new:
                            changes[name] = [_mask(old), _mask(new)] if name in masked else [old, new]
                    if changes:
                        entries.append(_new_entry("update", object_type_of(model), row["pk"],
                                                  f"{model._meta.verbose_name} #{row['pk']}", changes, ctx))
                write_entries(entries, using=self.db)
        return count

    def bulk_create(self, objs, *args, **kwargs):
        model = self.model
        configcache.bulk_write(model)
        if not is_audited(model) or not current_context().enabled:
            return super().bulk_create(objs, *args, **kwargs)
        with transaction.atomic(using=self.db, savepoint=False):
            created = super().bulk_create(objs, *args, **kwargs)
            ctx = current_context()
            write_entries(
                [_new_entry("create", object_type_of(model), o.pk, _safe_repr(o), diff(None, snapshot(o), model), ctx)
                 for o in created],
                using=self.db,
            )
        return created

    def bulk_update(self, objs, fields, *args, **kwargs):
        model = self.model
        configcache.bulk_write(model, fields)
        if not is_audited(model) or not current_context().enabled:
            return super().bulk_update(objs, fields, *args, **kwargs)
        objs = list(objs)
        with transaction.atomic(using=self.db, savepoint=False):
            attnames = [model._meta.get_field(f).attname for f in fields]
            before = {r["pk"]: r for r in model._base_manager.using(self.db)
                      .filter(pk__in=[o.pk for o in objs]).values("pk", *attnames)}
            count = super().bulk_update(objs, fields, *args, **kwargs)
            ctx = current_context()
            masked = _masked_fields(model)
            entries = []
            for obj in objs:
                row = before.get(obj.pk, {})
                changes = {}
                for name, attname in zip(fields, attnames, strict=True):
                    old, new = _jsonable(row.get(attname)), _jsonable(getattr(obj, attname))
                    if old != new:
                        changes[name] = [_mask(old), _mask(new)] if name in masked else [old, new]
                if changes:
                    entries.append(_new_entry("update", object_type_of(model), obj.pk, _safe_repr(obj), changes, ctx))
            write_entries(entries, using=self.db)
        return count


# --- verification -------------------------------------------------------------------------------

@dataclass
class VerifyResult:
    checked: int
    ok: bool
    first_bad_id: int | None = None
    reason: str = ""
    head_hash: str = GENESIS_HASH


def verify_chain(using: str = "default", batch: int = 5000) -> VerifyResult:
    """Walk the whole chain in id order; report the first entry that does not match."""
    from bilge.core.models import AuditEntry

    prev = GENESIS_HASH
    checked = 0
    last_id = 0
    qs = AuditEntry.objects.using(using).order_by("id")
    while True:
        chunk = list(qs.filter(id__gt=last_id)[:batch])
        if not chunk:
            break
        for entry in chunk:
            if entry.prev_hash != prev:
                return VerifyResult(checked, False, entry.id, "prev_hash does not match the previous entry", prev)
            expected = entry_hash(hashed_fields(entry), prev)
            if entry.hash != expected:
                return VerifyResult(checked, False, entry.id, "content does not match its hash", prev)
            prev = entry.hash
            checked += 1
            last_id = entry.id
    return VerifyResult(checked, True, head_hash=prev)
