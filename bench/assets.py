"""`make bench-assets`: assets at metropolitan scale (300,000 devices with their custody history).

Measures, against the production server (gunicorn) like bench/run.py:
  * the device list page (HTML), filtered by a unit and a type, sorted (sicil no; warranty end);
  * the device API list with the same filters, sorted;
  * the custody PDF (Taşınır Teslim Belgesi) of a document with several lines;
and, in a `bilge shell` (the worker's work, not a request):
  * an import of 100,000 device rows from Excel: the check of every row, and the write (all in one
    transaction, one audit entry per device); rolled back afterwards, so runs can be repeated.
Writes (or replaces) the "## Assets" section of bench/RESULTS.md; the rest of the file stays.

Data: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/bilge_bench, the ticket
bench's database). When it already holds the metro people (and tickets), only the assets part of
the metro demo is added (once); when the database does not exist, it is created with the metro
people and assets, without the 3 million tickets. BENCH_REPEAT (default 300), BENCH_WORKERS (2),
BENCH_IMPORT_ROWS (100000); BENCH_ASSETS_GENERATED_IN (seconds, to report the load time of data loaded
by an earlier run).
"""

from __future__ import annotations

import datetime
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import (  # noqa: E402
    BIN,
    DB_URL,
    REPEAT,
    ROOT,
    SIGN_IN,
    WORKERS,
    base_env,
    free_port,
    machine,
    measure,
    sh,
    start_server,
)

TARGETS = {"html": 100.0, "api": 50.0, "pdf": 500.0, "import": 60.0}
IMPORT_ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))

PREPARE = """
import json, time
from bilge.core.demo import generate
from bilge.core.models import Institution
from bilge.assets.demo import generate_assets
t0 = time.perf_counter()
result = generate("metro")
people = time.perf_counter() - t0
assets = generate_assets(result.institution, "metro", progress=print)
print(json.dumps({"people_seconds": people, "assets_seconds": assets.seconds, "created": assets.created}))
"""

INFO = SIGN_IN + """
import json
from django.db.models import Count
from django.contrib.auth import get_user_model
from bilge.core.models import AuditEntry, Institution, Person, Role, RoleAssignment
from bilge.assets.models import Custody, CustodyLine, Device, DeviceType
inst = Institution.objects.get(slug="kocaeli")
# An IT person with the built-in IT role (the whole inventory) and a person behind the account.
person = Person.objects.filter(institution=inst, unit__is_it=True, archived_at__isnull=True).order_by("pk")[5]
User = get_user_model()
user = person.user or User.objects.get_or_create(username="bench.assets")[0]
if person.user_id is None:
    person.user = user
    person.save(update_fields=["user", "updated_at"])
RoleAssignment.objects.get_or_create(user=user, role=Role.objects.get(name="BT personeli"), scope="institution",
                                     institution=inst)
s, token = sign_in(user)
pc = DeviceType.objects.get(code="pc")
unit = (Device.objects.filter(institution=inst, device_type=pc, unit__isnull=False).values("unit").annotate(n=Count("id"))
        .order_by("-n").first())
# A Taşınır Teslim Belgesi of several devices (the demo's are mostly of one), made once by the service.
NOTE = "bench: a handover of eight devices"
document = Custody.objects.filter(note=NOTE).first()
if document is None:
    from bilge.assets.services.custody import hand_over
    free = list(Device.objects.filter(institution=inst, status="in_warehouse", holder__isnull=True,
                                      archived_at__isnull=True).order_by("pk")[:8])
    receiver = Person.objects.filter(institution=inst, unit__is_it=False, archived_at__isnull=True).order_by("pk")[10]
    document = hand_over(user, free, receiver=receiver, note=NOTE)
custody = {"custody": document.pk, "n": document.lines.count()}
print(json.dumps({"session": s.session_key, "token": token.key, "unit": unit["unit"], "unit_pcs": unit["n"],
                  "type": pc.pk, "custody": custody["custody"], "custody_lines": custody["n"],
                  "devices": Device.objects.filter(institution=inst).count(), "custodies": Custody.objects.count(),
                  "lines": CustodyLine.objects.count(), "people": Person.objects.filter(institution=inst).count(),
                  "audit_entries": AuditEntry.objects.count(), "user": user.pk}))
"""

