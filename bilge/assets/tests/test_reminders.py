"""Expiry reminders: 90/30/7 days for contracts and warranties, 90/30/15 for licences and
certificates, each threshold once, only the nearest one after missed runs; the revocation
reminder once; recipients; and a real worker sending them."""

import datetime
import json
import subprocess

import pytest
from django.utils import timezone, translation

from bilge.assets.models import Certificate, Contract, Licence, Reminder, Software
from bilge.assets.services.reminders import send_reminders, threshold_due
from bilge.core.models import Notification

D0 = datetime.date(2027, 3, 31)  # the day things end


def day(before: int) -> datetime.date:
    return D0 - datetime.timedelta(days=before)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize(("left", "expected"), [
    (120, None), (91, None), (90, 90), (60, 90), (31, 90), (30, 30), (8, 30), (7, 7), (1, 7), (0, 7), (-1, None)])
def test_contract_thresholds(left, expected):
    assert threshold_due(D0, D0 - datetime.timedelta(days=left), (90, 30, 7)) == expected


@pytest.mark.parametrize(("left", "expected"), [(90, 90), (16, 30), (15, 15), (0, 15), (-3, None)])
def test_licence_thresholds(left, expected):
    assert threshold_due(D0, D0 - datetime.timedelta(days=left), (90, 30, 15)) == expected


def sent(kind):
    return list(Notification.objects.filter(kind=kind).order_by("id"))


@pytest.fixture
def boss(inv, make_user):
    """The IT department's manager: the fallback recipient."""
    from bilge.core.models import Person

    person = Person.objects.create(institution=inv["institution"], registration_no="1100", first_name="Şule",
                                   last_name="Başkan", unit=inv["it"])
    inv["it"].manager = person
    inv["it"].save()
    return make_user("sule", person=person)


def test_contract_reminders_each_threshold_once_nearest_only(inv, boss):
    ipek = inv["users"]["ipek"]
    followed = Contract.objects.create(institution=inv["institution"], number="2026/14", title="Yazıcı bakımı",
                                       vendor="Örnek Bilişim", start_date=datetime.date(2026, 1, 1), end_date=D0,
                                       responsible=inv["people"]["ipek"])
    nobody = Contract.objects.create(institution=inv["institution"], number="2026/15", title="UPS bakımı",
                                     vendor="Güç A.Ş.", start_date=datetime.date(2026, 1, 1), end_date=D0)
    assert send_reminders(day(91))["contracts"] == 0
    assert send_reminders(day(90))["contracts"] == 2
    assert send_reminders(day(90))["contracts"] == 0  # the same day again: nothing
    assert send_reminders(day(89))["contracts"] == 0
    # The worker did not run between 80 and 6 days before: only the 7-day reminder is sent.
    assert send_reminders(day(6))["contracts"] == 2
    assert send_reminders(day(2))["contracts"] == 0
    notes = sent("asset_contract_expiring")
    assert [(n.recipient, n.subject) for n in notes if n.recipient == ipek] == [
        (ipek, "Sözleşme 90 gün içinde sona eriyor: 2026/14 Yazıcı bakımı"),
        (ipek, "Sözleşme 6 gün içinde sona eriyor: 2026/14 Yazıcı bakımı")]
    assert [n.recipient for n in notes if "UPS" in n.subject] == [boss, boss]  # nobody named: the IT manager
    assert "Örnek Bilişim" in notes[0].body and "31.03.2027" in notes[0].body
    assert notes[0].url == followed.get_absolute_url() and notes[0].mail_status == Notification.Mail.PENDING
    assert set(Reminder.objects.filter(object_id=nobody.pk).values_list("days_before", flat=True)) == {90, 7}
    # A contract extended to a new end date is reminded afresh.
    followed.end_date = D0 + datetime.timedelta(days=365)
    followed.save()
    assert send_reminders(followed.end_date - datetime.timedelta(days=30))["contracts"] == 1


