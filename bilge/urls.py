from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog, set_language

from bilge.web import views as web_views

urlpatterns = [
    path("", web_views.HomeView.as_view(), name="home"),
    path("health/", web_views.health, name="health"),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("jsi18n/", login_not_required(JavaScriptCatalog.as_view()), name="javascript-catalog"),
    path("org/", include("bilge.core.urls")),
    path("servicedesk/", include("bilge.servicedesk.urls")),
    path("assets/", include("bilge.assets.urls")),
    path("integrations/", include("bilge.integrations.urls")),
    path("api/", include("bilge.api.urls")),
    # Last: its pages have prefixes of their own, and a request for another app's page does not
    # try each of them first.
    path("", include("bilge.web.urls")),
]
