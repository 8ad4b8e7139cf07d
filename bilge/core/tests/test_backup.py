"""Backup and restore: the round trip loses nothing, and a bad archive or a non-empty installation
is refused without writing anything."""

import gzip
import io
import json
import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from bilge.core import audit
from bilge.core.backup import DATA, MANIFEST, migration_state, occupied_tables, read_manifest, verify_archive
from bilge.testing import subprocess_env

TURKISH_NAME = "ekler/Şube Müdürlüğü/Zimmet Tutanağı — Çağrı Öztürk İĞÜŞÖÇ ığüşöç.txt"
TURKISH_TEXT = "Teslim eden: İSMAİL IŞIK\nTeslim alan: Çağrı Öztürk — ğüşıöç İĞÜŞÖÇ\n".encode()


def bilge(*args, env, timeout=180, check=True) -> subprocess.CompletedProcess:
    """Run the ``bilge`` command in a child process."""
    result = subprocess.run([sys.executable, "-m", "bilge.cli", *args], env=env, capture_output=True,
                            text=True, encoding="utf-8", timeout=timeout)
    if check and result.returncode != 0:
        pytest.fail(f"bilge {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


# Every row of every table, read with the ORM (independently of the backup's serializer).
# Content types and permissions are keyed by natural key (their ids are migrate's choice),
# rows of auto-created many-to-many tables without their own id (the relation manager's choice).
DUMP_SCRIPT = r"""
import datetime, decimal, json, os, uuid
from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType

cts = {ct.pk: [ct.app_label, ct.model] for ct in ContentType.objects.all()}
perms = {p.pk: [p.codename] + cts[p.content_type_id] for p in Permission.objects.all()}

def natural(model, value):
    if value is None:
        return None
    if model is ContentType:
        return cts[value]
    if model is Permission:
        return perms[value]
    return value

def plain(value):
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (bytes, memoryview)):
        return bytes(value).hex()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    raise TypeError(type(value))

dump = {}
for model in apps.get_models(include_auto_created=True):
    meta = model._meta
    if not meta.managed or meta.proxy:
        continue
    fields = meta.concrete_fields
    keyed = model in (ContentType, Permission) or meta.auto_created
    rows = []
    for values in model._base_manager.order_by("pk").values_list(*[f.attname for f in fields]):
        row = {}
        for f, value in zip(fields, values):
            row[f.attname] = natural(f.related_model, value) if f.is_relation else value
        if keyed:
            row.pop(meta.pk.attname)
        rows.append(row)
    if keyed:
        rows.sort(key=lambda r: json.dumps(r, sort_keys=True, default=plain))
    dump[meta.label_lower] = rows
with open(os.environ["BILGE_DUMP_TO"], "w", encoding="utf-8") as out:
    json.dump(dump, out, sort_keys=True, default=plain, ensure_ascii=False)
"""


GUARD_SCRIPT = r"""
from django.db import connection, transaction
try:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET object_repr = 'x' WHERE id = (SELECT min(id) FROM core_auditentry)")
    print("UNGUARDED")
except Exception as exc:
    print("GUARDED", type(exc).__name__)
"""


def dump_database(env, path: Path) -> dict:
    bilge("shell", "-v", "0", "-c", DUMP_SCRIPT, env={**env, "BILGE_DUMP_TO": str(path)})
    return json.loads(path.read_text(encoding="utf-8"))


def files_below(root: Path) -> dict[str, bytes]:
    if not root.exists():
        return {}
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def second_database(tmp_path, transactional_db):
    """DATABASE_URL of a second, empty database of the same kind as the test database."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'geri-yuklenen.sqlite3'}"
        return
    s = connection.settings_dict
    name = f"{s['NAME']}_restored"
    quoted = connection.ops.quote_name(name)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
        cursor.execute(f"CREATE DATABASE {quoted}")
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    yield f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")


def build_everything(org, make_user, media_root: Path):
    """Rows in every corner: presets, personal data, users with groups and permissions (natural
    keys), a second-factor device, a session, preferences, an archived record, a delegation, audit
    entries by a user who no longer exists, and files with Turkish names and contents."""
    import datetime

    from django.contrib.auth.models import Group, Permission
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from bilge.core.models import Delegation, Person
    from bilge.core.services import ensure_builtin_roles, load_preset
    from bilge.web.models import UserPreference

    load_preset("batman")
    ensure_builtin_roles()
    ipek = org["people"]["ipek"]
    user = make_user("ipek", person=ipek, roles=[(["org.view", "org.change"], "unit", org["sys"])])
    group = Group.objects.create(name="Bilgi İşlem Destek")
    group.permissions.add(*Permission.objects.filter(codename__in=["view_person", "change_unit"]))
    user.groups.add(group)
    user.user_permissions.add(Permission.objects.get(codename="view_auditentry"))
    TOTPDevice.objects.create(user=user, name="Telefon — İpek", confirmed=True)
    UserPreference.put(user, "person_list", {"columns": ["Adı", "Soyadı", "Birimi"], "sayfa": 50})
    Person.objects.create(institution=org["institution"], registration_no="1006", first_name="Şükrü",
                          last_name="Ağaoğlu", unit=org["fen"], tc_kimlik="10000000078",
                          start_date=datetime.date(2020, 2, 29))
    Delegation.objects.create(principal=org["people"]["ismail"], delegate=org["people"]["cagri"],
                              start_date=datetime.date(2026, 7, 1), end_date=datetime.date(2026, 7, 31),
                              reason="Yıllık izin")
    org["zabita"].archive("Teşkilat şeması değişti")
    session = SessionStore()
    session["bilge"] = "oturum"
    session.create()

    gone = make_user("gecici")
    with audit.acting_as(gone, ip="10.0.0.7", source="web"):
        org["yol"].email = "yol@test.bel.tr"
        org["yol"].save()
    gone.delete()  # the trail keeps the id of a user who no longer exists

    (media_root / TURKISH_NAME).parent.mkdir(parents=True)
    (media_root / TURKISH_NAME).write_bytes(TURKISH_TEXT)
    (media_root / "ekler" / "İKİLİ.bin").write_bytes(bytes(range(256)) * 64)
    (media_root / "boş.txt").write_bytes(b"")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_round_trip_loses_nothing(org, make_user, settings, tmp_path, second_database):
    media_root = Path(settings.MEDIA_ROOT)
    build_everything(org, make_user, media_root)
    assert audit.verify_chain().ok

    archive = tmp_path / "yedek — Çağrı.tar.gz"
    out = io.StringIO()
    call_command("backup", output=str(archive), stdout=out)
    assert str(archive) in out.getvalue()
    assert "core.person" in out.getvalue()
    manifest = read_manifest(archive)
    assert manifest["database"]["vendor"] == connection.vendor
    assert manifest["counts"]["core.person"] == 6
    assert manifest["migrations"] == migration_state(connection)
    assert manifest["audit"]["chain_ok"] and manifest["audit"]["entries"] > 100
    assert "files/" + TURKISH_NAME in manifest["members"]
    assert verify_archive(archive) == manifest

    source_env = subprocess_env()
    restored_dir = tmp_path / "geri"
    target_env = subprocess_env(DATABASE_URL=second_database, BILGE_DATA_DIR=str(restored_dir))
    bilge("migrate", "--noinput", "-v", "0", env=target_env)
    restored = bilge("restore", str(archive), env=target_env)
    assert "chain verified" in restored.stdout

    verified = bilge("audit_verify", env=target_env)
    assert f"OK: {manifest['audit']['entries']} entries verified" in verified.stdout

    source = dump_database(source_env, tmp_path / "kaynak.json")
    target = dump_database(target_env, tmp_path / "hedef.json")
    assert sorted(source) == sorted(target)
    for label in sorted(source):
        assert source[label] == target[label], f"{label} differs after the round trip"
    people = {row["registration_no"]: row for row in target["core.person"]}
    assert people["1001"]["tc_kimlik"] == "10000000146" and people["1006"]["first_name"] == "Şükrü"
    assert target["otp_totp.totpdevice"] and target["web.userpreference"]
    assert target["sessions.session"] and target["auth.user_user_permissions"]

    original_files = files_below(media_root)
    assert original_files[TURKISH_NAME] == TURKISH_TEXT and len(original_files) == 3
    assert files_below(restored_dir / "files") == original_files
    assert not list(restored_dir.glob(".bilge-restore-*"))

    # A second restore into the now filled installation is refused and changes nothing.
    refused = bilge("restore", str(archive), env=target_env, check=False)
    assert refused.returncode == 1
    assert "not empty" in refused.stderr and "core.person (6 rows)" in refused.stderr
    assert dump_database(target_env, tmp_path / "hedef2.json") == target
    assert files_below(restored_dir / "files") == original_files

    # --force replaces everything, after a verified safety backup of what was there.
    forced = bilge("restore", "--force", str(archive), env=target_env)
    [safety_line] = [line for line in forced.stdout.splitlines() if line.startswith("Safety backup")]
    safety = Path(safety_line.split(": ", 1)[1])
    assert safety.parent == restored_dir / "backups" and verify_archive(safety)["counts"] == manifest["counts"]
    assert dump_database(target_env, tmp_path / "hedef3.json") == target
    assert files_below(restored_dir / "files") == original_files
    assert bilge("audit_verify", env=target_env).returncode == 0
    # The append-only guard, lifted to replace the trail, is back.
    assert "GUARDED" in bilge("shell", "-v", "0", "-c", GUARD_SCRIPT, env=target_env).stdout

    # New rows continue after the restored ids (sequences were reset).
    created = bilge("shell", "-v", "0", "-c",
                    "from bilge.core.models import Position, Institution\n"
                    "p = Position.objects.create(institution=Institution.objects.get(slug='test'), name='Şef')\n"
                    "print('pk', p.pk)", env=target_env)
    max_position = max(row["id"] for row in target["core.position"])
    assert f"pk {max_position + 1}" in created.stdout


# --- refusals (a small archive made once, in child processes, from its own SQLite database) -----

@pytest.fixture
def empty_installation(db):
    """The test database as an empty installation. pytest-django ran the migrations in process, so
    the data migrations' seed rows are recorded with the source "system", not "command:migrate"
    as `bilge migrate` records them; remove them, inside the test's transaction (rolled back, the
    audit trail's guard included, when the test ends)."""
    from bilge.core.backup import _wipe

    _wipe(connection)
    assert occupied_tables() == {}


TAMPER_SCRIPT = r"""
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("DROP TRIGGER IF EXISTS core_auditentry_no_update")
    cursor.execute("UPDATE core_auditentry SET object_repr = 'sahte' WHERE id = 3")
"""


@pytest.fixture(scope="module")
def archives(tmp_path_factory) -> dict[str, Path]:
    """A small archive, and one of the same installation after its audit trail was tampered with."""
    base = tmp_path_factory.mktemp("kucuk")
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{base / 'kaynak.sqlite3'}", BILGE_DATA_DIR=str(base),
               BILGE_PROFILE="development", SECRET_KEY="x" * 50)
    env.pop("REDIS_URL", None)
    bilge("migrate", "--noinput", "-v", "0", env=env)
    bilge("load_preset", "batman", env=env)
    (base / "files" / "belgeler").mkdir(parents=True)
    (base / "files" / "belgeler" / "Çizelge İş.txt").write_bytes(TURKISH_TEXT)
    bilge("backup", "--output", str(base / "kucuk.tar.gz"), env=env)
    bilge("shell", "-v", "0", "-c", TAMPER_SCRIPT, env=env)
    bilge("backup", "--output", str(base / "bozuk-zincir.tar.gz"), env=env)
    return {"good": base / "kucuk.tar.gz", "broken_chain": base / "bozuk-zincir.tar.gz"}


