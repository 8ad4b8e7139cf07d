"""Restoring an archive into an empty (or, with ``force``, any) migrated installation, all or
nothing (see the package docstring)."""

from __future__ import annotations

import contextlib
import logging
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.db.models import Q, signals
from django.utils import timezone

from bilge.core import audit
from bilge.core.backup.archive import _ArchiveReader, create_backup, verify_archive
from bilge.core.backup.dump import (
    DATA,
    FILES_DIR,
    NATURAL_KEY_MODELS,
    BackupError,
    _all_tables_models,
    _is_natural,
    backed_up_models,
    migration_state,
)

logger = logging.getLogger("bilge.backup")

INSERT_BATCH = 500

# Audit sources of the rows a fresh installation's data migrations create (see occupied_tables):
# `bilge migrate`, or a data migration that names itself ("migration:core.0003_builtin_roles").
SEED_SOURCE = "command:migrate"
SEED_SOURCE_PREFIX = "migration:"


@dataclass
class RestoreResult:
    manifest: dict
    counts: dict[str, int]
    files: int
    audit_entries: int
    safety_backup: Path | None = None
    previous_files: Path | None = None


def check_compatible(manifest: dict, using: str = DEFAULT_DB_ALIAS) -> None:
    """Refuse an archive whose schema (applied migrations) differs from the database's."""
    here = migration_state(connections[using])
    if not any(here.values()):
        raise BackupError("The database has no tables yet. Run `bilge migrate` first, then restore.")
    there = manifest["migrations"]
    problems = []
    for app in sorted(set(here) | set(there)):
        if app not in here:
            problems.append(f"{app}: the archive has an application this installation does not have")
            continue
        if app not in there:
            problems.append(f"{app}: this installation has an application the archive does not know")
            continue
        only_archive = sorted(set(there[app]) - set(here[app]))
        only_here = sorted(set(here[app]) - set(there[app]))
        if only_archive:
            problems.append(f"{app}: the archive was made after {', '.join(only_archive)}, "
                            "which this database has not applied")
        if only_here:
            problems.append(f"{app}: this database has applied {', '.join(only_here)}, which the archive predates")
    for label in manifest["counts"]:
        try:
            apps.get_model(label)
        except (LookupError, ValueError):
            problems.append(f"{label}: the archive has rows of a model this installation does not have")
    if problems:
        raise BackupError(
            "The archive does not match this database's schema:\n  - " + "\n  - ".join(problems)
            + f"\nThe archive was made by Bilge {manifest.get('bilge_version', '?')}. Restore it into an "
            "installation whose database is at the same migrations (for an older archive: migrate an "
            "empty database to the archive's migrations, e.g. `bilge migrate <app> <migration>`), then "
            "run `bilge migrate` after restoring.")


