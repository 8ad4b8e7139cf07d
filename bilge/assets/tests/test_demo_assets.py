"""The assets part of ``bilge demo``: catalogue, locations, warehouse with two officers, devices
with a custody history consistent with their holders, sequences continued, extras at small scale;
the COPY path of the metro scale on PostgreSQL."""

import pytest
from django.db import connection

from bilge.assets import demo
from bilge.assets.models import (
    Certificate,
    Contract,
    Custody,
    CustodyLine,
    Device,
    DeviceType,
    Licence,
    StockLevel,
    Warehouse,
)
from bilge.core.models import AuditEntry


@pytest.fixture
def people(org):
    from bilge.core.models import Person

    for i in range(30):
        Person.objects.create(institution=org["institution"], registration_no=f"20{i:02d}", first_name="Ayşe",
                              last_name=f"Yılmaz{i}", unit=[org["fen"], org["yol"], org["zabita"], org["sys"]][i % 4])
    return org


def check_history(institution):
    """Every held device's last document names its holder; every returned device's last is a take-back."""
    for device in Device.objects.filter(institution=institution).exclude(custody_lines=None):
        last = CustodyLine.objects.filter(device=device).select_related("custody") \
            .order_by("-custody__date", "-custody__number").first().custody
        if device.holder_id:
            assert last.kind in ("handover", "transfer") and last.receiver_id == device.holder_id
        else:
            assert last.kind == "return"


def test_small_demo(people, monkeypatch):
    monkeypatch.setitem(demo.SCALES, "small", {**demo.SCALES["small"], "devices": 120})
    inst = people["institution"]
    result = demo.generate_assets(inst, "small")
    assert result.created and result.devices == 120 and result.method == "bulk_create"
    assert DeviceType.objects.count() == len(demo.TYPES)
    assert {"pc", "camera", "kiosk", "led_screen", "queue_machine", "pdks", "pbx", "radio"} <= set(
        DeviceType.objects.values_list("code", flat=True))
    warehouse = Warehouse.objects.get(institution=inst, code="BT")
    assert warehouse.kayit_officer_id and warehouse.kayit_officer_id != warehouse.kontrol_officer_id
    assert Device.objects.filter(holder__isnull=False).count() > 30
    assert Custody.objects.count() == result.custodies > 40
    check_history(inst)
    assert AuditEntry.objects.filter(object_type="assets.device", action="create").count() == 120
    assert Contract.objects.count() == 3 and Licence.objects.count() == 4 and Certificate.objects.exists()
    assert StockLevel.objects.filter(quantity__lt=3).exists()  # one item below its reorder level
    # Searchable, and the numbering continues after the demo.
    pc = Device.objects.filter(device_type__code="pc").first()
    assert pc.serial.lower() in pc.search_text
    from django.db import transaction

    from bilge.assets.services.custody import next_custody_number
    from bilge.assets.services.devices import next_sicil_no

    code, year, seq = pc.sicil_no.split("/")
    with transaction.atomic():
        assert next_sicil_no(code, 2000 + int(year)) not in set(Device.objects.values_list("sicil_no", flat=True))
        number = next_custody_number(Custody.objects.order_by("-date").first().date.year)
    assert not Custody.objects.filter(number=number).exists()
    # Once only.
    again = demo.generate_assets(inst, "small")
    assert not again.created and Device.objects.count() == 120


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_metro_path_with_copy(people, monkeypatch):
    monkeypatch.setattr(demo, "COPY_THRESHOLD", 50)
    monkeypatch.setitem(demo.SCALES, "metro", {**demo.SCALES["metro"], "devices": 300})
    inst = people["institution"]
    result = demo.generate_assets(inst, "metro")
    assert result.method == "COPY" and Device.objects.count() == 300
    check_history(inst)
    # One entry per table for the bulk load, not one per row.
    assert AuditEntry.objects.filter(object_type="assets.device").count() == 1
    assert Custody.objects.count() == result.custodies
    # The id sequences moved past the loaded rows: the next device saves.
    from bilge.assets.models import TasinirCode
    Device.objects.create(institution=inst, sicil_no="X/1", tasinir_code=TasinirCode.objects.first(),
                          device_type=DeviceType.objects.first())
