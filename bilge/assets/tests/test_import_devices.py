"""Device imports from the sample files: a good file imports everything (sicil nos by the system,
holders get a Taşınır Teslim Belgesi), a file with one bad row imports nothing and names the row
and the reason; Windows-1254 CSV and English headers."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bilge.assets.models import Custody, Device, ImportJob
from bilge.assets.services import imports
from bilge.core.models import AuditEntry

SAMPLES = Path(__file__).parent / "samples"


@pytest.fixture(autouse=True)
def _english(client):
    """The reasons are asserted in English (the worker writes them in the language of the moment)."""
    from django.utils import translation

    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


def upload(user, kind, name, content=None):
    data = content if content is not None else (SAMPLES / name).read_bytes()
    return imports.start(user, kind, SimpleUploadedFile(name, data))


def run(user, kind, name, content=None):
    """Upload, check (the immediate task backend runs the worker's task at once), confirm."""
    job = upload(user, kind, name, content)
    job.refresh_from_db()
    if job.state == ImportJob.State.PREVIEW:
        imports.confirm(user, job)
        job.refresh_from_db()
    return job


@pytest.fixture
def ipek(inv):
    return inv["users"]["ipek"]


def test_good_excel_file_imports_every_device(inv, ipek):
    job = upload(ipek, "devices", "devices_good.xlsx")
    job.refresh_from_db()
    assert job.state == ImportJob.State.PREVIEW, job.errors
    assert job.total_rows == job.processed_rows == 4
    assert Device.objects.count() == 0  # nothing before the confirmation
    assert job.counts["devices"] == 4 and job.counts["by_type"] == {"pc": 2, "printer": 2}
    assert [r[0] for r in job.preview["rows"]] == [2, 3, 4, 5]

    imports.confirm(ipek, job)
    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE and job.imported_rows == 4
    pc = Device.objects.get(serial="CSP-0001")
    assert pc.sicil_no == "255.01.02.01/25/000001"  # the purchase year, the type's taşınır code
    assert pc.holder == inv["people"]["cagri"] and pc.status == "in_use" and pc.unit == inv["yol"]
    assert pc.mac_address == "AA:BB:CC:DD:EE:01" and pc.ip_address == "10.1.2.3" and pc.approved
    assert str(pc.price) == "24500.50" and pc.warranty_end.isoformat() == "2028-03-15"
    assert pc.attributes == {"cpu": "i7-13700", "ram_gb": "32", "os": "pardus"}
    assert "csp-0001" in pc.search_text and "nirvana d46" in pc.search_text and "çağrı" in pc.search_text
    assert Device.objects.get(serial="CSP-0002").sicil_no == "255.01.02.01/25/000002"
    printer = Device.objects.get(serial="HP-0001")
    assert printer.location == inv["locations"]["room"] and printer.status == "in_use"
    assert printer.mac_address == "AA:BB:CC:DD:EE:02"
    assert Device.objects.get(serial="HP-0002").device_type == inv["types"]["printer"]  # type by its name
    custody = Custody.objects.get()
    assert custody.receiver == inv["people"]["cagri"] and list(custody.lines.values_list("device__serial",
                                                                                         flat=True)) == ["CSP-0001"]
    # One audit entry per imported device, by the user, from the worker.
    entries = AuditEntry.objects.filter(object_type="assets.device", action="create")
    assert entries.count() == 4
    assert {e.actor_id for e in entries} == {ipek.pk} and {e.source for e in entries} == {"task:run_import"}
    assert not Path(imports.default_storage.path(job.stored_path)).exists()  # the upload is removed


def test_one_bad_row_imports_nothing_and_names_the_row(inv, ipek):
    job = run(ipek, "devices", "devices_bad_row.xlsx")
    assert job.state == ImportJob.State.REJECTED
    assert job.errors == [[4, "MAC adresi", "ZZ:11:22 is not a MAC address."]]
    assert job.counts == {"errors": 1}
    assert Device.objects.count() == 0 and Custody.objects.count() == 0


def test_windows_1254_csv(inv, ipek):
    job = run(ipek, "devices", "devices_cp1254.csv")
    assert job.state == ImportJob.State.DONE, job.errors
    names = set(Device.objects.values_list("name", flat=True))
    assert names == {"Başkanlık yazıcısı (Işıl Çağrı)", "Ölçü şubesi bilgisayarı"}
    assert Device.objects.get(serial="WIN-0001").sicil_no.startswith("255.01.02.05/25/")


def test_english_headers_and_utf8_bom(inv, ipek):
    job = run(ipek, "devices", "devices_english.csv")
    assert job.state == ImportJob.State.DONE, job.errors
    pc = Device.objects.get(serial="EN-0001")
    assert pc.model == inv["models"]["pc"] and pc.approved and pc.attributes["os"] == "win11"
    assert pc.purchase_date.isoformat() == "2025-05-06"


@pytest.mark.parametrize(("row", "reason"), [
    ("pc;;;X1;;;;BT;;;10.1.2;", "“10.1.2” is not an IP address."),
    ("laptop;;;X1;;;;BT;;;;", "No device type “laptop”."),
    ("pc;Casper;Yok;X1;;;;BT;;;;", "No model “Yok” of “Casper” in the catalogue."),
    ("pc;;;X1;;;;ZZ;;;;", "No warehouse “ZZ”."),
    ("pc;;;X1;;;;BT;NOPE;;;", "No unit with code “NOPE”."),
    ("pc;;;X1;;;;BT;;9999;;", "No person with registration number “9999”."),
    ("pc;;;X1;;hurda;;BT;;;;", "Disposed devices are recorded through a disposal, not imported."),
    ("pc;;;X1;;;;BT;;;;kötü isim!", "“kötü isim!” is not a host name."),
    ("pc;;;" + "X" * 101 + ";;;;BT;;;;", "Longer than 100 characters."),
])
def test_reasons(inv, ipek, row, reason):
    header = "Tür kodu;Marka;Model;Seri no;Ad;Durum;Yer;Ambar kodu;Birim kodu;Zimmetli sicil no;IP adresi;Bilgisayar adı"
    job = run(ipek, "devices", "one.csv", f"{header}\npc;;;OK-1;;;;BT;;;;\n{row}\n".encode())
    assert job.state == ImportJob.State.REJECTED
    assert [e[0] for e in job.errors] == [3] and job.errors[0][2] == reason
    assert Device.objects.count() == 0


def test_type_fields_are_checked_against_the_schema(inv, ipek):
    header = "Tür kodu;Seri no;Ambar kodu;Bellek (GB);İşletim sistemi"
    job = run(ipek, "devices", "f.csv", f"{header}\npc;A;BT;sekiz;\nprinter;B;BT;8;\npc;C;BT;;DOS\n".encode())
    assert job.state == ImportJob.State.REJECTED
    assert [e[0] for e in job.errors] == [2, 3, 4]
    assert "Bellek (GB)" in job.errors[0][1]
    assert job.errors[1][2] == "A Yazıcı has no field “Bellek (GB)”."


def test_duplicates_in_the_file_and_in_the_database(inv, ipek, make_device):
    make_device(serial="DUP-1", mac_address="AA:AA:AA:AA:AA:01")
    header = "Tür kodu;Marka;Model;Seri no;Ambar kodu;MAC adresi"
    body = ("pc;Casper;Nirvana D46;DUP-1;BT;\n"          # row 2: serial already recorded
            "pc;Casper;Nirvana D46;NEW-1;BT;aa:aa:aa:aa:aa:01\n"  # row 3: MAC already recorded
            "pc;Casper;Nirvana D46;NEW-2;BT;\n"
            "pc;Casper;Nirvana D46;new-2;BT;\n")          # row 5: same serial as row 4
    job = run(ipek, "devices", "d.csv", f"{header}\n{body}".encode())
    assert job.state == ImportJob.State.REJECTED
    assert [e[0] for e in job.errors] == [2, 3, 5]
    assert "already recorded" in job.errors[0][2] and "row 4" in job.errors[2][2]
    assert Device.objects.count() == 1


def test_unknown_and_missing_columns_reject_the_file(inv, ipek):
    job = run(ipek, "devices", "h.csv", "Seri no;Renk\nX;kırmızı\n".encode())
    assert job.state == ImportJob.State.REJECTED
    messages = [e[2] for e in job.errors]
    assert "Unknown column “Renk”." in messages and "Column “Tür kodu” is missing." in messages


def test_sicil_numbers_continue_the_sequence(inv, ipek, make_device):
    first = make_device()  # registered by hand this year
    job = run(ipek, "devices", "s.csv", b"T\xc3\xbcr kodu;Ambar kodu\npc;BT\npc;BT\n")
    assert job.state == ImportJob.State.DONE
    sequences = sorted(int(s.rsplit("/", 1)[1]) for s in Device.objects.exclude(pk=first.pk)
                       .values_list("sicil_no", flat=True))
    assert sequences == [int(first.sicil_no.rsplit("/", 1)[1]) + 1, int(first.sicil_no.rsplit("/", 1)[1]) + 2]


def test_template_has_turkish_headers_and_notes(inv, ipek):
    import io

    from openpyxl import load_workbook

    from bilge.assets import importers

    book = load_workbook(io.BytesIO(importers.get("devices")(inv["institution"], ipek).template_bytes()))
    headers = [c.value for c in book["Veri"][1]]
    assert headers[:3] == ["Tür kodu", "Marka", "Model"] and "İşletim sistemi" in headers
    notes = [row[0].value for row in book["Açıklamalar"].iter_rows(min_row=2)]
    assert set(headers) <= set(notes)
    assert [c.value for c in book["Türler"]["A"]][1:] == ["pc", "printer"]


@pytest.mark.skipif("not __import__('django.db').db.connection.vendor == 'postgresql'")
def test_copy_path_records_the_same_audit_entries(inv, ipek, monkeypatch):
    from bilge.assets.importers import bulk
    from bilge.core.audit import verify_chain

    body = "Tür kodu;Marka;Model;Seri no;Ambar kodu;Alım tarihi;Fiyat;İşlemci\n{}pc;Casper;Nirvana D46;{};BT;02.01.2025;1.500,00;i5\n"
    assert bulk.available()
    job = run(ipek, "devices", "a.csv", body.format("", "COPY-1").encode())
    assert job.state == ImportJob.State.DONE
    monkeypatch.setattr(bulk, "available", lambda: False)
    job = run(ipek, "devices", "b.csv", body.format("", "ORM-1").encode())
    assert job.state == ImportJob.State.DONE
    entries = {e.object_repr.split("/")[-1]: e for e in AuditEntry.objects.filter(object_type="assets.device")}
    copy_entry, orm_entry = (AuditEntry.objects.get(object_type="assets.device", object_id=str(d.pk))
                             for d in (Device.objects.get(serial="COPY-1"), Device.objects.get(serial="ORM-1")))
    assert len(entries) == 2
    different = {"id", "sicil_no", "serial", "created_at"}
    assert {k: v for k, v in copy_entry.changes.items() if k not in different} == \
        {k: v for k, v in orm_entry.changes.items() if k not in different}
    assert set(copy_entry.changes) == set(orm_entry.changes)
    assert (copy_entry.actor_id, copy_entry.source, copy_entry.action) == (orm_entry.actor_id, orm_entry.source, "create")
    assert copy_entry.object_repr.endswith("Casper Nirvana D46")
    assert Device.objects.get(serial="COPY-1").search_text == Device.objects.get(serial="COPY-1").build_search_text()
    copied, orm = (Device.objects.filter(serial=s).values().get() for s in ("COPY-1", "ORM-1"))
    skip = {"id", "sicil_no", "serial", "created_at", "updated_at", "search_text"}
    assert {k: v for k, v in copied.items() if k not in skip} == {k: v for k, v in orm.items() if k not in skip}
    assert copied["search_text"].replace("copy-1", "orm-1").split()[1:] == orm["search_text"].split()[1:]
    assert verify_chain().ok
