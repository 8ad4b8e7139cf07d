"""Demo data: a realistic institution, generated once, reused on the next run."""

import io

import pytest
from django.core.management import call_command

from bilge.core.audit import verify_chain
from bilge.core.models import AuditEntry, Person, RoleAssignment, Unit
from bilge.core.turkish import fold

pytestmark = pytest.mark.django_db


@pytest.mark.smoke
def test_small_demo_is_realistic_and_idempotent(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    out = io.StringIO()
    call_command("demo", "--scale", "small", "--users", stdout=out)
    text = out.getvalue()
    assert "300 people (created)" in text and "demo user denetci" in text
    people = Person.objects.filter(institution__slug="kocaeli")
    assert people.count() == 300
    assert Unit.objects.filter(institution__slug="kocaeli", is_it=False).count() >= 30
    assert any(set("çğıöşüİ") & set(p.full_name) for p in people[:50]), "Turkish names"
    assert all(p.search_text == fold(p.search_text) for p in people[:50])
    assert Unit.objects.filter(institution__slug="kocaeli", manager__isnull=False).count() > 20
    assert RoleAssignment.objects.filter(user__username="birim.yonetici", scope="unit_tree").exists()
    entries = AuditEntry.objects.count()
    assert entries > 300, "the generated rows are audited too"
    assert verify_chain().ok

    out = io.StringIO()
    call_command("demo", "--scale", "small", "--users", stdout=out)
    assert "already present" in out.getvalue()
    assert Person.objects.filter(institution__slug="kocaeli").count() == 300
    assert AuditEntry.objects.count() == entries


def test_ensure_admin_creates_once_and_prints_the_password(settings, tmp_path, django_user_model):
    settings.DATA_DIR = tmp_path
    out = io.StringIO()
    call_command("ensure_admin", stdout=out)
    password = (tmp_path / "admin-password.txt").read_text().strip()
    assert f"password: {password}" in out.getvalue()
    assert django_user_model.objects.get(username="admin").check_password(password)
    out2 = io.StringIO()
    call_command("ensure_admin", stdout=out2)
    assert out2.getvalue() == out.getvalue()
    assert django_user_model.objects.filter(username="admin").count() == 1
