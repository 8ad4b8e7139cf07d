"""What each process keeps between configuration changes (bilge.core.configcache): kept while
nothing changes, read again after a change made here or by another process, read once per web
request, and never kept without a cache shared by the processes."""

import pytest
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.utils import timezone

from bilge.core import configcache
from bilge.core.calendar import BusinessCalendar
from bilge.core.models import CalendarDay, WorkingCalendar


class Loader:
    def __init__(self):
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return self.calls


def another_process_changes_something():
    """What ``configcache.changed()`` does in another process: only the shared generation moves."""
    cache.incr(configcache.GENERATION_KEY)


@pytest.mark.django_db
def test_kept_until_a_registered_model_changes(shared_cache, org):
    load = Loader()
    assert configcache.get("k", load) == 1
    assert configcache.get("k", load) == 1
    assert load.calls == 1
    WorkingCalendar.objects.create(institution=org["institution"], name="Ana takvim", is_default=True)
    assert configcache.get("k", load) == 2
    assert configcache.get("k", load) == 2


@pytest.mark.django_db
def test_a_change_in_another_process_is_seen(shared_cache):
    load = Loader()
    configcache.get("k", load)
    another_process_changes_something()
    assert configcache.get("k", load) == 2
    # The generation gone (Redis restarted): read again, never an old value.
    cache.delete(configcache.GENERATION_KEY)
    assert configcache.get("k", load) == 3
    assert configcache.get("k", load) == 3


@pytest.mark.django_db
def test_read_once_per_request(shared_cache):
    load = Loader()
    request_started.send(sender=None)
    try:
        assert configcache.get("k", load) == 1
        another_process_changes_something()
        assert configcache.get("k", load) == 1  # one request sees one state
    finally:
        request_finished.send(sender=None)
    request_started.send(sender=None)
    try:
        assert configcache.get("k", load) == 2
    finally:
        request_finished.send(sender=None)


@pytest.mark.django_db
def test_nothing_kept_without_a_shared_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    load = Loader()
    assert [configcache.get("k", load) for _ in range(3)] == [1, 2, 3]


@pytest.mark.django_db
def test_the_institution_calendar_follows_its_days(shared_cache, org):
    import datetime as dt

    inst = org["institution"]
    calendar = WorkingCalendar.objects.create(institution=inst, name="Ana takvim", is_default=True)
    monday = dt.date(2026, 3, 2)
    assert BusinessCalendar.for_institution(inst.pk).working_minutes(monday) == 480
    CalendarDay.objects.create(calendar=calendar, date=monday, kind=CalendarDay.Kind.NON_WORKING, name="İdari izin")
    assert BusinessCalendar.for_institution(inst.pk).working_minutes(monday) == 0


@pytest.mark.django_db
def test_rights_kept_by_each_process_follow_people_roles_delegations_and_units(shared_cache, org, make_user,
                                                                               django_user_model):
    """Each request reads the user again; the rights behind it are kept between changes, and every
    change of a role, a delegation, a person's unit or the unit tree counts from the next request."""
    import datetime as dt

    from bilge.core.models import Delegation, Person, Role, RoleAssignment, Unit
    from bilge.core.permissions import can, person_of

    people = org["people"]
    cagri = make_user("cagri", person=people["cagri"], roles=[(["org.view"], "unit_tree")])

    def fresh():  # what the next request sees
        return django_user_model.objects.get(pk=cagri.pk)

    def sees(person):
        return can(fresh(), "view", Person.objects.get(pk=person.pk))

    assert person_of(fresh()).pk == people["cagri"].pk
    assert sees(people["oya"]) and not sees(people["ismail"])  # Yol Bakım, not Fen İşleri above it
    # The unit tree: Yol Bakım moves under Zabıta.
    yol = org["yol"]
    yol.parent = org["zabita"]
    yol.save()
    assert sees(people["oya"]) and not sees(people["ilgaz"])
    # The person moves to Zabıta: the unit tree is now Zabıta's, with Yol Bakım below it.
    people["cagri"].unit = org["zabita"]
    people["cagri"].save()
    assert person_of(fresh()).unit_id == org["zabita"].pk
    assert sees(people["ilgaz"]) and sees(people["oya"])
    # A role given and taken back.
    role = Role.objects.create(name="Kurum geneli", grants=["org.view"])
    assignment = RoleAssignment.objects.create(user=cagri, role=role, scope="institution",
                                               institution=org["institution"])
    assert sees(people["ismail"])
    assignment.delete()
    assert not sees(people["ismail"])
    # A delegation: Çağrı deputises for İsmail (unit manager of Fen İşleri) today.
    ismail = make_user("ismail", person=people["ismail"], roles=[(["org.view"], "unit_tree")])
    assert ismail and not sees(people["ismail"])
    today = timezone.localdate()
    delegation = Delegation.objects.create(principal=people["ismail"], delegate=people["cagri"],
                                           start_date=today, end_date=today)
    assert sees(people["ismail"])
    Delegation.objects.filter(pk=delegation.pk).update(start_date=today - dt.timedelta(days=2),
                                                       end_date=today - dt.timedelta(days=1))
    assert not sees(people["ismail"]), "a bulk update is a change too"
    assert Unit.objects.descendant_ids(org["zabita"].pk) == [org["zabita"].pk, yol.pk]