IMPORT = """
import io, json, time, tempfile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from openpyxl import Workbook
from django.contrib.auth import get_user_model
from bilge.assets.models import Device, ImportJob
from bilge.assets.services import imports
rows, user = %(rows)d, get_user_model().objects.get(pk=%(user)d)
book = Workbook(write_only=True)
sheet = book.create_sheet("Veri")
sheet.append(["Tür kodu", "Marka", "Model", "Seri no", "Ambar kodu", "Birim kodu", "IP adresi", "MAC adresi",
              "Onaylı", "Alım tarihi", "Fiyat", "Tedarikçi", "Garanti bitişi", "İşlemci", "Bellek (GB)",
              "İşletim sistemi"])
stamp = int(time.time()) %% 100000
for i in range(rows):
    sheet.append(["pc", "Dell", "OptiPlex 7010", f"BENCH{stamp:05d}{i:07d}", "BT", "", f"172.{16 + i // 65536}.{i // 256 %% 256}.{i %% 256}",
                  f"02:BE:{stamp %% 256:02X}:{i >> 16 & 255:02X}:{i >> 8 & 255:02X}:{i & 255:02X}", "evet",
                  "15.03.2025", "24.500,00", "Anadolu Bilişim Ltd. Şti.", "15.03.2028", "Intel i5-13500", 16,
                  "Pardus"])
out = io.BytesIO()
book.save(out)
data = out.getvalue()
imports._enqueue = lambda task, pk: None  # the worker's functions are called here, in this process
class Rollback(Exception):
    pass
before = Device.objects.count()
try:
    with transaction.atomic():
        job = imports.start(user, "devices", SimpleUploadedFile("bench.xlsx", data))
        t0 = time.perf_counter()
        imports.check_import.call(job.pk)
        check = time.perf_counter() - t0
        job.refresh_from_db()
        assert job.state == "preview", job.errors[:3]
        imports.confirm(user, job)
        t0 = time.perf_counter()
        imports.run_import.call(job.pk)
        write = time.perf_counter() - t0
        job.refresh_from_db()
        assert job.state == "done", job.errors[:3]
        imported = Device.objects.count() - before
        raise Rollback
except Rollback:
    pass
print(json.dumps({"check": check, "write": write, "rows": rows, "imported": imported, "bytes": len(data)}))
"""


def shell(code: str, env: dict) -> dict:
    out = sh(str(BIN / "bilge"), "shell", "-c", code, env=env, capture=True)
    return json.loads(out.strip().splitlines()[-1])


def database_exists() -> bool:
    name = DB_URL.rsplit("/", 1)[1]
    admin = DB_URL.rsplit("/", 1)[0] + "/postgres"
    return sh("psql", admin, "-Atc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'", capture=True).strip() == "1"


def prepare(env: dict) -> dict:
    if not database_exists():
        admin = DB_URL.rsplit("/", 1)[0] + "/postgres"
        sh("psql", admin, "-qc", f"CREATE DATABASE {DB_URL.rsplit('/', 1)[1]}")
    sh(str(BIN / "bilge"), "migrate", "--noinput", "-v0", env=env)
    started = time.perf_counter()
    result = shell(PREPARE, env)
    result["seconds"] = time.perf_counter() - started
    sh(str(BIN / "bilge"), "collectstatic", "--noinput", "-v0", env=env)
    return result


