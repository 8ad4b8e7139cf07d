"""Operations: a separate worker runs queued tasks (embedded queue and Redis), the health check
tells the truth, the production settings pass Django's deployment checks, logs can be JSON."""

import datetime
import json
import os
import secrets
import subprocess
import sys

import pytest
from django.contrib.sessions.models import Session
from django.db import OperationalError, connections
from django.utils import timezone

from bilge.core.models import AuditEntry, Unit
from bilge.core.tasks import audited_task, clear_expired_sessions, ping
from bilge.testing import REDIS_TEST_URL, redis_reachable, require, subprocess_env

GREETING = "Merhaba — Çağrı İşık, ğüşıöç İĞÜŞÖÇ"


def bilge_command(*args) -> list[str]:
    return [sys.executable, "-m", "bilge.cli", *args]


# --- tasks ---------------------------------------------------------------------------------------

# Enqueues ``ping`` through Django's tasks API and waits (bounded) for a worker to finish it.
ENQUEUE_AND_WAIT = r"""
import json, os, time
from bilge.core.tasks import ping

result = ping.enqueue(os.environ["BILGE_PING"])
deadline = time.monotonic() + 30
while not result.is_finished and time.monotonic() < deadline:
    time.sleep(0.2)
    result.refresh()
print("RESULT " + json.dumps({
    "status": str(result.status),
    "value": result.return_value if str(result.status) == "SUCCESSFUL" else None,
    "workers": list(result.worker_ids),
    "pid": os.getpid(),
    "backend": type(result.task.get_backend()).__name__,
}, ensure_ascii=False))
"""


