"""The API router: each domain app lists its routes in ``<app>/api/urls.py`` as ROUTES."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from bilge.api.auth import TokenView
from bilge.assets.api.urls import ROUTES as ASSETS_ROUTES
from bilge.core.api.urls import ROUTES as CORE_ROUTES
from bilge.integrations.api.urls import ROUTES as INTEGRATIONS_ROUTES
from bilge.servicedesk.api.urls import ROUTES as SERVICEDESK_ROUTES


class Router(DefaultRouter):
    """The API root lists the routes to every signed-in user; each route checks its own rights."""

    def get_api_root_view(self, api_urls=None):
        from rest_framework.permissions import IsAuthenticated

        view = super().get_api_root_view(api_urls)
        view.cls.permission_classes = [IsAuthenticated]
        return view


router = Router()
# URLs are tried in this order: the busiest (the service desk's) first.
for prefix, viewset in SERVICEDESK_ROUTES + CORE_ROUTES + ASSETS_ROUTES + INTEGRATIONS_ROUTES:
    router.register(prefix, viewset)

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("token/", TokenView.as_view(), name="api-token"),
    path("", include(router.urls)),
]
