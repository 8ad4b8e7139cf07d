"""Files attached to tickets: stored under $BILGE_DATA_DIR/files (outside the web root) and served
only through a permission-checked view."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bilge.core.models import BaseModel


def _upload_to(instance, filename):
    return f"tickets/{instance.ticket.created_at:%Y/%m}/{instance.ticket_id}/{filename}"


def _article_upload_to(instance, filename):
    return f"articles/{instance.article_id}/{filename}"


class StoredFile(BaseModel):
    """What every attached file records; the file itself lies outside the web root."""

    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size"))
    content_type = models.CharField(_("type"), max_length=100, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("uploaded by"))

    class Meta:
        abstract = True

    def __str__(self):
        return self.name


class Attachment(StoredFile):
    ticket = models.ForeignKey("servicedesk.Ticket", on_delete=models.PROTECT, related_name="attachments",
                               verbose_name=_("ticket"))
    file = models.FileField(_("file"), upload_to=_upload_to, max_length=300)

    permission_module = "servicedesk"
    scope_paths = {"institution": "ticket__institution", "unit": "ticket__requester_unit",
                   "owner": "ticket__requester", "service": "ticket__service_unit"}

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]

    def get_absolute_url(self):
        return reverse("servicedesk:attachment", args=[self.pk])


class ArticleAttachment(StoredFile):
    """A file of a knowledge-base article (a screenshot, a guide): readable by whoever may read the
    article."""

    article = models.ForeignKey("servicedesk.Article", on_delete=models.PROTECT, related_name="attachments",
                                verbose_name=_("article"))
    file = models.FileField(_("file"), upload_to=_article_upload_to, max_length=300)

    permission_module = "servicedesk"
    scope_paths = {"institution": "article__institution", "unit": "article__owner_unit",
                   "service": "article__owner_unit"}

    class Meta:
        verbose_name = _("article attachment")
        verbose_name_plural = _("article attachments")
        ordering = ["id"]

    def get_absolute_url(self):
        return reverse("servicedesk:article_attachment", args=[self.pk])
