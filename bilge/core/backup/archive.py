"""Writing an archive (``create_backup``) and reading one back: the manifest, and every member
checked against its size and SHA-256 (see the package docstring for the format)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import socket
import tarfile
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import django
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from bilge.core.backup.dump import (
    COPY_CHUNK,
    DATA,
    FILES_DIR,
    FILES_PREFIX,
    MANIFEST,
    BackupError,
    _dump_database,
    _scan_media,
    _sha256_of,
)

logger = logging.getLogger("bilge.backup")

FORMAT = "bilge-backup"
FORMAT_VERSION = 1
MAX_MANIFEST_BYTES = 64 * 1024 * 1024
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


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

