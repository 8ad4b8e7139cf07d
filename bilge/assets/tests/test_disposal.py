"""Disposal: proposal numbering, committee rules, the decision right, wiping evidence for
data-bearing devices, completion (devices disposed, still in the records), refusal (status back)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from bilge.assets.models import Device, Disposal, Movement
from bilge.assets.services import disposal as svc


@pytest.fixture(autouse=True)
def english():
    """The messages are checked in their source language (the Turkish catalogue may lag behind)."""
    with translation.override("en"):
        yield


@pytest.fixture
def board(inv):
    p = inv["people"]
    return [(p["ipek"], True, False), (p["emre"], False, True), (p["oya"], False, False)]


@pytest.fixture
def proposed(inv, make_device):
    pc = make_device("pc")
    printer = make_device("printer")
    disposal = svc.propose(inv["users"]["ipek"], [pc, printer], "Onarılamaz, ekonomik ömrünü doldurdu",
                           Disposal.Method.SCRAP, warehouse=inv["warehouse"])
    return disposal, pc, printer


def approve(inv, disposal, board):
    user = inv["users"]["ipek"]
    svc.set_committee(user, disposal, board)
    return svc.decide(user, disposal, True, timezone.localdate(), "2026/14", "Hurdaya ayrılmasına")


def test_propose_numbers_gaplessly_and_devices_await_disposal(inv, make_device, proposed):
    disposal, pc, printer = proposed
    year = timezone.localdate().year
    assert disposal.number == f"KDT-{year}-000001"
    pc.refresh_from_db()
    printer.refresh_from_db()
    assert pc.status == printer.status == Device.Status.AWAITING_DISPOSAL
    assert {i.previous_status for i in disposal.items.all()} == {Device.Status.IN_WAREHOUSE}
    second = svc.propose(inv["users"]["ipek"], [make_device("pc")], "Arızalı", Disposal.Method.RECYCLING)
    assert second.number == f"KDT-{year}-000002"
    # A device already proposed cannot be proposed again, and the refusal names it.
    with pytest.raises(ValidationError, match=pc.sicil_no.replace(".", r"\.")):
        svc.propose(inv["users"]["ipek"], [pc], "Yine", Disposal.Method.SCRAP)
    assert Disposal.objects.count() == 2


def test_propose_refuses_a_device_in_someones_custody(inv, make_device):
    held = make_device("pc")
    Device.objects.filter(pk=held.pk).update(holder=inv["people"]["cagri"], status=Device.Status.IN_USE)
    held.refresh_from_db()
    with pytest.raises(ValidationError, match="take it back first"):
        svc.propose(inv["users"]["ipek"], [held], "Eski", Disposal.Method.SCRAP)
    assert not Disposal.objects.exists()


@pytest.mark.parametrize("members, message", [
    ("two", "at least 3 members"),
    ("no_chair", "Exactly one member chairs"),
    ("two_chairs", "Exactly one member chairs"),
    ("no_expert", "marked as the expert"),
])
def test_committee_rules(inv, proposed, members, message):
    p = inv["people"]
    boards = {
        "two": [(p["ipek"], True, True), (p["emre"], False, False)],
        "no_chair": [(p["ipek"], False, True), (p["emre"], False, False), (p["oya"], False, False)],
        "two_chairs": [(p["ipek"], True, True), (p["emre"], True, False), (p["oya"], False, False)],
        "no_expert": [(p["ipek"], True, False), (p["emre"], False, False), (p["oya"], False, False)],
    }
    disposal = proposed[0]
    with pytest.raises(ValidationError, match=message):
        svc.set_committee(inv["users"]["ipek"], disposal, boards[members])
    assert not disposal.members.exists()


def test_decision_needs_a_valid_committee_and_the_approve_right(inv, make_user, proposed, board):
    disposal = proposed[0]
    today = timezone.localdate()
    with pytest.raises(ValidationError, match="valid committee"):
        svc.decide(inv["users"]["ipek"], disposal, True, today, "2026/14", "")
    svc.set_committee(inv["users"]["ipek"], disposal, board)
    clerk = make_user("clerk", person=inv["people"]["oya"],
                      roles=[(["assets.view", "assets.add", "assets.change"], "institution")])
    with pytest.raises(PermissionError, match="assets.approve"):
        svc.decide(clerk, disposal, True, today, "2026/14", "")
    with pytest.raises(ValidationError) as err:
        svc.decide(inv["users"]["ipek"], disposal, True, None, " ", "")
    assert set(err.value.message_dict) == {"decision_date", "decision_no"}
    disposal = svc.decide(inv["users"]["ipek"], disposal, True, today, "2026/14", "Uygun")
    disposal.refresh_from_db()
    assert disposal.state == Disposal.State.APPROVED and disposal.decision_no == "2026/14"


def test_rejection_puts_devices_back_to_their_previous_status(inv, make_device, board):
    in_repair = make_device("printer")
    Device.objects.filter(pk=in_repair.pk).update(status=Device.Status.IN_REPAIR)
    in_repair.refresh_from_db()
    stored = make_device("pc")
    disposal = svc.propose(inv["users"]["ipek"], [in_repair, stored], "Eski", Disposal.Method.SCRAP)
    svc.set_committee(inv["users"]["ipek"], disposal, board)
    svc.decide(inv["users"]["ipek"], disposal, False, timezone.localdate(), "2026/15", "Onarılabilir")
    in_repair.refresh_from_db()
    stored.refresh_from_db()
    assert in_repair.status == Device.Status.IN_REPAIR and stored.status == Device.Status.IN_WAREHOUSE
    with pytest.raises(ValidationError, match="rejected"):
        svc.complete(inv["users"]["ipek"], disposal)


def test_completion_needs_wiping_evidence_for_data_bearing_devices(inv, proposed, board):
    disposal, pc, printer = proposed
    user = inv["users"]["ipek"]
    with pytest.raises(ValidationError, match="approve it first"):
        svc.complete(user, disposal)
    approve(inv, disposal, board)
    with pytest.raises(ValidationError) as err:
        svc.complete(user, disposal)
    text = " ".join(err.value.messages)
    assert pc.sicil_no in text and "3.1.1.6" in text
    assert printer.sicil_no not in text  # a printer stores no data here
    pc.refresh_from_db()
    assert pc.status == Device.Status.AWAITING_DISPOSAL
    item = disposal.items.get(device=pc)
    with pytest.raises(ValidationError) as err:
        svc.record_wiping(user, item, "DoD 5220.22-M, 3 geçiş", "", inv["people"]["emre"])
    assert "wipe_evidence" in err.value.message_dict
    svc.record_wiping(user, item, "DoD 5220.22-M, 3 geçiş", "Silme raporu 2026/7", inv["people"]["emre"])
    disposal = svc.complete(user, disposal)
    assert disposal.state == Disposal.State.COMPLETED and disposal.completed_at
    for device in (pc, printer):
        device.refresh_from_db()
        assert device.status == Device.Status.DISPOSED
    # Disposed devices stay in the records, with their disposal.
    assert Device.objects.filter(pk__in=[pc.pk, printer.pk]).count() == 2
    assert set(pc.disposal_items.values_list("disposal__number", flat=True)) == {disposal.number}
    movement = disposal.movement
    assert movement.kind == Movement.Kind.DISPOSAL and movement.lines.count() == 2
    assert movement.number.startswith(f"{timezone.localdate().year}/")


def test_decision_date_cannot_be_in_the_future(inv, proposed, board):
    disposal = proposed[0]
    svc.set_committee(inv["users"]["ipek"], disposal, board)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError, match="future"):
        svc.decide(inv["users"]["ipek"], disposal, True, tomorrow, "1", "")


def test_an_employee_cannot_propose(inv, make_device):
    with pytest.raises(PermissionError):
        svc.propose(inv["users"]["cagri"], [make_device("pc")], "Eski", Disposal.Method.SCRAP)