def test_warranty_reminders_grouped_per_end_date(inv, boss, make_device):
    batch = [make_device(warranty_end=D0) for _ in range(3)]
    make_device(warranty_end=D0, status="disposed")
    make_device(warranty_end=D0 + datetime.timedelta(days=200))
    assert send_reminders(day(30))["warranties"] == 1
    assert send_reminders(day(29))["warranties"] == 0
    [note] = sent("asset_warranty_expiring")
    assert note.recipient == boss and note.subject == "3 cihazın garantisi 30 gün içinde sona eriyor"
    assert all(d.sicil_no in note.body for d in batch)
    assert send_reminders(day(7))["warranties"] == 1
    assert Reminder.objects.filter(object_type="warranty").count() == 6


def test_licence_and_certificate_reminders(inv, boss):
    oya, ipek = inv["people"]["oya"], inv["people"]["ipek"]
    oya_user = inv["users"]["ipek"].__class__.objects.create_user("oya", email="oya@example.org")
    oya.user = oya_user
    oya.save()
    software = Software.objects.create(institution=inv["institution"], name="Microsoft 365 E3")
    Licence.objects.create(institution=inv["institution"], software=software, kind="subscription", quantity=250,
                           reference="EA-2024-118", expiry_date=D0, responsible=ipek)
    cert = Certificate.objects.create(institution=inv["institution"], kind="esign", issuer="KamuSM", subject="Oya Cem",
                                      holder=oya, serial="7A3F19", valid_from=datetime.date(2024, 3, 31), valid_to=D0)
    revoked = Certificate.objects.create(institution=inv["institution"], kind="tls", subject="eski.example.org",
                                         valid_from=datetime.date(2026, 3, 31), valid_to=D0,
                                         revoked_at=datetime.date(2026, 6, 1))
    counts = send_reminders(day(40))
    assert (counts["licences"], counts["certificates"]) == (1, 1)
    for before in (39, 30, 16, 14, 13, 0):
        send_reminders(day(before))
    licence_notes = sent("asset_licence_expiring")
    assert [n.subject for n in licence_notes] == [
        "Lisansın süresi 40 gün içinde doluyor: Microsoft 365 E3", "Lisansın süresi 30 gün içinde doluyor: Microsoft 365 E3",
        "Lisansın süresi 14 gün içinde doluyor: Microsoft 365 E3"]
    assert {n.recipient for n in licence_notes} == {inv["users"]["ipek"]}
    cert_notes = sent("asset_certificate_expiring")
    assert [n.recipient for n in cert_notes] == [oya_user] * 3  # the holder (nobody else named)
    assert "31.12.2026 tarihinden itibaren yenilenebilir" in cert_notes[0].body
    assert not Reminder.objects.filter(object_type="certificate", object_id=revoked.pk).exists()
    assert set(Reminder.objects.filter(object_type="certificate", object_id=cert.pk)
               .values_list("days_before", flat=True)) == {90, 30, 15}


def test_revocation_reminder_once_when_the_holder_left(inv, boss):
    oya = inv["people"]["oya"]
    today = timezone.localdate()
    cert = Certificate.objects.create(institution=inv["institution"], kind="esign", issuer="KamuSM", subject="Oya Cem",
                                      holder=oya, serial="5C11E0", valid_from=today - datetime.timedelta(days=365),
                                      valid_to=today - datetime.timedelta(days=365) + datetime.timedelta(days=1096),
                                      responsible=inv["people"]["ipek"])
    assert send_reminders(today)["revocations"] == 0  # she still works here
    oya.end_date = today - datetime.timedelta(days=1)
    oya.save()
    assert send_reminders(today)["revocations"] == 1
    assert send_reminders(today)["revocations"] == 0
    [note] = sent("asset_certificate_revoke")
    assert note.recipient == inv["users"]["ipek"] and "Oya Cem kurumdan ayrıldı" in note.body
    cert.refresh_from_db()
    assert cert.revocation_reminded_at is not None
    # Archived holders count as gone; revoked certificates are left alone.
    other = Certificate.objects.create(institution=inv["institution"], kind="code_signing", subject="Bilge imza",
                                       holder=inv["people"]["cagri"], valid_from=today, valid_to=today.replace(
                                           year=today.year + 1), revoked_at=today)
    inv["people"]["cagri"].archive("ayrıldı")
    assert send_reminders(today)["revocations"] == 0
    Certificate.objects.filter(pk=other.pk).update(revoked_at=None)
    assert send_reminders(today)["revocations"] == 1
    assert sent("asset_certificate_revoke")[-1].recipient == boss  # nobody follows it: the IT manager