@pytest.mark.django_db
def test_a_process_keeps_a_bounded_number_of_values(shared_cache, monkeypatch):
    monkeypatch.setattr(configcache, "MAX_KEPT", 3)
    for n in range(10):
        configcache.get(("k", n), Loader())
        assert len(configcache._values) <= 3
    another_process_changes_something()
    configcache.get("fresh", Loader())
    assert list(configcache._values) == ["fresh"], "values of an older generation are forgotten"


@pytest.mark.django_db
def test_unknown_api_tokens_are_not_kept(shared_cache, client):
    for n in range(5):
        assert client.get("/api/people/", HTTP_AUTHORIZATION=f"Token {n:040d}").status_code in (401, 403)
    assert not any(key[0] == "instance" for key in configcache._values if isinstance(key, tuple))


@pytest.mark.django_db
def test_a_kept_api_token_follows_its_user_and_its_deletion(shared_cache, client, make_user, org):
    from rest_framework.authtoken.models import Token

    user = make_user("api", person=org["people"]["ipek"], roles=[(["org.view"], "institution")])
    token = Token.objects.create(user=user)
    header = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    assert client.get("/api/people/", **header).status_code == 200
    assert client.get("/api/people/", **header).status_code == 200  # kept
    user.is_active = False
    user.save()
    assert client.get("/api/people/", **header).status_code in (401, 403)
    user.is_active = True
    user.save()
    assert client.get("/api/people/", **header).status_code == 200
    token.delete()
    assert client.get("/api/people/", **header).status_code in (401, 403)


@pytest.mark.django_db
def test_without_redis_the_database_is_read_and_changes_are_announced_later(shared_cache, monkeypatch, org):
    from django.core.cache import caches

    backend = caches["default"]  # the Redis backend itself (``cache`` is a proxy to it)
    load = Loader()
    assert configcache.get("k", load) == 1
    real_get, real_incr = backend.get, backend.incr

    def down(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(backend, "get", down)
    monkeypatch.setattr(backend, "incr", down)
    assert configcache.get("k", load) == 2 and configcache.get("k", load) == 3, "read every time"
    before = real_get(configcache.GENERATION_KEY)
    WorkingCalendar.objects.create(institution=org["institution"], name="Ana takvim", is_default=True)
    monkeypatch.setattr(backend, "get", real_get)
    monkeypatch.setattr(backend, "incr", real_incr)
    assert configcache.get("k", load) == 4
    assert real_get(configcache.GENERATION_KEY) > before, "the change made meanwhile moved the generation on"
    assert configcache.get("k", load) == 4


@pytest.mark.django_db
def test_many_values_are_read_in_one_call_and_kept(shared_cache):
    calls = []

    def load_many(keys):
        calls.append(list(keys))
        return {key: key * 10 for key in keys if key != 3}

    assert configcache.get_many([1, 2, 3], load_many) == {1: 10, 2: 20, 3: None}
    assert configcache.get_many([2, 3, 4], load_many) == {2: 20, 3: None, 4: 40}
    assert calls == [[1, 2, 3], [4]], "one call for what is missing, and a miss is kept too"
    another_process_changes_something()
    configcache.get_many([1, 2], load_many)
    assert calls[-1] == [1, 2]


@pytest.mark.django_db
def test_a_row_read_by_its_compiled_query_holds_what_the_orm_reads(org, django_user_model):
    """read_row: the query compiled once gives the same values as the ORM, for every row it
    is run for; a relation that is empty (a person without an account) gives None."""
    from bilge.core.models import Person

    user = django_user_model.objects.create_user("ismail", email="ismail@example.org")
    ismail, cagri = org["people"]["ismail"], org["people"]["cagri"]
    ismail.user = user
    ismail.save()

    def orm(person):
        return ({f.attname: getattr(person, f.attname) for f in Person._meta.concrete_fields},
                (("user", None if person.user is None else
                  {f.attname: getattr(person.user, f.attname) for f in type(user)._meta.concrete_fields}),))

    for person in (ismail, cagri, ismail):  # the second and third use the compiled query
        assert configcache.read_row(Person, person.pk, ("user",)) == orm(Person.objects.get(pk=person.pk))
    assert configcache.read_row(Person, 10**9, ("user",)) is None
    values, _ = configcache.read_row(Person, "1002", field="registration_no")
    assert values["id"] == cagri.pk and values["last_name"] == "Öztürk"
    # Not a plain value (an account for its key): the ORM reads it, every time alike.
    for _ in range(2):
        assert configcache.read_row(Person, user, ("user",), field="user") == orm(Person.objects.get(pk=ismail.pk))
