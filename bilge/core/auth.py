"""Sign-in: user name or e-mail, password policy, lockout response."""

import re

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils.translation import gettext as _


class UsernameOrEmailBackend(ModelBackend):
    """Authenticate with the user name or, when it holds an "@", the e-mail address."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username and "@" in username:
            User = get_user_model()
            matches = list(User._default_manager.filter(email__iexact=username.strip())[:2])
            if len(matches) == 1:
                username = matches[0].get_username()
        return super().authenticate(request, username=username, password=password, **kwargs)


class CharacterClassValidator:
    """At least one letter and one digit."""

    def validate(self, password, user=None):
        if not re.search(r"[^\W\d_]", password) or not re.search(r"\d", password):
            raise ValidationError(_("The password must contain at least one letter and one digit."),
                                  code="password_character_classes")

    def get_help_text(self):
        return _("Your password must contain at least one letter and one digit.")


def lockout_response(request, credentials, *args, **kwargs):
    from django.conf import settings

    minutes = int(settings.AXES_COOLOFF_TIME * 60)
    return render(request, "web/locked_out.html", {"minutes": minutes}, status=429)