def test_fallback_to_staff_with_asset_rights_when_no_manager(inv):
    Contract.objects.create(institution=inv["institution"], number="9", title="Ağ", vendor="V",
                            start_date=datetime.date(2026, 1, 1), end_date=D0)
    send_reminders(day(7))
    recipients = {n.recipient.username for n in sent("asset_contract_expiring")}
    assert recipients == {"ipek", "emre"}  # "BT personeli" (assets.*); not the unit staff or managers


# --- a real worker ------------------------------------------------------------------------------------

ENQUEUE_AND_WAIT = r"""
import json, os, time
from bilge.assets.tasks import send_expiry_reminders

result = send_expiry_reminders.enqueue(os.environ["BILGE_TODAY"])
deadline = time.monotonic() + 60
while not result.is_finished and time.monotonic() < deadline:
    time.sleep(0.2)
    result.refresh()
print("RESULT " + json.dumps({"status": str(result.status), "pid": os.getpid(),
                              "value": result.return_value if str(result.status) == "SUCCESSFUL" else None,
                              "workers": list(result.worker_ids)}))
"""


@pytest.mark.slow
def test_the_worker_sends_licence_and_certificate_reminders(transactional_db, tmp_path, inv, boss):
    from bilge.core.tests.test_ops import bilge_command, worker_env

    today = timezone.localdate()
    software = Software.objects.create(institution=inv["institution"], name="Netcad")
    Licence.objects.create(institution=inv["institution"], software=software, kind="subscription", quantity=10,
                           expiry_date=today + datetime.timedelta(days=15), responsible=inv["people"]["ipek"])
    Certificate.objects.create(institution=inv["institution"], kind="tls", subject="www.example.gov.tr",
                               valid_from=today - datetime.timedelta(days=300),
                               valid_to=today + datetime.timedelta(days=30), responsible=inv["people"]["emre"])
    env = worker_env(tmp_path)
    log = open(tmp_path / "worker.log", "w+", encoding="utf-8")  # noqa: SIM115 (closed below)
    worker = subprocess.Popen(bilge_command("run_huey"), env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        done = subprocess.run(bilge_command("shell", "-v", "0", "-c", ENQUEUE_AND_WAIT),
                              env={**env, "BILGE_TODAY": today.isoformat()}, capture_output=True, text=True,
                              encoding="utf-8", timeout=120)
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        log.seek(0)
        worker_log = log.read()
        log.close()
    assert done.returncode == 0, done.stdout + done.stderr + worker_log
    [line] = [x for x in done.stdout.splitlines() if x.startswith("RESULT ")]
    outcome = json.loads(line.removeprefix("RESULT "))
    assert outcome["status"] == "SUCCESSFUL", (outcome, worker_log)
    assert outcome["value"]["licences"] == 1 and outcome["value"]["certificates"] == 1
    [worker_id] = outcome["workers"]
    assert int(worker_id.rpartition(".")[2]) == worker.pid != outcome["pid"]
    assert [n.recipient.username for n in sent("asset_licence_expiring")] == ["ipek"]
    assert [n.recipient.username for n in sent("asset_certificate_expiring")] == ["emre"]
    assert Reminder.objects.count() == 2
    # The worker's scheduler also holds the daily job.
    assert "bilge.assets.tasks.send_expiry_reminders_daily" in worker_log


def test_the_daily_job_sends_what_is_due_today(inv, boss):
    from bilge.assets.tasks import send_expiry_reminders_daily

    Contract.objects.create(institution=inv["institution"], number="D1", title="Kamera bakımı", vendor="V",
                            start_date=datetime.date(2026, 1, 1), end_date=timezone.localdate())
    counts = send_expiry_reminders_daily.call_local()
    assert counts["contracts"] == 1 and sent("asset_contract_expiring")[0].recipient == boss
    assert send_expiry_reminders_daily.call_local()["contracts"] == 0
