"""Configuration read on every request, kept in each process between changes.

Some small tables change a few times a year but are read by every request or every ticket
created: the rights of a user (person, role assignments, delegations), the unit tree, API tokens
and their users, the working calendar, request types and services, assignment rules, webhooks,
notification templates and preferences. Each process keeps what it read, keyed by a *generation*
number held in the shared cache (Redis in production). Saving, deleting or bulk-writing a row of
a registered model moves the generation on, at once and again when the transaction commits, so
every process reads the tables again on its next request. The generation is read once per web
request (one Redis round trip instead of a query per table) and on every call outside a request
(worker, shell).

Without a cache shared by the processes (the local-memory cache of a single-process
installation) a change in one process could not reach the others: nothing is kept then, and
every call reads the database. The same while Redis cannot be reached: every call reads the
database, and a change made meanwhile moves the generation on as soon as Redis answers again.

    rules = configcache.get(("rules", service_id), lambda: list(AssignmentRule.objects.filter(...)))

What is returned is shared by every later caller until the next change: treat it as read-only.
"""

from __future__ import annotations

import copy
import logging
import marshal
import threading

from django.core.cache import cache, caches
from django.core.signals import request_finished, request_started
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

GENERATION_KEY = "bilge:config-generation"
MAX_KEPT = 100_000  # values (a user's rights, a token, a preference… each one value)
_LOCAL_BACKENDS = ("LocMemCache", "DummyCache")

_values: dict = {}  # key -> (generation, value)
_lock = threading.Lock()
_request = threading.local()  # .generation: read once per request (None outside a request)
_models: dict = {}  # model -> the fields whose change is bookkeeping, not a change of configuration
_unannounced = threading.Event()  # a change made while Redis could not be reached
_unreachable = threading.Event()  # Redis did not answer the last time (warned once)
log = logging.getLogger("bilge.configcache")


def shared() -> bool:
    """Whether the cache is shared by every process (so the generation can reach them all)."""
    return type(caches["default"]).__name__ not in _LOCAL_BACKENDS


def _read_generation() -> int:
    if _unannounced.is_set():
        _unannounced.clear()
        _incr()
    value = cache.get(GENERATION_KEY)
    if value is None:
        # First use after the cache was emptied: start somewhere no process has seen.
        cache.add(GENERATION_KEY, 1, timeout=None)
        value = cache.get(GENERATION_KEY) or 1
    return value


def generation() -> int:
    current = getattr(_request, "generation", None)
    if current is not None:
        return current
    value = _read_generation()
    if getattr(_request, "in_request", False):
        _request.generation = value
    return value


def get(key, load, keep_none: bool = True):
    """The value of ``key``, from ``load()`` when it is not kept or a change happened since.
    With ``keep_none=False`` a None (nothing found) is not kept: a key anyone can make up (an API
    token) must not fill the memory with misses."""
    if not shared():
        return load()
    try:
        current = generation()
    except Exception:  # noqa: BLE001 - Redis unreachable: read the database, keep nothing
        if not _unreachable.is_set():  # once per outage, not on every request
            _unreachable.set()
            log.warning("the shared cache cannot be reached: configuration is read from the database",
                        exc_info=True)
        clear()
        return load()
    _unreachable.clear()
    kept = _values.get(key)
    if kept is not None and kept[0] == current:
        return kept[1]
    value = load()
    if value is None and not keep_none:
        return None
    with _lock:
        # Whatever was kept under an older generation is stale, and a day's rights are kept under
        # the day: forget it all rather than let a long-running process grow.
        if _values and (len(_values) >= MAX_KEPT or next(iter(_values.values()))[0] != current):
            _values.clear()
        _values[key] = (current, value)
    return value


