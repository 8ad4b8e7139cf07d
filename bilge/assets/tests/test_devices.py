"""Device services: registration through the form path (MAC, type fields), the status graph,
disposal's private door, relations, the service desk's links, and the code list loader."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from bilge.assets.models import Contract, Device, DeviceLink, TasinirCode
from bilge.assets.services import devices as services

pytestmark = pytest.mark.django_db
S = Device.Status


def new_pc(inv, **fields):
    return Device(institution=inv["institution"], device_type=inv["types"]["pc"], model=inv["models"]["pc"],
                  warehouse=inv["warehouse"], **fields)


def test_create_normalises_the_mac_and_checks_the_type_fields(inv):
    ipek = inv["users"]["ipek"]
    device = services.create_device(ipek, new_pc(inv, serial="A1", mac_address="aa-bb-cc-dd-ee-0f",
                                                 attributes={"cpu": "i7", "ram_gb": "32", "os": "pardus"}))
    assert device.mac_address == "AA:BB:CC:DD:EE:0F" and device.tasinir_code == inv["codes"]["pc"]
    assert device.attributes == {"cpu": "i7", "ram_gb": "32", "os": "pardus"}
    assert device.status == S.IN_WAREHOUSE and device.sicil_no.startswith("255.01.02.01/")
    with pytest.raises(ValidationError) as exc:
        services.create_device(ipek, new_pc(inv, serial="A2", attributes={"os": "windows95"}))
    assert "attributes" in exc.value.message_dict
    with pytest.raises(ValidationError, match="not a MAC address"):
        services.create_device(ipek, new_pc(inv, serial="A3", mac_address="zz:11"))
    with pytest.raises(ValidationError) as exc:
        services.create_device(ipek, new_pc(inv, serial="A1"))
    assert "serial" in exc.value.message_dict and device.sicil_no in str(exc.value)
    assert Device.objects.count() == 1


def test_update_keeps_the_sicil_no_status_and_holder(inv, make_device):
    device = make_device()
    sicil = device.sicil_no
    device.sicil_no, device.status, device.name = "x", S.IN_USE, "Sekreterlik PC"
    device.holder = inv["people"]["cagri"]
    services.update_device(inv["users"]["ipek"], device)
    device.refresh_from_db()
    assert (device.sicil_no, device.status, device.holder, device.name) == (sicil, S.IN_WAREHOUSE, None,
                                                                            "Sekreterlik PC")
    with pytest.raises(PermissionError):
        services.update_device(inv["users"]["cagri"], device)


def test_status_graph(inv, make_device):
    ipek = inv["users"]["ipek"]
    device = make_device()
    assert set(services.allowed_statuses(device)) == {S.IN_USE, S.IN_REPAIR, S.LENT, S.AWAITING_DISPOSAL}
    services.set_status(ipek, device, S.IN_REPAIR, "Fan arızası")
    services.set_status(ipek, device, S.IN_USE)
    services.set_status(ipek, device, S.LENT)
    with pytest.raises(ValidationError, match="only through a disposal decision"):
        services.set_status(ipek, device, S.DISPOSED)
    services.set_status(ipek, device, S.AWAITING_DISPOSAL)
    with pytest.raises(ValidationError, match="cannot go from"):
        services.set_status(ipek, device, S.IN_USE)
    with pytest.raises(PermissionError):
        services.set_status(inv["users"]["cagri"], device, S.IN_WAREHOUSE)
    device.refresh_from_db()
    assert device.status == S.AWAITING_DISPOSAL
    from bilge.core.models import AuditEntry

    assert AuditEntry.objects.filter(action="status", object_id=str(device.pk)).count() == 4


def test_a_held_device_goes_back_to_the_warehouse_only_by_custody(inv, make_device):
    from bilge.assets.services.custody import hand_over

    device = make_device()
    hand_over(inv["users"]["ipek"], [device], receiver=inv["people"]["cagri"])
    services.set_status(inv["users"]["ipek"], device, S.IN_REPAIR)
    with pytest.raises(ValidationError, match="take it back"):
        services.set_status(inv["users"]["ipek"], device, S.IN_WAREHOUSE)


def test_mark_disposed_only_from_awaiting_disposal(inv, make_device):
    from django.db import transaction

    device = make_device()
    with transaction.atomic(), pytest.raises(ValidationError, match="not awaiting disposal"):
        services._mark_disposed(device)
    services.set_status(inv["users"]["ipek"], device, S.AWAITING_DISPOSAL)
    with transaction.atomic():
        services._mark_disposed(device)
    device.refresh_from_db()
    assert device.status == S.DISPOSED and services.allowed_statuses(device) == []


def test_relations(inv, make_device):
    pc, printer = make_device(), make_device("printer")
    link = services.add_link(inv["users"]["ipek"], pc, DeviceLink.Kind.CONNECTED, printer)
    with pytest.raises(ValidationError, match="already recorded"):
        services.add_link(inv["users"]["ipek"], pc, DeviceLink.Kind.CONNECTED, printer)
    with pytest.raises(ValidationError, match="itself"):
        services.add_link(inv["users"]["ipek"], pc, DeviceLink.Kind.CONNECTED, pc)
    assert [(other, out) for _link, other, out in services.links_of(printer)] == [(pc, False)]
    services.remove_link(inv["users"]["ipek"], link)
    assert services.links_of(pc) == []
    again = services.add_link(inv["users"]["ipek"], pc, DeviceLink.Kind.CONNECTED, printer)
    assert again.pk == link.pk and not again.is_archived


@pytest.fixture
def ticket(inv):
    from bilge.servicedesk.models import RequestType, Service
    from bilge.servicedesk.services import create_ticket

    service = Service.objects.create(institution=inv["institution"], unit=inv["sys"], code="bt", name="BT Destek")
    fault = RequestType.objects.create(
        service=service, code="ariza", name_tr="Donanım arızası", name_en="Hardware fault", kind="incident",
        form=[{"key": "device", "type": "device", "label_tr": "Cihaz sicil no"}])
    return lambda answer="": create_ticket(inv["users"]["cagri"], requester=inv["people"]["cagri"],
                                           request_type=fault, title="Bilgisayar açılmıyor",
                                           answers={"device": answer})


def test_tickets_link_devices_by_sicil_no(inv, make_device, ticket):
    pc = make_device(warranty_end=datetime.date.today() + datetime.timedelta(days=100), supplier="Bayi A.Ş.")
    created = ticket(pc.sicil_no)
    assert list(created.devices.all()) == [pc]  # the form's device field named a known sicil no
    assert not ticket("999.99/26/000001").devices.exists()

    other = ticket()
    printer = make_device("printer")
    with pytest.raises(PermissionError):
        services.link_ticket(inv["users"]["cagri"], other, printer.sicil_no)
    services.link_ticket(inv["users"]["ipek"], other, f" {printer.sicil_no} ")
    with pytest.raises(ValidationError, match="already linked"):
        services.link_ticket(inv["users"]["ipek"], other, printer.sicil_no)
    with pytest.raises(ValidationError, match="No device has the sicil no"):
        services.link_ticket(inv["users"]["ipek"], other, "nope")
    assert list(services.fault_history(inv["users"]["ipek"], printer)) == [other]
    services.unlink_ticket(inv["users"]["ipek"], other, printer)
    assert not services.fault_history(inv["users"]["ipek"], printer).exists()

    today = datetime.date.today()
    contract = Contract.objects.create(institution=inv["institution"], number="2026/14", title="Bakım",
                                       vendor="Destek Ltd.", vendor_phone="0212 555 00 00",
                                       start_date=today - datetime.timedelta(days=10),
                                       end_date=today + datetime.timedelta(days=200),
                                       response_terms="4 saat içinde yerinde")
    contract.devices.add(pc)
    expired = Contract.objects.create(institution=inv["institution"], number="2024/1", title="Eski",
                                      vendor="Eski Ltd.", start_date=today - datetime.timedelta(days=800),
                                      end_date=today - datetime.timedelta(days=1))
    expired.devices.add(pc)
    rows = services.ticket_devices(created)
    calls = rows[0]["calls"]
    assert [c["number"] for c in calls] == ["2026/14", ""]
    assert calls[0]["vendor"] == "Destek Ltd." and calls[0]["terms"] == "4 saat içinde yerinde"
    assert calls[1]["warranty"] and calls[1]["vendor"] == "Bayi A.Ş."


def test_the_code_list_loads_idempotently(db, tmp_path):
    call_command("load_tasinir_codes")
    count = TasinirCode.objects.count()
    assert count > 30
    for account in ("150", "253", "254", "255"):
        assert TasinirCode.objects.filter(code=account, parent=None).exists()
    pc = TasinirCode.objects.get(code="255.01.02.01")
    assert pc.parent.code == "255.01.02" and pc.account == "255"
    assert services.load_tasinir_codes() == (0, 0)
    own = tmp_path / "codes.yaml"
    own.write_text('codes:\n  - {code: "255", name: "Demirbaşlar"}\n  - {code: "255.09", name: "Yeni grup"}\n',
                   encoding="utf-8")
    assert services.load_tasinir_codes(own) == (1, 1)
    assert TasinirCode.objects.count() == count + 1
    bad = tmp_path / "bad.yaml"
    bad.write_text('codes:\n  - {code: "300.01.01", name: "Yetim"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="before its upper level"):
        services.load_tasinir_codes(bad)
