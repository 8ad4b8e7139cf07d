"""The import job: states, progress, rights, the pages (upload, progress bar, rejection report
and its Excel, preview and confirmation) and the all-or-nothing write in the worker."""

import io
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from bilge.assets.importers.base import Importer
from bilge.assets.importers.devices import DeviceImporter
from bilge.assets.models import Device, ImportJob
from bilge.assets.services import imports

SAMPLES = Path(__file__).parent / "samples"
S = ImportJob.State


@pytest.fixture(autouse=True)
def _english(client):
    """The reasons are asserted in English (the worker writes them in the language of the moment)."""
    from django.utils import translation

    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


def upload(user, name, data=None, kind="devices"):
    data = data if data is not None else (SAMPLES / name).read_bytes()
    job = imports.start(user, kind, SimpleUploadedFile(name, data))
    job.refresh_from_db()
    return job


def csv_rows(n, start=0):
    return ("Tür kodu;Seri no;Ambar kodu\n" + "".join(f"pc;P{i:05d};BT\n" for i in range(start, start + n))).encode()


def test_progress_is_recorded_while_checking(inv, monkeypatch):
    monkeypatch.setattr(Importer, "progress_every", 10)
    monkeypatch.setattr(Importer, "progress_interval", 0)
    monkeypatch.setattr(imports._Progress, "interval", 0)
    seen = []
    original = imports._Progress.__call__

    def spy(self, done, force=False):
        original(self, done, force)
        seen.append((done, ImportJob.objects.get(pk=self.job.pk).processed_rows,
                     ImportJob.objects.get(pk=self.job.pk).state))

    monkeypatch.setattr(imports._Progress, "__call__", spy)
    job = upload(inv["users"]["ipek"], "p.csv", csv_rows(45))
    assert [s[0] for s in seen] == [10, 20, 30, 40, 45]
    assert all(done == stored and state == S.RUNNING for done, stored, state in seen)
    assert job.state == S.PREVIEW and job.total_rows == job.processed_rows == 45 and job.percent == 100


def test_rights(inv, client):
    cagri = inv["users"]["cagri"]  # an employee: may not import
    with pytest.raises(PermissionError):
        imports.start(cagri, "devices", SimpleUploadedFile("d.xlsx", (SAMPLES / "devices_good.xlsx").read_bytes()))
    client.force_login(cagri)
    assert client.get(reverse("assets:importjob_add")).status_code == 403
    assert client.get(reverse("assets:import_template", args=["devices"])).status_code == 403
    job = upload(inv["users"]["ipek"], "devices_good.xlsx")
    assert client.get(job.get_absolute_url()).status_code in (403, 404)
    assert client.post(reverse("assets:importjob_confirm", args=[job.pk])).status_code in (403, 404)
    job.refresh_from_db()
    assert job.state == S.PREVIEW and Device.objects.count() == 0


def test_files_are_checked_before_anything_is_stored(inv):
    ipek = inv["users"]["ipek"]
    for name, data in (("a.pdf", b"%PDF-1.4"), ("a.xlsx", b"not a zip"), ("a.csv", b"")):
        with pytest.raises(ValidationError):
            imports.start(ipek, "devices", SimpleUploadedFile(name, data))
    with pytest.raises(ValidationError):
        imports.start(ipek, "furniture", SimpleUploadedFile("a.csv", b"x"))
    assert ImportJob.objects.count() == 0


def test_unreadable_workbook_is_rejected(inv):
    job = upload(inv["users"]["ipek"], "broken.xlsx", b"PK\x03\x04 broken")
    assert job.state == S.REJECTED and job.errors[0][2] == "The file is not a readable Excel workbook (.xlsx)."


def test_confirmation_only_once(inv):
    ipek = inv["users"]["ipek"]
    job = upload(ipek, "devices_good.xlsx")
    imports.confirm(ipek, job)
    with pytest.raises(ValidationError):
        imports.confirm(ipek, job)
    assert Device.objects.count() == 4


def test_rows_are_checked_again_at_confirmation(inv, make_device):
    ipek = inv["users"]["ipek"]
    job = upload(ipek, "p.csv", csv_rows(3))
    assert job.state == S.PREVIEW
    make_device(serial="P00002")  # registered meanwhile
    imports.confirm(ipek, job)
    job.refresh_from_db()
    assert job.state == S.FAILED and [e[0] for e in job.errors] == [4]
    assert Device.objects.count() == 1


def test_an_error_while_writing_leaves_nothing(inv, monkeypatch):
    ipek = inv["users"]["ipek"]
    job = upload(ipek, "p.csv", csv_rows(5))
    original = DeviceImporter.write

    def failing(self, rows, progress):
        original(self, rows, progress)
        raise ValidationError("Disk dolu.")

    monkeypatch.setattr(DeviceImporter, "write", failing)
    imports.confirm(ipek, job)
    job.refresh_from_db()
    assert job.state == S.FAILED and job.errors == [[0, "", "Disk dolu."]] and job.imported_rows == 0
    assert Device.objects.count() == 0

    monkeypatch.setattr(DeviceImporter, "write", lambda *a: 1 / 0)
    job = upload(ipek, "p.csv", csv_rows(5))
    imports.confirm(ipek, job)
    job.refresh_from_db()
    assert job.state == S.FAILED and "unexpected error" in job.errors[0][2]
    assert Device.objects.count() == 0


