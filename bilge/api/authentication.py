"""API token authentication that reads the token and its user from what each process keeps
between changes (``bilge.core.configcache``) instead of a query on every call. A deleted token, a
deactivated user or any change of either counts from the next request in every process."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication


class KeptTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        from bilge.core import configcache

        token = configcache.instance(self.get_model(), key, related=("user",))
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return token.user, token
