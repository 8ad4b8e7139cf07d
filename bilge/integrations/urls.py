from django.urls import path

from bilge.integrations import views

app_name = "integrations"

urlpatterns = [
    path("webhooks/<int:pk>/secret/", views.WebhookSecret.as_view(), name="webhook_secret"),
    path("webhooks/<int:pk>/ping/", views.WebhookPing.as_view(), name="webhook_ping"),
    path("deliveries/<int:pk>/redeliver/", views.DeliveryRedeliver.as_view(), name="webhookdelivery_redeliver"),
]
for ui in views.UIS:
    urlpatterns += ui.urlpatterns()