@pytest.fixture(scope="module")
def small_archive(archives) -> Path:
    return archives["good"]


def rewrite(archive: Path, target: Path, change) -> Path:
    """Copy an archive member by member; ``change(name, data)`` returns new (name, data) pairs."""
    with tarfile.open(archive, "r:gz") as tar:
        members = [(m.name, tar.extractfile(m).read()) for m in tar.getmembers()]
    with tarfile.open(target, "w:gz", format=tarfile.PAX_FORMAT) as tar:
        for name, data in members:
            for new_name, new_data in change(name, data):
                info = tarfile.TarInfo(new_name)
                info.size = len(new_data)
                tar.addfile(info, io.BytesIO(new_data))
    return target


def _flip_data(name, data):
    yield name, data.replace(b"Batman", b"Betman", 1) if name == DATA else data


def _flip_file(name, data):
    yield name, bytes([data[0] ^ 1]) + data[1:] if name.startswith("files/") else data


def _extra_member(name, data):
    yield name, data
    if name == DATA:
        yield "files/sonradan eklendi.txt", b"kimse bilmiyor"


def _missing_member(name, data):
    if not name.startswith("files/"):
        yield name, data


def _unsafe_name(name, data):
    if name == MANIFEST:
        manifest = json.loads(data)
        manifest["members"]["files/../../dışarı.txt"] = {"sha256": "0" * 64, "size": 1}
        data = json.dumps(manifest).encode()
    yield name, data