def main() -> int:
    data_dir = Path(tempfile.mkdtemp(prefix="bilge-bench-assets-"))
    env = base_env(data_dir)
    print("Preparing the metro assets (300,000 devices; a few minutes the first time)…", flush=True)
    prepared = prepare(env)
    info = shell(INFO, env)
    port = free_port()
    server = start_server(env, port, WORKERS)
    try:
        web = {"Cookie": f"sessionid={info['session']}", "X-Forwarded-Proto": "https", "Host": "127.0.0.1"}
        api = {"Authorization": f"Token {info['token']}", "X-Forwarded-Proto": "https", "Host": "127.0.0.1",
               "Accept": "application/json"}
        q = f"unit={info['unit']}&device_type={info['type']}"
        results = {
            "Device list, HTML, one unit and type, sorted by sicil no": (
                "html", measure(port, f"/assets/devices/?{q}&sort=sicil_no", web)),
            "Device list, HTML, one unit and type, by warranty end (newest first), page 2": (
                "html", measure(port, f"/assets/devices/?{q}&sort=-warranty_end&page=2", web)),
            "Device list, HTML, whole inventory, sorted by sicil no, page 50": (
                "html", measure(port, "/assets/devices/?sort=sicil_no&page=50", web)),
            "Device API, one unit and type, sorted by sicil no": (
                "api", measure(port, f"/api/devices/?{q}&sort=sicil_no", api)),
            "Device API, one unit and type, by warranty end (newest first)": (
                "api", measure(port, f"/api/devices/?{q}&sort=-warranty_end", api)),
            f"Custody PDF (Taşınır Teslim Belgesi of {info['custody_lines']} devices)": (
                "pdf", measure(port, f"/assets/custody/{info['custody']}/pdf/", web, repeat=min(REPEAT, 100))),
        }
    finally:
        server.terminate()
        server.wait(10)
    print(f"Importing {IMPORT_ROWS:,} rows…", flush=True)
    imported = shell(IMPORT % {"rows": IMPORT_ROWS, "user": info["user"]}, env)
    write_results(prepared, info, results, imported)
    return 0


def write_results(prepared, info, results, imported):
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "## Assets", "",
        f"- Date: {now}; machine as above ({machine()})",
        f"- Data: {info['devices']:,} devices, {info['custodies']:,} Taşınır Teslim Belgeleri with {info['lines']:,} "
        f"lines, {info['people']:,} people, {info['audit_entries']:,} audit entries"
        + (f"; assets loaded by the metro demo in {prepared['assets_seconds']:.0f} s" if prepared.get("created")
           else (f"; assets loaded by the metro demo in {os.environ['BENCH_ASSETS_GENERATED_IN']} s"
                 if os.environ.get("BENCH_ASSETS_GENERATED_IN") else "")),
        f"- Filter: the unit with the most desktop computers ({info['unit_pcs']:,} of them); user: IT staff "
        f"(role \"BT personeli\", whole institution); gunicorn, {WORKERS} sync workers, {REPEAT} requests per line "
        f"after 20 warm-up requests",
        "",
        "| measurement | p50 ms | p95 ms | p99 ms | target (p95) | met |",
        "|---|---:|---:|---:|---:|:---:|",
    ]
    for name, (kind, r) in results.items():
        target = TARGETS[kind]
        lines.append(f"| {name} | {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} | ≤ {target:.0f} ms | "
                     f"{'yes' if r['p95'] <= target else '**no**'} |")
    total = imported["check"] + imported["write"]
    lines += [
        "",
        "| import (worker, `bilge shell`) | seconds | target | met |",
        "|---|---:|---:|:---:|",
        f"| Excel file of {imported['rows']:,} device rows ({imported['bytes'] / 2**20:.1f} MB): check of every row "
        f"| {imported['check']:.1f} | | |",
        f"| … the write: {imported['imported']:,} devices in one transaction, one audit entry each "
        f"| {imported['write']:.1f} | | |",
        f"| Import of {imported['rows']:,} rows, check and write | {total:.1f} | ≤ {TARGETS['import']:.0f} s | "
        f"{'yes' if total <= TARGETS['import'] else '**no**'} |",
        "",
        "The import is rolled back after the measurement (the data stays as loaded). Run it again with "
        "`make bench-assets` (BENCH_DATABASE_URL, BENCH_REPEAT, BENCH_WORKERS, BENCH_IMPORT_ROWS).",
        "",
    ]
    path = ROOT / "bench" / "RESULTS.md"
    text = path.read_text() if path.exists() else "# Benchmark results\n\n"
    section = "\n".join(lines)
    if "## Assets" in text:
        text = re.sub(r"## Assets\n.*?(?=\n## |\Z)", lambda _m: section.rstrip("\n") + "\n", text, flags=re.S)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text)
    print(section)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except subprocess.CalledProcessError as exc:
        sys.exit(f"failed: {exc}")