def occupied_tables(using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """Rows per model that are this installation's data, so a restore would replace them.

    Leaves out content types and permissions (matched by natural key on restore) and the seed rows
    of the data migrations: rows whose only history is the ``create`` entry written while migrating
    (source ``command:migrate``, or ``migration:<app>.<name>``), as long as nothing else was
    recorded. Anything else — a sign-in, a user made with ``ensure_admin``, a changed built-in
    role — makes the installation not empty."""
    from bilge.core.models import AuditEntry

    entries = AuditEntry.objects.using(using)
    is_seed = (Q(source=SEED_SOURCE) | Q(source__startswith=SEED_SOURCE_PREFIX)) & Q(action=AuditEntry.Action.CREATE)
    seed_entries = entries.filter(is_seed)
    other_entries = entries.exclude(is_seed).exists()
    seed: dict[str, set[str]] = {}
    if not other_entries:  # otherwise something happened since: every row counts
        for object_type, object_id in seed_entries.values_list("object_type", "object_id"):
            seed.setdefault(object_type, set()).add(object_id)
    found = {}
    for model in backed_up_models():
        if _is_natural(model) or model is AuditEntry:
            continue
        manager = model._base_manager.using(using)
        if not manager.exists():
            continue
        label = model._meta.label_lower
        if label in seed and {str(pk) for pk in manager.values_list("pk", flat=True)} == seed[label]:
            continue
        found[label] = manager.count()
    if found or other_entries:
        found[AuditEntry._meta.label_lower] = entries.count()
    return found


def _media_entries(media_root: Path) -> list[str]:
    if not media_root.exists():
        return []
    return sorted(p.name for p in media_root.iterdir())


def _describe(occupied: dict[str, int], media: list[str], media_root: Path) -> str:
    parts = [f"{label} ({count} row{'s' if count != 1 else ''})" for label, count in sorted(occupied.items())]
    text = ""
    if parts:
        shown = ", ".join(parts[:8]) + (f" and {len(parts) - 8} more tables" if len(parts) > 8 else "")
        text = f"The database is not empty: {shown}."
    if media:
        text += (" " if text else "") + (f"The uploaded files directory {media_root} is not empty "
                                          f"({len(media)} entries, e.g. {media[0]!r}).")
    return text


def _wipe(connection) -> None:
    """Remove every row (except content types and permissions) inside the current transaction: the
    seed rows of the data migrations (and their audit entries), with --force everything. The
    append-only guard of the audit trail (and any other user trigger) is lifted for the deletion
    only and is back before anything is loaded; a failure rolls all of it back."""
    keep = {apps.get_model(label)._meta.db_table for label in NATURAL_KEY_MODELS}
    existing = set(connection.introspection.table_names())
    tables = sorted(({m._meta.db_table for m in _all_tables_models()} - keep) & existing)
    flush = connection.ops.sql_flush(no_style(), tables, reset_sequences=True, allow_cascade=False)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT DISTINCT tgrelid::regclass::text FROM pg_trigger WHERE NOT tgisinternal "
                "AND tgrelid = ANY (SELECT to_regclass(t) FROM unnest(%s::text[]) AS t)", [tables])
            guarded = [row[0] for row in cursor.fetchall()]
            for table in guarded:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            for sql in flush:
                cursor.execute(sql)
            for table in guarded:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        elif connection.vendor == "sqlite":
            placeholders = ", ".join(["%s"] * len(tables))
            cursor.execute(f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                           f"AND tbl_name IN ({placeholders})", tables)
            triggers = cursor.fetchall()
            for name, _sql in triggers:
                cursor.execute(f"DROP TRIGGER {connection.ops.quote_name(name)}")
            for sql in flush:
                cursor.execute(sql)
            for _name, sql in triggers:
                cursor.execute(sql)
        else:
            raise BackupError(f"--force is supported on PostgreSQL and SQLite, not {connection.vendor}.")


class _Inserter:
    """Inserts rows of tables known to be empty in batches — the INSERT ``save(raw=True)`` would
    make, many rows at a time — with the same ``pre_save``/``post_save`` signals (``raw=True``)."""

    def __init__(self, using: str):
        self.using = using
        self.model = None
        self.objs: list = []

    @staticmethod
    def accepts(item) -> bool:
        meta = item.object._meta
        return (not _is_natural(type(item.object)) and not meta.parents and item.object.pk is not None
                and not item.deferred_fields and not any((item.m2m_data or {}).values()))

    def add(self, obj) -> None:
        if type(obj) is not self.model or len(self.objs) >= INSERT_BATCH:
            self.flush()
        self.model = type(obj)
        self.objs.append(obj)

    def flush(self) -> None:
        if not self.objs:
            return
        model, objs, self.objs = self.model, self.objs, []
        fields = [f for f in model._meta.local_concrete_fields if not f.generated]
        for obj in objs:
            signals.pre_save.send(sender=model, instance=obj, raw=True, using=self.using, update_fields=None)
        size = max(connections[self.using].ops.bulk_batch_size(fields, objs), 1)
        manager = model._base_manager.db_manager(self.using)
        for start in range(0, len(objs), size):
            manager._insert(objs[start:start + size], fields=fields, using=self.using, raw=True)
        for obj in objs:
            obj._state.adding = False
            obj._state.db = self.using
            signals.post_save.send(sender=model, instance=obj, created=True, update_fields=None, raw=True,
                                   using=self.using)


