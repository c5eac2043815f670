from django.apps import AppConfig


class UiConfig(AppConfig):
    # An app only so that Django finds its template (ui/pagination.html); it has no models.
    name = "lanqing.ui"
    label = "ui"
