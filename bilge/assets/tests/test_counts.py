"""Year-end count: the board rule (≥ 3, with the kayıt officer), expected lines, scan outcomes,
recount, closing with shortage and surplus movements proposed."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from bilge.assets.models import Count, CountLine, Device, Movement
from bilge.assets.services import counts as svc
from bilge.assets.services.counts import ScanResult


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def board(inv):
    p = inv["people"]
    return [(p["ipek"], False), (p["emre"], True), (p["oya"], False)]


@pytest.fixture
def stocked(inv, make_device):
    """Three devices in the warehouse, one in use elsewhere, one disposed."""
    devices = [make_device("pc"), make_device("pc"), make_device("printer")]
    elsewhere = make_device("printer", location=inv["locations"]["room"], warehouse=None)
    Device.objects.filter(pk=elsewhere.pk).update(status=Device.Status.IN_USE)
    gone = make_device("pc")
    Device.objects.filter(pk=gone.pk).update(status=Device.Status.DISPOSED)
    return devices, elsewhere, gone


def test_open_count_takes_the_expected_devices_and_numbers_per_year(inv, stocked, board):
    devices, elsewhere, gone = stocked
    count = svc.open_count(inv["users"]["ipek"], 2026, warehouse=inv["warehouse"], members=board)
    assert count.number == "SYM-2026-0001" and count.state == Count.State.OPEN
    assert set(count.lines.values_list("device_id", flat=True)) == {d.pk for d in devices}
    assert count.members.count() == 3 and count.members.get(is_chair=True).person == inv["people"]["emre"]
    # One open count of a place at a time.
    with pytest.raises(ValidationError, match="already open"):
        svc.open_count(inv["users"]["ipek"], 2026, warehouse=inv["warehouse"], members=board)
    room = svc.open_count(inv["users"]["ipek"], 2026, location=inv["locations"]["site"], members=board)
    assert room.number == "SYM-2026-0002"
    assert list(room.lines.values_list("device_id", flat=True)) == [elsewhere.pk]


@pytest.mark.parametrize("case, message", [
    ("two", "at least 3 members"),
    ("no_kayit", r"kayıt yetkilisi \(İpek Ünal\) must be on the count board"),
    ("two_chairs", "Only one member chairs"),
])
def test_board_rules(inv, stocked, case, message):
    p = inv["people"]
    boards = {
        "two": [(p["ipek"], True), (p["emre"], False)],
        "no_kayit": [(p["emre"], True), (p["oya"], False), (p["cagri"], False)],
        "two_chairs": [(p["ipek"], True), (p["emre"], True), (p["oya"], False)],
    }
    with pytest.raises(ValidationError, match=message):
        svc.open_count(inv["users"]["ipek"], 2026, warehouse=inv["warehouse"], members=boards[case])
    assert not Count.objects.exists()


def test_a_warehouse_without_a_kayit_officer_cannot_be_counted(inv, stocked, board):
    warehouse = inv["warehouse"]
    warehouse.kayit_officer = None
    warehouse.save()
    with pytest.raises(ValidationError, match="no taşınır kayıt yetkilisi recorded"):
        svc.open_count(inv["users"]["ipek"], 2026, warehouse=warehouse, members=board)


def test_scan_outcomes(inv, stocked, board):
    devices, elsewhere, gone = stocked
    user = inv["users"]["emre"]
    count = svc.open_count(inv["users"]["ipek"], 2026, warehouse=inv["warehouse"], members=board)
    assert svc.scan(user, count, devices[0].sicil_no) == (ScanResult.FOUND, devices[0])
    assert svc.scan(user, count, f"  {devices[0].sicil_no} ") == (ScanResult.ALREADY, devices[0])
    # The label's QR holds the resolver URL; a device page's URL works too.
    url = f"http://bilge.example/assets/q/{devices[1].sicil_no}/"
    assert svc.scan(user, count, url) == (ScanResult.FOUND, devices[1])
    assert svc.scan(user, count, elsewhere.sicil_no) == (ScanResult.UNEXPECTED, elsewhere)
    line = count.lines.get(device=elsewhere)
    assert not line.expected and line.found and line.found_by == user
    lines_before = CountLine.objects.count()
    assert svc.scan(user, count, "255.01.02.01/26/999999") == (ScanResult.UNKNOWN, None)
    assert CountLine.objects.count() == lines_before
    result = svc.summary(count)
    assert [line.device for line in result["missing"]] == [devices[2]]
    assert len(result["found"]) == 2 and [line.device for line in result["unexpected"]] == [elsewhere]


def test_only_the_board_and_taşınır_staff_may_scan(inv, stocked, board):
    count = svc.open_count(inv["users"]["ipek"], 2026, warehouse=inv["warehouse"], members=board)
    with pytest.raises(PermissionError):
        svc.scan(inv["users"]["cagri"], count, stocked[0][0].sicil_no)
    assert not count.lines.filter(found=True).exists()


def test_recount_keeps_what_was_found(inv, stocked, board):
    devices = stocked[0]
    user = inv["users"]["ipek"]
    count = svc.open_count(user, 2026, warehouse=inv["warehouse"], members=board)
    svc.scan(user, count, devices[0].sicil_no)
    count = svc.recount(user, count)
    assert count.round == 2
    assert count.lines.get(device=devices[0]).found_round == 1
    assert svc.scan(user, count, devices[1].sicil_no)[0] == ScanResult.FOUND
    assert count.lines.get(device=devices[1]).found_round == 2
    assert not count.lines.get(device=devices[2]).found


def test_close_proposes_shortage_and_surplus_movements(inv, stocked, board):
    devices, elsewhere, gone = stocked
    user = inv["users"]["ipek"]
    count = svc.open_count(user, 2026, warehouse=inv["warehouse"], members=board)
    svc.scan(user, count, devices[0].sicil_no)
    svc.scan(user, count, devices[1].sicil_no)
    svc.scan(user, count, elsewhere.sicil_no)
    count = svc.close(user, count)
    assert count.state == Count.State.CLOSED and count.closed_at
    movements = {m.kind: m for m in count.movements.all()}
    shortage, surplus = movements[Movement.Kind.COUNT_SHORTAGE], movements[Movement.Kind.COUNT_SURPLUS]
    assert [line.device for line in shortage.lines.all()] == [devices[2]]
    assert [line.device for line in surplus.lines.all()] == [elsewhere]
    assert shortage.state == surplus.state == Movement.State.PENDING_INSPECTION
    assert shortage.number.startswith(f"{timezone.localdate().year}/") and shortage.order_ref == count.number
    with pytest.raises(ValidationError, match="closed"):
        svc.scan(user, count, devices[2].sicil_no)
    with pytest.raises(ValidationError, match="closed"):
        svc.close(user, count)


def test_a_place_count_lists_its_differences_without_movements(inv, stocked, board):
    user = inv["users"]["ipek"]
    count = svc.open_count(user, 2026, location=inv["locations"]["room"], members=board)
    count = svc.close(user, count)
    assert not count.movements.exists()
    assert [line.device for line in svc.summary(count)["missing"]] == [stocked[1]]


def test_an_employee_cannot_open_a_count(inv, stocked, board):
    with pytest.raises(PermissionError):
        svc.open_count(inv["users"]["cagri"], 2026, warehouse=inv["warehouse"], members=board)


def test_a_device_pages_url_counts_too(inv, stocked, board):
    devices = stocked[0]
    count = svc.open_count(inv["users"]["ipek"], 2026, warehouse=inv["warehouse"], members=board)
    url = f"https://bilge.example{devices[2].get_absolute_url()}"
    assert svc.sicil_from_code(url) == devices[2].sicil_no
    assert svc.scan(inv["users"]["ipek"], count, url) == (ScanResult.FOUND, devices[2])
    assert svc.sicil_from_code("https://bilge.example/assets/elsewhere/") == "https://bilge.example/assets/elsewhere/"


def test_which_open_count_a_label_opens(inv, stocked, board, make_device):
    devices, elsewhere, gone = stocked
    ipek = inv["users"]["ipek"]
    assert svc.count_for_device(ipek, devices[0]) is None
    store = svc.open_count(ipek, 2026, warehouse=inv["warehouse"], members=board)
    assert svc.count_for_device(ipek, devices[0]) == store
    assert svc.count_for_device(ipek, elsewhere) == store  # the only open count: it would be unexpected there
    room = svc.open_count(ipek, 2026, location=inv["locations"]["floor"], members=board)
    assert svc.count_for_device(ipek, elsewhere) == room  # expected in the room's floor
    assert svc.count_for_device(ipek, devices[0]) == store
    loose = make_device("printer", warehouse=None)
    assert svc.count_for_device(ipek, loose) is None  # two open counts, neither covers it
    assert svc.count_for_device(inv["users"]["cagri"], devices[0]) is None  # not on the board


def test_accepting_the_differences_settles_the_devices_and_cancelling_keeps_them(inv, stocked, board):
    from bilge.assets.services import stock

    devices, elsewhere, gone = stocked
    user = inv["users"]["ipek"]
    count = svc.open_count(user, 2026, warehouse=inv["warehouse"], members=board)
    svc.scan(user, count, devices[0].sicil_no)
    svc.scan(user, count, elsewhere.sicil_no)
    count = svc.close(user, count)
    movements = {m.kind: m for m in count.movements.all()}
    # The kontrol officer accepts the surplus: the device found belongs to the warehouse's stock.
    stock.accept(inv["users"]["emre"], movements[Movement.Kind.COUNT_SURPLUS])
    elsewhere.refresh_from_db()
    assert elsewhere.warehouse == inv["warehouse"] and elsewhere.status == Device.Status.IN_WAREHOUSE
    # Cancelling the shortage proposal (found later, say) leaves the missing devices as they are.
    stock.cancel(inv["users"]["ipek"], movements[Movement.Kind.COUNT_SHORTAGE], "bulundu")
    for device in devices[1:]:
        device.refresh_from_db()
        assert not device.is_archived and device.status == Device.Status.IN_WAREHOUSE


def test_an_accepted_shortage_archives_the_missing_device_with_the_count_number(inv, stocked, board):
    from bilge.assets.services import stock

    devices, elsewhere, gone = stocked
    user = inv["users"]["ipek"]
    count = svc.open_count(user, 2026, warehouse=inv["warehouse"], members=board)
    for device in devices[:2]:
        svc.scan(user, count, device.sicil_no)
    count = svc.close(user, count)
    shortage = count.movements.get(kind=Movement.Kind.COUNT_SHORTAGE)
    stock.accept(inv["users"]["emre"], shortage)
    devices[2].refresh_from_db()
    assert devices[2].is_archived and count.number in devices[2].archive_reason
    assert Device.objects.filter(pk=devices[2].pk).exists()  # stays in the records