def get_many(keys, load_many) -> dict:
    """``{key: value}`` for ``keys``; those not kept (or kept before a change) come from one call
    of ``load_many(missing_keys)``, which returns ``{key: value}`` (a key it leaves out is kept
    as None). One query for a list of people instead of one per person."""
    keys = list(dict.fromkeys(keys))
    if not shared():
        loaded = load_many(keys)
        return {key: loaded.get(key) for key in keys}
    found, missing = {}, []
    current = _generation_or_none()
    for key in keys:
        kept = _values.get(key)
        if kept is not None and current is not None and kept[0] == current:
            found[key] = kept[1]
        else:
            missing.append(key)
    if missing:
        loaded = load_many(missing)
        for key in missing:
            found[key] = get(key, lambda key=key: loaded.get(key))
    return found


def _generation_or_none():
    try:
        return generation()
    except Exception:  # noqa: BLE001 - Redis unreachable: nothing counts as kept
        return None


def instance(model, pk, related: tuple = ()):
    """A fresh instance of ``model``'s row ``pk`` with its ``related`` rows (foreign keys) loaded,
    built from values kept between changes of the registered models, or None when there is no such
    row. Each call gets its own instances (and its own copies of JSON values): callers may change
    them freely. For small configuration tables read on every write (a ticket's request type)."""
    def load():
        return read_row(model, pk, tuple(related))

    try:
        pk = model._meta.pk.to_python(pk)
    except Exception:  # not a key of this model at all (ValidationError, TypeError)
        return None
    kept = get(("instance", model._meta.label, pk, tuple(related)), load, keep_none=False)
    if kept is None:
        return None
    values, related_values = kept
    obj = build(model, values)
    for name, rel_values in related_values:
        rel_model = model._meta.get_field(name).related_model
        obj._state.fields_cache[name] = None if rel_values is None else build(rel_model, rel_values)
    return obj


_readers: dict = {}  # (model, related, field) -> the compiled query of read_row() and where its columns go


def read_row(model, pk, related: tuple = (), field: str = "pk"):
    """``(values, ((name, values or None), ...))`` of ``model``'s row whose ``field`` (the key, or
    another unique field) is ``pk``, with its ``related`` rows, or None; values are {attname:
    value}. The query is compiled once per model, field and relations and then only run: Django
    spends more time compiling a select of a person with their account than running it."""
    from django.db import DEFAULT_DB_ALIAS, connections

    key = (model, related, field)
    reader = _readers.get(key)
    if reader is None:
        compiler = _rows(model, related, field, pk).order_by().query.get_compiler(DEFAULT_DB_ALIAS)
        sql, params = compiler.as_sql()
        reader = False  # not a plain lookup by one value: the ORM reads it every time
        if tuple(params) == (pk,):
            select, info = compiler.select, compiler.klass_info
            columns = [(i, select[i][0].target.attname) for i in info["select_fields"]]
            joined = tuple((rel["field"].name, [(i, select[i][0].target.attname) for i in rel["select_fields"]])
                           for rel in info.get("related_klass_infos", ()))
            converters = list(compiler.get_converters([s[0] for s in select[:compiler.col_count]]).items())
            reader = (sql, converters, columns, joined)
        _readers[key] = reader
    if reader is False:
        row = _rows(model, related, field, pk).first()
        return None if row is None else (_values_of(row), tuple(
            (name, _values_of(getattr(row, name))) for name in related))
    sql, converters, columns, joined = reader
    connection = connections[DEFAULT_DB_ALIAS]
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk])
        found = cursor.fetchone()
    if found is None:
        return None
    row = list(found)
    for position, (convert, expression) in converters:
        for converter in convert:
            row[position] = converter(row[position], expression, connection)
    by_name = dict((name, {attname: row[i] for i, attname in cols}) for name, cols in joined)
    return ({attname: row[i] for i, attname in columns},
            tuple((name, _present(by_name.get(name))) for name in related))


def _rows(model, related: tuple, field: str, value):
    rows = model._base_manager.filter(**{field: value})
    return rows.select_related(*related) if related else rows  # (no names: it would join every relation)


def _present(values):
    # A left join that found nothing gives a row of NULLs: no related row.
    return None if values is None or all(v is None for v in values.values()) else values


def _values_of(row):
    return None if row is None else {f.attname: getattr(row, f.attname) for f in row._meta.concrete_fields}


