"""Checking and storing attachments: every file is checked before anything is written, and files
written for a transaction that fails are removed again (no half-created ticket, no orphan file)."""

from __future__ import annotations

from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

# File signatures of the types whose content is easy to recognise: a ".pdf" must be a PDF.
SIGNATURES = {
    "pdf": (b"%PDF",), "png": (b"\x89PNG",), "jpg": (b"\xff\xd8\xff",), "jpeg": (b"\xff\xd8\xff",),
    "gif": (b"GIF8",), "zip": (b"PK",), "xlsx": (b"PK",), "docx": (b"PK",), "pptx": (b"PK",), "odt": (b"PK",),
    "ods": (b"PK",),
}
EXECUTABLE_SIGNATURES = (b"MZ", b"\x7fELF", b"#!")


def check_files(files) -> None:
    """Refuse, with a clear message naming the file, anything too large, of a forbidden type or
    whose content does not match its name."""
    limit = settings.SERVICEDESK_ATTACHMENT_MAX_MB * 1024 * 1024
    allowed = set(settings.SERVICEDESK_ATTACHMENT_TYPES)
    errors = []
    for upload in files:
        name = PurePath(upload.name).name
        extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if upload.size > limit:
            errors.append(_("%(name)s is larger than %(limit)s MB.") % {"name": name,
                                                                         "limit": settings.SERVICEDESK_ATTACHMENT_MAX_MB})
            continue
        if upload.size == 0:
            errors.append(_("%(name)s is empty.") % {"name": name})
            continue
        if extension not in allowed:
            errors.append(_("%(name)s: files of this type are not accepted (allowed: %(types)s).")
                          % {"name": name, "types": ", ".join(sorted(allowed))})
            continue
        head = upload.read(8)
        upload.seek(0)
        expected = SIGNATURES.get(extension)
        if head.startswith(EXECUTABLE_SIGNATURES) or (expected and not head.startswith(expected)):
            errors.append(_("%(name)s: the content does not match the file type.") % {"name": name})
    if errors:
        raise ValidationError({"attachments": errors})


def store(owner, files, user) -> list[str]:
    """Save checked files for ``owner`` — a ticket or a knowledge-base article (the caller's
    transaction records them). If one fails, the files already written are deleted before the
    error goes on: no orphan files."""
    from bilge.servicedesk.models import ArticleAttachment, Attachment, Ticket

    model, key = (Attachment, "ticket") if isinstance(owner, Ticket) else (ArticleAttachment, "article")
    saved = []
    try:
        for upload in files:
            name = get_valid_filename(PurePath(upload.name).name)[:150] or "dosya"
            attachment = model(name=PurePath(upload.name).name[:200], size=upload.size,
                               content_type=(getattr(upload, "content_type", "") or "")[:100], uploaded_by=user,
                               **{key: owner})
            attachment.file.save(name, upload, save=False)
            saved.append(attachment.file.name)
            attachment.save()
    except Exception:
        remove(saved)
        raise
    return saved


def remove(names) -> None:
    from bilge.servicedesk.models import Attachment

    storage = Attachment._meta.get_field("file").storage
    for stored in names:
        storage.delete(stored)
