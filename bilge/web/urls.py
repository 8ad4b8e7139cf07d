from django.contrib.auth import views as auth_views
from django.urls import path

from bilge.web import notification_views, views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("login/two-factor/", views.TwoFactorView.as_view(), name="two_factor"),
    path("account/two-factor/", views.TwoFactorSetupView.as_view(), name="two_factor_setup"),
    path("notifications/", views.NotificationsView.as_view(), name="notifications"),
    path("notifications/preferences/", notification_views.NotificationPreferencesView.as_view(),
         name="notification_preferences"),
    path("account/password/", auth_views.PasswordChangeView.as_view(
        template_name="web/password_change.html", success_url="/"), name="password_change"),
]