def run_through_worker(tmp_path, env: dict) -> dict:
    """Start ``bilge run_huey`` and, in another process, enqueue ``ping``; return what it saw."""
    log = open(tmp_path / "worker.log", "w+", encoding="utf-8")  # noqa: SIM115 (closed below)
    worker = subprocess.Popen(bilge_command("run_huey"), env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        done = subprocess.run(bilge_command("shell", "-v", "0", "-c", ENQUEUE_AND_WAIT),
                              env={**env, "BILGE_PING": GREETING}, capture_output=True, text=True,
                              encoding="utf-8", timeout=90)
        stopped_early = worker.poll() is not None
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
    assert not stopped_early, f"the worker stopped early:\n{worker_log}"
    assert done.returncode == 0, done.stdout + done.stderr
    [line] = [x for x in done.stdout.splitlines() if x.startswith("RESULT ")]
    outcome = json.loads(line.removeprefix("RESULT "))
    outcome["worker_pid"] = worker.pid
    outcome["worker_log"] = worker_log
    return outcome


def worker_env(tmp_path, **extra) -> dict:
    """A child that is not in test mode (so TASKS is Huey's backend), with its own data directory
    (shared by the worker and the enqueuing process: the embedded queue lives there), on the test
    database. The tests hold no transaction open (transactional_db): on SQLite, the worker's start-up
    checks open a write transaction, which would wait for the test's."""
    env = subprocess_env(BILGE_PROFILE="development", BILGE_DATA_DIR=str(tmp_path),
                         SECRET_KEY=secrets.token_urlsafe(50), **extra)
    if "REDIS_URL" not in extra:
        env.pop("REDIS_URL", None)
    return env


def assert_run_by_the_worker(outcome):
    assert outcome["backend"] == "HueyBackend"
    assert outcome["status"] == "SUCCESSFUL", outcome
    assert outcome["value"] == GREETING
    [worker_id] = outcome["workers"]
    _host, _, pid = worker_id.rpartition(".")
    assert int(pid) == outcome["worker_pid"] != outcome["pid"], outcome


@pytest.mark.slow
def test_a_separate_worker_runs_queued_tasks_embedded_queue(transactional_db, tmp_path):
    outcome = run_through_worker(tmp_path, worker_env(tmp_path))
    assert_run_by_the_worker(outcome)
    assert (tmp_path / "tasks.sqlite3").exists()


@pytest.mark.slow
def test_a_separate_worker_runs_queued_tasks_redis(transactional_db, tmp_path):
    require(redis_reachable(), f"Redis at {REDIS_TEST_URL}")
    outcome = run_through_worker(tmp_path, worker_env(tmp_path, REDIS_URL=REDIS_TEST_URL))
    assert_run_by_the_worker(outcome)
    assert not (tmp_path / "tasks.sqlite3").exists()


def test_ping_returns_its_value():
    assert ping.enqueue(GREETING).return_value == GREETING
    assert ping.call(7) == 7


@audited_task
def rename_unit(unit_id, name):
    unit = Unit.objects.get(pk=unit_id)
    unit.name = name
    unit.save()


def test_writes_of_a_task_are_recorded_with_its_name(org):
    rename_unit.enqueue(org["yol"].pk, "Yol Bakım ve Onarım Şube Müdürlüğü")
    entry = AuditEntry.objects.filter(object_type="core.unit", object_id=str(org["yol"].pk)).order_by("id").last()
    assert entry.source == "task:rename_unit"
    assert entry.changes["name"] == ["Yol Bakım Şube Müdürlüğü", "Yol Bakım ve Onarım Şube Müdürlüğü"]


def test_expired_sessions_are_cleared_daily(db):
    from django.contrib.sessions.backends.db import SessionStore

    fresh = SessionStore()
    fresh["x"] = 1
    fresh.create()
    expired = SessionStore()
    expired["x"] = 2
    expired.create()
    Session.objects.filter(pk=expired.session_key).update(expire_date=timezone.now() - datetime.timedelta(days=1))

    clear_expired_sessions.call_local()
    assert list(Session.objects.values_list("pk", flat=True)) == [fresh.session_key]

    # A Huey periodic task that fires once a day (in UTC, as Huey's scheduler runs it).
    task = clear_expired_sessions.task_class()
    start = datetime.datetime(2026, 3, 30, 0, 0)
    minutes = [start + datetime.timedelta(minutes=m) for m in range(24 * 60)]
    assert [m.strftime("%H:%M") for m in minutes if task.validate_datetime(m)] == ["00:30"]
    from huey.contrib.djhuey import HUEY

    assert type(task) in {type(t) for t in HUEY._registry.periodic_tasks}


# --- health ------------------------------------------------------------------------------------

def test_health_answers_200_when_database_and_tasks_answer(db, client):
    response = client.get("/health/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == {"ok": True, "vendor": connections["default"].vendor}
    assert body["tasks"]["ok"] is True and body["tasks"]["pending"] >= 0
    assert "no-cache" in response["Cache-Control"]


def test_health_answers_503_when_the_database_is_unreachable(db, client, monkeypatch):
    def unreachable(*args, **kwargs):
        raise OperationalError("connection refused")

    with monkeypatch.context() as patch:  # undone before the test database is torn down
        patch.setattr(connections["default"], "cursor", unreachable)
        response = client.get("/health/")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"] == {"ok": False, "error": "OperationalError"}
    assert body["tasks"]["ok"] is True


def test_health_answers_503_when_the_task_queue_is_unreachable(db, client, monkeypatch):
    from huey import RedisHuey
    from huey.contrib import djhuey

    # Nothing listens on port 1: the queue's storage cannot be reached.
    with monkeypatch.context() as patch:
        patch.setattr(djhuey, "HUEY", RedisHuey("bilge", url="redis://127.0.0.1:1/0"))
        response = client.get("/health/")
    assert response.status_code == 503
    body = response.json()
    assert body["database"]["ok"] is True
    assert body["tasks"] == {"ok": False, "error": "ConnectionError"}


# --- deployment checks and logs ------------------------------------------------------------------

def production_env(tmp_path, **extra) -> dict:
    env = dict(os.environ, BILGE_PROFILE="production", SECRET_KEY=secrets.token_urlsafe(50),
               ALLOWED_HOSTS="bilge.example.bel.tr", EMAIL_BACKEND="smtp", BILGE_DATA_DIR=str(tmp_path))
    for name in ("DATABASE_URL", "REDIS_URL", "BILGE_BEHIND_PROXY", "BILGE_2FA_REQUIRED", "DEBUG",
                 "DJANGO_ALLOW_ASYNC_UNSAFE"):  # set by the browser tests for the test process only
        env.pop(name, None)
    env.update(extra)
    return env


@pytest.mark.slow
def test_production_settings_pass_the_deployment_checks(tmp_path):
    result = subprocess.run(bilge_command("check", "--deploy", "--fail-level", "WARNING"),
                            env=production_env(tmp_path), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stderr and "ERROR" not in result.stderr


@pytest.mark.slow
def test_the_deployment_checks_do_fail_on_a_bad_setting(tmp_path):
    """The test above can fail: the console mail backend is refused for production."""
    result = subprocess.run(bilge_command("check", "--deploy", "--fail-level", "WARNING"),
                            env=production_env(tmp_path, EMAIL_BACKEND="console"),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "mail.E001" in result.stdout + result.stderr


LOG_SCRIPT = r"""
import logging
log = logging.getLogger("bilge.ops")
log.warning("Yedek alındı: %s", "Çağrı İşık ğüşıöç İĞÜŞÖÇ")
try:
    1 / 0
except ZeroDivisionError:
    log.exception("Görev başarısız")
"""


def test_json_logs_are_one_json_object_per_line(tmp_path):
    env = dict(os.environ, BILGE_LOG_FORMAT="json", BILGE_DATA_DIR=str(tmp_path), BILGE_PROFILE="development",
               SECRET_KEY=secrets.token_urlsafe(50))
    env.pop("DATABASE_URL", None)
    result = subprocess.run(bilge_command("shell", "-v", "0", "-c", LOG_SCRIPT), env=env, capture_output=True,
                            text=True, encoding="utf-8", timeout=120)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is JSON (a traceback too)
    by_message = {r["message"]: r for r in records}
    warning = by_message["Yedek alındı: Çağrı İşık ğüşıöç İĞÜŞÖÇ"]
    assert warning["levelname"] == "WARNING" and warning["name"] == "bilge.ops"
    failure = by_message["Görev başarısız"]
    assert failure["levelname"] == "ERROR" and "ZeroDivisionError" in failure["exc_info"]

