"""What a backup holds: the tables and their rows, read from one consistent snapshot and
written as JSON Lines, and the uploaded files with their checksums (see the package docstring)."""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.jsonl import Serializer as JSONLSerializer
from django.db import DatabaseError, connections, models, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.models import Prefetch

from bilge.core import audit

MANIFEST = "manifest.json"
DATA = "database.jsonl"
FILES_DIR = "files"
FILES_PREFIX = FILES_DIR + "/"
COPY_CHUNK = 1024 * 1024
QUERY_CHUNK = 2000

# Models written by natural key, with what their natural key needs joined in.
NATURAL_KEY_MODELS: dict[str, tuple[str, ...]] = {
    "contenttypes.contenttype": (),
    "auth.permission": ("content_type",),
}


class BackupError(Exception):
    """A backup or restore that cannot go on. The message says why and what to do."""


# --- what is backed up -----------------------------------------------------------------------

def backed_up_models() -> list[type[models.Model]]:
    """Every table of the installation: the concrete, managed models of all installed apps, in an
    order where the rows a natural key points to come first (ContentType before Permission).
    Auto-created many-to-many tables travel with their models."""
    app_list = [(config, None) for config in apps.get_app_configs() if config.models_module is not None]
    ordered = serializers.sort_dependencies(app_list, allow_cycles=True)
    return [m for m in ordered if m._meta.managed and not m._meta.proxy and not m._meta.auto_created]


def _all_tables_models() -> list[type[models.Model]]:
    """Every managed table, including auto-created many-to-many tables."""
    return [m for m in apps.get_models(include_auto_created=True) if m._meta.managed and not m._meta.proxy]


def _is_natural(model) -> bool:
    return model._meta.label_lower in NATURAL_KEY_MODELS


class _LosslessEncoder(DjangoJSONEncoder):
    """Django's encoder, but date-times and times keep their microseconds."""

    def default(self, o):
        if isinstance(o, (datetime.datetime, datetime.time)):
            return o.isoformat()
        return super().default(o)


class _Serializer(JSONLSerializer):
    """JSON Lines; natural keys only for the rows ``migrate`` creates (see the module docstring)."""

    def _model_supports_natural_key(self, model):
        return _is_natural(model) and super()._model_supports_natural_key(model)

    def _resolve_natural_key(self, obj):
        return super()._resolve_natural_key(obj) if _is_natural(obj) else None


def _queryset(model, using: str):
    qs = model._base_manager.using(using).order_by("pk")
    related = NATURAL_KEY_MODELS.get(model._meta.label_lower)
    if related:
        qs = qs.select_related(*related)
    prefetches = []
    for f in model._meta.local_many_to_many:
        if not f.serialize or not f.remote_field.through._meta.auto_created:
            continue
        target = f.remote_field.model
        if _is_natural(target):
            inner = target._base_manager.select_related(*NATURAL_KEY_MODELS[target._meta.label_lower])
        else:
            inner = target._base_manager.only("pk")
        prefetches.append(Prefetch(f.name, queryset=inner.order_by("pk")))
    if prefetches:
        qs = qs.prefetch_related(*prefetches)
    return qs


class _ChainCheck:
    """Follows the audit trail's hash chain while the entries stream past."""

    def __init__(self):
        self.entries = 0
        self.head_hash = audit.GENESIS_HASH
        self.first_bad_id = None

    def add(self, entry) -> None:
        if self.first_bad_id is None and (
            entry.prev_hash != self.head_hash
            or entry.hash != audit.entry_hash(audit.hashed_fields(entry), self.head_hash)
        ):
            self.first_bad_id = entry.id
        self.head_hash = entry.hash
        self.entries += 1

    def as_dict(self) -> dict:
        return {"entries": self.entries, "head_hash": self.head_hash,
                "chain_ok": self.first_bad_id is None, "first_bad_id": self.first_bad_id}


def _counting(iterable, counter: list, observe=None):
    for obj in iterable:
        counter[0] += 1
        if observe is not None:
            observe(obj)
        yield obj


