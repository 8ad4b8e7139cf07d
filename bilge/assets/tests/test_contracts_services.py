"""Contracts: the devices they cover, and whom to call for a device (support_for)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from bilge.assets.models import Contract
from bilge.assets.services import contracts as services

TODAY = datetime.date(2026, 12, 7)


@pytest.fixture(autouse=True)
def _english():
    """Messages are checked in the source language (the Turkish catalogue may change)."""
    with translation.override("en"):
        yield


def contract(inv, **kw):
    kw.setdefault("number", "2026/14")
    kw.setdefault("title", "Yazıcı bakım onarım")
    kw.setdefault("vendor", "Örnek Bilişim")
    kw.setdefault("vendor_phone", "0312 000 00 00")
    kw.setdefault("start_date", datetime.date(2026, 1, 1))
    kw.setdefault("end_date", datetime.date(2026, 12, 31))
    return Contract.objects.create(institution=inv["institution"], **kw)


def test_support_for_lists_active_contracts_then_the_warranty(inv, make_device):
    device = make_device(warranty_end=datetime.date(2027, 6, 1), supplier="Casper Bilgisayar")
    maker = device.model.manufacturer
    maker.support_phone = "444 1 555"
    maker.save()
    current = contract(inv, response_terms="4 saat içinde yerinde")
    ended = contract(inv, number="2025/3", start_date=datetime.date(2025, 1, 1), end_date=datetime.date(2025, 12, 31))
    archived = contract(inv, number="2026/99")
    archived.archive("iptal")
    for c in (current, ended, archived):
        c.devices.add(device)
    support = services.support_for(device, TODAY)
    assert [s.contract for s in support] == [current, None]
    assert (support[0].vendor, support[0].phone, support[0].terms, support[0].contract_number) == (
        "Örnek Bilişim", "0312 000 00 00", "4 saat içinde yerinde", "2026/14")
    assert support[1].is_warranty and (support[1].vendor, support[1].phone) == ("Casper Bilgisayar", "444 1 555")
    assert support[1].end_date == datetime.date(2027, 6, 1)
    assert list(services.active_contracts(device, TODAY)) == [current]
    # After the contract and the warranty end there is nobody to call.
    assert services.support_for(device, datetime.date(2027, 7, 1)) == []
    # A device under no contract and with no warranty date: nothing.
    assert services.support_for(make_device(), TODAY) == []


def test_devices_named_by_sicil_no(inv, make_device):
    ipek = inv["users"]["ipek"]
    a, b = make_device(), make_device(serial="CZC1234XYZ")
    found = services.resolve_devices(ipek, f"{a.sicil_no}, CZC1234XYZ\n{a.sicil_no}")
    assert {d.pk for d in found} == {a.pk, b.pk}
    with pytest.raises(ValidationError, match="255.01.02.01/26/999999"):
        services.resolve_devices(ipek, f"{a.sicil_no} 255.01.02.01/26/999999")
    # Devices the user may not see are unknown to them.
    with pytest.raises(ValidationError):
        services.resolve_devices(inv["users"]["cagri"], a.sicil_no)


def test_save_contract_checks_dates_and_scope(inv, make_device):
    device = make_device()
    c = Contract(institution=inv["institution"], number="X1", title="Sunucu desteği", vendor="V",
                 start_date=datetime.date(2026, 5, 1), end_date=datetime.date(2026, 4, 1))
    with pytest.raises(ValidationError, match="end date is before the start date"):
        services.save_contract(inv["users"]["ipek"], c, [device])
    assert not Contract.objects.filter(number="X1").exists()
    c.end_date = datetime.date(2027, 4, 30)
    with pytest.raises(PermissionError):
        services.save_contract(inv["users"]["cagri"], c, [device])
    services.save_contract(inv["users"]["ipek"], c, [device])
    assert list(c.devices.all()) == [device]
    assert c.days_left(TODAY) == (datetime.date(2027, 4, 30) - TODAY).days


def test_expiring_contracts(inv):
    soon, later = contract(inv, end_date=TODAY + datetime.timedelta(days=80)), contract(
        inv, number="B", end_date=TODAY + datetime.timedelta(days=120))
    contract(inv, number="C", end_date=TODAY - datetime.timedelta(days=1))
    assert list(services.expiring_contracts(Contract.objects.all(), 90, TODAY)) == [soon]
    assert set(services.expiring_contracts(Contract.objects.all(), 150, TODAY)) == {soon, later}

