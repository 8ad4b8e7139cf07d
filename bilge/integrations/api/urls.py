from bilge.integrations.api import views

ROUTES = [
    ("webhooks", views.WebhookViewSet),
    ("webhook-deliveries", views.WebhookDeliveryViewSet),
]