def test_pages_upload_preview_confirm(inv, client):
    client.force_login(inv["users"]["ipek"])
    page = client.get(reverse("assets:importjob_add"))
    assert page.status_code == 200 and b"template-devices" in page.content
    template = client.get(reverse("assets:import_template", args=["stock"]))
    assert load_workbook(io.BytesIO(template.content))["Veri"]["A1"].value == "Malzeme kodu"
    response = client.post(reverse("assets:importjob_add"), {
        "kind": "devices", "file": SimpleUploadedFile("devices_good.xlsx", (SAMPLES / "devices_good.xlsx").read_bytes())})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    detail = client.get(job.get_absolute_url())
    assert b'data-testid="import-preview"' in detail.content and b"CSP-0001" in detail.content
    assert b'data-testid="confirm-import"' in detail.content
    client.post(reverse("assets:importjob_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.state == S.DONE
    assert b'data-testid="import-done"' in client.get(job.get_absolute_url()).content
    listing = client.get(reverse("assets:importjob_list"))
    assert listing.status_code == 200 and b"devices_good.xlsx" in listing.content


def test_pages_rejection_and_error_list(inv, client):
    client.force_login(inv["users"]["ipek"])
    job = upload(inv["users"]["ipek"], "devices_bad_row.xlsx")
    detail = client.get(job.get_absolute_url()).content.decode()
    assert 'data-testid="import-rejected"' in detail and "ZZ:11:22" in detail
    sheet = load_workbook(io.BytesIO(client.get(reverse("assets:importjob_errors", args=[job.pk])).content)).active
    assert [c.value for c in sheet[2]] == [4, "MAC adresi", "ZZ:11:22 is not a MAC address."]


def test_progress_bar_polls_until_the_job_is_finished(inv, client):
    ipek = inv["users"]["ipek"]
    client.force_login(ipek)
    job = ImportJob.objects.create(institution=inv["institution"], kind="devices", file_name="x.csv",
                                   stored_path="imports/x.csv", created_by=ipek, state=S.RUNNING, total_rows=200,
                                   processed_rows=50)
    url = reverse("assets:importjob_progress", args=[job.pk])
    running = client.get(url + "?running=1")
    assert b'hx-trigger="every 1s"' in running.content and b"25 %" in running.content
    assert "HX-Refresh" not in running
    assert b'hx-trigger="every 1s"' in client.get(job.get_absolute_url()).content
    ImportJob.objects.filter(pk=job.pk).update(state=S.PREVIEW)
    finished = client.get(url + "?running=1")
    assert finished["HX-Refresh"] == "true" and b"every 1s" not in finished.content


def test_a_reference_gone_since_the_check_fails_the_import(inv):
    ipek = inv["users"]["ipek"]
    job = upload(ipek, "p.csv", csv_rows(2))
    rows_file = Path(imports.default_storage.path(imports._rows_path(job)))
    assert rows_file.exists()  # the checked rows wait for the confirmation
    inv["warehouse"].archived_at = inv["warehouse"].created_at
    inv["warehouse"].save()
    imports.confirm(ipek, job)
    job.refresh_from_db()
    assert job.state == S.FAILED and [e[:2] for e in job.errors] == [[2, "Ambar kodu"], [3, "Ambar kodu"]]
    assert Device.objects.count() == 0 and not rows_file.exists()


def test_api_upload_follow_and_confirm(inv):
    from rest_framework.test import APIClient

    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_authenticate(inv["users"]["ipek"])
    response = api.post("/api/asset-imports/upload/", {
        "kind": "devices", "file": SimpleUploadedFile("d.xlsx", (SAMPLES / "devices_bad_row.xlsx").read_bytes())},
        format="multipart")
    assert response.status_code == 202 and response.json()["state"] == "rejected"
    assert response.json()["errors"] == [[4, "MAC adresi", "ZZ:11:22 is not a MAC address."]]
    job = api.post("/api/asset-imports/upload/", {
        "kind": "devices", "file": SimpleUploadedFile("d.xlsx", (SAMPLES / "devices_good.xlsx").read_bytes())},
        format="multipart").json()
    assert job["state"] == "preview" and job["percent"] == 100
    done = api.post(f"/api/asset-imports/{job['id']}/confirm/")
    assert done.status_code == 202 and done.json()["state"] == "done" and done.json()["imported_rows"] == 4
    assert api.post(f"/api/asset-imports/{job['id']}/confirm/").status_code == 400
    assert [j["id"] for j in api.get("/api/asset-imports/").json()["results"]][0] == job["id"]
    employee = APIClient()
    employee.force_authenticate(inv["users"]["cagri"])
    assert employee.post("/api/asset-imports/upload/", {"kind": "devices"}, format="multipart").status_code == 403
