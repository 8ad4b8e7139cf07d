"""Imports of devices, custody and stock: upload → stored outside the web root → the worker checks
every row (progress as it goes) → rejected with every bad row named (nothing imported), or a
preview waiting for confirmation → the worker writes everything in one transaction (all or
nothing), one audit entry per record, the chain lock taken once at the end."""

from __future__ import annotations

import logging
import pickle
import time
import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bilge.assets import importers
from bilge.assets.importers.readers import FileProblem, open_table
from bilge.assets.models import ImportJob
from bilge.core import audit
from bilge.core.permissions import authorize, can, has_module_perm, person_of
from bilge.core.tasks import audited_task

logger = logging.getLogger("bilge.assets")
S = ImportJob.State
EXTENSIONS = ("xlsx", "csv")
MAX_MB = 60


def institution_for(user):
    person = person_of(user)
    if person is not None:
        return person.institution
    from bilge.core.models import Institution

    return Institution.objects.order_by("pk").first() if getattr(user, "is_superuser", False) else None


def check_upload(upload) -> str:
    """The file's extension, or ValidationError naming what is wrong."""
    name = PurePath(upload.name).name
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in EXTENSIONS:
        raise ValidationError(_("%(name)s: only Excel (.xlsx) and CSV files can be imported.") % {"name": name})
    if upload.size == 0:
        raise ValidationError(_("%(name)s is empty.") % {"name": name})
    limit = getattr(settings, "ASSETS_IMPORT_MAX_MB", MAX_MB)
    if upload.size > limit * 1024 * 1024:
        raise ValidationError(_("%(name)s is larger than %(limit)s MB.") % {"name": name, "limit": limit})
    head = upload.read(4)
    upload.seek(0)
    if extension == "xlsx" and not head.startswith(b"PK"):
        raise ValidationError(_("%(name)s: the content does not match the file type.") % {"name": name})
    if head.startswith((b"MZ", b"\x7fELF")):
        raise ValidationError(_("%(name)s: the content does not match the file type.") % {"name": name})
    return extension


def start(user, kind: str, upload) -> ImportJob:
    """Store the file and queue the check. Needs ``assets.add``."""
    if not has_module_perm(user, "assets", "add"):
        raise PermissionError(_("You may not import records (the right to add assets is needed)."))
    if kind not in importers.IMPORTERS:
        raise ValidationError(_("Choose what the file holds."))
    extension = check_upload(upload)
    institution = institution_for(user)
    if institution is None:
        raise ValidationError(_("No institution is linked to your account."))
    job = ImportJob(institution=institution, kind=kind, file_name=PurePath(upload.name).name[:200], created_by=user)
    allowed, principal = authorize(user, "add", job)
    if not allowed:
        raise PermissionError(_("You may not import records (outside your scope)."))
    stored = default_storage.save(f"imports/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension}", upload)
    job.stored_path = stored
    try:
        with transaction.atomic(), audit.acting_for(user, principal):
            job.save()
    except Exception:
        default_storage.delete(stored)
        raise
    _enqueue(check_import, job.pk)
    return job


def confirm(user, job: ImportJob) -> ImportJob:
    """The user saw the preview: queue the import."""
    allowed, principal = authorize(user, "add", job)
    if not allowed or not has_module_perm(user, "assets", "add"):
        raise PermissionError(_("You may not import records."))
    with transaction.atomic(), audit.acting_for(user, principal):
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.state != S.PREVIEW:
            raise ValidationError(_("This import is not waiting for confirmation."))
        job.state, job.confirmed_by, job.confirmed_at = S.PENDING, user, timezone.now()
        job.save()
    _enqueue(run_import, job.pk)
    return job


def _enqueue(task, job_id) -> None:
    # The task backend enqueues on commit when configured so (production: TASKS enqueue_on_commit).
    task.enqueue(job_id)


def may_see(user, job: ImportJob) -> bool:
    return can(user, "view", job)


# --- the worker ----------------------------------------------------------------------------------

@audited_task
def check_import(job_id: int):
    """Check every row of an uploaded file; nothing is written but the job."""
    return _run(job_id, write=False)


@audited_task
def run_import(job_id: int):
    """Write a checked and confirmed file in one transaction."""
    return _run(job_id, write=True)


