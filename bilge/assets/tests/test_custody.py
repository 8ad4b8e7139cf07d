"""Custody services: Taşınır Teslim Belgesi numbering, the rules of handing over, taking back and
transferring, the receiver's confirmation, and the person-exit check."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from bilge.assets.models import Custody, Device
from bilge.assets.services import custody as services
from bilge.assets.services.devices import set_status

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


def test_handover_numbers_per_year_without_gaps_and_moves_the_devices(inv, make_device):
    ipek, cagri = inv["users"]["ipek"], inv["people"]["cagri"]
    pc, printer = make_device(), make_device("printer")
    first = services.hand_over(ipek, [pc], receiver=cagri, date=datetime.date(2026, 3, 2), note="Yeni bilgisayar")
    second = services.hand_over(ipek, [printer], receiver=inv["people"]["oya"], date=datetime.date(2026, 5, 1))
    other_year = services.take_back(ipek, [pc], date=datetime.date(2027, 1, 4))
    assert (first.number, second.number, other_year.number) == ("TTB-2026-000001", "TTB-2026-000002",
                                                                "TTB-2027-000001")
    assert first.kind == Custody.Kind.HANDOVER and first.giver == inv["people"]["ipek"] and first.unit == inv["yol"]
    assert list(first.lines.values_list("device__sicil_no", flat=True)) == [pc.sicil_no]
    printer.refresh_from_db()
    assert (printer.holder, printer.unit, printer.status) == (inv["people"]["oya"], inv["yol"], Device.Status.IN_USE)
    assert first.confirmed_at is None  # the receiver confirms later, in the portal


def test_a_device_that_is_held_disposed_or_out_of_the_warehouse_is_refused(inv, make_device):
    ipek = inv["users"]["ipek"]
    held, repair = make_device(), make_device()
    services.hand_over(ipek, [held], receiver=inv["people"]["cagri"])
    set_status(ipek, repair, Device.Status.IN_REPAIR)
    with pytest.raises(ValidationError) as exc:
        services.hand_over(ipek, [held, repair], receiver=inv["people"]["oya"])
    text = " ".join(exc.value.messages)
    assert f"{held.sicil_no} is already held by Çağrı Öztürk" in text
    assert f"{repair.sicil_no} is not available in the warehouse" in text
    assert Custody.objects.count() == 1  # nothing half-written

    gone = make_device()
    Device.objects.filter(pk=gone.pk).update(status=Device.Status.DISPOSED)
    with pytest.raises(ValidationError, match="is disposed"):
        services.hand_over(ipek, [gone], receiver=inv["people"]["oya"])
    with pytest.raises(ValidationError, match="one of them"):
        services.hand_over(ipek, [make_device()])


def test_shared_room_handover_goes_on_its_list_and_comes_back(inv, make_device):
    ipek = inv["users"]["ipek"]
    projector = make_device("printer")
    with pytest.raises(ValidationError, match="not a shared room"):
        services.hand_over(ipek, [projector], room=inv["locations"]["room"])
    custody = services.hand_over(ipek, [projector], room=inv["locations"]["meeting"])
    projector.refresh_from_db()
    assert projector.holder is None and projector.location == inv["locations"]["meeting"]
    assert projector.unit == inv["fen"] and custody.unit == inv["fen"]
    assert list(services.room_devices(inv["locations"]["meeting"])) == [projector]
    text = pdf_text(services.room_list_pdf(inv["locations"]["meeting"]))
    assert "Dayanıklı Taşınırlar Listesi" in text and projector.sicil_no in text and "Toplantı Salonu" in text
    back = services.take_back(ipek, [projector], warehouse=inv["warehouse"])
    projector.refresh_from_db()
    assert back.room == inv["locations"]["meeting"] and projector.status == Device.Status.IN_WAREHOUSE
    assert not services.room_devices(inv["locations"]["meeting"]).exists()


def test_take_back_and_transfer(inv, make_device):
    ipek, cagri, oya = inv["users"]["ipek"], inv["people"]["cagri"], inv["people"]["oya"]
    a, b, c = make_device(), make_device(), make_device()
    services.hand_over(ipek, [a, b], receiver=cagri)
    services.hand_over(ipek, [c], receiver=oya)
    with pytest.raises(ValidationError, match="one person"):
        services.take_back(ipek, [a, c])
    with pytest.raises(ValidationError, match="nobody's custody"):
        services.transfer(ipek, [make_device()], oya)
    with pytest.raises(ValidationError, match="already holds"):
        services.transfer(ipek, [a], cagri)

    moved = services.transfer(ipek, [b], inv["people"]["ilgaz"], note="Birim değişikliği")
    b.refresh_from_db()
    assert (moved.giver, moved.receiver, b.holder, b.unit) == (cagri, inv["people"]["ilgaz"], inv["people"]["ilgaz"],
                                                               inv["zabita"])
    back = services.take_back(ipek, [a], warehouse=inv["warehouse"])
    a.refresh_from_db()
    assert (a.holder, a.status, a.unit) == (None, Device.Status.IN_WAREHOUSE, inv["it"])
    # İpek records it and is the one who receives it back: that is her confirmation.
    assert back.giver == cagri and back.receiver == inv["people"]["ipek"] and back.confirmed_at is not None
    assert list(services.open_items(cagri)) == []
    assert list(services.open_items(inv["people"]["ilgaz"])) == [b]


def test_only_the_receiver_confirms_once(inv, make_device):
    custody = services.hand_over(inv["users"]["ipek"], [make_device()], receiver=inv["people"]["cagri"])
    with pytest.raises(PermissionError):
        services.confirm(inv["users"]["ipek"], custody)
    before = timezone.now()
    custody = services.confirm(inv["users"]["cagri"], custody)
    assert custody.confirmed_at >= before and custody.confirmed_by == inv["users"]["cagri"]
    with pytest.raises(ValidationError, match="already confirmed"):
        services.confirm(inv["users"]["cagri"], custody)
    from bilge.core.models import AuditEntry

    assert AuditEntry.objects.filter(object_type="assets.custody", object_id=str(custody.pk),
                                     actor_id=inv["users"]["cagri"].pk).exists()


def test_only_those_with_the_right_hand_over(inv, make_device):
    device = make_device()
    with pytest.raises(PermissionError):
        services.hand_over(inv["users"]["cagri"], [device], receiver=inv["people"]["oya"])
    with pytest.raises(PermissionError):  # a unit manager reads the unit's devices but hands nothing over
        services.hand_over(inv["users"]["ismail"], [device], receiver=inv["people"]["oya"])
    device.refresh_from_db()
    assert device.holder is None and not Custody.objects.exists()


def test_scopes_own_devices_and_the_unit_managers(inv, make_device):
    ipek = inv["users"]["ipek"]
    mine, colleague, elsewhere = make_device(), make_device(), make_device()
    services.hand_over(ipek, [mine], receiver=inv["people"]["cagri"])
    services.hand_over(ipek, [colleague], receiver=inv["people"]["oya"])
    services.hand_over(ipek, [elsewhere], receiver=inv["people"]["ilgaz"])
    assert list(Device.objects.visible_to(inv["users"]["cagri"])) == [mine]
    # İsmail manages Fen İşleri; Yol Bakım is below it, Zabıta is not.
    assert set(Device.objects.visible_to(inv["users"]["ismail"])) == {mine, colleague}
    assert list(Custody.objects.visible_to(inv["users"]["cagri"]).values_list("receiver", flat=True)) == [
        inv["people"]["cagri"].pk]


def test_the_custody_pdf_names_the_people_and_items_with_turkish_letters(inv, make_device):
    device = make_device(serial="ŞĞÜ-001")
    custody = services.hand_over(inv["users"]["ipek"], [device], receiver=inv["people"]["cagri"],
                                 note="Çalışır durumda")
    started = timezone.now()
    data = services.custody_pdf(custody, inv["users"]["ipek"])
    elapsed = (timezone.now() - started).total_seconds()
    text = pdf_text(data)
    for expected in ("Taşınır Teslim Belgesi", custody.number, "Çağrı Öztürk", "İpek Ünal", device.sicil_no,
                     "Yol Bakım Şube Müdürlüğü", "Casper Nirvana D46", "ŞĞÜ-001", "Masaüstü bilgisayarlar",
                     "Teslim Eden", "Teslim Alan", "TEST BÜYÜKŞEHİR BELEDİYESİ"):
        assert expected in text, expected
    assert elapsed < 5  # the ≤ 500 ms target is measured in the benchmark; this only catches a runaway


def test_a_person_holding_devices_cannot_leave_or_change_unit(inv, make_device):
    from bilge.core.forms import PersonForm
    from bilge.core.services import exit_blockers

    cagri = inv["people"]["cagri"]
    device = make_device()
    services.hand_over(inv["users"]["ipek"], [device], receiver=cagri)
    assert exit_blockers(cagri, cagri.unit_id, None) == []  # nothing changes: nothing to check
    reasons = exit_blockers(cagri, cagri.unit_id, datetime.date(2026, 12, 31))
    assert len(reasons) == 1 and device.sicil_no in reasons[0] and "Çağrı Öztürk" in reasons[0]
    assert exit_blockers(cagri, inv["zabita"].pk, None)

    data = {"registration_no": cagri.registration_no, "first_name": cagri.first_name, "last_name": cagri.last_name,
            "unit": inv["zabita"].pk, "position": cagri.position_id, "employment_type": cagri.employment_type,
            "institution": inv["institution"].pk}
    form = PersonForm(data, instance=cagri)
    assert not form.is_valid() and device.sicil_no in " ".join(form.non_field_errors())
    services.take_back(inv["users"]["ipek"], [device])
    assert PersonForm(data, instance=cagri).is_valid()


def test_a_device_waiting_for_the_inspection_of_its_receipt_cannot_be_handed_over(inv):
    from bilge.assets.services import stock

    ipek = inv["users"]["ipek"]
    new_pc = Device(device_type=inv["types"]["pc"], model=inv["models"]["pc"], serial="CSP-0099")
    receipt = stock.receive(ipek, inv["warehouse"], [{"device": new_pc}], supplier="Özgür Bilişim Ltd.")
    with pytest.raises(ValidationError, match=f"waits for the inspection of receipt {receipt.number}"):
        services.hand_over(ipek, [new_pc], receiver=inv["people"]["cagri"])
    assert not Custody.objects.exists()
    stock.accept(inv["users"]["emre"], receipt)  # the kontrol officer inspects it
    custody = services.hand_over(ipek, [new_pc], receiver=inv["people"]["cagri"])
    assert list(custody.lines.values_list("device", flat=True)) == [new_pc.pk]
