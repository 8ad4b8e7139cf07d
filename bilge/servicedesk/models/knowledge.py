"""The knowledge base: articles for staff (and some for IT only), with their versions."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bilge.core.models import ArchivableModel


class Article(ArchivableModel):
    class Visibility(models.TextChoices):
        ALL = "all", _("all staff")
        IT = "it", _("IT staff only")

    institution = models.ForeignKey("core.Institution", on_delete=models.PROTECT, related_name="articles",
                                    verbose_name=_("institution"))
    title = models.CharField(_("heading"), max_length=200)
    body = models.TextField(_("text"))
    category = models.CharField(_("category"), max_length=100, blank=True)
    keywords = models.CharField(_("keywords"), max_length=300, blank=True)
    visibility = models.CharField(_("visible to"), max_length=5, choices=Visibility.choices, default=Visibility.ALL)
    request_types = models.ManyToManyField("servicedesk.RequestType", blank=True, related_name="articles",
                                           verbose_name=_("request types"),
                                           help_text=_("Suggested to people filing these requests."))
    owner_unit = models.ForeignKey("core.Unit", on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("maintained by"), help_text=_("The IT unit that keeps it up to date."))
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    permission_module = "servicedesk"
    search_fields = ("title", "keywords", "category", "body")
    scope_paths = {"institution": "institution", "unit": "owner_unit", "service": "owner_unit"}

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("knowledge base")
        ordering = ["title"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("servicedesk:article_detail", args=[self.pk])


class ArticleVersion(models.Model):
    """An article as it was saved (every save keeps the previous text)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions",
                                verbose_name=_("article"))
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("heading"), max_length=200)
    body = models.TextField(_("text"))
    saved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+",
                                 verbose_name=_("replaced by"))
    saved_at = models.DateTimeField(_("saved at"), auto_now_add=True)

    permission_module = "servicedesk"
    scope_paths = {"institution": "article__institution"}

    class Meta:
        verbose_name = _("article version")
        verbose_name_plural = _("article versions")
        ordering = ["article", "-version"]
        constraints = [models.UniqueConstraint(fields=["article", "version"], name="article_version_unique")]

    def __str__(self):
        return f"{self.article_id} v{self.version}"
