from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "bilge.api"
    label = "api"
    verbose_name = "API"

    def ready(self):
        from django.contrib.auth import get_user_model
        from rest_framework.authtoken.models import Token

        from bilge.core import configcache

        # Read at every API call (bilge.api.authentication); a sign-in only moves last_login.
        configcache.register(Token, get_user_model(), bookkeeping=("last_login",))
