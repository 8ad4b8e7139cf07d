"""A signed-in user's own notification preferences: the language of their messages and, per
kind, whether it is also e-mailed (the in-app notification always appears)."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from bilge.core.models.notification_settings import LANGUAGE_CHOICES
from bilge.core.notification_kinds import all_kinds
from bilge.core.notify import preference_for, save_preferences
from bilge.core.permissions import MODULES


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(label=gettext_lazy("Language of my notifications"), choices=LANGUAGE_CHOICES,
                                 widget=forms.Select(attrs={"class": "form-select"}))

    def __init__(self, *args, preference, **kwargs):
        super().__init__(*args, **kwargs)
        self.kinds = all_kinds()
        self.initial.setdefault("language", preference.language)
        for kind in self.kinds:
            self.fields[f"email_{kind.key}"] = forms.BooleanField(
                label=kind.label, help_text=kind.description, required=False,
                initial=preference.wants_email(kind), widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))

    def groups(self):
        """[(module label, [bound fields])] in registry order."""
        grouped: dict = {}
        for kind in self.kinds:
            label = MODULES.get(kind.module, kind.module or _("Other"))
            grouped.setdefault(str(label), []).append(self[f"email_{kind.key}"])
        return list(grouped.items())

    def email_choices(self) -> dict:
        return {kind.key: self.cleaned_data[f"email_{kind.key}"] for kind in self.kinds}


class NotificationPreferencesView(View):
    """Only ever the signed-in user's own preferences: there is no user in the URL."""

    def get(self, request):
        form = PreferencesForm(preference=preference_for(request.user))
        return render(request, "web/notifications_preferences.html", {"form": form})

    def post(self, request):
        form = PreferencesForm(request.POST, preference=preference_for(request.user))
        if not form.is_valid():
            return render(request, "web/notifications_preferences.html", {"form": form}, status=400)
        save_preferences(request.user, language=form.cleaned_data["language"], email=form.email_choices())
        messages.success(request, _("Your notification preferences are saved."))
        return redirect("notification_preferences")