def _load(data_path: Path, using: str) -> dict[str, int]:
    """Insert every row of the data file as a raw save (signal receivers know it is a load)."""
    counts: dict[str, int] = {}
    deferred = []
    inserter = _Inserter(using)
    with open(data_path, encoding="utf-8") as stream:
        for item in serializers.deserialize("jsonl", stream, using=using, handle_forward_references=True):
            model = type(item.object)
            label = model._meta.label_lower
            counts[label] = counts.get(label, 0) + 1
            if _Inserter.accepts(item):
                inserter.add(item.object)
                continue
            inserter.flush()
            # Content types and permissions exist already (migrate made them): update or insert.
            # Every other table is empty, so each row is a plain INSERT.
            item.save(using=using, force_insert=not _is_natural(model))
            if item.deferred_fields:
                deferred.append(item)
    inserter.flush()
    for item in deferred:
        item.save_deferred_fields(using=using)
    return counts


def _reset_sequences(connection) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), _all_tables_models())
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def _check_counts(manifest: dict, loaded: dict[str, int], using: str) -> None:
    for label, expected in manifest["counts"].items():
        model = apps.get_model(label)
        if loaded.get(label, 0) != expected:
            raise BackupError(f"{label}: the manifest lists {expected} rows but the data holds "
                              f"{loaded.get(label, 0)}; the archive is inconsistent.")
        actual = model._base_manager.using(using).count()
        if actual < expected or (actual != expected and not _is_natural(model)):
            raise BackupError(f"{label}: {expected} rows were loaded but the table holds {actual}.")
    unexpected = sorted(set(loaded) - set(manifest["counts"]))
    if unexpected:
        raise BackupError(f"The data holds rows of {', '.join(unexpected)}, which the manifest does not list.")


def _check_audit(manifest: dict, using: str) -> tuple[int, str]:
    """The restored trail must be the archived one: same length, same head, and intact if it was
    intact when the backup was taken. Returns (entries, warning)."""
    expected = manifest["audit"]
    result = audit.verify_chain(using=using)
    from bilge.core.models import AuditEntry

    entries = AuditEntry.objects.using(using).count()
    head = AuditEntry.objects.using(using).order_by("-id").values_list("hash", flat=True).first()
    head = head or audit.GENESIS_HASH
    if entries != expected.get("entries") or head != expected.get("head_hash"):
        raise BackupError("The restored audit trail differs from the archived one "
                          f"({entries} entries, head {head[:12]}… instead of {expected.get('entries')}, "
                          f"{str(expected.get('head_hash'))[:12]}…).")
    if expected.get("chain_ok", True):
        if not result.ok:
            raise BackupError(f"The restored audit trail does not verify at entry #{result.first_bad_id} "
                              f"({result.reason}), although it did when the backup was taken.")
        return entries, ""
    return entries, (f"The audit trail was already broken at entry #{expected.get('first_bad_id')} when the "
                     "backup was taken; it is restored exactly as it was.")


class _MediaSwap:
    """Moves the staged files into MEDIA_ROOT (and, with --force, what was there aside); can undo."""

    def __init__(self, staged: Path, media_root: Path, aside: Path, force: bool):
        self.staged, self.media_root, self.aside, self.force = staged, media_root, aside, force
        self.moved_in: list[str] = []
        self.moved_aside: list[str] = []

    def apply(self) -> None:
        self.media_root.mkdir(parents=True, exist_ok=True)
        existing = sorted(self.media_root.iterdir())
        if existing and not self.force:
            raise BackupError(f"Files appeared in {self.media_root} while the archive was being checked "
                              f"(e.g. {existing[0].name!r}); nothing was restored.")
        if existing:
            self.aside.mkdir(parents=True)
            for entry in existing:
                shutil.move(entry, self.aside / entry.name)
                self.moved_aside.append(entry.name)
        if self.staged.exists():
            for entry in sorted(self.staged.iterdir()):
                shutil.move(entry, self.media_root / entry.name)
                self.moved_in.append(entry.name)

    def revert(self) -> None:
        for name in reversed(self.moved_in):
            shutil.move(self.media_root / name, self.staged / name)
        for name in reversed(self.moved_aside):
            shutil.move(self.aside / name, self.media_root / name)
        if self.moved_aside:
            with contextlib.suppress(OSError):
                self.aside.rmdir()