def build(model, values: dict):
    """A fresh instance of ``model`` loaded with ``values`` ({attname: value}; the fields left
    out are deferred, read from the database if touched), as if read from the database. JSON
    values are copied, so that kept values never change through an instance."""
    from django.db import DEFAULT_DB_ALIAS
    from django.db.models import Model

    attnames, mutable = _fields_of(model)
    names = [name for name in attnames if name in values]
    row = [copy_json(values[name]) if name in mutable else values[name] for name in names]
    # Django's own from_db: the audit trail's copy of the loaded values (its before image of a
    # save) is left out; the rare save of a kept instance reads the row instead.
    return Model.from_db.__func__(model, DEFAULT_DB_ALIAS, names, row)


def _fields_of(model) -> tuple:
    # The model's attnames in column order, and those whose values may be lists or dicts (JSON,
    # arrays): the only ones to copy. Kept on the model class.
    fields = model.__dict__.get("_configcache_fields")
    if fields is None:
        concrete = model._meta.concrete_fields
        fields = (tuple(f.attname for f in concrete),
                  frozenset(f.attname for f in concrete if f.get_internal_type() in ("JSONField", "ArrayField")))
        model._configcache_fields = fields
    return fields


def copy_json(value):
    """A copy of a JSON value (lists and dicts are copied through; other values are returned as
    they are). marshal copies plain data several times faster than deepcopy."""
    if not isinstance(value, (dict, list)):
        return value
    try:
        return marshal.loads(marshal.dumps(value))
    except ValueError:  # something marshal cannot write
        return copy.deepcopy(value)


def clear() -> None:
    """Forget everything this process kept (tests call it between tests)."""
    with _lock:
        _values.clear()
    _request.generation = None


def changed() -> None:
    """Something registered changed: every process reads again (now, and after the commit)."""
    _bump()
    transaction.on_commit(_bump)


def _bump() -> None:
    clear()
    if not shared():
        return
    try:
        _incr()
    except Exception:  # noqa: BLE001 - Redis unreachable: announce it when it answers again
        log.warning("the shared cache cannot be reached: the change is announced later", exc_info=True)
        _unannounced.set()


def _incr() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # the key is gone (cache restarted): a fresh start is a change too
        cache.set(GENERATION_KEY, (cache.get(GENERATION_KEY) or 1) + 1, timeout=None)


def _on_change(sender, update_fields=None, **kwargs) -> None:
    if update_fields and set(update_fields) <= _models.get(sender, frozenset()):
        return
    changed()


def registered(model) -> bool:
    return model in _models


def bulk_write(model, fields=()) -> None:
    """``update()``, ``bulk_create()`` or ``bulk_update()`` of ``model`` (no signals): a change
    when the model is registered (bilge.core.audit.AuditedQuerySet calls this)."""
    bookkeeping = _models.get(model)
    if bookkeeping is None or (fields and set(fields) <= bookkeeping):
        return
    changed()


def register(*models, bookkeeping=()) -> None:
    """Keep reads of these models: any save, delete or bulk write of one of them is a change,
    except a write of only the ``bookkeeping`` fields (e.g. whose turn it is in a rule)."""
    for model in models:
        if model in _models:
            continue
        _models[model] = frozenset(bookkeeping) | {"updated_at"}
        uid = f"bilge.configcache.{model._meta.label}"
        post_save.connect(_on_change, sender=model, dispatch_uid=uid + ".save", weak=False)
        post_delete.connect(_on_change, sender=model, dispatch_uid=uid + ".delete", weak=False)
        for field in model._meta.local_many_to_many:
            m2m_changed.connect(_on_change, sender=field.remote_field.through, dispatch_uid=f"{uid}.{field.name}",
                                weak=False)


def _request_started(**kwargs) -> None:
    _request.in_request = True
    _request.generation = None


def _request_finished(**kwargs) -> None:
    _request.in_request = False
    _request.generation = None


request_started.connect(_request_started, dispatch_uid="bilge.configcache.started")
request_finished.connect(_request_finished, dispatch_uid="bilge.configcache.finished")