def _schema_mismatch(name, data):
    if name == MANIFEST:
        manifest = json.loads(data)
        manifest["migrations"]["core"].append("0099_gelecek")
        data = json.dumps(manifest).encode()
    yield name, data


@pytest.mark.parametrize(("change", "message"), [
    (_flip_data, "Checksum mismatch for 'database.jsonl'"),
    (_flip_file, "Checksum mismatch for 'files/belgeler/Çizelge İş.txt'"),
    (_extra_member, "which its manifest does not list"),
    (_missing_member, "lacks 1 member"),
    (_unsafe_name, "unsafe file name"),
    (_schema_mismatch, "core: the archive was made after 0099_gelecek"),
])
def test_a_damaged_or_altered_archive_is_refused_and_nothing_is_written(empty_installation, small_archive, tmp_path, settings,
                                                                         change, message):
    from bilge.core.models import AuditEntry

    bad = rewrite(small_archive, tmp_path / "bozuk.tar.gz", change)
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("restore", str(bad), stdout=io.StringIO())
    assert occupied_tables() == {}
    assert AuditEntry.objects.count() == 0
    assert files_below(Path(settings.MEDIA_ROOT)) == {}
    assert not list(tmp_path.glob(".bilge-restore-*"))


@pytest.mark.parametrize("damage", ["truncated", "garbage", "plain tar"])
def test_an_unreadable_archive_is_refused_clearly(empty_installation, small_archive, tmp_path, settings, damage):
    raw = small_archive.read_bytes()
    bad = tmp_path / "bozuk.tar.gz"
    if damage == "truncated":
        bad.write_bytes(raw[: len(raw) // 2])
        expected = "damaged"
    elif damage == "garbage":
        bad.write_bytes(os.urandom(4096))
        expected = "damaged or not a Bilge backup"
    else:
        bad.write_bytes(gzip.decompress(raw))
        expected = "damaged or not a Bilge backup"
    with pytest.raises(CommandError, match=expected):
        call_command("restore", str(bad), stdout=io.StringIO())
    assert occupied_tables() == {}
    assert files_below(Path(settings.MEDIA_ROOT)) == {}


def test_restore_refuses_a_database_that_is_not_empty(org, small_archive, settings):
    from bilge.core.models import Institution

    with pytest.raises(CommandError, match=r"The database is not empty: .*core\.person \(5 rows\)"):
        call_command("restore", str(small_archive), stdout=io.StringIO())
    assert list(Institution.objects.values_list("slug", flat=True)) == ["test"]
    assert files_below(Path(settings.MEDIA_ROOT)) == {}


def test_restore_refuses_uploaded_files_already_there(empty_installation, small_archive, settings):
    media_root = Path(settings.MEDIA_ROOT)
    media_root.mkdir(parents=True)
    (media_root / "eski.txt").write_text("eski", encoding="utf-8")
    with pytest.raises(CommandError, match="uploaded files directory .* is not empty"):
        call_command("restore", str(small_archive), stdout=io.StringIO())
    assert occupied_tables() == {}
    assert files_below(media_root) == {"eski.txt": b"eski"}


def test_restore_into_an_empty_database(empty_installation, small_archive, settings):
    """In process, into the (empty) test database; on PostgreSQL this also restores an archive made
    on SQLite."""
    from bilge.core.models import AuditEntry, Institution, Unit

    out = io.StringIO()
    call_command("restore", str(small_archive), stdout=out)
    assert "chain verified" in out.getvalue()
    manifest = read_manifest(small_archive)
    assert Institution.objects.get().name == "Batman İl Özel İdaresi"
    assert AuditEntry.objects.count() == manifest["audit"]["entries"]
    result = audit.verify_chain()
    assert result.ok and result.head_hash == manifest["audit"]["head_hash"]
    assert files_below(Path(settings.MEDIA_ROOT)) == {"belgeler/Çizelge İş.txt": TURKISH_TEXT}
    # No entries for the loaded rows; new writes chain on after the restored head.
    unit = Unit.objects.order_by("pk").last()
    unit.email = "bidb@batman.gov.tr"
    unit.save()
    assert AuditEntry.objects.count() == manifest["audit"]["entries"] + 1
    assert audit.verify_chain().ok


def test_a_broken_audit_trail_is_restored_exactly_as_it_was(empty_installation, archives):
    from bilge.core.models import AuditEntry

    manifest = read_manifest(archives["broken_chain"])
    assert manifest["audit"]["chain_ok"] is False and manifest["audit"]["first_bad_id"] == 3
    err = io.StringIO()
    call_command("restore", str(archives["broken_chain"]), stdout=io.StringIO(), stderr=err)
    assert "already broken at entry #3" in err.getvalue()
    result = audit.verify_chain()
    assert not result.ok and result.first_bad_id == 3
    assert AuditEntry.objects.get(id=3).object_repr == "sahte"
    assert AuditEntry.objects.count() == manifest["audit"]["entries"]


def test_seed_rows_of_migrate_count_as_empty_and_nothing_else_does(empty_installation):
    from bilge.core.models import Role

    with audit.audit_context(source="command:migrate"):
        role = Role.objects.create(name="Denetçi", grants=["*.view"], is_builtin=True)
    with audit.audit_context(source="migration:core.0099_gelecek"):
        Role.objects.create(name="Okur", grants=["org.view"], is_builtin=True)
    assert occupied_tables() == {}  # what `bilge migrate` creates is replaced by the archive's
    role.description = "Değiştirildi"
    role.save()  # a change by anyone else makes it the installation's data
    assert occupied_tables() == {"core.role": 2, "core.auditentry": 3}


def test_check_only_verifies(empty_installation, small_archive):
    out = io.StringIO()
    call_command("restore", "--check", str(small_archive), stdout=out)
    assert "OK: every member matches its checksum" in out.getvalue()
    assert occupied_tables() == {}


def test_backup_refuses_to_run_inside_a_transaction(db, tmp_path):
    with pytest.raises(CommandError, match="transaction of its own"):
        call_command("backup", output=str(tmp_path / "x.tar.gz"), stdout=io.StringIO())
    assert not list(tmp_path.iterdir())


def test_backup_never_overwrites_and_never_writes_into_the_uploaded_files(tmp_path, settings):
    existing = tmp_path / "var.tar.gz"
    existing.write_bytes(b"onceki")
    with pytest.raises(CommandError, match="already exists"):
        call_command("backup", output=str(existing), stdout=io.StringIO())
    assert existing.read_bytes() == b"onceki"
    media_root = Path(settings.MEDIA_ROOT)
    media_root.mkdir(parents=True)
    with pytest.raises(CommandError, match="inside the uploaded files"):
        call_command("backup", output=str(media_root), stdout=io.StringIO())
    with pytest.raises(CommandError, match="does not exist"):
        call_command("backup", output=str(tmp_path / "yok" / "x.tar.gz"), stdout=io.StringIO())


@pytest.mark.django_db(transaction=True)
def test_the_dump_reads_one_snapshot_and_does_not_block_writers(org):
    import threading

    from django.db import connections

    from bilge.core.backup import _read_snapshot
    from bilge.core.models import Position

    errors = []

    def write():
        try:
            Position.objects.create(institution_id=org["institution"].pk, name="Eşzamanlı Kayıt")
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connections["default"].close()

    with _read_snapshot(connection):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SHOW transaction_isolation")
                assert cursor.fetchone()[0] == "repeatable read"
                cursor.execute("SHOW transaction_read_only")
                assert cursor.fetchone()[0] == "on"
        before = Position.objects.count()
        writer = threading.Thread(target=write)
        writer.start()
        writer.join(30)
        assert not writer.is_alive() and not errors, errors  # the writer was not blocked
        assert Position.objects.count() == before  # ... and the snapshot does not see its row
    assert Position.objects.count() == before + 1
