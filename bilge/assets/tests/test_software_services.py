"""Licence seats (never beyond what was bought), compliance figures, certificate rules."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from bilge.assets.models import Certificate, Installation, Licence, LicenceAssignment, Software
from bilge.assets.services import software as services


@pytest.fixture(autouse=True)
def _english():
    """Messages are checked in the source language (the Turkish catalogue may change)."""
    with translation.override("en"):
        yield


@pytest.fixture
def office(inv):
    return Software.objects.create(institution=inv["institution"], name="LibreOffice Calc Pro", publisher="Örnek")


def licence(inv, software, **kw):
    kw.setdefault("kind", Licence.Kind.PER_DEVICE)
    kw.setdefault("quantity", 2)
    return Licence.objects.create(institution=inv["institution"], software=software, **kw)


def test_assignment_stops_at_the_seats_bought(inv, make_device, office):
    ipek = inv["users"]["ipek"]
    lic = licence(inv, office, quantity=2)
    first, second, third = make_device(), make_device(), make_device()
    services.assign_licence(ipek, lic, device=first)
    services.assign_licence(ipek, lic, device=second)
    with pytest.raises(ValidationError) as refused:
        services.assign_licence(ipek, lic, device=third)
    assert "All 2 seats of this licence are assigned (2)" in refused.value.messages[0]
    assert third.sicil_no in refused.value.messages[0]
    assert LicenceAssignment.objects.filter(licence=lic).count() == 2
    # A freed seat can be given again.
    services.unassign_licence(ipek, LicenceAssignment.objects.get(licence=lic, device=first))
    services.assign_licence(ipek, lic, device=third)
    assert set(lic.assignments.values_list("device_id", flat=True)) == {second.pk, third.pk}


def test_assignment_rules(inv, make_device, office):
    ipek = inv["users"]["ipek"]
    per_user = licence(inv, office, kind=Licence.Kind.PER_USER, quantity=5)
    device = make_device()
    with pytest.raises(ValidationError, match="per-user licence is assigned to a person"):
        services.assign_licence(ipek, per_user, device=device)
    services.assign_licence(ipek, per_user, person=inv["people"]["cagri"])
    with pytest.raises(ValidationError, match="already has this licence"):
        services.assign_licence(ipek, per_user, person=inv["people"]["cagri"])
    expired = licence(inv, office, kind=Licence.Kind.SUBSCRIPTION, expiry_date=datetime.date(2020, 1, 1))
    with pytest.raises(ValidationError, match="expired"):
        services.assign_licence(ipek, expired, device=device)
    site = licence(inv, office, kind=Licence.Kind.SITE, quantity=1)
    for _ in range(3):  # a site licence has no seat limit
        services.assign_licence(ipek, site, device=make_device())
    assert site.assignments.count() == 3


def test_only_staff_in_scope_assign(inv, make_device, office):
    lic = licence(inv, office)
    with pytest.raises(PermissionError):
        services.assign_licence(inv["users"]["cagri"], lic, device=make_device())
    assert not lic.assignments.exists()


def test_compliance_per_licence_and_per_software(inv, make_device, office):
    ipek = inv["users"]["ipek"]
    devices = [make_device() for _ in range(4)]
    lic = licence(inv, office, quantity=3)
    licence(inv, office, kind=Licence.Kind.SUBSCRIPTION, quantity=10, expiry_date=datetime.date(2020, 1, 1))
    services.assign_licence(ipek, lic, device=devices[0])
    assert services.licence_compliance(lic).status == "unknown"  # no installations known yet
    for device in devices:
        services.record_installation(ipek, device, office, version="7.6")
    services.record_installation(ipek, devices[0], office, version="7.7")  # the same one, refreshed
    assert Installation.objects.filter(software=office).count() == 4
    figures = services.licence_compliance(lic)
    assert (figures.owned, figures.assigned, figures.installed, figures.free) == (3, 1, 4, 2)
    assert figures.status == "over" and figures.shortfall == 1
    # Per software: the expired subscription does not count as owned.
    other = Software.objects.create(institution=inv["institution"], name="Pardus", is_open_source=True)
    services.record_installation(ipek, devices[1], other)
    by_id = services.software_compliance(Software.objects.all(), today=datetime.date(2026, 12, 7))
    assert (by_id[office.pk].owned, by_id[office.pk].assigned, by_id[office.pk].installed) == (3, 1, 4)
    assert by_id[office.pk].status == "over"
    assert by_id[other.pk].status == "not_needed"
    licence(inv, office, kind=Licence.Kind.PERPETUAL, quantity=1, expiry_date=datetime.date(2020, 1, 1))
    by_id = services.software_compliance(Software.objects.filter(pk=office.pk), today=datetime.date(2026, 12, 7))
    assert by_id[office.pk].owned == 4 and by_id[office.pk].status == "compliant"
    licence(inv, office, kind=Licence.Kind.SITE, quantity=1)
    assert services.software_compliance(Software.objects.filter(pk=office.pk))[office.pk].owned is None


def certificate(inv, **kw):
    kw.setdefault("kind", Certificate.Kind.ESIGN)
    kw.setdefault("issuer", "KamuSM")
    kw.setdefault("subject", "Oya Cem")
    kw.setdefault("valid_from", datetime.date(2024, 3, 1))
    kw.setdefault("valid_to", datetime.date(2027, 3, 1))
    return Certificate(institution=inv["institution"], **kw)


def test_kamusm_esign_term_and_renewal(inv):
    cert = certificate(inv, holder=inv["people"]["oya"])
    cert.full_clean()
    assert cert.renewable_from == datetime.date(2026, 12, 1)
    with pytest.raises(ValidationError, match="3 or 5 years"):
        certificate(inv, valid_to=datetime.date(2026, 3, 1)).full_clean()
    certificate(inv, valid_to=datetime.date(2029, 3, 1)).full_clean()
    tls = certificate(inv, kind=Certificate.Kind.TLS, issuer="Let's Encrypt", subject="ebelediye.example.org",
                      valid_to=datetime.date(2024, 5, 30))
    tls.full_clean()
    assert tls.renewable_from is None
    assert certificate(inv, valid_to=datetime.date(2027, 5, 31)).renewable_from == datetime.date(2027, 2, 28)


def test_revoking_a_certificate(inv):
    cert = certificate(inv, holder=inv["people"]["oya"])
    cert.save()
    with pytest.raises(PermissionError):
        services.revoke_certificate(inv["users"]["cagri"], cert)
    services.revoke_certificate(inv["users"]["ipek"], cert, on=datetime.date(2026, 1, 5), reason="Emekli oldu")
    cert.refresh_from_db()
    assert cert.revoked_at == datetime.date(2026, 1, 5) and "Emekli" in cert.notes
    with pytest.raises(ValidationError, match="already revoked on 05.01.2026"):
        services.revoke_certificate(inv["users"]["ipek"], cert)
