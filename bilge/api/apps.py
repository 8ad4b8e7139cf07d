from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "bilge.api"
    label = "api"
    verbose_name = "API"
