"""The audit trail catches every write, wherever it comes from, and shows tampering."""

import io

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from bilge.core import audit
from bilge.core.models import AuditEntry, Person, Unit

pytestmark = pytest.mark.django_db


def entries_for(obj):
    return list(AuditEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).order_by("id"))


@pytest.mark.smoke
def test_create_update_delete_are_recorded_with_field_changes(org):
    person = org["people"]["cagri"]
    [created] = entries_for(person)
    assert created.action == "create"
    assert created.changes["first_name"] == [None, "Çağrı"]
    assert created.changes["tc_kimlik"] == [None, ""]

    person.title = "Mühendis"
    person.unit = org["zabita"]
    person.save()
    update = entries_for(person)[-1]
    assert update.action == "update"
    assert update.changes == {"title": ["", "Mühendis"], "unit": [org["yol"].pk, org["zabita"].pk]}

    person.save()  # nothing changed: nothing recorded
    assert entries_for(person)[-1].id == update.id


def test_personal_data_is_masked_in_the_trail_but_its_changes_are_recorded(org, django_user_model):
    person = org["people"]["ismail"]
    first = entries_for(person)[0]
    assert first.changes["tc_kimlik"] == [None, audit.MASK]
    person.tc_kimlik = "10000000078"  # corrected to another valid number
    person.save()
    assert entries_for(person)[-1].changes == {"tc_kimlik": [audit.MASK, audit.MASK]}
    Person.objects.filter(pk=person.pk).update(tc_kimlik="")
    assert entries_for(person)[-1].changes == {"tc_kimlik": [audit.MASK, ""]}
    user = django_user_model.objects.create_user("parola", password="Eski-parola-1")
    user = django_user_model.objects.get(pk=user.pk)
    user.set_password("Yeni-parola-2")
    user.save()
    assert entries_for(user)[-1].changes == {"password": [audit.MASK, audit.MASK]}
    stored = str(list(AuditEntry.objects.values_list("changes", flat=True)))
    assert "10000000146" not in stored and "10000000078" not in stored and "pbkdf2" not in stored


def test_shell_writes_are_recorded_as_system(org):
    entry = entries_for(org["people"]["oya"])[0]
    assert entry.source == "system"
    assert entry.actor_label.startswith("system")


def test_actor_and_delegation_are_recorded(org, make_user):
    user = make_user("ayse")
    principal = make_user("mudur")
    with audit.acting_as(user, ip="10.1.2.3", source="web", on_behalf_of=principal):
        org["fen"].email = "fen@test.bel.tr"
        org["fen"].save()
    entry = entries_for(org["fen"])[-1]
    assert entry.actor_id == user.pk and entry.on_behalf_of_id == principal.pk
    assert entry.ip == "10.1.2.3" and entry.source == "web"
    assert entry.on_behalf_of_label == "mudur"


def test_bulk_update_and_bulk_create_are_recorded(org):
    Person.objects.filter(unit=org["yol"]).update(title="Tekniker")
    for key in ("cagri", "oya"):
        entry = entries_for(org["people"][key])[-1]
        assert entry.changes == {"title": ["", "Tekniker"]}
    new = Person.objects.bulk_create([
        Person(institution=org["institution"], registration_no="2001", first_name="Ülkü", last_name="Işık",
               unit=org["fen"])
    ])
    assert entries_for(new[0])[0].action == "create"
    units = list(Unit.objects.filter(pk__in=[org["fen"].pk, org["yol"].pk]))
    for u in units:
        u.email = "x@test.bel.tr"
    Unit.objects.bulk_update(units, ["email"])
    assert entries_for(org["fen"])[-1].changes == {"email": ["", "x@test.bel.tr"]}


def test_management_command_writes_name_the_command(db, monkeypatch):
    from django.core.management import base

    from bilge.cli import main

    # A command closes every connection when it ends; the test's transaction must survive it.
    monkeypatch.setattr(base.connections, "close_all", lambda: None)
    main(["bilge", "load_preset", "batman"])
    entry = AuditEntry.objects.filter(object_type="core.institution").order_by("id").last()
    assert entry.source == "command:load_preset"


