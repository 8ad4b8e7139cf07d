"""Shared test fixtures: an institution with a unit tree, people, users with scoped roles."""

import os

import pytest

from bilge.testing import require  # noqa: F401  (re-exported for tests)
from bilge.testing_browser import browser, new_page, page, sign_in  # noqa: F401  (browser fixtures, once)


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the installation's language: a request in another language (the
    test client's Accept-Language) leaves that language active in the thread afterwards."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _audit_trail_flushable(request):
    """Transactional and live-server tests end with a flush that the append-only audit trail
    refuses; empty it first (see bilge.testing.empty_audit_trail)."""
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(request.fixturenames))
    if not transactional:
        yield
        return
    # Set the database up inside this fixture, so this teardown runs before Django's flush.
    request.getfixturevalue("transactional_db")
    yield
    from bilge.testing import empty_audit_trail

    empty_audit_trail()


@pytest.fixture
def org(db):
    """Institution → IT department (BİDB) with a service, and Fen İşleri with a branch."""
    from bilge.core.models import Institution, Person, Position, Unit

    inst = Institution.objects.create(slug="test", name="Test Büyükşehir Belediyesi", kind="buyuksehir")
    it = Unit.objects.create(institution=inst, code="BIDB", name="Bilgi İşlem Dairesi Başkanlığı",
                             kind="daire_baskanligi", is_it=True)
    sys_unit = Unit.objects.create(institution=inst, code="SYS", name="Sistem Yönetim Birimi", kind="birim",
                                   is_it=True, parent=it)
    fen = Unit.objects.create(institution=inst, code="FEN", name="Fen İşleri Dairesi Başkanlığı",
                              kind="daire_baskanligi")
    yol = Unit.objects.create(institution=inst, code="YOL", name="Yol Bakım Şube Müdürlüğü", kind="sube_mudurlugu",
                              parent=fen)
    zabita = Unit.objects.create(institution=inst, code="ZAB", name="Zabıta Dairesi Başkanlığı",
                                 kind="daire_baskanligi")
    staff = Position.objects.create(institution=inst, name="Personel")
    head = Position.objects.create(institution=inst, name="Daire Başkanı", is_manager=True)

    def person(reg, first, last, unit, position=staff, **kw):
        return Person.objects.create(institution=inst, registration_no=reg, first_name=first, last_name=last,
                                     unit=unit, position=position, **kw)

    people = {
        "ismail": person("1001", "İSMAİL", "IŞIK", fen, head, tc_kimlik="10000000146"),
        "cagri": person("1002", "Çağrı", "Öztürk", yol),
        "ilgaz": person("1003", "Ilgaz", "Şahin", zabita),
        "ipek": person("1004", "İpek", "Ünal", sys_unit),
        "oya": person("1005", "Oya", "Cem", yol),
    }
    return {"institution": inst, "it": it, "sys": sys_unit, "fen": fen, "yol": yol, "zabita": zabita,
            "people": people, "positions": {"staff": staff, "head": head}}


@pytest.fixture
def make_user(db, django_user_model):
    """make_user(username, person=None, roles=[(role_name_or_grants, scope, unit)])."""
    from bilge.core.models import Role, RoleAssignment

    def factory(username, person=None, roles=(), password="Bilge-test-2026", institution=None, **extra):
        user = django_user_model.objects.create_user(username=username, password=password,
                                                     email=f"{username}@example.org", **extra)
        if person is not None:
            person.user = user
            person.save()
        for spec in roles:
            grants, scope = spec[0], spec[1]
            unit = spec[2] if len(spec) > 2 else None
            if isinstance(grants, str):
                role = Role.objects.get(name=grants)
            else:
                role, _ = Role.objects.get_or_create(name="+".join(grants) + f"@{scope}", defaults={"grants": list(grants)})
            RoleAssignment.objects.create(user=user, role=role, scope=scope, unit=unit, institution=institution)
        return user

    return factory


@pytest.fixture
def admin_user(db, django_user_model):
    return django_user_model.objects.create_superuser(username="root", password="Bilge-test-2026",
                                                      email="root@example.org")


@pytest.fixture
def shared_cache(settings):
    """The production cache (Redis, shared by every process), so that what each process keeps
    between configuration changes (``bilge.core.configcache``) is kept in the test too. Its own
    key prefix keeps parallel test workers apart."""
    import uuid

    from bilge.core import configcache
    from bilge.testing import REDIS_TEST_URL as url
    from bilge.testing import redis_reachable

    require(redis_reachable(), f"Redis at {url}")
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url,
                                   "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}}
    configcache.clear()
    yield
    from django.core.cache import cache

    cache.delete(configcache.GENERATION_KEY)  # not clear(): that empties the whole Redis database
    configcache.clear()


def pytest_collection_modifyitems(config, items):
    if os.environ.get("BILGE_BROWSER_ONLY"):
        items[:] = [i for i in items if i.get_closest_marker("browser")]
