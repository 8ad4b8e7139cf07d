from django.urls import path

from bilge.core import views

app_name = "core"

urlpatterns = [
    path("people/autocomplete/", views.PersonAutocomplete.as_view(), name="person_autocomplete"),
    path("people/<int:pk>/reveal/", views.RevealPersonalData.as_view(), name="person_reveal"),
    path("people/<int:pk>/account/", views.PersonAccount.as_view(), name="person_account"),
    path("duties/coverage/", views.DutyCoverage.as_view(), name="duty_coverage"),
    path("locked/", views.LockedAccounts.as_view(), name="locked_accounts"),
]
for ui in views.UIS:
    urlpatterns += ui.urlpatterns()

from bilge.core import notification_admin  # noqa: E402  (notification templates, module "admin")

urlpatterns += notification_admin.urlpatterns