class _Progress:
    """Progress the page can read while the worker works: ``processed_rows`` during the check
    (committed as it goes), ``imported_rows`` during the write. The write runs in one
    transaction, so on PostgreSQL its progress goes through a second connection; SQLite (one
    writer at a time) shows it when the transaction ends."""

    interval = 0.4  # seconds between two writes

    def __init__(self, job: ImportJob, field: str, side: bool = False):
        self.job, self.field, self.last = job, field, 0.0
        self.conn = connections.create_connection("default") if side and connection.vendor == "postgresql" \
            else None
        self.enabled = not side or self.conn is not None

    def __call__(self, done: int, force: bool = False):
        now = time.monotonic()
        if not self.enabled or (not force and now - self.last < self.interval):
            return
        self.last = now
        if self.conn is not None:
            with self.conn.cursor() as cursor:
                cursor.execute(f"UPDATE {ImportJob._meta.db_table} SET {self.field} = %s WHERE id = %s",
                               [done, self.job.pk])
        else:
            ImportJob.objects.filter(pk=self.job.pk).update(**{self.field: done})

    def close(self):
        if self.conn is not None:
            self.conn.close()


def _claim(job_id: int) -> ImportJob | None:
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(pk=job_id, state=S.PENDING).first()
        if job is None:
            return None  # taken by another worker, or not waiting
        job.state = S.RUNNING
        job.save(update_fields=["state", "updated_at"])
    return job


def _finish(job: ImportJob, state: str, **fields) -> None:
    job.state, job.finished_at = state, timezone.now()
    for name, value in fields.items():
        setattr(job, name, value)
    job.save()
    if state in (S.DONE, S.REJECTED, S.FAILED) and job.stored_path:
        default_storage.delete(job.stored_path)  # the records (or the report) are what stays
        default_storage.delete(_rows_path(job))


def _rows_path(job: ImportJob) -> str:
    """The checked rows, kept between the check and the write."""
    return f"{job.stored_path}.rows"


def _run(job_id: int, write: bool):
    job = _claim(job_id)
    if job is None:
        return None
    user = job.confirmed_by if write else job.created_by
    principal = authorize(user, "add", job)[1]
    with audit.acting_as(user), audit.acting_for(user, principal):
        try:
            return _work(job, user, write)
        except Exception:
            logger.exception("Import %s failed", job.pk)
            _finish(job, S.FAILED, errors=[[0, "", _("The import stopped on an unexpected error; nothing was "
                                                     "imported. The administrators can see the details in the log.")]])
            return job.state


def _work(job: ImportJob, user, write: bool):
    importer = importers.get(job.kind)(job.institution, user)
    extension = job.stored_path.rsplit(".", 1)[-1]
    try:
        table = open_table(default_storage.path(job.stored_path), extension)
    except FileProblem as exc:
        _finish(job, S.REJECTED, errors=[[1, "", str(exc)]], counts={"errors": 1})
        return job.state
    if not write:
        ImportJob.objects.filter(pk=job.pk).update(total_rows=table.total)
        progress = _Progress(job, "processed_rows")
        result = importer.check(table, progress=progress, keep_rows=importer.keeps_rows)
        job.total_rows = job.processed_rows = result.total
        if not result.ok:
            _finish(job, S.REJECTED, errors=result.errors, counts={"errors": result.error_count})
        elif result.total == 0:
            _finish(job, S.REJECTED, errors=[[2, "", _("The file has no rows to import.")]], counts={"errors": 1})
        else:
            if importer.keeps_rows:
                default_storage.save(_rows_path(job), ContentFile(pickle.dumps(result.rows, pickle.HIGHEST_PROTOCOL)))
            job.state = S.PREVIEW
            job.preview = {"headers": [str(h) for h in importer.preview_headers()], "rows": result.preview}
            job.counts = result.counts
            job.save()
        return job.state
    # Check again (the database may have changed since the preview), then write all or nothing.
    if importer.keeps_rows and default_storage.exists(_rows_path(job)):
        with default_storage.open(_rows_path(job), "rb") as stored:
            result = importer.recheck(pickle.load(stored))  # written by this worker, outside the web root
    else:
        result = importer.check(table, keep_rows=True)
    if not result.ok:
        _finish(job, S.FAILED, errors=result.errors, counts={"errors": result.error_count})
        return job.state
    progress = _Progress(job, "imported_rows", side=True)
    try:
        with transaction.atomic(), audit.batched():
            written = importer.write(result.rows, progress)
            _finish(job, S.DONE, imported_rows=written, processed_rows=result.total)
    except (ValidationError, PermissionError) as exc:
        messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
        ImportJob.objects.filter(pk=job.pk).update(imported_rows=0)
        job.refresh_from_db()
        _finish(job, S.FAILED, errors=[[0, "", m] for m in messages], counts={"errors": len(messages)},
                imported_rows=0)
    finally:
        progress.close()
    return job.state


def errors_xlsx(job: ImportJob) -> bytes:
    from bilge.web.exports import xlsx_bytes

    return xlsx_bytes(_("Errors"), [_("Row"), _("Column"), _("Reason")],
                      ([row or "", column, message] for row, column, message in job.errors))
