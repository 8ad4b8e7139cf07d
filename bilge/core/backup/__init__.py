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

from bilge.core.backup.archive import (
    FORMAT,
    FORMAT_VERSION,
    MAX_MANIFEST_BYTES,
    SHA256_RE,
    BackupResult,
    create_backup,
    default_backup_dir,
    read_manifest,
    verify_archive,
)
from bilge.core.backup.dump import (
    COPY_CHUNK,
    DATA,
    FILES_DIR,
    FILES_PREFIX,
    MANIFEST,
    NATURAL_KEY_MODELS,
    QUERY_CHUNK,
    BackupError,
    _read_snapshot,
    backed_up_models,
    migration_state,
)
from bilge.core.backup.restore import (
    INSERT_BATCH,
    SEED_SOURCE,
    SEED_SOURCE_PREFIX,
    RestoreResult,
    _wipe,
    check_compatible,
    occupied_tables,
    restore_backup,
)

__all__ = [
    "COPY_CHUNK",
    "DATA",
    "FILES_DIR",
    "FILES_PREFIX",
    "FORMAT",
    "FORMAT_VERSION",
    "INSERT_BATCH",
    "MANIFEST",
    "MAX_MANIFEST_BYTES",
    "NATURAL_KEY_MODELS",
    "QUERY_CHUNK",
    "SEED_SOURCE",
    "SEED_SOURCE_PREFIX",
    "SHA256_RE",
    "BackupError",
    "BackupResult",
    "RestoreResult",
    "_read_snapshot",
    "_wipe",
    "backed_up_models",
    "check_compatible",
    "create_backup",
    "default_backup_dir",
    "migration_state",
    "occupied_tables",
    "read_manifest",
    "restore_backup",
    "verify_archive",
]
