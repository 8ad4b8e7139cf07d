"""Pages for the administrators' notification templates (module "admin"): the generic list,
detail, history and archive pages of a ModelUI, and an edit page that previews a template with
the kind's sample context before saving it. Archiving an override brings the default back."""

from __future__ import annotations

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy as _

from bilge.core.filtering import ArchivableFilterSet
from bilge.core.models import NotificationTemplate
from bilge.core.notification_kinds import all_kinds, choices, get_kind
from bilge.core.notification_render import default_source, language_of
from bilge.web.forms import BilgeModelForm
from bilge.web.generic import ModelUI, ObjectEditView
from bilge.web.tables import Column, Table


def _kind_label(key: str) -> str:
    try:
        return str(get_kind(key).label)
    except LookupError:
        return key


class NotificationTemplateFilterSet(ArchivableFilterSet):
    kind = django_filters.ChoiceFilter(choices=choices, label=_("kind"))

    class Meta:
        model = NotificationTemplate
        fields = ["kind", "language"]


notificationtemplate_table = Table(
    columns=[
        Column("kind", _("kind"), accessor=lambda t: _kind_label(t.kind), sort=("kind",), link=True),
        Column("key", _("key"), accessor="kind", sort=("kind",), turkish=False, default=False),
        Column("language", _("language"), sort=("language",)),
        Column("subject", _("subject template"), sort=("subject",)),
        Column("updated_at", _("updated at"), sort=("updated_at",)),
    ],
    default_sort=("kind", "language"),
)


class NotificationTemplateForm(BilgeModelForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=choices)

    class Meta:
        model = NotificationTemplate
        fields = ["kind", "language", "subject", "body"]
        widgets = {"subject": forms.Textarea(attrs={"rows": 2, "spellcheck": "true"}),
                   "body": forms.Textarea(attrs={"rows": 10, "spellcheck": "true"})}
        help_texts = {
            "subject": _("One line; Django template language, e.g. {% blocktranslate %}Assigned to you: "
                         "{{ number }}{% endblocktranslate %}."),
            "body": _("Plain text. Use the kind's variables in {{ }}; the link to the record is added to the e-mail."),
        }


class NotificationTemplateUI(ModelUI):
    model = NotificationTemplate
    url_prefix = "notification-templates"
    filterset = NotificationTemplateFilterSet
    form = NotificationTemplateForm
    table = notificationtemplate_table
    detail_template = "web/notifications_template_detail.html"
    detail_fields = ("kind", "language", "updated_at")

    @classmethod
    def detail_context(cls, request, obj):
        from bilge.core.notify import preview

        try:
            subject, body = preview(obj.kind, obj.language, obj.subject, obj.body)
            error = ""
        except (ValidationError, LookupError) as exc:  # a kind no longer registered, or defaults changed
            subject, body, error = "", "", " ".join(getattr(exc, "messages", [str(exc)]))
        return {"preview_subject": subject, "preview_body": body, "preview_error": error,
                "kind": _kind_or_none(obj.kind)}

    @classmethod
    def urlpatterns(cls):
        patterns = []
        for pattern in super().urlpatterns():
            if pattern.name in (f"{cls.name()}_add", f"{cls.name()}_edit"):
                pattern = path(str(pattern.pattern), TemplateEditView.as_view(ui=cls), name=pattern.name)
            patterns.append(pattern)
        return patterns


def _kind_or_none(key):
    try:
        return get_kind(key)
    except LookupError:
        return None


class TemplateEditView(ObjectEditView):
    """The generic edit page plus: start from the shipped default (?kind=…&language=…), the kind's
    variables beside the form, and a Preview button that checks and renders without saving."""

    def get(self, request, pk=None):
        obj = self._object(request, pk)
        initial = {}
        key, lang = request.GET.get("kind", ""), request.GET.get("language", "")
        if pk is None and _kind_or_none(key) is not None:
            kind = get_kind(key)
            initial = {"kind": key, "language": language_of(lang),
                       "subject": default_source(kind, "subject").strip(), "body": default_source(kind, "body").strip()}
        form = self.ui.form(instance=obj, request=request, initial=initial)
        return self._render(request, form, obj, pk)

    def post(self, request, pk=None):
        if "preview" not in request.POST:
            return super().post(request, pk)
        obj = self._object(request, pk)
        form = self.ui.form(request.POST, instance=obj, request=request)
        preview = None
        if form.is_valid():  # the model's clean() checked both templates
            from bilge.core.notify import preview as render_preview

            preview = render_preview(form.cleaned_data["kind"], form.cleaned_data["language"],
                                     form.cleaned_data["subject"], form.cleaned_data["body"])
        return self._render(request, form, obj, pk, status=200 if preview else 400, preview=preview)

    def _render(self, request, form, obj, pk, status=200, preview=None):
        key = form["kind"].value() or ""
        context = self.base_context(form=form, object=obj if pk else None, creating=pk is None,
                                    kind=_kind_or_none(key), kinds=all_kinds(), preview=preview)
        return render(request, "web/notifications_template_edit.html", context, status=status)


UIS = [NotificationTemplateUI]
urlpatterns = [p for ui in UIS for p in ui.urlpatterns()]
