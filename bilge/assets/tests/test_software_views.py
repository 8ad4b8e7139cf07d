"""Software, licence, installation and certificate pages and API: compliance on the licence
page, over-assignment refused with a clear message, renewable-from and revocation, rights."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from bilge.assets.models import Certificate, Installation, Licence, LicenceAssignment, Software


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def netcad(inv):
    return Software.objects.create(institution=inv["institution"], name="Netcad", publisher="Netcad A.Ş.")


def test_licence_page_assigns_and_refuses_beyond_the_seats(client, inv, make_device, netcad):
    lic = Licence.objects.create(institution=inv["institution"], software=netcad, kind="per_device", quantity=1)
    first, second = make_device(), make_device()
    Installation.objects.create(device=first, software=netcad)
    Installation.objects.create(device=second, software=netcad)
    client.force_login(inv["users"]["ipek"])
    add = reverse("assets:licenceassignment_add")
    response = client.post(add, {"licence": lic.pk, "device_sicil": first.sicil_no})
    assert response.status_code == 302 and response["Location"] == lic.get_absolute_url()
    response = client.post(add, {"licence": lic.pk, "device_sicil": second.sicil_no})
    assert response.status_code == 400
    assert "All 1 seats of this licence are assigned (1)" in response.content.decode()
    assert LicenceAssignment.objects.count() == 1
    page = client.get(lic.get_absolute_url()).content.decode()
    for testid, value in (("owned", "1"), ("assigned", "1"), ("installed", "2")):
        assert f'data-testid="{testid}">{value}<' in page
    assert "1 installations beyond the seats owned" in page
    assert first.sicil_no in page
    # Unassign frees the seat.
    assignment = LicenceAssignment.objects.get()
    client.post(reverse("assets:licenceassignment_unassign", args=[assignment.pk]))
    assert not LicenceAssignment.objects.exists()
    # The add page takes the licence from the link.
    assert f'value="{lic.pk}" selected' in client.get(add, {"licence": lic.pk}).content.decode()


def test_software_pages_and_export(client, inv, make_device, netcad):
    Licence.objects.create(institution=inv["institution"], software=netcad, kind="per_user", quantity=5)
    device = make_device()
    client.force_login(inv["users"]["ipek"])
    response = client.post(reverse("assets:installation_add"),
                           {"device_sicil": device.sicil_no, "software": netcad.pk, "version": "8.5"})
    assert response.status_code == 302
    assert Installation.objects.get().version == "8.5"
    page = client.get(netcad.get_absolute_url()).content.decode()
    assert device.sicil_no in page and 'data-testid="owned">5<' in page and "compliant" in page
    assert netcad.name in client.get(reverse("assets:installation_list"), {"device": device.sicil_no}).content.decode()
    export = client.get(reverse("assets:licence_list"), {"export": "xlsx"})
    from openpyxl import load_workbook

    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[1][0] == "Netcad" and rows[1][2] == 5 and rows[1][3] == 0


def test_certificate_page_renewal_and_revocation(client, inv):
    today = timezone.localdate()
    cert = Certificate.objects.create(
        institution=inv["institution"], kind="esign", issuer="KamuSM", subject="Oya Cem", holder=inv["people"]["oya"],
        serial="5C11E0", valid_from=today - datetime.timedelta(days=1000),
        valid_to=today - datetime.timedelta(days=1000) + datetime.timedelta(days=1096))
    client.force_login(inv["users"]["ipek"])
    page = client.get(cert.get_absolute_url()).content.decode()
    assert f"Renewable from {cert.renewable_from:%d.%m.%Y}" in page
    listed = reverse("assets:certificate_list")
    assert "Oya Cem" in client.get(listed, {"expires_within": "180"}).content.decode()
    assert "Oya Cem" not in client.get(listed, {"expires_within": "7"}).content.decode()
    response = client.post(reverse("assets:certificate_revoke", args=[cert.pk]),
                           {"revoked_at": today.isoformat(), "reason": "Görevden ayrıldı"})
    assert response.status_code == 302
    cert.refresh_from_db()
    assert cert.revoked_at == today
    assert f"Revoked on {today:%d.%m.%Y}" in client.get(cert.get_absolute_url()).content.decode()
    # An employee cannot revoke (nor see others' certificates).
    client.force_login(inv["users"]["cagri"])
    assert client.post(reverse("assets:certificate_revoke", args=[cert.pk]), {"revoked_at": today}).status_code == 404


def test_certificate_form_checks_the_kamusm_term(client, inv):
    client.force_login(inv["users"]["ipek"])
    form = {"kind": "esign", "subject": "Çağrı Öztürk", "issuer": "KamuSM", "valid_from": "01.03.2026",
            "valid_to": "01.03.2027"}
    response = client.post(reverse("assets:certificate_add"), form)
    assert response.status_code == 400 and "valid for 3 or 5 years" in response.content.decode()
    form["valid_to"] = "01.03.2029"
    assert client.post(reverse("assets:certificate_add"), form).status_code == 302


def test_employee_sees_own_certificate_only(client, inv):
    today = timezone.localdate()
    mine = Certificate.objects.create(institution=inv["institution"], kind="esign", subject="Çağrı Öztürk",
                                      holder=inv["people"]["cagri"], valid_from=today, valid_to=today.replace(
                                          year=today.year + 3))
    other = Certificate.objects.create(institution=inv["institution"], kind="tls", subject="www.example.gov.tr",
                                       valid_from=today, valid_to=today + datetime.timedelta(days=90))
    client.force_login(inv["users"]["cagri"])
    assert client.get(mine.get_absolute_url()).status_code == 200
    assert client.get(other.get_absolute_url()).status_code == 404
    assert client.get(reverse("assets:certificate_add")).status_code == 403


def test_api(client, inv, make_device, netcad):
    device = make_device()
    client.force_login(inv["users"]["ipek"])
    lic = client.post("/api/licences/", {"software": netcad.pk, "kind": "per_device", "quantity": 1},
                      content_type="application/json")
    assert lic.status_code == 201, lic.content
    lic_id = lic.json()["id"]
    first = client.post("/api/licence-assignments/", {"licence": lic_id, "device": device.pk},
                        content_type="application/json")
    assert first.status_code == 201
    refused = client.post("/api/licence-assignments/", {"licence": lic_id, "device": make_device().pk},
                          content_type="application/json")
    assert refused.status_code == 400 and "All 1 seats" in refused.json()["non_field_errors"][0]
    inst = client.post("/api/installations/", {"device": device.pk, "software": netcad.pk, "version": "8"},
                       content_type="application/json")
    assert inst.status_code == 201
    assert client.get(f"/api/licences/{lic_id}/compliance/").json() == {
        "owned": 1, "assigned": 1, "installed": 1, "free": 0, "shortfall": 0, "status": "compliant"}
    assert client.get(f"/api/software/{netcad.pk}/compliance/").json()["status"] == "compliant"
    assert client.delete(f"/api/licence-assignments/{first.json()['id']}/").status_code == 204
    cert = client.post("/api/certificates/", {"kind": "tls", "subject": "www.example.gov.tr",
                                              "valid_from": "2026-01-01", "valid_to": "2027-01-01"},
                       content_type="application/json")
    assert cert.status_code == 201, cert.content
    revoked = client.post(f"/api/certificates/{cert.json()['id']}/revoke/", {}, content_type="application/json")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] == timezone.localdate().isoformat()
    client.force_login(inv["users"]["cagri"])
    assert client.post("/api/licence-assignments/", {"licence": lic_id, "device": device.pk},
                       content_type="application/json").status_code == 403


def test_list_pages_do_not_query_per_row(client, inv, make_device, netcad):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bilge.assets.models import Contract

    def add_rows(n):
        today = timezone.localdate()
        for i in range(n):
            device = make_device()
            lic = Licence.objects.create(institution=inv["institution"], software=netcad, kind="per_device",
                                         quantity=3, responsible=inv["people"]["ipek"])
            LicenceAssignment.objects.create(licence=lic, device=device)
            Installation.objects.create(device=device, software=netcad)
            Certificate.objects.create(institution=inv["institution"], kind="tls", subject=f"s{i}.example.org",
                                       holder=inv["people"]["oya"], valid_from=today,
                                       valid_to=today + datetime.timedelta(days=90))
            Contract.objects.create(institution=inv["institution"], number=f"K{i}", title="Bakım", vendor="V",
                                    start_date=today, end_date=today + datetime.timedelta(days=30),
                                    responsible=inv["people"]["ipek"], unit=inv["it"])

    names = ("contract", "software", "licence", "licenceassignment", "installation", "certificate")
    client.force_login(inv["users"]["ipek"])

    def counts():
        result = []
        for name in names:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(reverse(f"assets:{name}_list")).status_code == 200
            result.append(len(ctx))
        return result

    add_rows(1)
    counts()  # the first request of the session also saves it (its idle timeout starts)
    before = counts()
    add_rows(4)
    assert counts() == before
