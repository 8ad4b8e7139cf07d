"""The organization pages: lists (filter, sort, paginate, columns, export), edit, history, archive."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from bilge.core.models import AuditEntry, Person, Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, org, make_user):
    user = make_user("ik", person=org["people"]["ipek"],
                     roles=[(["org.view", "org.add", "org.change", "org.delete", "org.export", "audit.view"],
                             "institution")])
    client.force_login(user)
    return user


def test_list_filters_by_unit_with_sub_units_and_sorts_in_turkish(client, staff, org):
    html = client.get(f"/org/people/?unit={org['fen'].pk}").content.decode()
    assert "İSMAİL" in html and "Çağrı" not in html
    html = client.get(f"/org/people/?unit={org['fen'].pk}&subunits=true").content.decode()
    assert "İSMAİL" in html and "Çağrı" in html and "Ilgaz" not in html
    html = client.get("/org/people/?sort=name").content.decode()
    order = [html.index(n) for n in ("Cem", "IŞIK", "Öztürk", "Şahin", "Ünal")]
    assert order == sorted(order)
    html = client.get("/org/people/?sort=-name").content.decode()
    assert html.index("Ünal") < html.index("Cem")


@pytest.mark.smoke
def test_turkish_search_through_the_page(client, staff):
    for query, name in [("ismail", "İSMAİL"), ("ışık", "İSMAİL"), ("ILGAZ", "Ilgaz"), ("öztürk", "Çağrı")]:
        body = client.get("/org/people/", {"q": query}).content.decode()
        assert name in body, query
    assert "İSMAİL" not in client.get("/org/people/", {"q": "ilgaz"}).content.decode()


def test_pagination_and_page_size(client, staff, org):
    Person.objects.bulk_create([
        Person(institution=org["institution"], registration_no=f"5{i:04d}", first_name="Ek", last_name=f"Kişi {i:03d}",
               unit=org["zabita"], search_text=f"ek kişi {i:03d}") for i in range(120)
    ])
    r = client.get("/org/people/?per_page=25&page=2&sort=registration_no")
    assert r.context["page"].number == 2 and len(r.context["rows"]) == 25
    assert r.context["total"] == 125
    assert client.get("/org/people/?page=999&per_page=25").context["page"].number == 5  # past the end: the last page


def test_chosen_columns_are_remembered(client, staff):
    r = client.get("/org/people/?columns=name&columns=email&save_columns=1")
    assert [c.name for c in r.context["columns"]] == ["name", "email"]
    r = client.get("/org/people/")
    assert [c.name for c in r.context["columns"]] == ["name", "email"]


def test_export_filtered_list_to_excel_and_csv(client, staff, org):
    r = client.get(f"/org/people/?unit={org['yol'].pk}&export=xlsx")
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(r.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    from django.utils import translation

    from bilge.core.tables import person_table
    from bilge.web.templatetags.bilge import capfirst

    with translation.override("tr"):
        assert rows[0][0] == capfirst(str(person_table.by_name()["name"].label))
    names = {row[0] for row in rows[1:]}
    assert names == {"Çağrı Öztürk", "Oya Cem"}
    csv = b"".join(client.get("/org/people/?q=ismail&export=csv").streaming_content).decode("utf-8-sig")
    assert csv.splitlines()[1].startswith("İSMAİL IŞIK;1001")
    assert AuditEntry.objects.filter(action="export").count() == 2


def test_export_needs_the_export_right(client, org, make_user):
    client.force_login(make_user("okur", person=org["people"]["ipek"], roles=[(["org.view"], "institution")]))
    assert client.get("/org/people/").status_code == 200
    assert client.get("/org/people/?export=xlsx").status_code == 403


def test_edit_with_validation_errors_saves_nothing(client, staff, org):
    person = org["people"]["cagri"]
    url = f"/org/people/{person.pk}/edit/"
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update({"tc_kimlik": "12345678901", "email": "x@", "start_date": "01.02.2026", "end_date": "01.01.2026"})
    r = client.post(url, data)
    assert r.status_code == 400
    errors = r.context["form"].errors
    assert {"tc_kimlik", "email"} <= set(errors)
    person.refresh_from_db()
    assert person.email == ""
    data.update({"tc_kimlik": "10000000146", "email": "cagri@test.bel.tr", "title": "Şef", "end_date": ""})
    r = client.post(url, data)
    assert r.status_code == 302, r.context["form"].errors if r.context else r
    person.refresh_from_db()
    assert person.title == "Şef" and person.start_date.isoformat() == "2026-02-01"
    history = client.get(f"/org/people/{person.pk}/history/").content.decode()
    assert "Şef" in history and "cagri@test.bel.tr" in history


def test_add_outside_the_scope_is_refused(client, org, make_user):
    user = make_user("sef", person=org["people"]["ismail"], roles=[(["org.view", "org.add"], "unit_tree")])
    client.force_login(user)
    data = {"institution": org["institution"].pk, "registration_no": "7777", "first_name": "Yeni", "last_name": "Kişi",
            "unit": org["fen"].pk, "employment_type": "memur"}
    assert client.post("/org/people/add/", data).status_code == 302
    # The form offers only units in scope; Zabıta is not a valid choice.
    data.update(registration_no="7778", unit=org["zabita"].pk)
    r = client.post("/org/people/add/", data)
    assert r.status_code == 400 and "unit" in r.context["form"].errors
    assert not Person.objects.filter(registration_no="7778").exists()


def test_archive_keeps_the_record_findable(client, staff, org):
    person = org["people"]["oya"]
    r = client.post(f"/org/people/{person.pk}/archive/", {"reason": "emekli"})
    assert r.status_code == 302
    def listed(url):
        return {obj.pk for obj, _cells in client.get(url).context["rows"]}

    assert person.pk not in listed("/org/people/")
    assert listed("/org/people/?archived=yes") == {person.pk}
    assert person.pk in listed("/org/people/?archived=all")
    assert client.get(f"/org/people/{person.pk}/").status_code == 200


def test_unit_with_people_cannot_be_archived(client, staff, org):
    r = client.post(f"/org/units/{org['zabita'].pk}/archive/", {"reason": "kapandı"}, follow=True)
    assert "still has people" in r.content.decode() or "hâlâ" in r.content.decode()
    assert not Unit.objects.get(pk=org["zabita"].pk).is_archived


def test_unit_page_lists_its_duties(client, staff):
    from bilge.core.services import load_preset

    load_preset("defne")
    unit = Unit.objects.get(institution__slug="defne", code="DTD")
    staff_role = staff.role_assignments.first()
    staff_role.scope = "unit"
    staff_role.unit = unit
    staff_role.save()
    from bilge.core.permissions import clear_cache

    clear_cache(staff)
    html = client.get(f"/org/units/{unit.pk}/").content.decode()
    assert "md.11/26" in html and "yazılı" in html
    assert html.count('data-testid="duties"') == 1


@pytest.mark.parametrize("url,budget", [  # an HTML list reads its page's ids, then their rows (generic.py)
    ("/org/people/", 18), ("/org/units/", 18), ("/org/duties/", 18), ("/org/regulations/", 18),
    ("/org/delegations/", 18), ("/org/audit/", 18), ("/api/people/", 12), ("/api/units/", 12), ("/api/duties/", 12),
])
def test_query_budget_of_list_pages(client, staff, org, url, budget):
    """A list page costs the same number of queries for 5 rows as for 60: no N+1."""
    from bilge.core.services import load_preset

    load_preset("batman")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    small = count()
    Person.objects.bulk_create([
        Person(institution=org["institution"], registration_no=f"8{i:04d}", first_name="Toplu", last_name=f"K{i}",
               unit=org["zabita"] if i % 2 else org["yol"]) for i in range(60)
    ])
    for i in range(10):
        Unit.objects.create(institution=org["institution"], code=f"X{i}", name=f"Ek Birim {i}", parent=org["fen"])
    large = count()
    assert large <= budget, f"{url}: {large} queries"
    assert large == small or large - small <= 1, f"{url}: {small} → {large} queries"


def test_history_shows_an_action_whose_key_names_a_reverse_relation(client, org, admin_user):
    """A recorded action may use a key that is also the name of a reverse relation (a person's
    "devices"): the History tab shows it as text instead of failing."""
    from bilge.core import audit

    person = org["people"]["cagri"]
    audit.record("handover", person, {"devices": ["255.01.02.01/26/000001", "255.01.02.01/26/000002"]})
    client.force_login(admin_user)
    response = client.get(f"/org/people/{person.pk}/history/")
    assert response.status_code == 200
    assert "255.01.02.01/26/000002" in response.content.decode()
