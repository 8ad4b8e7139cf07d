"""Backups: one consistent archive of the whole database and the uploaded files, and its restore.

The archive is a gzip-compressed tar file (PAX format, so file names keep their Turkish letters
in UTF-8) with, in this order:

``manifest.json``
    What the archive holds: format version, Bilge and Django versions, the time, the database
    vendor, the applied migrations per app, the rows per model, the audit trail's length and head
    hash, and the size and SHA-256 of every other member.
``database.jsonl``
    Every row of every table, one JSON object per line (Django's serializer format).
``files/<path>``
    The uploaded files (``settings.MEDIA_ROOT``), byte for byte.

Choices, and why:

* Consistency: every row is read inside ONE read-only transaction — on PostgreSQL
  ``REPEATABLE READ READ ONLY`` (one snapshot for all tables), on SQLite a deferred read
  transaction (in WAL mode a snapshot that does not block the writers). The files are read after
  the snapshot, so every file a row of the snapshot refers to is in the archive.
* Rows keep their primary keys, so links, numbers and the audit trail (whose hashes cover the
  actors' ids) come back unchanged. Only ``contenttypes.ContentType`` and ``auth.Permission`` — rows
  ``migrate`` creates itself, with ids that may differ between installations — are written by
  natural key and matched to the installation's own rows when restoring.
* Date-times keep their microseconds (Django's JSON encoder cuts them to milliseconds, which
  would break the audit trail's hashes).
* The manifest comes first, so a restore refuses a foreign or incompatible archive before
  reading further. Files are therefore hashed before they are archived; a file that changes in
  between fails the backup rather than storing something the manifest does not describe.
* An empty installation is what ``bilge migrate`` leaves: content types and permissions, and the
  seed rows of data migrations (the built-in roles), recognised by their audit entries (source
  ``command:migrate``, and nothing happened since). A restore replaces those seed rows and their
  entries with the archive's, in its transaction; anything more needs ``--force``, which first
  writes a safety backup.
* Nothing is half-written: the archive is written to a temporary file next to its target and
  renamed into place when complete. A restore verifies every member's checksum into a staging
  directory first, then loads every row in ONE transaction with the audit trail suspended (the
  loaded entries *are* the trail), checks the row counts and the audit chain, and only then
  moves the files into place and commits.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import logging
import os
import re
import shutil
import socket
import tarfile
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import django
from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.jsonl import Serializer as JSONLSerializer
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, models, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.models import Prefetch, Q, signals
from django.utils import timezone

from bilge.core import audit

logger = logging.getLogger("bilge.backup")

FORMAT = "bilge-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATA = "database.jsonl"
FILES_DIR = "files"
FILES_PREFIX = FILES_DIR + "/"
MAX_MANIFEST_BYTES = 64 * 1024 * 1024
COPY_CHUNK = 1024 * 1024
QUERY_CHUNK = 2000
INSERT_BATCH = 500
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")

# Audit sources of the rows a fresh installation's data migrations create (see occupied_tables):
# `bilge migrate`, or a data migration that names itself ("migration:core.0003_builtin_roles").
SEED_SOURCE = "command:migrate"
SEED_SOURCE_PREFIX = "migration:"

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


class _HashingReader:
    def __init__(self, f):
        self._f = f
        self.digest = hashlib.sha256()

    def read(self, size=-1):
        data = self._f.read(size)
        self.digest.update(data)
        return data


def _add_member(tar: tarfile.TarFile, name: str, path: Path, size: int, sha256: str, mtime: float) -> None:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = int(mtime)
    info.mode = 0o600
    info.type = tarfile.REGTYPE
    with open(path, "rb") as f:
        reader = _HashingReader(f)
        try:
            tar.addfile(info, reader)
        except OSError as exc:  # the file shrank while it was read
            raise BackupError(f"{name} changed while the backup was being written ({exc}); "
                              "run the backup again.") from exc
    if reader.digest.hexdigest() != sha256:
        raise BackupError(f"{name} changed while the backup was being written; run the backup again.")


# --- writing an archive -------------------------------------------------------------------------

@dataclass
class BackupResult:
    path: Path
    manifest: dict
    skipped_files: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return self.manifest["counts"]

    @property
    def rows(self) -> int:
        return sum(self.counts.values())

    @property
    def files(self) -> int:
        return self.manifest["media"]["files"]

    @property
    def size(self) -> int:
        return self.path.stat().st_size


def default_backup_dir() -> Path:
    return Path(settings.DATA_DIR) / "backups"


def _bilge_version() -> str:
    try:
        from importlib.metadata import version

        return version("bilge")
    except Exception:
        from bilge import __version__

        return __version__


def _target_path(output, suffix: str) -> Path:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    name = f"bilge-{stamp}{suffix}.tar.gz"
    if output is None:
        directory = default_backup_dir()
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        path, chosen = directory / name, True
    else:
        output = Path(output).expanduser()
        if output.is_dir():
            path, chosen = output / name, True
        else:
            path, chosen = output, False
            if not path.parent.is_dir():
                raise BackupError(f"The directory {path.parent} does not exist.")
            if path.exists():
                raise BackupError(f"{path} already exists; choose another name (a backup never "
                                  "overwrites a file).")
    path = path.absolute()
    counter = 1
    while chosen and path.exists():  # two backups in the same second
        path = path.with_name(f"bilge-{stamp}{suffix}-{counter}.tar.gz")
        counter += 1
    media_root = Path(settings.MEDIA_ROOT).resolve()
    if path.parent.resolve() == media_root or path.parent.resolve().is_relative_to(media_root):
        raise BackupError(f"The backup cannot be written inside the uploaded files ({media_root}); "
                          "it would back itself up. Choose another directory.")
    return path


def create_backup(output=None, *, using: str = DEFAULT_DB_ALIAS, suffix: str = "") -> BackupResult:
    """Write one archive of the database and the uploaded files; return where and what.

    ``output``: a file name, an existing directory, or None for
    ``$BILGE_DATA_DIR/backups/bilge-YYYYmmdd-HHMMSS.tar.gz``."""
    connection = connections[using]
    path = _target_path(output, suffix)
    media_root = Path(settings.MEDIA_ROOT)
    fd, partial = tempfile.mkstemp(prefix=".bilge-backup-", suffix=".partial", dir=path.parent)
    raw = os.fdopen(fd, "wb")
    try:
        with raw, tempfile.TemporaryDirectory(prefix=".bilge-backup-", dir=path.parent) as work:
            data_path = Path(work) / DATA
            counts, migrations, audit_info = _dump_database(data_path, using)
            data_sha, data_size = _sha256_of(data_path)
            media, skipped = _scan_media(media_root)
            members = {DATA: {"sha256": data_sha, "size": data_size}}
            for item in media:
                members[FILES_PREFIX + item.relative] = {"sha256": item.sha256, "size": item.size}
            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "bilge_version": _bilge_version(),
                "django_version": django.get_version(),
                "created_at": timezone.now().isoformat(),
                "host": socket.gethostname(),
                "database": {"vendor": connection.vendor},
                "migrations": migrations,
                "counts": counts,
                "audit": audit_info,
                "media": {"files": len(media), "bytes": sum(item.size for item in media)},
                "members": members,
            }
            manifest_path = Path(work) / MANIFEST
            manifest_path.write_bytes(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True)
                                      .encode("utf-8"))
            manifest_sha, manifest_size = _sha256_of(manifest_path)
            now = timezone.now().timestamp()
            with tarfile.open(fileobj=raw, mode="w:gz", format=tarfile.PAX_FORMAT, encoding="utf-8",
                              compresslevel=6) as tar:
                _add_member(tar, MANIFEST, manifest_path, manifest_size, manifest_sha, now)
                _add_member(tar, DATA, data_path, data_size, data_sha, now)
                for item in media:
                    _add_member(tar, FILES_PREFIX + item.relative, item.path, item.size, item.sha256, item.mtime)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, path)
        _fsync_dir(path.parent)
    except BaseException:
        raw.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(partial)
        raise
    logger.info("Backup written to %s (%d rows, %d files)", path, sum(counts.values()), len(media),
                extra={"backup_path": str(path)})
    return BackupResult(path, manifest, skipped)


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# --- reading an archive -------------------------------------------------------------------------

def _member_path(name: str) -> PurePosixPath | None:
    """The relative path of a ``files/`` member, refusing anything that could leave the directory."""
    if name in (MANIFEST, DATA):
        return None
    if not name.startswith(FILES_PREFIX):
        raise BackupError(f"The archive lists an unexpected member {name!r}; it is not a Bilge backup.")
    relative = name[len(FILES_PREFIX):]
    parts = relative.split("/")
    if not relative or "\x00" in relative or any(p in ("", ".", "..") for p in parts):
        raise BackupError(f"The archive lists an unsafe file name {name!r}; refusing it.")
    return PurePosixPath(*parts)


def _parse_manifest(raw: bytes) -> dict:
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BackupError(f"The archive's manifest is damaged ({exc}).") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("This is not a Bilge backup (its manifest does not say so).")
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise BackupError(f"The archive has format version {version!r}; this Bilge reads version "
                          f"{FORMAT_VERSION}. Use the Bilge version that made it "
                          f"({manifest.get('bilge_version', '?')}) or a newer one.")
    members = manifest.get("members")
    counts = manifest.get("counts")
    migrations = manifest.get("migrations")
    problems = []
    if not isinstance(members, dict) or DATA not in members:
        problems.append("members")
    else:
        for name, info in members.items():
            _member_path(name)
            if (not isinstance(info, dict) or not isinstance(info.get("size"), int) or info["size"] < 0
                    or not isinstance(info.get("sha256"), str) or not SHA256_RE.match(info["sha256"])):
                problems.append(f"members[{name!r}]")
    if not isinstance(counts, dict) or not all(isinstance(v, int) and v >= 0 for v in counts.values()):
        problems.append("counts")
    if not isinstance(migrations, dict) or not all(isinstance(v, list) for v in migrations.values()):
        problems.append("migrations")
    if not isinstance(manifest.get("audit"), dict):
        problems.append("audit")
    if problems:
        raise BackupError(f"The archive's manifest is damaged or incomplete ({', '.join(problems[:5])}).")
    return manifest


_READ_ERRORS = (tarfile.TarError, OSError, EOFError, zlib.error)


class _ArchiveReader:
    """Reads an archive front to back, once (a gzip stream cannot seek cheaply)."""

    def __init__(self, path: Path):
        self.path = path
        self._file = open(path, "rb")  # noqa: SIM115 (closed in close())
        try:
            self._tar = tarfile.open(fileobj=self._file, mode="r|gz", encoding="utf-8")
            first = self._tar.next()
            if first is None or first.name != MANIFEST or not first.isfile():
                raise BackupError(f"{path} is not a Bilge backup (it does not start with {MANIFEST}).")
            if first.size > MAX_MANIFEST_BYTES:
                raise BackupError(f"{path}: the manifest is implausibly large; not a Bilge backup.")
            self.manifest = _parse_manifest(self._tar.extractfile(first).read())
        except _READ_ERRORS as exc:
            self.close()
            raise BackupError(f"{path} is damaged or not a Bilge backup ({exc}).") from exc
        except BaseException:
            self.close()
            raise

    def close(self):
        with contextlib.suppress(Exception):
            self._tar.close()
        self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def verify(self, destination: Path | None = None) -> None:
        """Check every member against the manifest; with ``destination``, also write the members
        there (``database.jsonl`` and ``files/...``). Raises BackupError on the first difference."""
        expected = self.manifest["members"]
        seen: set[str] = set()
        try:
            while (member := self._tar.next()) is not None:
                name = member.name
                if name not in expected or name == MANIFEST:
                    raise BackupError(f"The archive holds {name!r}, which its manifest does not list; "
                                      "it was altered after the backup was made.")
                if name in seen:
                    raise BackupError(f"The archive holds {name!r} twice; it was altered.")
                if not member.isfile():
                    raise BackupError(f"{name!r} in the archive is not a regular file; refusing it.")
                info = expected[name]
                if member.size != info["size"]:
                    raise BackupError(f"{name!r} has {member.size} bytes but the manifest says "
                                      f"{info['size']}; the archive is damaged or was altered.")
                target = None
                if destination is not None:
                    relative = _member_path(name)
                    target = destination / DATA if relative is None else destination / FILES_DIR / relative
                    target.parent.mkdir(parents=True, exist_ok=True)
                self._copy_checked(self._tar.extractfile(member), name, info, target, member.mtime)
                seen.add(name)
        except _READ_ERRORS as exc:
            raise BackupError(f"{self.path} is damaged ({exc}); nothing was restored.") from exc
        missing = sorted(set(expected) - seen)
        if missing:
            raise BackupError(f"The archive lacks {len(missing)} member(s) its manifest lists "
                              f"(first: {missing[0]!r}); it is incomplete.")

    @staticmethod
    def _copy_checked(source, name: str, info: dict, target: Path | None, mtime) -> None:
        digest = hashlib.sha256()
        size = 0
        out = open(target, "xb") if target is not None else None  # noqa: SIM115
        try:
            while chunk := source.read(COPY_CHUNK):
                digest.update(chunk)
                size += len(chunk)
                if out is not None:
                    out.write(chunk)
        finally:
            if out is not None:
                out.close()
        if size != info["size"] or digest.hexdigest() != info["sha256"]:
            raise BackupError(f"Checksum mismatch for {name!r}: the archive is damaged or was altered; "
                              "nothing was restored.")
        if target is not None and mtime:
            with contextlib.suppress(OSError):
                os.utime(target, (mtime, mtime))


def read_manifest(path) -> dict:
    """The manifest of an archive (reads only its beginning)."""
    with _ArchiveReader(Path(path)) as reader:
        return reader.manifest


def verify_archive(path) -> dict:
    """Read a whole archive and check every member's size and SHA-256; return its manifest."""
    with _ArchiveReader(Path(path)) as reader:
        reader.verify()
        return reader.manifest


# --- restoring -----------------------------------------------------------------------------------

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
