from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    username = forms.CharField(label=_("User name or e-mail"), max_length=254,
                               widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username",
                                                             "class": "form-control"}))
    password = forms.CharField(label=_("Password"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password",
                                                                 "class": "form-control"}))


class TokenForm(forms.Form):
    token = forms.CharField(label=_("Code"), max_length=16,
                            widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                                          "autofocus": True, "class": "form-control"}))

    def __init__(self, user, *args, **kwargs):
        self.user = user
        self.device = None
        super().__init__(*args, **kwargs)

    def clean_token(self):
        from django_otp import match_token

        token = self.cleaned_data["token"].strip().replace(" ", "")
        device = match_token(self.user, token)
        if device is None:
            raise forms.ValidationError(_("The code is not correct or has expired."))
        self.device = device
        return token