def _free_space_check(directory: Path, manifest: dict) -> None:
    needed = sum(info["size"] for info in manifest["members"].values())
    free = shutil.disk_usage(directory).free
    if needed + 64 * 1024 * 1024 > free:
        raise BackupError(f"Not enough free space in {directory}: the archive unpacks to "
                          f"{needed / 1e6:.1f} MB, {free / 1e6:.1f} MB are free.")


def restore_backup(path, *, using: str = DEFAULT_DB_ALIAS, force: bool = False) -> RestoreResult:
    """Bring an archive back into an empty, migrated installation, all or nothing.

    Empty: nothing but what ``bilge migrate`` creates (see ``occupied_tables``); those seed rows
    are replaced by the archive's. ``force``: the installation may hold data; a safety backup of
    it is written (and verified) first, then everything is replaced in the same transaction as
    the load."""
    from django.contrib.contenttypes.models import ContentType

    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path}: no such file.")
    connection = connections[using]
    media_root = Path(settings.MEDIA_ROOT)

    with _ArchiveReader(path) as reader:
        manifest = reader.manifest
        check_compatible(manifest, using)
        occupied = occupied_tables(using)
        media = _media_entries(media_root)
        if (occupied or media) and not force:
            raise BackupError(_describe(occupied, media, media_root) + " Restore only into a new installation "
                              "(`bilge migrate` on an empty database, no uploaded files), or give --force to "
                              "replace everything in it; a safety backup of the current contents is written first.")
        media_root.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".bilge-restore-", dir=media_root.parent))
        try:
            _free_space_check(staging, manifest)
            reader.verify(staging)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise

    try:
        safety = None
        if force and (occupied or media):
            safety = create_backup(suffix="-before-restore", using=using).path
            verify_archive(safety)
            logger.warning("Restore --force: the previous contents were saved to %s", safety)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        swap = _MediaSwap(staging / FILES_DIR, media_root,
                          media_root.with_name(f"{media_root.name}-before-restore-{stamp}"), force)
        try:
            with audit.suspended(), transaction.atomic(using=using):
                if connection.vendor == "postgresql":
                    with connection.cursor() as cursor:  # no audit writer may interleave
                        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [audit.ADVISORY_LOCK_KEY])
                still_occupied = occupied_tables(using)
                if still_occupied and not force:
                    raise BackupError(_describe(still_occupied, [], media_root)
                                      + " (Someone wrote to it while the archive was being checked.)")
                _wipe(connection)
                loaded = _load(staging / DATA, using)
                connection.check_constraints()
                _reset_sequences(connection)
                _check_counts(manifest, loaded, using)
                entries, warning = _check_audit(manifest, using)
                swap.apply()
        except BaseException:
            swap.revert()
            raise
    except (DatabaseError, DeserializationError) as exc:
        raise BackupError(f"Loading the archive failed; nothing was changed. {exc}") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        ContentType.objects.clear_cache()

    if warning:
        logger.warning(warning)
    logger.info("Restored %s (%d rows, %d files)", path, sum(loaded.values()), manifest["media"]["files"])
    return RestoreResult(manifest=manifest, counts=loaded, files=manifest["media"]["files"],
                         audit_entries=entries, safety_backup=safety,
                         previous_files=swap.aside if swap.moved_aside else None)
