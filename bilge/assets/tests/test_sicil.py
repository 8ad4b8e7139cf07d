import pytest

from bilge.assets.models import Device


@pytest.mark.django_db
def test_sicil_numbers_follow_the_code_and_year(inv, make_device):
    first = make_device()
    second = make_device()
    printer = make_device("printer")
    year = first.created_at.year % 100
    assert first.sicil_no == f"255.01.02.01/{year:02d}/000001"
    assert second.sicil_no == f"255.01.02.01/{year:02d}/000002"
    assert printer.sicil_no == f"255.01.02.05/{year:02d}/000001"
    assert Device.objects.visible_to(inv["users"]["ipek"]).count() == 3  # IT staff: the whole inventory
    assert Device.objects.visible_to(inv["users"]["cagri"]).count() == 0  # nothing in Çağrı's custody


@pytest.mark.django_db
def test_a_user_without_the_right_cannot_register(inv):
    from bilge.assets.services.devices import register_device

    device = Device(institution=inv["institution"], device_type=inv["types"]["pc"])
    with pytest.raises(PermissionError):
        register_device(inv["users"]["cagri"], device)
    assert not Device.objects.exists()