def test_hard_delete_of_legal_records_is_refused_and_archive_is_recorded(org):
    person = org["people"]["oya"]
    with pytest.raises(PermissionError):
        person.delete()
    person.archive("emekli oldu")
    assert entries_for(person)[-1].action == "archive"
    assert Person.objects.filter(pk=person.pk, archived_at__isnull=False).exists()


def test_chain_verifies_and_reports_a_modified_entry(org):
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    assert "OK" in out.getvalue()

    target = AuditEntry.objects.order_by("id")[2]
    # The database refuses changes to the trail ...
    with pytest.raises(DatabaseError):
        with connection.cursor() as cursor, transaction.atomic():
            cursor.execute("UPDATE core_auditentry SET object_repr = 'x' WHERE id = %s", [target.id])
    # ... so a tamperer must first drop the guard; the chain still shows it.
    _drop_guard()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET changes = %s WHERE id = %s", ['{"title": ["", "sahte"]}', target.id])
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("audit_verify", stdout=io.StringIO(), stderr=err)
    assert exit_info.value.code == 1
    assert f"#{target.id}" in err.getvalue()


def test_chain_reports_a_deleted_entry(org):
    target = AuditEntry.objects.order_by("id")[1]
    _drop_guard()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditentry WHERE id = %s", [target.id])
    result = audit.verify_chain()
    assert not result.ok
    assert result.first_bad_id > target.id


def test_entries_cannot_be_changed_through_the_orm(org):
    entry = AuditEntry.objects.first()
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()


def _drop_guard():
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER IF EXISTS core_auditentry_no_update")
            cursor.execute("DROP TRIGGER IF EXISTS core_auditentry_no_delete")
        else:
            cursor.execute("ALTER TABLE core_auditentry DISABLE TRIGGER USER")


def test_in_place_change_of_a_json_field_is_recorded(db):
    from bilge.core.models import Role

    role = Role.objects.create(name="Okur", grants=["org.view"])
    role = Role.objects.get(pk=role.pk)  # loaded from the database: the before image comes from the load
    role.grants.append("org.export")
    role.save()
    assert entries_for(role)[-1].changes == {"grants": [["org.view"], ["org.view", "org.export"]]}


def test_before_image_is_the_stored_row_for_an_instance_built_by_hand(org):
    person = org["people"]["cagri"]
    stale = Person(pk=person.pk, institution=person.institution, registration_no=person.registration_no,
                   first_name="Çağrı", last_name="Öztürk", unit=person.unit, title="Şef",
                   created_at=person.created_at)
    stale._state.adding = False
    stale.save()
    assert entries_for(person)[-1].changes["title"] == ["", "Şef"]


def test_batched_entries_are_written_at_the_end_in_order_and_the_chain_holds(org):
    before = AuditEntry.objects.count()
    with transaction.atomic():
        with audit.batched():
            first = Unit.objects.create(institution=org["institution"], code="B1", name="Toplu Birim")
            first.name = "Toplu Birim İkinci"
            first.save()
            assert AuditEntry.objects.count() == before, "nothing is written until the block ends"
        assert AuditEntry.objects.count() == before + 2
    created, changed = entries_for(first)
    assert (created.action, changed.action) == ("create", "update")
    assert changed.changes["name"] == ["Toplu Birim", "Toplu Birim İkinci"]
    assert created.timestamp <= changed.timestamp and changed.prev_hash == created.hash
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    assert "OK" in out.getvalue()


def test_a_batch_that_fails_writes_nothing(org):
    before = AuditEntry.objects.count()
    with pytest.raises(ValueError), transaction.atomic():
        with audit.batched():
            Unit.objects.create(institution=org["institution"], code="B2", name="Yarım")
            raise ValueError("stop")
    assert AuditEntry.objects.count() == before and not Unit.objects.filter(code="B2").exists()


def test_unit_tree_ids_are_the_unit_and_everything_below_it(org):
    assert sorted(Unit.objects.descendant_ids(org["it"].pk)) == sorted([org["it"].pk, org["sys"].pk])
    assert sorted(Unit.objects.descendant_ids(org["fen"].pk)) == sorted(
        u.pk for u in org["fen"].descendants(include_self=True))
    assert Unit.objects.descendant_ids(org["yol"].pk) == [org["yol"].pk]
    assert Unit.objects.descendant_ids(10**9) == []
