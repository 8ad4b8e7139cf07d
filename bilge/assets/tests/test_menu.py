"""The navigation: IT staff see the whole assets menu; an employee sees only their devices."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def menu_links(client, user):
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return {url for _label, entries in response.context["menu"] for _name, url in entries}


def test_it_staff_see_every_assets_page_and_each_opens(client, inv):
    links = menu_links(client, inv["users"]["ipek"])
    wanted = {reverse("assets:my_devices"), reverse("assets:device_list"), reverse("assets:warehouse_list"),
              reverse("assets:custody_act", args=["handover"]), reverse("assets:count_list"),
              reverse("assets:importjob_list"), reverse("assets:certificate_list")}
    assert wanted <= links
    for url in sorted(u for u in links if u.startswith("/assets/")):
        assert client.get(url).status_code == 200, url


def test_an_employee_sees_only_their_devices(client, inv):
    links = {u for u in menu_links(client, inv["users"]["cagri"]) if u.startswith("/assets/")}
    assert links == {reverse("assets:my_devices"), reverse("assets:device_list")}


def test_the_location_picker_finds_places_by_turkish_words_within_scope(client, inv):
    client.force_login(inv["users"]["ipek"])
    options = client.get("/assets/locations/autocomplete/", {"q": "TOPLANTI"}).content.decode()
    assert "Toplantı Salonu" in options and "Oda 312" not in options
    client.force_login(inv["users"]["cagri"])  # an employee reads no location
    assert "Toplantı" not in client.get("/assets/locations/autocomplete/", {"q": "toplantı"}).content.decode()
