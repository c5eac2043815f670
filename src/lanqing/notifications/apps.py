from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "lanqing.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # Imported here, not at the top: models may only be imported once the apps are loaded.
        from lanqing.notifications import channels, jobs  # noqa: F401 - registers channels and periodic tasks
