"""The service desk's notification kinds (found by bilge.core.notification_kinds on first use).
Default texts: bilge/core/templates/notifications/<kind>.subject.txt and .body.txt."""

import datetime

from django.utils.translation import gettext_lazy as _

from bilge.core.notification_kinds import NotificationKind, register
from bilge.core.notify import localized

NUMBER = _("request number, e.g. 2026-000123")
TITLE = _("subject of the request")
SAMPLE_NUMBER = "2026-000123"
SAMPLE_TITLE = "Yazıcı çıktı vermiyor"
SAMPLE_DUE = datetime.datetime(2026, 11, 24, 15, 30, tzinfo=datetime.UTC)

register(NotificationKind(
    key="created", module="servicedesk", label=_("Request received"),
    description=_("To the requester: the request is recorded, with its number."),
    variables={"number": NUMBER, "title": TITLE, "type": _("request type, in the reader's language"),
               "awaiting_approval": _("true when the request waits for approval first")},
    sample={"number": SAMPLE_NUMBER, "title": SAMPLE_TITLE, "type": localized(tr="Arıza bildirimi", en="Fault report"),
            "awaiting_approval": False},
))
register(NotificationKind(
    key="assigned", module="servicedesk", label=_("Assigned to me"),
    description=_("To the technician a request is assigned or escalated to."),
    variables={"number": NUMBER, "title": TITLE,
               "escalated": _("true when it came by escalation (the resolution time passed)")},
    sample={"number": SAMPLE_NUMBER, "title": SAMPLE_TITLE, "escalated": False},
))
register(NotificationKind(
    key="comment", module="servicedesk", label=_("New comment"),
    description=_("To the requester when IT comments, and to the technician when the requester does."),
    variables={"number": NUMBER, "title": TITLE, "author": _("who wrote the comment"),
               "comment": _("the comment's text")},
    sample={"number": SAMPLE_NUMBER, "title": SAMPLE_TITLE, "author": "İpek Ünal",
            "comment": "Toner siparişi verildi, yarın takılacak."},
))
register(NotificationKind(
    key="approval_needed", module="servicedesk", label=_("Approval needed"),
    description=_("To the approver (and their deputies), with the signed link that opens the decision."),
    variables={"number": NUMBER, "title": TITLE, "requester": _("the requester's name"),
               "type": _("request type, in the reader's language")},
    sample={"number": SAMPLE_NUMBER, "title": "EBYS yetkisi", "requester": "Çağrı Öztürk",
            "type": localized(tr="Yetki talebi", en="Access request")},
))
register(NotificationKind(
    key="decision", module="servicedesk", label=_("Approval decision"),
    description=_("To the requester when the request is approved or rejected."),
    variables={"number": NUMBER, "title": TITLE, "approved": _("true when approved, false when rejected"),
               "note": _("the approver's note")},
    sample={"number": SAMPLE_NUMBER, "title": "EBYS yetkisi", "approved": False,
            "note": "Birim amirinin talebi gerekli."},
))
register(NotificationKind(
    key="resolved", module="servicedesk", label=_("Request resolved"),
    description=_("To the requester when the request is resolved, or merged into another one."),
    variables={"number": NUMBER, "title": TITLE, "resolution": _("what IT did"),
               "merged_into": _("the number of the request it was merged into (empty when resolved)")},
    sample={"number": SAMPLE_NUMBER, "title": SAMPLE_TITLE, "resolution": "Toner değiştirildi.", "merged_into": ""},
))
register(NotificationKind(
    key="sla_warning", module="servicedesk", label=_("Resolution time running out"),
    description=_("To the service chief and the technician when three quarters of the resolution time is used."),
    variables={"number": NUMBER, "title": TITLE, "due": _("when the resolution is due (date and time)")},
    sample={"number": SAMPLE_NUMBER, "title": SAMPLE_TITLE, "due": SAMPLE_DUE},
))
register(NotificationKind(
    key="sla_breach", module="servicedesk", label=_("Resolution time passed"),
    description=_("To the service chief and the technician when the resolution time has passed."),
    variables={"number": NUMBER, "title": TITLE, "due": _("when the resolution was due (date and time)")},
    sample={"number": SAMPLE_NUMBER, "title": SAMPLE_TITLE, "due": SAMPLE_DUE},
))