def migration_state(connection) -> dict[str, list[str]]:
    """Applied migrations per installed app with migrations (records of apps no longer installed
    are ignored)."""
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    applied = {}
    for app_label in sorted(loader.migrated_apps):
        applied[app_label] = sorted(name for app, name in loader.applied_migrations if app == app_label)
    return applied


@contextlib.contextmanager
def _read_snapshot(connection):
    """One read-only transaction for the whole dump, without blocking writers where possible."""
    if connection.in_atomic_block:
        raise BackupError("A backup needs a transaction of its own for a consistent snapshot; "
                          "it cannot run inside another transaction.")
    if connection.vendor == "postgresql":
        with transaction.atomic(using=connection.alias):
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield
    elif connection.vendor == "sqlite":
        # Django would open an IMMEDIATE transaction (settings: the audit chain wants serialized
        # writers), which would hold the write lock for the whole backup. A DEFERRED transaction
        # only reads: in WAL mode it is a snapshot taken at its first read, and writers go on.
        connection.ensure_connection()
        # A feature probe Django runs lazily opens a transaction of its own: run it before ours.
        connection.features.supports_json_field  # noqa: B018
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
            try:
                cursor.execute("SELECT count(*) FROM sqlite_master")  # the snapshot starts here
                cursor.fetchone()
                yield
            finally:
                with contextlib.suppress(DatabaseError):
                    cursor.execute("ROLLBACK")  # read only: nothing to commit
    else:
        with transaction.atomic(using=connection.alias):
            yield


def _dump_database(data_path: Path, using: str) -> tuple[dict, dict, dict]:
    """Write every row to ``data_path``; return (rows per model, migration state, audit info)."""
    from bilge.core.models import AuditEntry

    connection = connections[using]
    counts: dict[str, int] = {}
    chain = _ChainCheck()
    with _read_snapshot(connection):
        migrations = migration_state(connection)
        with open(data_path, "w", encoding="utf-8", newline="\n") as stream:
            serializer = _Serializer()
            for model in backed_up_models():
                counter = [0]
                rows = _counting(_queryset(model, using).iterator(chunk_size=QUERY_CHUNK), counter,
                                 chain.add if model is AuditEntry else None)
                serializer.serialize(rows, stream=stream, use_natural_foreign_keys=True,
                                     use_natural_primary_keys=True, cls=_LosslessEncoder)
                counts[model._meta.label_lower] = counter[0]
            stream.flush()
            os.fsync(stream.fileno())
    return counts, migrations, chain.as_dict()


# --- the uploaded files ------------------------------------------------------------------------

@dataclass
class _MediaFile:
    relative: str  # POSIX path below MEDIA_ROOT
    path: Path
    size: int
    mtime: float
    sha256: str


def _sha256_of(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(COPY_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _scan_media(media_root: Path) -> tuple[list[_MediaFile], list[str]]:
    """The regular files below MEDIA_ROOT with their checksums; symbolic links and special files
    are skipped (and reported) — they may point outside the directory."""
    files, skipped = [], []
    if not media_root.exists():
        return files, skipped
    for directory, dirnames, filenames in os.walk(media_root):
        dirnames.sort()
        base = Path(directory)
        for name in list(dirnames):
            if (base / name).is_symlink():
                skipped.append(str((base / name).relative_to(media_root)))
                dirnames.remove(name)
        for name in sorted(filenames):
            path = base / name
            relative = path.relative_to(media_root).as_posix()
            try:
                relative.encode("utf-8")
            except UnicodeEncodeError:
                raise BackupError(
                    f"The file name {relative!r} in {media_root} is not valid UTF-8; rename the file "
                    "and run the backup again.") from None
            if path.is_symlink() or not path.is_file():
                skipped.append(relative)
                continue
            stat = path.stat()
            sha, size = _sha256_of(path)
            files.append(_MediaFile(relative, path, size, stat.st_mtime, sha))
    return files, skipped
